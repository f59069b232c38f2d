package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const testToken = "test-token-0123456789abcdef"

var initializeMsg = map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
	"protocolVersion": v20251125, "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "guard", "version": "1"}}}

// TestIntegrationHTTPGuard: what `serve --http` refuses, on the real binary: a missing or
// wrong token (401 with WWW-Authenticate), a foreign Origin and a foreign Host (403), an
// oversized message (413), another path (404); the token never reaches the log.
func TestIntegrationHTTPGuard(t *testing.T) {
	bin, env, _, _ := rig(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, how := range []struct {
		name string
		env  []string
		args []string
	}{
		{"env", []string{"CODEX_MCP_HTTP_TOKEN=" + testToken, "CODEX_MCP_HTTP=127.0.0.1:0"}, nil},
		{"file", nil, []string{"--http", "0", "--http-token-file", tokenFile}},
	} {
		t.Run(how.name, func(t *testing.T) {
			srv := startHTTP(t, bin, serverEnvWith(env, append(how.env, "CODEX_MCP_LOG_LEVEL=debug")...), how.args...)
			for _, c := range []struct {
				token, origin, host string
				status              int
				challenge           string
			}{
				{"", "", "", 401, `Bearer realm="codex-mcp"`},
				{"wrong-token-0123456789abcdef", "", "", 401, `error="invalid_token"`},
				{testToken, "", "", 200, ""},
				{testToken, "http://localhost:5173", "", 200, ""},
				{testToken, "https://evil.example", "", 403, ""},
				{"", "https://evil.example", "", 403, ""},
				{testToken, "", "evil.example", 403, ""}, // DNS rebinding: a loopback bind answers loopback Host names only
			} {
				w := srv.wire(v20251125, c.token)
				if c.origin != "" {
					w.header.Set("Origin", c.origin)
				}
				if c.host != "" {
					w.client.Transport = hostRewriter(c.host)
				}
				status, challenge, body := w.statusOf(t, initializeMsg)
				if status != c.status || !strings.Contains(challenge, c.challenge) || (c.challenge == "") != (challenge == "") {
					t.Errorf("token %q origin %q host %q: %d %q %q, want %d %q", c.token, c.origin, c.host, status, challenge, body, c.status, c.challenge)
				}
			}
			// A real client session with the token works end to end.
			c := &rawClient{wire: srv.wire(v20251125, testToken), version: v20251125, name: "guard"}
			c.open(t)
			if list, _ := c.tool(t, "list_sessions", map[string]any{}, ""); list["sessions"] == nil {
				t.Fatalf("list_sessions: %v", list)
			}
			// Bounded like stdio: a message past tools.MaxLineBytes is refused unread.
			big := srv.wire(v20251125, testToken)
			msg := map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": map[string]any{
				"name": "decide_resume", "arguments": map[string]any{"task": strings.Repeat("x", 9<<20)}}}
			if status, _, _ := big.statusOf(t, msg); status != 413 {
				t.Errorf("a 9 MiB message: status %d", status)
			}
			// No standalone GET stream: the server says nothing outside a call.
			get, _ := http.NewRequest("GET", srv.URL, nil)
			get.Header.Set("Authorization", "Bearer "+testToken)
			get.Header.Set("Accept", "text/event-stream")
			get.Header.Set("Mcp-Session-Id", c.wire.(*httpWire).sessionID)
			if res, err := http.DefaultClient.Do(get); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("GET /mcp: %v %v", res, err)
			} else {
				res.Body.Close()
			}
			other := srv.wire(v20251125, testToken)
			other.url = strings.TrimSuffix(other.url, "/mcp") + "/other"
			if status, _, _ := other.statusOf(t, initializeMsg); status != 404 {
				t.Errorf("/other: status %d", status)
			}
			if strings.Contains(srv.Log(), testToken) {
				t.Fatalf("the token is in the log:\n%s", srv.Log())
			}
			if !strings.Contains(srv.Log(), "refused a request with a wrong bearer token") {
				t.Fatalf("the refusals are not logged:\n%s", srv.Log())
			}
		})
	}
}

// hostRewriter is a transport that sends a foreign Host header over the loopback
// connection, as a browser tricked by DNS rebinding would.
type hostRewriter string

func (h hostRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = string(h)
	return http.DefaultTransport.RoundTrip(r)
}

// TestIntegrationHTTPNeedsTokenOffLoopback: bound anywhere but loopback without a token
// the server refuses to start, says why and exits non-zero; with one it serves.
func TestIntegrationHTTPNeedsTokenOffLoopback(t *testing.T) {
	bin, env, _, _ := rig(t)
	for _, c := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"serve", "--http", "0.0.0.0:0"}, nil, "refusing to serve HTTP on 0.0.0.0:0 without a token"},
		{nil, []string{"CODEX_MCP_HTTP=[::]:0"}, "refusing to serve HTTP on [::]:0 without a token"},
		{[]string{"serve", "--http", "0.0.0.0:0"}, []string{"CODEX_MCP_HTTP_TOKEN=short"}, "use at least 16"},
		{[]string{"serve", "--http", "0.0.0.0:0", "--http-token-file", "/nonexistent/token"}, nil, "--http-token-file"},
		{[]string{"serve", "--http", "99999"}, nil, "the port must be a number"},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = serverEnvWith(env, c.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("%v %v: exit %v, stderr %q; want exit 2 and %q", c.args, c.env, err, stderr.String(), c.want)
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("%v %v: still running, want a refusal", c.args, c.env)
		}
	}
	// With a token it serves on every interface, and still asks for the token.
	srv := startHTTP(t, bin, serverEnvWith(env, "CODEX_MCP_HTTP_TOKEN="+testToken), "--http", "0.0.0.0:0")
	srv.URL = strings.Replace(srv.URL, "0.0.0.0", "127.0.0.1", 1)
	if status, _, _ := srv.wire(v20251125, "").statusOf(t, initializeMsg); status != 401 {
		t.Fatalf("no token: %d", status)
	}
	if status, _, _ := srv.wire(v20251125, testToken).statusOf(t, initializeMsg); status != 200 {
		t.Fatalf("token: %d", status)
	}
}

// TestIntegrationHTTPShutdown: SIGTERM while a run is going records it as stopped by the
// shutdown (not as cancelled by its client), answers the call still waiting, and exits 0.
func TestIntegrationHTTPShutdown(t *testing.T) {
	bin, env, _, _ := rig(t)
	srv := startHTTP(t, bin, env, "--http", "127.0.0.1:0")
	c := &rawClient{wire: srv.wire(v20251125, ""), version: v20251125, name: "shutdown"}
	c.open(t)
	// Long enough for codex to name its session (0.125.0 takes a while to).
	running, _ := c.tool(t, "start_session", map[string]any{"task": "long\nHANG", "wait_seconds": 3}, "")
	if running["status"] != "running" || running["session_id"] == "" {
		t.Fatalf("start_session: %v", running)
	}
	// A second client follows the run, waiting, when the signal comes.
	follower := &rawClient{wire: srv.wire(v20251125, ""), version: v20251125, name: "follower"}
	follower.open(t)
	followed := make(chan map[string]any, 1)
	go func() {
		res, _ := follower.request(t, "tools/call", map[string]any{"name": "get_session",
			"arguments": map[string]any{"session_id": running["session_id"], "wait_seconds": 60}})
		var r struct {
			SC map[string]any `json:"structuredContent"`
		}
		_ = json.Unmarshal(res.Result, &r)
		followed <- r.SC
	}()
	time.Sleep(300 * time.Millisecond)
	if err := srv.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.Exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20 s after SIGTERM:\n%s", srv.Log())
	}
	if code := srv.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, srv.Log())
	}
	select {
	case got := <-followed:
		if got["status"] != "cancelled" || !strings.Contains(fmt.Sprint(got), "stopped by server shutdown: the server received SIGTERM") {
			t.Errorf("the waiting get_session got %v", got)
		}
	case <-time.After(5 * time.Second):
		t.Error("the waiting get_session got no answer")
	}
	// The next server, on the same state, reads the reason from memory.
	cmd := exec.Command(bin, "sessions", "--json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"status": "cancelled"`) {
		t.Fatalf("memory after SIGTERM: %s", out)
	}
}
