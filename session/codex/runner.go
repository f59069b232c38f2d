package codex

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Status of a finished run.
const (
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
	StatusTimedOut  = "timed_out"
)

// Request is one `codex exec` run.
type Request struct {
	Spec   Spec
	Prompt string
	// Timeout bounds the whole run; IdleTimeout bounds silence on stdout while no command
	// is running (codex retries an unreachable model endpoint for ever, printing nothing).
	Timeout     time.Duration
	IdleTimeout time.Duration
	// OnStart is called once the process runs, with its argv and pid.
	OnStart func(argv []string, pid int)
	// OnEvent is called for every event, in order, from the run's goroutine.
	OnEvent func(Event)
}

// Result is what a run produced.
type Result struct {
	Transcript
	Status     string
	Error      string // why it did not complete, in one sentence
	ExitCode   int
	Argv       []string
	Stderr     string // the tail of codex's stderr
	StartedAt  time.Time
	EndedAt    time.Time
	Version    string
	TimeoutHit string // "total" or "idle" when Status is timed_out
	// DisabledMCPServers names the MCP servers of the user's Codex config that are
	// codex-mcp itself and were turned off for this run (so codex did not start this
	// server inside the run); sorted, nil when none.
	DisabledMCPServers []string
}

// Runner runs the codex binary. It probes the binary on first use and keeps what it learnt.
type Runner struct {
	bin       string
	env       []string
	logger    *slog.Logger
	mcp       mcpGuard
	lifecycle Lifecycle

	mu       sync.Mutex
	caps     *Capabilities
	probeErr error         // the last failed probe's error, served until probeErrAt+FailBackoff
	probeAt  time.Time     // when probeErr was got
	probing  chan struct{} // closed when the probe in flight ends; nil when none is
}

// NewRunner returns a Runner for bin (a name on PATH or a path). env is the environment
// codex gets (nil: the server's own, so CODEX_HOME and the rest pass through); its
// CODEX_MCP_LIFECYCLE says how runs are tied to the server (Lifecycle).
func NewRunner(bin string, env []string, logger *slog.Logger) *Runner {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	lenv := env
	if lenv == nil {
		lenv = os.Environ()
	}
	return &Runner{bin: bin, env: env, logger: logger, lifecycle: lifecycleFrom(lenv, logger)}
}

// Capabilities probes the binary once and keeps what it learnt. Concurrent callers share
// the probe in flight, each waiting only as long as its own ctx allows. A failed probe's
// error is served for probeLimits.FailBackoff, then the binary is probed again, so a user
// who installs codex while the server runs does not have to restart it.
func (r *Runner) Capabilities(ctx context.Context) (Capabilities, error) {
	r.mu.Lock()
	if r.caps != nil {
		defer r.mu.Unlock()
		return *r.caps, nil
	}
	if r.probeErr != nil && time.Since(r.probeAt) < probeLimits.FailBackoff {
		defer r.mu.Unlock()
		return Capabilities{}, r.probeErr
	}
	wait := r.probing
	if wait == nil {
		wait = make(chan struct{})
		r.probing = wait
		// Not the caller's cancellation: the others waiting want the answer too.
		go r.probe(context.WithoutCancel(ctx), wait)
	}
	r.mu.Unlock()
	select {
	case <-wait:
	case <-ctx.Done():
		return Capabilities{}, ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.caps != nil {
		return *r.caps, nil
	}
	return Capabilities{}, r.probeErr
}

func (r *Runner) probe(ctx context.Context, done chan struct{}) {
	caps, err := Probe(ctx, r.bin)
	r.mu.Lock()
	defer r.mu.Unlock()
	defer close(done)
	r.probing = nil
	if err != nil {
		r.logger.Debug("probing codex failed", "bin", r.bin, "err", err)
		r.probeErr, r.probeAt = err, time.Now()
		return
	}
	r.logger.Debug("probed codex", "bin", caps.Bin, "version", caps.Version)
	r.caps, r.probeErr = &caps, nil
}

// Run starts codex and blocks until it exits, is cancelled through ctx, or times out.
// The returned error is for runs that could not start at all (no binary, bad spec); every
// run that started ends in a Result with a Status.
func (r *Runner) Run(ctx context.Context, req Request) (Result, error) {
	caps, err := r.Capabilities(ctx)
	if err != nil {
		return Result{}, err
	}
	env := r.env
	if env == nil {
		env = os.Environ()
	}
	env = append(env[:len(env):len(env)], caps.Env...)
	spec, disabled, warnings := r.unnest(caps, req.Spec, env)
	args, err := BuildArgs(caps, spec)
	if err != nil {
		return Result{}, err
	}
	res := Result{Argv: append([]string{caps.Bin}, args...), Version: caps.Version, StartedAt: time.Now(), DisabledMCPServers: disabled}
	res.Warnings = warnings

	cmd := exec.Command(caps.Bin, args...)
	cmd.Dir = req.Spec.Directory
	// The nesting mark: a codex-mcp started anywhere below this run sees it. The run's
	// mark: whatever carries it is this run's, even once it left codex's tree.
	cmd.Env = withEnv(withEnv(env, DelegatedEnv, strconv.Itoa(os.Getpid())), RunMarkEnv, newRunMark())
	cmd.Stdin = strings.NewReader(req.Prompt)
	outR, outW := io.Pipe()
	cmd.Stdout = outW
	stderr := &capBuffer{max: stderrTail}
	cmd.Stderr = stderr
	// A grandchild that escaped the run may hold stdout open after codex exits; do not
	// wait for it longer than this.
	cmd.WaitDelay = 2 * time.Second
	h, err := newHold(cmd, holdOptions{lifecycle: r.lifecycle, watch: true, logger: r.logger})
	if err != nil {
		return Result{}, fmt.Errorf("preparing to run codex: %w", err)
	}

	if err := cmd.Start(); err != nil {
		h.end()
		return Result{}, &NotFoundError{Bin: caps.Bin, Err: err}
	}
	pid, err := h.started()
	if err != nil {
		_ = outR.Close() // nothing reads the output of a run that never ran
		_ = cmd.Wait()
		h.end()
		return Result{}, &NotFoundError{Bin: caps.Bin, Err: err}
	}
	r.logger.Debug("codex started", "pid", pid, "lifecycle", r.lifecycle, "argv", res.Argv)
	if req.OnStart != nil {
		req.OnStart(res.Argv, pid)
	}

	waitErr := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		_ = outW.Close()
		waitErr <- err
	}()
	events := make(chan Event, 64)
	go readEvents(outR, events, r.logger)

	var total <-chan time.Time
	if req.Timeout > 0 {
		t := time.NewTimer(req.Timeout)
		defer t.Stop()
		total = t.C
	}
	idleTimer := time.NewTimer(time.Hour)
	idleTimer.Stop()
	var idle <-chan time.Time
	if req.IdleTimeout > 0 {
		idleTimer.Reset(req.IdleTimeout)
		idle = idleTimer.C
	}
	defer idleTimer.Stop()

	stopped := false
	stop := func(status, why string) {
		if stopped {
			return
		}
		stopped = true
		res.Status, res.Error = status, why
		h.stop()
	}
	done := ctx.Done()
loop:
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				break loop
			}
			ev = relativeChanges(ev, req.Spec.Directory)
			res.Apply(ev)
			if ev.Type == "thread.started" && !IsSessionID(ev.ThreadID) {
				// The caller sees events before the result: it must not take the odd
				// id for a session either (the result's error names it).
				ev.ThreadID = ""
			}
			if req.OnEvent != nil {
				req.OnEvent(ev)
			}
			if idle != nil {
				idleTimer.Reset(req.IdleTimeout)
			}
		case <-idle:
			if res.CommandRunning() {
				idleTimer.Reset(req.IdleTimeout)
				continue
			}
			res.TimeoutHit = "idle"
			stop(StatusTimedOut, fmt.Sprintf("codex printed nothing for %s (no-output timeout); is the model endpoint reachable?", req.IdleTimeout))
			idle = nil
		case <-total:
			res.TimeoutHit = "total"
			stop(StatusTimedOut, fmt.Sprintf("the run took longer than its %s timeout", req.Timeout))
			total = nil
		case <-done:
			stop(StatusCancelled, "cancelled by the client")
			done = nil
		}
	}
	werr := <-waitErr
	res.Finish()
	// Whatever codex left running (a background command, a daemon) dies with the run:
	// nothing of it may outlive the turn unsupervised.
	if left := h.end(); left > 0 && !stopped {
		res.Warnings = res.addNote(res.Warnings, fmt.Sprintf("codex left %d process(es) running when it exited (background commands or daemons its commands started); they were ended with the run", left))
	}
	if errors.Is(werr, exec.ErrWaitDelay) {
		// codex exited, but something it started still held stdout; the exit status
		// is codex's own. Said as it is: the hold ended all of the run it could find,
		// and this one it may not have found.
		res.Warnings = append(res.Warnings, fmt.Sprintf("a process codex started still held its output %s after codex exited; the run did not wait for it", cmd.WaitDelay))
		werr = nil
		if cmd.ProcessState != nil && !cmd.ProcessState.Success() {
			werr = &exec.ExitError{ProcessState: cmd.ProcessState}
		}
	}
	res.EndedAt = time.Now()
	res.Stderr = stderr.String()
	res.ExitCode = exitCode(werr)
	if res.Status == "" {
		res.Status, res.Error = classify(&res, werr)
	}
	r.logger.Debug("codex exited", "pid", pid, "exit", res.ExitCode, "status", res.Status, "duration", res.EndedAt.Sub(res.StartedAt))
	return res, nil
}

// unnest adds to spec the config overrides that keep codex from starting codex-mcp
// inside the run (see mcpGuard), and says which servers it disabled and what it could
// not disable.
func (r *Runner) unnest(caps Capabilities, spec Spec, env []string) (Spec, []string, []string) {
	overrides, disabled, skipped := mcpOverrides(r.mcp.serversFor(env, r.logger), os.Getpid())
	if len(overrides) > 0 && !caps.ExecFlags["--config"] {
		skipped, disabled, overrides = append(skipped, disabled...), nil, nil
	}
	spec.Config = append(spec.Config[:len(spec.Config):len(spec.Config)], overrides...)
	var warnings []string
	for _, name := range skipped {
		warnings = append(warnings, fmt.Sprintf("the MCP server %q in Codex's config is codex-mcp itself and could not be turned off for this run, "+
			"so codex may start codex-mcp inside it; rename it to letters, digits, - and _", name))
	}
	return spec, disabled, warnings
}

// classify decides how a run that ended on its own went. codex reports retries
// ("Reconnecting... 1/5") as error events; a turn that then completed and exited 0 did
// complete, and those errors are only warnings.
func classify(res *Result, werr error) (string, string) {
	// A turn without a usable session id cannot be resumed or found again: it did not
	// complete as far as the caller is concerned.
	if res.BadThreadID != "" {
		return StatusFailed, fmt.Sprintf("codex reported a session id that is not a UUID (%q); it is not trusted as a session", res.BadThreadID)
	}
	if werr == nil && res.TurnDone && !res.TurnFailed {
		if res.ThreadID == "" {
			return StatusFailed, "codex never reported a session (no thread.started event); the run cannot be resumed"
		}
		for _, e := range res.Errors {
			res.Warnings = res.addNote(res.Warnings, e)
		}
		return StatusCompleted, ""
	}
	why := ""
	if len(res.Errors) > 0 {
		why = res.Errors[len(res.Errors)-1]
	}
	if why == "" {
		why = lastLine(res.Stderr)
	}
	if why == "" && werr != nil {
		why = werr.Error()
	}
	if why == "" {
		why = "codex exited without completing the turn"
	}
	if res.ExitCode != 0 {
		why = fmt.Sprintf("codex exited with code %d: %s", res.ExitCode, why)
	}
	return StatusFailed, why
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return -1
}

// lastLine returns the last meaningful stderr line, skipping codex's noise and stack frames.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "WARNING:") || strings.Contains(l, "<unknown>") ||
			strings.HasPrefix(l, "Stack backtrace") || (len(l) > 0 && l[0] >= '0' && l[0] <= '9' && strings.Contains(l, ": ")) {
			continue
		}
		return l
	}
	return ""
}

// capBuffer keeps max bytes of what is written to it: the last ones (codex's stderr,
// where the reason is) or, with head set, the first ones (a probe's answer).
type capBuffer struct {
	mu   sync.Mutex
	max  int
	head bool
	buf  []byte
}

func (c *capBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p) // all of it is taken, kept or not
	if c.head {
		p = p[:min(max(c.max-len(c.buf), 0), len(p))]
	}
	c.buf = append(c.buf, p...)
	if len(c.buf) > c.max {
		c.buf = append(c.buf[:0], c.buf[len(c.buf)-c.max:]...)
	}
	return n, nil
}

func (c *capBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.buf)
}
