package memory

import (
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAboutOf(t *testing.T) {
	long := func(c string, n int) string { return strings.Repeat(c, n) }
	tests := []struct {
		name               string
		purposes, contexts []string
		purpose, context   string
	}{
		{"nothing", nil, nil, "", ""},
		{"first purpose given wins", []string{"", " login ", "later"}, nil, "login", ""},
		{"contexts joined, repeats once", nil, []string{"@{a/**}", "", " @{a/**} ", "notes"}, "", "@{a/**}\nnotes"},
		{"first kept, then the newest that fit", nil,
			[]string{"@{first/**}", long("a", 3000), long("b", 1500), "@{newest/**}"}, "",
			"@{first/**}\n" + long("b", 1500) + "\n@{newest/**}"},
		{"a long first context is cut to half", nil,
			[]string{long("x", 9000), "@{newest/**}"}, "",
			long("x", sessionContextBytes/2) + "\n@{newest/**}"},
		{"one context alone is cut to the bound", nil, []string{long("y", 9000)}, "", long("y", sessionContextBytes)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := aboutOf(tt.purposes, tt.contexts)
			if p != tt.purpose || c != tt.context {
				t.Errorf("aboutOf = %q, %.80q… (%d bytes); want %q, %.80q… (%d bytes)", p, c, len(c), tt.purpose, tt.context, len(tt.context))
			}
			if len(c) > sessionContextBytes {
				t.Errorf("context is %d bytes, over %d", len(c), sessionContextBytes)
			}
		})
	}
}

func TestCutText(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"héllo", 2, "h"}, // never half a rune
		{"see @{src/auth/**/*.go} and @{src/pay/**}", 35, "see @{src/auth/**/*.go} and"},
		{"see @{src/auth/**/*.go}", 23, "see @{src/auth/**/*.go}"},
	}
	for _, tt := range tests {
		got := cutText(tt.s, tt.n)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("cutText(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

// TestMigrationFillsSessionAbout opens a database as a version-2 server left it, with
// sessions whose runs gave purposes and contexts, and checks that step 3 fills them in
// and that writes afterwards keep them up to date.
func TestMigrationFillsSessionAbout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	must(t, migrate(ctx, db, migrations[:2], slog.New(slog.DiscardHandler)))
	// As a version-2 server writes them: the runs, and their aggregate (indexed for
	// search) without the columns step 3 adds.
	for _, r := range []struct {
		run, sid, purpose, context string
		started                    int
	}{
		{"r1", "s1", "", "@{src/auth/**}", 0},
		{"r2", "s1", "secure login", "@{src/auth/**}", 10},
		{"r3", "s1", "tests", "previous auth work", 20},
		{"r4", "s2", "", "", 30},
		{"r5", "s3", "orphan", "no sessions row", 40},
	} {
		_, err := db.ExecContext(ctx, `INSERT INTO runs (run_id, session_id, task, purpose, context, status, started_at)
			VALUES (?, ?, 'task', ?, ?, 'completed', ?)`, r.run, r.sid, r.purpose, r.context, at(r.started).UnixNano())
		must(t, err)
	}
	for _, sid := range []string{"s1", "s2"} {
		_, err := db.ExecContext(ctx, `INSERT INTO sessions (session_id, conversation_id, directory, feature, task,
			last_task, status, sandbox, model, started_at, updated_at, turns, last_message, files_changed,
			parent_session_ids, conversations, search) VALUES (?, 'c', '', '', 'task', 'task', 'completed', '', '',
			0, 0, 1, '', '[]', '[]', '[]', 'task')`, sid)
		must(t, err)
		_, err = db.ExecContext(ctx, `INSERT INTO sessions_fts(rowid, search) SELECT rowid, search FROM sessions WHERE session_id = ?`, sid)
		must(t, err)
	}
	var v int
	must(t, db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v))
	must(t, db.Close())
	if v != 2 {
		t.Fatalf("prepared database is at version %d, want 2", v)
	}

	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := userVersion(t, s); v != len(migrations) {
		t.Fatalf("user_version = %d, want %d", v, len(migrations))
	}
	tests := []struct {
		sid, purpose, context string
	}{
		{"s1", "secure login", "@{src/auth/**}\nprevious auth work"},
		{"s2", "", ""},
	}
	for _, tt := range tests {
		ss, _, ok, err := s.Session(ctx, tt.sid)
		if err != nil || !ok {
			t.Fatalf("Session(%s): %v %v", tt.sid, ok, err)
		}
		if ss.Purpose != tt.purpose || ss.Context != tt.context {
			t.Errorf("%s after migration: purpose %q context %q, want %q %q", tt.sid, ss.Purpose, ss.Context, tt.purpose, tt.context)
		}
	}
	if _, _, ok, _ := s.Session(ctx, "s3"); ok {
		t.Error("migration made a sessions row of runs that had none")
	}
	// The next write keeps the aggregate current.
	must(t, s.InsertRun(ctx, Run{RunID: "r6", SessionID: "s2", Task: "more", Purpose: "docs", Context: "@{docs/**}", StartedAt: at(50)}))
	ss, _, _, _ := s.Session(ctx, "s2")
	if ss.Purpose != "docs" || ss.Context != "@{docs/**}" {
		t.Errorf("s2 after a new run: purpose %q context %q", ss.Purpose, ss.Context)
	}
}
