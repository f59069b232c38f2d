package session

import (
	"fmt"
	"strings"
	"time"
)

// The Manager's bounds, in one place. Every answer it gives must stay a few hundred KB
// whatever the store holds (a client drops a connection over a multi-MB message), and
// every wait must leave the server free to answer reads.
const (
	// MaxWaiting is how many get_session calls may wait (wait_seconds) at once; past it a
	// call answers at once with the current state. The MCP layer sizes its workers from
	// it and the run limit, so reads always find a free worker.
	MaxWaiting = 32
	// MaxRunningLimit is the highest --max-running the Manager accepts.
	MaxRunningLimit = 64

	// Listing: a picker line, not the whole text.
	listTextRunes = 2000
	// get_session: the newest turns, each with a bounded message and command list.
	detailRuns        = 50
	detailMessageRune = 16 << 10
	detailCommands    = 100
	detailFiles       = 500
	// A transcript resource, whole.
	transcriptBytes = 256 << 10
	// decide_resume's suggested call repeats the caller's fields; one longer than this is
	// left for the caller to send again rather than echoed.
	echoRunes = 32 << 10
	// What a decision reads from memory: the newest sessions of all conversations, and
	// the newest of this conversation, directory and feature however old. The tree reads
	// text only for the newest sessions anyway, and reading thousands of rows would cost
	// more than the decision itself.
	decideRecent = 300
	decideScoped = 128
	// The files a session changed, as the decision sees them: the first and the latest.
	pastFiles = 64
	// How many parent directories projectRoot looks at for a .git entry.
	rootSteps = 64
	// How many earlier sessions a new one may draw on (draw_from).
	maxDrawFrom = 10

	// A run's receipt lists at most maxChanges files (the first and the last); each run
	// looks at its work tree at most receiptLooks times after a tool step (past it, once
	// more at its end).
	maxChanges   = 500
	receiptLooks = 64
	// The text summary of a result names this many changed files.
	summaryChanges = 50

	// Records memory could not take are tried again with this backoff while the process
	// lives.
	recordRetryFirst = time.Second
	recordRetryMax   = 30 * time.Second
)

// clip cuts s to n runes, keeping the head and the tail and saying what was cut, so a
// reader sees both how the text starts and how it ends.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head, tail := n*3/4, n/4
	cut := len(r) - head - tail
	return string(r[:head]) + fmt.Sprintf("\n…[%d characters cut]…\n", cut) + string(r[len(r)-tail:])
}

// clipList keeps the first and last of a long list and reports how many were dropped.
func clipList[T any](v []T, n int) ([]T, int) {
	if len(v) <= n {
		return v, 0
	}
	head := n - n/4
	out := append(append(make([]T, 0, n), v[:head]...), v[len(v)-(n-head):]...)
	return out, len(v) - n
}

// normID is a session id as codex stores it: codex writes lower-case UUIDs, a person may
// paste an upper-case one.
func normID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }
