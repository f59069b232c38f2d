package memory

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Lease is the reservation of one session for one run: while it is held, no other run,
// in this process or any other on the same database, may resume the session. Codex
// writes every turn of a session to one rollout file, so two turns at once interleave.
type Lease struct {
	SessionID string
	RunID     string // the run holding it
	Owner     Owner  // the server process executing that run
	Since     time.Time
}

// AcquireLease takes the lease on sessionID for runID, run by owner, and reports true;
// calling it again for the run that holds it also reports true. The lease is taken over
// when its holder's process is dead (ProcessAlive) or the holder's run is recorded as no
// longer running (it ended and the lease was not released). Otherwise it returns the
// holder's Lease and false. The check and the take are one BEGIN IMMEDIATE transaction,
// so of two processes racing for a session exactly one wins.
func (s *Store) AcquireLease(ctx context.Context, sessionID, runID string, owner Owner) (Lease, bool, error) {
	if sessionID == "" || runID == "" {
		return Lease{}, false, errors.New("memory: AcquireLease: empty session or run id")
	}
	var (
		got Lease
		won bool
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		holder, held, err := leaseOf(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if held && holder.RunID == runID {
			got, won = holder, true
			return nil
		}
		if held {
			free, err := leaseFree(ctx, tx, holder)
			if err != nil {
				return err
			}
			if !free {
				got, won = holder, false
				return nil
			}
		}
		got = Lease{SessionID: sessionID, RunID: runID, Owner: owner, Since: time.Now()}
		_, err = tx.ExecContext(ctx, `INSERT INTO leases (session_id, run_id, owner_pid, owner_start_time, owner_host, since)
			VALUES (?,?,?,?,?,?) ON CONFLICT(session_id) DO UPDATE SET run_id = excluded.run_id,
			owner_pid = excluded.owner_pid, owner_start_time = excluded.owner_start_time,
			owner_host = excluded.owner_host, since = excluded.since`,
			sessionID, runID, owner.PID, owner.StartTime, owner.Host, got.Since.UnixNano())
		won = err == nil
		return err
	})
	if err != nil {
		return Lease{}, false, err
	}
	return got, won, nil
}

// leaseFree reports whether a held lease may be taken: its owner is dead, or its run is
// recorded and has ended. A run not recorded at all (its InsertRun has not landed yet)
// keeps its lease while its owner lives. ProcessAlive reads /proc, microseconds, so it is
// asked under the write lock: asking outside would let the holder change in between.
func leaseFree(ctx context.Context, tx *sql.Tx, l Lease) (bool, error) {
	if !ProcessAlive(l.Owner) {
		return true, nil
	}
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE run_id = ?`, l.RunID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && Status(status) != StatusRunning, err
}

func leaseOf(ctx context.Context, tx *sql.Tx, sessionID string) (Lease, bool, error) {
	l := Lease{SessionID: sessionID}
	var since int64
	err := tx.QueryRowContext(ctx, `SELECT run_id, owner_pid, owner_start_time, owner_host, since
		FROM leases WHERE session_id = ?`, sessionID).Scan(&l.RunID, &l.Owner.PID, &l.Owner.StartTime, &l.Owner.Host, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, err
	}
	l.Since = fromNanos(since)
	return l, true, nil
}

// ReleaseLease gives up the lease on sessionID if runID holds it; otherwise (another run
// holds it, or nobody does) it does nothing, so a late release cannot free a lease a
// newer run has taken over.
func (s *Store) ReleaseLease(ctx context.Context, sessionID, runID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE session_id = ? AND run_id = ?`, sessionID, runID)
		return err
	})
}

// ReleaseOwnerLeases gives up every lease owner holds, and returns how many: for a clean
// shutdown, after the owner's runs have ended. (Leases of owners that died without it are
// dropped by MarkInterrupted, and taken over by AcquireLease in any case.)
func (s *Store) ReleaseOwnerLeases(ctx context.Context, owner Owner) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		n, err = deleteOwnerLeases(ctx, tx, owner)
		return err
	})
	return int(n), err
}

func deleteOwnerLeases(ctx context.Context, tx *sql.Tx, o Owner) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE owner_pid = ? AND owner_start_time = ? AND owner_host = ?`,
		o.PID, o.StartTime, o.Host)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
