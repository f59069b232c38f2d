package tsclient

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
)

// EnvModules names the node_modules folder holding the pinned SDK and Ajv (default: the
// one `make tsclient` installs, .tools/tsclient/node_modules).
const EnvModules = "CODEX_MCP_TEST_TSCLIENT_MODULES"

const token = "tsclient-token-0123456789abcdef"

// summary is what client.mjs prints when every step passed.
type summary struct {
	Mode                string         `json:"mode"`
	ProtocolVersion     string         `json:"protocolVersion"`
	SessionID           string         `json:"sessionId"`
	Tools               []string       `json:"tools"`
	Called              []string       `json:"called"`
	Prompts             []string       `json:"prompts"`
	Progress            int            `json:"progress"`
	SchemasCompiled     int            `json:"schemasCompiled"`
	StructuredValidated int            `json:"structuredValidated"`
	Aborted             string         `json:"aborted"`
	Refused             map[string]int `json:"refused"`
}

// TestIntegrationTSClient runs the official TypeScript SDK client (client.mjs) against the
// real server binary with the real codex and the fake model: over stdio, over HTTP with a
// token, and over HTTP on loopback without one.
func TestIntegrationTSClient(t *testing.T) {
	script := setup(t)
	codexBin := testenv.CodexBin(t)
	model := testenv.Model(t)
	home := testenv.CodexHome(t, model.URL())
	bin := buildServer(t)
	for _, c := range []struct {
		name  string
		token string
	}{{"stdio", ""}, {"http-token", token}, {"http-loopback", ""}} {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			env := testenv.Env(t, home, "CODEX_MCP_CODEX_BIN="+codexBin, "CODEX_MCP_STATE_DIR="+t.TempDir(),
				"CODEX_MCP_DEFAULT_DIR="+work, "CODEX_MCP_LOG_LEVEL=debug")
			run := []string{"TSCLIENT_DIR=" + work}
			var srv *testenv.HTTPServer
			if c.name == "stdio" {
				data, _ := json.Marshal(envMap(env))
				run = append(run, "TSCLIENT_MODE=stdio", "TSCLIENT_SERVER="+bin, "TSCLIENT_SERVER_ENV="+string(data))
			} else {
				if c.token != "" {
					env = append(env, "CODEX_MCP_HTTP_TOKEN="+c.token)
				}
				srv = startHTTP(t, bin, env)
				run = append(run, "TSCLIENT_MODE=http", "TSCLIENT_URL="+srv.URL, "TSCLIENT_TOKEN="+c.token)
			}
			got := runScript(t, script, run)
			if !slices.Equal(got.Called, got.Tools) || len(got.Tools) < 7 {
				t.Errorf("tools %v, called %v", got.Tools, got.Called)
			}
			if got.SchemasCompiled != 2*len(got.Tools) || got.StructuredValidated < len(got.Tools) || got.Progress == 0 || got.Aborted != "cancelled" {
				t.Errorf("summary: %+v", got)
			}
			if srv == nil {
				return
			}
			if got.ProtocolVersion == "" || got.SessionID == "" {
				t.Errorf("over HTTP: protocol %q, Mcp-Session-Id %q", got.ProtocolVersion, got.SessionID)
			}
			want := map[string]int{"foreign Origin": 403}
			if c.token != "" {
				want["no token"], want["wrong token"] = 401, 401
			}
			if len(got.Refused) != len(want) {
				t.Errorf("refused %v, want %v", got.Refused, want)
			}
			for k, v := range want {
				if got.Refused[k] != v {
					t.Errorf("refused %v, want %v", got.Refused, want)
				}
			}
			if c.token != "" && strings.Contains(srv.Log(), c.token) {
				t.Errorf("the token is in the server's log")
			}
		})
	}
}

// setup finds node and the pinned packages and lays client.mjs next to them. A missing
// one fails the test when integration is required (CI), and skips it otherwise.
func setup(t *testing.T) string {
	t.Helper()
	missing := func(msg string) {
		t.Helper()
		msg += " (run `make tsclient`, or `make test`, which installs the pinned SDK into .tools/tsclient)"
		if os.Getenv(testenv.EnvRequire) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("no node on PATH for the TypeScript SDK client")
	}
	_, file, _, _ := runtime.Caller(0)
	here := filepath.Dir(file)
	modules := os.Getenv(EnvModules)
	if modules == "" {
		modules = filepath.Join(here, "..", "..", ".tools", "tsclient", "node_modules")
	}
	// The installed versions are the pinned ones: a stale .tools fails here, by name.
	var pins struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	data, err := os.ReadFile(filepath.Join(here, "package.json"))
	if err != nil || json.Unmarshal(data, &pins) != nil || len(pins.Dependencies) == 0 {
		t.Fatalf("package.json: %v", err)
	}
	for name, version := range pins.Dependencies {
		var installed struct {
			Version string `json:"version"`
		}
		data, err := os.ReadFile(filepath.Join(modules, name, "package.json"))
		if err != nil {
			missing("npm package " + name + " is not installed in " + modules)
		}
		if json.Unmarshal(data, &installed) != nil || installed.Version != version {
			missing("npm package " + name + " is " + installed.Version + " in " + modules + ", pinned " + version)
		}
	}
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(here, "client.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "client.mjs"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(modules)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "client.mjs")
}

func runScript(t *testing.T, script string, extra []string) summary {
	t.Helper()
	cmd := exec.Command("node", script)
	cmd.Env = append(os.Environ(), extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("client.mjs: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(8 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("client.mjs still running after 8 minutes\nstderr:\n%s", stderr.String())
	}
	var s summary
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &s); err != nil {
		t.Fatalf("client.mjs summary %q: %v\nstderr:\n%s", stdout.String(), err, stderr.String())
	}
	t.Logf("client.mjs: %+v", s)
	return s
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "codex-mcp")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/codex-mcp").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startHTTP runs `codex-mcp serve --http 127.0.0.1:0` as its own process.
func startHTTP(t *testing.T, bin string, env []string) *testenv.HTTPServer {
	t.Helper()
	return testenv.StartHTTP(t, bin, env, "--http", "127.0.0.1:0")
}
