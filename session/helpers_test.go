package session_test

import "os"

func tempDir(prefix string) (string, error) { return os.MkdirTemp("", prefix) }
