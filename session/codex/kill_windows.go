package codex

import (
	"log/slog"
	"os"
	"os/exec"
	"syscall"
)

// groupKiller on Windows ends codex itself; there are no signals or process groups to
// reach its commands (a Job Object with kill-on-close is issue 9's work).
type groupKiller struct{}

func killGroup(pid int, logger *slog.Logger) *groupKiller {
	killGroupNow(pid)
	logger.Debug("killed codex", "pid", pid)
	return &groupKiller{}
}

func (*groupKiller) finish() {}

// ownGroup gives codex a process group of its own, so a console interrupt meant for the
// server does not reach it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

func killGroupNow(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
