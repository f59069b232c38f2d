package rollout

import (
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/storegen"
)

// The generator lives in internal/storegen, shared with the session benchmarks.
type fakeSession = storegen.Session

func fakeID(n int) string { return storegen.ID(n) }

func rolloutPath(home string, f fakeSession) string { return storegen.Path(home, f) }

func genSessions(n int, base time.Time) []fakeSession { return storegen.Generate(n, base) }

// writeRollout writes f the way codex does and sets its mtime.
func writeRollout(t testing.TB, home string, f fakeSession) string {
	t.Helper()
	path, err := storegen.Write(home, f)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// schemaSQL is the threads/backfill_state schema captured from a real codex store
// (testdata/state-<version>.sql, dumped from state_5.sqlite after real runs).
func schemaSQL(t testing.TB, version string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "state-"+version+".sql"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// openWritable opens an SQLite file for the test to write, the way codex would.
func openWritable(t testing.TB, path string) *sql.DB {
	t.Helper()
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: "_pragma=busy_timeout(5000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

type execer interface {
	Exec(query string, args ...any) (sql.Result, error)
}

// indexRow inserts f into a codex-shaped threads table with the given columns; columns a
// schema version lacks (originator, preview on 0.125) are simply not written.
func indexRow(t testing.TB, db execer, cols map[string]bool, home string, f fakeSession) {
	t.Helper()
	f.Defaults()
	vals := map[string]any{
		"id": f.ID, "rollout_path": rolloutPath(home, f), "created_at": f.Started.Unix(), "updated_at": f.Updated.Unix(),
		"source": "exec", "model_provider": "mock", "cwd": f.Cwd, "title": f.Prompts[0],
		"sandbox_policy": indexPolicy(f), "approval_mode": "never", "archived": f.Archived,
		"cli_version": f.Version, "first_user_message": f.Prompts[0], "model": f.Model,
		"created_at_ms": f.Started.UnixMilli(), "updated_at_ms": f.Updated.UnixMilli(),
		"preview": f.Prompts[0], "originator": "codex_exec",
	}
	var names, marks []string
	var args []any
	for k, v := range vals {
		if cols[k] {
			names, marks, args = append(names, k), append(marks, "?"), append(args, v)
		}
	}
	if _, err := db.Exec("INSERT INTO threads ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(marks, ", ")+")", args...); err != nil {
		t.Fatal(err)
	}
}

// indexPolicy is threads.sandbox_policy for f as its codex version writes it: the latest
// turn's sandbox (read-only when f names none), as a sandbox policy up to 0.125 and as a
// permission profile in 0.169.
func indexPolicy(f fakeSession) string {
	mode := "read-only"
	if n := len(f.Sandboxes); n > 0 && f.Sandboxes[n-1] != "" {
		mode = f.Sandboxes[n-1]
	}
	if f.Version == "0.125.0" {
		return `{"type":"` + mode + `"}`
	}
	return map[string]string{
		"read-only":          permReadOnly,
		"workspace-write":    permWorkspaceWrite,
		"danger-full-access": `{"type":"disabled"}`,
	}[mode]
}

// Permission profiles as codex 0.169 writes them (paths renamed).
const (
	permReadOnly       = `{"type":"managed","file_system":{"type":"restricted","entries":[{"path":{"type":"special","value":{"kind":"root"}},"access":"read"}]},"network":"restricted"}`
	permWorkspaceWrite = `{"type":"managed","file_system":{"type":"restricted","entries":[{"path":{"type":"special","value":{"kind":"root"}},"access":"read"},{"path":{"type":"path","path":"/home/dev/project"},"access":"write"},{"path":{"type":"special","value":{"kind":"slash_tmp"}},"access":"write"},{"path":{"type":"special","value":{"kind":"tmpdir"}},"access":"write"},{"path":{"type":"path","path":"/home/dev/project/.git"},"access":"read","missing_path_behavior":"skip"}]},"network":"restricted"}`
)

func tableColumns(t testing.TB, db *sql.DB) map[string]bool {
	t.Helper()
	rows, err := db.Query("SELECT name FROM pragma_table_info('threads')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		cols[n] = true
	}
	return cols
}

// writeIndex creates home/state_5.sqlite with the given codex version's schema and one
// row per session, backfill complete. wal leaves it in WAL mode (closed cleanly, so
// without -wal/-shm files), as codex does.
func writeIndex(t testing.TB, home, version string, sessions []fakeSession, wal bool) string {
	t.Helper()
	path := filepath.Join(home, "state_5.sqlite")
	db := openWritable(t, path)
	defer db.Close()
	if _, err := db.Exec(schemaSQL(t, version)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO backfill_state (id, status, updated_at) VALUES (1, 'complete', 0)"); err != nil {
		t.Fatal(err)
	}
	cols := tableColumns(t, db)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sessions {
		indexRow(t, tx, cols, home, f)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if wal {
		if _, err := db.Exec("PRAGMA journal_mode=WAL"); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// countingStore is a Store whose rollout opens are counted.
func countingStore(home string) (*Store, *atomic.Int64) {
	s := New(home, nil)
	var n atomic.Int64
	s.open = func(name string) (*os.File, error) {
		n.Add(1)
		return os.Open(name)
	}
	return s, &n
}

// listFiles is every file under dir, for checking that reads create nothing.
func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

func ids(ss []Session) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}
