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
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned by SetSessionID for a run the store does not have.
var ErrNotFound = errors.New("memory: not found")

// Memory's tunable numbers, in one place: how long it waits for SQLite, and how much of
// a session's text the per-session aggregate repeats. The point of the waits' bound is
// that a database locked by a stuck peer (seen: 40 s) costs a run a few seconds and a
// named error (ErrLocked), never a hang: the caller records the run later instead.
const (
	// busyTimeout is how long SQLite itself waits for another process's lock within one
	// statement. Healthy writes take a few hundred microseconds, so a second means a stuck
	// or very slow peer.
	busyTimeout = 1 * time.Second

	// writeWait bounds one write in total: waiting behind this process's other writes,
	// SQLite's busy waits and the retries between them. After it the write fails with
	// ErrLocked. Three busy waits' worth, so a peer's burst of writes or a checkpoint
	// never fails a write, while a held lock is reported within 3 s.
	writeWait = 3 * time.Second

	// retryPause is the pause before the n-th retry (times n) after SQLITE_BUSY.
	retryPause = 50 * time.Millisecond

	// slowLock is how long Diagnose may wait for the write lock and still call the
	// database healthy; longer, and it reports how long it waited.
	slowLock = 1 * time.Second

	// sessionContextBytes bounds Session.Context, the runs' contexts joined: enough for
	// every @{...} pattern and reference a session's turns named, not pasted documents.
	sessionContextBytes = 4 << 10
)

// Store is the conversation memory. It is safe for concurrent use by many goroutines and,
// through SQLite's file locking, by many processes sharing one file.
type Store struct {
	db     *sql.DB
	path   string
	logger *slog.Logger

	// writeSem (capacity 1) serialises this process's write transactions before they
	// reach SQLite: waiting on a channel is immediate, while SQLite's busy handler polls
	// with sleeps of up to 100 ms. Cross-process contention still goes through the busy
	// handler. A channel rather than a mutex so that the wait counts against writeWait.
	writeSem chan struct{}
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
		return nil, classify(fmt.Errorf("memory: create state dir: %w", err))
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

	s := &Store{db: db, path: abs, logger: logger, writeSem: make(chan struct{}, 1)}
	err = withRetry(ctx, logger, time.Now().Add(writeWait), func() error { return migrate(ctx, db, migrations, logger) })
	if err != nil {
		db.Close()
		return nil, classify(fmt.Errorf("memory: open %s: %w", abs, err))
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
// SQLite reports the database busy, for at most writeWait in all. fn must therefore be
// safe to run more than once. Its error is classified (ErrLocked, ErrReadOnly,
// ErrCorrupt) when it is one of memory's troubles.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	deadline := time.Now().Add(writeWait)
	// Leave one busy wait of the budget for the transaction itself: a write queued
	// behind a stuck one gives up in time instead of starting a wait that overruns.
	queue := time.NewTimer(time.Until(deadline) - busyTimeout)
	defer queue.Stop()
	select {
	case s.writeSem <- struct{}{}:
	case <-queue.C:
		return fmt.Errorf("%w: waited %v behind this process's other writes", ErrLocked, writeWait-busyTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writeSem }()
	return classify(withRetry(ctx, s.logger, deadline, func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}))
}

// read runs a read, retrying it while SQLite reports the database busy, for at most
// writeWait in all. WAL readers do not wait for writers, but a peer that sets up WAL on
// a new file, recovers it after a crash or removes it on close holds a lock that readers
// wait for too; that wait is bounded like a write's and ends in ErrLocked, not a hang.
func (s *Store) read(ctx context.Context, fn func() error) error {
	return classify(withRetry(ctx, s.logger, time.Now().Add(writeWait), fn))
}

// withRetry calls fn until it succeeds or fails with something other than SQLITE_BUSY.
// Each attempt may itself wait up to busyTimeout inside SQLite, so a new attempt is only
// made when it can end before deadline; the first is always made.
func withRetry(ctx context.Context, logger *slog.Logger, deadline time.Time, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !isBusy(err) {
			return err
		}
		pause := time.Duration(attempt) * retryPause
		if time.Until(deadline) < pause+busyTimeout {
			return err
		}
		logger.Warn("memory: database busy, retrying", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(pause):
		}
	}
}

// isBusy reports whether err is SQLITE_BUSY (any extended variant).
func isBusy(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_BUSY }

// sqliteCode is the primary SQLite result code in err's chain, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}
