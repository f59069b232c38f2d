package session

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/decide"
	"github.com/codex-mcp/codex-mcp/session/memory"
	"github.com/codex-mcp/codex-mcp/session/rollout"
)

// CodexStore is Codex's own session store; *rollout.Store is the real one.
type CodexStore interface {
	Get(ctx context.Context, id string) (rollout.Session, bool, error)
	List(ctx context.Context, f rollout.Filter) (rollout.Page, error)
	Transcript(ctx context.Context, id string) ([]rollout.Entry, error)
}

var _ CodexStore = (*rollout.Store)(nil)

// known is what is known of an existing session before resuming it.
type known struct {
	id        string
	dir       string
	sandbox   string // the sandbox it was started with; "" when nobody recorded it
	model     string // the model it was started with; "" when nobody recorded it
	archived  bool   // Codex archived it: codex refuses to resume it
	feature   string
	running   bool
	task      string
	updatedAt time.Time
}

// Resume continues a session (the seed's `codex exec "task" resume --last`, but by id:
// --last resumes whatever ran last in the directory, which with two features in flight
// is the wrong one).
func (m *Manager) Resume(ctx context.Context, t ResumeTask, progress ProgressFunc) (Outcome, error) {
	p, err := m.prepare(t.Task, true)
	if err != nil {
		return Outcome{}, err
	}
	sid, resolvedBy := normID(t.SessionID), ""
	if sid == "" {
		if sid, resolvedBy, err = m.resolve(ctx, t.Task, p.dir); err != nil {
			return Outcome{}, err
		}
	} else if !IsUUID(sid) {
		return Outcome{}, inputErr("session_id", quote(sid)+" is not a session id", "a UUID such as 0199a213-81c0-7800-8aa1-bbab2a035a53, from start_session or list_sessions")
	}
	k, found, err := m.lookup(ctx, sid)
	if err != nil {
		return Outcome{}, err
	}
	if !found {
		e := inputErr("session_id", "no Codex session "+sid+" is known to this server or to Codex's store", "an id from list_sessions, or start_session for new work")
		e.Candidates = m.candidates(ctx, p.dir)
		return Outcome{}, e
	}
	if k.archived {
		return Outcome{}, inputErr("session_id", "session "+sid+" is archived in Codex's store, and codex does not resume archived sessions",
			"unarchive it with codex first, or start_session with draw_from: ["+sid+"] to build on it in a new session")
	}
	// Claim the session before anything slow, so two resumes of it cannot both pass
	// this check and interleave their turns in one rollout.
	if k.running || !m.reserve(sid) {
		return Outcome{}, inputErr("session_id", "session "+sid+" is running a turn right now; a second turn at once would interleave them",
			"wait for it (get_session) or cancel it (cancel_session) first")
	}
	runID := newRunID()
	launched := false
	defer func() {
		if !launched {
			m.release(sid)
			m.releaseLease(sid, runID)
		}
	}()
	// The reservation above holds in this process; the lease holds across every server
	// on this state directory (Claude Desktop, Claude Code and an IDE at once).
	if err := m.takeLease(ctx, sid, runID, &p.warnings); err != nil {
		return Outcome{}, err
	}
	if p.dir != "" && k.dir != "" && filepath.Clean(k.dir) != p.dir {
		return Outcome{}, inputErr("directory", "session "+sid+" works in "+quote(k.dir)+", not "+quote(p.dir), "the session's own directory, or leave directory out")
	}
	if p.dir == "" {
		// The session's own directory must still be there.
		if p.dir, err = m.directory(k.dir); err != nil {
			return Outcome{}, err
		}
	}
	if p.sandbox, err = m.resumeSandbox(t.Task, k, &p.warnings); err != nil {
		return Outcome{}, err
	}
	if t.Model == "" && k.model == "" {
		p.warnings = append(p.warnings, "the model session "+sid+" was started with is not recorded; this turn runs on codex's configured default model (pass model to choose)")
	}
	if err := m.renderFrom(ctx, p, k); err != nil {
		return Outcome{}, err
	}
	launched = true
	out, err := m.launch(ctx, p, launchSpec{runID: runID, resumeID: sid, kind: memory.KindResume}, progress)
	if err != nil {
		m.release(sid)
		m.releaseLease(sid, runID)
	}
	out.ResolvedBy = resolvedBy
	return out, err
}

// renderFrom renders a turn that continues (or branches from) session k: the model and
// feature the caller left out are the session's.
func (m *Manager) renderFrom(ctx context.Context, p *prepared, k known) error {
	if p.task.Model == "" {
		p.task.Model = k.model
	}
	if p.task.Feature == "" {
		p.task.Feature = k.feature
	}
	return m.render(ctx, p)
}

// resumeSandbox keeps the session's sandbox (codex forgets it on resume) unless the
// caller asks for a lower one; raising it on resume is refused. A session whose sandbox
// nobody recorded resumes read-only unless the caller names one, and the result says so:
// never a silent raise of a session started read-only by hand.
func (m *Manager) resumeSandbox(t Task, k known, warnings *[]string) (string, error) {
	orig := k.sandbox
	if orig == "" {
		if t.Sandbox == "" {
			*warnings = append(*warnings, "the sandbox session "+k.id+" was started with is not recorded, so it resumes read-only; "+
				"pass sandbox ("+allowedUpTo(m.cfg.MaxSandbox)+") to choose")
			return codex.SandboxReadOnly, nil
		}
		*warnings = append(*warnings, "the sandbox session "+k.id+" was started with is not recorded; it resumes in "+t.Sandbox+" as asked")
		return t.Sandbox, nil
	}
	if codex.SandboxRank(orig) > codex.SandboxRank(m.cfg.MaxSandbox) {
		orig = m.cfg.MaxSandbox
	}
	want := t.Sandbox
	if want == "" && t.Mode == ModeAnalysis {
		want = codex.SandboxReadOnly
	}
	if want == "" {
		return orig, nil
	}
	if codex.SandboxRank(want) > codex.SandboxRank(orig) {
		return "", inputErr("sandbox", "session "+k.id+" runs in "+quote(orig)+"; a resume cannot raise it to "+quote(want),
			allowedUpTo(orig)+", or start_session for work that needs more")
	}
	return want, nil
}

// lookup finds a session in memory, else in Codex's store.
func (m *Manager) lookup(ctx context.Context, id string) (known, bool, error) {
	if mem, err := m.memory(ctx); err == nil {
		s, runs, ok, err := mem.Session(ctx, id)
		if err != nil {
			return known{}, false, err
		}
		if ok {
			k := known{id: id, dir: s.Directory, sandbox: s.Sandbox, model: s.Model, feature: s.Feature, task: s.Task, updatedAt: s.UpdatedAt}
			if len(runs) > 0 {
				// The sandbox the session was started with, not a lower one a later
				// turn asked for.
				if runs[0].Sandbox != "" {
					k.sandbox = runs[0].Sandbox
				}
				last := runs[len(runs)-1]
				k.running = last.Status == memory.StatusRunning && last.Owner != m.owner && memory.ProcessAlive(last.Owner)
			}
			return k, true, nil
		}
	}
	if m.codex == nil {
		return known{}, false, nil
	}
	s, ok, err := m.codex.Get(ctx, id)
	if err != nil || !ok {
		return known{}, false, err
	}
	// Started outside this server (a terminal, an IDE): codex recorded the sandbox of its
	// first turn, and that is what a resume keeps.
	return known{id: id, dir: s.Directory, sandbox: s.Sandbox, model: s.Model, task: s.Task, updatedAt: s.UpdatedAt, archived: s.Archived}, true, nil
}

// reserve claims a session for one resume; false when a turn of it is already running
// or claimed in this process.
func (m *Manager) reserve(sessionID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reserved[sessionID] || m.activeLocked(sessionID) != nil {
		return false
	}
	m.reserved[sessionID] = true
	return true
}

func (m *Manager) release(sessionID string) {
	m.mu.Lock()
	delete(m.reserved, sessionID)
	m.mu.Unlock()
}

// candidates offers recent sessions (in or under dir first) to a caller whose id was
// not found: the seed's "Session Not Found" advice, done for them.
func (m *Manager) candidates(ctx context.Context, dir string) []Candidate {
	var out []Candidate
	seen := map[string]bool{}
	add := func(c Candidate) {
		if !seen[c.SessionID] && len(out) < 5 {
			seen[c.SessionID] = true
			out = append(out, c)
		}
	}
	if mem, err := m.memory(ctx); err == nil {
		for _, d := range []string{dir, ""} {
			list, err := mem.Sessions(ctx, memory.Filter{Directory: d, Limit: 5})
			if err != nil {
				break
			}
			for _, s := range list {
				add(Candidate{SessionID: s.SessionID, Directory: s.Directory, Task: s.Task, UpdatedAt: s.UpdatedAt})
			}
		}
	}
	if m.codex != nil && len(out) < 5 {
		if page, err := m.codex.List(ctx, rollout.Filter{Directory: dir, Limit: 5}); err == nil {
			for _, s := range page.Sessions {
				add(Candidate{SessionID: s.ID, Directory: s.Directory, Task: s.Task, UpdatedAt: s.UpdatedAt})
			}
		}
	}
	return out
}

// resolve picks the session for a resume without an id: the decision tree, told the task
// extends earlier work, names the session of this conversation (in this directory, for
// this feature, when given) that the task continues.
func (m *Manager) resolve(ctx context.Context, t Task, dir string) (string, string, error) {
	snap, err := m.snapshot(ctx, t.ConversationID, dir, t.Feature, false)
	if err != nil {
		return "", "", err
	}
	d := decide.Decide(decide.Input{
		Task: t.Task, Purpose: t.Purpose, Context: t.Context, Expected: t.Expected, Directory: dir,
		Feature: t.Feature, ConversationID: t.ConversationID, Relation: decide.RelationExtends,
		ProjectRoot: projectRoot(dir),
	}, snap)
	if d.Decision == decide.Resume && d.SessionID != "" {
		return d.SessionID, "decision tree: " + d.Reason, nil
	}
	where := []string{"this conversation"}
	if dir != "" {
		where = append(where, "in "+dir)
	}
	if t.Feature != "" {
		where = append(where, "for feature "+quote(t.Feature))
	}
	problem := "is empty and memory has no session for " + strings.Join(where, " ") + " that this task continues"
	if d.RunningSessionID != "" {
		problem = "is empty and the session this task continues, " + d.RunningSessionID + ", is running a turn now"
	}
	e := inputErr("session_id", problem, "a session_id from list_sessions, or start_session")
	e.Candidates = m.candidates(ctx, dir)
	return "", "", e
}

// takeLease claims session sid for run runID in memory, shared by every server process on
// this state directory. When memory cannot say, the resume goes ahead on this process's
// reservation and the result says that another process is not kept out.
func (m *Manager) takeLease(ctx context.Context, sid, runID string, warnings *[]string) error {
	mem, err := m.memory(ctx)
	if err == nil {
		var (
			holder memory.Lease
			ok     bool
		)
		holder, ok, err = mem.AcquireLease(ctx, sid, runID, m.owner)
		if err == nil && !ok {
			return inputErr("session_id", "session "+sid+" is running a turn in another codex-mcp process (run "+holder.RunID+
				", pid "+strconv.Itoa(holder.Owner.PID)+", since "+holder.Since.Format(time.RFC3339)+"); a second turn at once would interleave them",
				"wait for that turn to end (get_session "+sid+"), then resume")
		}
	}
	if err != nil {
		m.logger.Warn("taking the shared resume lease", "session", sid, "err", err)
		*warnings = append(*warnings, "the resume could not be reserved in conversation memory ("+err.Error()+
			"); another codex-mcp process on this state directory is not kept from resuming this session at the same time")
	}
	return nil
}

// releaseLease gives the session's lease back, off the caller's path: a locked database
// must not hold the end of a run; a lease left behind is taken over once its run ends.
func (m *Manager) releaseLease(sid, runID string) {
	m.bg.Go(func() {
		mem, err := m.memory(m.base)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(m.base), 5*time.Second)
		defer cancel()
		if err := mem.ReleaseLease(ctx, sid, runID); err != nil {
			m.logger.Debug("releasing a resume lease", "session", sid, "err", err)
		}
	})
}
