package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/codex-mcp/codex-mcp/session"
)

// sessionURIPrefix names sessions as resources: codex://sessions/{id}.
const sessionURIPrefix = "codex://sessions/"

// addResources publishes each session's transcript summary as a resource, for clients
// that browse resources rather than call tools.
func (h *handlers) addResources(s *server.MCPServer) {
	tmpl := mcp.NewResourceTemplate(sessionURIPrefix+"{id}", "Codex session",
		mcp.WithTemplateDescription("A Codex session's transcript summary: its turns' tasks and answers and the commands Codex ran."),
		mcp.WithTemplateMIMEType("text/markdown"),
	)
	s.AddResourceTemplate(tmpl, func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		id := strings.TrimPrefix(req.Params.URI, sessionURIPrefix)
		text, err := h.sessions.Transcript(ctx, id)
		if err != nil {
			if !errors.As(err, new(*session.InputError)) {
				h.logger.ErrorContext(ctx, "resource read failed", "uri", sessionURIPrefix+"…", "session_id", id, "err", err)
			}
			return nil, err
		}
		if t, cut := cutText(text, MaxResourceBytes-1<<10); cut != "" {
			// Bounded like tool results; the note says what is missing and where to look.
			text = t + "\n\n(codex-mcp cut this transcript to keep it under " + fmt.Sprint(MaxResourceBytes>>10) + " KB: " + cut +
				"; get_session has the structured record.)\n"
		}
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: text}}, nil
	})
}
