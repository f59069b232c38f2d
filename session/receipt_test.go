package session

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/gitstate"
)

func TestMergeChanges(t *testing.T) {
	abs := filepath.Join(string(filepath.Separator)+"elsewhere", "x.txt")
	for _, tc := range []struct {
		name  string
		patch []codex.FileChange
		tree  []gitstate.Change
		want  []string // "status source path[<-old]"
	}{
		{name: "nothing", want: []string{}},
		{
			name:  "outside git: the patch tool's kinds",
			patch: []codex.FileChange{{Path: "a.go", Kind: "add"}, {Path: "b.go", Kind: "update"}, {Path: "c.go", Kind: "delete"}, {Path: "d.go", Kind: "move"}},
			want:  []string{"created patch a.go", "modified patch b.go", "deleted patch c.go", "modified patch d.go"},
		},
		{
			name:  "both saw it: the work tree's status wins",
			patch: []codex.FileChange{{Path: "a.go", Kind: "add"}},
			tree:  []gitstate.Change{{Path: "a.go", Status: gitstate.Modified}},
			want:  []string{"modified both a.go"},
		},
		{
			name:  "a command's file, and a patch edit git does not list (ignored, or outside the directory)",
			patch: []codex.FileChange{{Path: ".env", Kind: "update"}, {Path: abs, Kind: "update"}},
			tree:  []gitstate.Change{{Path: "gen/out.go", Status: gitstate.Created}},
			want:  []string{"modified patch .env", "modified patch " + abs, "created worktree " + filepath.FromSlash("gen/out.go")},
		},
		{
			name:  "a rename matches the patch tool's file by either path",
			patch: []codex.FileChange{{Path: "old.go", Kind: "delete"}},
			tree:  []gitstate.Change{{Path: "new.go", OldPath: "old.go", Status: gitstate.Renamed}},
			want:  []string{"renamed both new.go<-old.go"},
		},
		{
			name:  "the patch tool's paths use the platform's separators",
			patch: []codex.FileChange{{Path: filepath.Join("src", "a b.go"), Kind: "update"}},
			tree:  []gitstate.Change{{Path: "src/a b.go", Status: gitstate.Modified}},
			want:  []string{"modified both " + filepath.Join("src", "a b.go")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := []string{}
			for _, c := range merge(tc.patch, tc.tree) {
				s := c.Status + " " + c.Source + " " + c.Path
				if c.OldPath != "" {
					s += "<-" + c.OldPath
				}
				got = append(got, s)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestApplyReceiptBounds(t *testing.T) {
	changes := make([]Change, maxChanges+10)
	for i := range changes {
		changes[i] = Change{Path: "f", Status: gitstate.Created, Source: SourceWorktree}
	}
	var out Outcome
	out.applyReceipt(changes, ScopeWorktree, "a note")
	if len(out.Changes) != maxChanges || out.ChangesNote != "a note; 10 more changed files are not listed (the first and last 500 are)" {
		t.Fatalf("%d changes, note %q", len(out.Changes), out.ChangesNote)
	}
}

// TestReceiptOff: a receipt turned off lists the patch tool's files and says so.
func TestReceiptOff(t *testing.T) {
	var r *receipt
	r.observe(codex.Event{Type: "item.completed", Item: &codex.Item{Type: "command_execution"}})
	changes, scope, note := r.finish([]codex.FileChange{{Path: "a.go", Kind: "add"}}, true)
	if len(changes) != 1 || scope != ScopePatchTool || note == "" {
		t.Fatalf("%+v %q %q", changes, scope, note)
	}
}
