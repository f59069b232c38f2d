package stdio

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	cases := []struct {
		name, prefix, want string
	}{
		{"number first", `{"id":7,"jsonrpc":"2.0","method":"tools/call"`, `7`},
		{"after method", `{"jsonrpc":"2.0","method":"tools/call","id":"abc"`, `"abc"`},
		{"after nested params", `{"params":{"id":5,"a":[1,{"b":2}]},"id":9`, `9`},
		{"escaped string id", `{"id":"a\"b"`, `"a\"b"`},
		{"big number", `{"id":123456789012345678901234567890`, `123456789012345678901234567890`},
		{"no id before cut", `{"jsonrpc":"2.0","params":{"task":"xxxxxxxx`, `null`},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/x"}`, `null`},
		{"object id", `{"id":{"x":1}}`, `null`},
		{"not an object", `[1,2,3]`, `null`},
		{"garbage", `not json at all`, `null`},
		{"empty", ``, `null`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(RequestID([]byte(c.prefix))); got != c.want {
				t.Fatalf("RequestID(%q) = %s, want %s", c.prefix, got, c.want)
			}
		})
	}
}

func TestReaderRefusesLongLines(t *testing.T) {
	const limit = 1000
	long := func(id string, n int) string {
		head := `{"jsonrpc":"2.0",`
		if id != "" {
			head += `"id":` + id + `,`
		}
		return head + `"params":{"task":"` + strings.Repeat("x", n) + `"}}` + "\n"
	}
	cases := []struct {
		name    string
		input   string
		pass    string   // what the server behind the reader sees
		answers []string // ids of the refusals, in order
	}{
		{"short lines pass", "a\nb\n", "a\nb\n", nil},
		{"exactly the limit passes", strings.Repeat("y", limit-1) + "\n", strings.Repeat("y", limit-1) + "\n", nil},
		{"one over is refused", strings.Repeat("y", limit) + "\n", "", []string{"null"}},
		{"refused with its number id, next line passes", long("42", 5000) + "next\n", "next\n", []string{"42"}},
		{"string id", long(`"req-1"`, 200000) + "after\n", "after\n", []string{`"req-1"`}},
		{"many in a row", long("1", 3000) + long("2", 3000) + "ok\n", "ok\n", []string{"1", "2"}},
		{"last line without newline passes", "tail", "tail", nil},
		{"long last line without newline is refused", long("3", 3000)[:2500], "", []string{"3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			eof := 0
			r := NewReader(strings.NewReader(c.input), NewWriter(&out), limit)
			r.OnEOF = func() { eof++ }
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.pass {
				t.Fatalf("passed %q, want %q", got, c.pass)
			}
			if eof != 1 {
				t.Fatalf("OnEOF ran %d times", eof)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if out.Len() == 0 {
				lines = nil
			}
			if len(lines) != len(c.answers) {
				t.Fatalf("answers %q, want ids %v", out.String(), c.answers)
			}
			for i, l := range lines {
				var e errorResponse
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatalf("answer %q: %v", l, err)
				}
				if e.JSONRPC != "2.0" || string(e.ID) != c.answers[i] || e.Error.Code != -32600 || !strings.Contains(e.Error.Message, "limit of 1000 bytes") {
					t.Fatalf("answer %q, want id %s", l, c.answers[i])
				}
			}
		})
	}
}

// TestReaderHoldsLittleOfALongLine: discarding a line costs a bounded buffer, not the line.
func TestReaderHoldsLittleOfALongLine(t *testing.T) {
	const limit = 1 << 20
	body := io.MultiReader(strings.NewReader(`{"id":1,"x":"`), &repeat{n: 64 << 20}, strings.NewReader("\"}\nnext\n"))
	var out bytes.Buffer
	var size int64
	r := NewReader(body, NewWriter(&out), limit)
	r.OnReject = func(n int64, id string) { size = n }
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "next\n" {
		t.Fatalf("%q %v", got, err)
	}
	if size < 64<<20 || cap(r.line) > limit+readBufferBytes {
		t.Fatalf("size %d, line buffer %d", size, cap(r.line))
	}
}

type repeat struct{ n int }

func (r *repeat) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'z'
	}
	r.n -= n
	return n, nil
}
