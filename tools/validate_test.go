package tools_test

import (
	"strings"
	"testing"
)

// TestSchemaViolationsNameTheField: arguments the published schema forbids come back as
// isError results that read "field: problem", before any handler runs.
func TestSchemaViolationsNameTheField(t *testing.T) {
	c := connect(t, bareServer(t))
	cases := []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"start_session", map[string]any{}, []string{"arguments: missing property 'task'"}},
		{"start_session", map[string]any{"task": "x", "mode": "yolo"}, []string{"mode: value must be one of", "'analysis'"}},
		{"start_session", map[string]any{"task": "x", "timeout_seconds": "soon"}, []string{"timeout_seconds: got string, want integer"}},
		{"start_session", map[string]any{"task": "x", "timeout_seconds": -5}, []string{"timeout_seconds: minimum"}},
		{"start_session", map[string]any{"task": "x", "bogus": true}, []string{"additional properties 'bogus' not allowed"}},
		{"decide_resume", map[string]any{"task": "x", "relation": "maybe"}, []string{"relation: value must be one of", "'needs_context'"}},
		{"list_sessions", map[string]any{"limit": 1000}, []string{"limit: maximum"}},
		{"get_session", map[string]any{}, []string{"missing property 'session_id'"}},
	}
	for _, tc := range cases {
		res, err := c.CallTool(t.Context(), mcpCall(tc.tool, tc.args))
		if err != nil {
			t.Fatalf("%s %v: protocol error %v", tc.tool, tc.args, err)
		}
		msg := text(res)
		if !res.IsError {
			t.Errorf("%s %v: not an error: %s", tc.tool, tc.args, msg)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s %v: %q lacks %q", tc.tool, tc.args, msg, w)
			}
		}
	}
}

// TestNullMeansAbsent: some clients send null for optional arguments they leave out.
func TestNullMeansAbsent(t *testing.T) {
	c := connect(t, bareServer(t))
	res, err := c.CallTool(t.Context(), mcpCall("start_session", map[string]any{"task": "   ", "draw_from": nil, "mode": nil, "wait_seconds": nil}))
	if err != nil {
		t.Fatal(err)
	}
	// Past schema validation, the handler's own check answers (the task is blank).
	if msg := text(res); !res.IsError || !strings.HasPrefix(msg, "task: is empty") {
		t.Fatalf("%s", msg)
	}
}
