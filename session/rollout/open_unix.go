//go:build unix

package rollout

import (
	"os"
	"syscall"
)

// openRollout opens a rollout for reading without blocking: opening a FIFO for reading
// blocks until a writer appears, unless O_NONBLOCK is given. On a regular file the flag
// changes nothing; anything else is refused after the open (see parseFile).
func openRollout(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
