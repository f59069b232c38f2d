package tools_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/codex-mcp/codex-mcp/session"
)

// gitRepo makes dir a git work tree with files committed, using real git.
func gitRepo(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	for p, text := range files {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "start"}} {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

// receiptOf is a run's changes as "status source path". codex 0.125's Linux sandbox
// leaves an empty read-only .codex file at the top of a workspace-write run's directory
// (so that commands cannot create a .codex there): a true change of the work tree,
// which the receipt lists, left out here so every pinned codex reads the same.
func receiptOf(out session.Outcome) []string {
	got := []string{}
	for _, c := range out.Changes {
		if c.Path == ".codex" && c.Status == "created" && c.Source == session.SourceWorktree {
			continue
		}
		got = append(got, c.Status+" "+c.Source+" "+c.Path)
	}
	return got
}

// TestIntegrationReceiptListsEveryChange: in a git work tree, a run's receipt lists the
// file a command wrote, the tracked file a command deleted and the files the patch tool
// edited and created, each with its status and who saw it; a resumed run gets its own.
func TestIntegrationReceiptListsEveryChange(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	gitRepo(t, h.dir, map[string]string{"old.txt": "old\n", "edit.txt": "first\nsecond\n", "keep.txt": "keep\n"})
	out := h.outcome("start_session", map[string]any{
		"task": "change files every way\nRUN: echo x > made.txt\nRUN: rm old.txt\nEDIT: edit.txt=second=>2nd\nADD: new.txt=hello\nREPLY: changed",
	})
	if out.Status != session.StatusCompleted {
		t.Fatalf("run: %+v", out)
	}
	want := []string{"modified both edit.txt", "created worktree made.txt", "created both new.txt", "deleted worktree old.txt"}
	if got := receiptOf(out); !reflect.DeepEqual(got, want) {
		t.Fatalf("changes %q, want %q (note %q, patch tool: %+v)", got, want, out.ChangesNote, out.FilesChanged)
	}
	if out.ChangesScope != session.ScopeWorktree || out.ChangesNote != "" {
		t.Fatalf("scope %q note %q", out.ChangesScope, out.ChangesNote)
	}
	// files_changed is still the patch tool's alone.
	if len(out.FilesChanged) != 2 {
		t.Fatalf("files_changed: %+v", out.FilesChanged)
	}
	for _, c := range out.Changes {
		if c.Path == "edit.txt" && (c.LinesAdded == nil || *c.LinesAdded != 1 || *c.LinesRemoved != 1) {
			t.Fatalf("edit.txt lines: %+v", c)
		}
	}
	if !strings.Contains(out.Summary(), "made.txt (created)") {
		t.Fatalf("summary lacks the command's file: %s", out.Summary())
	}

	// A resumed turn's receipt is its own: made.txt was already new, and is changed again.
	again := h.outcome("resume_session", map[string]any{"session_id": out.SessionID, "task": "more\nRUN: echo y >> made.txt\nREPLY: more"})
	if got, want := receiptOf(again), []string{"modified worktree made.txt"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("resume changes %q, want %q (note %q)", got, want, again.ChangesNote)
	}

	// Memory records every file of the session, whoever wrote it.
	var d session.SessionDetail
	decode(t, h.call(t.Context(), "get_session", map[string]any{"session_id": out.SessionID}), &d)
	for _, f := range []string{"made.txt", "old.txt", "edit.txt", "new.txt"} {
		if !slices.Contains(d.FilesChanged, f) {
			t.Fatalf("memory's files %q lack %s", d.FilesChanged, f)
		}
	}
}

// TestIntegrationReceiptOutsideGit: outside a git work tree the receipt has the patch
// tool's files and says that is all it has.
func TestIntegrationReceiptOutsideGit(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	out := h.outcome("start_session", map[string]any{"task": "write\nRUN: echo x > made.txt\nADD: new.txt=hello\nREPLY: wrote"})
	if got, want := receiptOf(out), []string{"created patch new.txt"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("changes %q, want %q", got, want)
	}
	if out.ChangesScope != session.ScopePatchTool || !strings.Contains(out.ChangesNote, "not in a git work tree") ||
		!strings.Contains(out.ChangesNote, "only the files codex edited with its patch tool are listed") {
		t.Fatalf("scope %q note %q", out.ChangesScope, out.ChangesNote)
	}
	if !strings.Contains(out.Summary(), "not in a git work tree") {
		t.Fatalf("summary: %s", out.Summary())
	}
}

// TestIntegrationReceiptWithoutGit: in a git work tree on a machine without git (no git
// on the server's PATH) the run goes on and the receipt says why it has only the patch
// tool's files.
func TestIntegrationReceiptWithoutGit(t *testing.T) {
	h := newHarness(t, harnessOpts{}) // codex keeps the PATH it was given here
	gitRepo(t, h.dir, map[string]string{"a.txt": "a\n"})
	t.Setenv("PATH", t.TempDir())
	out := h.outcome("start_session", map[string]any{"task": "write\nRUN: echo x > made.txt\nADD: new.txt=hello\nREPLY: wrote"})
	if out.Status != session.StatusCompleted {
		t.Fatalf("run: %+v", out)
	}
	if got, want := receiptOf(out), []string{"created patch new.txt"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("changes %q, want %q", got, want)
	}
	if out.ChangesScope != session.ScopePatchTool || !strings.Contains(out.ChangesNote, "git is not installed") {
		t.Fatalf("scope %q note %q", out.ChangesScope, out.ChangesNote)
	}
}
