//go:build !linux

package memory

import (
	"errors"
	"os"
	"runtime"
	"syscall"
)

// processStartTime is not available without /proc; the pid alone identifies the owner.
func processStartTime(int) (int64, error) { return 0, errors.ErrUnsupported }

func processAlive(o Owner) bool {
	if runtime.GOOS == "windows" {
		return true // cannot probe cheaply; never interrupt a possibly live run
	}
	p, err := os.FindProcess(o.PID)
	if err != nil {
		return false
	}
	// Signal 0 checks existence and permission without delivering anything; EPERM
	// means the process exists but belongs to someone else.
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
