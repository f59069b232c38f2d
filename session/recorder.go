package session

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/codex-mcp/codex-mcp/session/memory"
)

// recorder keeps the run records memory could not take (unwritable, locked by another
// process, corrupt, not open yet) and writes them when it can, so a run is not lost for
// good because memory was busy when it started or ended. Records live only as long as the
// process; Close tries once more and logs what is still lost.
type recorder struct {
	m *Manager

	mu      sync.Mutex
	pending map[string]memory.Run // by run id: the newest state of each record
	done    chan struct{}
	loop    bool // the retry loop is running
	closed  bool
}

func newRecorder(m *Manager) *recorder {
	return &recorder{m: m, pending: map[string]memory.Run{}, done: make(chan struct{})}
}

// keep holds rec for a later write; a newer state of the same run replaces an older one.
func (r *recorder) keep(rec memory.Run) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending[rec.RunID] = rec
	if !r.loop && !r.closed {
		r.loop = true
		r.m.bg.Go(r.retry)
	}
}

// has reports whether a record of the run is waiting, so a later state joins it rather
// than being written alone out of order.
func (r *recorder) has(runID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.pending[runID]
	return ok
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// retry writes the pending records with a growing pause until none is left or the
// Manager closes.
func (r *recorder) retry() {
	pause := recordRetryFirst
	for {
		select {
		case <-r.done:
			return
		case <-time.After(pause):
		}
		if r.flush(r.m.base) == 0 {
			r.mu.Lock()
			if len(r.pending) == 0 {
				r.loop = false
				r.mu.Unlock()
				return
			}
			r.mu.Unlock()
		}
		pause = min(pause*2, recordRetryMax)
	}
}

// flush tries to write every pending record once and returns how many are still pending.
func (r *recorder) flush(ctx context.Context) int {
	mem, err := r.m.memory(ctx)
	if err != nil {
		return r.len()
	}
	r.mu.Lock()
	recs := make([]memory.Run, 0, len(r.pending))
	for _, rec := range r.pending {
		recs = append(recs, rec)
	}
	r.mu.Unlock()
	for _, rec := range recs {
		err := mem.InsertRun(ctx, rec)
		if err == nil && !rec.EndedAt.IsZero() {
			err = mem.FinishRun(ctx, rec)
		}
		if err != nil {
			r.m.logger.Debug("memory still cannot take a run record", "run", rec.RunID, "err", err)
			continue
		}
		r.mu.Lock()
		// Only if no newer state arrived meanwhile.
		if cur, ok := r.pending[rec.RunID]; ok && cur.EndedAt.Equal(rec.EndedAt) && cur.Status == rec.Status {
			delete(r.pending, rec.RunID)
		}
		r.mu.Unlock()
		r.m.logger.Info("recorded a run memory could not take before", "run", rec.RunID)
	}
	return r.len()
}

// stop ends the retry loop; close then makes the last try.
func (r *recorder) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		close(r.done)
	}
}

// close makes one last try at the pending records, bounded so shutdown stays quick.
func (r *recorder) close() {
	r.stop()
	if r.len() == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if n := r.flush(ctx); n > 0 {
		r.mu.Lock()
		for id := range r.pending {
			r.m.logger.Error("a run was never recorded in conversation memory", "run", id)
		}
		r.mu.Unlock()
	}
}

// finishRecord writes a run's final record, or keeps it for later; the error says why
// it could not be written now.
func (m *Manager) finishRecord(rec memory.Run) error {
	if m.records.has(rec.RunID) {
		m.records.keep(rec)
		return errMemoryPending
	}
	mem, err := m.memory(m.base)
	if err == nil {
		// Bounded, so a locked database cannot hold the answer to the caller.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(m.base), 10*time.Second)
		err = mem.FinishRun(ctx, rec)
		cancel()
	}
	if err != nil {
		m.logger.Warn("recording run end", "run", rec.RunID, "err", err)
		m.records.keep(rec)
	}
	return err
}

// recordSessionID tells memory which session a run belongs to as soon as codex says.
func (m *Manager) recordSessionID(runID, sessionID string) {
	if m.records.has(runID) {
		return // the final record carries it
	}
	mem, err := m.memory(m.base)
	if err == nil {
		err = mem.SetSessionID(m.base, runID, sessionID)
	}
	if err != nil {
		m.logger.Warn("recording session id", "run", runID, "err", err)
	}
}

// errMemoryPending says a record joined an earlier one that memory has not taken yet.
var errMemoryPending = errors.New("an earlier record of this run is still waiting for memory")

// memoryWarning is what a result says when memory could not take its run's record.
func memoryWarning(err error) string {
	what := "conversation memory could not record this run"
	switch {
	case errors.Is(err, memory.ErrLocked):
		what = "conversation memory is locked by another process and could not record this run yet"
	case errors.Is(err, memory.ErrReadOnly):
		what = "conversation memory is not writable and could not record this run"
	case errors.Is(err, memory.ErrCorrupt):
		what = "conversation memory is damaged (not a readable SQLite database) and could not record this run"
	}
	return what + " (" + err.Error() + "); the record is kept by this server and written as soon as memory can take it. " +
		"`codex-mcp doctor` names the problem and its fix"
}
