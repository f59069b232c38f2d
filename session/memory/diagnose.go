package memory

import "context"

// Finding is one problem Diagnose found with the memory database, and what fixes it.
type Finding struct {
	Problem string // what is wrong, in one sentence
	Fix     string // what the user can do about it
}

// Diagnose checks the memory database at path (writable, not locked for long, not
// corrupt) without changing it; no findings means it is healthy.
func Diagnose(ctx context.Context, path string) []Finding {
	_ = ctx
	_ = path
	return nil // TODO(issue 7): implemented by the memory work
}
