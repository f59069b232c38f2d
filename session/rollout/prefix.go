package rollout

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// maxPrefixDepth bounds the nesting scanPrefix follows; codex's records nest a handful
// of levels, and the bound keeps a hostile line from recursing deeply.
const maxPrefixDepth = 32

// scanPrefix walks JSON text that may be cut anywhere (the kept head of a line too long
// to decode) and calls fn for each string value with its path: object keys joined by
// ".", "[]" for an array element ("payload.content[].text"). complete is false for a
// string the cut falls in; fn gets the part before the cut. The walk stops at the cut
// or at the first syntax error; what it reported until then stands.
func scanPrefix(data []byte, fn func(path, val string, complete bool)) {
	s := prefixScanner{data: data, fn: fn}
	s.value(0)
}

type prefixScanner struct {
	data []byte
	i    int
	path []byte
	fn   func(path, val string, complete bool)
}

func (s *prefixScanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *prefixScanner) done() bool { return s.i >= len(s.data) }

// value scans one value; false means the text ended or broke inside it.
func (s *prefixScanner) value(depth int) bool {
	s.ws()
	if s.done() || depth > maxPrefixDepth {
		return false
	}
	switch s.data[s.i] {
	case '{':
		return s.object(depth + 1)
	case '[':
		return s.array(depth + 1)
	case '"':
		v, ok := s.str()
		s.fn(string(s.path), v, ok)
		return ok
	default: // number, true, false, null
		start := s.i
		for s.i < len(s.data) && !strings.ContainsRune(",]} \t\r\n", rune(s.data[s.i])) {
			s.i++
		}
		return s.i > start && !s.done()
	}
}

func (s *prefixScanner) object(depth int) bool {
	mark := len(s.path)
	return s.members('}', func() bool {
		if s.data[s.i] != '"' {
			return false
		}
		key, ok := s.str()
		if !ok {
			return false
		}
		s.ws()
		if s.done() || s.data[s.i] != ':' {
			return false
		}
		s.i++
		if mark > 0 {
			s.path = append(s.path, '.')
		}
		s.path = append(s.path, key...)
		ok = s.value(depth)
		s.path = s.path[:mark]
		return ok
	})
}

func (s *prefixScanner) array(depth int) bool {
	mark := len(s.path)
	s.path = append(s.path, "[]"...)
	defer func() { s.path = s.path[:mark] }()
	return s.members(']', func() bool { return s.value(depth) })
}

// members scans the members of an object or array from its opening bracket at s.i to
// the closing one (end), calling member for each; false when the text ends or breaks.
func (s *prefixScanner) members(end byte, member func() bool) bool {
	s.i++ // the opening bracket
	for first := true; ; first = false {
		s.ws()
		if s.done() {
			return false
		}
		if first && s.data[s.i] == end {
			s.i++
			return true
		}
		if !member() {
			return false
		}
		s.ws()
		if s.done() {
			return false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case end:
			s.i++
			return true
		default:
			return false
		}
	}
}

// str scans a string at s.i. A string cut short yields its decodable part and false.
func (s *prefixScanner) str() (string, bool) {
	start := s.i
	s.i++
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			var v string
			if json.Unmarshal(s.data[start:s.i], &v) != nil {
				s.i = len(s.data) // a bad escape: stop the walk
				return "", false
			}
			return v, true
		}
		s.i++
	}
	s.i = len(s.data)
	return unquotePartial(s.data[start:]), false
}

// unquotePartial decodes the opening part of a string cut at the end of raw (which
// starts with its quote), dropping an escape sequence or a character the cut split.
func unquotePartial(raw []byte) string {
	buf := make([]byte, 0, len(raw)+1)
	for trim := 0; trim <= 6 && trim < len(raw); trim++ {
		part := raw[:len(raw)-trim]
		if !utf8.Valid(part) && trim < 3 {
			continue // the cut split a multi-byte character: trim it first
		}
		buf = append(append(buf[:0], part...), '"')
		var v string
		if json.Unmarshal(buf, &v) == nil {
			return v
		}
	}
	return ""
}
