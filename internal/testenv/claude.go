package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// EnvClaudeBin names the Claude Code binary the client tests run (set by the Makefile).
const EnvClaudeBin = "CODEX_MCP_TEST_CLAUDE"

// ClaudeBin returns the Claude Code CLI for the real-client tests: $CODEX_MCP_TEST_CLAUDE,
// else the Makefile's pinned install (.tools/claude/$(CLAUDE_CODE_VERSION)). Without one
// the test is skipped, unless CODEX_MCP_REQUIRE_INTEGRATION is set, when it fails, as
// CodexBin does.
func ClaudeBin(t testing.TB) string {
	t.Helper()
	return toolBin(t, EnvClaudeBin, "CLAUDE_CODE_VERSION", "claude", "Claude Code CLI for the client tests", "make claude")
}

// ClaudeEnv is the environment Claude Code runs with in tests: offline against the fake
// Messages API at baseURL, with its own empty HOME and config directory (nothing read
// from or written to the user's), no telemetry, no update check, no error reporting, and
// MCP tools sent in each request rather than behind tool search. This process's
// ANTHROPIC_* and CLAUDE_* variables are left out.
func ClaudeEnv(t testing.TB, baseURL string, extra ...string) []string {
	t.Helper()
	home := t.TempDir()
	env := make([]string, 0, len(os.Environ())+12+len(extra))
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || k == "CODEX_HOME" || strings.HasPrefix(k, "ANTHROPIC_") || strings.HasPrefix(k, "CLAUDE") ||
			k == "DISABLE_TELEMETRY" || k == "DISABLE_AUTOUPDATER" || k == "ENABLE_TOOL_SEARCH" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"CLAUDE_CONFIG_DIR="+filepath.Join(home, ".claude"),
		"ANTHROPIC_BASE_URL="+baseURL,
		"ANTHROPIC_API_KEY=test",
		"DISABLE_TELEMETRY=1",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_ERROR_REPORTING=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"ENABLE_TOOL_SEARCH=false",
	)
	return append(env, extra...)
}
