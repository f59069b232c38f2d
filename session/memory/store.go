// Package memory owns the server's conversation memory: every `codex exec` run the server
// makes (which Codex session, which conversation, directory and feature, the task fields,
// outcome, files changed, usage, timestamps) kept in an embedded SQLite database, and the
// per-session view built from those runs that listing, resuming and the decision tree read.
//
// Several server processes (Claude Desktop, Claude Code, an IDE) share one database file,
// so every write is a short BEGIN IMMEDIATE transaction retried on SQLITE_BUSY, and runs
// record the process that owns them so that a run orphaned by a crash can be told apart
// from one a live sibling process is still executing. The package imports nothing from the
// rest of the project.
package memory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned by writes that name a run the store does not have.
var ErrNotFound = errors.New("memory: not found")

// busyTimeout is how long SQLite itself waits for another process's write lock before
// reporting SQLITE_BUSY. Writes are a few hundred microseconds, so reaching it means a
// stuck or very slow peer; withRetry then tries again a few times before giving up.
const busyTimeout = 5 * time.Second

// maxAttempts bounds the retries on SQLITE_BUSY beyond the busy timeout.
const maxAttempts = 4

// Store is the conversation memory. It is safe for concurrent use by many goroutines and,
// through SQLite's file locking, by many processes sharing one file.
type Store struct {
	db     *sql.DB
	path   string
	logger *slog.Logger

	// writeMu serialises this process's write transactions before they reach SQLite:
	// waiting on a Go mutex is immediate, while SQLite's busy handler polls with sleeps
	// of up to 100 ms. Cross-process contention still goes through the busy handler.
	writeMu sync.Mutex
}

// Open opens (creating if needed) the database at path and brings its schema up to date.
// It is cheap when the schema is current: one connection and one PRAGMA read.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if path == "" {
		return nil, errors.New("memory: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("memory: create state dir: %w", err)
	}

	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("memory: open %s: %w", abs, err)
	}
	// Writes serialise on the file lock anyway, so more connections would only add
	// page caches (memory) and connection set-up (start-up time). Two lets a reader
	// proceed while this process holds the write lock.
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(2)

	s := &Store{db: db, path: abs, logger: logger}
	err = withRetry(ctx, logger, func() error { return migrate(ctx, db, migrations, logger) })
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("memory: open %s: %w", abs, err)
	}
	return s, nil
}

// dsn builds the driver connection string. Every pooled connection runs these pragmas
// when it is created: WAL so readers never block the writer, busy_timeout so a lock held
// by another process is waited for, synchronous=NORMAL (safe in WAL: a power loss may
// drop the last commits but never corrupts), and _txlock=immediate so every read-write
// transaction takes the write lock at BEGIN and cannot fail half-way with a lock upgrade
// deadlock. Read-only transactions stay deferred.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database. Runs still recorded as running stay so; the next
// MarkInterrupted by any process will see that their owner is gone.
func (s *Store) Close() error { return s.db.Close() }

// write runs fn inside a BEGIN IMMEDIATE transaction, retrying the whole transaction when
// SQLite reports the database busy. fn must therefore be safe to run more than once.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return withRetry(ctx, s.logger, func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// withRetry calls fn until it succeeds, fails with something other than SQLITE_BUSY, or
// maxAttempts is reached. Each attempt already waited up to busyTimeout inside SQLite.
func withRetry(ctx context.Context, logger *slog.Logger, fn func() error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if err = fn(); err == nil || !isBusy(err) || attempt == maxAttempts {
			return err
		}
		logger.Warn("memory: database busy, retrying", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLITE_BUSY (any extended variant).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
