package memory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Session is the view of one Codex session: all runs that share its session id.
type Session struct {
	SessionID      string
	ConversationID string // of the latest run
	Directory      string // of the latest run that names one
	Feature        string // of the latest run that names one
	Task           string // the first run's task
	LastTask       string // the latest run's task
	Status         Status // the latest run's
	Sandbox, Model string // the latest run's
	StartedAt      time.Time
	UpdatedAt      time.Time // the latest end or start time of any run
	Turns          int       // number of runs
	LastMessage    string    // the latest non-empty final message
	FilesChanged   []string  // union over the runs, in first-seen order
	// ParentSessionIDs is the union of the runs' parents: the sessions this one was
	// forked from or drew on.
	ParentSessionIDs []string
	Conversations    []string // every conversation that ran a turn, in first-seen order
	// Purpose and Context say what the session is about (see aboutOf): the first purpose
	// a run gave, and the runs' contexts joined, at most sessionContextBytes.
	Purpose, Context string
}

// Cursor is a keyset pagination position: the last session of the previous page.
type Cursor struct {
	UpdatedAt time.Time
	SessionID string
}

// Cursor returns the position just after s, to pass as Filter.UpdatedBefore for the
// next page.
func (s Session) Cursor() Cursor { return Cursor{UpdatedAt: s.UpdatedAt, SessionID: s.SessionID} }

// String encodes c as an opaque token for a tool's next_cursor field.
func (c Cursor) String() string {
	return strconv.FormatInt(c.UpdatedAt.UnixNano(), 36) + "." + c.SessionID
}

// ParseCursor decodes a token made by Cursor.String.
func ParseCursor(token string) (Cursor, error) {
	ts, id, ok := strings.Cut(token, ".")
	n, err := strconv.ParseInt(ts, 36, 64)
	if !ok || err != nil || id == "" {
		return Cursor{}, fmt.Errorf("memory: invalid cursor %q", token)
	}
	return Cursor{UpdatedAt: fromNanos(n), SessionID: id}, nil
}

// Filter selects sessions. Zero fields do not filter.
type Filter struct {
	Directory      string // the session's directory equals it or lies inside it
	Feature        string // equal, ignoring ASCII case
	ConversationID string // any of the session's runs was in this conversation
	Status         Status // the latest run's status
	// Query matches, ignoring case, a substring of any run's task, purpose, feature or
	// directory, the last message, or the session id.
	Query         string
	UpdatedBefore *Cursor // keyset pagination: only sessions after this position
	Limit         int     // at most this many; <= 0 means DefaultLimit
}

// DefaultLimit is the page size when Filter.Limit is not set.
const DefaultLimit = 50

const sessionColumns = `session_id, conversation_id, directory, feature, task, last_task, status,
	sandbox, model, started_at, updated_at, turns, last_message, files_changed,
	parent_session_ids, conversations, purpose, context`

// Sessions lists sessions matching f, newest first by UpdatedAt then SessionID (both
// descending, so ties have a stable order and keyset pagination neither skips nor
// repeats). Pass the last result's Cursor() as f.UpdatedBefore for the next page.
func (s *Store) Sessions(ctx context.Context, f Filter) (out []Session, err error) {
	err = s.read(ctx, func() error { out, err = s.sessions(ctx, f); return err })
	return out, err
}

func (s *Store) sessions(ctx context.Context, f Filter) ([]Session, error) {
	var (
		where []string
		args  []any
	)
	if f.Directory != "" {
		dir := filepath.Clean(f.Directory)
		prefix := dir
		if !strings.HasSuffix(prefix, string(filepath.Separator)) {
			prefix += string(filepath.Separator)
		}
		// Inside dir means the path starts with dir + separator; as a range on the
		// index: [prefix, prefix with the separator bumped by one byte).
		hi := prefix[:len(prefix)-1] + string(rune(filepath.Separator+1))
		where = append(where, `(directory = ? OR (directory >= ? AND directory < ?))`)
		args = append(args, dir, prefix, hi)
	}
	if f.Feature != "" {
		where = append(where, `feature = ? COLLATE NOCASE`)
		args = append(args, f.Feature)
	}
	if f.ConversationID != "" {
		where = append(where, `session_id IN (SELECT session_id FROM runs WHERE conversation_id = ?)`)
		args = append(args, f.ConversationID)
	}
	if f.Status != "" {
		where = append(where, `status = ?`)
		args = append(args, string(f.Status))
	}
	if c := f.UpdatedBefore; c != nil {
		n := c.UpdatedAt.UnixNano()
		// Written so the updated_at range alone can use the index.
		where = append(where, `updated_at <= ? AND (updated_at < ? OR session_id < ?)`)
		args = append(args, n, n, c.SessionID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}

	q := strings.ToLower(strings.TrimSpace(f.Query))
	switch {
	case q == "":
	case utf8.RuneCountInString(q) < 3:
		// Too short for a trigram, and so short that matches are dense: walking the
		// sessions newest first fills a page after a few rows.
		where = append(where, `instr(search, ?) > 0`)
		args = append(args, q)
	default:
		hits, complete, err := s.probe(ctx, where, args, q, limit)
		if err != nil {
			return nil, err
		}
		if complete {
			where = []string{`rowid IN (SELECT value FROM json_each(?))`}
			args = []any{jsonInts(hits)}
			break
		}
		// A quoted FTS5 phrase of trigrams matches exactly the texts containing q;
		// quoting also makes any operator characters in q literal.
		where = append(where, `rowid IN (SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH ?)`)
		args = append(args, `"`+strings.ReplaceAll(q, `"`, `""`)+`"`)
	}
	return s.list(ctx, where, args, limit)
}

// probeRows is how many of the newest matching sessions probe scans for the query text.
// The trigram index's cost grows with the number of sessions containing the query's
// trigrams (all 10,000 contain "implement": ~42 ms), while a newest-first scan stops as
// soon as a page is full, which is quick exactly when matches are that common. Scanning
// 500 sessions costs under a millisecond, so a rare query pays little for the probe.
// A variable so that tests can force the index path.
var probeRows = 500

// probe scans the newest probeRows sessions passing the other filters for q and returns
// the rowids that contain it, newest first. complete means they are the answer: a full
// page was found, or every session passing the filters was scanned.
func (s *Store) probe(ctx context.Context, where []string, args []any, q string, limit int) ([]int64, bool, error) {
	query := `SELECT rowid, instr(search, ?) > 0 FROM sessions`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY updated_at DESC, session_id DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, query, append(append([]any{q}, args...), probeRows)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var (
		hits    []int64
		scanned int
	)
	for rows.Next() {
		var (
			rowid int64
			hit   bool
		)
		if err := rows.Scan(&rowid, &hit); err != nil {
			return nil, false, err
		}
		scanned++
		if hit {
			if hits = append(hits, rowid); len(hits) == limit {
				return hits, true, nil // closing rows stops SQLite's scan here
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return hits, scanned < probeRows, nil
}

func jsonInts(v []int64) string {
	b := make([]byte, 0, 8*len(v)+2)
	b = append(b, '[')
	for i, n := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return string(append(b, ']'))
}

// list runs the sessions query: conditions joined with AND, newest first.
func (s *Store) list(ctx context.Context, where []string, args []any, limit int) ([]Session, error) {
	q := `SELECT ` + sessionColumns + ` FROM sessions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY updated_at DESC, session_id DESC LIMIT ?`
	args = append(args, limit)

	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]Session, 0, min(limit, 256))
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// Recent returns the newest sessions of every conversation: the memory snapshot the
// decision tree works from. limit <= 0 means DefaultLimit.
func (s *Store) Recent(ctx context.Context, limit int) ([]Session, error) {
	return s.Sessions(ctx, Filter{Limit: limit})
}

// Session returns one session and its runs, oldest first. Both are read in one
// transaction so they agree even while another process is writing.
func (s *Store) Session(ctx context.Context, id string) (ss Session, runs []Run, ok bool, err error) {
	err = s.read(ctx, func() error { ss, runs, ok, err = s.session(ctx, id); return err })
	return ss, runs, ok, err
}

func (s *Store) session(ctx context.Context, id string) (Session, []Run, bool, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // deferred: takes no write lock
	if err != nil {
		return Session{}, nil, false, err
	}
	defer tx.Rollback()
	ss, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE session_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, nil, false, nil
	}
	if err != nil {
		return Session{}, nil, false, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE session_id = ? ORDER BY started_at, seq`, id)
	if err != nil {
		return Session{}, nil, false, err
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return Session{}, nil, false, err
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return Session{}, nil, false, err
	}
	return ss, runs, true, nil
}

func scanSession(sc scanner) (Session, error) {
	var (
		ss                      Session
		status                  string
		started, updated        int64
		files, parents, convers string
	)
	err := sc.Scan(&ss.SessionID, &ss.ConversationID, &ss.Directory, &ss.Feature, &ss.Task, &ss.LastTask,
		&status, &ss.Sandbox, &ss.Model, &started, &updated, &ss.Turns, &ss.LastMessage, &files,
		&parents, &convers, &ss.Purpose, &ss.Context)
	if err != nil {
		return Session{}, err
	}
	ss.Status = Status(status)
	ss.StartedAt, ss.UpdatedAt = fromNanos(started), fromNanos(updated)
	if err := unmarshalList(files, &ss.FilesChanged); err != nil {
		return Session{}, err
	}
	if err := unmarshalList(parents, &ss.ParentSessionIDs); err != nil {
		return Session{}, err
	}
	if err := unmarshalList(convers, &ss.Conversations); err != nil {
		return Session{}, err
	}
	return ss, nil
}

// refreshSession recomputes the sessions row of sid from its runs, inside the write
// transaction that changed them, so the view never disagrees with the runs. A session has
// a handful of runs, so recomputing is cheaper than reasoning about increments, and it
// is the same code for insert, finish, re-assignment and interruption.
func refreshSession(ctx context.Context, tx *sql.Tx, sid string) error {
	if sid == "" {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT conversation_id, directory, feature, task, purpose, context, status,
		sandbox, model, final_message, files_changed, parent_session_ids, started_at, coalesce(ended_at, started_at)
		FROM runs WHERE session_id = ? ORDER BY started_at, seq`, sid)
	if err != nil {
		return err
	}
	defer rows.Close()

	var (
		ss      = Session{SessionID: sid}
		files   = newOrderedSet()
		parents = newOrderedSet()
		convs   = newOrderedSet()
		// The text Filter.Query searches, lower-cased; a set because turns mostly
		// repeat the directory and feature.
		terms    = newOrderedSet()
		started  int64
		updated  int64
		purposes []string
		contexts []string
	)
	terms.add(strings.ToLower(sid))
	for rows.Next() {
		var (
			conv, dir, feature, task, purpose, context, status, sandbox, model, msg, fjson, pjson string
			st, up                                                                                int64
		)
		if err := rows.Scan(&conv, &dir, &feature, &task, &purpose, &context, &status, &sandbox, &model, &msg,
			&fjson, &pjson, &st, &up); err != nil {
			return err
		}
		purposes, contexts = append(purposes, purpose), append(contexts, context)
		if ss.Turns == 0 {
			ss.Task, started = task, st
		}
		updated = max(updated, up)
		ss.ConversationID, ss.LastTask, ss.Status, ss.Sandbox, ss.Model = conv, task, Status(status), sandbox, model
		if dir != "" {
			ss.Directory = dir
		}
		if feature != "" {
			ss.Feature = feature
		}
		if msg != "" {
			ss.LastMessage = msg
		}
		ss.Turns++
		convs.add(conv)
		var l []string
		if err := unmarshalList(fjson, &l); err != nil {
			return err
		}
		files.add(l...)
		if err := unmarshalList(pjson, &l); err != nil {
			return err
		}
		parents.add(l...)
		for _, t := range []string{task, purpose, feature, dir} {
			terms.add(strings.ToLower(t))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	ss.Purpose, ss.Context = aboutOf(purposes, contexts)

	// The search index has external content: removing a row's entry needs the text it
	// was indexed with, so read it before the row changes.
	var (
		oldRowid  int64
		oldSearch string
	)
	err = tx.QueryRowContext(ctx, `SELECT rowid, search FROM sessions WHERE session_id = ?`, sid).Scan(&oldRowid, &oldSearch)
	existed := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	terms.add(strings.ToLower(ss.LastMessage))
	search := strings.Join(terms.list, "\n")
	reindex := !existed || ss.Turns == 0 || search != oldSearch
	if existed && reindex {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions_fts(sessions_fts, rowid, search) VALUES('delete', ?, ?)`,
			oldRowid, oldSearch); err != nil {
			return err
		}
	}
	if ss.Turns == 0 {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE session_id = ?`, sid)
		return err
	}

	fj, _ := jsonList(files.list)
	pj, _ := jsonList(parents.list)
	cj, _ := jsonList(convs.list)
	var rowid int64
	err = tx.QueryRowContext(ctx, `INSERT INTO sessions (`+sessionColumns+`, search)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(session_id) DO UPDATE SET conversation_id = excluded.conversation_id,
			directory = excluded.directory, feature = excluded.feature, task = excluded.task,
			last_task = excluded.last_task, status = excluded.status, sandbox = excluded.sandbox,
			model = excluded.model, started_at = excluded.started_at, updated_at = excluded.updated_at,
			turns = excluded.turns, last_message = excluded.last_message,
			files_changed = excluded.files_changed, parent_session_ids = excluded.parent_session_ids,
			conversations = excluded.conversations, purpose = excluded.purpose, context = excluded.context,
			search = excluded.search
		RETURNING rowid`,
		sid, ss.ConversationID, ss.Directory, ss.Feature, ss.Task, ss.LastTask, string(ss.Status),
		ss.Sandbox, ss.Model, started, updated, ss.Turns, ss.LastMessage, fj, pj, cj, ss.Purpose, ss.Context,
		search).Scan(&rowid)
	if err != nil || !reindex {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sessions_fts(rowid, search) VALUES(?, ?)`, rowid, search)
	return err
}

// aboutOf says what a session is about, from its runs' purposes and contexts (oldest run
// first): the first purpose a run gave (the work the session was started for), and the
// distinct contexts joined by newlines, since every turn's @{...} patterns and references
// name the session's area. Past sessionContextBytes the first run's context is kept (cut
// to half the bound when it is longer) and then the newest that fit whole, in run order.
func aboutOf(purposes, contexts []string) (purpose, context string) {
	for _, p := range purposes {
		if p = strings.TrimSpace(p); p != "" {
			purpose = p
			break
		}
	}
	set := newOrderedSet()
	for _, c := range contexts {
		set.add(strings.TrimSpace(c))
	}
	return purpose, joinBounded(set.list, sessionContextBytes)
}

// joinBounded joins list with newlines in at most limit bytes, as aboutOf describes.
func joinBounded(list []string, limit int) string {
	total := 0
	for _, s := range list {
		total += len(s) + 1
	}
	if total-1 <= limit {
		return strings.Join(list, "\n")
	}
	first := list[0]
	if len(list) == 1 {
		first = cutText(first, limit)
	} else if half := limit / 2; len(first) > half {
		first = cutText(first, half)
	}
	budget := limit - len(first)
	keep := make([]bool, len(list))
	for i := len(list) - 1; i > 0; i-- {
		if n := len(list[i]) + 1; n <= budget {
			keep[i], budget = true, budget-n
		}
	}
	parts := []string{first}
	for i, s := range list[1:] {
		if keep[i+1] {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

// cutText cuts s to at most n bytes on a rune boundary, and before an @{...} pattern the
// cut would leave open.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	s = s[:n]
	if open := strings.LastIndex(s, "@{"); open >= 0 && strings.LastIndexByte(s, '}') < open {
		s = s[:open]
	}
	return strings.TrimSpace(s)
}

// orderedSet keeps the first occurrence of each non-empty string, in order.
type orderedSet struct {
	seen map[string]struct{}
	list []string
}

func newOrderedSet() *orderedSet { return &orderedSet{seen: map[string]struct{}{}} }

func (o *orderedSet) add(vs ...string) {
	for _, v := range vs {
		if _, ok := o.seen[v]; v == "" || ok {
			continue
		}
		o.seen[v] = struct{}{}
		o.list = append(o.list, v)
	}
}

// Known returns which of ids memory has a session for, in one query: a listing merged
// with Codex's store asks this of a whole page at once.
func (s *Store) Known(ctx context.Context, ids []string) (known map[string]bool, err error) {
	err = s.read(ctx, func() error { known, err = s.known(ctx, ids); return err })
	return known, err
}

func (s *Store) known(ctx context.Context, ids []string) (map[string]bool, error) {
	known := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return known, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT session_id FROM sessions WHERE session_id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		known[id] = true
	}
	return known, rows.Err()
}
