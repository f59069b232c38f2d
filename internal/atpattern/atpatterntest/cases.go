// Package atpatterntest holds the `@{...}` cases every reader of the syntax is tested
// against (atpattern itself, prompts.Groups, session/decide's pattern reader), so the
// readers cannot drift apart again. Only tests import it.
package atpatterntest

import (
	"slices"
	"strings"
	"testing"
)

// Case is a context text and the patterns it holds, in order.
type Case struct {
	Name string
	In   string
	Want []string
}

// Cases: the seed's examples first, then the edges.
var Cases = []Case{
	{"seed single", "@{src/auth/**/*} Database schema from session memory", []string{"src/auth/**/*"}},
	{"seed list", "Previous auth implementation from current session, @{src/auth/**/*,src/middleware/**/*}", []string{"src/auth/**/*", "src/middleware/**/*"}},
	{"seed files", "JWT middleware from previous task, @{src/auth/jwt.ts,src/auth/middleware.ts} Token validation patterns", []string{"src/auth/jwt.ts", "src/auth/middleware.ts"}},
	{"nested braces", "@{src/{a,b}/*.go,docs/**}", []string{"src/{a,b}/*.go", "docs/**"}},
	{"deeply nested", "@{x/{a,{b,c}}/y,z}", []string{"x/{a,{b,c}}/y", "z"}},
	{"several groups", "@{a.go} then @{b/*.go, c/**} end", []string{"a.go", "b/*.go", "c/**"}},
	{"whitespace", "@{  src/a.go ,\tsrc/b.go\n}", []string{"src/a.go", "src/b.go"}},
	{"empty patterns", "@{,a,, ,b,}", []string{"a", "b"}},
	{"empty group", "@{} @{ } @{,}", nil},
	{"no group", "no patterns {here} or @ {there}", nil},
	{"unclosed", "@{unclosed/dir", nil},
	{"unclosed then closed", "@{oops and later @{x.go}", []string{"x.go"}},
	{"unclosed nested then closed", "@{{ stray @{src/{a,b}.go} tail", []string{"src/{a,b}.go"}},
	{"closed then unclosed", "@{a.go} @{b", []string{"a.go"}},
	{"inner group is pattern text", "@{a,@{b}}", []string{"a", "@{b}"}},
	{"stray close", "} @{a} }", []string{"a"}},
	{"double at", "@@{a}", []string{"a"}},
	{"unicode", "@{src/ünï/*.go,日本/**}", []string{"src/ünï/*.go", "日本/**"}},
	{"adversarial unclosed", strings.Repeat("@{{{{", 1000) + "@{ok}", []string{"ok"}},
	{"adversarial many unclosed", strings.Repeat("@{", 1000) + "@{ok}", []string{"ok"}},
	{"adversarial closed at end", "@{" + strings.Repeat("{", 1000) + strings.Repeat("}", 1000) + "}@{ok}", []string{strings.Repeat("{", 1000) + strings.Repeat("}", 1000), "ok"}},
}

// Run checks a reader against every case; parse returns the patterns it reads in text.
func Run(t *testing.T, parse func(text string) []string) {
	t.Helper()
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			if got := parse(c.In); !slices.Equal(got, c.Want) {
				t.Errorf("read %.80q as %q, want %q", c.In, got, c.Want)
			}
		})
	}
}
