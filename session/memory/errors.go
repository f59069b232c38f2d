package memory

import (
	"errors"
	"io/fs"
	"syscall"

	sqlite3 "modernc.org/sqlite/lib"
)

// The kinds of memory trouble a caller can act on, for errors.Is on any error a Store
// returns (Open included). Each has a different remedy, which is why they are told apart:
// a lock passes on its own, so the write can be retried later; a read-only or corrupt
// database needs the user, and Diagnose says what to do.
var (
	// ErrLocked: another process held the database's write lock for longer than one
	// write waits (writeWait). Retry later.
	ErrLocked = errors.New("memory: the database is locked by another process")
	// ErrReadOnly: the database file or its directory cannot be written (permissions,
	// a read-only file system). Retrying will not help until the user fixes it.
	ErrReadOnly = errors.New("memory: the database cannot be written")
	// ErrCorrupt: the file is not a SQLite database, or SQLite found it damaged.
	ErrCorrupt = errors.New("memory: the database is corrupt")
)

// troubleError tags an error with the kind of trouble it is, keeping the original in the
// chain so that errors.As still finds the *sqlite.Error or *fs.PathError.
type troubleError struct {
	kind error
	err  error
}

func (e *troubleError) Error() string   { return e.kind.Error() + ": " + e.err.Error() }
func (e *troubleError) Unwrap() []error { return []error{e.kind, e.err} }

// classify tags err with ErrLocked, ErrReadOnly or ErrCorrupt when it is one of them,
// and returns it unchanged otherwise (nil included).
func classify(err error) error {
	if err == nil || errors.Is(err, ErrLocked) || errors.Is(err, ErrReadOnly) || errors.Is(err, ErrCorrupt) {
		return err
	}
	if kind := troubleOf(err); kind != nil {
		return &troubleError{kind: kind, err: err}
	}
	return err
}

func troubleOf(err error) error {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return ErrLocked
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN:
		// CANTOPEN: SQLite could not create or open the file or its -wal/-shm, which for
		// a path whose directory exists (Open creates it) means permissions.
		return ErrReadOnly
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return ErrCorrupt
	}
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return ErrReadOnly
	}
	return nil
}
