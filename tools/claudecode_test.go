package tools_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/fakeanthropic"
	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/prompts"
)

// claudeTyped is what the person types after each slash command.
const claudeTyped = "Add rate limiting to the API gateway, 100 requests per minute per key"

var commandArgsRe = regexp.MustCompile(`(?s)<command-args>(.*?)</command-args>`)
var commandNameRe = regexp.MustCompile(`<command-name>/?([^<]*)</command-name>`)

// slashTurn finds the user message Claude Code made of a slash command: the command's
// name, the text typed after it, and the whole message (the prompt's text follows the
// command tags).
func slashTurn(r fakeanthropic.Request) (name, args, text string) {
	for _, m := range r.Messages {
		if m.Role != "user" {
			continue
		}
		if n := commandNameRe.FindStringSubmatch(m.Text); n != nil {
			a := commandArgsRe.FindStringSubmatch(m.Text)
			if a == nil {
				return n[1], "", m.Text
			}
			return n[1], a[1], m.Text
		}
	}
	return "", "", ""
}

// toolNameOf finds the name of the tool call a tool_result answers.
func toolNameOf(r fakeanthropic.Request, id string) string {
	for _, m := range r.Messages {
		for _, tu := range m.ToolUses {
			if tu.ID == id {
				return tu.Name
			}
		}
	}
	return ""
}

// claudeModel is the fake model's behaviour: on a slash command's turn it does what the
// prompt says first (decide_resume with the whole request the person typed), then, for
// the feature cycle, makes the call the decision names (start_session, run by the real
// codex), then answers. Claude Code's other requests (titles and the like) get "ok".
func claudeModel(r fakeanthropic.Request) fakeanthropic.Reply {
	name, args, _ := slashTurn(r)
	if name == "" {
		return fakeanthropic.Reply{Text: "ok"}
	}
	last := r.Last()
	if len(last.ToolResults) == 0 {
		input, _ := json.Marshal(map[string]string{"task": args})
		return fakeanthropic.Reply{Text: "Deciding where this goes.", ToolUses: []fakeanthropic.ToolUse{{Name: "mcp__codex__decide_resume", Input: input}}}
	}
	res := last.ToolResults[0]
	switch toolNameOf(r, res.ToolUseID) {
	case "mcp__codex__decide_resume":
		// Claude Code hands the model a tool's structuredContent when it has one.
		var d decision
		if err := json.Unmarshal([]byte(res.Text), &d); err != nil || d.SuggestedCall.Tool == "" {
			return fakeanthropic.Reply{Text: "decide_resume said: " + res.Text}
		}
		if strings.HasSuffix(name, "feature_cycle") {
			// As the prompt says: make the suggested call exactly as given.
			return fakeanthropic.Reply{ToolUses: []fakeanthropic.ToolUse{{Name: "mcp__codex__" + d.SuggestedCall.Tool, Input: d.SuggestedCall.Arguments}}}
		}
		return fakeanthropic.Reply{Text: "decision: " + d.Decision + ", next: " + d.SuggestedCall.Tool}
	case "mcp__codex__start_session":
		var o struct {
			Status       string `json:"status"`
			FinalMessage string `json:"final_message"`
		}
		_ = json.Unmarshal([]byte(res.Text), &o)
		return fakeanthropic.Reply{Text: "implemented: " + o.Status + ", Codex said " + o.FinalMessage}
	}
	return fakeanthropic.Reply{Text: "unexpected tool result: " + res.Text}
}

// decision is the part of decide_resume's result the fake model reads.
type decision struct {
	Decision      string `json:"decision"`
	SuggestedCall struct {
		Tool      string          `json:"tool"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"suggested_call"`
}

// buildCodexMCP compiles the server into a temp dir.
func buildCodexMCP(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "codex-mcp")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/codex-mcp").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// claudeResult is the part of `claude -p --output-format json` the test reads.
type claudeResult struct {
	Type              string `json:"type"`
	Subtype           string `json:"subtype"`
	IsError           bool   `json:"is_error"`
	Result            string `json:"result"`
	NumTurns          int    `json:"num_turns"`
	PermissionDenials []any  `json:"permission_denials"`
}

// TestClaudeCodePrompts runs every prompt as a slash command in the real Claude Code
// (pinned in the Makefile), offline: Claude Code talks to the fake Messages API and
// starts codex-mcp over stdio, whose codex is the real CLI against the fake Responses
// API. It checks what the model received: the whole request as typed, the prompt's text
// with nothing in it that takes a split word for the request or a setting, the tools the
// prompt names offered as MCP tools; and that the model's first call, decide_resume with
// the whole request, and for the feature cycle the start_session it suggests, ran.
//
// Claude Code runs a slash command non-interactively in print mode: `claude -p
// "/mcp__codex__feature_cycle Add rate limiting ..."` gets the prompt from the server,
// puts the command's name and the typed text (<command-args>) and the prompt's text in
// one user message, and sends it to the model.
func TestClaudeCodePrompts(t *testing.T) {
	claude := testenv.ClaudeBin(t)
	codexBin := testenv.CodexBin(t)
	model := testenv.Model(t)
	codexHome := testenv.CodexHome(t, model.URL())
	fa, err := fakeanthropic.Start(claudeModel)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fa.Close() })
	server := buildCodexMCP(t)

	work := t.TempDir()
	cfg := map[string]any{"mcpServers": map[string]any{"codex": map[string]any{
		"type": "stdio", "command": server, "args": []string{},
		"env": map[string]string{
			"CODEX_MCP_STATE_DIR": t.TempDir(), "CODEX_MCP_DEFAULT_DIR": work,
			"CODEX_MCP_CODEX_BIN": codexBin, "CODEX_HOME": codexHome,
		},
	}}}
	data, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(t.TempDir(), "mcp.json")
	if err := os.WriteFile(cfgFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// MCP_TIMEOUT: how long Claude Code waits for the server to start (generous: the
	// machine may be loaded).
	env := testenv.ClaudeEnv(t, fa.URL(), "MCP_TIMEOUT=60000")
	tools := "mcp__codex__decide_resume mcp__codex__start_session mcp__codex__resume_session mcp__codex__get_session mcp__codex__list_sessions"

	for _, w := range prompts.Workflows() {
		t.Run(w.Name, func(t *testing.T) {
			before := len(fa.Requests())
			ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, claude, "-p", "/mcp__codex__"+w.Name+" "+claudeTyped,
				"--mcp-config", cfgFile, "--strict-mcp-config", "--allowedTools", tools, "--output-format", "json")
			cmd.Dir = work
			cmd.Env = env
			cmd.WaitDelay = 10 * time.Second
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("claude: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
			}
			var res claudeResult
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("claude output %s: %v", out, err)
			}
			if res.IsError || res.Subtype != "success" || len(res.PermissionDenials) > 0 {
				t.Fatalf("claude result: %s", out)
			}

			// What the model received for the slash command.
			var first *fakeanthropic.Request
			var all []fakeanthropic.Request
			for _, r := range fa.Requests()[before:] {
				if name, _, _ := slashTurn(r); name == "mcp__codex__"+w.Name {
					all = append(all, r)
					if first == nil {
						first = &r
					}
				}
			}
			if first == nil {
				t.Fatalf("no request carried the slash command; Claude Code said: %s", out)
			}
			_, args, text := slashTurn(*first)
			if args != claudeTyped {
				t.Errorf("the typed request did not reach the model whole: <command-args>%s</command-args>", args)
			}
			_, promptText, _ := strings.Cut(text, "</command-args>")
			if !strings.Contains(promptText, "<command-args>") {
				t.Errorf("the prompt text does not point the model at what was typed:\n%s", promptText)
			}
			for _, bad := range []string{`"task":"Add"`, "TASK: Add\n", "PURPOSE: rate", `"directory":"rate"`, "Directory: rate", "request: Add\n"} {
				if strings.Contains(promptText, bad) {
					t.Errorf("the prompt text takes a split word for a value (%q):\n%s", bad, promptText)
				}
			}
			for _, tool := range []string{"decide_resume", "suggested_call", "start_session", "resume_session", "get_session"} {
				if !strings.Contains(promptText, tool) {
					t.Errorf("the prompt text does not name %s", tool)
				}
				if tool != "suggested_call" && !first.HasTool("mcp__codex__"+tool) {
					t.Errorf("the model was not offered mcp__codex__%s: %v", tool, first.Tools)
				}
			}
			defer func() {
				if t.Failed() {
					t.Logf("the model received:\n%s", strings.TrimSpace(text[max(0, strings.Index(text, "<command-message>")):]))
				}
			}()

			// The model's calls went through Claude Code to codex-mcp and back.
			var decided, started string
			for _, r := range all {
				for _, tr := range r.Last().ToolResults {
					switch toolNameOf(r, tr.ToolUseID) {
					case "mcp__codex__decide_resume":
						decided = tr.Text
					case "mcp__codex__start_session":
						started = tr.Text
					}
				}
			}
			var d decision
			if err := json.Unmarshal([]byte(decided), &d); err != nil || d.Decision != "new" || d.SuggestedCall.Tool != "start_session" {
				t.Errorf("decide_resume's result as the model saw it: %q", decided)
			}
			var call struct {
				Task string `json:"task"`
			}
			if err := json.Unmarshal(d.SuggestedCall.Arguments, &call); err != nil || call.Task != claudeTyped {
				t.Errorf("the suggested call does not carry the whole request: %s", d.SuggestedCall.Arguments)
			}
			if w.Name == "feature_cycle" {
				var o struct {
					Status    string `json:"status"`
					SessionID string `json:"session_id"`
				}
				if err := json.Unmarshal([]byte(started), &o); err != nil || o.Status != "completed" || o.SessionID == "" {
					t.Errorf("start_session's result as the model saw it: %q", started)
				}
				if res.Result != "implemented: completed, Codex said done" {
					t.Errorf("claude's answer: %q", res.Result)
				}
				ran := false
				for _, r := range model.Requests() {
					ran = ran || strings.Contains(r.UserText, "TASK: "+claudeTyped)
				}
				if !ran {
					t.Errorf("codex never got the whole request as its TASK")
				}
			} else if res.Result != "decision: new, next: start_session" {
				t.Errorf("claude's answer: %q", res.Result)
			}
		})
	}

	// A slash command without its required argument is refused by Claude Code itself,
	// with the usage line built from the prompt's arguments.
	cmd := exec.Command(claude, "-p", "/mcp__codex__feature_cycle", "--mcp-config", cfgFile, "--strict-mcp-config", "--output-format", "json")
	cmd.Dir, cmd.Env, cmd.WaitDelay = work, env, 10*time.Second
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("claude without arguments: %v\n%s", err, out)
	}
	var res claudeResult
	_ = json.Unmarshal(out, &res)
	if !strings.Contains(res.Result, "Missing required argument: request") || !strings.Contains(res.Result, "/mcp__codex__feature_cycle request directory context") {
		t.Errorf("claude without arguments: %s", out)
	}
	if u := fa.Unserved(); len(u) > 0 {
		t.Logf("requests the fake did not serve (answered 404): %v", u)
	}
}
