package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/memory"
	"github.com/codex-mcp/codex-mcp/session/rollout"
)

func TestMaxRunningRefusesPastTheLimit(t *testing.T) {
	r := &fakeRunner{hold: make(chan struct{}), started: make(chan struct{}, 8)}
	m, _ := newTestManager(t, r, "")
	m.cfg.MaxRunning = 2
	for i := range 2 {
		out, err := m.Start(t.Context(), Task{Task: fmt.Sprint("long ", i), Wait: time.Millisecond}, nil)
		if err != nil || out.Status != StatusRunning {
			t.Fatalf("start %d: %v %+v", i, err, out)
		}
		<-r.started
	}
	_, err := m.Start(t.Context(), Task{Task: "one more"}, nil)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(ie.Error(), "--max-running 2") {
		t.Fatalf("third start: %v", err)
	}
	close(r.hold)
	// Once runs end, their slots are free again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		m.mu.Lock()
		n := m.running
		m.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d slots still held", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.hold, r.started = nil, nil
	if out, err := m.Start(t.Context(), Task{Task: "after"}, nil); err != nil || out.Status != StatusCompleted {
		t.Fatalf("%v %+v", err, out)
	}
}

func TestShutdownRecordsTheReason(t *testing.T) {
	r := &fakeRunner{hold: make(chan struct{}), started: make(chan struct{}, 1)}
	dbPath := filepath.Join(t.TempDir(), "memory.db")
	m := NewManager(Config{DefaultDir: t.TempDir()}, Deps{Runner: r, OpenMemory: func(ctx context.Context) (Memory, error) {
		return memory.Open(ctx, dbPath, nil)
	}})
	out, err := m.Start(t.Context(), Task{Task: "long", Wait: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-r.started
	m.Shutdown("the client closed stdin")
	st, err := memory.Open(t.Context(), dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, ok, err := st.Run(t.Context(), out.RunID)
	if err != nil || !ok {
		t.Fatalf("%v %v", ok, err)
	}
	if run.Status != memory.StatusCancelled || run.Error != "stopped by server shutdown: the client closed stdin" {
		t.Fatalf("recorded %s %q", run.Status, run.Error)
	}
}

// Two server processes on one state directory: the second resume of a session is
// refused with the first one's run id.
func TestResumeLeaseIsSharedAcrossServers(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "memory.db")
	dir := t.TempDir()
	open := func(ctx context.Context) (Memory, error) { return memory.Open(ctx, dbPath, nil) }
	r1 := &fakeRunner{}
	a := NewManager(Config{DefaultDir: dir}, Deps{Runner: r1, OpenMemory: open})
	t.Cleanup(a.Close)
	first, err := a.Start(t.Context(), Task{Task: "first"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r1.hold, r1.started = make(chan struct{}), make(chan struct{}, 1)
	running, err := a.Resume(t.Context(), ResumeTask{Task: Task{Task: "second", Wait: time.Millisecond}, SessionID: first.SessionID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-r1.started

	b := NewManager(Config{DefaultDir: dir}, Deps{Runner: &fakeRunner{}, OpenMemory: open})
	t.Cleanup(b.Close)
	// Another process's Manager: it must not see a's reservation map, only memory.
	_, err = b.Resume(t.Context(), ResumeTask{Task: Task{Task: "third"}, SessionID: strings.ToUpper(first.SessionID)}, nil)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(ie.Error(), "running") {
		t.Fatalf("second server's resume: %v", err)
	}
	close(r1.hold)
	if _, err := a.Get(t.Context(), running.RunID, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// The lease goes back with the run's end (in the background).
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := b.Resume(t.Context(), ResumeTask{Task: Task{Task: "fourth"}, SessionID: first.SessionID}, nil)
		if err == nil && out.Status == StatusCompleted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease never released: %v %+v", err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// failingMemory refuses writes while failing is set, as a database locked by another
// process does.
type failingMemory struct {
	*memory.Store
	failing atomic.Bool
}

func (f *failingMemory) InsertRun(ctx context.Context, r memory.Run) error {
	if f.failing.Load() {
		return fmt.Errorf("insert: %w", memory.ErrLocked)
	}
	return f.Store.InsertRun(ctx, r)
}

func (f *failingMemory) FinishRun(ctx context.Context, r memory.Run) error {
	if f.failing.Load() {
		return fmt.Errorf("finish: %w", memory.ErrLocked)
	}
	return f.Store.FinishRun(ctx, r)
}

func TestRunMemoryCouldNotTakeIsRecordedLater(t *testing.T) {
	st, err := memory.Open(t.Context(), filepath.Join(t.TempDir(), "memory.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	fm := &failingMemory{Store: st}
	fm.failing.Store(true)
	m := NewManager(Config{DefaultDir: t.TempDir()}, Deps{Runner: &fakeRunner{}, OpenMemory: func(context.Context) (Memory, error) { return fm, nil }})
	t.Cleanup(m.Close)
	out, err := m.Start(t.Context(), Task{Task: "while memory is locked"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != StatusCompleted || len(out.Warnings) == 0 || !strings.Contains(strings.Join(out.Warnings, " "), "locked by another process") {
		t.Fatalf("the result must say memory is locked: %+v", out.Warnings)
	}
	fm.failing.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		run, ok, err := st.Run(t.Context(), out.RunID)
		if err == nil && ok && run.Status == memory.StatusCompleted && run.SessionID == out.SessionID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never recorded: %v %v %+v", ok, err, run)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDetailIsBounded(t *testing.T) {
	huge := strings.Repeat("x", 5<<20)
	d := SessionDetail{SessionInfo: SessionInfo{Task: huge, LastMessage: huge}}
	for i := range 300 {
		r := RunInfo{RunID: fmt.Sprint(i), FinalMessage: huge}
		for j := range 5000 {
			r.Commands = append(r.Commands, codex.Command{Command: fmt.Sprint("cmd ", j)})
			r.FilesChanged = append(r.FilesChanged, fmt.Sprint("f", j))
		}
		d.Runs = append(d.Runs, r)
	}
	d.bound()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	// A few hundred KB per turn at most, and far less than the input.
	if len(b) > 50*detailMessageRune*2 || len(d.Runs) != detailRuns || d.Runs[len(d.Runs)-1].RunID != "299" {
		t.Fatalf("%d bytes, %d runs", len(b), len(d.Runs))
	}
	if len(d.Warnings) < 3 {
		t.Fatalf("cuts not said: %v", d.Warnings)
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"ééééééééé", 9, "ééééééééé"},
		{strings.Repeat("a", 100), 8, "aaaaaa\n…[92 characters cut]…\naa"},
	} {
		if got := clip(tc.in, tc.n); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// fakeStore is Codex's store holding one session started outside the server.
type fakeStore struct{ s rollout.Session }

func (f fakeStore) Get(_ context.Context, id string) (rollout.Session, bool, error) {
	return f.s, id == f.s.ID, nil
}
func (f fakeStore) List(context.Context, rollout.Filter) (rollout.Page, error) {
	return rollout.Page{}, nil
}
func (f fakeStore) Transcript(context.Context, string) ([]rollout.Entry, error) { return nil, nil }

// A session started by hand keeps the sandbox codex recorded for it; one whose sandbox
// nobody recorded resumes read-only and the result says so.
func TestResumeOfAnOutsideSessionKeepsItsSandbox(t *testing.T) {
	const id = "0199a213-81c0-7800-8aa1-00000000abcd"
	for _, tc := range []struct {
		name, recorded, asked, want, warn, refused string
	}{
		{name: "read-only by hand", recorded: codex.SandboxReadOnly, want: codex.SandboxReadOnly},
		{name: "raise refused", recorded: codex.SandboxReadOnly, asked: codex.SandboxWorkspaceWrite, refused: "cannot raise"},
		{name: "workspace-write kept", recorded: codex.SandboxWorkspaceWrite, want: codex.SandboxWorkspaceWrite},
		{name: "unknown resumes read-only", want: codex.SandboxReadOnly, warn: "resumes read-only"},
		{name: "unknown, asked", asked: codex.SandboxWorkspaceWrite, want: codex.SandboxWorkspaceWrite, warn: "as asked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, r := newOutsideManager(t, rollout.Session{ID: id, Sandbox: tc.recorded, Model: "gpt-x", Task: "by hand"})
			out, err := m.Resume(t.Context(), ResumeTask{Task: Task{Task: "go on", Sandbox: tc.asked}, SessionID: id}, nil)
			if tc.refused != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("want refusal %q, got %v", tc.refused, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.requests[0].Spec.Sandbox; got != tc.want || out.Sandbox != tc.want {
				t.Fatalf("ran %s (result %s), want %s", got, out.Sandbox, tc.want)
			}
			if r.requests[0].Spec.Model != "gpt-x" {
				t.Fatalf("model %q, want the session's", r.requests[0].Spec.Model)
			}
			if w := strings.Join(out.Warnings, " "); !strings.Contains(w, tc.warn) || (tc.warn == "" && w != "") {
				t.Fatalf("warnings %q, want %q", w, tc.warn)
			}
		})
	}
}

func TestResumeOfAnArchivedSessionIsRefused(t *testing.T) {
	const id = "0199a213-81c0-7800-8aa1-00000000abce"
	m, r := newOutsideManager(t, rollout.Session{ID: id, Sandbox: codex.SandboxReadOnly, Archived: true})
	_, err := m.Resume(t.Context(), ResumeTask{Task: Task{Task: "go on"}, SessionID: id}, nil)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != "session_id" || !strings.Contains(ie.Problem, "archived") || !strings.Contains(ie.Accepted, "draw_from") {
		t.Fatalf("%v", err)
	}
	if len(r.requests) != 0 {
		t.Fatal("codex ran for an archived session")
	}
}

// With memory unreadable, list_sessions still answers from Codex's store and says what
// is missing.
func TestListWithoutMemoryWarns(t *testing.T) {
	const id = "0199a213-81c0-7800-8aa1-00000000abcf"
	m := NewManager(Config{DefaultDir: t.TempDir()}, Deps{Runner: &fakeRunner{},
		OpenMemory: func(context.Context) (Memory, error) { return nil, fmt.Errorf("open: %w", memory.ErrCorrupt) },
		Codex:      listStore{fakeStore{rollout.Session{ID: id, Task: "by hand"}}}})
	t.Cleanup(m.Close)
	list, err := m.List(t.Context(), ListQuery{IncludeExternal: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Sessions) != 1 || len(list.Warnings) != 1 || !strings.Contains(list.Warnings[0], "memory is unavailable") {
		t.Fatalf("%+v", list)
	}
}

type listStore struct{ fakeStore }

func (l listStore) List(context.Context, rollout.Filter) (rollout.Page, error) {
	return rollout.Page{Sessions: []rollout.Session{l.s}}, nil
}

// newOutsideManager is a Manager whose Codex store holds s, a session started outside the
// server, working in a fresh directory.
func newOutsideManager(t *testing.T, s rollout.Session) (*Manager, *fakeRunner) {
	t.Helper()
	dir := t.TempDir()
	st, err := memory.Open(t.Context(), filepath.Join(t.TempDir(), "memory.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Directory = dir
	r := &fakeRunner{}
	m := NewManager(Config{DefaultDir: dir}, Deps{Runner: r, OpenMemory: func(context.Context) (Memory, error) { return st, nil },
		Codex: fakeStore{s}})
	t.Cleanup(m.Close)
	return m, r
}
