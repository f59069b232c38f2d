package codex

import "syscall"

// processAttr: an own process group, and SIGKILL when the server dies, so a crashed
// server leaves no codex behind.
func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
