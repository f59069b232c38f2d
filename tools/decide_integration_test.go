package tools_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codex-mcp/codex-mcp/session"
)

func (h *harness) decide(args map[string]any) session.DecisionResult {
	h.t.Helper()
	res := h.call(h.t.Context(), "decide_resume", args)
	if res.IsError {
		h.t.Fatalf("decide_resume: %s", text(res))
	}
	var d session.DecisionResult
	decode(h.t, res, &d)
	if len(d.Path) == 0 || d.SuggestedCall.Tool == "" {
		h.t.Fatalf("decision without path or call: %+v", d)
	}
	return d
}

// follow makes the suggested call, the way an assistant would.
func (h *harness) follow(d session.DecisionResult, script string) session.Outcome {
	h.t.Helper()
	args := map[string]any{}
	for k, v := range d.SuggestedCall.Arguments {
		args[k] = v
	}
	args["task"] = args["task"].(string) + "\n" + script
	return h.outcome(d.SuggestedCall.Tool, args)
}

// TestIntegrationDecideThenRun walks the seed's multi-task auth feature and its parallel
// sessions through the real tools: decide, run the suggested call, decide again.
func TestIntegrationDecideThenRun(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	auth := filepath.Join(h.dir, "src", "auth")
	pay := filepath.Join(h.dir, "src", "payment")
	for _, d := range []string{auth, pay} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// Task 1: first Codex task of the conversation -> new session.
	d1 := h.decide(map[string]any{"task": "Create JWT-based authentication system", "purpose": "Implement user authentication",
		"context": "@{src/auth/**/*} Database schema from session memory", "directory": auth})
	if d1.Decision.Decision != "new" || d1.SuggestedCall.Tool != "start_session" || !answered(d1, "first", "yes") {
		t.Fatalf("task 1: %s", pathOf(d1))
	}
	s1 := h.follow(d1, "RUN: echo package auth > jwt.go\nREPLY: auth module done")
	if s1.Status != session.StatusCompleted || s1.Directory != auth {
		t.Fatalf("task 1 run: %+v", s1)
	}

	// Task 2: extends the auth work -> resume that session.
	d2 := h.decide(map[string]any{"task": "Add JWT token validation and refresh logic", "purpose": "Enhance authentication security",
		"context": "Previous auth implementation from current session"})
	if d2.Decision.Decision != "resume" || d2.SessionID != s1.SessionID || d2.SuggestedCall.Arguments["session_id"] != s1.SessionID {
		t.Fatalf("task 2: %s", pathOf(d2))
	}
	s2 := h.follow(d2, "REPLY: validation added")
	if s2.SessionID != s1.SessionID || s2.Status != session.StatusCompleted {
		t.Fatalf("task 2 run: %+v", s2)
	}

	// A different module: payment -> new session.
	d3 := h.decide(map[string]any{"task": "Payment implementation", "directory": pay})
	if d3.Decision.Decision != "new" {
		t.Fatalf("payment: %s", pathOf(d3))
	}
	s3 := h.follow(d3, "REPLY: payments done")
	if s3.SessionID == s1.SessionID {
		t.Fatal("payment resumed auth")
	}

	// Task 3 for auth while payment ran last: resumes auth, not the latest session.
	d4 := h.decide(map[string]any{"task": "Generate comprehensive tests for auth module", "context": "Auth implementation from current session", "directory": auth})
	if d4.Decision.Decision != "resume" || d4.SessionID != s1.SessionID {
		t.Fatalf("auth tests after payment: %s", pathOf(d4))
	}

	// The caller's judgement overrides a node and the path says so.
	d5 := h.decide(map[string]any{"task": "Try approach Y for the auth tokens", "directory": auth, "relation": "alternative"})
	if d5.Decision.Decision != "new" || !overridden(d5) {
		t.Fatalf("alternative: %s", pathOf(d5))
	}

	// Session Merge: integrate both -> new session drawing on both.
	d6 := h.decide(map[string]any{"task": "Integrate auth and payment components", "context": "auth and payment from previous work", "directory": h.dir})
	if d6.Decision.Decision != "new" {
		t.Fatalf("merge: %s", pathOf(d6))
	}
	if len(d6.MergeFrom) < 2 {
		t.Fatalf("merge draws on %v: %s", d6.MergeFrom, pathOf(d6))
	}
	{
		s6 := h.follow(d6, "REPLY: integrated")
		prompt := h.model.Requests()[len(h.model.Requests())-1].UserText
		if s6.Status != session.StatusCompleted || !strings.Contains(prompt, "Earlier Codex sessions this task builds on") || !strings.Contains(prompt, s1.SessionID) {
			t.Fatalf("merge run: %+v\nprompt: %s", s6, prompt)
		}
	}

	// resume_session without an id resolves through the tree too.
	s7 := h.outcome("resume_session", map[string]any{"task": "Write docs for the auth module\nREPLY: documented", "directory": auth})
	if s7.SessionID != s1.SessionID || !strings.HasPrefix(s7.ResolvedBy, "decision tree") {
		t.Fatalf("resume without id: %s (%s)", s7.SessionID, s7.ResolvedBy)
	}
	// A new conversation starts fresh, unless it explicitly continues earlier work, which
	// memory then finds across conversations.
	fresh := h.decide(map[string]any{"task": "Add rate limiting to the gateway", "conversation_id": "tomorrow"})
	if fresh.Decision.Decision != "new" || !answered(fresh, "first", "yes") {
		t.Fatalf("new conversation: %s", pathOf(fresh))
	}
	cont := h.decide(map[string]any{"task": "Continue the JWT auth work from yesterday: add token revocation", "conversation_id": "tomorrow"})
	if cont.Decision.Decision != "resume" || cont.SessionID != s1.SessionID {
		t.Fatalf("continuing across conversations: %s", pathOf(cont))
	}

	if res := h.call(t.Context(), "decide_resume", map[string]any{"task": "x", "relation": "maybe"}); !res.IsError || !strings.Contains(text(res), "relation") || !strings.Contains(text(res), "needs_context") {
		t.Fatalf("bad relation: %s", text(res))
	}
}

// TestIntegrationDecideTakesStartSessionArguments: an assistant sends decide_resume the
// object it would send start_session; the decision comes back, its suggested call carries
// the run's fields, and following it runs codex with them. A bad value in one of those
// fields is an isError naming it.
func TestIntegrationDecideTakesStartSessionArguments(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	task := map[string]any{
		"task": "Analyse the profile module", "purpose": "understand it", "mode": "analysis",
		"rules": "do not edit files", "rules_template": "analysis", "timeout_seconds": 120, "wait_seconds": 90,
		"sandbox": "read-only", "directory": h.dir, "feature": "profile",
	}
	d := h.decide(task)
	if d.Decision.Decision != "new" || d.SuggestedCall.Tool != "start_session" {
		t.Fatalf("first task: %s", pathOf(d))
	}
	for k, want := range map[string]any{"mode": "analysis", "rules": "do not edit files", "rules_template": "analysis",
		"sandbox": "read-only", "timeout_seconds": float64(120), "wait_seconds": float64(90), "directory": h.dir, "feature": "profile"} {
		if got := d.SuggestedCall.Arguments[k]; got != want {
			t.Errorf("suggested %s = %v (%T), want %v", k, got, got, want)
		}
	}
	s1 := h.follow(d, "REPLY: profile analysed")
	if s1.Status != session.StatusCompleted || s1.Sandbox != "read-only" {
		t.Fatalf("start: %+v", s1)
	}
	prompt := h.model.Requests()[len(h.model.Requests())-1].UserText
	if !strings.Contains(prompt, "MODE: analysis") || !strings.Contains(prompt, "do not edit files") {
		t.Fatalf("the run's prompt lacks the mode or rules:\n%s", prompt)
	}

	// The follow-up, same shape: a resume that carries them too, in the session's directory.
	task["task"], task["relation"] = "Continue the profile analysis: list its public functions", "extends"
	d = h.decide(task)
	if d.Decision.Decision != "resume" || d.SessionID != s1.SessionID {
		t.Fatalf("follow-up: %s", pathOf(d))
	}
	for _, k := range []string{"directory", "feature", "draw_from"} {
		if v, ok := d.SuggestedCall.Arguments[k]; ok {
			t.Errorf("resume_session call carries %s = %v", k, v)
		}
	}
	if d.SuggestedCall.Arguments["mode"] != "analysis" || d.SuggestedCall.Arguments["sandbox"] != "read-only" {
		t.Errorf("resume_session call lost mode or sandbox: %v", d.SuggestedCall.Arguments)
	}
	if s2 := h.follow(d, "REPLY: listed"); s2.SessionID != s1.SessionID || s2.Status != session.StatusCompleted {
		t.Fatalf("resume: %+v", s2)
	}

	for _, bad := range []struct {
		field string
		value any
		want  string
	}{
		{"mode", "yolo", "mode: value must be one of"},
		{"sandbox", "danger-full-access", "sandbox: \"danger-full-access\" is above this server's limit"},
		{"timeout_seconds", 100000, "timeout_seconds: maximum"},
		{"rules_template", "no/such/template", "rules_template:"},
	} {
		args := map[string]any{}
		for k, v := range task {
			args[k] = v
		}
		args[bad.field] = bad.value
		if bad.field == "sandbox" {
			args["mode"] = "write" // analysis with a writing sandbox is its own refusal
		}
		res := h.call(t.Context(), "decide_resume", args)
		if !res.IsError || !strings.Contains(text(res), bad.want) {
			t.Errorf("%s = %v: %v %s; want an error with %q", bad.field, bad.value, res.IsError, text(res), bad.want)
		}
	}
}

func answered(d session.DecisionResult, questionWord, answer string) bool {
	for _, s := range d.Path {
		if strings.Contains(strings.ToLower(s.Question), questionWord) && s.Answer == answer {
			return true
		}
	}
	return false
}

func overridden(d session.DecisionResult) bool {
	for _, s := range d.Path {
		if s.Overridden {
			return true
		}
	}
	return false
}

func pathOf(d session.DecisionResult) string {
	var b strings.Builder
	b.WriteString(d.Decision.Decision + " " + d.SessionID + " (" + d.Reason + ")\n")
	for _, s := range d.Path {
		b.WriteString("  " + s.Question + " -> " + s.Answer + ": " + strings.Join(s.Evidence, "; ") + "\n")
	}
	return b.String()
}
