package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/codex-mcp/codex-mcp/prompts"
)

// addPrompts publishes the workflow as an MCP prompt, for clients that offer prompts to
// the person (a slash command in Claude Code, for instance): "delegate this to Codex".
func (h *handlers) addPrompts(s *server.MCPServer) {
	p := mcp.NewPrompt("delegate_to_codex",
		mcp.WithPromptDescription("Delegate a task to the Codex CLI the way the workflow does it: decide whether it continues an earlier Codex session, then run it there or in a new one, and report what Codex changed."),
		mcp.WithArgument("task", mcp.RequiredArgument(), mcp.ArgumentDescription("What Codex should do.")),
		mcp.WithArgument("purpose", mcp.ArgumentDescription("Why.")),
		mcp.WithArgument("mode", mcp.ArgumentDescription("analysis (read-only), write or auto.")),
		mcp.WithArgument("context", mcp.ArgumentDescription("What to draw on; @{glob} file patterns welcome.")),
		mcp.WithArgument("expected", mcp.ArgumentDescription("What the result should be.")),
		mcp.WithArgument("rules_template", mcp.ArgumentDescription("A rules template: feature, bugfix, refactor, test, docs, analysis, security.")),
		mcp.WithArgument("directory", mcp.ArgumentDescription("Where Codex works.")),
	)
	s.AddPrompt(p, func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		a := req.Params.Arguments
		if strings.TrimSpace(a["task"]) == "" {
			return nil, fmt.Errorf("argument task is required")
		}
		// decide_resume takes start_session's arguments and carries them into the call
		// it suggests, so every one the person gave goes to it.
		call := map[string]any{}
		for _, k := range []string{"task", "purpose", "mode", "context", "expected", "rules_template", "directory"} {
			if v := strings.TrimSpace(a[k]); v != "" {
				call[k] = v
			}
		}
		args, _ := json.Marshal(call)
		preview := prompts.Render(prompts.Fields{Purpose: a["purpose"], Task: a["task"], Mode: a["mode"], Context: a["context"], Expected: a["expected"]})
		text := "Delegate this task to Codex with the codex-mcp tools.\n\n" +
			"1. Call decide_resume with " + string(args) + ".\n" +
			"2. Make the call it returns in suggested_call, as it is. If the run comes back with status running, follow it with get_session and wait_seconds.\n" +
			"3. Report Codex's final message, the files it changed and any command that failed; if the run failed, say why and what to do next.\n\n" +
			"The task as Codex will read it:\n\n" + preview
		return mcp.NewGetPromptResult("Delegate to Codex", []mcp.PromptMessage{
			mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text)),
		}), nil
	})
}
