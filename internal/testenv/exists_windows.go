package testenv

import "os"

// exists reports whether a process pid is there: Windows opens a handle only to a live one.
func exists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
