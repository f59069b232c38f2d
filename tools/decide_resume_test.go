package tools_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
)

// startShaped is a start_session call with every argument set: an assistant passes the
// same object to decide_resume.
var startShaped = map[string]any{
	"task": "Add token refresh", "purpose": "security", "mode": "write", "context": "@{src/auth/**}",
	"expected": "tests pass", "rules": "no new deps", "rules_template": "feature", "directory": "/tmp",
	"sandbox": "read-only", "model": "gpt-5", "profile": "work", "timeout_seconds": 600, "wait_seconds": 30,
	"conversation_id": "c1", "feature": "auth", "draw_from": []any{"0199a213-81c0-7800-8aa1-bbab2a035a53"},
}

// decide_resume's arguments are start_session's and relation, never fewer: the schemas
// are generated from one struct, and this says so of the published ones.
func TestDecideResumeTakesEveryStartSessionArgument(t *testing.T) {
	stub := &stubSessions{}
	c := stubClient(t, stub, nil)
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	props := map[string][]string{}
	for _, tool := range list.Tools {
		for k := range tool.InputSchema.Properties {
			props[tool.Name] = append(props[tool.Name], k)
		}
		slices.Sort(props[tool.Name])
	}
	want := append(slices.Clone(props["start_session"]), "relation")
	slices.Sort(want)
	if !slices.Equal(props["decide_resume"], want) {
		t.Fatalf("decide_resume takes %v, want start_session's and relation: %v", props["decide_resume"], want)
	}

	args := map[string]any{"relation": "extends"}
	for k, v := range startShaped {
		args[k] = v
	}
	res, err := c.CallTool(t.Context(), mcpCall("decide_resume", args))
	if err != nil {
		t.Fatal(err)
	}
	if len(stub.decide) != 1 {
		t.Fatalf("Decide not called (%s)", text(res))
	}
	got := stub.decide[0]
	wantQ := session.DecideQuery{Relation: "extends", Task: session.Task{
		Task: "Add token refresh", Purpose: "security", Mode: "write", Context: "@{src/auth/**}", Expected: "tests pass",
		Rules: "no new deps", RulesTemplate: "feature", Directory: "/tmp", Sandbox: "read-only", Model: "gpt-5", Profile: "work",
		Timeout: 10 * time.Minute, Wait: 30 * time.Second, ConversationID: "c1", Feature: "auth",
		DrawFrom: []string{"0199a213-81c0-7800-8aa1-bbab2a035a53"},
	}}
	if !reflect.DeepEqual(got, wantQ) {
		t.Errorf("Decide asked\n %+v\nwant\n %+v", got, wantQ)
	}
}

// A value start_session refuses is refused by decide_resume too, naming the field: by the
// published schema, or by the same checks start_session makes.
func TestDecideResumeRefusesWhatStartSessionRefuses(t *testing.T) {
	c := connect(t, bareServer(t))
	tests := []struct {
		name string
		edit map[string]any
		want []string
	}{
		{"mode", map[string]any{"mode": "yolo"}, []string{"mode: value must be one of"}},
		{"sandbox", map[string]any{"sandbox": "none"}, []string{"sandbox: value must be one of"}},
		{"timeout_seconds", map[string]any{"timeout_seconds": -5}, []string{"timeout_seconds: minimum"}},
		{"wait_seconds", map[string]any{"wait_seconds": "soon"}, []string{"wait_seconds: got string, want integer"}},
		{"draw_from", map[string]any{"draw_from": []any{"auth"}}, []string{"draw_from:", "is not a session id"}},
		{"sandbox above the limit", map[string]any{"sandbox": "danger-full-access"}, []string{"sandbox:", "above this server's limit"}},
		{"analysis that writes", map[string]any{"mode": "analysis", "sandbox": "workspace-write"}, []string{"sandbox:", "mode analysis runs read-only"}},
		{"rules_template", map[string]any{"rules_template": "no/such"}, []string{"rules_template:"}},
		{"model", map[string]any{"model": "--yolo"}, []string{"model:", "not a valid name"}},
		{"directory", map[string]any{"directory": "/no/such/dir"}, []string{"directory:", "does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := map[string]any{"task": "Add token refresh", "mode": "write", "rules": "no new deps", "timeout_seconds": 60}
			for k, v := range tt.edit {
				args[k] = v
			}
			res, err := c.CallTool(t.Context(), mcpCall("decide_resume", args))
			if err != nil {
				t.Fatal(err)
			}
			msg := text(res)
			if !res.IsError {
				t.Fatalf("not an error: %s", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
		})
	}
}
