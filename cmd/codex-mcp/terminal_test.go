package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/memory"
)

// ran is what one run of the built binary printed and how it exited.
type ran struct {
	stdout, stderr string
	code           int
}

// runBinary runs bin with args in env (a throwaway HOME, CODEX_HOME and state dir).
func runBinary(t *testing.T, bin string, env []string, args ...string) ran {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := ran{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%v: %v", args, err)
	}
	return r
}

// isolatedEnv is this process's environment with HOME, CODEX_HOME, the state directory
// and every CODEX_MCP_* variable replaced, so a run reads nothing of the machine's own.
func isolatedEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || k == "CODEX_HOME" || k == "XDG_STATE_HOME" || k == "NO_COLOR" || strings.HasPrefix(k, "CODEX_MCP_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+t.TempDir(), "CODEX_HOME="+t.TempDir(), "CODEX_MCP_STATE_DIR="+t.TempDir(), "CODEX_MCP_LOG_LEVEL=error")
	return append(env, extra...)
}

// TestTerminal: help in each spelling exits 0 and lists every subcommand; each
// subcommand's -h shows its own flags only; an unknown command or flag is one line on
// stderr pointing at help, exit 2; --version answers.
func TestTerminal(t *testing.T) {
	bin := buildServer(t)
	env := isolatedEnv(t, "CODEX_MCP_CODEX_BIN=/nonexistent/codex")

	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := runBinary(t, bin, env, args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		for _, c := range subcommands {
			if !strings.Contains(r.stdout, "\n  "+c.name+" ") {
				t.Errorf("%v does not list %s:\n%s", args, c.name, r.stdout)
			}
		}
	}

	// Flags each subcommand must show, and flags it must not.
	for name, tc := range map[string]struct{ has, hasNot []string }{
		"decide":   {[]string{"--dir", "--relation", "--conversation", "--json", "--state-dir"}, []string{"--max-sandbox", "--timeout", "--limit", "--codex-bin", "--keep"}},
		"sessions": {[]string{"--dir", "--json", "--limit", "--state-dir"}, []string{"--relation", "--max-sandbox", "--timeout", "--keep"}},
		"demo":     {[]string{"--keep", "--codex "}, []string{"--codex-bin", "--state-dir", "--dir", "--json"}},
		"version":  {[]string{"--codex-bin"}, []string{"--state-dir", "--json", "--dir"}},
		"serve":    {[]string{"--codex-bin", "--state-dir", "--max-sandbox", "--timeout", "--allowed-dirs"}, []string{"--relation", "--keep", "--limit"}},
		"doctor":   {[]string{"--codex-bin", "--state-dir"}, []string{"--relation", "--keep", "--limit"}},
	} {
		r := runBinary(t, bin, env, name, "-h")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: codex-mcp "+name) {
			t.Errorf("%s -h: exit %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
		for _, f := range tc.has {
			if !strings.Contains(r.stdout, f) {
				t.Errorf("%s -h lacks %s:\n%s", name, f, r.stdout)
			}
		}
		for _, f := range tc.hasNot {
			if strings.Contains(r.stdout, f+" ") || strings.Contains(r.stdout, f+"\n") {
				t.Errorf("%s -h shows %s, not its flag:\n%s", name, f, r.stdout)
			}
		}
		if h := runBinary(t, bin, env, "help", name); h.code != 0 || h.stdout != r.stdout {
			t.Errorf("help %s differs from %s -h:\n%s", name, name, h.stdout)
		}
	}

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"frobnicate"}, []string{`unknown command "frobnicate"`, "codex-mcp help"}},
		{[]string{"help", "frobnicate"}, []string{`unknown command "frobnicate"`, "codex-mcp help"}},
		{[]string{"decide", "--bogus", "x"}, []string{"decide:", "bogus", "codex-mcp decide -h"}},
		{[]string{"sessions", "--timeout", "5m"}, []string{"sessions:", "timeout", "codex-mcp sessions -h"}},
		{[]string{"--no-such-flag"}, []string{"serve:", "no-such-flag", "codex-mcp serve -h"}},
	} {
		r := runBinary(t, bin, env, tc.args...)
		if r.code != 2 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line on stderr", tc.args, r.code, r.stdout, r.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v: stderr %q lacks %q", tc.args, r.stderr, w)
			}
		}
	}

	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := runBinary(t, bin, env, args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "codex-mcp ") {
			t.Errorf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}

	// Without codex the demo says how to install it.
	r := runBinary(t, bin, env, "demo", "--codex", "/nonexistent/codex")
	if r.code != 1 || !strings.Contains(r.stderr, "npm install -g @openai/codex") || !strings.Contains(r.stderr, "--codex PATH") {
		t.Errorf("demo without codex: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Listings answer --json, and say so when nothing matches; no colour off a terminal.
	r = runBinary(t, bin, env, "sessions", "--json")
	var list session.SessionList
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &list) != nil {
		t.Errorf("sessions --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBinary(t, bin, env, "sessions", "auth", "tests")
	if r.code != 0 || strings.TrimSpace(r.stdout) != `no session matches "auth tests"` {
		t.Errorf("sessions with no match: exit %d %q", r.code, r.stdout)
	}
	r = runBinary(t, bin, env, "decide", "--json", "add tests")
	if r.code != 0 || !json.Valid([]byte(r.stdout)) || strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("decide --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// `sessions QUERY` matches words: every word of the query begins a word of the session;
// a substring inside a word is not a match, and neither is a run of words in order only.
func TestSessionsQueryMatchesWords(t *testing.T) {
	state, work := t.TempDir(), t.TempDir()
	mem, err := memory.Open(t.Context(), filepath.Join(state, "memory.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	runs := []memory.Run{
		{RunID: "r1", SessionID: "0199a213-81c0-7800-8aa1-00000000000a", ConversationID: "c1", Directory: filepath.Join(work, "src", "auth"), Feature: "auth",
			Task: "Generate comprehensive tests for the authentication module", Status: memory.StatusCompleted, StartedAt: now.Add(-time.Hour), EndedAt: now.Add(-50 * time.Minute)},
		{RunID: "r2", SessionID: "0199a213-81c0-7800-8aa1-00000000000b", ConversationID: "c1", Directory: filepath.Join(work, "src", "billing"), Feature: "billing",
			Task: "Update the invoice export", Status: memory.StatusCompleted, StartedAt: now.Add(-2 * time.Hour), EndedAt: now.Add(-110 * time.Minute)},
	}
	for _, r := range runs {
		if err := mem.FinishRun(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := mem.Close(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CODEX_MCP_STATE_DIR", state)
	t.Setenv("CODEX_MCP_DEFAULT_DIR", work)
	t.Setenv("CODEX_HOME", t.TempDir())
	t.Setenv("CODEX_MCP_LOG_LEVEL", "error")

	for query, want := range map[string][]string{
		"auth tests":        {"r1"}, // words in any order, each a word prefix
		"tests auth":        {"r1"},
		"AUTHENTICATION":    {"r1"},
		"comprehensive gen": {"r1"},
		"invoice":           {"r2"},
		"billing export":    {"r2"}, // the feature and the task
		"0199a213":          {"r1", "r2"},
		"at":                nil, // inside "update" and "authentication", but no word starts with it
		"voice":             nil, // inside "invoice" only
		"auth invoice":      nil, // every word must match the same session
		"tests for the":     {"r1"},
	} {
		cfg, err := parseConfig("sessions", append([]string{"--json"}, strings.Fields(query)...))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := sessionsCmd(t.Context(), cfg, &out); err != nil {
			t.Fatal(err)
		}
		var list session.SessionList
		if err := json.Unmarshal(out.Bytes(), &list); err != nil {
			t.Fatalf("%q: %v\n%s", query, err, out.Bytes())
		}
		var got []string
		for _, s := range list.Sessions {
			for _, r := range runs {
				if r.SessionID == s.SessionID {
					got = append(got, r.RunID)
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("sessions %q = %v, want %v", query, got, want)
		}
	}

	// The table, and the sentence when nothing matches.
	cfg, _ := parseConfig("sessions", []string{"auth", "tests"})
	var out bytes.Buffer
	if err := sessionsCmd(t.Context(), cfg, &out); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "UPDATED") || !strings.Contains(lines[1], "authentication") {
		t.Errorf("table:\n%s", out.String())
	}
	cfg, _ = parseConfig("sessions", []string{"voice"})
	out.Reset()
	if err := sessionsCmd(t.Context(), cfg, &out); err != nil || out.String() != "no session matches \"voice\"\n" {
		t.Errorf("no match: %v %q", err, out.String())
	}
}

// Colour only on a terminal, and never with NO_COLOR or TERM=dumb.
func TestColourOnlyOnATerminal(t *testing.T) {
	if styleFor(&bytes.Buffer{}).color {
		t.Error("colour into a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if styleFor(f).color {
		t.Error("colour into a file")
	}
	if s := (style{}).bold("x"); s != "x" {
		t.Errorf("plain style wraps: %q", s)
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		t.Logf("no terminal to check colour on (%v)", err)
		return
	}
	defer tty.Close()
	t.Setenv("TERM", "xterm")
	t.Setenv("NO_COLOR", "")
	if !styleFor(tty).color {
		t.Error("no colour on a terminal")
	}
	t.Setenv("NO_COLOR", "1")
	if styleFor(tty).color {
		t.Error("colour on a terminal with NO_COLOR set")
	}
}

// The table keeps its columns aligned when cells are coloured.
func TestTableAlignsColouredCells(t *testing.T) {
	st := style{color: true}
	tb := table{header: []string{"A", "STATUS", "C"}}
	tb.color = func(col int, cell string) string {
		if col == 1 {
			return st.status(strings.TrimSpace(cell))
		}
		return cell
	}
	tb.add("x", "completed", "one")
	tb.add("longer", "failed", "two")
	var b bytes.Buffer
	if err := tb.write(&b, st, ""); err != nil {
		t.Fatal(err)
	}
	plain := ansiRE.ReplaceAllString(b.String(), "")
	lines := strings.Split(strings.TrimSpace(plain), "\n")
	col := strings.Index(lines[0], "C")
	for _, l := range lines[1:] {
		if idx := strings.LastIndex(l, " ") + 1; idx != col {
			t.Errorf("column C at %d in %q, want %d:\n%s", idx, l, col, plain)
		}
	}
}
