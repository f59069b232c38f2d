package tools_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/session"
)

func TestIntegrationStartThenResumeSameSession(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	first := h.outcome("start_session", map[string]any{
		"task":           "Create JWT-based authentication system\nADD: src/auth/jwt.go=package auth\nRUN: ls src/auth\nREPLY: auth module created",
		"purpose":        "Implement user authentication",
		"mode":           "auto",
		"rules_template": "security",
		"rules":          "Use the standard library only",
	})
	if first.Status != session.StatusCompleted || first.SessionID == "" || first.FinalMessage != "auth module created" {
		t.Fatalf("start: %+v", first)
	}
	if first.Sandbox != "workspace-write" || first.Directory != h.dir || first.CodexVersion == "" || len(first.Command) == 0 {
		t.Fatalf("start metadata: %+v", first)
	}
	if len(first.Commands) != 1 || first.Commands[0].ExitCode == nil || *first.Commands[0].ExitCode != 0 {
		t.Fatalf("commands: %+v", first.Commands)
	}
	if len(first.FilesChanged) != 1 || first.FilesChanged[0].Path != "src/auth/jwt.go" || first.FilesChanged[0].Kind != "add" {
		t.Fatalf("files changed: %+v", first.FilesChanged)
	}
	if !anyHasPrefix(h.progressSeen(), "ran `ls src/auth`") || !anyHasPrefix(h.progressSeen(), "created src/auth/jwt.go") {
		t.Fatalf("progress: %q", h.progressSeen())
	}
	// The prompt is the seed's layout.
	if got := h.model.Requests()[0].UserText; !strings.HasPrefix(got, "PURPOSE: Implement user authentication\nTASK: Create JWT-based") || !strings.Contains(got, "\nMODE: auto\n") ||
		!strings.Contains(got, "\nRULES: Follow security best practices") || !strings.HasSuffix(strings.TrimSpace(got), "| Use the standard library only") {
		t.Fatalf("prompt: %q", got)
	}

	second := h.outcome("resume_session", map[string]any{
		"session_id": first.SessionID,
		"task":       "Add JWT token validation and refresh logic\nREPLY: validation added",
		"context":    "Previous auth implementation from current session, @{src/auth/**/*}",
	})
	if second.Status != session.StatusCompleted || second.SessionID != first.SessionID || second.FinalMessage != "validation added" {
		t.Fatalf("resume: %+v", second)
	}
	if second.Sandbox != first.Sandbox {
		t.Fatalf("resume changed the sandbox: %s -> %s", first.Sandbox, second.Sandbox)
	}
	if len(second.Patterns) != 1 || len(second.Patterns[0].Files) != 1 || second.Patterns[0].Files[0] != "src/auth/jwt.go" {
		t.Fatalf("context patterns: %+v", second.Patterns)
	}
	// The rollout holds both turns.
	matches, _ := filepath.Glob(filepath.Join(h.codexHome, "sessions", "*", "*", "*", "rollout-*-"+first.SessionID+".jsonl"))
	if len(matches) != 1 {
		t.Fatalf("rollout files: %v", matches)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Create JWT-based authentication system", "Add JWT token validation", "@{src/auth/**/*} → src/auth/jwt.go"} {
		if !strings.Contains(string(data), want) {
			t.Fatalf("rollout lacks %q", want)
		}
	}
}

func anyHasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestIntegrationAnalysisModeIsReadOnly(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ro := h.outcome("start_session", map[string]any{"task": "look only\nRUN: echo x > analysis.txt\nREPLY: looked", "mode": "analysis"})
	if ro.Sandbox != "read-only" || ro.Status != session.StatusCompleted {
		t.Fatalf("analysis: %+v", ro)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "analysis.txt")); !os.IsNotExist(err) {
		t.Fatalf("analysis mode wrote a file (stat: %v)", err)
	}
	rw := h.outcome("start_session", map[string]any{"task": "write\nRUN: echo x > write.txt\nREPLY: wrote", "mode": "write"})
	if rw.Sandbox != "workspace-write" || rw.Status != session.StatusCompleted {
		t.Fatalf("write: %+v", rw)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "write.txt")); err != nil {
		t.Fatalf("write mode did not write: %v", err)
	}
	// Resuming the read-only session keeps it read-only, and cannot raise it.
	again := h.outcome("resume_session", map[string]any{"session_id": ro.SessionID, "task": "now write\nRUN: echo y > later.txt\nREPLY: no"})
	if again.Sandbox != "read-only" {
		t.Fatalf("resume sandbox %q", again.Sandbox)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "later.txt")); !os.IsNotExist(err) {
		t.Fatal("resumed read-only session wrote a file")
	}
	res := h.call(t.Context(), "resume_session", map[string]any{"session_id": ro.SessionID, "task": "x", "sandbox": "workspace-write"})
	if !res.IsError || !strings.Contains(text(res), "sandbox") {
		t.Fatalf("raising the sandbox on resume: %s", text(res))
	}
}

func TestIntegrationInvalidInputRunsNothing(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	file := filepath.Join(h.dir, "plain.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, tool string
		args       map[string]any
		field      string
		hint       string
	}{
		{"empty task", "start_session", map[string]any{"task": "   "}, "task", "description"},
		{"missing directory", "start_session", map[string]any{"task": "x", "directory": "/no/such/dir"}, "directory", "does not exist"},
		{"file as directory", "start_session", map[string]any{"task": "x", "directory": file}, "directory", "not a directory"},
		{"sandbox above cap", "start_session", map[string]any{"task": "x", "sandbox": "danger-full-access"}, "sandbox", "--max-sandbox"},
		{"analysis with write sandbox", "start_session", map[string]any{"task": "x", "mode": "analysis", "sandbox": "workspace-write"}, "sandbox", "read-only"},
		{"flag as model", "start_session", map[string]any{"task": "x", "model": "--dangerously-bypass-approvals-and-sandbox"}, "model", "not a valid name"},
		{"unknown template", "start_session", map[string]any{"task": "x", "rules_template": "nope"}, "rules_template", "feature"},
		{"pattern outside dir", "start_session", map[string]any{"task": "x", "context": "@{../../etc/*}"}, "context", "outside"},
		{"prompt too long", "start_session", map[string]any{"task": strings.Repeat("x", session.MaxPromptChars+1)}, "task", "1048576"},
		{"flag as session id", "resume_session", map[string]any{"task": "x", "session_id": "--dangerously-bypass-approvals-and-sandbox"}, "session_id", "UUID"},
		{"unknown session", "resume_session", map[string]any{"task": "x", "session_id": "0199a213-81c0-7800-8aa1-bbab2a035a53"}, "session_id", "list_sessions"},
		{"resume without id and no memory", "resume_session", map[string]any{"task": "x"}, "session_id", "start_session"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := h.call(t.Context(), c.tool, c.args)
			msg := text(res)
			if !res.IsError || !strings.HasPrefix(msg, c.field+":") || !strings.Contains(msg, c.hint) {
				t.Fatalf("want an isError naming %q with %q, got error=%v: %s", c.field, c.hint, res.IsError, msg)
			}
		})
	}
	if n := h.modelRequests(); n != 0 {
		t.Fatalf("bad input reached the model %d times", n)
	}
	// Schema validation catches what the schema forbids, as a tool error too.
	res := h.call(t.Context(), "start_session", map[string]any{"task": "x", "mode": "yolo"})
	if !res.IsError || !strings.Contains(text(res), "mode") {
		t.Fatalf("bad enum: %s", text(res))
	}
}

func TestIntegrationMissingCodexBinary(t *testing.T) {
	h := newHarness(t, harnessOpts{codexBin: filepath.Join(t.TempDir(), "no-codex-here")})
	res := h.call(t.Context(), "start_session", map[string]any{"task": "x"})
	if !res.IsError || !strings.Contains(text(res), "npm install -g @openai/codex") || !strings.Contains(text(res), "CODEX_MCP_CODEX_BIN") {
		t.Fatalf("missing codex: %s", text(res))
	}
}

func TestIntegrationModelDownFailsWithinTimeout(t *testing.T) {
	h := newHarness(t, harnessOpts{modelURL: "http://127.0.0.1:9/v1", idleTimeout: 5 * time.Second})
	start := time.Now()
	out := h.outcome("start_session", map[string]any{"task": "anything", "timeout_seconds": 20})
	if out.Status != session.StatusFailed && out.Status != session.StatusTimedOut {
		t.Fatalf("status %q", out.Status)
	}
	if out.Error == "" || time.Since(start) > 25*time.Second {
		t.Fatalf("error %q after %s", out.Error, time.Since(start))
	}
}

func TestIntegrationClientCancellationKillsCodex(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	marker := testenv.Marker()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := map[string]any{"task": "cancel me\nRUN: sleep " + marker + "\nREPLY: never"}
		// The client sends notifications/cancelled when ctx ends.
		_, _ = callNoFatal(h, ctx, "start_session", req)
	}()
	pid := testenv.WaitForProcess(t, testenv.Argv("sleep", marker), "sleep "+marker)
	cancel()
	cancelled := time.Now()
	if !testenv.GoneWithin(pid, time.Second) {
		t.Fatalf("codex's command still running %s after cancellation", time.Since(cancelled))
	}
	<-done
	// Nor is codex, or its watcher (whose argv holds codex's).
	testenv.NoneLeft(t, 5*time.Second, testenv.Contains("exec", "--json"), "codex")
}

func callNoFatal(h *harness, ctx context.Context, name string, args map[string]any) (bool, error) {
	req := mcpCall(name, args)
	res, err := h.client.CallTool(ctx, req)
	if err != nil {
		return false, err
	}
	return res.IsError, nil
}

func TestIntegrationMegabytePromptThroughTool(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ctxText := strings.Repeat("background detail for the task\n", 1_000_000/31)
	out := h.outcome("start_session", map[string]any{"task": "use the context\nREPLY: big ok", "context": ctxText, "mode": "analysis"})
	if out.Status != session.StatusCompleted || out.FinalMessage != "big ok" {
		t.Fatalf("%+v", out)
	}
	if got := len(h.model.Requests()[0].UserText); got < 1_000_000-100 {
		t.Fatalf("model saw %d bytes", got)
	}
}

func TestIntegrationWaitSecondsReturnsRunning(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	out := h.outcome("start_session", map[string]any{"task": "slow\nSLEEP: 3000\nREPLY: slow done", "wait_seconds": 1, "mode": "analysis"})
	if out.Status != session.StatusRunning || out.RunID == "" {
		t.Fatalf("%+v", out)
	}
}

// TestIntegrationForkSession: the branch gets the original's history under a new id, and
// the original goes on unchanged. A codex without `exec fork` gets a clear tool error.
func TestIntegrationForkSession(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	main := h.outcome("start_session", map[string]any{"task": "Main feature\nREPLY: main done"})
	caps, err := codexCaps(t)
	if err != nil {
		t.Fatal(err)
	}
	res := h.call(t.Context(), "fork_session", map[string]any{"session_id": main.SessionID, "task": "Try approach Y\nREPLY: branch done"})
	if !caps.HasFork {
		if !res.IsError || !strings.Contains(text(res), "start_session with draw_from") {
			t.Fatalf("fork on codex %s: %s", caps.Version, text(res))
		}
		return
	}
	if res.IsError {
		t.Fatal(text(res))
	}
	var branch session.Outcome
	decode(t, res, &branch)
	if branch.Status != session.StatusCompleted || branch.SessionID == "" || branch.SessionID == main.SessionID || branch.FinalMessage != "branch done" {
		t.Fatalf("branch: %+v", branch)
	}
	last := h.model.Requests()[len(h.model.Requests())-1]
	if len(last.UserTexts) != 2 || !strings.Contains(last.UserTexts[0], "Main feature") {
		t.Fatalf("the branch did not carry the original's history: %q", last.UserTexts)
	}
	var d session.SessionDetail
	decode(t, h.call(t.Context(), "get_session", map[string]any{"session_id": branch.SessionID}), &d)
	if len(d.Parents) != 1 || d.Parents[0] != main.SessionID || d.Runs[0].Kind != "fork" {
		t.Fatalf("branch record: %+v", d)
	}
	again := h.outcome("resume_session", map[string]any{"session_id": main.SessionID, "task": "Add feature X\nREPLY: x"})
	if again.SessionID != main.SessionID {
		t.Fatal("original session lost")
	}
}
