package prompts

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRenderSeedLayout(t *testing.T) {
	got := Render(Fields{Purpose: "Implement user authentication", Task: "Create JWT-based authentication system", Mode: "auto",
		Context: "@{src/auth/**/*} Database schema from session memory", Expected: "Complete auth module with middleware", Rules: "Follow security best practices"})
	want := "PURPOSE: Implement user authentication\nTASK: Create JWT-based authentication system\nMODE: auto\n" +
		"CONTEXT: @{src/auth/**/*} Database schema from session memory\nEXPECTED: Complete auth module with middleware\nRULES: Follow security best practices\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := Render(Fields{Task: "only a task"}); got != "TASK: only a task\n" {
		t.Fatalf("empty fields not left out: %q", got)
	}
}

func TestGroups(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"@{src/auth/**/*} Previous JWT", []string{"src/auth/**/*"}},
		{"Previous auth, @{src/auth/**/*,src/middleware/**/*}", []string{"src/auth/**/*", "src/middleware/**/*"}},
		{"@{src/auth/jwt.ts,src/auth/middleware.ts} Token", []string{"src/auth/jwt.ts", "src/auth/middleware.ts"}},
		{"@{src/{a,b}/*.go} and @{x.go}", []string{"src/{a,b}/*.go", "x.go"}},
		{"no patterns {here}", nil},
		{"@{unclosed", nil},
	}
	for _, c := range cases {
		if got := Groups(c.in); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("Groups(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestValidatePatterns(t *testing.T) {
	for _, bad := range []string{"@{/etc/passwd}", "@{../secrets/*}", "@{src/[}", "@{~/x}"} {
		var pe *PatternError
		if err := ValidatePatterns(bad); !errors.As(err, &pe) {
			t.Errorf("%q: want PatternError, got %v", bad, err)
		}
	}
	if err := ValidatePatterns("@{src/**/*.go,docs/*.md}"); err != nil {
		t.Fatal(err)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"src/auth/jwt.go", "src/auth/mw.go", "src/pay/pay.go", "node_modules/x/auth.js", "src/auth/deep/a.go"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pats, err := Resolve(t.Context(), Area{Dir: dir}, "@{src/auth/**/*,nothing/*} and @{**/*.js}", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(pats) != 3 || len(pats[0].Files) != 2 || !pats[0].Truncated || len(pats[1].Files) != 0 || len(pats[2].Files) != 0 {
		t.Fatalf("%+v", pats)
	}
	ann := Annotate("@{src/auth/**/*}", pats)
	if !strings.Contains(ann, "no files match") || !strings.Contains(ann, "more not listed") {
		t.Fatalf("annotation: %s", ann)
	}
}

func TestTemplates(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "development"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "development", "feature.txt"), []byte("team rules\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tp := Templates{Dirs: []string{dir}}
	cases := []struct {
		name, want string
		err        bool
	}{
		{"development/feature", "team rules", false},
		{"bugfix", "Find the root cause", false},
		{"other/test", "Use the project's existing test framework", false},
		{"../../etc/passwd", "", true},
		{"nope", "", true},
	}
	for _, c := range cases {
		got, err := tp.Lookup(c.name)
		if (err != nil) != c.err || !strings.HasPrefix(got, c.want) {
			t.Errorf("Lookup(%q) = %q, %v", c.name, got, err)
		}
	}
	names := tp.Names()
	if !contains(names, "development/feature") || !contains(names, "feature") {
		t.Fatalf("names: %v", names)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestGroupsUnclosedIsLinear(t *testing.T) {
	text := strings.Repeat("@{", 200_000) + " @{x.go}"
	start := time.Now()
	if got := Groups(text); !slices.Equal(got, []string{"x.go"}) {
		t.Fatalf("unclosed groups gave %q, want the closed one after them", got)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("took %s", el)
	}
	if err := ValidatePatterns(strings.Repeat("@{a.go}", MaxPatterns+1)); err == nil {
		t.Fatal("too many patterns accepted")
	}
}

func TestResolveWithoutRecursionReadsOnlyWhatItNames(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "main.go", "src/a.go", "deep/x/y/z.go"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pats, err := Resolve(t.Context(), Area{Dir: dir}, "@{*.go,go.mod,./src/*.go,{src,deep}/**/*.go}", 10)
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{}
	for _, p := range pats {
		if p.Truncated {
			t.Errorf("%s truncated", p.Pattern)
		}
		got = append(got, p.Files)
	}
	want := [][]string{{"main.go"}, {"go.mod"}, {"src/a.go"}, {"deep/x/y/z.go", "src/a.go"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
}
