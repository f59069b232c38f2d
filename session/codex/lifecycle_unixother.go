//go:build unix && !linux

package codex

import (
	"os"
	"syscall"
)

// The other Unix systems (macOS among them) have neither a parent-death signal nor a
// child subreaper: the watcher is all there is.
var osLifecycles = []Lifecycle{LifecycleWatcher}

func deathSignal(*syscall.SysProcAttr, Lifecycle) {}

func becomeSubreaper(Lifecycle) (bool, error) { return false, nil }

func selfExe() (string, error) { return os.Executable() }
