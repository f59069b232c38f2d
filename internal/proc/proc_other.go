//go:build !linux && !darwin && !windows

package proc

import (
	"errors"

	"golang.org/x/sys/unix"
)

// On the other Unix systems only existence is known (signal 0); the rest is not
// implemented.

func Get(pid int) (Process, error) {
	if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) {
		return Process{}, ErrNotFound
	}
	return Process{PID: pid}, nil
}

func List() ([]Process, error) { return nil, errors.ErrUnsupported }

func Cmdline(int) ([]string, error) { return nil, errors.ErrUnsupported }

func Environ(int) ([]string, error) { return nil, errors.ErrUnsupported }
