package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
)

func resumeSessionTool() mcp.Tool {
	return newTool("resume_session", schemaOf[ResumeSessionArgs](),
		mcp.WithDescription("Run the next task in an existing Codex session, with everything it already knows (the seed's `resume`, but by id). "+
			"Use it when the task extends, fixes, tests or documents that session's work, or needs its context. "+
			"The session keeps its directory and sandbox (a lower sandbox may be asked for, never a higher one). "+
			"Without session_id the server picks the session this conversation last worked on in the given directory/feature and says which."),
		mcp.WithTitleAnnotation("Resume a Codex session"),
		mcp.WithReadOnlyHintAnnotation(false),
		mcp.WithDestructiveHintAnnotation(true),
		mcp.WithIdempotentHintAnnotation(false),
		mcp.WithOpenWorldHintAnnotation(true),
		mcp.WithRawOutputSchema(outputSchemaOf[session.Outcome]()),
	)
}

func (h *handlers) resumeSession(ctx context.Context, req mcp.CallToolRequest, args ResumeSessionArgs) (*mcp.CallToolResult, error) {
	t := session.ResumeTask{Task: args.task(h.conversation(ctx)), SessionID: args.SessionID}
	out, err := h.sessions.Resume(ctx, t, progressFunc(ctx, req))
	return h.result(ctx, req, orID(out.SessionID, args.SessionID), out, out.Summary(), err)
}
