package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/memory"
)

// fakeRunner stands in for codex in unit tests: it reports the thread it is told to and
// can hold a run open until released. The integration tests run the real codex.
type fakeRunner struct {
	mu       sync.Mutex
	thread   string // thread id to report; "" means the requested resume id, else a new one
	hold     chan struct{}
	started  chan struct{}
	requests []codex.Request
}

var _ Runner = (*fakeRunner)(nil)

func (f *fakeRunner) Capabilities(context.Context) (codex.Capabilities, error) {
	return codex.Capabilities{Version: "0.169.0", HasResume: true, HasFork: true, ExecFlags: map[string]bool{
		"--json": true, "--sandbox": true, "--cd": true, "--profile": true}}, nil
}

func (f *fakeRunner) Run(ctx context.Context, req codex.Request) (codex.Result, error) {
	f.mu.Lock()
	f.requests = append(f.requests, req)
	thread := f.thread
	f.mu.Unlock()
	if thread == "" {
		thread = req.Spec.ResumeID
	}
	if thread == "" {
		thread = "0199a213-81c0-7800-8aa1-000000000001"
	}
	req.OnEvent(codex.Event{Type: "thread.started", ThreadID: thread})
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return codex.Result{Transcript: codex.Transcript{ThreadID: thread}, Status: codex.StatusCancelled, EndedAt: time.Now()}, nil
		}
	}
	return codex.Result{Transcript: codex.Transcript{ThreadID: thread, FinalMessage: "ok", TurnDone: true}, Status: codex.StatusCompleted, EndedAt: time.Now()}, nil
}

func newTestManager(t *testing.T, r Runner, maxSandbox string) (*Manager, *memory.Store) {
	t.Helper()
	st, err := memory.Open(t.Context(), filepath.Join(t.TempDir(), "memory.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	m := NewManager(Config{DefaultDir: t.TempDir(), MaxSandbox: maxSandbox}, Deps{
		Runner:     r,
		OpenMemory: func(context.Context) (Memory, error) { return st, nil },
	})
	t.Cleanup(m.Close)
	return m, st
}

func TestResumeFailsLoudlyOnAnotherThread(t *testing.T) {
	r := &fakeRunner{}
	m, _ := newTestManager(t, r, "")
	first, err := m.Start(t.Context(), Task{Task: "first"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.thread = "0199a213-81c0-7800-8aa1-0000000000ff" // codex silently started a new session
	out, err := m.Resume(t.Context(), ResumeTask{Task: Task{Task: "second"}, SessionID: first.SessionID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != StatusFailed || !strings.Contains(out.Error, "not the requested") {
		t.Fatalf("%+v", out)
	}
}

func TestConcurrentResumeIsRefused(t *testing.T) {
	r := &fakeRunner{}
	m, _ := newTestManager(t, r, "")
	first, err := m.Start(t.Context(), Task{Task: "first"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.hold, r.started = make(chan struct{}), make(chan struct{}, 1)
	done := make(chan Outcome)
	go func() {
		out, _ := m.Resume(context.Background(), ResumeTask{Task: Task{Task: "second"}, SessionID: first.SessionID}, nil)
		done <- out
	}()
	<-r.started
	_, err = m.Resume(t.Context(), ResumeTask{Task: Task{Task: "third"}, SessionID: first.SessionID}, nil)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != "session_id" || !strings.Contains(ie.Problem, "running") {
		t.Fatalf("second resume at once: %v", err)
	}
	close(r.hold)
	if out := <-done; out.Status != StatusCompleted {
		t.Fatalf("%+v", out)
	}
	// Released: a resume now goes through.
	r.hold = nil
	r.started = nil
	if out, err := m.Resume(t.Context(), ResumeTask{Task: Task{Task: "fourth"}, SessionID: first.SessionID}, nil); err != nil || out.Status != StatusCompleted {
		t.Fatalf("%v %+v", err, out)
	}
}

func TestSandboxRules(t *testing.T) {
	cases := []struct {
		name       string
		max        string
		start      Task
		resume     Task
		startErr   string
		want       string
		resumeErr  string
		startWants string
	}{
		{name: "default is workspace-write and is kept", start: Task{}, resume: Task{}, startWants: "workspace-write", want: "workspace-write"},
		{name: "analysis start is read-only and stays so", start: Task{Mode: ModeAnalysis}, resume: Task{}, startWants: "read-only", want: "read-only"},
		{name: "a lower sandbox on resume", start: Task{}, resume: Task{Sandbox: "read-only"}, startWants: "workspace-write", want: "read-only"},
		{name: "analysis resume lowers", start: Task{}, resume: Task{Mode: ModeAnalysis}, startWants: "workspace-write", want: "read-only"},
		{name: "raising on resume is refused", start: Task{Mode: ModeAnalysis}, resume: Task{Sandbox: "workspace-write"}, startWants: "read-only", resumeErr: "sandbox"},
		{name: "full access needs the operator", start: Task{Sandbox: "danger-full-access"}, startErr: "sandbox"},
		{name: "operator allows full access", max: "danger-full-access", start: Task{Sandbox: "danger-full-access"}, resume: Task{}, startWants: "danger-full-access", want: "danger-full-access"},
		{name: "read-only server refuses write mode", max: "read-only", start: Task{Mode: ModeWrite}, startErr: "mode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := newTestManager(t, &fakeRunner{}, c.max)
			c.start.Task = "start"
			out, err := m.Start(t.Context(), c.start, nil)
			if c.startErr != "" {
				var ie *InputError
				if !errors.As(err, &ie) || ie.Field != c.startErr {
					t.Fatalf("start: want error on %s, got %v", c.startErr, err)
				}
				return
			}
			if err != nil || out.Sandbox != c.startWants {
				t.Fatalf("start: %v %q", err, out.Sandbox)
			}
			// A second turn lower first must not lower the session for good.
			if _, err := m.Resume(t.Context(), ResumeTask{Task: Task{Task: "look", Mode: ModeAnalysis}, SessionID: out.SessionID}, nil); err != nil {
				t.Fatal(err)
			}
			c.resume.Task = "resume"
			again, err := m.Resume(t.Context(), ResumeTask{Task: c.resume, SessionID: out.SessionID}, nil)
			if c.resumeErr != "" {
				var ie *InputError
				if !errors.As(err, &ie) || ie.Field != c.resumeErr {
					t.Fatalf("resume: want error on %s, got %v", c.resumeErr, err)
				}
				return
			}
			if err != nil || again.Sandbox != c.want {
				t.Fatalf("resume: %v %q, want %q", err, again.Sandbox, c.want)
			}
		})
	}
}

func TestRunsWithoutMemory(t *testing.T) {
	m := NewManager(Config{DefaultDir: t.TempDir()}, Deps{
		Runner:     &fakeRunner{},
		OpenMemory: func(context.Context) (Memory, error) { return nil, errors.New("state dir is read-only") },
	})
	defer m.Close()
	out, err := m.Start(t.Context(), Task{Task: "still works"}, nil)
	if err != nil || out.Status != StatusCompleted {
		t.Fatalf("%v %+v", err, out)
	}
}

func TestGetByRunIDAfterTheRun(t *testing.T) {
	r := &fakeRunner{hold: make(chan struct{})}
	m, _ := newTestManager(t, r, "")
	out, err := m.Start(t.Context(), Task{Task: "slow", Wait: 50 * time.Millisecond}, nil)
	if err != nil || out.Status != StatusRunning {
		t.Fatalf("%v %+v", err, out)
	}
	close(r.hold)
	d, err := m.Get(t.Context(), out.RunID, 5*time.Second)
	if err != nil || d.Status != StatusCompleted || d.SessionID == "" {
		t.Fatalf("%v %+v", err, d)
	}
	// And once the run has left the active set entirely.
	d, err = m.Get(t.Context(), out.RunID, 0)
	if err != nil || d.SessionID == "" {
		t.Fatalf("%v %+v", err, d)
	}
}

func TestAllowedDirs(t *testing.T) {
	root := t.TempDir()
	allowed := filepath.Join(root, "projects")
	sibling := filepath.Join(root, "projects-private")
	for _, d := range []string{filepath.Join(allowed, "app", "src"), sibling} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	escape := filepath.Join(allowed, "escape")
	if err := os.Symlink(sibling, escape); err != nil {
		t.Fatal(err)
	}
	m := NewManager(Config{DefaultDir: allowed, AllowedDirs: []string{allowed}}, Deps{Runner: &fakeRunner{}})
	defer m.Close()
	cases := []struct {
		dir string
		ok  bool
	}{
		{"", true},
		{"app/src", true},
		{allowed, true},
		{sibling, false},
		{root, false},
		{"/", false},
		{escape, false},
		{"../projects-private", false},
	}
	for _, c := range cases {
		_, err := m.Start(t.Context(), Task{Task: "x", Directory: c.dir}, nil)
		var ie *InputError
		if c.ok && err != nil || !c.ok && (!errors.As(err, &ie) || ie.Field != "directory" || !strings.Contains(ie.Problem, "outside")) {
			t.Errorf("directory %q: %v", c.dir, err)
		}
	}
}

// noThreadRunner fails the way codex does when it cannot even start a session, once
// released: until then the run is running, whatever the machine's speed.
type noThreadRunner struct {
	fakeRunner
	release chan struct{}
}

func (r *noThreadRunner) Run(ctx context.Context, req codex.Request) (codex.Result, error) {
	select {
	case <-r.release:
	case <-ctx.Done():
	}
	return codex.Result{Status: codex.StatusFailed, Error: "codex exited with code 1: config error", ExitCode: 1, EndedAt: time.Now()}, nil
}

func TestGetFailedRunWithoutSession(t *testing.T) {
	r := &noThreadRunner{release: make(chan struct{})}
	m, _ := newTestManager(t, r, "")
	out, err := m.Start(t.Context(), Task{Task: "doomed", Wait: 10 * time.Millisecond}, nil)
	if err != nil || out.Status != StatusRunning || out.SessionID != "" {
		t.Fatalf("%v %+v", err, out)
	}
	close(r.release)
	d, err := m.Get(t.Context(), out.RunID, 5*time.Second)
	if err != nil || d.Status != StatusFailed || len(d.Runs) != 1 || !strings.Contains(d.Runs[0].Error, "config error") {
		t.Fatalf("%v %+v", err, d)
	}
	// Get waited for the run's end, which comes after the run left the active set: what
	// is asked now comes from memory alone.
	if run := m.activeFor(out.RunID); run != nil {
		t.Fatal("the ended run is still active")
	}
	d, err = m.Get(t.Context(), out.RunID, 0)
	if err != nil || d.Status != StatusFailed {
		t.Fatalf("after the run: %v %+v", err, d)
	}
}
