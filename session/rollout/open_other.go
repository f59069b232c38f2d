//go:build !unix

package rollout

import "os"

// openRollout opens a rollout for reading. Outside Unix there are no FIFOs in the file
// system to block the open; anything but a regular file is refused after it.
func openRollout(path string) (*os.File, error) {
	return os.Open(path)
}
