package session

import (
	"context"
	"fmt"
	"strings"
)

// drawFrom summarises the sessions a new one builds on, for its context: the seed's
// Session Merge ("CONTEXT: Component A and B from previous work") with the work spelled
// out, since a new Codex session cannot see the others.
func (m *Manager) drawFrom(ctx context.Context, ids []string) (string, error) {
	if len(ids) > maxDrawFrom {
		return "", inputErr("draw_from", "names "+fmt.Sprint(len(ids))+" sessions", fmt.Sprintf("at most %d session ids", maxDrawFrom))
	}
	var b strings.Builder
	b.WriteString("Earlier Codex sessions this task builds on:")
	seen := map[string]bool{}
	for _, id := range ids {
		id = normID(id)
		if !IsUUID(id) {
			return "", inputErr("draw_from", quote(id)+" is not a session id", "UUIDs from start_session or list_sessions")
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		k, ok, err := m.lookup(ctx, id)
		if err != nil {
			return "", err
		}
		if !ok {
			e := inputErr("draw_from", "no Codex session "+id+" is known", "ids from list_sessions")
			e.Candidates = m.candidates(ctx, "")
			return "", e
		}
		fmt.Fprintf(&b, "\n- session %s in %s: %s", id, k.dir, firstLine(k.task, 200))
		if mem, err := m.memory(ctx); err == nil {
			if s, _, ok, err := mem.Session(ctx, id); err == nil && ok {
				if s.LastTask != "" && s.LastTask != s.Task {
					fmt.Fprintf(&b, "; latest task: %s", firstLine(s.LastTask, 200))
				}
				if s.LastMessage != "" {
					fmt.Fprintf(&b, "; result: %s", firstLine(s.LastMessage, 400))
				}
				if len(s.FilesChanged) > 0 {
					fmt.Fprintf(&b, "; files: %s", strings.Join(s.FilesChanged, ", "))
				}
			}
		}
	}
	return b.String(), nil
}
