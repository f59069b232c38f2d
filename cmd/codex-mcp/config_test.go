package main

import (
	"strings"
	"testing"
)

// Bad values in the environment are errors naming the variable, as the same flags are.
func TestBadEnvironmentValues(t *testing.T) {
	for _, tc := range []struct{ key, value string }{
		{"CODEX_MCP_TIMEOUT", "soon"},
		{"CODEX_MCP_IDLE_TIMEOUT", "-3m"},
		{"CODEX_MCP_MAX_RUNNING", "0"},
		{"CODEX_MCP_MAX_RUNNING", "lots"},
		{"CODEX_MCP_LIFECYCLE", "systemd"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			t.Setenv(tc.key, tc.value)
			_, err := parseConfig("serve", nil)
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("err %v, want one naming %s", err, tc.key)
			}
		})
	}
}

// A task can hold anything; the terminal table shows none of its control characters.
func TestPrintableStripsControlCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"plain task":                      "plain task",
		"\x1b[31mred\x1b[0m":              "red",
		"title\x1b]0;pwned\x07 here":      "title here",
		"over\rwrite":                     "over write",
		"line\nbreak\ttab\x00nul\u202eRT": "line break tab nul RT",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
