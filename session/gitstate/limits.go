package gitstate

import "time"

// The package's tunable numbers, in one place. A var, not consts, so the package's own
// tests can lower them; nothing else changes them.
var limits = struct {
	// Timeout bounds each git command. A status that takes longer (a huge or cold
	// repository, a network file system) is given up and the receipt says so; a warm
	// status of a 10,000-file repository takes ~20 ms.
	Timeout time.Duration
	// WaitDelay is how long a killed git may hold its output pipe (a hook's child).
	WaitDelay time.Duration
	// MaxPaths is how many changed paths one status is read for; past it the snapshot is
	// cut (and says so). MaxOutput bounds the bytes read from git for them.
	MaxPaths  int
	MaxOutput int
	// MaxHashFile is the largest file whose content is hashed; a larger one is compared
	// by size, modification time and mode. MaxHashBytes bounds the bytes one snapshot
	// reads in all, for the same fallback past it.
	MaxHashFile  int64
	MaxHashBytes int64
	// MaxNumstatPaths bounds the paths `git diff --numstat` is asked about after a run;
	// past it the receipt has no line counts.
	MaxNumstatPaths int
}{
	Timeout:         10 * time.Second,
	WaitDelay:       time.Second,
	MaxPaths:        20000,
	MaxOutput:       8 << 20,
	MaxHashFile:     8 << 20,
	MaxHashBytes:    128 << 20,
	MaxNumstatPaths: 500,
}
