package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
)

// GetSessionArgs are get_session's arguments.
type GetSessionArgs struct {
	SessionID string `json:"session_id" jsonschema:"required" jsonschema_description:"Session id (UUID), or the run_id of a run that has no session id yet."`
	Wait      int    `json:"wait_seconds,omitempty" jsonschema:"minimum=0,maximum=3600" jsonschema_description:"If a turn is running, wait up to this many seconds for it to end before answering."`
}

func getSessionTool() mcp.Tool {
	return newTool("get_session", schemaOf[GetSessionArgs](),
		mcp.WithDescription("Show one Codex session whole: status (also while a turn runs, with its latest steps), "+
			"every turn with its task, last message, files changed, commands, token usage, directory and sandbox. "+
			"With wait_seconds it waits for a running turn first: the way to follow a run started with wait_seconds."),
		mcp.WithTitleAnnotation("Show a Codex session"),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
		mcp.WithRawOutputSchema(outputSchemaOf[session.SessionDetail]()),
	)
}

func (h *handlers) getSession(ctx context.Context, req mcp.CallToolRequest, args GetSessionArgs) (*mcp.CallToolResult, error) {
	wait := time.Duration(args.Wait) * time.Second
	busy := false
	if wait > 0 {
		// A waiting call holds a stdio worker; past the budget's share, answer at once
		// rather than take the workers that reads and cancel_session need.
		select {
		case h.waitSlots <- struct{}{}:
			defer func() { <-h.waitSlots }()
		default:
			wait, busy = 0, true
		}
	}
	d, err := h.sessions.Get(ctx, args.SessionID, wait)
	res, err := h.result(ctx, req, args.SessionID, d, detailText(d), err)
	if busy && res != nil && !res.IsError {
		note := fmt.Sprintf("answered without waiting: %d get_session calls are already waiting, the most this server lets wait at once; call again to wait", cap(h.waitSlots))
		addNotes(res, note)
		if tc, ok := res.Content[0].(mcp.TextContent); ok {
			tc.Text = "(" + note + ".)\n" + tc.Text
			res.Content[0] = tc
		}
	}
	return res, err
}

func detailText(d session.SessionDetail) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Session %s (%s, %s) in %s, %d turn(s).\n", d.SessionID, d.Status, d.Source, d.Directory, d.Turns)
	for i, r := range d.Runs {
		fmt.Fprintf(&b, "%d. %s: %s\n", i+1, r.Status, session.TaskLine(r.Task, 100))
	}
	if len(d.FilesChanged) > 0 {
		fmt.Fprintf(&b, "Files changed: %s\n", strings.Join(d.FilesChanged, ", "))
	}
	for _, p := range d.Progress {
		fmt.Fprintf(&b, "  … %s\n", p)
	}
	if d.LastMessage != "" {
		b.WriteString("\n" + d.LastMessage)
	}
	return b.String()
}

// CancelSessionArgs are cancel_session's arguments.
type CancelSessionArgs struct {
	SessionID string `json:"session_id" jsonschema:"required" jsonschema_description:"The session (or run_id) whose running turn to stop."`
}

func cancelSessionTool() mcp.Tool {
	return newTool("cancel_session", schemaOf[CancelSessionArgs](),
		mcp.WithDescription("Stop the turn a session is running in this server: codex and every command it started are killed. "+
			"The session itself stays and can be resumed."),
		mcp.WithTitleAnnotation("Cancel a running Codex turn"),
		mcp.WithReadOnlyHintAnnotation(false),
		mcp.WithDestructiveHintAnnotation(true),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
		mcp.WithRawOutputSchema(outputSchemaOf[session.Outcome]()),
	)
}

// orID is the session id an answer names, else the one the caller asked about.
func orID(answered, asked string) string {
	if answered != "" {
		return answered
	}
	return asked
}

func (h *handlers) cancelSession(ctx context.Context, req mcp.CallToolRequest, args CancelSessionArgs) (*mcp.CallToolResult, error) {
	out, err := h.sessions.Cancel(ctx, args.SessionID)
	return h.result(ctx, req, orID(out.SessionID, args.SessionID), out, out.Summary(), err)
}
