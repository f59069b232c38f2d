package atpattern

import (
	"strings"
	"testing"

	"github.com/codex-mcp/codex-mcp/internal/atpattern/atpatterntest"
)

// FuzzParse: no panic; every pattern is a trimmed, non-empty substring of the input, the
// patterns appear in order without overlapping; the work is linear in the input.
func FuzzParse(f *testing.F) {
	for _, c := range atpatterntest.Cases {
		f.Add(c.In)
	}
	f.Fuzz(func(t *testing.T, in string) {
		it := Scan(in)
		from := 0
		for p, ok := it.Next(); ok; p, ok = it.Next() {
			if p == "" || p != strings.TrimSpace(p) {
				t.Fatalf("pattern %q is empty or untrimmed", p)
			}
			i := strings.Index(in[from:], p)
			if i < 0 {
				t.Fatalf("pattern %q is not in the input after offset %d", p, from)
			}
			from += i + len(p)
		}
		if it.steps > maxStepsPerByte*len(in)+maxStepsPerByte {
			t.Fatalf("%d steps for %d bytes", it.steps, len(in))
		}
	})
}
