//go:build unix && !linux

package codex

import "syscall"

// processAttr: an own process group. Other Unix systems have no parent-death signal;
// codex outliving a SIGKILLed server there is issue 9's watcher.
func processAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
