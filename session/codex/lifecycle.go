package codex

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// Lifecycle is how a run's processes are tied to the server, so that none outlives its
// run: not codex, not a command it ran, not a daemon a command left, whether the run
// completes, is cancelled, times out, or the server itself is killed.
type Lifecycle string

const (
	// LifecycleAuto picks the strongest mechanism the OS has: pdeathsig on Linux,
	// watcher on the other Unix systems, job on Windows.
	LifecycleAuto Lifecycle = "auto"
	// LifecyclePdeathsig (Linux) is the watcher with what Linux adds: codex carries the
	// kernel's parent-death signal (SIGKILL when its watcher dies, however it dies),
	// and the watcher is the child subreaper, so every process orphaned below it comes
	// back to it instead of to init.
	LifecyclePdeathsig Lifecycle = "pdeathsig"
	// LifecycleWatcher (Unix) uses only what every Unix has, and is what macOS runs: a
	// watcher process between the server and codex, holding the read end of a pipe only
	// the server writes to. When the server dies the pipe reaches end of file and the
	// watcher ends the run: codex's process group, the processes below it, and every
	// process carrying the run's mark in its environment (how a daemon that left the
	// tree and the group is still known as the run's). Selectable on Linux so that its
	// tests run it too.
	LifecycleWatcher Lifecycle = "watcher"
	// LifecycleJob (Windows) puts codex in a Job Object that kills all its processes
	// when its last handle, held only by the server, closes.
	LifecycleJob Lifecycle = "job"
)

// LifecycleEnv selects the Lifecycle, from the environment the Runner gives codex
// (empty: auto).
const LifecycleEnv = "CODEX_MCP_LIFECYCLE"

// RunMarkEnv is set, to a random value of its own, in the environment of every run: the
// commands codex runs inherit it, so whatever carries it belongs to that run.
const RunMarkEnv = "CODEX_MCP_RUN"

// Lifecycles lists the mechanisms this OS offers, the one auto picks first.
func Lifecycles() []Lifecycle { return slices.Clone(osLifecycles) }

// ParseLifecycle reads a CODEX_MCP_LIFECYCLE value ("" is auto) and says which
// mechanism it means on this OS; one the OS lacks is an error naming those it has.
func ParseLifecycle(s string) (Lifecycle, error) {
	l := Lifecycle(strings.ToLower(strings.TrimSpace(s)))
	if l == "" || l == LifecycleAuto {
		return osLifecycles[0], nil
	}
	if slices.Contains(osLifecycles, l) {
		return l, nil
	}
	names := []string{string(LifecycleAuto)}
	for _, o := range osLifecycles {
		names = append(names, string(o))
	}
	return "", fmt.Errorf("%s=%q: want %s on this system", LifecycleEnv, s, strings.Join(names, ", "))
}

// lifecycleFrom is the Lifecycle env selects; a bad value is logged and auto used, since
// the Runner cannot refuse to exist (the command line reports it at start-up instead).
func lifecycleFrom(env []string, logger *slog.Logger) Lifecycle {
	v := ""
	for _, kv := range env {
		if s, ok := strings.CutPrefix(kv, LifecycleEnv+"="); ok {
			v = s // the last one wins, as for exec
		}
	}
	l, err := ParseLifecycle(v)
	if err != nil {
		logger.Warn("ignoring a bad lifecycle setting", "err", err)
		l = osLifecycles[0]
	}
	return l
}

// hold is the server's grip on the processes of one run (or probe), from its start to its
// end. Each OS has its own (hold_unix.go: a watcher process, or the plain process group
// for a probe; hold_windows.go: a Job Object), made by newHold, which prepares cmd
// before it starts.
type hold interface {
	// started is called once cmd has started. It returns codex's own pid, or an error
	// when codex itself could not be started (the run then never ran).
	started() (pid int, err error)
	// stop ends the run's processes, for a cancellation or a timeout: asked to stop
	// first, forced after killGrace.
	stop()
	// end is called once cmd.Wait has returned, or when cmd.Start failed. Whatever of
	// the run still runs is ended, and what the hold took is released. It returns how
	// many processes it ended that codex had left behind.
	end() int
}

// holdOptions say how to hold a process.
type holdOptions struct {
	lifecycle Lifecycle
	// watch: a run, to be held by a watcher where the OS needs one; a probe is not (it
	// lasts milliseconds, and its own group is enough).
	watch  bool
	logger *slog.Logger
}

// newRunMark returns a fresh value for RunMarkEnv: random, so only the run's processes
// can carry it.
func newRunMark() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
