package memory

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
)

// migrations are the schema steps, in order; PRAGMA user_version records how many have
// been applied. Append only: never edit or reorder a released step, because databases in
// the field have already run it. Steps are additive (new tables, columns, indexes) so that
// an older server still running against a database a newer one migrated keeps working.
// Each step is also idempotent (IF NOT EXISTS) as a second line of defence.
var migrations = []string{
	// 1: runs, the source of truth, and sessions, a per-session aggregate of runs kept up
	// to date in the same transaction as every run write, so that listing 10,000 sessions
	// newest-first is an index walk instead of a GROUP BY over every run; sessions_fts
	// indexes the sessions' search text.
	`
CREATE TABLE IF NOT EXISTS runs (
	seq                     INTEGER PRIMARY KEY,
	run_id                  TEXT NOT NULL UNIQUE,
	session_id              TEXT,
	kind                    TEXT NOT NULL DEFAULT '',
	parent_session_ids      TEXT NOT NULL DEFAULT '[]',
	conversation_id         TEXT NOT NULL DEFAULT '',
	directory               TEXT NOT NULL DEFAULT '',
	feature                 TEXT NOT NULL DEFAULT '',
	task                    TEXT NOT NULL DEFAULT '',
	purpose                 TEXT NOT NULL DEFAULT '',
	mode                    TEXT NOT NULL DEFAULT '',
	context                 TEXT NOT NULL DEFAULT '',
	expected                TEXT NOT NULL DEFAULT '',
	rules                   TEXT NOT NULL DEFAULT '',
	sandbox                 TEXT NOT NULL DEFAULT '',
	model                   TEXT NOT NULL DEFAULT '',
	profile                 TEXT NOT NULL DEFAULT '',
	status                  TEXT NOT NULL,
	final_message           TEXT NOT NULL DEFAULT '',
	error                   TEXT NOT NULL DEFAULT '',
	files_changed           TEXT NOT NULL DEFAULT '[]',
	commands                TEXT NOT NULL DEFAULT '[]',
	input_tokens            INTEGER NOT NULL DEFAULT 0,
	cached_input_tokens     INTEGER NOT NULL DEFAULT 0,
	output_tokens           INTEGER NOT NULL DEFAULT 0,
	reasoning_output_tokens INTEGER NOT NULL DEFAULT 0,
	started_at              INTEGER NOT NULL,
	ended_at                INTEGER,
	owner_pid               INTEGER NOT NULL DEFAULT 0,
	owner_start_time        INTEGER NOT NULL DEFAULT 0,
	owner_host              TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_session ON runs(session_id, started_at);
CREATE INDEX IF NOT EXISTS runs_conversation ON runs(conversation_id, session_id);
CREATE INDEX IF NOT EXISTS runs_running ON runs(status) WHERE status = 'running';

CREATE TABLE IF NOT EXISTS sessions (
	session_id         TEXT PRIMARY KEY,
	conversation_id    TEXT NOT NULL,
	directory          TEXT NOT NULL,
	feature            TEXT NOT NULL,
	task               TEXT NOT NULL,
	last_task          TEXT NOT NULL,
	status             TEXT NOT NULL,
	sandbox            TEXT NOT NULL,
	model              TEXT NOT NULL,
	started_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL,
	turns              INTEGER NOT NULL,
	last_message       TEXT NOT NULL,
	files_changed      TEXT NOT NULL,
	parent_session_ids TEXT NOT NULL,
	conversations      TEXT NOT NULL,
	search             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions(updated_at, session_id);
CREATE INDEX IF NOT EXISTS sessions_directory ON sessions(directory, updated_at);
CREATE INDEX IF NOT EXISTS sessions_conversation ON sessions(conversation_id, updated_at);
CREATE INDEX IF NOT EXISTS sessions_feature ON sessions(feature COLLATE NOCASE, updated_at);

-- Substring search over sessions.search. A trigram index answers "which sessions contain
-- this text" without reading every session's text: a full instr() scan costs ~20 ms at
-- 10,000 sessions with short final messages and grows with their length. External
-- content: the text itself is stored once, in sessions.search.
CREATE VIRTUAL TABLE IF NOT EXISTS sessions_fts USING fts5(search, content='sessions', tokenize='trigram');
`,
	// 2: leases, the one-turn-at-a-time reservation of a session shared by every server
	// process on the database (see AcquireLease). One row per reserved session; the
	// owner columns say which process holds it, so a dead holder's lease can be taken.
	`
CREATE TABLE IF NOT EXISTS leases (
	session_id       TEXT PRIMARY KEY,
	run_id           TEXT NOT NULL,
	owner_pid        INTEGER NOT NULL,
	owner_start_time INTEGER NOT NULL,
	owner_host       TEXT NOT NULL,
	since            INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS leases_owner ON leases(owner_pid, owner_start_time, owner_host);
`,
}

// migrate brings db up to len(steps). The fast path, taken by every Open once the schema
// is current, is a single PRAGMA read with no lock held. Otherwise the steps run inside
// one BEGIN IMMEDIATE transaction after re-reading the version under the write lock, so
// two processes opening a fresh database at once apply each step exactly once, and a
// crash part-way leaves the database at the previous version.
func migrate(ctx context.Context, db *sql.DB, steps []string, logger *slog.Logger) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v >= len(steps) {
		if v > len(steps) {
			logger.Warn("memory: database schema is newer than this build; continuing (migrations are additive)",
				"schema_version", v, "known_version", len(steps))
		}
		return nil
	}

	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE through the DSN's _txlock
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	from := v
	for ; v < len(steps); v++ {
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			return fmt.Errorf("schema migration %d: %w", v+1, err)
		}
	}
	// PRAGMA takes no bound parameters; v is an int we computed.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if from < v {
		logger.Info("memory: schema migrated", "from", from, "to", v)
	}
	return nil
}
