package codex

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
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
}

// Runner runs the codex binary. It probes the binary on first use and keeps what it learnt.
type Runner struct {
	bin    string
	env    []string
	logger *slog.Logger

	mu   sync.Mutex
	caps *Capabilities
}

// NewRunner returns a Runner for bin (a name on PATH or a path). env is the environment
// codex gets (nil: the server's own, so CODEX_HOME and the rest pass through).
func NewRunner(bin string, env []string, logger *slog.Logger) *Runner {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{bin: bin, env: env, logger: logger}
}

// Capabilities probes the binary once; a failed probe is retried next time, so a user
// who installs codex while the server runs does not have to restart it.
func (r *Runner) Capabilities(ctx context.Context) (Capabilities, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.caps != nil {
		return *r.caps, nil
	}
	caps, err := Probe(ctx, r.bin)
	if err != nil {
		return Capabilities{}, err
	}
	r.logger.Debug("probed codex", "bin", caps.Bin, "version", caps.Version)
	r.caps = &caps
	return caps, nil
}

// stderrTail keeps the last bytes codex wrote to stderr, for error messages.
const stderrTail = 4096

// Run starts codex and blocks until it exits, is cancelled through ctx, or times out.
// The returned error is for runs that could not start at all (no binary, bad spec); every
// run that started ends in a Result with a Status.
func (r *Runner) Run(ctx context.Context, req Request) (Result, error) {
	caps, err := r.Capabilities(ctx)
	if err != nil {
		return Result{}, err
	}
	args, err := BuildArgs(caps, req.Spec)
	if err != nil {
		return Result{}, err
	}
	res := Result{Argv: append([]string{caps.Bin}, args...), Version: caps.Version, StartedAt: time.Now()}

	cmd := exec.Command(caps.Bin, args...)
	cmd.Dir = req.Spec.Directory
	cmd.Env = r.env
	if len(caps.Env) > 0 {
		if cmd.Env == nil {
			cmd.Env = os.Environ()
		}
		cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], caps.Env...)
	}
	// Own process group, so cancellation reaches the commands codex started; and die with
	// the server, so a crashed server leaves no codex behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Stdin = strings.NewReader(req.Prompt)
	outR, outW := io.Pipe()
	cmd.Stdout = outW
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stderr = stderr
	// A grandchild that escaped the group may hold stdout open after codex exits; do not
	// wait for it longer than this.
	cmd.WaitDelay = 2 * time.Second

	if err := cmd.Start(); err != nil {
		return Result{}, &NotFoundError{Bin: caps.Bin, Err: err}
	}
	pid := cmd.Process.Pid
	r.logger.Debug("codex started", "pid", pid, "argv", res.Argv)
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

	var killer *groupKiller
	stop := func(status, why string) {
		if killer != nil {
			return
		}
		res.Status, res.Error = status, why
		killer = killGroup(pid, r.logger)
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
	if killer != nil {
		killer.finish()
	} else {
		// Whatever codex left running in its group (a background command) dies with the
		// run: nothing of it may outlive the turn unsupervised.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	if errors.Is(werr, exec.ErrWaitDelay) {
		// codex exited, but something it started still held stdout; the exit status
		// is codex's own.
		res.Warnings = append(res.Warnings, "a process codex started kept its output open after codex exited; it was killed")
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

// classify decides how a run that ended on its own went. codex reports retries
// ("Reconnecting... 1/5") as error events; a turn that then completed and exited 0 did
// complete, and those errors are only warnings.
func classify(res *Result, werr error) (string, string) {
	if werr == nil && res.TurnDone && !res.TurnFailed {
		res.Warnings = append(res.Warnings, res.Errors...)
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

func readEvents(r io.Reader, out chan<- Event, logger *slog.Logger) {
	defer close(out)
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if ev, ok := ParseEvent(line); ok {
				out <- ev
			} else if s := strings.TrimSpace(string(line)); s != "" {
				logger.Debug("codex stdout line that is not an event", "line", firstLine(s, 200))
			}
		}
		if err != nil {
			// Drain so the writer never blocks if we stopped early.
			_, _ = io.Copy(io.Discard, r)
			return
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
