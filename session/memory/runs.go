package memory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Status is the state of a run, and of a session (its latest run's).
type Status string

// The statuses a run can have. Only running is not final.
const (
	StatusRunning     Status = "running"
	StatusCompleted   Status = "completed"
	StatusFailed      Status = "failed"
	StatusCancelled   Status = "cancelled"
	StatusTimedOut    Status = "timed_out"
	StatusInterrupted Status = "interrupted" // its server process died while it ran
)

// Run kinds.
const (
	KindStart  = "start"
	KindResume = "resume"
	KindFork   = "fork"
	KindMerge  = "merge"
)

// Command is one command Codex executed during a run.
type Command struct {
	Command  string `json:"command"`
	ExitCode *int   `json:"exit_code,omitempty"`
	Status   string `json:"status"`
}

// Usage is the token usage Codex reported for a run.
type Usage struct {
	InputTokens           int64
	CachedInputTokens     int64
	OutputTokens          int64
	ReasoningOutputTokens int64
}

// Owner identifies the server process executing a run. The pid alone is not enough:
// pids are reused, so the process start time tells a new process with the same pid apart.
type Owner struct {
	PID       int
	StartTime int64 // process start time, in clock ticks since boot on Linux
	Host      string
}

// Run is one `codex exec` invocation: a new session, or one resumed turn of it.
type Run struct {
	RunID            string
	SessionID        string   // Codex thread id; "" until Codex reports it
	Kind             string   // KindStart, KindResume, KindFork, KindMerge
	ParentSessionIDs []string // sessions this one was forked from or draws on

	ConversationID string
	Directory      string
	Feature        string

	Task, Purpose, Mode, Context, Expected, Rules string
	Sandbox, Model, Profile                       string

	Status       Status
	FinalMessage string
	Error        string
	FilesChanged []string
	Commands     []Command
	Usage        Usage

	StartedAt, EndedAt time.Time // EndedAt is zero while running, and for interrupted runs
	Owner              Owner
}

// InsertRun records a run as it starts. RunID is required; an empty Status means running
// and a zero StartedAt means now.
//
// It is idempotent, so that a caller whose InsertRun failed (memory locked) can simply
// call it again later: a second InsertRun of a recorded run updates what is known at the
// start (task fields, directory, owner, start time, and the session id if none is
// recorded yet) and leaves the outcome alone, even when a FinishRun landed first.
func (s *Store) InsertRun(ctx context.Context, r Run) error {
	if r.RunID == "" {
		return errors.New("memory: InsertRun: empty RunID")
	}
	if r.Status == "" {
		r.Status = StatusRunning
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = time.Now()
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := runSessionID(ctx, tx, r.RunID)
		if errors.Is(err, ErrNotFound) {
			if err := insertRun(ctx, tx, r); err != nil {
				return err
			}
			return refreshSession(ctx, tx, r.SessionID)
		}
		if err != nil {
			return err
		}
		parents, err := jsonList(r.ParentSessionIDs)
		if err != nil {
			return err
		}
		sid := old
		if sid == "" {
			sid = r.SessionID
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET session_id = ?, kind = ?, parent_session_ids = ?,
			conversation_id = ?, directory = ?, feature = ?, task = ?, purpose = ?, mode = ?, context = ?,
			expected = ?, rules = ?, sandbox = ?, model = ?, profile = ?, started_at = ?,
			owner_pid = ?, owner_start_time = ?, owner_host = ? WHERE run_id = ?`,
			nullString(sid), r.Kind, parents, r.ConversationID, r.Directory, r.Feature, r.Task, r.Purpose,
			r.Mode, r.Context, r.Expected, r.Rules, r.Sandbox, r.Model, r.Profile, r.StartedAt.UnixNano(),
			r.Owner.PID, r.Owner.StartTime, r.Owner.Host, r.RunID)
		if err != nil {
			return fmt.Errorf("memory: insert run %s again: %w", r.RunID, err)
		}
		return refreshSession(ctx, tx, sid)
	})
}

// insertRun adds r, every field of it, as a new row.
func insertRun(ctx context.Context, tx *sql.Tx, r Run) error {
	parents, err := jsonList(r.ParentSessionIDs)
	if err != nil {
		return err
	}
	files, cmds, err := outcomeLists(r)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO runs (
		run_id, session_id, kind, parent_session_ids, conversation_id, directory, feature,
		task, purpose, mode, context, expected, rules, sandbox, model, profile,
		status, final_message, error, files_changed, commands,
		input_tokens, cached_input_tokens, output_tokens, reasoning_output_tokens,
		started_at, ended_at, owner_pid, owner_start_time, owner_host
	) VALUES (?,?,?,?,?,?,?, ?,?,?,?,?,?,?,?,?, ?,?,?,?,?, ?,?,?,?, ?,?,?,?,?)`,
		r.RunID, nullString(r.SessionID), r.Kind, parents, r.ConversationID, r.Directory, r.Feature,
		r.Task, r.Purpose, r.Mode, r.Context, r.Expected, r.Rules, r.Sandbox, r.Model, r.Profile,
		string(r.Status), r.FinalMessage, r.Error, files, cmds,
		r.Usage.InputTokens, r.Usage.CachedInputTokens, r.Usage.OutputTokens, r.Usage.ReasoningOutputTokens,
		r.StartedAt.UnixNano(), nullTime(r.EndedAt), r.Owner.PID, r.Owner.StartTime, r.Owner.Host)
	if err != nil {
		return fmt.Errorf("memory: insert run %s: %w", r.RunID, err)
	}
	return nil
}

// SetSessionID records the Codex thread id of a run as soon as Codex reports it, so the
// session is listed (and resumable) while its first turn is still running.
func (s *Store) SetSessionID(ctx context.Context, runID, sessionID string) error {
	if sessionID == "" {
		return errors.New("memory: SetSessionID: empty session id")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := runSessionID(ctx, tx, runID)
		if err != nil {
			return err
		}
		if old == sessionID {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET session_id = ? WHERE run_id = ?`, sessionID, runID); err != nil {
			return err
		}
		if err := refreshSession(ctx, tx, old); err != nil {
			return err
		}
		return refreshSession(ctx, tx, sessionID)
	})
}

// FinishRun records a run's outcome: status, final message, error, files changed,
// commands, usage and end time (a zero EndedAt means now), and SessionID when set. Other
// fields of r are ignored when the run is recorded. Calling it with StatusRunning stores a
// progress snapshot and leaves the end time empty.
//
// When the run is not recorded (its InsertRun failed, say because memory was locked)
// FinishRun records it whole from r, so pass the full Run: the run is then remembered
// once, correctly, and an InsertRun retried after it changes nothing of its outcome. A
// zero StartedAt is then taken as the end time.
func (s *Store) FinishRun(ctx context.Context, r Run) error {
	if r.Status == "" {
		return errors.New("memory: FinishRun: empty status")
	}
	var ended any
	if r.Status != StatusRunning {
		if r.EndedAt.IsZero() {
			r.EndedAt = time.Now()
		}
		ended = r.EndedAt.UnixNano()
	}
	files, cmds, err := outcomeLists(r)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := runSessionID(ctx, tx, r.RunID)
		if errors.Is(err, ErrNotFound) {
			r := r
			if r.Status == StatusRunning {
				r.EndedAt = time.Time{}
			}
			if r.StartedAt.IsZero() {
				r.StartedAt = r.EndedAt
				if r.StartedAt.IsZero() {
					r.StartedAt = time.Now()
				}
			}
			if err := insertRun(ctx, tx, r); err != nil {
				return err
			}
			return refreshSession(ctx, tx, r.SessionID)
		}
		if err != nil {
			return err
		}
		sid := old
		if r.SessionID != "" {
			sid = r.SessionID
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET session_id = ?, status = ?, final_message = ?, error = ?,
			files_changed = ?, commands = ?, input_tokens = ?, cached_input_tokens = ?, output_tokens = ?,
			reasoning_output_tokens = ?, ended_at = ? WHERE run_id = ?`,
			nullString(sid), string(r.Status), r.FinalMessage, r.Error, files, cmds,
			r.Usage.InputTokens, r.Usage.CachedInputTokens, r.Usage.OutputTokens, r.Usage.ReasoningOutputTokens,
			ended, r.RunID)
		if err != nil {
			return err
		}
		if old != sid {
			if err := refreshSession(ctx, tx, old); err != nil {
				return err
			}
		}
		return refreshSession(ctx, tx, sid)
	})
}

// Run returns one run by id.
func (s *Store) Run(ctx context.Context, runID string) (r Run, ok bool, err error) {
	err = s.read(ctx, func() error { r, ok, err = s.run(ctx, runID); return err })
	return r, ok, err
}

func (s *Store) run(ctx context.Context, runID string) (Run, bool, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE run_id = ?`, runID)
	r, err := scanRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, classify(err)
	}
	return r, true, nil
}

// MarkInterrupted marks every run still running whose owner is not alive as interrupted,
// and returns how many it marked; it also drops the resume leases those owners held.
// Several server processes share the database, so a run or lease is only touched when
// alive says its owner is gone; the server calls this at start-up with ProcessAlive. The
// end time is left empty: when the process died is unknown.
func (s *Store) MarkInterrupted(ctx context.Context, alive func(Owner) bool) (int, error) {
	// Find the owners first and ask about each once, outside the write lock: alive may
	// read /proc and should not hold up other processes' writes.
	rows, err := s.db.QueryContext(ctx, `SELECT owner_pid, owner_start_time, owner_host
		FROM runs WHERE status = 'running'
		UNION SELECT owner_pid, owner_start_time, owner_host FROM leases`)
	if err != nil {
		return 0, classify(err)
	}
	var dead []Owner
	for rows.Next() {
		var o Owner
		if err := rows.Scan(&o.PID, &o.StartTime, &o.Host); err != nil {
			rows.Close()
			return 0, classify(err)
		}
		if !alive(o) {
			dead = append(dead, o)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, classify(err)
	}
	if len(dead) == 0 {
		return 0, nil
	}

	var n int
	err = s.write(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, o := range dead {
			// RETURNING gives the sessions to refresh; the status condition is re-checked
			// under the write lock in case the owner finished the run meanwhile.
			rows, err := tx.QueryContext(ctx, `UPDATE runs SET status = 'interrupted',
				error = CASE WHEN error = '' THEN 'interrupted: the server process running it exited' ELSE error END
				WHERE status = 'running' AND owner_pid = ? AND owner_start_time = ? AND owner_host = ?
				RETURNING coalesce(session_id, '')`, o.PID, o.StartTime, o.Host)
			if err != nil {
				return err
			}
			var sids []string
			for rows.Next() {
				var sid string
				if err := rows.Scan(&sid); err != nil {
					rows.Close()
					return err
				}
				sids = append(sids, sid)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if _, err := deleteOwnerLeases(ctx, tx, o); err != nil {
				return err
			}
			n += len(sids)
			for _, sid := range sids {
				if err := refreshSession(ctx, tx, sid); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.logger.Info("memory: marked runs of dead server processes interrupted", "runs", n)
	}
	return n, nil
}

func runSessionID(ctx context.Context, tx *sql.Tx, runID string) (string, error) {
	var sid sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT session_id FROM runs WHERE run_id = ?`, runID).Scan(&sid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: run %q", ErrNotFound, runID)
	}
	return sid.String, err
}

const runColumns = `run_id, coalesce(session_id, ''), kind, parent_session_ids, conversation_id, directory, feature,
	task, purpose, mode, context, expected, rules, sandbox, model, profile,
	status, final_message, error, files_changed, commands,
	input_tokens, cached_input_tokens, output_tokens, reasoning_output_tokens,
	started_at, ended_at, owner_pid, owner_start_time, owner_host`

type scanner interface{ Scan(dest ...any) error }

func scanRun(sc scanner) (Run, error) {
	var (
		r                    Run
		status               string
		parents, files, cmds string
		started              int64
		ended                sql.NullInt64
	)
	err := sc.Scan(&r.RunID, &r.SessionID, &r.Kind, &parents, &r.ConversationID, &r.Directory, &r.Feature,
		&r.Task, &r.Purpose, &r.Mode, &r.Context, &r.Expected, &r.Rules, &r.Sandbox, &r.Model, &r.Profile,
		&status, &r.FinalMessage, &r.Error, &files, &cmds,
		&r.Usage.InputTokens, &r.Usage.CachedInputTokens, &r.Usage.OutputTokens, &r.Usage.ReasoningOutputTokens,
		&started, &ended, &r.Owner.PID, &r.Owner.StartTime, &r.Owner.Host)
	if err != nil {
		return Run{}, err
	}
	r.Status = Status(status)
	r.StartedAt = fromNanos(started)
	if ended.Valid {
		r.EndedAt = fromNanos(ended.Int64)
	}
	if err := unmarshalList(parents, &r.ParentSessionIDs); err != nil {
		return Run{}, err
	}
	if err := unmarshalList(files, &r.FilesChanged); err != nil {
		return Run{}, err
	}
	if err := unmarshalList(cmds, &r.Commands); err != nil {
		return Run{}, err
	}
	return r, nil
}

// jsonList encodes a list column. Empty lists are stored as "[]" so the column is never
// NULL and readers need no special case.
// outcomeLists encodes the lists a run's outcome carries, for their JSON columns.
func outcomeLists(r Run) (files, cmds string, err error) {
	if files, err = jsonList(r.FilesChanged); err != nil {
		return "", "", err
	}
	cmds, err = jsonList(r.Commands)
	return files, cmds, err
}

func jsonList[T any](v []T) (string, error) {
	if len(v) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("memory: encode list: %w", err)
	}
	return string(b), nil
}

func unmarshalList[T any](s string, v *[]T) error {
	if s == "" || s == "[]" {
		*v = nil
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("memory: decode list: %w", err)
	}
	return nil
}

// nullString stores "" as NULL, so runs without a session id stay out of the
// session_id index's equality lookups and out of the sessions view.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Times are stored as Unix nanoseconds: integers compare and index cheaply, and
// nanoseconds round-trip a time.Time exactly (until the year 2262).
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n) }
