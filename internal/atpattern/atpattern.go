// Package atpattern reads the `@{glob,glob}` file-pattern groups of a task's CONTEXT.
// It is the one reader of that syntax: prompts resolves the patterns against the
// session directory, session/decide compares them with earlier sessions' patterns, and
// both must see the same patterns in the same text.
//
// The syntax: a group opens with "@{" and closes at the matching "}", braces counted, so
// a glob's own alternatives stay inside one pattern: "@{src/{a,b}/*.go,docs/**}" is the
// two patterns "src/{a,b}/*.go" and "docs/**". Commas outside nested braces separate
// patterns; space around a pattern is dropped, and so are empty patterns. An "@{" whose
// brace is never closed is plain text, and groups after it are still read. Backslash is
// not an escape here (Windows users write paths with it); braces always count.
package atpattern

import "strings"

// Iter walks the patterns of every group of a text, in order. It does not allocate
// unless the text holds an unclosed "@{" (then once, see closer), because decide runs it
// over the context of every remembered session.
type Iter struct {
	s     string
	pos   int  // where the search for the next group resumes
	cur   int  // inside a group: where the next pattern starts
	end   int  // inside a group: the index of its closing brace
	inGrp bool // cur and end are set
	tab   *closer
	steps int // bytes examined, for the linearity tests
}

// Scan returns an iterator over the patterns of s.
func Scan(s string) Iter { return Iter{s: s} }

// Next returns the next non-empty pattern, trimmed, as a substring of the text.
func (it *Iter) Next() (string, bool) {
	for {
		if !it.inGrp && !it.open() {
			return "", false
		}
		// Split the group at commas outside nested braces. The group's closing brace is
		// at it.end, so depth never goes below zero before it.
		depth, j := 0, it.cur
	scan:
		for ; j < it.end; j++ {
			switch it.s[j] {
			case '{':
				depth++
			case '}':
				depth--
			case ',':
				if depth == 0 {
					break scan
				}
			}
		}
		it.steps += j - it.cur + 1
		p := strings.TrimSpace(it.s[it.cur:j])
		if j >= it.end {
			it.inGrp, it.pos = false, it.end+1
		} else {
			it.cur = j + 1
		}
		if p != "" {
			return p, true
		}
	}
}

// open finds the next "@{" whose brace is closed and enters its group.
func (it *Iter) open() bool {
	for it.pos < len(it.s) {
		i := strings.Index(it.s[it.pos:], "@{")
		if i < 0 {
			it.steps += len(it.s) - it.pos
			it.pos = len(it.s)
			return false
		}
		it.steps += i + 2
		at := it.pos + i
		if end := it.match(at + 1); end >= 0 {
			it.cur, it.end, it.inGrp = at+2, end, true
			return true
		}
		it.pos = at + 2 // unclosed: the "@{" is text; look further
	}
	return false
}

// match returns the index of the brace closing the one at o, or -1.
func (it *Iter) match(o int) int {
	if it.tab != nil {
		return it.tab.lookup(o)
	}
	depth := 0
	for j := o; j < len(it.s); j++ {
		switch it.s[j] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				it.steps += j - o + 1
				return j // the group is consumed: these bytes are not scanned again
			}
		}
	}
	// Unclosed. Scanning forward again from every later "@{" would be quadratic on text
	// like "@{@{@{…", so match all the rest's braces in one pass and look them up.
	it.steps += 2 * (len(it.s) - o)
	it.tab = newCloser(it.s, o)
	return it.tab.lookup(o)
}

// closer holds, for every "@{" from some offset on, the index of its closing brace.
type closer struct {
	open  []int // brace index of each "@{", ascending
	close []int // its closing brace, or -1
	next  int   // lookups come in ascending order: where the last one stopped
}

// newCloser matches braces with a stack that holds only the group openers ("@{") and,
// for each, how many plain braces are open above it, so 1 MB of "{" costs a counter,
// not a megabyte-deep stack.
func newCloser(s string, from int) *closer {
	c := &closer{}
	type frame struct {
		ord   int // index into open/close
		plain int // plain braces opened above this group and not yet closed
	}
	var stack []frame
	for j := from; j < len(s); j++ {
		switch s[j] {
		case '{':
			switch {
			case j > 0 && s[j-1] == '@':
				stack = append(stack, frame{ord: len(c.open)})
				c.open = append(c.open, j)
				c.close = append(c.close, -1)
			case len(stack) > 0:
				stack[len(stack)-1].plain++
			}
			// a plain brace below every group cannot close a group: not tracked
		case '}':
			if n := len(stack); n > 0 {
				if stack[n-1].plain > 0 {
					stack[n-1].plain--
				} else {
					c.close[stack[n-1].ord] = j
					stack = stack[:n-1]
				}
			}
		}
	}
	return c
}

func (c *closer) lookup(o int) int {
	for c.next < len(c.open) && c.open[c.next] < o {
		c.next++
	}
	if c.next < len(c.open) && c.open[c.next] == o {
		return c.close[c.next]
	}
	return -1
}

// Parse returns every pattern of every group of s, in order.
func Parse(s string) []string {
	var out []string
	it := Scan(s)
	for p, ok := it.Next(); ok; p, ok = it.Next() {
		out = append(out, p)
	}
	return out
}
