package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
)

// buildServer compiles this command into a temp dir.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "codex-mcp")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestIntegrationStdioServer runs the real binary as an MCP client would: over stdio,
// with the real codex behind it. Any stray byte on stdout would break the client.
func TestIntegrationStdioServer(t *testing.T) {
	codexBin := testenv.CodexBin(t)
	model := testenv.Model(t)
	home := testenv.CodexHome(t, model.URL())
	bin := buildServer(t)
	work := t.TempDir()
	env := testenv.Env(t, home,
		"CODEX_MCP_CODEX_BIN="+codexBin, "CODEX_MCP_STATE_DIR="+t.TempDir(),
		"CODEX_MCP_DEFAULT_DIR="+work, "CODEX_MCP_LOG_LEVEL=debug")
	c, err := client.NewStdioMCPClient(bin, env)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Start is idempotent for the transport and installs the notification dispatch.
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		progress []string
	)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if msg, ok := n.Params.AdditionalFields["message"].(string); ok && n.Method == "notifications/progress" {
			mu.Lock()
			progress = append(progress, msg)
			mu.Unlock()
		}
	})
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "stdio-test", Version: "1"}
	info, err := c.Initialize(t.Context(), init)
	if err != nil {
		t.Fatal(err)
	}
	if info.ServerInfo.Name != "codex-mcp" || info.Instructions == "" {
		t.Fatalf("server info: %+v", info.ServerInfo)
	}
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tool := range list.Tools {
		names[tool.Name] = true
	}
	if !names["start_session"] || !names["resume_session"] {
		t.Fatalf("tools: %v", names)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "start_session"
	req.Params.Arguments = map[string]any{"task": "over stdio\nRUN: echo via stdio > out.txt\nREPLY: stdio ok"}
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok"}
	res, err := c.CallTool(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("start_session: %+v", res.Content)
	}
	sc, _ := res.StructuredContent.(map[string]any)
	if sc["status"] != "completed" || sc["final_message"] != "stdio ok" || sc["directory"] != work {
		t.Fatalf("structured content: %v", sc)
	}
	if _, err := os.Stat(filepath.Join(work, "out.txt")); err != nil {
		t.Fatalf("codex did not run in the default directory: %v", err)
	}
	mu.Lock()
	joined := strings.Join(progress, "\n")
	mu.Unlock()
	if !strings.Contains(joined, "ran `echo via stdio > out.txt` (exit 0)") {
		t.Fatalf("progress over stdio: %q", progress)
	}
}

func TestIntegrationVersionCommand(t *testing.T) {
	codexBin := testenv.CodexBin(t)
	bin := buildServer(t)
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "CODEX_MCP_CODEX_BIN="+codexBin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimPrefix(testenv.CodexVersion(t, codexBin), "codex-cli ")
	if !strings.HasPrefix(string(out), "codex-mcp ") || !strings.Contains(string(out), "codex "+want) {
		t.Fatalf("version output: %s", out)
	}
	cmd = exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "CODEX_MCP_CODEX_BIN=/nonexistent/codex")
	out, _ = cmd.Output()
	if !strings.Contains(string(out), "npm install -g @openai/codex") {
		t.Fatalf("version without codex: %s", out)
	}
}

func TestParseConfig(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		ok   bool
		max  string
	}{
		{nil, nil, true, "workspace-write"},
		{[]string{"--max-sandbox", "danger-full-access"}, nil, true, "danger-full-access"},
		{nil, map[string]string{"CODEX_MCP_MAX_SANDBOX": "read-only"}, true, "read-only"},
		{[]string{"--max-sandbox", "yolo"}, nil, false, ""},
		{[]string{"--log-level", "loud"}, nil, false, ""},
		{[]string{"--timeout", "0s"}, nil, false, ""},
		{[]string{"--no-such-flag"}, nil, false, ""},
	}
	for _, c := range cases {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		cfg, err := parseConfig("serve", c.args)
		if (err == nil) != c.ok {
			t.Errorf("%v %v: err %v", c.args, c.env, err)
			continue
		}
		if c.ok && cfg.MaxSandbox != c.max {
			t.Errorf("%v %v: max sandbox %q", c.args, c.env, cfg.MaxSandbox)
		}
		for k := range c.env {
			t.Setenv(k, "")
		}
	}
}
