package rollout

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Codex (0.125 and 0.169 alike) keeps a `threads` table in $CODEX_HOME/state_<n>.sqlite
// with one row per rollout. The columns below are the ones this package relies on; an
// index without any of them is not one it understands, and the tree is walked instead.
var requiredColumns = []string{
	"id", "rollout_path", "cwd", "created_at", "updated_at", "source", "first_user_message", "archived",
}

// Optional columns: used when present. 0.125 has no originator; when any of these is
// missing the page's heads are read from the rollouts to fill the gap, so both paths
// give the same fields.
var optionalColumns = []string{"created_at_ms", "updated_at_ms", "cli_version", "model", "originator"}

// sandbox_policy is read by Get only (as a fallback, see Session.Sandbox), so its absence
// does not make listings read the rollouts.
const sandboxColumn = "sandbox_policy"

// stateIndex is one open, recognised state database. It is opened per call and closed
// straight after: holding it open would keep a read-only connection on codex's WAL and
// stop codex from checkpointing and removing it when it exits.
type stateIndex struct {
	db   *sql.DB
	path string
	cols map[string]bool
}

func (x *stateIndex) Close() error { return x.db.Close() }

// findStateDB returns the newest state_<n>.sqlite in home ("" when there is none). Only
// the highest n is considered: lower ones are left behind by older codex versions.
func findStateDB(home string) string {
	matches, _ := filepath.Glob(filepath.Join(home, "state_*.sqlite"))
	best, bestN := "", -1
	for _, m := range matches {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "state_"), ".sqlite"))
		if err == nil && n > bestN {
			best, bestN = m, n
		}
	}
	return best
}

// stateDSN chooses how to open the database without writing anything next to it. SQLite
// opens a WAL-mode database read-only only through its -wal and -shm files, and creates
// them when they are missing, even with mode=ro. So:
//   - both exist (codex is running, or 0.169 left them after exiting): mode=ro reads
//     through them, committed WAL content included;
//   - neither exists (the last writer checkpointed and removed them): the main file is
//     the whole database, and immutable=1 reads it without creating them. A codex that
//     starts meanwhile writes to a new WAL, not to the main file, until it checkpoints
//     after ~1000 pages, so a read of a few milliseconds is safe in practice; an error
//     falls back to the tree walk;
//   - only one exists: an in-between state; do not guess, walk the tree.
//
// A rollback-journal database (header byte 18 = 1) needs no side files for mode=ro.
func stateDSN(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	hdr := make([]byte, 100)
	_, err = io.ReadFull(f, hdr)
	f.Close()
	if err != nil {
		return "", fmt.Errorf("read header: %w", err)
	}
	if !bytes.HasPrefix(hdr, []byte("SQLite format 3\x00")) {
		return "", errors.New("not an SQLite database")
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(1000)")
	q.Set("_query_only", "1")
	if hdr[18] == 2 || hdr[19] == 2 { // WAL
		wal, shm := exists(path+"-wal"), exists(path+"-shm")
		switch {
		case wal && shm:
		case !wal && !shm:
			q.Set("immutable", "1")
		default:
			return "", errors.New("WAL database with only one of -wal/-shm; not opening it")
		}
	}
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String(), nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// openIndex opens the state database when there is one and it is recognisable: the
// threads table has the required columns and codex has finished backfilling it from the
// rollouts (until then it misses older sessions). (nil, nil) means "no usable index".
func (s *Store) openIndex(ctx context.Context) (*stateIndex, error) {
	path := findStateDB(s.home)
	if path == "" {
		return nil, nil
	}
	dsn, err := stateDSN(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	x := &stateIndex{db: db, path: path, cols: map[string]bool{}}
	ok, err := x.recognise(ctx)
	if err != nil || !ok {
		db.Close()
		if err != nil {
			err = fmt.Errorf("%s: %w", path, err)
		}
		return nil, err
	}
	return x, nil
}

func (x *stateIndex) recognise(ctx context.Context) (bool, error) {
	rows, err := x.db.QueryContext(ctx, "SELECT name FROM pragma_table_info('threads')")
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return false, err
		}
		x.cols[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, c := range requiredColumns {
		if !x.cols[c] {
			return false, fmt.Errorf("threads table lacks column %q", c)
		}
	}
	var hasBackfill int
	if err := x.db.QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'backfill_state'").Scan(&hasBackfill); err != nil {
		return false, err
	}
	if hasBackfill > 0 {
		var status string
		err := x.db.QueryRowContext(ctx, "SELECT status FROM backfill_state WHERE id = 1").Scan(&status)
		if errors.Is(err, sql.ErrNoRows) || err == nil && status != "complete" {
			return false, fmt.Errorf("index backfill not complete (%q)", status)
		}
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// complete reports whether the index has every field a listing returns.
func (x *stateIndex) complete() bool {
	for _, c := range optionalColumns {
		if !x.cols[c] {
			return false
		}
	}
	return true
}

// selectSQL is the column list shared by listing and Get, adapted to the columns present.
// Task is cut in SQL so a huge pasted prompt is not copied out for every row.
func (x *stateIndex) selectSQL() string {
	opt := func(col string) string {
		if x.cols[col] {
			return col
		}
		return "''"
	}
	return fmt.Sprintf(`SELECT id, rollout_path, cwd, %s, %s, source, substr(first_user_message, 1, %d), archived, %s, %s, %s, substr(%s, 1, %d) FROM threads`,
		x.msExpr("created_at"), x.msExpr("updated_at"), maxTaskRunes+100,
		opt("cli_version"), opt("model"), opt("originator"), opt(sandboxColumn), maxIndexPolicyBytes)
}

// msExpr is a timestamp column in milliseconds: the _ms column (0.125+) when present,
// else the seconds column.
func (x *stateIndex) msExpr(col string) string {
	if x.cols[col+"_ms"] {
		return fmt.Sprintf("COALESCE(%s_ms, %s * 1000)", col, col)
	}
	return col + " * 1000"
}

// orderCol is the column listings sort by. The _ms column is used bare (not through
// COALESCE) so SQLite walks its index and stops after a page instead of sorting the
// table; codex's triggers fill it on every insert.
func (x *stateIndex) orderCol() string {
	if x.cols["updated_at_ms"] {
		return "updated_at_ms"
	}
	return "updated_at * 1000"
}

// scanSession reads one row of selectSQL; sandbox is its sandbox_policy mapped by
// sandboxMode.
func scanSession(rows interface{ Scan(...any) error }) (s Session, sandbox string, err error) {
	var (
		created, updated         sql.NullInt64
		task, cliVer, model, org sql.NullString
		source, policy           sql.NullString
		archived                 sql.NullInt64
	)
	if err := rows.Scan(&s.ID, &s.Path, &s.Directory, &created, &updated, &source, &task, &archived, &cliVer, &model, &org, &policy); err != nil {
		return s, "", err
	}
	s.ID = normID(s.ID)
	s.Directory = capField(s.Directory)
	if created.Valid {
		s.StartedAt = time.UnixMilli(created.Int64)
	}
	if updated.Valid {
		s.UpdatedAt = time.UnixMilli(updated.Int64)
	}
	s.Source, s.CLIVersion = capField(source.String), capField(cliVer.String)
	s.Model, s.Originator = capField(model.String), capField(org.String)
	s.Task = clip(task.String, maxTaskRunes)
	s.Archived = archived.Int64 != 0
	return s, sandboxMode([]byte(policy.String)), nil
}

// listIndex is List from the index. ok is false when there is no usable index.
func (s *Store) listIndex(ctx context.Context, q query) (page Page, ok bool, err error) {
	x, err := s.openIndex(ctx)
	if err != nil || x == nil {
		return Page{}, false, err
	}
	defer x.Close()

	// The unary + keeps SQLite from using the (archived, cwd, ...) indexes for these
	// terms: without statistics it would pick them and sort the whole table, while
	// walking the updated_at index lets it stop as soon as the page is full.
	var where []string
	var args []any
	if !q.archived {
		where = append(where, "+archived = 0")
	}
	if q.dir != "" && q.dir != string(filepath.Separator) {
		// cwd = dir, or cwd in [dir+"/", dir+"0"): '0' follows '/' (and ']' follows '\')
		// in byte order, as SQLite compares text, so the range is exactly the paths below dir.
		sep := byte(filepath.Separator)
		where = append(where, "(+cwd = ? OR (+cwd >= ? AND +cwd < ?))")
		args = append(args, q.dir, q.dir+string(sep), q.dir+string(sep+1))
	}
	sqlText := q.text != "" && isASCII(q.text)
	if sqlText {
		// SQLite's lower() folds ASCII only, which for an ASCII query is exactly what
		// containsFold does, so the filter can run inside SQLite (far cheaper than
		// copying every row out) and the LIMIT still applies.
		task := fmt.Sprintf("substr(first_user_message, 1, %d)", maxTaskRunes+100)
		where = append(where, "(instr(lower("+task+"), ?) > 0 OR instr(lower(cwd), ?) > 0 OR instr(lower(id), ?) > 0)")
		args = append(args, q.text, q.text, q.text)
	}
	order := x.orderCol()
	if q.after != nil {
		ms := q.after.at.UnixMilli()
		where = append(where, fmt.Sprintf("(%s < ? OR (%s = ? AND id < ?))", order, order))
		args = append(args, ms, ms, q.after.id)
	}
	stmt := x.selectSQL()
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += fmt.Sprintf(" ORDER BY %s DESC, id DESC", order)
	if q.text == "" || sqlText {
		// Every row returned matches: fetch one extra to know about a next page.
		stmt += " LIMIT ?"
		args = append(args, q.limit+1)
	}
	rows, err := x.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return Page{}, false, err
	}
	defer rows.Close()
	for rows.Next() {
		sess, _, err := scanSession(rows)
		if err != nil {
			return Page{}, false, err
		}
		if !q.match(&sess) {
			continue
		}
		if len(page.Sessions) == q.limit {
			last := page.Sessions[len(page.Sessions)-1]
			page.NextCursor = cursor{at: last.UpdatedAt, id: last.ID}.encode()
			break
		}
		page.Sessions = append(page.Sessions, sess)
	}
	if err := rows.Err(); err != nil {
		return Page{}, false, err
	}
	rows.Close()
	if !x.complete() {
		s.fillHeads(ctx, page.Sessions)
	}
	return page, true, nil
}

// fillHeads completes index rows with fields only the rollout has (the originator on
// 0.125), through the same head cache as the tree walk. Unreadable files are left as is.
func (s *Store) fillHeads(ctx context.Context, sessions []Session) {
	refs := make([]fileRef, 0, len(sessions))
	idx := make([]int, 0, len(sessions))
	for i, sess := range sessions {
		info, err := os.Stat(sess.Path)
		if err != nil {
			continue
		}
		refs = append(refs, fileRef{path: sess.Path, size: info.Size(), mtime: info.ModTime()})
		idx = append(idx, i)
	}
	heads, _ := s.loadHeads(ctx, refs)
	for j, h := range heads {
		if h != nil {
			fillFromHead(&sessions[idx[j]], *h)
		}
	}
}

// getIndex looks one session up in the index, with the row's sandbox mapped by
// sandboxMode. found is false when there is no usable index or no such row.
func (s *Store) getIndex(ctx context.Context, id string) (sess Session, sandbox string, found bool, err error) {
	x, err := s.openIndex(ctx)
	if err != nil || x == nil {
		return Session{}, "", false, err
	}
	defer x.Close()
	row := x.db.QueryRowContext(ctx, x.selectSQL()+" WHERE id = ?", strings.ToLower(id))
	sess, sandbox, err = scanSession(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, "", false, nil
	}
	if err != nil {
		return Session{}, "", false, err
	}
	return sess, sandbox, true, nil
}
