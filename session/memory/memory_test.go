package memory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "state", "memory.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func userVersion(t *testing.T, s *Store) int {
	t.Helper()
	var v int
	if err := s.db.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// t0 is a fixed base time; tests place runs at t0 + n minutes.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func TestOpenPragmasAndDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := Open(t.Context(), filepath.Join(dir, "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode = %v, want 0700", fi.Mode().Perm())
	}
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
		{"foreign_keys", "1"},
		{"synchronous", "1"},
	} {
		var got string
		if err := s.db.QueryRowContext(t.Context(), "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s = %q, want %q", c.pragma, got, c.want)
		}
	}
}

func TestMigrations(t *testing.T) {
	extra := append(slices.Clone(migrations), sqlStep(`ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT ''`))
	tests := []struct {
		name string
		run  func(t *testing.T, path string)
	}{
		{"fresh database gets every step", func(t *testing.T, path string) {
			s, err := Open(t.Context(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v := userVersion(t, s); v != len(migrations) {
				t.Fatalf("user_version = %d, want %d", v, len(migrations))
			}
		}},
		{"reopening keeps data and version", func(t *testing.T, path string) {
			s, err := Open(t.Context(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.InsertRun(t.Context(), Run{RunID: "r1", SessionID: "s1", Task: "x"}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s, err = Open(t.Context(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, ok, _ := s.Run(t.Context(), "r1"); !ok {
				t.Fatal("run lost across reopen")
			}
			if v := userVersion(t, s); v != len(migrations) {
				t.Fatalf("user_version = %d", v)
			}
		}},
		{"existing database gets only the new step, once", func(t *testing.T, path string) {
			s, err := Open(t.Context(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.InsertRun(t.Context(), Run{RunID: "r1", SessionID: "s1"}); err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second call must be a no-op, not a duplicate-column error
				if err := migrate(t.Context(), s.db, extra, s.logger); err != nil {
					t.Fatal(err)
				}
			}
			if v := userVersion(t, s); v != len(extra) {
				t.Fatalf("user_version = %d, want %d", v, len(extra))
			}
			var note string
			if err := s.db.QueryRowContext(t.Context(), `SELECT note FROM runs WHERE run_id = 'r1'`).Scan(&note); err != nil {
				t.Fatal(err)
			}
		}},
		{"steps are idempotent if the version was lost", func(t *testing.T, path string) {
			s, err := Open(t.Context(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.db.ExecContext(t.Context(), "PRAGMA user_version = 0"); err != nil {
				t.Fatal(err)
			}
			if err := migrate(t.Context(), s.db, migrations, s.logger); err != nil {
				t.Fatal(err)
			}
		}},
		{"newer schema opens", func(t *testing.T, path string) {
			s, err := Open(t.Context(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := migrate(t.Context(), s.db, extra, s.logger); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s, err = Open(t.Context(), path, nil) // knows fewer steps than the file has
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.InsertRun(t.Context(), Run{RunID: "r2", SessionID: "s2"}); err != nil {
				t.Fatal(err)
			}
		}},
		{"concurrent opens of a fresh database", func(t *testing.T, path string) {
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Go(func() {
					s, err := Open(t.Context(), path, nil)
					if err != nil {
						errs <- err
						return
					}
					errs <- s.Close()
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, filepath.Join(t.TempDir(), "m.db"))
		})
	}
}

func TestRunLifecycle(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	exit0, exit1 := 0, 1
	start := Run{
		RunID: "r1", Kind: KindStart, ParentSessionIDs: []string{"p1"},
		ConversationID: "c1", Directory: "/repo", Feature: "auth",
		Task: "implement auth", Purpose: "login", Mode: "write", Context: "@{src/**}", Expected: "code", Rules: "no deps",
		Sandbox: "workspace-write", Model: "gpt-5", Profile: "p",
		StartedAt: at(0), Owner: Owner{PID: 42, StartTime: 7, Host: "h"},
	}
	if err := s.InsertRun(ctx, start); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertRun(ctx, start); err != nil { // a retry: idempotent (TestRetriedWrites)
		t.Fatalf("second InsertRun: %v", err)
	}
	// No session id yet: the run exists, the session view does not list it.
	r, ok, err := s.Run(ctx, "r1")
	if err != nil || !ok {
		t.Fatalf("Run: %v %v", ok, err)
	}
	if r.Status != StatusRunning || r.SessionID != "" || !r.EndedAt.IsZero() {
		t.Fatalf("fresh run = %+v", r)
	}
	if got, _ := s.Recent(ctx, 10); len(got) != 0 {
		t.Fatalf("session without id listed: %+v", got)
	}

	if err := s.SetSessionID(ctx, "r1", "s1"); err != nil {
		t.Fatal(err)
	}
	ss, runs, ok, err := s.Session(ctx, "s1")
	if err != nil || !ok || len(runs) != 1 || ss.Status != StatusRunning || ss.Turns != 1 {
		t.Fatalf("Session after SetSessionID = %+v %d %v %v", ss, len(runs), ok, err)
	}

	fin := Run{
		RunID: "r1", Status: StatusCompleted, FinalMessage: "done", FilesChanged: []string{"a.go", "b.go"},
		Commands: []Command{{Command: "go test", ExitCode: &exit0, Status: "completed"}, {Command: "false", ExitCode: &exit1, Status: "failed"}},
		Usage:    Usage{InputTokens: 10, CachedInputTokens: 2, OutputTokens: 3, ReasoningOutputTokens: 1},
		EndedAt:  at(5),
	}
	if err := s.FinishRun(ctx, fin); err != nil {
		t.Fatal(err)
	}
	r, _, _ = s.Run(ctx, "r1")
	want := start
	want.SessionID, want.Status, want.FinalMessage = "s1", StatusCompleted, "done"
	want.FilesChanged, want.Commands, want.Usage, want.EndedAt = fin.FilesChanged, fin.Commands, fin.Usage, at(5)
	if !reflect.DeepEqual(normalize(r), normalize(want)) {
		t.Fatalf("finished run\n got %+v\nwant %+v", normalize(r), normalize(want))
	}

	for _, c := range []struct {
		name string
		err  error
	}{
		{"SetSessionID unknown", s.SetSessionID(ctx, "nope", "s")},
	} {
		if !errors.Is(c.err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", c.name, c.err)
		}
	}
	if _, ok, err := s.Run(ctx, "nope"); ok || err != nil {
		t.Errorf("Run(nope) = %v, %v", ok, err)
	}
	if _, _, ok, err := s.Session(ctx, "nope"); ok || err != nil {
		t.Errorf("Session(nope) = %v, %v", ok, err)
	}
}

// normalize makes times comparable with reflect.DeepEqual: UTC, no monotonic reading.
func normalize(r Run) Run {
	if !r.StartedAt.IsZero() {
		r.StartedAt = r.StartedAt.UTC()
	}
	if !r.EndedAt.IsZero() {
		r.EndedAt = r.EndedAt.UTC()
	}
	return r
}

func TestFinishRunningSnapshotAndReassign(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	must(t, s.InsertRun(ctx, Run{RunID: "r1", SessionID: "wrong", StartedAt: at(0)}))
	// A progress snapshot keeps the run running and its end time empty.
	must(t, s.FinishRun(ctx, Run{RunID: "r1", Status: StatusRunning, FilesChanged: []string{"x"}}))
	r, _, _ := s.Run(ctx, "r1")
	if r.Status != StatusRunning || !r.EndedAt.IsZero() || len(r.FilesChanged) != 1 {
		t.Fatalf("snapshot = %+v", r)
	}
	// Codex reported another thread id: the run moves, the old session disappears.
	must(t, s.FinishRun(ctx, Run{RunID: "r1", SessionID: "right", Status: StatusCompleted}))
	if _, _, ok, _ := s.Session(ctx, "wrong"); ok {
		t.Fatal("empty session still listed")
	}
	if ss, _, ok, _ := s.Session(ctx, "right"); !ok || ss.Status != StatusCompleted {
		t.Fatalf("moved session = %+v %v", ss, ok)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSessionAggregation(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	runs := []Run{
		{RunID: "1", SessionID: "s1", Kind: KindFork, ParentSessionIDs: []string{"p0"}, ConversationID: "c1",
			Directory: "/repo", Feature: "auth", Task: "implement auth", Context: "@{src/auth/**}",
			Sandbox: "workspace-write", Model: "m1", StartedAt: at(0)},
		{RunID: "2", SessionID: "s1", Kind: KindResume, ConversationID: "c2", Directory: "/repo",
			Task: "add tests", Purpose: "secure login", Context: "@{src/auth/**}", Sandbox: "read-only", Model: "m2", StartedAt: at(10)},
		{RunID: "3", SessionID: "s1", Kind: KindResume, ConversationID: "c1", Directory: "/repo",
			Task: "fix lint", Purpose: "clean up", Context: "the linter's report", Sandbox: "workspace-write", Model: "m3", StartedAt: at(20)},
	}
	for _, r := range runs {
		must(t, s.InsertRun(ctx, r))
	}
	must(t, s.FinishRun(ctx, Run{RunID: "1", Status: StatusCompleted, FinalMessage: "auth done",
		FilesChanged: []string{"auth.go", "go.mod"}, EndedAt: at(5)}))
	must(t, s.FinishRun(ctx, Run{RunID: "2", Status: StatusCompleted, FinalMessage: "tests added",
		FilesChanged: []string{"auth_test.go", "auth.go"}, EndedAt: at(15)}))
	// Run 3 is still running: status is its, the last message the previous one.

	ss, got, ok, err := s.Session(ctx, "s1")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if ids := []string{got[0].RunID, got[1].RunID, got[2].RunID}; !slices.Equal(ids, []string{"1", "2", "3"}) {
		t.Errorf("runs order = %v", ids)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"turns", ss.Turns, 3},
		{"task", ss.Task, "implement auth"},
		{"last task", ss.LastTask, "fix lint"},
		{"status", ss.Status, StatusRunning},
		{"sandbox", ss.Sandbox, "workspace-write"},
		{"model", ss.Model, "m3"},
		{"conversation", ss.ConversationID, "c1"},
		{"conversations", fmt.Sprint(ss.Conversations), "[c1 c2]"},
		{"feature", ss.Feature, "auth"},
		{"directory", ss.Directory, "/repo"},
		{"last message", ss.LastMessage, "tests added"},
		{"files", fmt.Sprint(ss.FilesChanged), "[auth.go go.mod auth_test.go]"},
		{"parents", fmt.Sprint(ss.ParentSessionIDs), "[p0]"},
		{"purpose", ss.Purpose, "secure login"},
		{"context", ss.Context, "@{src/auth/**}\nthe linter's report"},
		{"started", ss.StartedAt.Equal(at(0)), true},
		{"updated", ss.UpdatedAt.Equal(at(20)), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	must(t, s.FinishRun(ctx, Run{RunID: "3", Status: StatusFailed, Error: "boom", EndedAt: at(30)}))
	ss, _, _, _ = s.Session(ctx, "s1")
	if ss.Status != StatusFailed || !ss.UpdatedAt.Equal(at(30)) {
		t.Errorf("after finish: status %s updated %v", ss.Status, ss.UpdatedAt)
	}
}

func TestSessionsFilters(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	seed := []Run{
		{RunID: "a", SessionID: "sa", ConversationID: "c1", Directory: "/work/app", Feature: "Auth", Task: "Implement OAuth login", StartedAt: at(1)},
		{RunID: "b", SessionID: "sb", ConversationID: "c1", Directory: "/work/app/server", Feature: "api", Task: "add endpoint", Purpose: "billing", StartedAt: at(2)},
		{RunID: "c", SessionID: "sc", ConversationID: "c2", Directory: "/work/application", Feature: "ui", Task: "style page", StartedAt: at(3)},
		{RunID: "d", SessionID: "sd", ConversationID: "c2", Directory: "/other", Feature: "auth", Task: "rotate keys", StartedAt: at(4)},
		{RunID: "d2", SessionID: "sa", ConversationID: "c3", Directory: "/work/app", Task: "follow-up", StartedAt: at(0)},
		{RunID: "nosession", ConversationID: "c1", Directory: "/work/app", Task: "pending", StartedAt: at(9)},
	}
	for _, r := range seed {
		must(t, s.InsertRun(ctx, r))
	}
	must(t, s.FinishRun(ctx, Run{RunID: "c", Status: StatusCompleted, FinalMessage: "Used Tailwind", EndedAt: at(5)}))
	must(t, s.FinishRun(ctx, Run{RunID: "d", Status: StatusFailed, EndedAt: at(4)}))

	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all, newest first", Filter{}, []string{"sc", "sd", "sb", "sa"}},
		{"directory exact or inside, not sibling prefix", Filter{Directory: "/work/app"}, []string{"sb", "sa"}},
		{"directory trailing slash", Filter{Directory: "/work/app/"}, []string{"sb", "sa"}},
		{"directory subdirectory only", Filter{Directory: "/work/app/server"}, []string{"sb"}},
		{"directory root", Filter{Directory: "/"}, []string{"sc", "sd", "sb", "sa"}},
		{"feature ignores case", Filter{Feature: "auth"}, []string{"sd", "sa"}},
		{"conversation matches any turn", Filter{ConversationID: "c3"}, []string{"sa"}},
		{"conversation c1", Filter{ConversationID: "c1"}, []string{"sb", "sa"}},
		{"status", Filter{Status: StatusRunning}, []string{"sb", "sa"}},
		{"query task ignores case", Filter{Query: "oauth"}, []string{"sa"}},
		{"query purpose", Filter{Query: "BILLING"}, []string{"sb"}},
		{"query last message", Filter{Query: "tailwind"}, []string{"sc"}},
		{"query directory", Filter{Query: "application"}, []string{"sc"}},
		{"query id", Filter{Query: "SD"}, []string{"sd"}},
		{"query later turn task", Filter{Query: "follow-up"}, []string{"sa"}},
		{"combined", Filter{Directory: "/work", Feature: "AUTH", Status: StatusRunning}, []string{"sa"}},
		{"limit", Filter{Limit: 2}, []string{"sc", "sd"}},
		{"no match", Filter{Query: "zzz"}, nil},
	}
	// Queries of three or more characters are answered by a scan of the newest sessions
	// or, when that is not conclusive, by the trigram index: run every case both ways.
	for _, path := range []struct {
		name  string
		probe int
	}{{"scan", 500}, {"index", 0}} {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				defer func(p int) { probeRows = p }(probeRows)
				probeRows = path.probe
				got, err := s.Sessions(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if ids := sessionIDs(got); !slices.Equal(ids, tt.want) {
					t.Errorf("got %v, want %v", ids, tt.want)
				}
			})
		}
	}
	checkIndex(t, s)
}

// checkIndex verifies that the trigram index agrees with the sessions' text.
func checkIndex(t *testing.T, s *Store) {
	t.Helper()
	if _, err := s.db.ExecContext(context.Background(),
		`INSERT INTO sessions_fts(sessions_fts, rank) VALUES('integrity-check', 1)`); err != nil {
		t.Fatalf("search index out of step with sessions: %v", err)
	}
}

func TestQueryFollowsUpdates(t *testing.T) {
	defer func(p int) { probeRows = p }(probeRows)
	probeRows = 0 // the index path: the scan path reads the text itself
	s := openTest(t)
	ctx := t.Context()
	query := func(q string) []string {
		t.Helper()
		got, err := s.Sessions(ctx, Filter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		return sessionIDs(got)
	}
	must(t, s.InsertRun(ctx, Run{RunID: "r1", SessionID: "old-id", Task: "Refactor the parser", StartedAt: at(0)}))
	if got := query("parser"); !slices.Equal(got, []string{"old-id"}) {
		t.Fatalf("parser: %v", got)
	}
	must(t, s.FinishRun(ctx, Run{RunID: "r1", SessionID: "new-id", Status: StatusCompleted,
		FinalMessage: `Split "lexer" out; 100% done`}))
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"parser", []string{"new-id"}},
		{"old-id", nil},
		{"new-id", []string{"new-id"}},
		{`"lexer"`, []string{"new-id"}}, // quotes are literal, not FTS syntax
		{"100% done", []string{"new-id"}},
		{"lexer OR parser", nil}, // operators are literal too
		{"LEXER", []string{"new-id"}},
	} {
		if got := query(c.q); !slices.Equal(got, c.want) {
			t.Errorf("query %q = %v, want %v", c.q, got, c.want)
		}
	}
	must(t, s.InsertRun(ctx, Run{RunID: "r2", SessionID: "new-id", Task: "Add benchmarks", StartedAt: at(1)}))
	if got := query("benchmarks"); !slices.Equal(got, []string{"new-id"}) {
		t.Errorf("second turn's task not searchable: %v", got)
	}
	checkIndex(t, s)
}

func TestQueryBeyondProbe(t *testing.T) {
	defer func(p int) { probeRows = p }(probeRows)
	probeRows = 50 // a small window keeps the test fast under -race
	s := openTest(t)
	ctx := t.Context()
	seedSessions(t, s, 150)
	// "task 3 turn" is only in session 3, far past the probe window (the newest 50);
	// "task 11" is in sessions 11 and 110-119: ten inside the window, one past it.
	for _, c := range []struct {
		q     string
		limit int
		want  int
	}{
		{"task 3 turn", 50, 1},
		{"task 11", 5, 5},   // the window fills the page
		{"task 11", 20, 11}, // it does not: the index finds the rest
		{"implement", 20, 20},
		{"no such text", 50, 0},
	} {
		got, err := s.Sessions(ctx, Filter{Query: c.q, Limit: c.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.want {
			t.Errorf("query %q limit %d: %d sessions, want %d", c.q, c.limit, len(got), c.want)
		}
		for i := 1; i < len(got); i++ {
			if !got[i].UpdatedAt.Before(got[i-1].UpdatedAt) {
				t.Errorf("query %q: not newest first at %d", c.q, i)
			}
		}
	}
	checkIndex(t, s)
}

func sessionIDs(ss []Session) []string {
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.SessionID)
	}
	return ids
}

func TestSessionsKeysetPagination(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	// 25 sessions over 5 distinct times: every page boundary falls inside a tie.
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("s%02d", i)
		must(t, s.InsertRun(ctx, Run{RunID: id, SessionID: id, StartedAt: at(i / 5)}))
	}
	for m := 4; m >= 0; m-- {
		for i := m*5 + 4; i >= m*5; i-- {
			want = append(want, fmt.Sprintf("s%02d", i))
		}
	}
	for _, size := range []int{1, 3, 5, 7, 25, 100} {
		t.Run(fmt.Sprint("page size ", size), func(t *testing.T) {
			var got []string
			f := Filter{Limit: size}
			for pages := 0; ; pages++ {
				if pages > 30 {
					t.Fatal("pagination does not end")
				}
				page, err := s.Sessions(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, sessionIDs(page)...)
				if len(page) < size {
					break
				}
				// Round-trip through the token, as the tools layer will.
				c, err := ParseCursor(page[len(page)-1].Cursor().String())
				if err != nil {
					t.Fatal(err)
				}
				f.UpdatedBefore = &c
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
		})
	}
	if _, err := ParseCursor("garbage"); err == nil {
		t.Error("ParseCursor accepted garbage")
	}
}

func TestMarkInterrupted(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	live := Owner{PID: 1, StartTime: 1, Host: "h"}
	dead := Owner{PID: 2, StartTime: 2, Host: "h"}
	reused := Owner{PID: 1, StartTime: 99, Host: "h"} // live pid, different process
	for _, r := range []Run{
		{RunID: "live", SessionID: "s1", Owner: live, StartedAt: at(0)},
		{RunID: "dead", SessionID: "s2", Owner: dead, StartedAt: at(1)},
		{RunID: "dead-nosession", Owner: dead, StartedAt: at(2)},
		{RunID: "reused", SessionID: "s3", Owner: reused, StartedAt: at(3)},
		{RunID: "dead-but-done", SessionID: "s4", Owner: dead, StartedAt: at(4)},
	} {
		must(t, s.InsertRun(ctx, r))
	}
	must(t, s.FinishRun(ctx, Run{RunID: "dead-but-done", Status: StatusCompleted}))

	alive := func(o Owner) bool { return o == live }
	n, err := s.MarkInterrupted(ctx, alive)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("marked %d, want 3", n)
	}
	want := map[string]Status{"live": StatusRunning, "dead": StatusInterrupted, "dead-nosession": StatusInterrupted,
		"reused": StatusInterrupted, "dead-but-done": StatusCompleted}
	for id, st := range want {
		r, _, _ := s.Run(ctx, id)
		if r.Status != st {
			t.Errorf("run %s status %s, want %s", id, r.Status, st)
		}
	}
	if ss, _, _, _ := s.Session(ctx, "s2"); ss.Status != StatusInterrupted {
		t.Errorf("session view not refreshed: %s", ss.Status)
	}
	if n, _ := s.MarkInterrupted(ctx, alive); n != 0 {
		t.Errorf("second pass marked %d", n)
	}
}

func TestProcessAlive(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("ProcessAlive cannot probe processes on Windows and reports them all alive")
	}
	me := Self()
	if me.PID != os.Getpid() || me.Host == "" {
		t.Fatalf("Self() = %+v", me)
	}
	tests := []struct {
		name string
		o    Owner
		want bool
	}{
		{"self", me, true},
		{"self without start time", Owner{PID: me.PID, Host: me.Host}, true},
		{"no owner", Owner{}, false},
		{"other host is assumed alive", Owner{PID: 1 << 30, Host: me.Host + "-elsewhere"}, true},
		{"no such pid", Owner{PID: 1 << 30, StartTime: 1, Host: me.Host}, false},
	}
	if me.StartTime != 0 {
		tests = append(tests, struct {
			name string
			o    Owner
			want bool
		}{"reused pid", Owner{PID: me.PID, StartTime: me.StartTime + 1, Host: me.Host}, false})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProcessAlive(tt.o); got != tt.want {
				t.Errorf("ProcessAlive(%+v) = %v, want %v", tt.o, got, tt.want)
			}
		})
	}
}

func TestConcurrentGoroutineWrites(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				id := fmt.Sprintf("g%d-%d", g, i)
				if err := s.InsertRun(ctx, Run{RunID: id}); err != nil {
					t.Error(err)
					return
				}
				if err := s.SetSessionID(ctx, id, "s-"+id); err != nil {
					t.Error(err)
				}
				if _, err := s.Recent(ctx, 20); err != nil {
					t.Error(err)
				}
				if err := s.FinishRun(ctx, Run{RunID: id, Status: StatusCompleted}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Sessions(ctx, Filter{Status: StatusCompleted, Limit: 1000})
	if err != nil || len(got) != 200 {
		t.Fatalf("got %d sessions, err %v", len(got), err)
	}
}

func TestKnown(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	for i, sid := range []string{"s1", "s2", ""} {
		r := Run{RunID: fmt.Sprintf("r%d", i), SessionID: sid, Kind: KindStart, Task: "t", StartedAt: at(i)}
		if err := s.InsertRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Known(ctx, []string{"s1", "s3", "s2", "r2"})
	if err != nil {
		t.Fatal(err)
	}
	if !got["s1"] || !got["s2"] || got["s3"] || got["r2"] || len(got) != 2 {
		t.Fatalf("Known = %v", got)
	}
	if got, err := s.Known(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Known(nil) = %v, %v", got, err)
	}
}
