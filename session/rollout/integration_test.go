package rollout

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
)

// codexRun runs the real codex CLI once against the fake model and returns the session id.
func codexRun(t *testing.T, bin, home, dir, prompt string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	args := append([]string{"exec", "--json", "--skip-git-repo-check", "-s", "read-only", "-C", dir}, extra...)
	args = append(args, "-")
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(prompt)
	cmd.Env = testenv.Env(t, home)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("codex %v: %v\n%s", args, err, stderr.String())
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var ev struct {
			Type     string `json:"type"`
			ThreadID string `json:"thread_id"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Type == "thread.started" {
			return ev.ThreadID
		}
	}
	t.Fatalf("no thread.started in codex output:\n%s", out)
	return ""
}

// TestIntegrationRealCodexStore reads a CODEX_HOME written by the real codex CLI (the
// Makefile runs it against every pinned version), through the index and through the
// tree walk, and checks both describe the same sessions.
func TestIntegrationRealCodexStore(t *testing.T) {
	bin := testenv.CodexBin(t)
	version := testenv.CodexVersion(t, bin)
	model := testenv.Model(t)
	home := testenv.CodexHome(t, model.URL())
	dir := t.TempDir()
	sub := filepath.Join(dir, "pkg", "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()

	first := codexRun(t, bin, home, dir, "TASK: first\nRUN: echo hi\nREPLY: hello there")
	if again := codexRun(t, bin, home, dir, "TASK: second turn\nREPLY: second reply", "resume", first); again != first {
		t.Fatalf("resume started %s, not %s", again, first)
	}
	inSub := codexRun(t, bin, home, sub, "TASK: in sub\nREPLY: sub reply")
	elsewhere := codexRun(t, bin, home, other, "TASK: elsewhere\nREPLY: elsewhere reply")

	// Archiving is a codex subcommand in newer versions only (0.169 has it, 0.125 takes
	// `archive` for a prompt), so look for it in the command list.
	archived := ""
	if hasSubcommand(t, bin, "archive") {
		cmd := exec.Command(bin, "archive", elsewhere)
		cmd.Env = testenv.Env(t, home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("codex archive: %v\n%s", err, out)
		}
		archived = elsewhere
	}
	t.Logf("%s: sessions %s %s %s, archived %q", version, first, inSub, elsewhere, archived)

	// Both pinned versions keep a recognisable index; a version that stops doing so
	// should be noticed, not silently walked.
	if x, err := New(home, nil).openIndex(t.Context()); err != nil || x == nil {
		t.Fatalf("%s: state index not usable: %v", version, err)
	} else {
		x.Close()
	}

	before := listFiles(t, home)
	var listings [][]Session
	for _, walk := range []bool{false, true} {
		name := map[bool]string{false: "index", true: "tree"}[walk]
		s := New(home, nil)
		s.noIndex = walk

		page, err := s.List(t.Context(), Filter{Directory: dir})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(page.Sessions), []string{inSub, first}; !slices.Equal(got, want) {
			t.Fatalf("%s: sessions in %s: %v, want %v", name, dir, got, want)
		}
		for _, sess := range page.Sessions {
			if !strings.Contains(version, sess.CLIVersion) || sess.CLIVersion == "" || sess.Source != "exec" ||
				sess.Originator == "" || sess.Model != testenv.TestModel || sess.StartedAt.IsZero() ||
				sess.UpdatedAt.Before(sess.StartedAt) || !strings.HasPrefix(sess.Task, "TASK: ") || sess.Archived {
				t.Errorf("%s: %+v", name, sess)
			}
		}
		if page.Sessions[0].Directory != sub || page.Sessions[1].Task != "TASK: first\nRUN: echo hi\nREPLY: hello there" {
			t.Errorf("%s: %+v", name, page.Sessions)
		}

		all, err := s.List(t.Context(), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		withArchived, err := s.List(t.Context(), Filter{IncludeArchived: true})
		if err != nil {
			t.Fatal(err)
		}
		if archived != "" {
			if slices.Contains(ids(all.Sessions), archived) || len(all.Sessions) != 2 {
				t.Errorf("%s: archived session listed by default: %v", name, ids(all.Sessions))
			}
			if len(withArchived.Sessions) != 3 || withArchived.Sessions[0].ID != archived || !withArchived.Sessions[0].Archived {
				t.Errorf("%s: with archived: %+v", name, withArchived.Sessions)
			}
		} else if len(all.Sessions) != 3 {
			t.Errorf("%s: %v", name, ids(all.Sessions))
		}
		q, err := s.List(t.Context(), Filter{Query: "in SUB", IncludeArchived: true})
		if err != nil || !slices.Equal(ids(q.Sessions), []string{inSub}) {
			t.Errorf("%s: query: %v %v", name, ids(q.Sessions), err)
		}

		got, ok, err := s.Get(t.Context(), first)
		if err != nil || !ok || got.Turns != 2 || got.LastMessage != "second reply" || got.Directory != dir {
			t.Errorf("%s: Get: ok %v err %v %+v", name, ok, err, got)
		}
		// Started with -s read-only in a "terminal": the rollout says so, on either path.
		if got.Sandbox != SandboxReadOnly || got.SandboxSource != SandboxFromRollout || got.Model != testenv.TestModel {
			t.Errorf("%s: Get sandbox %q from %q, model %q", name, got.Sandbox, got.SandboxSource, got.Model)
		}
		if archived != "" {
			if got, ok, err := s.Get(t.Context(), archived); err != nil || !ok || !got.Archived || got.LastMessage != "elsewhere reply" {
				t.Errorf("%s: Get archived: ok %v err %v %+v", name, ok, err, got)
			}
		}
		tr, err := s.Transcript(t.Context(), first)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, e := range tr {
			lines = append(lines, e.Role+": "+e.Text)
		}
		want := []string{
			"user: TASK: first\nRUN: echo hi\nREPLY: hello there", "command: echo hi", "assistant: hello there",
			"user: TASK: second turn\nREPLY: second reply", "assistant: second reply",
		}
		if !slices.Equal(lines, want) {
			t.Errorf("%s: transcript %q", name, lines)
		}
		listings = append(listings, withArchived.Sessions)
	}

	// The two paths agree, up to the index's own timestamps vs the file's.
	if len(listings[0]) != len(listings[1]) {
		t.Fatalf("index lists %d sessions, tree %d", len(listings[0]), len(listings[1]))
	}
	byID := map[string]Session{}
	for _, sess := range listings[1] {
		byID[sess.ID] = sess
	}
	for _, a := range listings[0] {
		b, ok := byID[a.ID]
		if !ok {
			t.Errorf("tree does not list %s", a.ID)
			continue
		}
		if d := a.UpdatedAt.Sub(b.UpdatedAt); d < -2*time.Second || d > 2*time.Second {
			t.Errorf("UpdatedAt index %v tree %v", a.UpdatedAt, b.UpdatedAt)
		}
		a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
		// 0.169's created_at_ms is sometimes a millisecond off session_meta's timestamp.
		if d := a.StartedAt.Sub(b.StartedAt); d < -time.Second || d > time.Second {
			t.Errorf("StartedAt index %v tree %v", a.StartedAt, b.StartedAt)
		}
		a.StartedAt, b.StartedAt = time.Time{}, time.Time{}
		if a != b {
			t.Errorf("index and tree differ:\n index %+v\n tree  %+v", a, b)
		}
	}
	if after := listFiles(t, home); !slices.Equal(before, after) {
		t.Errorf("reading changed CODEX_HOME:\n before %v\n after  %v", before, after)
	}
}

// hasSubcommand reports whether `codex --help` lists the subcommand.
func hasSubcommand(t *testing.T, bin, name string) bool {
	t.Helper()
	out, err := exec.Command(bin, "--help").Output()
	if err != nil {
		t.Fatalf("codex --help: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name && strings.HasPrefix(line, "  ") {
			return true
		}
	}
	return false
}

// A session started with one sandbox and resumed with another keeps reporting the one
// it started with (what a resume through the server must pass again), with the real
// codex CLI of each pinned version.
func TestIntegrationOriginalSandbox(t *testing.T) {
	bin := testenv.CodexBin(t)
	model := testenv.Model(t)
	home := testenv.CodexHome(t, model.URL())
	dir := t.TempDir()
	run := func(sandbox string, extra ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		args := append([]string{"exec", "--json", "--skip-git-repo-check", "-s", sandbox, "-C", dir}, extra...)
		cmd := exec.CommandContext(ctx, bin, append(args, "-")...)
		cmd.Stdin = strings.NewReader("TASK: " + sandbox + "\nREPLY: ok")
		cmd.Env = testenv.Env(t, home)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("codex %v: %v\n%s", args, err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			var ev struct {
				Type     string `json:"type"`
				ThreadID string `json:"thread_id"`
			}
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Type == "thread.started" {
				return ev.ThreadID
			}
		}
		t.Fatalf("no thread.started:\n%s", out)
		return ""
	}
	for _, c := range []struct{ first, resume string }{
		{SandboxReadOnly, SandboxDangerFullAccess},
		{SandboxWorkspaceWrite, SandboxReadOnly},
		{SandboxDangerFullAccess, SandboxReadOnly},
	} {
		id := run(c.first)
		if again := run(c.resume, "resume", id); again != id {
			t.Fatalf("resume started %s, not %s", again, id)
		}
		for _, walk := range []bool{false, true} {
			s := New(home, nil)
			s.noIndex = walk
			got, ok, err := s.Get(t.Context(), strings.ToUpper(id))
			if err != nil || !ok {
				t.Fatalf("Get: %v %v", ok, err)
			}
			if got.Sandbox != c.first || got.SandboxSource != SandboxFromRollout || got.Turns != 2 || got.ID != id {
				t.Errorf("walk %v: started %s, resumed %s: Get says %q from %q (turns %d)", walk, c.first, c.resume, got.Sandbox, got.SandboxSource, got.Turns)
			}
		}
	}
}
