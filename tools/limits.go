package tools

import (
	"fmt"

	"github.com/mark3labs/mcp-go/server"

	"github.com/codex-mcp/codex-mcp/session"
)

// The limits of the MCP layer, in one place, each with why it is what it is.
const (
	// MaxLineBytes is the largest JSON-RPC message (one stdin line) the server reads. A
	// longer one is discarded as it streams and answered with an Invalid Request error,
	// never buffered whole. codex's own prompt limit is 1,048,576 characters; JSON
	// escaping can make a character up to 6 bytes ("\u0000"), so 8 MiB lets through
	// every prompt codex would accept, with room for the other fields.
	MaxLineBytes = 8 << 20

	// MaxResultBytes bounds a tool result's structuredContent, encoded. Whatever the
	// store holds (a session with thousands of commands, a megabyte final message), no
	// client gets a multi-megabyte message; a few hundred KB is more than any assistant
	// can use in its context anyway.
	MaxResultBytes = 256 << 10

	// MaxTextBytes bounds the text content of a tool result, encoded: the summary a
	// person or a model reads, next to the structured content.
	MaxTextBytes = 64 << 10

	// MaxResourceBytes bounds a resource read (codex://sessions/{id}), for the same reason.
	MaxResourceBytes = 256 << 10

	// MaxRunningLimit is the highest --max-running an operator may set: each run holds a
	// stdio worker for its whole length, and mcp-go allows at most maxWorkers workers, of
	// which the waiting get_session calls and the reads need their share (see Budget).
	MaxRunningLimit = (maxWorkers - readWorkers) / 2

	// maxWorkers is mcp-go's ceiling on the stdio worker pool (WithWorkerPoolSize).
	maxWorkers = 100
	// readWorkers are the workers kept free for calls that answer at once (list,
	// get without wait, cancel, decide) however many long calls are in flight: enough for
	// a client that fires a burst of reads while every run and every follower is busy.
	readWorkers = 16
	// queuePerWorker sizes mcp-go's tool call queue. When the queue is full mcp-go
	// handles the next call on its read loop, which then answers nothing else (not even
	// ping) until that call ends; with long calls limited to their own workers, the queue
	// only ever holds quick calls, so a few per worker absorbs any burst a client sends.
	// Each queued call holds its message (at most MaxLineBytes, usually a few hundred
	// bytes), so the queue is not unbounded either.
	queuePerWorker = 8
)

// Budget sizes the stdio transport for a Manager that lets maxRunning runs go at once.
//
// In mcp-go's stdio server every tools/call takes one of a fixed pool of workers for as
// long as its handler runs (other requests, ping included, get their own goroutine). A
// start/resume/fork without wait_seconds holds its worker for the whole run, and a
// get_session with wait_seconds holds one while it waits; with the default 5 workers,
// five long calls left no worker for list_sessions or cancel_session. So the pool is:
//
//	maxRunning runs (the Manager refuses a start past them, at once)
//	+ maxRunning get_session calls waiting (one follower per run; more are answered at once, see waitSlots)
//	+ readWorkers for everything else
type Budget struct {
	MaxRunning int
}

func (b Budget) maxRunning() int {
	if b.MaxRunning <= 0 {
		return session.DefaultMaxRunning
	}
	return b.MaxRunning
}

// Waiters is how many get_session calls may wait for a run at once.
func (b Budget) Waiters() int { return b.maxRunning() }

// Workers is the stdio worker pool size.
func (b Budget) Workers() int { return min(b.maxRunning()+b.Waiters()+readWorkers, maxWorkers) }

// Queue is the stdio tool call queue size.
func (b Budget) Queue() int { return b.Workers() * queuePerWorker }

// StdioOptions are the mcp-go stdio options for this budget.
func (b Budget) StdioOptions() []server.StdioOption {
	return []server.StdioOption{server.WithWorkerPoolSize(b.Workers()), server.WithQueueSize(b.Queue())}
}

// CheckMaxRunning validates an operator's --max-running.
func CheckMaxRunning(n int) error {
	if n < 1 || n > MaxRunningLimit {
		return fmt.Errorf("%d: want a whole number from 1 to %d (each run holds one of the server's %d stdio workers)", n, MaxRunningLimit, maxWorkers)
	}
	return nil
}
