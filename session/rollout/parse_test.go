package rollout

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fixtures are real rollouts written by codex 0.125.0 and 0.169.0 against the fake
// model (two turns, the first running `echo hi`), with the temp directory renamed.
func TestParseRealRollouts(t *testing.T) {
	for _, tc := range []struct {
		version, id string
		started     string
	}{
		{"0.125.0", "01a209f9-6c3f-72d0-b9b1-43f8ff43f640", "2026-11-23T19:54:30.978Z"},
		{"0.169.0", "01a209f9-79b1-7990-8a7b-c61d56e5e8a4", "2026-11-23T19:54:34.293Z"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			for _, mode := range []parseMode{modeHead, modeFull, modeTranscript} {
				f, err := os.Open(filepath.Join("testdata", "rollout-"+tc.version+".jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				p, err := parse(t.Context(), f, mode)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				want := head{
					ID: tc.id, Directory: "/home/dev/project", StartedAt: parseTime(tc.started),
					CLIVersion: tc.version, Source: "exec", Originator: "codex_exec", Model: "gpt-5.5",
					Task: "TASK: first\nRUN: echo hi\nREPLY: hello there",
				}
				if p.head != want {
					t.Fatalf("mode %d head:\n got %+v\nwant %+v", mode, p.head, want)
				}
				if mode == modeHead {
					continue
				}
				if p.turns != 2 || p.lastMessage != "second reply" {
					t.Fatalf("turns %d last %q", p.turns, p.lastMessage)
				}
				if mode != modeTranscript {
					continue
				}
				var got []string
				for _, e := range p.transcript.entries() {
					if e.Time.IsZero() {
						t.Errorf("entry without time: %+v", e)
					}
					got = append(got, e.Role+": "+e.Text)
				}
				wantEntries := []string{
					"user: TASK: first\nRUN: echo hi\nREPLY: hello there",
					"command: echo hi",
					"assistant: hello there",
					"user: TASK: second turn\nREPLY: second reply",
					"assistant: second reply",
				}
				if strings.Join(got, "|") != strings.Join(wantEntries, "|") {
					t.Fatalf("transcript:\n got %q\nwant %q", got, wantEntries)
				}
			}
		})
	}
}

// parseString parses an in-memory rollout.
func parseString(t *testing.T, s string, mode parseMode) (parsed, error) {
	t.Helper()
	return parse(t.Context(), strings.NewReader(s), mode)
}

const metaLineOK = `{"timestamp":"2026-01-02T03:04:05.000Z","type":"session_meta","payload":{"id":"11111111-2222-3333-4444-555555555555","timestamp":"2026-01-02T03:04:05.000Z","cwd":"/w","originator":"codex_cli_rs","cli_version":"0.100.0","source":"cli"}}`

func userLine(text string) string {
	return `{"timestamp":"2026-01-02T03:04:06.000Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":` + quote(text) + `}]}}`
}

func assistantLine(text string) string {
	return `{"timestamp":"2026-01-02T03:04:07.000Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":` + quote(text) + `}]}}`
}

func quote(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestParseDamagedAndOdd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		wantErr bool
		task    string
		turns   int
		last    string
		source  string
	}{
		{name: "empty file", in: "", wantErr: true},
		{name: "blank line only", in: "\n", wantErr: true},
		{name: "garbage", in: "not json at all\n", wantErr: true},
		{name: "first line truncated", in: metaLineOK[:200], wantErr: true},
		{name: "first record is not session_meta", in: userLine("hi") + "\n", wantErr: true},
		{name: "meta only, no newline", in: metaLineOK, source: "cli"},
		{name: "meta only", in: metaLineOK + "\n", source: "cli"},
		{name: "truncated last line is skipped",
			in:   metaLineOK + "\n" + userLine("fix the bug") + "\n" + assistantLine("fixed")[:40],
			task: "fix the bug", turns: 1, source: "cli"},
		{name: "garbage and unknown records in between",
			in: metaLineOK + "\n{oops\n\n" + `{"type":"brand_new_record","payload":{"x":1}}` + "\n" +
				`{"type":"response_item","payload":{"type":"message","role":"user","content":42}}` + "\n" +
				`{"type":"event_msg","payload":{"type":"something_new","message":{"nested":true}}}` + "\n" +
				userLine("<environment_context>\n<cwd>/w</cwd>\n</environment_context>") + "\n" +
				userLine("# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>be nice</INSTRUCTIONS>") + "\n" +
				userLine("  real prompt  ") + "\n" + assistantLine("ok") + "\n" +
				userLine("<turn_aborted>\nThe user interrupted.\n</turn_aborted>") + "\n",
			task: "real prompt", turns: 1, last: "ok", source: "cli"},
		{name: "subagent source object",
			in:     strings.Replace(metaLineOK, `"source":"cli"`, `"source":{"subagent":"review"}`, 1) + "\n",
			source: `{"subagent":"review"}`},
		{name: "field of unexpected type keeps the rest",
			in:   strings.Replace(metaLineOK, `"originator":"codex_cli_rs"`, `"originator":7`, 1) + "\n" + userLine("go") + "\n",
			task: "go", turns: 1, source: "cli"},
		{name: "only event user_message (no response_item)",
			in:   metaLineOK + "\n" + `{"type":"event_msg","payload":{"type":"user_message","message":"from event"}}` + "\n" + `{"type":"event_msg","payload":{"type":"task_complete","last_agent_message":"finished"}}` + "\n",
			task: "from event", turns: 1, last: "finished", source: "cli"},
		{name: "legacy top-level meta",
			in: `{"id":"11111111-2222-3333-4444-555555555555","timestamp":"2025-05-01T00:00:00Z","instructions":"x"}` + "\n" + `{"type":"message","role":"user","content":[{"type":"input_text","text":"old"}]}` + "\n"},
		{name: "CRLF line endings",
			in:   metaLineOK + "\r\n" + userLine("windows") + "\r\n",
			task: "windows", turns: 1, source: "cli"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseString(t, tc.in, modeFull)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if p.Task != tc.task || p.turns != tc.turns || p.lastMessage != tc.last || p.Source != tc.source {
				t.Fatalf("task %q turns %d last %q source %q; want %q %d %q %q", p.Task, p.turns, p.lastMessage, p.Source, tc.task, tc.turns, tc.last, tc.source)
			}
			if p.ID != "11111111-2222-3333-4444-555555555555" {
				t.Fatalf("id %q", p.ID)
			}
		})
	}
}

func TestParseHeadStopsEarly(t *testing.T) {
	// A listing must not read a long session to the end: after the first prompt the
	// rest of the file is never consumed.
	var b strings.Builder
	b.WriteString(metaLineOK + "\n" + userLine("first") + "\n")
	for range 10000 {
		b.WriteString(assistantLine(strings.Repeat("x", 100)) + "\n")
	}
	r := &countingReader{r: strings.NewReader(b.String())}
	p, err := parse(t.Context(), r, modeHead)
	if err != nil || p.Task != "first" {
		t.Fatalf("task %q err %v", p.Task, err)
	}
	if r.n > 2*readerSize {
		t.Fatalf("head parse read %d bytes of %d", r.n, b.Len())
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestLineReaderOversize(t *testing.T) {
	// A line over max comes back as its first keep bytes, with its full size; lines
	// around it are untouched, and a final line without a newline counts too.
	in := "short\n" + strings.Repeat("y", 300) + "\nafter\r\n" + strings.Repeat("z", 300)
	lr := newLineReader(t.Context(), strings.NewReader(in))
	defer lr.release()
	lr.max, lr.keep = 100, 10
	type out struct {
		line     string
		oversize bool
		size     int64
	}
	var got []out
	for {
		line, over, size, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		got = append(got, out{string(line), over, size})
	}
	want := []out{{"short", false, 6}, {strings.Repeat("y", 10), true, 301}, {"after", false, 7}, {strings.Repeat("z", 10), true, 300}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestLineReaderLimits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cancel  bool
		limit   int64
		wantErr error
	}{
		{name: "cancelled context", cancel: true, limit: maxReadBytes, wantErr: context.Canceled},
		{name: "read limit", limit: 3 << 20, wantErr: errReadLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			// An endless line: only the limits can end the read.
			lr := newLineReader(ctx, endless{})
			defer lr.release()
			lr.limit = tc.limit
			if tc.cancel {
				cancel()
			}
			_, _, _, err := lr.next()
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if lr.count > tc.limit+ctxCheckBytes {
				t.Fatalf("read %d bytes", lr.count)
			}
		})
	}
}

// endless reads as an infinite stream of 'x'.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestIsContextual(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"<environment_context>\n  <cwd>/x</cwd>\n</environment_context>", true},
		{"<turn_aborted>\nstopped\n</turn_aborted>", true},
		{"<user_instructions>\nbe brief\n</user_instructions>", true},
		{"# AGENTS.md instructions for /repo\n\n<INSTRUCTIONS>x</INSTRUCTIONS>", true},
		{"<some_future_wrapper kind=\"x\">\nbody\n</some_future_wrapper>", true},
		{"   ", true},
		{"fix the login bug", false},
		{"<div> is misaligned, fix the CSS", false},
		{"<b>bold</b> text should be italic", false},
		{"<", false},
	} {
		if got := isContextual(tc.text); got != tc.want {
			t.Errorf("isContextual(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"  hi  ", 5, "hi"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcde…"},
		{"ééééé", 5, "ééééé"},
		{"éééééé", 5, "éééé…"},
	} {
		if got := clip(tc.in, tc.n); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestCommandText(t *testing.T) {
	for _, tc := range []struct {
		pl   payload
		want string
	}{
		{payload{Type: "function_call", Name: "exec_command", Arguments: `{"cmd":"go test ./..."}`}, "go test ./..."},
		{payload{Type: "function_call", Name: "shell", Arguments: `{"command":["bash","-lc","ls -la"]}`}, "ls -la"},
		{payload{Type: "function_call", Name: "shell", Arguments: `{"command":["git","status"]}`}, "git status"},
		{payload{Type: "local_shell_call", Action: []byte(`{"type":"exec","command":["bash","-c","make"]}`)}, "make"},
		{payload{Type: "function_call", Name: "update_plan", Arguments: `{"plan":[]}`}, ""},
		{payload{Type: "function_call", Name: "exec_command", Arguments: `not json`}, ""},
		{payload{Type: "custom_tool_call", Name: "apply_patch", Input: "*** Begin Patch"}, ""},
	} {
		if got := commandText(tc.pl); got != tc.want {
			t.Errorf("commandText(%+v) = %q, want %q", tc.pl, got, tc.want)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := cursor{at: time.Unix(1795463674, 293000000), id: fakeID(7)}
	got, err := decodeCursor(c.encode())
	if err != nil || !got.at.Equal(c.at) || got.id != c.id {
		t.Fatalf("got %+v err %v", got, err)
	}
	// CursorAfter (for callers merging listings) makes the same cursors.
	if CursorAfter(c.at, c.id) != c.encode() {
		t.Fatal("CursorAfter differs from the page cursor")
	}
	for _, bad := range []string{"x", "!!!", "cjF8YWJjfGlk" /* r1|abc|id */} {
		if _, err := decodeCursor(bad); err != ErrBadCursor {
			t.Errorf("decodeCursor(%q) err = %v", bad, err)
		}
	}
}
