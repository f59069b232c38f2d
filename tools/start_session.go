package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
)

func startSessionTool() mcp.Tool {
	return newTool("start_session", schemaOf[StartSessionArgs](),
		mcp.WithDescription("Start a new Codex session and run one task in it (the seed's `codex -C dir exec \"task\"`). "+
			"Use it for the first task of a feature, for unrelated work, or for an alternative approach. "+
			"Returns the session_id to continue with resume_session, Codex's final message, the files it changed and the commands it ran. "+
			"Sends a progress notification per step when the request carries a progress token."),
		mcp.WithTitleAnnotation("Start a Codex session"),
		mcp.WithReadOnlyHintAnnotation(false),
		mcp.WithDestructiveHintAnnotation(true),
		mcp.WithIdempotentHintAnnotation(false),
		mcp.WithOpenWorldHintAnnotation(true),
		mcp.WithRawOutputSchema(outputSchemaOf[session.Outcome]()),
	)
}

func (h *handlers) startSession(ctx context.Context, req mcp.CallToolRequest, args StartSessionArgs) (*mcp.CallToolResult, error) {
	t := args.task(h.conversation(ctx))
	t.DrawFrom = args.DrawFrom
	out, err := h.sessions.Start(ctx, t, progressFunc(ctx, req))
	return h.result(ctx, req, out.SessionID, out, out.Summary(), err)
}
