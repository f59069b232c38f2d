package tools_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/codex-mcp/codex-mcp/session"
)

// captured is a slog handler that keeps every record, attributes rendered as key=value.
type captured struct {
	mu      *sync.Mutex
	records *[]logged
}

type logged struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func newCaptured() captured { return captured{mu: &sync.Mutex{}, records: &[]logged{}} }

func (c captured) Enabled(context.Context, slog.Level) bool { return true }
func (c captured) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c captured) WithGroup(string) slog.Handler            { return c }
func (c captured) Handle(_ context.Context, r slog.Record) error {
	l := logged{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool { l.attrs[a.Key] = a.Value.String(); return true })
	c.mu.Lock()
	*c.records = append(*c.records, l)
	c.mu.Unlock()
	return nil
}

func (c captured) all() []logged {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]logged(nil), *c.records...)
}

// TestOperatorLogs: an error that is not the caller's is logged at error with the tool and
// session; the caller's own mistakes are not; every call is logged at debug with its
// duration and outcome; the task text appears at debug only.
func TestOperatorLogs(t *testing.T) {
	const task = "TASK-TEXT-7781 with a secret-looking sk-abc123"
	cases := []struct {
		name      string
		err       error
		tool      string
		args      map[string]any
		wantLevel slog.Level // of the "tool call failed" record; 0 = none expected
	}{
		{"bug is an error", errors.New("disk I/O error"), "get_session", map[string]any{"session_id": uuid}, slog.LevelError},
		{"codex failing is an error", fmt.Errorf("codex exited 1: %w", errors.New("boom")), "start_session", map[string]any{"task": task}, slog.LevelError},
		{"cancelled is a warning", context.Canceled, "resume_session", map[string]any{"task": task, "session_id": uuid}, slog.LevelWarn},
		{"caller's mistake is not logged", &session.InputError{Field: "session_id", Problem: "unknown"}, "get_session", map[string]any{"session_id": uuid}, 0},
		{"success is not logged", nil, "list_sessions", map[string]any{}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newCaptured()
			c := stubClient(t, &stubSessions{err: tc.err, outcome: session.Outcome{Status: "failed"}}, slog.New(h))
			if _, err := c.CallTool(t.Context(), mcpCall(tc.tool, tc.args)); err != nil {
				t.Fatal(err)
			}
			var failed, calls []logged
			for _, r := range h.all() {
				switch r.msg {
				case "tool call failed":
					failed = append(failed, r)
				case "tool call":
					calls = append(calls, r)
				}
				for k, v := range r.attrs {
					if strings.Contains(v, "TASK-TEXT-7781") && r.level > slog.LevelDebug {
						t.Errorf("task text logged at %s in %s", r.level, k)
					}
				}
			}
			if tc.wantLevel == 0 {
				if len(failed) != 0 {
					t.Fatalf("logged %v", failed)
				}
			} else {
				if len(failed) != 1 || failed[0].level != tc.wantLevel || failed[0].attrs["tool"] != tc.tool || failed[0].attrs["err"] == "" {
					t.Fatalf("failure records %v", failed)
				}
				if id, ok := tc.args["session_id"]; ok && failed[0].attrs["session_id"] != id {
					t.Fatalf("session_id %q", failed[0].attrs["session_id"])
				}
			}
			if len(calls) != 1 || calls[0].level != slog.LevelDebug || calls[0].attrs["tool"] != tc.tool || calls[0].attrs["duration_ms"] == "" {
				t.Fatalf("call records %v", calls)
			}
			if want := fmt.Sprint(tc.err != nil); calls[0].attrs["is_error"] != want {
				t.Fatalf("is_error %q, want %s", calls[0].attrs["is_error"], want)
			}
			if _, hasTask := tc.args["task"]; hasTask && !strings.Contains(calls[0].attrs["task"], "TASK-TEXT-7781") {
				t.Fatalf("debug record lacks the task: %v", calls[0].attrs)
			}
		})
	}
}
