package tools_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/codex-mcp/codex-mcp/prompts"
)

// promptCase is one way a client asks for a prompt: the arguments it sends and the name
// it gives at initialize.
type promptCase struct {
	name   string // golden file suffix
	client string // clientInfo name
	args   map[string]string
}

// splitWords is what Claude Code sends for `/mcp__codex__<prompt> <typed>`: one word per
// argument, in the prompt's order, the words past the last argument dropped.
func splitWords(w prompts.Workflow, typed string) map[string]string {
	words := strings.Fields(typed)
	args := map[string]string{}
	for i, a := range w.Args {
		if i < len(words) {
			args[a.Name] = words[i]
		}
	}
	return args
}

const typedRequest = "Add rate limiting to the API gateway, 100 requests per minute per key"

func promptCases(w prompts.Workflow) []promptCase {
	form := map[string]string{"request": typedRequest, "directory": "/work/project", "context": "@{src/gateway/**/*}"}
	if w.Name == "delegate_to_codex" {
		form = map[string]string{"request": typedRequest, "purpose": "Protect the API from abuse", "mode": "write",
			"context": "@{src/gateway/**/*} Previous middleware work", "expected": "Middleware with tests",
			"rules_template": "security", "directory": "/work/project"}
	}
	return []promptCase{
		// A client with an argument form (VS Code, Claude Desktop, Cursor).
		{"form", "vscode", form},
		// Claude Code, measured: one word per argument, the whole text in <command-args>.
		{"claude-code", "claude-code", splitWords(w, typedRequest)},
		// Another client that splits as Claude Code does.
		{"split-elsewhere", "some-cli", splitWords(w, typedRequest)},
	}
}

// connectAs starts an in-process client that introduces itself as name and asks for
// protocol version (mcp.LATEST_PROTOCOL_VERSION when "").
func connectAs(t *testing.T, s *server.MCPServer, name, version string) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = version
	if version == "" {
		init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	}
	init.Params.ClientInfo = mcp.Implementation{Name: name, Version: "1"}
	if _, err := c.Initialize(t.Context(), init); err != nil {
		t.Fatal(err)
	}
	return c
}

// golden compares got with testdata/promptsnaps/file, or writes it with UPDATE_TOOLSNAPS=1
// (the same switch as the tool snapshots: one command regenerates the contract).
func golden(t *testing.T, file string, got []byte, seen map[string]bool) {
	t.Helper()
	seen[file] = true
	path := filepath.Join("testdata", "promptsnaps", file)
	if os.Getenv("UPDATE_TOOLSNAPS") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s has no golden file (run with UPDATE_TOOLSNAPS=1): %v", file, err)
	}
	if string(want) != string(got) {
		t.Errorf("%s changed; review and regenerate with UPDATE_TOOLSNAPS=1:\n%s", file, got)
	}
}

// TestPromptSnapshots lists every prompt through a real MCP client, gets each one as a
// form client, as Claude Code and as another word-splitting client would, and keeps the
// definitions and the rendered texts in testdata/promptsnaps (golden files).
func TestPromptSnapshots(t *testing.T) {
	s := bareServer(t)
	list, err := connect(t, s).ListPrompts(t.Context(), mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Prompts {
		names = append(names, p.Name)
	}
	want := []string{"bugfix_cycle", "delegate_to_codex", "feature_cycle", "multi_phase", "refactor_cycle"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("prompts %v, want %v", names, want)
	}
	clients := map[string]*client.Client{}
	seen := map[string]bool{}
	for _, p := range list.Prompts {
		if len(p.Arguments) == 0 || p.Arguments[0].Name != "request" || !p.Arguments[0].Required {
			t.Errorf("%s: the first argument must be the required free-text request: %+v", p.Name, p.Arguments)
		}
		def, _ := json.MarshalIndent(p, "", "  ")
		golden(t, p.Name+".json", append(def, '\n'), seen)
		w, ok := prompts.LookupWorkflow(p.Name)
		if !ok {
			t.Fatalf("%s is not a prompts.Workflow", p.Name)
		}
		for _, pc := range promptCases(w) {
			c := clients[pc.client]
			if c == nil {
				c = connectAs(t, s, pc.client, "")
				clients[pc.client] = c
			}
			req := mcp.GetPromptRequest{}
			req.Params.Name = p.Name
			req.Params.Arguments = pc.args
			res, err := c.GetPrompt(t.Context(), req)
			if err != nil {
				t.Fatalf("%s as %s: %v", p.Name, pc.name, err)
			}
			if len(res.Messages) != 1 || res.Messages[0].Role != mcp.RoleUser {
				t.Fatalf("%s as %s: messages %+v", p.Name, pc.name, res.Messages)
			}
			text := res.Messages[0].Content.(mcp.TextContent).Text
			checkPromptText(t, p.Name+" as "+pc.name, text, pc)
			golden(t, p.Name+"."+pc.name+".md", []byte(text), seen)
		}
	}
	entries, _ := os.ReadDir(filepath.Join("testdata", "promptsnaps"))
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("golden file %s has no prompt or case any more; delete it", e.Name())
		}
	}
}

// checkPromptText: the tools the workflow needs are named; a form's request is there
// whole; a split request is never presented as the task, nor its words as settings.
func checkPromptText(t *testing.T, what, text string, pc promptCase) {
	t.Helper()
	for _, tool := range []string{"decide_resume", "suggested_call", "start_session", "resume_session", "get_session"} {
		if !strings.Contains(text, tool) {
			t.Errorf("%s: does not name %s:\n%s", what, tool, text)
		}
	}
	switch pc.name {
	case "form":
		if !strings.Contains(text, typedRequest) {
			t.Errorf("%s: the request is not there whole:\n%s", what, text)
		}
		if !strings.Contains(text, pc.args["directory"]) {
			t.Errorf("%s: the directory argument is not used:\n%s", what, text)
		}
	case "claude-code":
		if !strings.Contains(text, "<command-args>") {
			t.Errorf("%s: does not point at what the user typed:\n%s", what, text)
		}
		for _, v := range pc.args {
			// The words Claude Code passed appear nowhere as values.
			for _, bad := range []string{": " + v + "\n", `"` + v + `"`, "Directory: " + v, "TASK: " + v} {
				if strings.Contains(text, bad) {
					t.Errorf("%s: presents the split word %q as a value (%q):\n%s", what, v, bad, text)
				}
			}
		}
	case "split-elsewhere":
		joined := strings.Join(strings.Fields(typedRequest)[:len(pc.args)], " ")
		if !strings.Contains(text, joined) {
			t.Errorf("%s: the words are not joined back into %q:\n%s", what, joined, text)
		}
		if strings.Contains(text, `"task":"Add"`) || strings.Contains(text, "TASK: Add\n") {
			t.Errorf("%s: takes the first word for the task:\n%s", what, text)
		}
	}
}

// TestPromptGetErrors: a missing required argument and an unknown prompt are invalid
// params (-32602), over the protocol as mcp-go's client sees it and on the wire.
func TestPromptGetErrors(t *testing.T) {
	s := bareServer(t)
	c := connect(t, s)
	for _, name := range []string{"feature_cycle", "delegate_to_codex", "no_such_prompt"} {
		for _, args := range []map[string]string{nil, {"directory": "/tmp"}, {"request": "  "}} {
			if name == "no_such_prompt" {
				args = map[string]string{"request": "x"}
			}
			req := mcp.GetPromptRequest{}
			req.Params.Name = name
			req.Params.Arguments = args
			_, err := c.GetPrompt(t.Context(), req)
			if !errors.Is(err, mcp.ErrInvalidParams) {
				t.Errorf("%s %v: %v, want invalid params", name, args, err)
			}
			if name != "no_such_prompt" && (err == nil || !strings.Contains(err.Error(), `missing required argument "request"`)) {
				t.Errorf("%s %v: the error does not say what is missing: %v", name, args, err)
			}
		}
	}
	// On the wire.
	for _, msg := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"bugfix_cycle","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{"name":"bugfix_cycle"}}`,
		`{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"nope"}}`,
	} {
		resp := s.HandleMessage(t.Context(), json.RawMessage(msg))
		e, ok := resp.(mcp.JSONRPCError)
		if !ok || e.Error.Code != mcp.INVALID_PARAMS {
			data, _ := json.Marshal(resp)
			t.Errorf("%s: %s, want code -32602", msg, data)
		}
	}
	// The legacy argument name still works.
	req := mcp.GetPromptRequest{}
	req.Params.Name = "delegate_to_codex"
	req.Params.Arguments = map[string]string{"task": "Add profile validation"}
	if _, err := c.GetPrompt(t.Context(), req); err != nil {
		t.Errorf("delegate_to_codex with task: %v", err)
	}
}
