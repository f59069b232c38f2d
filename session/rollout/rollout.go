// Package rollout reads the Codex CLI's own session store under $CODEX_HOME, so that
// sessions started outside this server (in a terminal, an IDE, another tool) can be listed,
// inspected and resumed like the server's own.
//
// Codex writes one JSONL "rollout" per session, sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl
// (archived ones are moved to archived_sessions/), and recent versions (0.125, 0.169) also
// keep an SQLite index of them, state_<n>.sqlite. The package owns reading both, strictly
// read-only: it never writes to CODEX_HOME and never creates SQLite side files there.
// Listings prefer the index when its schema is one this package recognises, and otherwise
// walk the tree, reading only the head of the files a page needs and caching what it read.
// It knows nothing of MCP or of the server's own memory.
package rollout

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
)

// ErrNotFound is returned by Transcript for a session the store does not have.
var ErrNotFound = errors.New("rollout: session not found")

// ErrBadCursor is returned by List for a cursor it did not produce.
var ErrBadCursor = errors.New("rollout: invalid cursor")

// Session is one Codex session as its rollout (or the index) describes it.
type Session struct {
	ID         string
	Path       string    // the rollout file
	Directory  string    // the session's working directory (cwd)
	StartedAt  time.Time // when the session was created
	UpdatedAt  time.Time // last write: the index's updated_at, or the file's mtime
	CLIVersion string
	Source     string // "exec", "cli", "vscode", ...; sub-agents as compact JSON
	Originator string // e.g. "codex_exec", "codex_cli_rs"
	// Model is the model of the session's first turn (its first turn_context) when the
	// rollout was read and records one. Otherwise it is the index's model (the latest
	// turn's) or, in a tree listing that did not reach a turn, the model codex's base
	// instructions were written for.
	Model string
	// Sandbox is the sandbox the session was started with: SandboxReadOnly,
	// SandboxWorkspaceWrite or SandboxDangerFullAccess; "" when it cannot be known (or is
	// an external sandbox). Codex does not keep it on resume, so a caller resuming the
	// session passes it again. Get fills it; List leaves it empty.
	Sandbox string
	// SandboxSource is how Sandbox is known: SandboxFromRollout (the first turn_context),
	// SandboxFromIndex (the index's latest value, used only when the rollout cannot
	// tell), or "" with Sandbox "".
	SandboxSource string
	// ForkedFrom is the id of the session this one was forked from ("" when it was not).
	// Turns and the transcript count only what the fork's own file holds. Get fills it,
	// and List when it reads the rollout (a tree walk); the index does not record it.
	ForkedFrom string
	// Task is the first real user message (the first turn's prompt), at most 2000 runes.
	Task string
	// LastMessage is the last assistant message. Get fills it; List leaves it empty.
	LastMessage string
	// Turns is the number of user turns. Get fills it; List leaves it 0.
	Turns int
	// Archived is set for a session under archived_sessions/ (or marked archived in the
	// index): codex refuses to resume those.
	Archived bool
}

// Filter selects sessions for List. The zero value lists every unarchived session.
type Filter struct {
	// Directory keeps sessions whose cwd is this directory or inside it, compared as
	// clean paths by whole components (symlinks are not resolved).
	Directory string
	// Query keeps sessions whose task, directory or id contains it, ignoring case.
	Query string
	// IncludeArchived lists archived sessions too.
	IncludeArchived bool
	// Limit is the page size: 20 when <= 0, at most 500.
	Limit int
	// Cursor continues from a previous Page.NextCursor.
	Cursor string
}

// Page is one page of a listing, newest first.
type Page struct {
	Sessions []Session
	// NextCursor continues the listing; empty when there is nothing more. With filters
	// set it can, rarely, lead to an empty page (see List).
	NextCursor string
}

// Entry is one step of a session's transcript.
type Entry struct {
	Role string // RoleUser, RoleAssistant, RoleCommand, RoleTool or RoleNote
	Text string // the message, the command line, or the tool's name; at most 8000 runes
	Time time.Time
}

// Transcript roles.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleCommand   = "command" // a shell command codex ran
	RoleTool      = "tool"    // any other tool call (apply_patch, MCP tools, ...)
	// RoleNote is not from the session: it says what the transcript left out of a long
	// session ("… 12,345 entries (160 MB) cut …"), between the first and last entries.
	RoleNote = "note"
)

// Store reads one CODEX_HOME. It is safe for concurrent use.
type Store struct {
	home   string
	logger *slog.Logger

	mu    sync.Mutex
	heads map[string]cacheEntry  // rollout path -> parsed head, valid for (size, mtime)
	dirs  map[string]*dirListing // directory -> its entries, valid for its mtime

	// Test hooks.
	open    func(string) (*os.File, error) // every rollout open goes through it
	noIndex bool                           // force the tree walk
}

// New returns a Store for codexHome (the caller resolves $CODEX_HOME or ~/.codex).
// Nothing is read until the first call. logger may be nil.
func New(codexHome string, logger *slog.Logger) *Store {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Store{home: codexHome, logger: logger, heads: map[string]cacheEntry{}, dirs: map[string]*dirListing{}, open: openRollout}
}

// List returns one page of sessions, newest first by UpdatedAt (ties by id), from the
// index when usable and otherwise from the rollout tree. Files that cannot be read or
// parsed are left out (logged at debug level); they never fail the listing.
//
// Pagination is by key (UpdatedAt, id), so new sessions arriving between pages do not
// shift later pages; a session written to between pages moves to the front and is not
// repeated. In a tree walk with Directory or Query set, finding out whether anything
// further matches could mean reading every remaining file, so after a bounded look-ahead
// List returns a cursor that may lead to an empty page.
func (s *Store) List(ctx context.Context, f Filter) (Page, error) {
	q, err := newQuery(f)
	if err != nil {
		return Page{}, err
	}
	if !s.noIndex {
		page, ok, err := s.listIndex(ctx, q)
		if err != nil {
			if ctx.Err() != nil {
				return Page{}, ctx.Err()
			}
			s.logger.Debug("codex state index unusable, walking the rollout tree", "err", err)
		} else if ok {
			return page, nil
		}
	}
	return s.listTree(ctx, q)
}

// Get reads one session in full (Turns, LastMessage, Sandbox and ForkedFrom included), in
// one pass over its rollout. The id may be in upper case; the returned one is lower
// case. A session the store does not have, or an id that is not a UUID, is
// (Session{}, false, nil). A session the index knows but whose rollout cannot be read
// (moved, not a regular file) is returned with what the index says, and Turns 0.
// Archived sessions are found too, with Archived set.
func (s *Store) Get(ctx context.Context, id string) (Session, bool, error) {
	_, sess, ok, err := s.read(ctx, id, modeFull)
	if err != nil || !ok {
		return Session{}, false, err
	}
	return sess, true, nil
}

// Transcript returns the session's user and assistant messages and the commands and tools
// codex ran, in order, for a human-readable summary. Codex's own context messages
// (environment, AGENTS.md) and tool output are left out. ErrNotFound when there is no
// such session.
func (s *Store) Transcript(ctx context.Context, id string) ([]Entry, error) {
	p, _, ok, err := s.read(ctx, id, modeTranscript)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return p.transcript.entries(), nil
}

// read finds the session's rollout (index first, then the tree) and parses it fully.
func (s *Store) read(ctx context.Context, id string, mode parseMode) (parsed, Session, bool, error) {
	if !isUUID(id) {
		return parsed{}, Session{}, false, nil
	}
	id = strings.ToLower(id)
	var sess Session
	var indexSandbox string
	found := false
	if !s.noIndex {
		var err error
		sess, indexSandbox, found, err = s.getIndex(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return parsed{}, Session{}, false, ctx.Err()
			}
			s.logger.Debug("codex state index unusable, walking the rollout tree", "err", err)
		}
	}
	if found {
		p, path, err := s.parseIndexed(ctx, sess.Path, mode)
		if err == nil {
			sess.Path = path
			sess.Archived = sess.Archived || s.inArchive(path)
			complete(&sess, p, indexSandbox)
			return p, sess, true, nil
		}
		if isCtxErr(err) {
			return parsed{}, Session{}, false, err
		}
		// The index can point at a file that moved (archived by an older codex), is gone,
		// or is not a file at all: look for it in the tree before settling for the row.
		s.logger.Debug("indexed rollout unreadable", "path", sess.Path, "err", err)
	}
	ref, ok, err := s.findTree(ctx, id)
	if err != nil {
		return parsed{}, Session{}, false, err
	}
	var p parsed
	if ok {
		p, err = s.parseFile(ctx, ref.path, mode)
		if isCtxErr(err) {
			return parsed{}, Session{}, false, err
		}
		if err != nil {
			s.logger.Debug("skipping unreadable rollout", "path", ref.path, "err", err)
			ok = false
		}
	}
	if !ok {
		if found {
			setSandbox(&sess, "", indexSandbox)
		}
		return parsed{}, sess, found, nil
	}
	if !found {
		sess = ref.session(p.head)
	} else {
		sess.Path = ref.path
		sess.Archived = ref.archived // where the file is now says more than a stale row
	}
	complete(&sess, p, indexSandbox)
	return p, sess, true, nil
}

// parseIndexed reads the rollout an index row names. Codex can have compressed it since
// the row was written, so a missing .jsonl is looked for as .jsonl.zst.
func (s *Store) parseIndexed(ctx context.Context, path string, mode parseMode) (parsed, string, error) {
	p, err := s.parseFile(ctx, path, mode)
	if errors.Is(err, fs.ErrNotExist) && strings.HasSuffix(path, jsonlExt) {
		if p, zerr := s.parseFile(ctx, path+zstExt, mode); zerr == nil {
			return p, path + zstExt, nil
		}
	}
	return p, path, err
}

// inArchive reports whether path is under archived_sessions/.
func (s *Store) inArchive(path string) bool {
	return inDir(path, filepath.Join(s.home, archivedDir))
}

// parseFile opens and parses one rollout. Paths come from the index as well as the walk,
// and the index is another program's file: only a regular file is read (a FIFO, a
// device or a directory would block or never end), opened so that a FIFO cannot block
// the open itself, and .jsonl.zst files are decompressed as they stream.
func (s *Store) parseFile(ctx context.Context, path string, mode parseMode) (parsed, error) {
	f, err := s.open(path)
	if err != nil {
		return parsed{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return parsed{}, err
	}
	if !info.Mode().IsRegular() {
		return parsed{}, fmt.Errorf("%s: not a regular file (%s)", path, info.Mode().Type())
	}
	var r io.Reader = f
	if strings.HasSuffix(path, zstExt) {
		d, err := zstd.NewReader(f,
			zstd.WithDecoderConcurrency(1), // decode in this goroutine, no background buffers
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecoderMaxMemory(zstdMaxWindow))
		if err != nil {
			return parsed{}, fmt.Errorf("%s: %w", path, err)
		}
		defer d.Close()
		r = d
	}
	p, err := parse(ctx, r, mode)
	if err != nil && !isCtxErr(err) {
		err = fmt.Errorf("%s: %w", path, err)
	}
	return p, err
}

// complete fills sess with what only a full read knows, and with head fields the index
// did not have. The first turn's model replaces the index's (the latest turn's).
func complete(sess *Session, p parsed, indexSandbox string) {
	sess.Turns, sess.LastMessage = p.turns, p.lastMessage
	fillFromHead(sess, p.head)
	if p.turnModel != "" {
		sess.Model = p.turnModel
	}
	setSandbox(sess, p.sandbox, indexSandbox)
}

// setSandbox prefers the rollout's sandbox (what the session started with) to the
// index's (what its latest turn ran with).
func setSandbox(sess *Session, fromRollout, fromIndex string) {
	switch {
	case fromRollout != "":
		sess.Sandbox, sess.SandboxSource = fromRollout, SandboxFromRollout
	case fromIndex != "":
		sess.Sandbox, sess.SandboxSource = fromIndex, SandboxFromIndex
	default:
		sess.Sandbox, sess.SandboxSource = "", ""
	}
}

func fillFromHead(sess *Session, h head) {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	set(&sess.ID, h.ID)
	set(&sess.ForkedFrom, h.ForkedFrom)
	set(&sess.Directory, h.Directory)
	set(&sess.CLIVersion, h.CLIVersion)
	set(&sess.Source, h.Source)
	set(&sess.Originator, h.Originator)
	set(&sess.Model, h.Model)
	set(&sess.Task, h.Task)
	if sess.StartedAt.IsZero() {
		sess.StartedAt = h.StartedAt
	}
}

// query is a validated Filter.
type query struct {
	dir      string // clean, "" for any
	text     string // lower-cased Query
	archived bool
	limit    int
	after    *cursor
}

func newQuery(f Filter) (query, error) {
	q := query{text: strings.ToLower(strings.TrimSpace(f.Query)), archived: f.IncludeArchived, limit: f.Limit}
	if q.limit <= 0 {
		q.limit = defaultLimit
	}
	q.limit = min(q.limit, maxLimit)
	if d := strings.TrimSpace(f.Directory); d != "" {
		q.dir = filepath.Clean(d)
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return q, err
		}
		q.after = &c
	}
	return q, nil
}

// match applies the filters that need the session's content.
func (q query) match(s *Session) bool {
	if !q.archived && s.Archived {
		return false
	}
	if q.dir != "" && !inDir(s.Directory, q.dir) {
		return false
	}
	if q.text != "" && !containsFold(s.Task, q.text) && !containsFold(s.Directory, q.text) && !containsFold(s.ID, q.text) {
		return false
	}
	return true
}

// inDir reports whether path is dir or inside it, on clean paths and whole components:
// /a/b/c is inside /a/b, /a/bc is not.
func inDir(path, dir string) bool {
	if path == "" {
		return false
	}
	path = filepath.Clean(path)
	if path == dir {
		return true
	}
	if dir == string(filepath.Separator) {
		return strings.HasPrefix(path, dir)
	}
	return strings.HasPrefix(path, dir) && path[len(dir)] == filepath.Separator
}

// containsFold reports whether s contains lower (already lower-cased), ignoring case. The
// ASCII path allocates nothing, which keeps a warm query over 10,000 cached tasks fast.
func containsFold(s, lower string) bool {
	if lower == "" {
		return true
	}
	if !isASCII(lower) {
		return strings.Contains(strings.ToLower(s), lower)
	}
	n := len(lower)
	c0 := lower[0]
	for i := 0; i+n <= len(s); i++ {
		if toLowerASCII(s[i]) != c0 {
			continue
		}
		j := 1
		for j < n && toLowerASCII(s[i+j]) == lower[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func toLowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// cursor is the sort key of the last session of a page.
type cursor struct {
	at time.Time
	id string
}

// before reports whether a session with key (at, id) sorts after the cursor, i.e.
// belongs to a later page (order: at descending, then id descending).
func (c cursor) before(at time.Time, id string) bool {
	if !at.Equal(c.at) {
		return at.Before(c.at)
	}
	return id < c.id
}

func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte("r1|" + strconv.FormatInt(c.at.UnixNano(), 10) + "|" + c.id))
}

func decodeCursor(s string) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	parts := strings.SplitN(string(raw), "|", 3)
	if len(parts) != 3 || parts[0] != "r1" {
		return cursor{}, ErrBadCursor
	}
	ns, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	return cursor{at: time.Unix(0, ns), id: parts[2]}, nil
}

// isUUID accepts the canonical 8-4-4-4-12 hex form codex uses for session ids; anything
// else could not name a rollout and is rejected before it reaches a path or a query.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
