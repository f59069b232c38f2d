package memory

import "github.com/codex-mcp/codex-mcp/internal/proc"

// processStartTime is when pid started, in the OS's unit (internal/proc): fixed for the
// life of a process, so (pid, start time) names one process even after the pid is reused.
func processStartTime(pid int) (int64, error) {
	p, err := proc.Get(pid)
	return p.Start, err
}

// processAlive reports whether the owner process still runs. A process that exists but
// may not be inspected is taken as alive; a zero StartTime (not recorded) matches any
// process with the pid.
func processAlive(o Owner) bool { return proc.Same(proc.Process{PID: o.PID, Start: o.StartTime}) }
