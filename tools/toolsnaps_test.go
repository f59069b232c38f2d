package tools_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestToolSnapshots keeps each tool's published definition (schemas, annotations,
// description) in testdata/toolsnaps, so a contract change is a visible diff.
// Regenerate with UPDATE_TOOLSNAPS=1 go test ./tools/ -run TestToolSnapshots.
func TestToolSnapshots(t *testing.T) {
	c := connect(t, bareServer(t))
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tools) == 0 {
		t.Fatal("no tools")
	}
	seen := map[string]bool{}
	for _, tool := range list.Tools {
		seen[tool.Name+".json"] = true
		got, err := json.MarshalIndent(tool, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join("testdata", "toolsnaps", tool.Name+".json")
		if os.Getenv("UPDATE_TOOLSNAPS") != "" {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s has no snapshot (run with UPDATE_TOOLSNAPS=1): %v", tool.Name, err)
		}
		if string(want) != string(got) {
			t.Errorf("%s changed; review and regenerate with UPDATE_TOOLSNAPS=1:\n%s", tool.Name, got)
		}
		a := tool.Annotations
		if a.Title == "" || a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
			t.Errorf("%s lacks a title or one of the four annotations: %+v", tool.Name, a)
		}
		if len(tool.RawOutputSchema) == 0 && tool.OutputSchema.Type == "" {
			t.Errorf("%s has no output schema", tool.Name)
		}
	}
	entries, _ := os.ReadDir(filepath.Join("testdata", "toolsnaps"))
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("snapshot %s has no tool any more; delete it", e.Name())
		}
	}
}

func TestDelegatePrompt(t *testing.T) {
	c := connect(t, bareServer(t))
	req := mcp.GetPromptRequest{}
	req.Params.Name = "delegate_to_codex"
	req.Params.Arguments = map[string]string{"task": "Add profile validation", "mode": "write", "context": "@{src/profile/**/*}"}
	res, err := c.GetPrompt(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	text := res.Messages[0].Content.(mcp.TextContent).Text
	for _, want := range []string{"decide_resume", `"task":"Add profile validation"`, `"mode":"write"`, "TASK: Add profile validation\nMODE: write\nCONTEXT: @{src/profile/**/*}"} {
		if !strings.Contains(text, want) {
			t.Errorf("prompt lacks %q:\n%s", want, text)
		}
	}
	req.Params.Arguments = map[string]string{}
	if _, err := c.GetPrompt(t.Context(), req); err == nil {
		t.Error("a prompt without task should be refused")
	}
}
