package tools_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/session"
)

func (h *harness) list(args map[string]any) session.SessionList {
	h.t.Helper()
	res := h.call(h.t.Context(), "list_sessions", args)
	if res.IsError {
		h.t.Fatalf("list_sessions: %s", text(res))
	}
	var l session.SessionList
	decode(h.t, res, &l)
	return l
}

// runExternal runs codex directly, outside the server, like a user in a terminal.
func (h *harness) runExternal(dir, prompt string) {
	h.t.Helper()
	cmd := exec.Command(testenv.CodexBin(h.t), "exec", "--json", "--skip-git-repo-check", "--sandbox", "read-only", "--cd", dir, "-")
	cmd.Env = testenv.Env(h.t, h.codexHome)
	cmd.Stdin = strings.NewReader(prompt)
	if out, err := cmd.CombinedOutput(); err != nil {
		h.t.Fatalf("codex exec: %v\n%s", err, out)
	}
}

func TestIntegrationListAndGetSessions(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	auth := filepath.Join(h.dir, "src", "auth")
	pay := filepath.Join(h.dir, "src", "payment")
	for _, d := range []string{auth, pay} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	a := h.outcome("start_session", map[string]any{"task": "Auth implementation\nRUN: echo a > a.txt\nREPLY: auth done", "directory": auth})
	h.runExternal(h.dir, "An external session started in a terminal\nREPLY: external")
	p := h.outcome("start_session", map[string]any{"task": "Payment implementation\nREPLY: pay done", "directory": pay, "mode": "analysis"})
	a2 := h.outcome("resume_session", map[string]any{"session_id": a.SessionID, "task": "Add auth validation\nREPLY: validated"})
	if a.Feature != "auth" || p.Feature != "payment" {
		t.Fatalf("inferred features: %q %q", a.Feature, p.Feature)
	}

	all := h.list(map[string]any{})
	if len(all.Sessions) != 3 {
		t.Fatalf("want 3 sessions (2 server, 1 external), got %+v", all.Sessions)
	}
	// Newest first: the resumed auth session, then payment, then the external one.
	if all.Sessions[0].SessionID != a.SessionID || all.Sessions[1].SessionID != p.SessionID || all.Sessions[2].Source != session.SourceCodex {
		t.Fatalf("order: %+v", all.Sessions)
	}
	if s := all.Sessions[0]; s.Source != session.SourceServer || s.Turns != 2 || s.Status != "completed" || s.Feature != "auth" || s.LastMessage != "validated" {
		t.Fatalf("auth session: %+v", s)
	}
	if ext := all.Sessions[2]; ext.Status != session.StatusUnknown || !strings.Contains(ext.Task, "external session") || ext.Directory != h.dir {
		t.Fatalf("external session: %+v", ext)
	}

	cases := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"subdirectory matches parent", map[string]any{"directory": filepath.Join(h.dir, "src")}, []string{a.SessionID, p.SessionID}},
		{"directory", map[string]any{"directory": auth}, []string{a.SessionID}},
		{"feature", map[string]any{"feature": "payment"}, []string{p.SessionID}},
		{"query", map[string]any{"query": "VALIDATION"}, []string{a.SessionID}},
		{"status excludes external", map[string]any{"status": "completed"}, []string{a.SessionID, p.SessionID}},
		{"no external", map[string]any{"include_external": false}, []string{a.SessionID, p.SessionID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ids(h.list(c.args).Sessions)
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v want %v", got, c.want)
			}
		})
	}

	// Pages of one, across both sources: every session once, in order.
	var paged []string
	cursor := ""
	for i := 0; i < 10; i++ {
		args := map[string]any{"limit": 1}
		if cursor != "" {
			args["cursor"] = cursor
		}
		page := h.list(args)
		paged = append(paged, ids(page.Sessions)...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if strings.Join(paged, ",") != strings.Join(ids(all.Sessions), ",") {
		t.Fatalf("paged %v, all %v", paged, ids(all.Sessions))
	}
	res := h.call(t.Context(), "list_sessions", map[string]any{"cursor": "garbage"})
	if !res.IsError || !strings.HasPrefix(text(res), "cursor:") {
		t.Fatalf("bad cursor: %s", text(res))
	}

	// get_session: the whole session.
	res = h.call(t.Context(), "get_session", map[string]any{"session_id": a.SessionID})
	if res.IsError {
		t.Fatal(text(res))
	}
	var d session.SessionDetail
	decode(t, res, &d)
	if len(d.Runs) != 2 || d.Runs[0].Kind != "start" || d.Runs[1].Kind != "resume" || d.Turns != 2 || d.Sandbox != "workspace-write" {
		t.Fatalf("detail: %+v", d)
	}
	if len(d.Runs[0].Commands) != 1 || d.RolloutPath == "" || d.LastMessage != "validated" || d.Usage.InputTokens == 0 {
		t.Fatalf("detail runs: %+v", d)
	}
	if a2.SessionID != a.SessionID {
		t.Fatal("resume changed id")
	}

	// The transcript resource.
	rr := mcp.ReadResourceRequest{}
	rr.Params.URI = "codex://sessions/" + a.SessionID
	rres, err := h.client.ReadResource(t.Context(), rr)
	if err != nil {
		t.Fatal(err)
	}
	md := rres.Contents[0].(mcp.TextResourceContents).Text
	for _, want := range []string{"# Codex session " + a.SessionID, "Auth implementation", "Add auth validation", "**Codex:** validated", "ran `"} {
		if !strings.Contains(md, want) {
			t.Fatalf("transcript lacks %q:\n%s", want, md)
		}
	}
}

func ids(list []session.SessionInfo) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.SessionID
	}
	return out
}

func TestIntegrationResumeWithoutIDUsesMemory(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	featA := filepath.Join(h.dir, "feature-a")
	featB := filepath.Join(h.dir, "feature-b")
	for _, d := range []string{featA, featB} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	a := h.outcome("start_session", map[string]any{"task": "Implement A\nREPLY: A", "directory": featA})
	b := h.outcome("start_session", map[string]any{"task": "Implement B\nREPLY: B", "directory": featB})
	// The seed's Parallel Session note: `resume --last` would pick B. By directory, A.
	out := h.outcome("resume_session", map[string]any{"task": "Enhance A\nREPLY: A+", "directory": featA})
	if out.SessionID != a.SessionID || out.SessionID == b.SessionID || !strings.HasPrefix(out.ResolvedBy, "decision tree") {
		t.Fatalf("resolved %s (%s), want A %s", out.SessionID, out.ResolvedBy, a.SessionID)
	}
	// An unknown id is answered with candidates to recover with.
	res := h.call(t.Context(), "resume_session", map[string]any{"task": "x", "session_id": "0199a213-81c0-7800-8aa1-bbab2a035a53", "directory": featA})
	if !res.IsError || !strings.Contains(text(res), a.SessionID) {
		t.Fatalf("unknown id: %s", text(res))
	}
}

func TestIntegrationFollowRunningSession(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	out := h.outcome("start_session", map[string]any{"task": "slow one\nRUN: sleep 2\nREPLY: finally", "wait_seconds": 1})
	if out.Status != session.StatusRunning {
		t.Fatalf("%+v", out)
	}
	id := out.SessionID
	if id == "" {
		id = out.RunID
	}
	res := h.call(t.Context(), "get_session", map[string]any{"session_id": id})
	var d session.SessionDetail
	decode(t, res, &d)
	if res.IsError || d.Status != session.StatusRunning {
		t.Fatalf("while running: %s %+v", text(res), d)
	}
	// A second turn while the first runs is refused.
	if id == out.SessionID {
		r := h.call(t.Context(), "resume_session", map[string]any{"session_id": id, "task": "again"})
		if !r.IsError || !strings.Contains(text(r), "running") {
			t.Fatalf("concurrent resume: %s", text(r))
		}
	}
	start := time.Now()
	res = h.call(t.Context(), "get_session", map[string]any{"session_id": id, "wait_seconds": 60})
	decode(t, res, &d)
	if d.Status != session.StatusCompleted || d.LastMessage != "finally" || time.Since(start) > 30*time.Second {
		t.Fatalf("after waiting: %+v", d)
	}
}

func TestIntegrationCancelSessionTool(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	out := h.outcome("start_session", map[string]any{"task": "long\nRUN: sleep 600\nREPLY: never", "wait_seconds": 2})
	if out.Status != session.StatusRunning || out.SessionID == "" {
		t.Fatalf("%+v", out)
	}
	res := h.call(t.Context(), "cancel_session", map[string]any{"session_id": out.SessionID})
	if res.IsError {
		t.Fatal(text(res))
	}
	var c session.Outcome
	decode(t, res, &c)
	if c.Status != session.StatusCancelled {
		t.Fatalf("%+v", c)
	}
	res = h.call(t.Context(), "cancel_session", map[string]any{"session_id": out.SessionID})
	if !res.IsError || !strings.Contains(text(res), "no turn running") {
		t.Fatalf("second cancel: %s", text(res))
	}
}
