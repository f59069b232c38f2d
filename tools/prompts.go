package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/codex-mcp/codex-mcp/prompts"
)

// claudeCode is Claude Code's clientInfo name. It runs a prompt as a slash command,
// `/mcp__codex__feature_cycle Add rate limiting`, by giving each argument one word of
// what was typed (request="Add", directory="rate", ...; words past the last argument
// are dropped) and showing the model the whole text in <command-args>: measured on
// Claude Code 2.1.332, see TestClaudeCodePrompts.
const claudeCode = "claude-code"

// addPrompts publishes the seed's workflows as MCP prompts, for clients that offer prompts
// to the person (slash commands in Claude Code, prompt pickers in VS Code, Claude Desktop
// and Cursor). The texts and their arguments are the prompts package's.
func (h *handlers) addPrompts(s *server.MCPServer) {
	for _, w := range prompts.Workflows() {
		opts := []mcp.PromptOption{mcp.WithPromptDescription(w.Description), mcp.WithPromptTitle(w.Title)}
		for _, a := range w.Args {
			aopts := []mcp.ArgumentOption{mcp.ArgumentDescription(a.Description)}
			if a.Required {
				aopts = append(aopts, mcp.RequiredArgument())
			}
			opts = append(opts, mcp.WithArgument(a.Name, aopts...))
		}
		s.AddPrompt(mcp.NewPrompt(w.Name, opts...), func(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			text, err := w.Render(req.Params.Arguments, clientName(ctx) == claudeCode)
			if err != nil {
				// checkPromptArguments answers this before the handler runs.
				return nil, err
			}
			return mcp.NewGetPromptResult(w.Title, []mcp.PromptMessage{
				mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text)),
			}), nil
		})
	}
}

// clientName is the clientInfo name the connection's client gave at initialize.
func clientName(ctx context.Context) string {
	if cs := server.ClientSessionFromContext(ctx); cs != nil {
		if ci, ok := cs.(server.SessionWithClientInfo); ok {
			return ci.GetClientInfo().Name
		}
	}
	return ""
}

// checkPromptArguments makes prompts/get without a required argument an invalid-params
// error (-32602), as MCP asks. mcp-go v1.2.1 answers every error a prompt handler returns
// with -32603 (internal error) and offers no way to choose the code, but it answers a
// prompt name it does not know with -32602; so a request that lacks an argument is
// pointed, before mcp-go looks the name up, at a name that says what is missing. The
// client reads: prompt 'feature_cycle: missing required argument "request"' not found.
func checkPromptArguments(_ context.Context, _ any, req *mcp.GetPromptRequest) {
	w, ok := prompts.LookupWorkflow(req.Params.Name)
	if !ok {
		return // mcp-go's own answer: -32602, prompt not found
	}
	missing := w.Missing(req.Params.Arguments)
	if len(missing) == 0 {
		return
	}
	quoted := make([]string, len(missing))
	for i, name := range missing {
		quoted[i] = fmt.Sprintf("%q", name)
	}
	word := "argument"
	if len(missing) > 1 {
		word = "arguments"
	}
	req.Params.Name = fmt.Sprintf("%s: missing required %s %s", w.Name, word, strings.Join(quoted, ", "))
}
