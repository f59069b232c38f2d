package tools

import (
	"context"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
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
			return nil, err
		}
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: text}}, nil
	})
}
