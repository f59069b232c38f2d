package atpattern

import (
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/atpattern/atpatterntest"
)

func TestParse(t *testing.T) { atpatterntest.Run(t, Parse) }

// maxStepsPerByte bounds the bytes examined per input byte: a group is scanned to find
// its end and again to split it, an unclosed one once forward and once to build the
// table. Quadratic behaviour shows as a factor that grows with the input.
const maxStepsPerByte = 4

func steps(s string) int {
	it := Scan(s)
	for _, ok := it.Next(); ok; _, ok = it.Next() {
	}
	return it.steps
}

func TestLinear(t *testing.T) {
	const mb = 1 << 20
	cases := []struct{ name, unit string }{
		{"unclosed braces", "@{{{{"},
		{"unclosed groups", "@{"},
		{"groups", "@{a,b}"},
		{"empty patterns", "@{,,,,}"},
		{"nested closed", "@{{}"},
		{"no groups", "{{}},"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := strings.Repeat(c.unit, mb/len(c.unit))
			start := time.Now()
			n := steps(in)
			if n > maxStepsPerByte*len(in) {
				t.Errorf("%d steps for %d bytes", n, len(in))
			}
			// A quadratic reader takes hours on a megabyte; a linear one milliseconds.
			// The bound is loose for -race on a loaded machine.
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("took %s", el)
			}
		})
	}
}

func TestNextDoesNotAllocate(t *testing.T) {
	in := "CONTEXT: @{src/auth/**/*,src/{a,b}/*.go} and @{ docs/** }"
	if n := testing.AllocsPerRun(100, func() { steps(in) }); n != 0 {
		t.Errorf("%v allocations per scan", n)
	}
}
