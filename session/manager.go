package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/memory"
)

// Runner runs codex; *codex.Runner is the real one.
type Runner interface {
	Run(ctx context.Context, req codex.Request) (codex.Result, error)
	Capabilities(ctx context.Context) (codex.Capabilities, error)
}

var _ Runner = (*codex.Runner)(nil)

// Memory is the conversation memory the Manager records runs in; *memory.Store is the
// real one.
type Memory interface {
	InsertRun(ctx context.Context, r memory.Run) error
	SetSessionID(ctx context.Context, runID, sessionID string) error
	FinishRun(ctx context.Context, r memory.Run) error
	Session(ctx context.Context, id string) (memory.Session, []memory.Run, bool, error)
	Sessions(ctx context.Context, f memory.Filter) ([]memory.Session, error)
	Recent(ctx context.Context, limit int) ([]memory.Session, error)
	Run(ctx context.Context, runID string) (memory.Run, bool, error)
	Known(ctx context.Context, ids []string) (map[string]bool, error)
	MarkInterrupted(ctx context.Context, alive func(memory.Owner) bool) (int, error)
	AcquireLease(ctx context.Context, sessionID, runID string, owner memory.Owner) (memory.Lease, bool, error)
	ReleaseLease(ctx context.Context, sessionID, runID string) error
	ReleaseOwnerLeases(ctx context.Context, owner memory.Owner) (int, error)
	Close() error
}

var _ Memory = (*memory.Store)(nil)

// Config is what the operator decides for every session.
type Config struct {
	DefaultDir string
	// AllowedDirs, when set, are the only directories (and their subdirectories) a
	// session may work in.
	AllowedDirs []string
	MaxSandbox  string
	Timeout     time.Duration // default total timeout of a run
	IdleTimeout time.Duration // no-output timeout
	Templates   prompts.Templates
	// MaxRunning is how many codex runs this process lets run at once; a start past it is
	// refused with the number. 0: DefaultMaxRunning.
	MaxRunning int
	// NoWorktreeReceipt turns off comparing a git work tree before and after each run:
	// the result then lists only the files codex's patch tool reported.
	NoWorktreeReceipt bool
}

// DefaultMaxRunning is the default limit on concurrent codex runs of one server process.
const DefaultMaxRunning = 8

// Deps are the Manager's collaborators. OpenMemory is called once, lazily (or by Warm),
// so opening the database never delays the server's start.
type Deps struct {
	Runner     Runner
	OpenMemory func(ctx context.Context) (Memory, error)
	Codex      CodexStore
	Logger     *slog.Logger
}

// ProgressFunc receives one human sentence per meaningful event of a run.
type ProgressFunc func(message string)

// Manager runs and remembers Codex sessions. It is safe for concurrent use.
type Manager struct {
	cfg    Config
	runner Runner
	codex  CodexStore
	logger *slog.Logger
	owner  memory.Owner

	memMu      sync.Mutex
	openMem    func(ctx context.Context) (Memory, error)
	mem        Memory
	memFailed  time.Time // when opening memory last failed
	memFailure error

	// base outlives any one request: a run handed back as "running" keeps going.
	base       context.Context
	cancelBase context.CancelFunc

	mu       sync.Mutex
	active   map[string]*activeRun // by run id
	reserved map[string]bool       // sessions a resume has claimed, from its checks to its end
	running  int                   // runs holding one of cfg.MaxRunning slots
	waiting  int                   // get_session calls waiting on a run

	shutdown atomic.Pointer[string] // why the server is going away, once it is
	bg       sync.WaitGroup         // goroutines that outlive a request (records, run ends)
	records  *recorder              // records memory could not take yet
}

// activeRun is a run in flight in this process.
type activeRun struct {
	runID     string
	sessionID string
	task      Task
	dir       string
	sandbox   string
	started   time.Time
	argv      []string
	cancel    context.CancelFunc
	done      chan struct{}
	outcome   Outcome // valid once done is closed

	mu       sync.Mutex
	progress ProgressFunc // nil once nobody listens
	events   []string     // the last progress sentences, for get_session
}

// NewManager returns a Manager; Close stops its runs.
func NewManager(cfg Config, deps Deps) *Manager {
	if cfg.MaxSandbox == "" {
		cfg.MaxSandbox = codex.SandboxWorkspaceWrite
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 5 * time.Minute
	}
	if cfg.MaxRunning <= 0 {
		cfg.MaxRunning = DefaultMaxRunning
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base, cancel := context.WithCancel(context.Background())
	m := &Manager{
		cfg: cfg, runner: deps.Runner, codex: deps.Codex, logger: logger,
		openMem: deps.OpenMemory, owner: memory.Self(),
		base: base, cancelBase: cancel, active: map[string]*activeRun{}, reserved: map[string]bool{},
	}
	m.records = newRecorder(m)
	return m
}

// Warm opens memory and marks runs that died with their server, in the background of
// start-up, so the first tool call finds it ready.
func (m *Manager) Warm(ctx context.Context) {
	if _, err := m.memory(ctx); err != nil {
		m.logger.Warn("conversation memory unavailable", "err", err)
	}
	if m.runner != nil {
		if _, err := m.runner.Capabilities(ctx); err != nil {
			m.logger.Warn("codex CLI not usable yet", "err", err)
		}
	}
}

// memRetryAfter is how long a failed memory open is remembered before trying again.
const memRetryAfter = 10 * time.Second

// memory opens the store on first use and marks the interrupted runs of dead servers. A
// failed open is tried again next time (a briefly locked or missing state directory
// must not cost memory for the life of the process), and the open is not tied to the
// request that happened to come first.
func (m *Manager) memory(context.Context) (Memory, error) {
	m.memMu.Lock()
	defer m.memMu.Unlock()
	if m.mem != nil {
		return m.mem, nil
	}
	if m.openMem == nil {
		return nil, errors.New("no conversation memory configured")
	}
	// After a failure, answer at once for a while instead of making every call wait
	// on another open.
	if m.memFailure != nil && time.Since(m.memFailed) < memRetryAfter {
		return nil, m.memFailure
	}
	ctx, cancel := context.WithTimeout(m.base, 10*time.Second)
	defer cancel()
	mem, err := m.openMem(ctx)
	if err != nil {
		m.memFailed, m.memFailure = time.Now(), fmt.Errorf("opening conversation memory: %w", err)
		return nil, m.memFailure
	}
	if n, err := mem.MarkInterrupted(ctx, memory.ProcessAlive); err != nil {
		m.logger.Warn("marking interrupted runs", "err", err)
	} else if n > 0 {
		m.logger.Info("marked runs of a crashed server as interrupted", "runs", n)
	}
	m.mem = mem
	return mem, nil
}

// Shutdown is Close for a server that is going away (SIGTERM, stdin closed): each run still
// going is recorded as stopped for that reason, not as cancelled by its client.
func (m *Manager) Shutdown(reason string) {
	m.shutdown.CompareAndSwap(nil, &reason)
	m.Close()
}

// StopRuns is the first half of Shutdown, for a transport that still has answers to
// write (HTTP): each run still going is stopped and recorded as stopped for reason, and
// StopRuns returns when they have ended. Memory stays open for the calls still answering
// (a get_session waiting on one of those runs reads it); Shutdown or Close follows.
func (m *Manager) StopRuns(reason string) {
	m.shutdown.CompareAndSwap(nil, &reason)
	m.mu.Lock()
	runs := make([]*activeRun, 0, len(m.active))
	for _, r := range m.active {
		runs = append(runs, r)
	}
	m.mu.Unlock()
	for _, r := range runs {
		r.cancel()
	}
	for _, r := range runs {
		<-r.done
	}
}

// Close cancels every run still going, waits for them and for their records, and closes
// memory. Records memory still cannot take are logged as lost.
func (m *Manager) Close() {
	m.shutdown.CompareAndSwap(nil, ptr("the server closed"))
	m.cancelBase()
	m.mu.Lock()
	runs := make([]*activeRun, 0, len(m.active))
	for _, r := range m.active {
		runs = append(runs, r)
	}
	m.mu.Unlock()
	for _, r := range runs {
		<-r.done
	}
	m.records.stop()
	m.bg.Wait()
	m.records.close()
	m.memMu.Lock()
	if m.mem != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		if _, err := m.mem.ReleaseOwnerLeases(ctx, m.owner); err != nil {
			m.logger.Warn("releasing resume leases", "err", err)
		}
		cancel()
		if err := m.mem.Close(); err != nil {
			m.logger.Warn("closing conversation memory", "err", err)
		}
		m.mem = nil
	}
	m.memMu.Unlock()
}

func ptr[T any](v T) *T { return &v }

// takeSlot claims one of the MaxRunning run slots; the refusal names the limit.
func (m *Manager) takeSlot() error {
	if !m.take(&m.running, m.cfg.MaxRunning) {
		return &InputError{Problem: fmt.Sprintf("this server is already running %d codex runs, its limit (--max-running %d)", m.cfg.MaxRunning, m.cfg.MaxRunning),
			Accepted: "wait for one to end (get_session with wait_seconds) or cancel one (cancel_session), then call again"}
	}
	return nil
}

// take claims one of max places counted by *n (a field of m guarded by m.mu); give
// returns it.
func (m *Manager) take(n *int, max int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if *n >= max {
		return false
	}
	*n++
	return true
}

func (m *Manager) give(n *int) {
	m.mu.Lock()
	*n--
	m.mu.Unlock()
}

// Start runs a task in a new Codex session (the seed's `codex -C dir exec "task"`).
func (m *Manager) Start(ctx context.Context, t Task, progress ProgressFunc) (Outcome, error) {
	p, err := m.prepare(t, false)
	if err != nil {
		return Outcome{}, err
	}
	if p.sandbox, err = m.sandboxFor(t); err != nil {
		return Outcome{}, err
	}
	kind := memory.KindStart
	if len(t.DrawFrom) > 0 {
		ids := make([]string, len(t.DrawFrom))
		for i, id := range t.DrawFrom {
			ids[i] = normID(id)
		}
		t.DrawFrom = ids
		appendix, err := m.drawFrom(ctx, t.DrawFrom)
		if err != nil {
			return Outcome{}, err
		}
		p.extraContext = appendix
		kind = memory.KindMerge
	}
	if err := m.render(ctx, p); err != nil {
		return Outcome{}, err
	}
	return m.launch(ctx, p, launchSpec{kind: kind, parents: t.DrawFrom}, progress)
}

// launchSpec says what kind of run launch starts.
type launchSpec struct {
	runID    string // the run's id when the caller needed it before launch (a lease)
	resumeID string // continue this session (reserved by the caller; launch releases it)
	forkID   string // branch from this session
	kind     string // memory.Kind*
	parents  []string
}

// launch records the run, starts codex in the background and waits for it as the
// caller asked (to the end, or wait_seconds).
func (m *Manager) launch(ctx context.Context, p *prepared, ls launchSpec, progress ProgressFunc) (Outcome, error) {
	resumeID, kind, parents := ls.resumeID, ls.kind, ls.parents
	caps, err := m.runner.Capabilities(ctx)
	if err != nil {
		return Outcome{}, err
	}
	spec := codex.Spec{Directory: p.dir, Sandbox: p.sandbox, Model: p.task.Model, Profile: p.task.Profile, ResumeID: resumeID, ForkID: ls.forkID}
	// What this codex cannot do is the caller's to fix, and is said before anything runs.
	if _, err := codex.BuildArgs(caps, spec); err != nil {
		field := "codex"
		switch {
		case p.task.Profile != "" && strings.Contains(err.Error(), "--profile"):
			field = "profile"
		case resumeID != "" || ls.forkID != "":
			field = "session_id"
		}
		return Outcome{}, inputErr(field, err.Error(), "")
	}
	feature := p.task.Feature
	if feature == "" {
		feature = inferFeature(p.dir, p.task.Context, p.task.Task)
	}
	if ls.runID == "" {
		ls.runID = newRunID()
	}
	run := &activeRun{
		runID: ls.runID, sessionID: resumeID, task: p.task, dir: p.dir, sandbox: p.sandbox,
		started: time.Now(), done: make(chan struct{}), progress: progress,
	}
	run.task.Feature = feature
	rec := memory.Run{
		RunID: run.runID, SessionID: resumeID, Kind: kind, ParentSessionIDs: parents,
		ConversationID: p.task.ConversationID, Directory: p.dir, Feature: feature,
		Task: p.task.Task, Purpose: p.task.Purpose, Mode: orDefault(p.task.Mode, ModeAuto), Context: p.task.Context,
		Expected: p.task.Expected, Rules: p.task.Rules, Sandbox: p.sandbox, Model: p.task.Model, Profile: p.task.Profile,
		Status: memory.StatusRunning, StartedAt: run.started, Owner: m.owner,
	}
	if err := m.takeSlot(); err != nil {
		return Outcome{}, err
	}
	// Runs still work when memory cannot take their record: the record is kept here and
	// written when memory can take it, and the caller is told, since a run memory never
	// hears of cannot be resumed by conversation or listed by feature.
	mem, memErr := m.memory(ctx)
	if memErr == nil {
		memErr = mem.InsertRun(ctx, rec)
	}
	if memErr != nil {
		m.logger.Warn("recording run start", "run", run.runID, "err", memErr)
		p.warnings = append(p.warnings, memoryWarning(memErr))
		m.records.keep(rec)
	}
	runCtx, cancel := context.WithCancel(m.base)
	run.cancel = cancel
	m.mu.Lock()
	m.active[run.runID] = run
	m.mu.Unlock()

	go func() {
		defer cancel()
		defer m.give(&m.running)
		receipt := m.startReceipt(p.dir)
		res, err := m.runner.Run(runCtx, codex.Request{
			Spec: spec, Prompt: p.prompt, Timeout: p.timeout, IdleTimeout: m.cfg.IdleTimeout,
			OnStart: func(argv []string, _ int) {
				run.mu.Lock()
				run.argv = argv
				run.mu.Unlock()
			},
			OnEvent: func(ev codex.Event) {
				receipt.observe(ev)
				m.onEvent(run, rec.RunID, ev)
			},
		})
		out := m.outcome(run, p, caps, res, err)
		out.applyReceipt(receipt.finish(res.FilesChanged, err == nil && res.Status == StatusCompleted))
		if reason := m.shutdown.Load(); reason != nil && out.Status == StatusCancelled {
			out.Error = "stopped by server shutdown: " + *reason
		}
		if resumeID != "" && res.ThreadID != "" && res.ThreadID != resumeID {
			// codex resumed something else (or silently started afresh): never let that
			// pass as the session the caller asked for.
			out.Status = StatusFailed
			out.Error = fmt.Sprintf("codex reported session %s, not the requested %s; the turn did not continue that session", res.ThreadID, resumeID)
		}
		rec.SessionID = out.SessionID
		rec.Status = memory.Status(out.Status)
		rec.FinalMessage, rec.Error = out.FinalMessage, out.Error
		rec.Usage = memory.Usage(out.Usage)
		rec.FilesChanged = changedPaths(out.Changes)
		for _, c := range out.Commands {
			rec.Commands = append(rec.Commands, memory.Command{Command: c.Command, ExitCode: c.ExitCode, Status: c.Status})
		}
		rec.EndedAt = time.Now()
		// The request may be gone; the record must still be written, now or later.
		if err := m.finishRecord(rec); err != nil {
			out.Warnings = append(out.Warnings, memoryWarning(err))
		}
		run.mu.Lock()
		run.outcome = out
		run.progress = nil
		run.mu.Unlock()
		m.mu.Lock()
		delete(m.active, run.runID)
		if resumeID != "" {
			delete(m.reserved, resumeID)
		}
		m.mu.Unlock()
		if resumeID != "" {
			m.releaseLease(resumeID, run.runID)
		}
		close(run.done)
	}()
	return m.wait(ctx, run, p.task.Wait, caps, p)
}

// wait blocks until the run ends, the caller's wait_seconds pass (the run goes on and is
// reported as running), or the caller cancels (the run is cancelled too).
func (m *Manager) wait(ctx context.Context, run *activeRun, wait time.Duration, caps codex.Capabilities, p *prepared) (Outcome, error) {
	var timer <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-run.done:
		return run.outcome, nil
	case <-timer:
		run.mu.Lock()
		run.progress = nil
		sid, argv := run.sessionID, nonNil(run.argv)
		run.mu.Unlock()
		return Outcome{
			SessionID: sid, RunID: run.runID, Status: StatusRunning, Directory: run.dir, Sandbox: run.sandbox,
			Feature: run.task.Feature, Conversation: run.task.ConversationID, Model: run.task.Model,
			FilesChanged: []codex.FileChange{}, Changes: []Change{}, Commands: []codex.Command{}, CodexVersion: caps.Version, Command: argv,
			DurationMS: time.Since(run.started).Milliseconds(), Patterns: p.patterns, Warnings: p.warnings,
		}, nil
	case <-ctx.Done():
		run.cancel()
		<-run.done
		return run.outcome, nil
	}
}

func (m *Manager) onEvent(run *activeRun, runID string, ev codex.Event) {
	if ev.Type == "thread.started" && ev.ThreadID != "" {
		run.mu.Lock()
		first := run.sessionID == ""
		run.sessionID = ev.ThreadID
		run.mu.Unlock()
		if first {
			// Off the event loop: a busy database must not stop codex's output being
			// read or a cancellation being served.
			thread := ev.ThreadID
			m.bg.Go(func() { m.recordSessionID(runID, thread) })
		}
	}
	msg := codex.Describe(ev)
	if msg == "" {
		return
	}
	run.mu.Lock()
	run.events = append(run.events, msg)
	if len(run.events) > 50 {
		run.events = run.events[len(run.events)-50:]
	}
	// Sent under the lock, so that no notification goes out after the handler that
	// owns the progress token has returned (wait clears progress under the same lock).
	if run.progress != nil {
		run.progress(msg)
	}
	run.mu.Unlock()
}

func (m *Manager) outcome(run *activeRun, p *prepared, caps codex.Capabilities, res codex.Result, err error) Outcome {
	out := Outcome{
		SessionID: res.ThreadID, RunID: run.runID, Directory: p.dir, Sandbox: p.sandbox, Model: p.task.Model,
		Feature: run.task.Feature, Conversation: p.task.ConversationID,
		FilesChanged: nonNil(res.FilesChanged), Commands: nonNil(res.Commands), Usage: res.Usage,
		CodexVersion: caps.Version, Command: nonNil(res.Argv), Patterns: p.patterns,
		Warnings: append(append([]string{}, p.warnings...), res.Warnings...),
	}
	out.Disabled = res.DisabledMCPServers
	if out.SessionID == "" {
		out.SessionID = run.sessionID
	}
	if err != nil {
		out.Status, out.Error = StatusFailed, err.Error()
		out.DurationMS = time.Since(run.started).Milliseconds()
		return out
	}
	out.Status, out.Error, out.FinalMessage = res.Status, res.Error, res.FinalMessage
	out.DurationMS = res.EndedAt.Sub(run.started).Milliseconds()
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "run-" + hex.EncodeToString(b[:])
}
