package rollout

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSession describes a rollout for the generator.
type fakeSession struct {
	ID       string
	Cwd      string
	Started  time.Time
	Updated  time.Time // file mtime; Started+1m when zero
	Prompts  []string  // one per turn; the first is the Task
	Replies  []string  // one per turn
	Command  string    // a command the first turn runs, if any
	Archived bool
	Version  string // cli_version; "0.125.0" writes the older event shape
	Model    string
}

func (f *fakeSession) defaults() {
	if f.Version == "" {
		f.Version = "0.169.0"
	}
	if f.Model == "" {
		f.Model = "gpt-5.5"
	}
	if f.Updated.IsZero() {
		f.Updated = f.Started.Add(time.Minute)
	}
}

// instructions is ~22 KB of base instructions, the size real session_meta lines carry.
var instructions = strings.Repeat("You are Codex, a coding agent. Follow the user's instructions carefully and keep changes minimal. ", 225)

// fakeID makes a deterministic UUID-shaped id from n.
func fakeID(n int) string {
	return fmt.Sprintf("01a209f9-%04x-7000-8000-%012x", n&0xffff, n)
}

func fileName(f fakeSession) string {
	return "rollout-" + f.Started.UTC().Format("2006-01-02T15-04-05") + "-" + f.ID + ".jsonl"
}

// rolloutPath is where codex would keep f under home.
func rolloutPath(home string, f fakeSession) string {
	if f.Archived {
		return filepath.Join(home, archivedDir, fileName(f))
	}
	return filepath.Join(home, sessionsDir, f.Started.UTC().Format("2006/01/02"), fileName(f))
}

// writeRollout writes f the way codex does (record envelope, session_meta first, the
// developer and environment messages before the prompt) and sets its mtime.
func writeRollout(t testing.TB, home string, f fakeSession) string {
	t.Helper()
	f.defaults()
	path := rolloutPath(home, f)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(file, 64<<10)
	at := f.Started
	rec := func(typ string, payload any) {
		at = at.Add(10 * time.Millisecond)
		line, err := json.Marshal(map[string]any{"timestamp": at.UTC().Format("2006-01-02T15:04:05.000Z"), "type": typ, "payload": payload})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	msg := func(role, kind, text string) map[string]any {
		return map[string]any{"type": "message", "role": role, "content": []map[string]any{{"type": kind, "text": text}}}
	}
	meta := map[string]any{
		"id": f.ID, "timestamp": f.Started.UTC().Format("2006-01-02T15:04:05.000Z"), "cwd": f.Cwd,
		"originator": "codex_exec", "cli_version": f.Version, "source": "exec", "model_provider": "mock",
		"base_instructions": map[string]any{"text": instructions},
	}
	rec("session_meta", meta)
	for turn, prompt := range f.Prompts {
		rec("event_msg", map[string]any{"type": "task_started", "turn_id": fmt.Sprint(turn)})
		if turn == 0 {
			rec("response_item", msg("developer", "input_text", "<permissions instructions>\n"+strings.Repeat("sandbox rules ", 350)+"\n</permissions instructions>"))
			rec("response_item", msg("user", "input_text", "<environment_context>\n  <cwd>"+f.Cwd+"</cwd>\n</environment_context>"))
		}
		rec("turn_context", map[string]any{"turn_id": fmt.Sprint(turn), "cwd": f.Cwd, "model": f.Model, "approval_policy": "never"})
		rec("response_item", msg("user", "input_text", prompt))
		if f.Version == "0.125.0" {
			rec("event_msg", map[string]any{"type": "user_message", "message": prompt})
		} else {
			rec("event_msg", map[string]any{"type": "item_completed", "item": map[string]any{"type": "UserMessage", "content": []map[string]any{{"type": "text", "text": prompt}}}})
		}
		rec("event_msg", map[string]any{"type": "token_count", "info": nil})
		if turn == 0 && f.Command != "" {
			args, _ := json.Marshal(map[string]any{"cmd": f.Command})
			rec("response_item", map[string]any{"type": "function_call", "name": "exec_command", "arguments": string(args), "call_id": "call_1"})
			rec("response_item", map[string]any{"type": "function_call_output", "call_id": "call_1", "output": "Process exited with code 0\nOutput:\nok\n"})
		}
		reply := "done"
		if turn < len(f.Replies) {
			reply = f.Replies[turn]
		}
		if f.Version == "0.125.0" {
			rec("event_msg", map[string]any{"type": "agent_message", "message": reply})
		}
		rec("response_item", msg("assistant", "output_text", reply))
		rec("event_msg", map[string]any{"type": "task_complete", "turn_id": fmt.Sprint(turn), "last_agent_message": reply})
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, f.Updated, f.Updated); err != nil {
		t.Fatal(err)
	}
	return path
}

// genSessions makes n sessions, one minute apart (the last is the newest), in a few
// working directories, with tasks that name their number.
func genSessions(n int, base time.Time) []fakeSession {
	dirs := []string{"/home/dev/api", "/home/dev/api/internal/auth", "/home/dev/web", "/home/dev/apiserver"}
	out := make([]fakeSession, n)
	for i := range out {
		start := base.Add(time.Duration(i) * time.Minute)
		out[i] = fakeSession{
			ID:      fakeID(i + 1),
			Cwd:     dirs[i%len(dirs)],
			Started: start,
			Updated: start.Add(30 * time.Second),
			Prompts: []string{fmt.Sprintf("Implement feature number %d for the module", i+1)},
			Replies: []string{fmt.Sprintf("feature %d done", i+1)},
		}
	}
	return out
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
	f.defaults()
	vals := map[string]any{
		"id": f.ID, "rollout_path": rolloutPath(home, f), "created_at": f.Started.Unix(), "updated_at": f.Updated.Unix(),
		"source": "exec", "model_provider": "mock", "cwd": f.Cwd, "title": f.Prompts[0],
		"sandbox_policy": `{"type":"read-only"}`, "approval_mode": "never", "archived": f.Archived,
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
