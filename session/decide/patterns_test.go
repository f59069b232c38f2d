package decide

import (
	"testing"

	"github.com/codex-mcp/codex-mcp/internal/atpattern/atpatterntest"
)

// TestPatternsSharedCases: decide reads the same patterns as prompts does (issue 7:
// they disagreed on nested braces), from the same table.
func TestPatternsSharedCases(t *testing.T) {
	atpatterntest.Run(t, func(text string) []string {
		var got []string
		for _, p := range parsePatterns(text) {
			got = append(got, p.text)
		}
		return got
	})
	// The static prefix stops at the glob's own braces.
	if got := parsePatterns("@{src/{a,b}/*.go,docs/**}"); len(got) != 2 || got[0].prefix != "src" || got[1].prefix != "docs" {
		t.Errorf("prefixes: %+v", got)
	}
}
