package tools_test

import (
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/codex"
)

var fuzzTools = []string{"start_session", "resume_session", "fork_session", "list_sessions", "get_session", "cancel_session", "decide_resume"}

// FuzzToolArguments sends any JSON object as a tool's arguments through the whole chain a
// call takes (schema validation, null stripping, typed binding, handler, result bounding,
// output validation): whatever the arguments, the answer is a tool result, never a
// protocol error (a handler's Go error or a recovered panic). Seeds: testdata/fuzz.
//
//	go test ./tools/ -run '^$' -fuzz FuzzToolArguments -fuzztime 30s
func FuzzToolArguments(f *testing.F) {
	ok := session.Outcome{SessionID: uuid, Status: session.StatusCompleted, Directory: "/w", Sandbox: "read-only",
		FilesChanged: []codex.FileChange{}, Changes: []session.Change{}, Commands: []codex.Command{}, Command: []string{"codex"}}
	c := stubClient(f, &stubSessions{outcome: ok}, nil)
	f.Add(uint8(0), []byte(`{"task":"Implement JWT auth","mode":"write","timeout_seconds":30,"wait_seconds":0,"draw_from":["`+uuid+`"]}`))
	f.Add(uint8(4), []byte(`{"session_id":"`+uuid+`","wait_seconds":1}`))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		var args map[string]any
		if json.Unmarshal(data, &args) != nil || args == nil {
			return // not an object: the client library would not send it as arguments
		}
		tool := fuzzTools[int(which)%len(fuzzTools)]
		if tool == "get_session" {
			delete(args, "wait_seconds") // a real wait is not what is fuzzed here
		}
		res, err := c.CallTool(t.Context(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: tool, Arguments: args}})
		if err != nil {
			t.Fatalf("%s %s: protocol error %v", tool, data, err)
		}
		if res == nil || len(res.Content) == 0 {
			t.Fatalf("%s %s: empty result", tool, data)
		}
	})
}
