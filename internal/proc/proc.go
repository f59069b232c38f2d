// Package proc is the one place that asks the operating system about processes: one
// process's parent, group, start time and state, the whole process table, a process's
// argv and environment. The session adapter uses it to find what a codex run left
// behind, memory to tell a live owner from a dead one, and the tests to look only at
// their own processes. Each OS has its own file (/proc on Linux, sysctl on macOS, the
// Tool Help snapshot and process handles on Windows); what they share is here.
package proc

import (
	"errors"
	"slices"
)

// ErrNotFound says there is no process with that pid (any more).
var ErrNotFound = errors.New("no such process")

// Process is one process as the OS reports it.
type Process struct {
	PID  int
	PPID int
	// Name is the command's name as the OS keeps it (Linux and macOS cut it short:
	// 15 and 16 bytes; Windows: the executable's file name).
	Name string
	// PGID is the process group; 0 where the OS has none (Windows).
	PGID int
	// Start is when the process started, in the OS's own unit (Linux: clock ticks after
	// boot; macOS: microseconds since the epoch; Windows: 100 ns since 1601). It is fixed
	// for the life of a process, so PID and Start together name one process even after
	// its pid is reused. 0 when the OS would not say.
	Start int64
	// Exited: the process has ended and only waits to be reaped (a zombie), or on
	// Windows, only an open handle still keeps it.
	Exited bool
}

// Alive reports whether pid is a running process. A process that exists but may not be
// inspected counts as alive.
func Alive(pid int) bool {
	p, err := Get(pid)
	if err != nil {
		return !errors.Is(err, ErrNotFound)
	}
	return !p.Exited
}

// Same reports whether p still runs: its pid is alive and started when p did. A zero
// Start matches any process with that pid (the start was not recorded).
func Same(p Process) bool {
	q, err := Get(p.PID)
	if err != nil {
		return !errors.Is(err, ErrNotFound)
	}
	return !q.Exited && (p.Start == 0 || q.Start == 0 || q.Start == p.Start)
}

// Descendants lists the processes below root, from one snapshot of the process table.
func Descendants(root int) ([]Process, error) {
	all, err := List()
	if err != nil {
		return nil, err
	}
	return DescendantsIn(all, root), nil
}

// DescendantsIn lists the processes of all that are below root, following parent links.
// A link counts only if the child did not start before its parent: on Windows a parent
// pid is not updated when the parent dies, and may name a newer process since.
func DescendantsIn(all []Process, root int) []Process {
	byPID := make(map[int]Process, len(all))
	children := make(map[int][]Process, len(all))
	for _, p := range all {
		byPID[p.PID] = p
		if p.PID != p.PPID {
			children[p.PPID] = append(children[p.PPID], p)
		}
	}
	var out []Process
	seen := map[int]bool{root: true}
	queue := []int{root}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		pstart := byPID[parent].Start
		for _, c := range children[parent] {
			if seen[c.PID] || (pstart != 0 && c.Start != 0 && c.Start < pstart) {
				continue
			}
			seen[c.PID] = true
			out = append(out, c)
			queue = append(queue, c.PID)
		}
	}
	return out
}

// HasEnv reports whether pid's environment holds the exact entry kv ("NAME=value").
// A process whose environment cannot be read does not.
func HasEnv(pid int, kv string) bool {
	env, err := Environ(pid)
	return err == nil && slices.Contains(env, kv)
}
