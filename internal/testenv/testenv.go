// Package testenv finds the pinned codex CLI that `make` installs and builds throwaway
// CODEX_HOME directories pointed at the fake model, so integration tests in every package
// set up the real parts the same way.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/codex-mcp/codex-mcp/internal/fakemodel"
)

// EnvCodexBin names the codex binary the integration tests run (set by the Makefile).
const EnvCodexBin = "CODEX_MCP_TEST_CODEX"

// EnvRequire makes a missing codex binary a test failure instead of a skip (set by CI).
const EnvRequire = "CODEX_MCP_REQUIRE_INTEGRATION"

// TestModel is a model name the pinned codex versions know, so codex does not warn about
// missing model metadata on every run.
const TestModel = fakemodel.DefaultModel

// CodexBin returns the codex binary for integration tests. Without one the test is
// skipped, unless CODEX_MCP_REQUIRE_INTEGRATION is set (as `make test` and CI do), when it
// fails: a skipped integration test must never pass for a green run.
func CodexBin(t testing.TB) string {
	t.Helper()
	return toolBin(t, EnvCodexBin, "CODEX_VERSION", "codex", "codex CLI for integration tests", "make test")
}

// toolBin is a pinned tool the tests need: $env, else the Makefile's install of it
// (.tools/NAME/$(VERSIONVAR)/node_modules/.bin/NAME); skipped without one, failed instead
// under CODEX_MCP_REQUIRE_INTEGRATION.
func toolBin(t testing.TB, env, versionVar, name, what, install string) string {
	t.Helper()
	bin := os.Getenv(env)
	if bin == "" {
		bin = pinnedBin(versionVar, name)
	}
	if bin != "" {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	msg := fmt.Sprintf("no %s (set %s, or run `%s`, which installs the pinned version)", what, env, install)
	if os.Getenv(EnvRequire) != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// pinnedBin looks for the Makefile's install of a tool relative to the module root.
func pinnedBin(versionVar, name string) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	data, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, versionVar+" ?= "); ok {
			return filepath.Join(root, ".tools", name, strings.TrimSpace(v), "node_modules", ".bin", name)
		}
	}
	return ""
}

// CodexVersion reports `codex --version` of bin, for test names and logs.
func CodexVersion(t testing.TB, bin string) string {
	t.Helper()
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", bin, err)
	}
	return strings.TrimSpace(string(out))
}

// Model starts the fake Responses API for the duration of the test.
func Model(t testing.TB) *fakemodel.Server {
	t.Helper()
	m, err := fakemodel.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// CodexHome writes a CODEX_HOME whose only model provider is the given base URL, with no
// retries so a dead endpoint fails fast where codex allows it.
func CodexHome(t testing.TB, baseURL string) string {
	t.Helper()
	home := t.TempDir()
	WriteConfig(t, home, baseURL)
	return home
}

// WriteConfig writes config.toml into an existing CODEX_HOME.
func WriteConfig(t testing.TB, home, baseURL string) {
	t.Helper()
	cfg := fakemodel.CodexConfig(baseURL, TestModel)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Env is the environment codex runs with in tests: this process's, with CODEX_HOME set
// and HOME pointed at an empty directory, so the login shell codex runs commands in
// (`bash -lc`) does not source the machine's ~/.bashrc (here, pyenv's init leaves
// rehash processes behind on every command, loading the machine and skewing timings),
// and with the test's Mark, so whatever the test starts can be found again (Ours).
func Env(t testing.TB, codexHome string, extra ...string) []string {
	t.Helper()
	env := make([]string, 0, len(os.Environ())+2+len(extra))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "CODEX_HOME=") && !strings.HasPrefix(kv, MarkEnv+"=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+t.TempDir(), "CODEX_HOME="+codexHome, Mark(t))
	return append(env, extra...)
}
