package memory

import (
	"os"
	"sync"
)

// Self returns the Owner describing this process, to record in the runs it starts.
func Self() Owner { return self() }

var self = sync.OnceValue(func() Owner {
	host, _ := os.Hostname()
	pid := os.Getpid()
	st, _ := processStartTime(pid)
	return Owner{PID: pid, StartTime: st, Host: host}
})

// ProcessAlive reports whether the process o describes is still running. It is the
// liveness check to pass to MarkInterrupted. It errs towards alive: a run wrongly left
// running is shown as running, while a run wrongly marked interrupted would be resumed
// or listed as dead while a live server is still driving it. So an owner on another host
// (the state dir on a shared disk) is taken as alive, since it cannot be checked here.
func ProcessAlive(o Owner) bool {
	if o.PID <= 0 {
		return false // no owner recorded: nobody can still be running it
	}
	if o.Host != "" && o.Host != Self().Host {
		return true
	}
	return processAlive(o)
}
