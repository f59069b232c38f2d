package memory

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Finding is one problem Diagnose found with the memory database, and what fixes it.
type Finding struct {
	Problem string // what is wrong, in one sentence
	Fix     string // what the user can do about it
}

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Diagnose checks the memory database at path (writable, not locked for long, not
// corrupt, a schema this build knows) without changing it; no findings means it is
// healthy. A database that does not exist yet is healthy when it can be created. It takes
// at most about writeWait, the time it gives a lock held by another process to clear.
func Diagnose(ctx context.Context, path string) []Finding {
	abs, err := filepath.Abs(path)
	if err != nil {
		return []Finding{{Problem: fmt.Sprintf("the memory path %q cannot be resolved: %v", path, err),
			Fix: "set the state directory to an absolute path"}}
	}
	dir := filepath.Dir(abs)
	if f, ok := checkDir(dir); !ok {
		return f
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // checkDir found the directory writable: the next start creates it
	case err != nil:
		return []Finding{{Problem: fmt.Sprintf("%s cannot be read: %v", abs, err),
			Fix: fmt.Sprintf("check the permissions of %s and its directory", abs)}}
	case fi.IsDir():
		return []Finding{{Problem: fmt.Sprintf("%s is a directory, not a memory database", abs),
			Fix: fmt.Sprintf("move it aside (mv %s %s.bad); a new database is created on the next start", abs, abs)}}
	}

	var out []Finding
	writable := true
	for _, p := range []string{abs, abs + "-wal", abs + "-shm"} {
		if f, ok := checkWritable(p); !ok {
			out, writable = append(out, f), false
		}
	}
	if f, ok := checkHeader(abs, fi.Size()); !ok {
		return append(out, f) // nothing more can be learned from a file that is not SQLite
	}
	content, readable := checkContent(ctx, abs)
	out = append(out, content...)
	if writable && readable {
		out = append(out, checkLock(ctx, abs)...)
	}
	return out
}

// checkDir reports whether dir exists as a writable directory, or can be created.
func checkDir(dir string) ([]Finding, bool) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		// Open creates it: it only has to be creatable, in the nearest existing ancestor.
		parent := filepath.Dir(dir)
		for parent != filepath.Dir(parent) {
			if _, err := os.Stat(parent); err == nil {
				break
			}
			parent = filepath.Dir(parent)
		}
		if err := probeDir(parent); err != nil {
			return []Finding{{Problem: fmt.Sprintf("the state directory %s does not exist and cannot be created in %s: %v", dir, parent, err),
				Fix: fmt.Sprintf("create it (mkdir -p %s) as the user the server runs as, or point the state directory somewhere writable", dir)}}, false
		}
		return nil, true
	}
	if err != nil {
		return []Finding{{Problem: fmt.Sprintf("the state directory %s cannot be read: %v", dir, err),
			Fix: fmt.Sprintf("check the permissions of %s", dir)}}, false
	}
	if !fi.IsDir() {
		return []Finding{{Problem: fmt.Sprintf("the state directory %s is not a directory", dir),
			Fix: fmt.Sprintf("move %s aside, or point the state directory somewhere else", dir)}}, false
	}
	if err := probeDir(dir); err != nil {
		// The database may still be readable, but SQLite must create its -wal and -shm
		// files here to write, so nothing is recorded.
		return []Finding{{Problem: fmt.Sprintf("the state directory %s is not writable (%v), so no run is recorded", dir, err),
			Fix: fmt.Sprintf("make it writable by the user the server runs as (chmod u+w %s), or point the state directory somewhere writable", dir)}}, false
	}
	return nil, true
}

// probeDir checks that a file can be created in dir by creating and removing one: the
// permission bits alone do not tell (ACLs, read-only mounts, root).
func probeDir(dir string) error {
	f, err := os.CreateTemp(dir, ".codex-mcp-doctor-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// checkWritable reports whether p, if it exists, can be opened for writing. Opening
// without O_TRUNC or writing anything leaves it unchanged.
func checkWritable(p string) (Finding, bool) {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return Finding{}, true
	}
	if err != nil {
		return Finding{Problem: fmt.Sprintf("%s is not writable (%v), so no run is recorded", p, err),
			Fix: fmt.Sprintf("make it writable by the user the server runs as (chown or chmod u+w %s)", p)}, false
	}
	f.Close()
	return Finding{}, true
}

// checkHeader reads the file's first bytes: a file that is not SQLite at all is named so
// at once, rather than by whatever SQLite makes of it. An empty file is a valid, empty
// database.
func checkHeader(p string, size int64) (Finding, bool) {
	if size == 0 {
		return Finding{}, true
	}
	f, err := os.Open(p)
	if err != nil {
		return Finding{}, true // checkWritable or SQLite says what is wrong
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err == nil && bytes.Equal(head, sqliteHeader) {
		return Finding{}, true
	}
	return corruptFinding(p, "is not a SQLite database"), false
}

func corruptFinding(p, what string) Finding {
	return Finding{Problem: fmt.Sprintf("%s %s, so no run is recorded", p, what),
		Fix: fmt.Sprintf("stop codex-mcp, move it aside (mv %s %s.bad; also any %s-wal and %s-shm); a new one is created on the next start", p, p, p, p)}
}

// checkContent opens the database read-only and runs PRAGMA quick_check (every page and
// index, without the slow cross-checks of integrity_check) and reads the schema version.
// readable is false when the content could not be read or is corrupt.
func checkContent(ctx context.Context, p string) (_ []Finding, readable bool) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Set("mode", "ro")
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(p), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return []Finding{{Problem: fmt.Sprintf("%s cannot be opened: %v", p, err), Fix: "report this as a bug"}}, false
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	var out []Finding
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return []Finding{contentError(p, err)}, false
	}
	if v > len(migrations) {
		out = append(out, Finding{
			Problem: fmt.Sprintf("%s has schema version %d, newer than this codex-mcp knows (%d): a newer codex-mcp has used it", p, v, len(migrations)),
			Fix:     "update every codex-mcp sharing this state directory to the same, newest version; until then this one keeps working, without what the newer version added"})
	}
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check(5)")
	if err != nil {
		return append(out, contentError(p, err)), false
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return append(out, contentError(p, err)), false
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return append(out, contentError(p, err)), false
	}
	if len(problems) > 0 {
		return append(out, corruptFinding(p, "is corrupt ("+strings.Join(problems, "; ")+")")), false
	}
	return out, true
}

func contentError(p string, err error) Finding {
	switch troubleOf(err) {
	case ErrCorrupt:
		return corruptFinding(p, fmt.Sprintf("is corrupt (%v)", err))
	case ErrLocked:
		return Finding{Problem: fmt.Sprintf("%s could not be read: another process holds it locked (%v)", p, err),
			Fix: "wait for the other process to finish, or stop it"}
	}
	return Finding{Problem: fmt.Sprintf("%s cannot be read: %v", p, err),
		Fix: fmt.Sprintf("check the permissions of %s and its directory", p)}
}

// checkLock takes the write lock as a write would, waiting at most writeWait, and gives
// it straight back (BEGIN IMMEDIATE; ROLLBACK): nothing is written.
func checkLock(ctx context.Context, p string) []Finding {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", writeWait.Milliseconds()))
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(p), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return []Finding{contentError(p, err)}
	}
	defer conn.Close()

	start := time.Now()
	_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	waited := time.Since(start).Round(100 * time.Millisecond)
	if err == nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		if waited <= slowLock {
			return nil
		}
		return []Finding{{Problem: fmt.Sprintf("%s was locked by another process for %v before a write could start", p, waited),
			Fix: "nothing, if it is rare; if it recurs, look for a process keeping memory.db busy (a stuck codex-mcp, a sqlite3 shell left in a transaction)"}}
	}
	if troubleOf(err) != ErrLocked {
		return []Finding{contentError(p, err)}
	}
	who, kill := "another process", "stop the process holding it"
	if h, ok := lockHolder(p); ok {
		who = fmt.Sprintf("another process, %s (pid %d),", h.name, h.pid)
		kill = fmt.Sprintf("if it does not clear, stop that process (kill %d); what it has committed is kept", h.pid)
	}
	return []Finding{{Problem: fmt.Sprintf("%s holds a write lock on %s: a write waited %v and gave up, so runs are not recorded while it lasts", who, p, waited),
		Fix: "wait for it to finish; " + kill}}
}

// lockOwner is a process holding a lock on the database.
type lockOwner struct {
	pid  int
	name string // its command name, when known
}
