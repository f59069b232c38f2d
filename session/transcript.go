package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/codex-mcp/codex-mcp/session/rollout"
)

// Transcript renders a session as Markdown for a person or an assistant browsing
// resources: what memory knows of it, then the conversation from Codex's own store.
func (m *Manager) Transcript(ctx context.Context, id string) (string, error) {
	text, err := m.transcript(ctx, id)
	if len(text) > transcriptBytes {
		// Whatever the store holds: the start and the end, and what was cut.
		head, tail := transcriptBytes*3/4, transcriptBytes/4
		cut := len(text) - head - tail
		text = strings.ToValidUTF8(text[:head], "") + fmt.Sprintf("\n\n…[%d bytes of the transcript cut; get_session has the turns]…\n\n", cut) +
			strings.ToValidUTF8(text[len(text)-tail:], "")
	}
	return text, err
}

func (m *Manager) transcript(ctx context.Context, id string) (string, error) {
	d, err := m.Get(ctx, id, 0)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Codex session %s\n\n", d.SessionID)
	fmt.Fprintf(&b, "- directory: %s\n- status: %s (%s)\n- turns: %d\n", d.Directory, d.Status, d.Source, d.Turns)
	if d.Feature != "" {
		fmt.Fprintf(&b, "- feature: %s\n", d.Feature)
	}
	if d.Sandbox != "" {
		fmt.Fprintf(&b, "- sandbox: %s\n", d.Sandbox)
	}
	if len(d.FilesChanged) > 0 {
		fmt.Fprintf(&b, "- files changed: %s\n", strings.Join(d.FilesChanged, ", "))
	}
	var entries []rollout.Entry
	if m.codex != nil && IsUUID(d.SessionID) {
		if entries, err = m.codex.Transcript(ctx, d.SessionID); err != nil {
			m.logger.Debug("reading transcript", "session", d.SessionID, "err", err)
		}
	}
	if len(entries) == 0 {
		for i, r := range d.Runs {
			fmt.Fprintf(&b, "\n## Turn %d (%s)\n\n**Task:** %s\n", i+1, r.Status, r.Task)
			if r.FinalMessage != "" {
				fmt.Fprintf(&b, "\n**Codex:** %s\n", r.FinalMessage)
			}
		}
		return b.String(), nil
	}
	turn := 0
	for _, e := range entries {
		switch e.Role {
		case rollout.RoleUser:
			turn++
			fmt.Fprintf(&b, "\n## Turn %d\n\n**Task:**\n\n%s\n", turn, e.Text)
		case rollout.RoleAssistant:
			fmt.Fprintf(&b, "\n**Codex:** %s\n", e.Text)
		case rollout.RoleCommand:
			fmt.Fprintf(&b, "- ran `%s`\n", strings.ReplaceAll(e.Text, "`", "'"))
		default:
			fmt.Fprintf(&b, "- %s: %s\n", e.Role, e.Text)
		}
	}
	return b.String(), nil
}
