//go:build unix

package bench

import (
	"syscall"
	"time"
)

// childrenCPU is the CPU time (user and system) of every child process this process has
// waited for so far: codex, git and what they ran.
func childrenCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
