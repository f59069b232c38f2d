package codex

import "time"

// The adapter's tunable numbers, in one place.
//
// The result caps keep any run's Result (and so every tool result and memory row built from
// it) to a few hundred KB however much codex prints: the design holds every tool result to
// that. Worst case: FinalMessage 64 KiB + 64 commands × (1 KB command + 2 KB output) +
// 256 files × 512 B + 64 warnings and errors × 1 KB ≈ 450 KB; a normal run is far below.
const (
	// maxLine is the longest stdout line read whole. A longer one (a 20 MB agent
	// message or command output on one line) is never buffered: only its first lineHead
	// and last lineTail bytes are kept, joined with a note of the cut, which is still
	// the JSON event when the cut falls inside one string (it nearly always does: the
	// huge part is the text). Head and tail together stay under maxFinalMessage, so a
	// mended message is not cut a second time (which would misstate the size cut).
	maxLine  = 1 << 20
	lineHead = 30 << 10
	lineTail = 30 << 10

	// maxFinalMessage bounds FinalMessage; a longer one keeps its head and tail halves.
	maxFinalMessage = 64 << 10
	// maxCommands bounds Commands: the first and the last half are kept, since the start
	// says what codex set out to do and the end what it finally ran (the tests).
	maxCommands = 64
	// maxCommandText bounds a command's text; maxOutputTail the output kept (its tail,
	// where the failure or the summary is).
	maxCommandText = 1000
	maxOutputTail  = 2000
	// maxFiles bounds FilesChanged (first and last halves) and maxPath each path.
	maxFiles = 256
	maxPath  = 512
	// maxNotes bounds the number of Warnings and of Errors, maxNote each one's length.
	maxNotes = 64
	maxNote  = 1000
	// maxInflight bounds the commands remembered as started but not finished; past it
	// the no-output timeout still sees that a command runs (the count is kept).
	maxInflight = 1024

	// stderrTail keeps the last bytes codex wrote to stderr, for error messages.
	stderrTail = 4096
)

// probeLimits are the capability probe's timings. A var, not consts, so the package's own
// tests can shorten them; nothing else changes them.
var probeLimits = struct {
	// Timeout bounds the whole probe: a codex that does not answer --version in this
	// long is broken (it answers in ~50 ms).
	Timeout time.Duration
	// WaitDelay is how long the probe waits for output pipes after the process exited or
	// was killed: a wrapper script's background child can hold them open for ever.
	WaitDelay time.Duration
	// FailBackoff is how long a failed probe's error is served to every caller before
	// the binary is probed again: long enough that a burst of starts against a missing
	// codex does not probe once each, short enough that installing codex while the
	// server runs works at once.
	FailBackoff time.Duration
}{
	Timeout:     30 * time.Second,
	WaitDelay:   time.Second,
	FailBackoff: 5 * time.Second,
}

// Process lifecycle timings (lifecycle.go, hold_*.go, watcher_unix.go).
const (
	// killGrace is how long codex and its commands get to exit after SIGTERM before
	// SIGKILL. Cancellation must leave nothing running within a second.
	killGrace = 400 * time.Millisecond
	// watcherStart bounds the wait for a run's watcher to say codex runs (it does in a
	// few milliseconds; a watcher that says nothing is broken).
	watcherStart = 10 * time.Second
	// watcherSlack is how long past killGrace a watcher asked to stop gets to end its
	// run before the server kills it and codex's group itself.
	watcherSlack = 2 * time.Second
	// sweepRounds and sweepPause bound ending what a run left: rounds of finding and
	// killing its processes, until a round finds none. Bounded, so a fork bomb cannot
	// keep a watcher (and so the run's end) going for ever: ~1 s at most.
	sweepRounds = 100
	sweepPause  = 10 * time.Millisecond
	// reportWait is how long, once the watcher has exited, the server waits for the last
	// line of its report.
	reportWait = 2 * time.Second
)
