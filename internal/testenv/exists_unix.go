//go:build unix

package testenv

import "syscall"

// exists reports whether a process pid is there (signal 0 checks without sending).
func exists(pid int) bool { return syscall.Kill(pid, 0) == nil }
