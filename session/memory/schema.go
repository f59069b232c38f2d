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
// Each step is also idempotent (IF NOT EXISTS, or a check of the columns a step adds) as a
// second line of defence. A step is SQL (sqlStep) or, when it must fill what it adds from
// the rows already there, Go; either runs inside the migration's transaction.
var migrations = []step{
	// 1: runs, the source of truth, and sessions, a per-session aggregate of runs kept up
	// to date in the same transaction as every run write, so that listing 10,000 sessions
	// newest-first is an index walk instead of a GROUP BY over every run; sessions_fts
	// indexes the sessions' search text.
	sqlStep(`
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
`),
	// 2: leases, the one-turn-at-a-time reservation of a session shared by every server
	// process on the database (see AcquireLease). One row per reserved session; the
	// owner columns say which process holds it, so a dead holder's lease can be taken.
	sqlStep(`
CREATE TABLE IF NOT EXISTS leases (
	session_id       TEXT PRIMARY KEY,
	run_id           TEXT NOT NULL,
	owner_pid        INTEGER NOT NULL,
	owner_start_time INTEGER NOT NULL,
	owner_host       TEXT NOT NULL,
	since            INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS leases_owner ON leases(owner_pid, owner_start_time, owner_host);
`),
	// 3: the sessions aggregate says what a session is about, for the decision tree:
	// purpose (its first run's that gave one) and context (its runs' contexts, bounded;
	// see aboutOf). Sessions already recorded are filled from their runs.
	addSessionAbout,
}

// step is one schema migration, run inside the migration's write transaction.
type step func(ctx context.Context, tx *sql.Tx) error

// sqlStep is a step that executes statements.
func sqlStep(statements string) step {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, statements)
		return err
	}
}

// addSessionAbout is step 3. Its SQL names only what exists at version 3, so it keeps
// working however the schema grows after it.
func addSessionAbout(ctx context.Context, tx *sql.Tx) error {
	have, err := columns(ctx, tx, "sessions")
	if err != nil {
		return err
	}
	for _, col := range []string{"purpose", "context"} {
		if have[col] {
			continue // the version was lost after this step ran
		}
		if _, err := tx.ExecContext(ctx, `ALTER TABLE sessions ADD COLUMN `+col+` TEXT NOT NULL DEFAULT ''`); err != nil {
			return err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT session_id, purpose, context FROM runs
		WHERE session_id IN (SELECT session_id FROM sessions) AND (purpose != '' OR context != '')
		ORDER BY session_id, started_at, seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	// Collected first, then written: the rows are read on the transaction's connection.
	type about struct{ sid, purpose, context string }
	var (
		fill               []about
		sid                string
		purposes, contexts []string
	)
	flush := func() {
		if sid != "" {
			p, c := aboutOf(purposes, contexts)
			fill = append(fill, about{sid, p, c})
		}
	}
	for rows.Next() {
		var id, purpose, context string
		if err := rows.Scan(&id, &purpose, &context); err != nil {
			return err
		}
		if id != sid {
			flush()
			sid, purposes, contexts = id, nil, nil
		}
		purposes, contexts = append(purposes, purpose), append(contexts, context)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	flush()
	rows.Close()
	if len(fill) == 0 {
		return nil
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE sessions SET purpose = ?, context = ? WHERE session_id = ?`)
	if err != nil {
		return err
	}
	defer upd.Close()
	for _, a := range fill {
		if _, err := upd.ExecContext(ctx, a.purpose, a.context, a.sid); err != nil {
			return err
		}
	}
	return nil
}

// columns is the set of column names of table.
func columns(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out[name] = true
	}
	return out, rows.Err()
}

// migrate brings db up to len(steps). The fast path, taken by every Open once the schema
// is current, is a single PRAGMA read with no lock held. Otherwise the steps run inside
// one BEGIN IMMEDIATE transaction after re-reading the version under the write lock, so
// two processes opening a fresh database at once apply each step exactly once, and a
// crash part-way leaves the database at the previous version.
func migrate(ctx context.Context, db *sql.DB, steps []step, logger *slog.Logger) error {
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
		if err := steps[v](ctx, tx); err != nil {
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
