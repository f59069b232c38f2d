package tools_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
)

// TestIntegrationPromptsAndResources: with sessions the real codex ran, a real MCP client
// lists and gets every prompt, lists the resources (the rules templates, built-in and the
// user's, and the recent sessions named by their task) and reads every one it was shown.
func TestIntegrationPromptsAndResources(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	userDir := filepath.Join(h.stateDir, "templates", "team")
	if err := os.MkdirAll(userDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(userDir, "api.md"), []byte("Version every endpoint. Keep responses small.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	auth := h.outcome("start_session", map[string]any{"task": "Implement user profile\nREPLY: profile done", "rules_template": "team/api"})
	pay := h.outcome("start_session", map[string]any{"task": "Create payment webhook handler\nREPLY: webhook done"})
	if auth.Status != session.StatusCompleted || pay.Status != session.StatusCompleted {
		t.Fatalf("runs: %+v %+v", auth, pay)
	}

	pl, err := h.client.ListPrompts(t.Context(), mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Prompts) != 5 {
		t.Fatalf("%d prompts", len(pl.Prompts))
	}
	for _, p := range pl.Prompts {
		req := mcp.GetPromptRequest{}
		req.Params.Name = p.Name
		req.Params.Arguments = map[string]string{"request": "Add profile validation", "directory": h.dir}
		res, err := h.client.GetPrompt(t.Context(), req)
		if err != nil {
			t.Fatalf("get %s: %v", p.Name, err)
		}
		if text := res.Messages[0].Content.(mcp.TextContent).Text; !strings.Contains(text, "Add profile validation") || !strings.Contains(text, "decide_resume") {
			t.Fatalf("%s: %s", p.Name, text)
		}
	}

	list := listResources(t, h.client)
	byURI := map[string]mcp.Resource{}
	var order []string
	for _, r := range list {
		byURI[r.URI] = r
		order = append(order, r.URI)
	}
	for _, uri := range []string{"codex://rules/feature", "codex://rules/security", "codex://rules/team/api",
		"codex://sessions/" + auth.SessionID, "codex://sessions/" + pay.SessionID} {
		if _, ok := byURI[uri]; !ok {
			t.Errorf("%s not listed: %v", uri, order)
		}
	}
	if r := byURI["codex://sessions/"+pay.SessionID]; r.Name != "Create payment webhook handler" {
		t.Errorf("payment session listed as %+v", r)
	}
	// Newest first: the payment session was started last.
	if i, j := indexOf(order, "codex://sessions/"+pay.SessionID), indexOf(order, "codex://sessions/"+auth.SessionID); i > j {
		t.Errorf("sessions not newest first: %v", order)
	}
	texts := readAll(t, h.client, list)
	if got := texts["codex://sessions/"+auth.SessionID]; !strings.Contains(got, auth.SessionID) || !strings.Contains(got, "profile done") {
		t.Errorf("session transcript: %s", got)
	}
	if got := texts["codex://rules/team/api"]; got != "Version every endpoint. Keep responses small." {
		t.Errorf("user template: %q", got)
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
