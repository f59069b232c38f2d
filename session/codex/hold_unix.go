//go:build unix

package codex

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/proc"
)

// newHold prepares cmd: a run goes through a watcher of its own (watcher_unix.go); a
// probe, or a run when this binary cannot be re-executed, is held by its process group.
func newHold(cmd *exec.Cmd, o holdOptions) (hold, error) {
	if !o.watch {
		return newGroupHold(cmd, o), nil
	}
	self, err := selfExe()
	if err == nil {
		var abs string
		if abs, err = filepath.Abs(cmd.Path); err == nil {
			return newWatchHold(cmd, o, self, abs)
		}
	}
	o.logger.Warn("codex runs without a watcher, so a server killed outright may leave it running", "err", err)
	return newGroupHold(cmd, o), nil
}

// watchHold is the server's end of a run's watcher (watcher_unix.go has the protocol).
type watchHold struct {
	cmd    *exec.Cmd
	logger *slog.Logger
	life   *os.File // the lifeline's write end: only this process holds it
	report *os.File // the report's read end
	// The ends the watcher inherits, closed here once it has them.
	childLife, childReport *os.File

	lines    *bufio.Reader
	pid      int           // codex's, once the watcher said so
	reported chan struct{} // closed when the report ends (the watcher exited)
	left     atomic.Int64  // from the report's "left" line; -1 until it comes
	backstop *time.Timer

	mu       sync.Mutex
	lifeDone bool // the lifeline is closed
}

func newWatchHold(cmd *exec.Cmd, o holdOptions, self, codexPath string) (hold, error) {
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		_ = lifeR.Close()
		_ = lifeW.Close()
		return nil, err
	}
	// argv[0] says what the process is in ps; the rest is codex's argv, path first.
	cmd.Args = append([]string{"codex-mcp-watcher", codexPath}, cmd.Args[1:]...)
	cmd.Path = self
	if cmd.Env == nil {
		cmd.Env = os.Environ() // what exec would have given codex
	}
	cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], watcherEnv+"="+string(o.lifecycle))
	cmd.ExtraFiles = []*os.File{lifeR, repW} // fds 3 and 4
	// Its own group, so a terminal's ^C to the server's does not reach the run, and the
	// backstop can end it whole. No parent-death signal: it must outlive the server, to
	// end the run when the server dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	h := &watchHold{cmd: cmd, logger: o.logger, life: lifeW, report: repR, childLife: lifeR, childReport: repW,
		lines: bufio.NewReader(repR), reported: make(chan struct{})}
	h.left.Store(-1)
	return h, nil
}

func (h *watchHold) started() (int, error) {
	_ = h.childLife.Close()
	_ = h.childReport.Close()
	type answer struct {
		line string
		err  error
	}
	first := make(chan answer, 1)
	go func() {
		line, err := h.lines.ReadString('\n')
		first <- answer{strings.TrimSpace(line), err}
		if err != nil {
			close(h.reported)
			return
		}
		// The rest of the report, until the watcher exits.
		for {
			line, err := h.lines.ReadString('\n')
			if n, ok := strings.CutPrefix(strings.TrimSpace(line), "left "); ok {
				if v, err := strconv.Atoi(n); err == nil {
					h.left.Store(int64(v))
				}
			}
			if err != nil {
				close(h.reported)
				return
			}
		}
	}()
	var a answer
	select {
	case a = <-first:
	case <-time.After(watcherStart):
		a.err = fmt.Errorf("no word from it in %s", watcherStart)
	}
	if p, ok := strings.CutPrefix(a.line, "pid "); ok {
		if pid, err := strconv.Atoi(p); err == nil && pid > 0 {
			h.pid = pid
			h.logger.Debug("codex runs under its watcher", "watcher", h.cmd.Process.Pid, "pid", pid)
			return pid, nil
		}
	}
	h.closeLife() // the watcher, if it still runs, ends whatever it started
	if msg, ok := strings.CutPrefix(a.line, "fail "); ok {
		return 0, errors.New(msg)
	}
	if a.err == nil {
		a.err = fmt.Errorf("unexpected report %q", a.line)
	}
	return 0, fmt.Errorf("the watcher of the run failed: %w", a.err)
}

// stop asks the watcher to end the run gracefully; should it not have done so in time,
// the backstop kills it, and codex's group, from here.
func (h *watchHold) stop() {
	h.mu.Lock()
	if !h.lifeDone {
		if _, err := h.life.Write([]byte{'s'}); err != nil {
			h.logger.Debug("asking the watcher to stop", "err", err)
		}
	}
	h.mu.Unlock()
	if h.backstop == nil {
		h.backstop = time.AfterFunc(killGrace+watcherSlack, func() {
			h.logger.Warn("the watcher did not end its run in time; killing it and codex from the server", "watcher", h.cmd.Process.Pid, "pid", h.pid)
			h.kill()
		})
	}
}

// kill ends the watcher and codex's group at once, from here.
func (h *watchHold) kill() {
	h.closeLife()
	_ = syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL)
	if h.pid > 0 {
		_ = syscall.Kill(-h.pid, syscall.SIGKILL)
	}
}

func (h *watchHold) closeLife() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.lifeDone {
		h.lifeDone = true
		_ = h.life.Close()
	}
}

func (h *watchHold) end() int {
	if h.backstop != nil {
		h.backstop.Stop()
	}
	h.closeLife()
	if h.cmd.Process == nil {
		// It never started: only the pipes are to be let go of.
		_ = h.childLife.Close()
		_ = h.childReport.Close()
		_ = h.report.Close()
		return 0
	}
	select {
	case <-h.reported:
	case <-time.After(reportWait):
		// Something the watcher started holds the report open: the watcher did not
		// close it on exec, or was itself killed mid-way.
	}
	_ = h.report.Close()
	left := int(h.left.Load())
	if left < 0 && h.pid > 0 {
		// The watcher died without ending the run (killed outright): end codex's group
		// from here, which is what is left to reach.
		h.logger.Warn("the watcher of the run died before ending it", "pid", h.pid)
		_ = syscall.Kill(-h.pid, syscall.SIGKILL)
		return 0
	}
	return max(left, 0)
}

// groupHold holds a process through its own process group and the processes found
// below it: a probe, or a run when no watcher can be had. It is ended by the kernel's
// parent-death signal under pdeathsig (Linux) should the server die.
type groupHold struct {
	cmd    *exec.Cmd
	logger *slog.Logger

	mu    sync.Mutex
	seen  map[int]proc.Process // descendants seen so far: once a parent dies they leave the tree
	timer *time.Timer
}

func newGroupHold(cmd *exec.Cmd, o holdOptions) *groupHold {
	attr := &syscall.SysProcAttr{Setpgid: true}
	deathSignal(attr, o.lifecycle)
	cmd.SysProcAttr = attr
	return &groupHold{cmd: cmd, logger: o.logger, seen: map[int]proc.Process{}}
}

func (h *groupHold) started() (int, error) { return h.cmd.Process.Pid, nil }

// stop sends SIGTERM to the group and every descendant (a command that called setsid
// is in another group but still below codex), then SIGKILL after killGrace.
func (h *groupHold) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.timer != nil {
		return
	}
	h.signal(syscall.SIGTERM)
	h.timer = time.AfterFunc(killGrace, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.signal(syscall.SIGKILL)
	})
}

// end kills whatever of the group and the descendants seen is left: nothing a probe or
// a run started may outlive it.
func (h *groupHold) end() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.timer != nil {
		h.timer.Stop()
	}
	h.signal(syscall.SIGKILL)
	return 0
}

func (h *groupHold) signal(sig syscall.Signal) {
	// Set by Start, before anything can stop the process (exec's Cancel included).
	if h.cmd.Process == nil || h.cmd.Process.Pid <= 0 {
		return // it never started; and never kill(0): that is this server's own group
	}
	pid := h.cmd.Process.Pid
	if ds, err := proc.Descendants(pid); err == nil {
		for _, d := range ds {
			h.seen[d.PID] = d
		}
	}
	_ = syscall.Kill(-pid, sig)
	for _, d := range h.seen {
		if !proc.Same(d) {
			continue // gone, or its pid now names another process
		}
		_ = syscall.Kill(d.PID, sig)
		if d.PGID == d.PID {
			_ = syscall.Kill(-d.PID, sig)
		}
	}
	h.logger.Debug("signalled a process tree", "pid", pid, "signal", sig.String(), "descendants", len(h.seen))
}
