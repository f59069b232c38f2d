package codex

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestIsSelf(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "real-server")
	if err := os.WriteFile(self, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "cm")
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		command string
		args    []string
		want    bool
	}{
		{"codex-mcp", nil, true},
		{"/opt/bin/codex-mcp", []string{"serve"}, true},
		{`C:\Tools\codex-mcp.exe`, nil, true},
		{self, nil, true},          // this executable by path
		{link, nil, true},          // through a symlink
		{"cm", nil, true},          // a symlink found on PATH
		{"real-server", nil, true}, // this executable found on PATH
		{"npx", []string{"-y", "codex-mcp"}, true},
		{"npx", []string{"-y", "codex-mcp@0.3.1", "serve"}, true},
		{"npx", []string{"--package=@acme/codex-mcp", "run"}, true},
		{"bunx", []string{"codex-mcp@latest"}, true},
		{"pnpm", []string{"dlx", "codex-mcp"}, true},
		{"go", []string{"run", "github.com/codex-mcp/codex-mcp/cmd/codex-mcp@latest"}, true},
		{other, nil, false},
		{"npx", []string{"-y", "codex-mcp-server"}, false}, // another project
		{"npx", []string{"-y", "@openai/codex", "mcp-server"}, false},
		{"codex", []string{"mcp-server"}, false},
		{"python3", []string{"codex-mcp"}, false}, // not a launcher: an argument
		{"relative/codex-mcp-ish", nil, false},
		{"", nil, false},
	}
	for _, c := range cases {
		if got := isSelf(c.command, c.args, dir, self); got != c.want {
			t.Errorf("isSelf(%q, %q) = %v", c.command, c.args, got)
		}
	}
}

func TestParseMCPServersAndOverrides(t *testing.T) {
	cfg := `
model = "gpt-5"
[mcp_servers.codex]
command = "codex-mcp"
args = ["serve", 3]          # a wrong type is ignored, not an error
[mcp_servers.off]
command = "codex-mcp"
enabled = false              # already off: nothing to pass
[mcp_servers.docs]
url = "https://example.invalid/mcp"
[mcp_servers.fs]
command = "mcp-fs"
env = { A = "b" }
[mcp_servers."my.codex"]
command = "codex-mcp"
`
	servers, err := parseMCPServers([]byte(cfg), "", "")
	if err != nil {
		t.Fatal(err)
	}
	overrides, disabled, skipped := mcpOverrides(servers, 42)
	want := []string{"mcp_servers.codex.enabled=false", `mcp_servers.fs.env.CODEX_MCP_DELEGATED="42"`}
	if strings.Join(overrides, " ") != strings.Join(want, " ") {
		t.Errorf("overrides %q", overrides)
	}
	if strings.Join(disabled, ",") != "codex" || strings.Join(skipped, ",") != "my.codex" {
		t.Errorf("disabled %q skipped %q", disabled, skipped)
	}
	if _, err := parseMCPServers([]byte("[mcp_servers.x\ncommand = "), "", ""); err == nil {
		t.Error("broken TOML parsed")
	}
}

func TestMCPGuardCachesByFileAndSurvivesBrokenConfig(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, "config.toml")
	env := []string{"CODEX_HOME=" + home, "PATH="}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	var g mcpGuard
	write := func(s string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	names := func() string {
		var out []string
		for _, s := range g.serversFor(env, logger) {
			out = append(out, s.name)
		}
		return strings.Join(out, ",")
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	if got := names(); got != "" {
		t.Fatalf("no config: %q", got)
	}
	write("[mcp_servers.aa]\ncommand = \"x\"\n", t0)
	if got := names(); got != "aa" {
		t.Fatalf("first read: %q", got)
	}
	// Same size and time: not read again (the edit is invisible by design).
	write("[mcp_servers.bb]\ncommand = \"x\"\n", t0)
	if got := names(); got != "aa" {
		t.Fatalf("cached read: %q", got)
	}
	write("[mcp_servers.bb]\ncommand = \"x\"\n", t0.Add(time.Second))
	if got := names(); got != "bb" {
		t.Fatalf("after an edit: %q", got)
	}
	write("[mcp_servers.bb\n", t0.Add(2*time.Second))
	if got := names(); got != "" || !strings.Contains(logs.String(), "not valid TOML") {
		t.Fatalf("broken config: %q, logs %s", got, logs.String())
	}
}

func TestCodexConfigPath(t *testing.T) {
	cases := []struct {
		env  []string
		want string
	}{
		{[]string{"HOME=/h", "CODEX_HOME=/c"}, "/c/config.toml"},
		{[]string{"HOME=/h"}, "/h/.codex/config.toml"},
		{[]string{"HOME=/h", "HOME=/later"}, "/later/.codex/config.toml"},
	}
	for _, c := range cases {
		if got := codexConfigPath(c.env); got != c.want {
			t.Errorf("%q: %q", c.env, got)
		}
	}
}
