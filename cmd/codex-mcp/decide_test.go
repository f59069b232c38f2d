package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/memory"
)

// `codex-mcp decide --dir D` decides for a task run in D, and weighs only the sessions
// memory has in D or below it; without --dir it weighs all of memory.
func TestDecideDirRestrictsToTheDirectory(t *testing.T) {
	state, work := t.TempDir(), t.TempDir()
	auth, billing := filepath.Join(work, "auth"), filepath.Join(work, "billing")
	for _, d := range []string{auth, billing} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const (
		authID    = "0199a213-81c0-7800-8aa1-00000000000a"
		billingID = "0199a213-81c0-7800-8aa1-00000000000b"
	)
	mem, err := memory.Open(t.Context(), filepath.Join(state, "memory.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, r := range []memory.Run{
		{RunID: "r1", SessionID: billingID, ConversationID: "c1", Directory: billing, Feature: "billing",
			Task: "Implement invoice export", Status: memory.StatusCompleted, StartedAt: now.Add(-2 * time.Hour), EndedAt: now.Add(-110 * time.Minute)},
		{RunID: "r2", SessionID: authID, ConversationID: "c1", Directory: auth, Feature: "auth",
			Task: "Implement JWT authentication", Status: memory.StatusCompleted, StartedAt: now.Add(-time.Hour), EndedAt: now.Add(-50 * time.Minute)},
	} {
		if err := mem.FinishRun(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := mem.Close(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CODEX_MCP_STATE_DIR", state)
	t.Setenv("CODEX_MCP_DEFAULT_DIR", work)
	t.Setenv("CODEX_HOME", t.TempDir())
	t.Setenv("CODEX_MCP_LOG_LEVEL", "error")

	const task = "Add refresh tokens to the JWT authentication"
	tests := []struct {
		name   string
		args   []string
		within string // every candidate lies in it or below; "" for any
		resume string // the session resumed; "" for any decision but resuming authID
	}{
		{"no --dir: all of memory", []string{task}, "", authID},
		{"--dir of the session", []string{"--dir", auth, task}, auth, authID},
		{"--dir above it, relative", []string{task, "--dir", "."}, work, authID},
		// What the tree makes of billing's own session is its business; the auth
		// session is not in its sight.
		{"--dir elsewhere: not that session", []string{"--dir", "billing", task}, billing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig("decide", append([]string{"--json"}, tt.args...))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := decideCmd(t.Context(), cfg, &out); err != nil {
				t.Fatal(err)
			}
			var d session.DecisionResult
			if err := json.Unmarshal(out.Bytes(), &d); err != nil {
				t.Fatalf("%v: %s", err, out.Bytes())
			}
			if tt.resume != "" && (d.Decision.Decision != "resume" || d.SessionID != tt.resume) {
				t.Errorf("decision %s %s, want resume %s: %s", d.Decision.Decision, d.SessionID, tt.resume, d.Reason)
			}
			if tt.resume == "" && d.SessionID == authID {
				t.Errorf("resumes %s, outside %s: %s", authID, tt.within, d.Reason)
			}
			if call := d.SuggestedCall; call.Tool == "start_session" && tt.within != "" && call.Arguments["directory"] != tt.within {
				t.Errorf("suggested %s in %v, want %s", call.Tool, call.Arguments["directory"], tt.within)
			}
			for _, c := range d.Candidates {
				if tt.within != "" && c.Directory != tt.within && !strings.HasPrefix(c.Directory, tt.within+string(filepath.Separator)) {
					t.Errorf("candidate %s in %s, outside %s", c.SessionID, c.Directory, tt.within)
				}
			}
		})
	}
}
