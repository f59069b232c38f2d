package session

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/decide"
	"github.com/codex-mcp/codex-mcp/session/memory"
)

func TestPastOf(t *testing.T) {
	start, end := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), time.Date(2025, 6, 1, 13, 0, 0, 0, time.UTC)
	many := make([]string, 100)
	for i := range many {
		many[i] = fmt.Sprintf("f%02d.go", i)
	}
	base := memory.Session{
		SessionID: "s1", ConversationID: "c1", Directory: "/repo/src/auth", Feature: "auth",
		Task: "Create JWT authentication", LastTask: "Add refresh tokens", Purpose: "user login",
		Context: "@{src/auth/**}\nprevious auth work", Status: memory.StatusCompleted,
		StartedAt: start, UpdatedAt: end, Turns: 2, LastMessage: "refresh added", FilesChanged: []string{"jwt.go", "refresh.go"},
	}
	full := decide.Past{
		SessionID: "s1", ConversationID: "c1", Directory: "/repo/src/auth", Feature: "auth",
		Task: "Add refresh tokens", FirstTask: "Create JWT authentication", Purpose: "user login",
		Context: "@{src/auth/**}\nprevious auth work", Files: []string{"jwt.go", "refresh.go"},
		LastMessage: "refresh added", Status: "completed", StartedAt: start, UpdatedAt: end, Turns: 2, Source: SourceServer,
	}
	tests := []struct {
		name string
		edit func(*memory.Session)
		want func(*decide.Past)
	}{
		{"every field", func(*memory.Session) {}, func(*decide.Past) {}},
		{"one turn: no first task", func(s *memory.Session) { s.LastTask, s.Turns = s.Task, 1 },
			func(p *decide.Past) { p.Task, p.FirstTask, p.Turns = "Create JWT authentication", "", 1 }},
		{"no latest task recorded", func(s *memory.Session) { s.LastTask = "" },
			func(p *decide.Past) { p.Task, p.FirstTask = "Create JWT authentication", "" }},
		{"no first task recorded", func(s *memory.Session) { s.Task = "" },
			func(p *decide.Past) { p.FirstTask = "" }},
		{"files bounded", func(s *memory.Session) { s.FilesChanged = many },
			func(p *decide.Past) { p.Files = append(append([]string(nil), many[:48]...), many[84:]...) }},
		{"no files", func(s *memory.Session) { s.FilesChanged = nil }, func(p *decide.Past) { p.Files = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, want := base, full
			tt.edit(&s)
			tt.want(&want)
			if got := pastOf(s); !reflect.DeepEqual(got, want) {
				t.Errorf("pastOf\n got %+v\nwant %+v", got, want)
			}
		})
	}
	if got := pastOf(memory.Session{FilesChanged: many}); len(got.Files) != pastFiles {
		t.Errorf("%d files, want %d", len(got.Files), pastFiles)
	}
}

// mkdirs creates each path under root; a path ending in "/.git" that is named in files is
// made a file (as a worktree's or submodule's .git is), every other a directory.
func mkdirs(t *testing.T, root string, dirs []string, files map[string]string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(root, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// isolated returns a temporary directory the project-root walk does not look above, so
// that a repository around the machine's temporary directory cannot change the answer.
func isolated(t *testing.T) string {
	root := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", root)
	return root
}

func TestProjectRoot(t *testing.T) {
	root := isolated(t)
	deep := "repo/" + strings.Repeat("d/", rootSteps+1)
	mkdirs(t, root, []string{"repo/.git", "repo/src/auth", "repo/wt/src", "repo/sub", "plain/src", "plain/.git", "home/.git", "home/proj", deep},
		map[string]string{"repo/wt/.git": "gitdir: ../.git/worktrees/wt\n", "repo/sub/.git": "gitdir: ../.git/modules/sub\n",
			"repo/.git/HEAD": "ref: refs/heads/main\n", "home/.git/HEAD": "ref: refs/heads/main\n"})
	t.Setenv("HOME", filepath.Join(root, "home"))
	tests := []struct {
		name, dir, want string
	}{
		{"the root itself", "repo", "repo"},
		{"below the root", "repo/src/auth", "repo"},
		{"a worktree's .git file", "repo/wt/src", "repo/wt"},
		{"a submodule's .git file", "repo/sub", "repo/sub"},
		{"no repository (an empty .git directory is none)", "plain/src", ""},
		{"a repository in the home directory is no project's root", "home/proj", ""},
		{"deeper than the steps it looks", deep, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := ""
			if tt.want != "" {
				want = filepath.Join(root, tt.want)
			}
			if got := projectRoot(filepath.Join(root, tt.dir)); got != want {
				t.Errorf("projectRoot(%s) = %q, want %q", tt.dir, got, want)
			}
		})
	}
	for _, dir := range []string{"", "repo/src", string(filepath.Separator)} {
		if got := projectRoot(dir); got != "" {
			t.Errorf("projectRoot(%q) = %q, want \"\"", dir, got)
		}
	}
}

func TestInferFeatureAtARoot(t *testing.T) {
	root := isolated(t)
	mkdirs(t, root, []string{"shop/.git", "shop/src/payment", "billing"}, map[string]string{"shop/.git/HEAD": "ref: refs/heads/main\n"})
	shop := filepath.Join(root, "shop")
	tests := []struct {
		name, dir, context, task string
		want                     string
	}{
		{"at the root: the patterns", shop, "@{src/auth/**}", "Add validation", "auth"},
		{"at the root: the task's words", shop, "", "Create user table", decide.InferFeature("", "", "Create user table")},
		{"below the root: the directory", filepath.Join(shop, "src", "payment"), "", "Add validation", "payment"},
		{"outside any repository: the directory", filepath.Join(root, "billing"), "", "Add validation", "billing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := inferFeature(tt.dir, tt.context, tt.task)
			if got != tt.want || got == "shop" {
				t.Errorf("inferFeature(%s, %q, %q) = %q, want %q", tt.dir, tt.context, tt.task, got, tt.want)
			}
		})
	}
	// A run at the root is recorded under that label, not the repository's name.
	m, _ := newTestManager(t, &fakeRunner{}, "")
	out, err := m.Start(t.Context(), Task{Task: "Create user table", Directory: shop}, nil)
	if err != nil || out.Feature == "shop" || out.Feature != decide.InferFeature("", "", "Create user table") {
		t.Fatalf("run at the root: feature %q, %v", out.Feature, err)
	}
}

func TestDecideValidatesAsStartDoes(t *testing.T) {
	m, _ := newTestManager(t, &fakeRunner{}, codex.SandboxWorkspaceWrite)
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		q     DecideQuery
		field string
	}{
		{"empty task", DecideQuery{Task: Task{Task: " "}}, "task"},
		{"unknown relation", DecideQuery{Task: Task{Task: "x"}, Relation: "maybe"}, "relation"},
		{"unknown mode", DecideQuery{Task: Task{Task: "x", Mode: "fast"}}, "mode"},
		{"unknown sandbox", DecideQuery{Task: Task{Task: "x", Sandbox: "none"}}, "sandbox"},
		{"sandbox above the limit", DecideQuery{Task: Task{Task: "x", Sandbox: codex.SandboxFullAccess}}, "sandbox"},
		{"analysis that writes", DecideQuery{Task: Task{Task: "x", Mode: ModeAnalysis, Sandbox: codex.SandboxWorkspaceWrite}}, "sandbox"},
		{"model like a flag", DecideQuery{Task: Task{Task: "x", Model: "--yolo"}}, "model"},
		{"profile like a flag", DecideQuery{Task: Task{Task: "x", Profile: "-p"}}, "profile"},
		{"timeout too long", DecideQuery{Task: Task{Task: "x", Timeout: 48 * time.Hour}}, "timeout_seconds"},
		{"negative wait", DecideQuery{Task: Task{Task: "x", Wait: -time.Second}}, "wait_seconds"},
		{"unknown rules template", DecideQuery{Task: Task{Task: "x", RulesTemplate: "no/such"}}, "rules_template"},
		{"pattern outside the directory", DecideQuery{Task: Task{Task: "x", Context: "@{../secrets/*}"}}, "context"},
		{"missing directory", DecideQuery{Task: Task{Task: "x", Directory: filepath.Join(file, "nope")}}, "directory"},
		{"directory that is a file", DecideQuery{Task: Task{Task: "x", Directory: file}}, "directory"},
		{"draw_from not an id", DecideQuery{Task: Task{Task: "x", DrawFrom: []string{"auth"}}}, "draw_from"},
		{"draw_from unknown", DecideQuery{Task: Task{Task: "x", DrawFrom: []string{"0199a213-81c0-7800-8aa1-bbab2a035a53"}}}, "draw_from"},
		{"rules too long", DecideQuery{Task: Task{Task: "x", Rules: strings.Repeat("r", MaxPromptChars+1)}}, "rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Decide(t.Context(), tt.q)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("Decide = %v, want an input error naming %s", err, tt.field)
			}
		})
	}
	if _, err := m.Decide(t.Context(), DecideQuery{Task: Task{Task: "x", Mode: ModeWrite, RulesTemplate: "feature", Timeout: time.Minute}}); err != nil {
		t.Fatalf("good fields refused: %v", err)
	}
}

func TestDecideSuggestsTheCallerFields(t *testing.T) {
	m, mem := newTestManager(t, &fakeRunner{}, codex.SandboxWorkspaceWrite)
	dir := t.TempDir()
	const (
		sid   = "0199a213-81c0-7800-8aa1-00000000000a"
		other = "0199a213-81c0-7800-8aa1-00000000000b"
	)
	now := time.Now()
	for _, r := range []memory.Run{
		{RunID: "r1", SessionID: sid, ConversationID: "c1", Directory: dir, Feature: "auth", Task: "Implement JWT auth",
			Purpose: "login", Context: "@{src/auth/**}", Status: memory.StatusCompleted, Sandbox: codex.SandboxWorkspaceWrite,
			StartedAt: now.Add(-time.Hour), EndedAt: now.Add(-50 * time.Minute)},
		{RunID: "r2", SessionID: other, ConversationID: "c0", Directory: dir, Feature: "billing", Task: "Implement billing",
			Status: memory.StatusCompleted, StartedAt: now.Add(-3 * time.Hour), EndedAt: now.Add(-170 * time.Minute)},
	} {
		if err := mem.InsertRun(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		if err := mem.FinishRun(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	task := Task{
		Purpose: "security", Mode: ModeWrite, Context: "@{src/auth/**}", Expected: "tests pass", Rules: "no new deps",
		RulesTemplate: "feature", Sandbox: codex.SandboxWorkspaceWrite, Model: "gpt-5", Profile: "work",
		Timeout: 10 * time.Minute, Wait: 30 * time.Second, ConversationID: "c1", Feature: "auth",
	}
	common := map[string]any{
		"purpose": "security", "mode": ModeWrite, "context": "@{src/auth/**}", "expected": "tests pass", "rules": "no new deps",
		"rules_template": "feature", "sandbox": codex.SandboxWorkspaceWrite, "model": "gpt-5", "profile": "work",
		"timeout_seconds": 600, "wait_seconds": 30, "conversation_id": "c1",
	}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for _, m := range []map[string]any{common, extra} {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	tests := []struct {
		name     string
		task     string
		relation string
		dir      string
		draw     []string
		tool     string
		args     map[string]any
	}{
		{"resume: no directory, feature or draw_from", "Add token refresh to the JWT auth", "extends", dir, []string{other},
			"resume_session", with(map[string]any{"task": "Add token refresh to the JWT auth", "session_id": sid})},
		{"new: everything, and the caller's draw_from", "Try another approach to JWT auth", "alternative", dir, []string{other},
			"start_session", with(map[string]any{"task": "Try another approach to JWT auth", "directory": dir, "feature": "auth", "draw_from": []string{other}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := DecideQuery{Task: task, Relation: tt.relation}
			q.Task.Task, q.Directory, q.DrawFrom = tt.task, tt.dir, tt.draw
			d, err := m.Decide(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			if d.SuggestedCall.Tool != tt.tool || !reflect.DeepEqual(d.SuggestedCall.Arguments, tt.args) {
				t.Errorf("suggested %s %v\nwant      %s %v\n(%s)", d.SuggestedCall.Tool, d.SuggestedCall.Arguments, tt.tool, tt.args, d.Reason)
			}
		})
	}
}

func TestDrawList(t *testing.T) {
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = fmt.Sprintf("0199a213-81c0-7800-8aa1-%012d", i)
	}
	tests := []struct {
		name         string
		given, merge []string
		want         []string
	}{
		{"none", nil, nil, nil},
		{"the caller's first, each once", []string{strings.ToUpper(ids[1]), ids[0]}, []string{ids[0], ids[2]}, []string{ids[1], ids[0], ids[2]}},
		{"at most maxDrawFrom", ids[:8], ids[4:], ids[:maxDrawFrom]},
	}
	for _, tt := range tests {
		if got := drawList(tt.given, tt.merge); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: drawList = %v, want %v", tt.name, got, tt.want)
		}
	}
}
