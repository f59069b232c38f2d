package session

import (
	"context"
	"fmt"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/memory"
)

// Fork copies a session's history into a new session and runs the task there: the seed's
// Session Branch, where one line of work continues while another tries something else
// with the same context. The original session is left as it was.
func (m *Manager) Fork(ctx context.Context, t ResumeTask, progress ProgressFunc) (Outcome, error) {
	p, err := m.prepare(t.Task, true)
	if err != nil {
		return Outcome{}, err
	}
	t.SessionID = normID(t.SessionID)
	if !IsUUID(t.SessionID) {
		return Outcome{}, inputErr("session_id", quote(t.SessionID)+" is not a session id", "the UUID of the session to branch from")
	}
	caps, err := m.runner.Capabilities(ctx)
	if err != nil {
		return Outcome{}, err
	}
	if !caps.HasFork {
		return Outcome{}, inputErr("session_id", fmt.Sprintf("codex %s cannot fork sessions", caps.Version), codex.ErrNoFork.Error())
	}
	k, found, err := m.lookup(ctx, t.SessionID)
	if err != nil {
		return Outcome{}, err
	}
	if !found {
		e := inputErr("session_id", "no Codex session "+t.SessionID+" is known to this server or to Codex's store", "an id from list_sessions")
		e.Candidates = m.candidates(ctx, p.dir)
		return Outcome{}, e
	}
	if p.dir == "" {
		if p.dir, err = m.directory(k.dir); err != nil {
			return Outcome{}, err
		}
	}
	// A branch may try something riskier than its parent, up to the operator's cap.
	if p.sandbox, err = m.sandboxFor(t.Task); err != nil {
		return Outcome{}, err
	}
	if err := m.renderFrom(ctx, p, k); err != nil {
		return Outcome{}, err
	}
	out, err := m.launch(ctx, p, launchSpec{forkID: t.SessionID, kind: memory.KindFork, parents: []string{t.SessionID}}, progress)
	if err == nil && out.SessionID == t.SessionID {
		out.Status, out.Error = StatusFailed, "codex continued the original session instead of forking it"
	}
	return out, err
}
