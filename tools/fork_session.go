package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
)

// ForkSessionArgs are fork_session's arguments.
type ForkSessionArgs struct {
	SessionID string `json:"session_id" jsonschema:"required" jsonschema_description:"The session to branch from (a UUID). It is left as it was."`
	TaskArgs
}

func forkSessionTool() mcp.Tool {
	return newTool("fork_session", schemaOf[ForkSessionArgs](),
		mcp.WithDescription("Branch a Codex session: copy its history into a new session and run the task there (the seed's Session Branch), "+
			"so one line of work continues in the original while the branch tries something else with the same context. "+
			"Needs a codex with `exec fork` (0.169 or newer); on older ones use start_session with draw_from."),
		mcp.WithTitleAnnotation("Fork a Codex session"),
		mcp.WithReadOnlyHintAnnotation(false),
		mcp.WithDestructiveHintAnnotation(true),
		mcp.WithIdempotentHintAnnotation(false),
		mcp.WithOpenWorldHintAnnotation(true),
		mcp.WithRawOutputSchema(outputSchemaOf[session.Outcome]()),
	)
}

func (h *handlers) forkSession(ctx context.Context, req mcp.CallToolRequest, args ForkSessionArgs) (*mcp.CallToolResult, error) {
	t := session.ResumeTask{Task: args.task(h.conversation(ctx)), SessionID: args.SessionID}
	out, err := h.sessions.Fork(ctx, t, progressFunc(ctx, req))
	return h.result(ctx, req, orID(out.SessionID, args.SessionID), out, out.Summary(), err)
}
