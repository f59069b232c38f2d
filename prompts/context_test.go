package prompts

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/codex-mcp/codex-mcp/internal/atpattern/atpatterntest"
)

func TestGroupsSharedCases(t *testing.T) { atpatterntest.Run(t, Groups) }

// symlinkTree builds, under a temp root:
//
//	proj/src/{a,b}.go, proj/docs/x.md    the session directory
//	proj/src/evil.go   -> outside/secret.txt   a file link leading out
//	proj/src/up        -> ..                   a directory cycle that stays inside
//	proj/docs/link.md  -> ../src/a.go          a file link that stays inside
//	proj/inlink        -> src                  a directory link that stays inside
//	proj/outlink       -> outside              a directory link leading out
//	proj/etclink       -> /etc
//	proj/sharedlink    -> shared/lib           into a root the operator may allow
//	proj/loop/{a,b}    -> each other           a link cycle
//	proj/broken        -> nowhere
//	projlink           -> proj                 the session directory reached by a link
func symlinkTree(t *testing.T) (root string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	root = t.TempDir()
	for _, f := range []string{"proj/src/a.go", "proj/src/b.go", "proj/docs/x.md", "outside/secret.txt", "outside/a.txt", "shared/lib/l.go"} {
		write(t, filepath.Join(root, f))
	}
	links := [][2]string{
		{"proj/src/evil.go", filepath.Join(root, "outside/secret.txt")},
		{"proj/src/up", ".."},
		{"proj/docs/link.md", "../src/a.go"},
		{"proj/inlink", "src"},
		{"proj/outlink", filepath.Join(root, "outside")},
		{"proj/etclink", "/etc"},
		{"proj/sharedlink", filepath.Join(root, "shared/lib")},
		{"proj/loop/a", "b"},
		{"proj/loop/b", "a"},
		{"proj/broken", "nowhere"},
		{"projlink", "proj"},
	}
	for _, l := range links {
		p := filepath.Join(root, l[0])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(l[1], p); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func write(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResolveStaysInsideTheArea(t *testing.T) {
	root := symlinkTree(t)
	shared := filepath.ToSlash(filepath.Join(root, "shared"))
	cases := []struct {
		name, pattern string
		allowShared   bool
		dir           string // under root; default proj
		files         []string
		outside       []string
		unresolved    []string
	}{
		{name: "dir link out", pattern: "outlink/*", outside: []string{"outlink"}},
		{name: "file through dir link out", pattern: "outlink/secret.txt", outside: []string{"outlink/secret.txt"}},
		{name: "link to /etc", pattern: "etclink/*", outside: []string{"etclink"}},
		{name: "file through link to /etc", pattern: "etclink/passwd", outside: []string{"etclink/passwd"}},
		{name: "file link out", pattern: "src/*.go", files: []string{"src/a.go", "src/b.go"}, outside: []string{"src/evil.go"}},
		{name: "recursive walk", pattern: "**/*.go", files: []string{"src/a.go", "src/b.go"},
			outside: []string{"etclink", "outlink", "sharedlink", "src/evil.go"}},
		{name: "recursive walk from a link out", pattern: "outlink/**/*", outside: []string{"outlink"}},
		{name: "cycle inside is not looped", pattern: "src/up/**/*.go", files: []string{"src/up/src/a.go", "src/up/src/b.go"},
			outside: []string{"src/up/etclink", "src/up/outlink", "src/up/sharedlink", "src/up/src/evil.go"}},
		{name: "dir link inside kept", pattern: "inlink/*.go", files: []string{"inlink/a.go", "inlink/b.go"}, outside: []string{"inlink/evil.go"}},
		{name: "file link inside kept", pattern: "docs/*", files: []string{"docs/link.md", "docs/x.md"}},
		{name: "link cycle", pattern: "loop/*", unresolved: []string{"loop/a", "loop/b"}},
		{name: "broken link", pattern: "broken", unresolved: []string{"broken"}},
		{name: "link into a root not allowed", pattern: "sharedlink/*.go", outside: []string{"sharedlink"}},
		{name: "link into an allowed root", pattern: "sharedlink/*.go", allowShared: true, files: []string{"sharedlink/l.go"}},
		{name: "dotdot out", pattern: "../outside/*", outside: []string{"../outside"}},
		{name: "dotdot alone", pattern: "..", outside: []string{".."}},
		{name: "dotdot into an allowed root", pattern: "../shared/lib/*.go", allowShared: true, files: []string{"../shared/lib/l.go"}},
		{name: "dotdot that comes back", pattern: "src/../src/a.go", files: []string{"src/a.go"}},
		{name: "absolute out", pattern: "/etc/*", outside: []string{"/etc"}},
		{name: "absolute into an allowed root", pattern: shared + "/lib/*.go", allowShared: true, files: []string{shared + "/lib/l.go"}},
		{name: "session dir reached by a link", pattern: "src/*.go", dir: "projlink", files: []string{"src/a.go", "src/b.go"}, outside: []string{"src/evil.go"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if strings.Contains(c.pattern, "etc") {
				if _, err := os.Stat("/etc/passwd"); err != nil {
					t.Skip("no /etc/passwd here")
				}
			}
			area := Area{Dir: filepath.Join(root, "proj")}
			if c.dir != "" {
				area.Dir = filepath.Join(root, c.dir)
			}
			if c.allowShared {
				area.Allowed = []string{filepath.Join(root, "shared")}
			}
			pats, err := Resolve(t.Context(), area, "@{"+c.pattern+"}", 50)
			if err != nil {
				t.Fatal(err)
			}
			if len(pats) != 1 {
				t.Fatalf("%d patterns", len(pats))
			}
			p := pats[0]
			var outside, unresolved []string
			for _, l := range p.LeftOut {
				if l.Unresolved {
					unresolved = append(unresolved, l.Path)
				} else {
					outside = append(outside, l.Path)
				}
			}
			slices.Sort(outside)
			slices.Sort(unresolved)
			if !slices.Equal(p.Files, c.files) && (len(p.Files) != 0 || len(c.files) != 0) {
				t.Errorf("files %q, want %q", p.Files, c.files)
			}
			if !slices.Equal(outside, c.outside) {
				t.Errorf("left out as outside %q, want %q", outside, c.outside)
			}
			if !slices.Equal(unresolved, c.unresolved) {
				t.Errorf("left out as unresolved %q, want %q", unresolved, c.unresolved)
			}
			if _, listed, _ := strings.Cut(Annotate("", pats), "→"); strings.Contains(listed, "secret") || strings.Contains(listed, "passwd") {
				t.Errorf("the prompt lists a file outside: %s", listed)
			}
			if len(p.LeftOut) > 0 && len(p.Warnings(area.Dir)) == 0 {
				t.Error("paths left out without a warning")
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	cases := []struct {
		p    Pattern
		want []string
	}{
		{Pattern{Pattern: "outlink/*", LeftOut: []LeftOut{{Path: "outlink/a.txt"}, {Path: "outlink/secret.txt"}}},
			[]string{"2 paths reached by @{outlink/*} lie outside the session directory and the allowed directories and were left out (outlink/a.txt, outlink/secret.txt)"}},
		{Pattern{Pattern: "outlink/*", LeftOut: []LeftOut{{Path: "outlink"}}},
			[]string{"1 path reached by @{outlink/*} lies outside the session directory and the allowed directories and was left out (outlink)"}},
		{Pattern{Pattern: "**/*", Files: []string{"a.go"}, LeftOut: []LeftOut{{Path: "a"}, {Path: "b"}, {Path: "c"}, {Path: "d"}, {Path: "loop", Unresolved: true}}},
			[]string{"4 paths reached by @{**/*} lie outside the session directory and the allowed directories and were left out (a, b, c, …)",
				"1 path reached by @{**/*} is a broken or looping symlink and was left out (loop)"}},
		{Pattern{Pattern: "nothing/*"}, []string{"context pattern @{nothing/*} matched no files in /p"}},
		{Pattern{Pattern: "src/*", Files: []string{"src/a.go"}}, nil},
	}
	for _, c := range cases {
		if got := c.p.Warnings("/p"); !slices.Equal(got, c.want) {
			t.Errorf("Warnings(%+v) =\n%q\nwant\n%q", c.p, got, c.want)
		}
	}
}
