package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// notesField is the structuredContent field, in every tool's output schema, where the
// server says what it did to an answer that the answer's own fields cannot say: what it
// cut to keep the result bounded, or that it answered without waiting.
const notesField = "notes"

// cutLevels are the successive cuts tried on an oversized structured result, gentlest
// first: strings longer than str bytes are shortened, arrays longer than items keep
// their first and last items/2.
var cutLevels = []struct{ str, items int }{
	{16 << 10, 200},
	{4 << 10, 60},
	{1 << 10, 20},
	{256, 6},
	{64, 2},
}

// boundResult makes res fit MaxResultBytes (structured content) and MaxTextBytes (each
// text), whatever the store held: the last line of defence before a client gets a
// multi-megabyte message. The cut result keeps its shape, so it still validates against
// the tool's output schema, and says in notes (and at the end of the text) what was cut.
func boundResult(res *mcp.CallToolResult) {
	if res == nil {
		return
	}
	var notes []string
	if res.StructuredContent != nil {
		data, err := json.Marshal(res.StructuredContent)
		if err == nil && len(data) > MaxResultBytes {
			sc, cut := boundJSON(data, MaxResultBytes)
			res.StructuredContent = sc
			notes = append(notes, cut...)
		}
	}
	for i, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			if t, cut := cutText(tc.Text, MaxTextBytes); cut != "" {
				tc.Text = t
				res.Content[i] = tc
				notes = append(notes, "text: "+cut)
			}
		}
	}
	if len(notes) == 0 {
		return
	}
	addNotes(res, notes...)
	for i, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			tc.Text += "\n\n(codex-mcp cut this answer to keep it small: " + strings.Join(notes, "; ") + ".)"
			res.Content[i] = tc
			break
		}
	}
}

// addNotes appends notes to the structured content's notes field.
func addNotes(res *mcp.CallToolResult, notes ...string) {
	if res.StructuredContent == nil {
		return
	}
	m, ok := res.StructuredContent.(map[string]any)
	if !ok {
		data, err := json.Marshal(res.StructuredContent)
		if err != nil || json.Unmarshal(data, &m) != nil || m == nil {
			return // not an object: no schema of ours has a place for notes
		}
	}
	var have []any
	if prev, ok := m[notesField].([]any); ok {
		have = prev
	}
	for _, n := range notes {
		have = append(have, n)
	}
	m[notesField] = have
	res.StructuredContent = m
}

// boundJSON cuts the JSON document data until it encodes in at most limit bytes and
// returns it decoded, with one note per kind of cut.
func boundJSON(data []byte, limit int) (any, []string) {
	for _, lv := range cutLevels {
		var v any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber() // numbers come back exactly as they went in
		if err := dec.Decode(&v); err != nil {
			return nil, []string{"the result could not be re-read to cut it: " + err.Error()}
		}
		c := cutter{str: lv.str, items: lv.items, strings: map[string]int{}, arrays: map[string]string{}}
		v = c.cut(v, "")
		out, err := json.Marshal(v)
		if err == nil && len(out) <= limit || lv == cutLevels[len(cutLevels)-1] {
			return v, c.notes()
		}
	}
	panic("unreachable")
}

type cutter struct {
	str, items int
	strings    map[string]int    // path pattern -> strings shortened there
	arrays     map[string]string // path -> what was kept
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

func (c *cutter) cut(v any, path string) any {
	switch x := v.(type) {
	case string:
		if len(x) > c.str {
			c.strings[indexRE.ReplaceAllString(path, "[]")]++
			return headOf(x, c.str) + fmt.Sprintf("… [%d more bytes cut]", len(x)-len(headOf(x, c.str)))
		}
		return x
	case []any:
		if len(x) > c.items {
			head, tail := c.items-c.items/2, c.items/2
			c.arrays[path] = fmt.Sprintf("kept the first %d and the last %d of %d items", head, tail, len(x))
			x = append(x[:head:head], x[len(x)-tail:]...)
		}
		for i := range x {
			x[i] = c.cut(x[i], fmt.Sprintf("%s[%d]", path, i))
		}
		return x
	case map[string]any:
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			x[k] = c.cut(e, p)
		}
		return x
	}
	return v
}

func (c *cutter) notes() []string {
	var out []string
	for _, p := range slices.Sorted(maps.Keys(c.arrays)) {
		out = append(out, p+": "+c.arrays[p])
	}
	for _, p := range slices.Sorted(maps.Keys(c.strings)) {
		out = append(out, fmt.Sprintf("%s: %d value(s) shortened to %d bytes", orRoot(p), c.strings[p], c.str))
	}
	return out
}

func orRoot(p string) string {
	if p == "" {
		return "value"
	}
	return p
}

// cutText shortens s, if its JSON encoding is longer than limit, to its head and tail
// around a marker; it returns the note of what was cut, "" when nothing was.
func cutText(s string, limit int) (string, string) {
	enc := encodedLen(s)
	if enc <= limit {
		return s, ""
	}
	// Keep a share of the bytes proportional to what fits, a little under it.
	keep := int(float64(len(s)) * float64(limit) / float64(enc) * 0.9)
	for {
		head := headOf(s, keep*3/4)
		tail := tailOf(s, keep-len(head))
		cutN := len(s) - len(head) - len(tail)
		out := head + fmt.Sprintf("\n\n… [%d bytes cut here] …\n\n", cutN) + tail
		if encodedLen(out) <= limit || keep == 0 {
			return out, fmt.Sprintf("%d of %d bytes cut from the middle", cutN, len(s))
		}
		keep /= 2
	}
}

func encodedLen(s string) int {
	data, _ := json.Marshal(s)
	return len(data)
}

// headOf is at most n bytes of s from the start, not splitting a character.
func headOf(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// tailOf is at most n bytes of s from the end, not splitting a character.
func tailOf(s string, n int) string {
	if n >= len(s) {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}
