package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
)

// The raw MCP clients below speak JSON-RPC by hand, over stdio and streamable HTTP, in any
// protocol version: mcp-go's client picks its own version and shares mcp-go's assumptions,
// and no client library speaks every version these tests cover.

// The protocol versions the server is tested with.
const (
	v20250618 = "2025-06-18"
	v20251125 = "2025-11-25"
	v20260728 = "2026-07-28" // stateless: no initialize, no session; _meta on every request
)

func modern(version string) bool { return version >= v20260728 }

// rpcMessage is any JSON-RPC message.
type rpcMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      any             `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// wire sends one request and returns its answer and the notifications that came with it.
type wire interface {
	roundTrip(t *testing.T, id int, method string, params map[string]any) (rpcMessage, []rpcMessage)
	notify(t *testing.T, method string, params map[string]any)
}

// rawClient is one MCP client connection (2025 versions) or a series of self-describing
// requests (2026-07-28).
type rawClient struct {
	wire    wire
	version string
	name    string
	mu      sync.Mutex
	nextID  int
}

// open begins the conversation the way the version wants: initialize and
// notifications/initialized, or server/discover. It returns the answer's result.
func (c *rawClient) open(t *testing.T) map[string]any {
	t.Helper()
	if modern(c.version) {
		return c.call(t, "server/discover", map[string]any{})
	}
	res := c.call(t, "initialize", map[string]any{
		"protocolVersion": c.version, "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": c.name, "version": "1"},
	})
	c.wire.notify(t, "notifications/initialized", nil)
	return res
}

// request sends method with params (adding the 2026-07-28 _meta) and returns the raw
// answer and its notifications.
func (c *rawClient) request(t *testing.T, method string, params map[string]any) (rpcMessage, []rpcMessage) {
	t.Helper()
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	if params == nil {
		params = map[string]any{}
	}
	if modern(c.version) {
		meta, _ := params["_meta"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["io.modelcontextprotocol/protocolVersion"] = c.version
		meta["io.modelcontextprotocol/clientCapabilities"] = map[string]any{}
		meta["io.modelcontextprotocol/clientInfo"] = map[string]any{"name": c.name, "version": "1"}
		params["_meta"] = meta
	}
	return c.wire.roundTrip(t, id, method, params)
}

// call is request for a method that must succeed; it returns the result object.
func (c *rawClient) call(t *testing.T, method string, params map[string]any) map[string]any {
	t.Helper()
	res, _ := c.request(t, method, params)
	return resultOf(t, method, res)
}

func resultOf(t *testing.T, method string, res rpcMessage) map[string]any {
	t.Helper()
	if res.Error != nil {
		t.Fatalf("%s: error %d %s", method, res.Error.Code, res.Error.Message)
	}
	var m map[string]any
	if err := json.Unmarshal(res.Result, &m); err != nil {
		t.Fatalf("%s: result %s: %v", method, res.Result, err)
	}
	return m
}

// tool calls a tool that must succeed and returns its structuredContent and the
// messages of the progress notifications sent for progressToken (if given).
func (c *rawClient) tool(t *testing.T, name string, args map[string]any, progressToken string) (map[string]any, []string) {
	t.Helper()
	params := map[string]any{"name": name, "arguments": args}
	if progressToken != "" {
		params["_meta"] = map[string]any{"progressToken": progressToken}
	}
	res, notes := c.request(t, "tools/call", params)
	r := resultOf(t, "tools/call "+name, res)
	if r["isError"] == true {
		t.Fatalf("%s: isError: %v", name, r["content"])
	}
	sc, ok := r["structuredContent"].(map[string]any)
	if !ok {
		t.Fatalf("%s: no structuredContent: %v", name, r)
	}
	var progress []string
	for _, n := range notes {
		if n.Method != "notifications/progress" {
			continue
		}
		var p struct {
			Token   any    `json:"progressToken"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(n.Params, &p)
		if p.Token == progressToken {
			progress = append(progress, p.Message)
		}
	}
	return sc, progress
}

// --- stdio ---

// stdioWire is the server process's stdin and stdout: one JSON message per line.
type stdioWire struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func startStdio(t *testing.T, bin string, env []string) *stdioWire {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = in.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("server stderr:\n%s", stderr.String())
		}
	})
	return &stdioWire{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}
}

func (w *stdioWire) send(t *testing.T, m map[string]any) {
	t.Helper()
	data, _ := json.Marshal(m)
	if _, err := w.in.Write(append(data, '\n')); err != nil {
		t.Fatal(err)
	}
}

func (w *stdioWire) notify(t *testing.T, method string, params map[string]any) {
	m := map[string]any{"jsonrpc": "2.0", "method": method}
	if params != nil {
		m["params"] = params
	}
	w.send(t, m)
}

func (w *stdioWire) roundTrip(t *testing.T, id int, method string, params map[string]any) (rpcMessage, []rpcMessage) {
	t.Helper()
	w.send(t, map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	var notes []rpcMessage
	for {
		line, err := w.out.ReadBytes('\n')
		if err != nil {
			t.Fatalf("%s: reading the answer: %v", method, err)
		}
		var m rpcMessage
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%s: not JSON on stdout: %q", method, line)
		}
		switch {
		case m.Method != "" && m.ID == nil:
			notes = append(notes, m)
		case m.Method != "":
			t.Fatalf("%s: unexpected request from the server: %s", method, line)
		case fmt.Sprint(m.ID) == fmt.Sprint(id):
			return m, notes
		}
	}
}

// --- streamable HTTP ---

// httpServer is `codex-mcp serve --http` running as its own process.
type httpServer struct{ *testenv.HTTPServer }

// startHTTP starts the server with args (after "serve") and waits for the URL it logs.
func startHTTP(t *testing.T, bin string, env []string, args ...string) *httpServer {
	t.Helper()
	return &httpServer{testenv.StartHTTP(t, bin, env, args...)}
}

// httpWire is one client of an HTTP server: its session id (2025 versions) and headers.
type httpWire struct {
	url       string
	version   string
	token     string
	header    http.Header // extra headers on every request
	sessionID string
	client    *http.Client
}

func (s *httpServer) wire(version, token string) *httpWire {
	return &httpWire{url: s.URL, version: version, token: token, header: http.Header{}, client: &http.Client{}}
}

// post sends one JSON-RPC message and returns the HTTP answer; the caller closes it.
func (w *httpWire) post(t *testing.T, msg map[string]any) *http.Response {
	t.Helper()
	data, _ := json.Marshal(msg)
	req, err := http.NewRequest("POST", w.url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range w.header {
		req.Header[k] = v
	}
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	method, _ := msg["method"].(string)
	if w.sessionID != "" {
		req.Header.Set("Mcp-Session-Id", w.sessionID)
	}
	if method != "initialize" {
		req.Header.Set("Mcp-Protocol-Version", w.version)
	}
	if modern(w.version) {
		// SEP-2243: the method, and the name it acts on, travel in headers too.
		req.Header.Set("Mcp-Method", method)
		if p, ok := msg["params"].(map[string]any); ok {
			switch method {
			case "tools/call", "prompts/get":
				req.Header.Set("Mcp-Name", fmt.Sprint(p["name"]))
			case "resources/read":
				req.Header.Set("Mcp-Name", fmt.Sprint(p["uri"]))
			}
		}
	}
	res, err := w.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", method, err)
	}
	return res
}

func (w *httpWire) notify(t *testing.T, method string, params map[string]any) {
	t.Helper()
	m := map[string]any{"jsonrpc": "2.0", "method": method}
	if params != nil {
		m["params"] = params
	}
	res := w.post(t, m)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("%s: status %d", method, res.StatusCode)
	}
}

func (w *httpWire) roundTrip(t *testing.T, id int, method string, params map[string]any) (rpcMessage, []rpcMessage) {
	t.Helper()
	res := w.post(t, map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("%s: status %d: %s", method, res.StatusCode, body)
	}
	if method == "initialize" {
		w.sessionID = res.Header.Get("Mcp-Session-Id")
	}
	if ct := res.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		var m rpcMessage
		if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		return m, nil
	}
	// An SSE stream: notifications, then the answer.
	var notes []rpcMessage
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "data:"); ok {
			data.WriteString(strings.TrimPrefix(v, " "))
			continue
		}
		if line != "" || data.Len() == 0 {
			continue
		}
		var m rpcMessage
		if err := json.Unmarshal([]byte(data.String()), &m); err != nil {
			t.Fatalf("%s: SSE data %q: %v", method, data.String(), err)
		}
		data.Reset()
		if m.Method != "" {
			notes = append(notes, m)
			continue
		}
		if fmt.Sprint(m.ID) == fmt.Sprint(id) {
			return m, notes
		}
	}
	t.Fatalf("%s: the stream ended without an answer (%v)", method, sc.Err())
	return rpcMessage{}, nil
}

// statusOf posts a request and returns the HTTP status, the WWW-Authenticate header and
// the body, for the tests of what the guard refuses.
func (w *httpWire) statusOf(t *testing.T, msg map[string]any) (int, string, string) {
	t.Helper()
	res := w.post(t, msg)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("WWW-Authenticate"), string(body)
}

func serverEnvWith(env []string, extra ...string) []string {
	return append(append([]string(nil), env...), extra...)
}
