//go:build unix

package codex

import (
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type groupKiller struct {
	pid    int
	pids   map[int]bool
	timer  *time.Timer
	logger *slog.Logger
}

// killGroup sends SIGTERM to codex's process group and to every descendant found in
// /proc (a command that called setsid is in another group but still codex's), then
// SIGKILL to all of them after killGrace.
func killGroup(pid int, logger *slog.Logger) *groupKiller {
	k := &groupKiller{pid: pid, pids: descendants(pid), logger: logger}
	k.signal(syscall.SIGTERM)
	k.timer = time.AfterFunc(killGrace, func() { k.signal(syscall.SIGKILL) })
	return k
}

func (k *groupKiller) signal(sig syscall.Signal) {
	// Pick up children forked since the last look; they are gone from the tree once
	// their parent dies, so keep the ones seen before.
	for p := range descendants(k.pid) {
		k.pids[p] = true
	}
	_ = syscall.Kill(-k.pid, sig)
	for p := range k.pids {
		_ = syscall.Kill(p, sig)
		if pgid, err := syscall.Getpgid(p); err == nil && pgid == p {
			_ = syscall.Kill(-p, sig)
		}
	}
	k.logger.Debug("signalled codex process tree", "pid", k.pid, "signal", sig.String(), "descendants", len(k.pids))
}

// finish makes sure the SIGKILL has gone out once codex itself is gone: escaped
// descendants must not outlive the run.
func (k *groupKiller) finish() {
	if k.timer.Stop() {
		k.signal(syscall.SIGKILL)
	}
}

// descendants returns the pids below root, from /proc's parent links.
func descendants(root int) map[int]bool {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name is in parentheses and may contain spaces; fields follow ")".
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	out := map[int]bool{}
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			if !out[c] {
				out[c] = true
				queue = append(queue, c)
			}
		}
	}
	return out
}

// ownGroup starts cmd in a process group of its own, so that cancellation reaches every
// command codex started; on Linux it also dies with the server (processAttr).
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = processAttr() }

// killGroupNow ends a process group at once: what a run or a probe left behind.
func killGroupNow(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
