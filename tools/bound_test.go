package tools_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/tools"
)

const uuid = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"

func hugeOutcome() session.Outcome {
	cmds := make([]codex.Command, 3000)
	for i := range cmds {
		cmds[i] = codex.Command{Command: fmt.Sprintf("echo %d", i), Status: "completed", Output: strings.Repeat("o", 1500)}
	}
	files := make([]codex.FileChange, 5000)
	for i := range files {
		files[i] = codex.FileChange{Path: fmt.Sprintf("src/file%05d.go", i), Kind: "update"}
	}
	changes := make([]session.Change, 5000)
	for i := range changes {
		changes[i] = session.Change{Path: fmt.Sprintf("gen/file%05d.go", i), Status: "created", Source: session.SourceWorktree}
	}
	return session.Outcome{SessionID: uuid, RunID: "run-1", Status: session.StatusCompleted, Directory: "/w", Sandbox: "read-only",
		FinalMessage: strings.Repeat("the final message é ", 30000), FilesChanged: files, Changes: changes, Commands: cmds, Command: []string{"codex", "exec"}}
}

func hugeDetail() session.SessionDetail {
	d := session.SessionDetail{SessionInfo: session.SessionInfo{SessionID: uuid, Directory: "/w", Status: "completed", Source: "server",
		Task: strings.Repeat("<task & more> ", 20000), StartedAt: time.Now(), UpdatedAt: time.Now()}}
	for i := 0; i < 400; i++ {
		d.Runs = append(d.Runs, session.RunInfo{RunID: fmt.Sprint("run-", i), Kind: "resume", Task: strings.Repeat("t", 3000), Status: "completed",
			StartedAt: time.Now(), FilesChanged: []string{"a.go"}, Commands: []codex.Command{{Command: "ls", Status: "completed", Output: strings.Repeat("x", 2000)}}})
	}
	for i := 0; i < 5000; i++ {
		d.FilesChanged = append(d.FilesChanged, fmt.Sprintf("pkg/%d.go", i))
	}
	return d
}

func hugeList() session.SessionList {
	var l session.SessionList
	for i := 0; i < 200; i++ {
		l.Sessions = append(l.Sessions, session.SessionInfo{SessionID: uuid, Directory: "/w", Status: "completed", Source: "codex",
			Task: strings.Repeat("\x00\x1b[31m", 3000), LastMessage: strings.Repeat("m", 8000), StartedAt: time.Now(), UpdatedAt: time.Now()})
	}
	return l
}

// TestResultsAreBounded: whatever the Manager returns, a tool result stays under the limits,
// keeps its shape (it validates against the published output schema, which mcp-go also
// checks), and says what was cut.
func TestResultsAreBounded(t *testing.T) {
	stub := &stubSessions{outcome: hugeOutcome(), detail: hugeDetail(), list: hugeList()}
	c := stubClient(t, stub, nil)
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*jsonschema.Schema{}
	for _, tool := range list.Tools {
		// As the client received it.
		data, _ := json.Marshal(tool)
		var wire struct {
			OutputSchema json.RawMessage `json:"outputSchema"`
		}
		_ = json.Unmarshal(data, &wire)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(wire.OutputSchema))
		if err != nil {
			t.Fatal(err)
		}
		comp := jsonschema.NewCompiler()
		if err := comp.AddResource(tool.Name+".json", doc); err != nil {
			t.Fatal(err)
		}
		if schemas[tool.Name], err = comp.Compile(tool.Name + ".json"); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		tool      string
		args      map[string]any
		wantNotes []string
	}{
		{"start_session", map[string]any{"task": "x"}, []string{"commands: kept the first", "files_changed: kept the first", "final_message: 1 value(s) shortened"}},
		{"resume_session", map[string]any{"task": "x", "session_id": uuid}, []string{"commands: kept the first"}},
		{"cancel_session", map[string]any{"session_id": uuid}, []string{"commands: kept the first"}},
		{"get_session", map[string]any{"session_id": uuid}, []string{"runs: kept the first", "task: 1 value(s) shortened"}},
		{"list_sessions", map[string]any{}, []string{"sessions[].last_message:", "sessions[].task:"}},
	}
	for _, tc := range cases {
		t.Run(tc.tool, func(t *testing.T) {
			res, err := c.CallTool(t.Context(), mcpCall(tc.tool, tc.args))
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError {
				t.Fatalf("the cut result failed (output schema?): %.500s", text(res))
			}
			sc, _ := json.Marshal(res.StructuredContent)
			txt, _ := json.Marshal(text(res))
			t.Logf("structured %d bytes, text %d bytes", len(sc), len(txt))
			if len(sc) > tools.MaxResultBytes || len(txt) > tools.MaxTextBytes+4<<10 {
				t.Fatalf("structured %d bytes, text %d bytes", len(sc), len(txt))
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(sc))
			if err != nil {
				t.Fatal(err)
			}
			if err := schemas[tc.tool].Validate(inst); err != nil {
				t.Fatalf("cut result does not validate: %v", err)
			}
			var got struct {
				Notes []string `json:"notes"`
			}
			_ = json.Unmarshal(sc, &got)
			joined := strings.Join(got.Notes, "\n")
			for _, w := range tc.wantNotes {
				if !strings.Contains(joined, w) {
					t.Errorf("notes lack %q:\n%s", w, joined)
				}
			}
			if !strings.Contains(text(res), "codex-mcp cut this answer") {
				t.Errorf("the text does not say it was cut")
			}
		})
	}
}

// TestSmallResultsUntouched: a result within the limits comes back exactly, without notes.
func TestSmallResultsUntouched(t *testing.T) {
	out := session.Outcome{SessionID: uuid, Status: session.StatusCompleted, FinalMessage: "done", Directory: "/w", Sandbox: "read-only",
		FilesChanged: []codex.FileChange{}, Changes: []session.Change{}, Commands: []codex.Command{}, Command: []string{"codex"}}
	c := stubClient(t, &stubSessions{outcome: out}, nil)
	res, err := c.CallTool(t.Context(), mcpCall("start_session", map[string]any{"task": "x"}))
	if err != nil || res.IsError {
		t.Fatalf("%v %s", err, text(res))
	}
	var got map[string]any
	decode(t, res, &got)
	if _, ok := got["notes"]; ok || got["final_message"] != "done" || strings.Contains(text(res), "cut") {
		t.Fatalf("%v / %s", got, text(res))
	}
}

// TestResourceIsBounded: a transcript larger than the limit is cut with a note.
func TestResourceIsBounded(t *testing.T) {
	cases := []struct {
		name string
		size int
		cut  bool
	}{{"small", 1000, false}, {"huge", 20 << 20, true}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := stubClient(t, &stubSessions{text: "# head\n" + strings.Repeat("line of transcript\n", tc.size/19) + "# tail\n"}, nil)
			req := mcp.ReadResourceRequest{}
			req.Params.URI = "codex://sessions/" + uuid
			res, err := c.ReadResource(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Contents[0].(mcp.TextResourceContents).Text
			if len(got) > tools.MaxResourceBytes || !strings.HasPrefix(got, "# head") {
				t.Fatalf("%d bytes", len(got))
			}
			if cut := strings.Contains(got, "codex-mcp cut this transcript"); cut != tc.cut {
				t.Fatalf("cut note %v, want %v (%d bytes)", cut, tc.cut, len(got))
			}
			if !tc.cut && !strings.HasSuffix(got, "# tail\n") {
				t.Fatal("small transcript changed")
			}
		})
	}
}
