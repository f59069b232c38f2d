package codex

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Linux has the parent-death signal and the child subreaper; pdeathsig uses them.
var osLifecycles = []Lifecycle{LifecyclePdeathsig, LifecycleWatcher}

// deathSignal makes the process attr starts die by SIGKILL when the thread that started
// it ends (with its process), under pdeathsig.
func deathSignal(attr *syscall.SysProcAttr, l Lifecycle) {
	if l == LifecyclePdeathsig {
		attr.Pdeathsig = syscall.SIGKILL
	}
}

// becomeSubreaper, under pdeathsig, makes this process (a run's watcher) the child
// subreaper: a process orphaned anywhere below it (a command's double-forked daemon, a
// command whose codex died) becomes its child instead of init's, so it stays known as
// the run's and is ended with it. It reports whether it is.
func becomeSubreaper(l Lifecycle) (bool, error) {
	if l != LifecyclePdeathsig {
		return false, nil
	}
	err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	return err == nil, err
}

// selfExe is what re-executes this binary as a watcher: /proc/self/exe names it even
// when the file was replaced or deleted since (an upgrade while the server runs).
func selfExe() (string, error) { return "/proc/self/exe", nil }
