package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/internal/fakemodel"
)

// readBound is how fast a read, cancel_session or ping must answer while every run slot is
// taken. The design's figure is ~100 ms; 500 ms keeps the test robust on a loaded 2-core
// machine, and the median is printed.
const readBound = 500 * time.Millisecond

// TestIntegrationReadsAnswerWhileRunsHang: with as many runs in flight as --max-running
// allows (more than mcp-go's default 5 workers), plus get_session calls waiting on them,
// list_sessions, get_session, cancel_session and ping still answer at once, and a start
// past the limit is refused with the number.
func TestIntegrationReadsAnswerWhileRunsHang(t *testing.T) {
	const maxRunning = 6
	bin, env, _, model := rig(t)
	s := startServer(t, bin, append(env, "CODEX_MCP_MAX_RUNNING="+strconv.Itoa(maxRunning)))
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range maxRunning {
		wg.Go(func() {
			req := mcp.CallToolRequest{}
			req.Params.Name = "start_session"
			req.Params.Arguments = map[string]any{"task": fmt.Sprintf("long run %d\nHANG", i), "mode": "analysis"}
			_, _ = s.c.CallTool(ctx, req) // held until the run is cancelled or the test ends
		})
	}
	// Wait for every run to have its session id in memory.
	var ids []string
	deadline := time.Now().Add(90 * time.Second)
	for len(ids) < maxRunning {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d runs are running", len(ids), maxRunning)
		}
		time.Sleep(200 * time.Millisecond)
		ids = ids[:0]
		list := s.call(t, "list_sessions", map[string]any{"status": "running", "include_external": false})
		for _, x := range list["sessions"].([]any) {
			ids = append(ids, x.(map[string]any)["session_id"].(string))
		}
	}
	// A follower waiting on each run, as an assistant would after wait_seconds.
	for _, id := range ids {
		wg.Go(func() {
			req := mcp.CallToolRequest{}
			req.Params.Name = "get_session"
			req.Params.Arguments = map[string]any{"session_id": id, "wait_seconds": 600}
			_, _ = s.c.CallTool(ctx, req)
		})
	}
	time.Sleep(300 * time.Millisecond) // let them take their workers

	timed := func(name string, f func(context.Context) error) time.Duration {
		cctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		start := time.Now()
		if err := f(cctx); err != nil {
			t.Fatalf("%s: %v after %s", name, err, time.Since(start))
		}
		return time.Since(start)
	}
	tool := func(name string, args map[string]any) func(context.Context) error {
		return func(ctx context.Context) error {
			req := mcp.CallToolRequest{}
			req.Params.Name = name
			req.Params.Arguments = args
			res, err := s.c.CallTool(ctx, req)
			if err == nil && res.IsError {
				err = fmt.Errorf("tool error: %v", res.Content)
			}
			return err
		}
	}
	took := map[string][]time.Duration{}
	for round := range 7 {
		took["list_sessions"] = append(took["list_sessions"], timed("list_sessions", tool("list_sessions", map[string]any{"include_external": false})))
		took["get_session"] = append(took["get_session"], timed("get_session", tool("get_session", map[string]any{"session_id": ids[round%len(ids)]})))
		took["ping"] = append(took["ping"], timed("ping", func(ctx context.Context) error {
			// On the wire: the client's Ping is a no-op for the newest protocol version.
			res, err := s.c.GetTransport().SendRequest(ctx, transport.JSONRPCRequest{JSONRPC: "2.0", ID: mcp.NewRequestId(int64(900 + round)), Method: "ping"})
			if err == nil && res.Error != nil {
				err = fmt.Errorf("ping: %s", res.Error.Message)
			}
			return err
		}))
	}
	took["cancel_session"] = append(took["cancel_session"], timed("cancel_session", tool("cancel_session", map[string]any{"session_id": ids[0]})))
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range took {
			if !yield(k) {
				return
			}
		}
	}) {
		d := slices.Clone(took[name])
		slices.Sort(d)
		t.Logf("%s with %d runs and %d followers in flight: median %s, max %s over %d calls", name, maxRunning, len(ids), d[len(d)/2], d[len(d)-1], len(d))
		if d[len(d)-1] > readBound {
			t.Errorf("%s took %s (bound %s)", name, d[len(d)-1], readBound)
		}
	}

	// The cancelled run freed a slot; fill it again, then one more start is past the limit.
	// (That refusal is the Manager's: it answers at once with the number.)
	wg.Go(func() {
		_, _ = s.c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "start_session",
			Arguments: map[string]any{"task": "refill\nHANG", "mode": "analysis"}}})
	})
	// The refill holds its slot once codex has asked the model.
	for deadline := time.Now().Add(60 * time.Second); !slices.ContainsFunc(model.Requests(), func(r fakemodel.Request) bool {
		return strings.Contains(r.UserText, "refill")
	}); {
		if time.Now().After(deadline) {
			t.Fatal("the refill run never reached the model")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	res, err := s.c.CallTool(cctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "start_session",
		Arguments: map[string]any{"task": "one too many\nREPLY: should not run", "mode": "analysis", "wait_seconds": 1}}})
	switch {
	case err != nil:
		t.Errorf("start past the limit: %v", err)
	case !res.IsError || !strings.Contains(fmt.Sprint(res.Content), strconv.Itoa(maxRunning)):
		t.Errorf("start past the limit of %d was not refused with the number: isError=%v %v", maxRunning, res.IsError, res.Content)
	}
	stop()
	_ = s.c.Close()
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && codexRunning(t) {
		time.Sleep(50 * time.Millisecond)
	}
	if codexRunning(t) {
		t.Error("codex outlived the server")
	}
}

// TestIntegrationOversizeMessageRefused: a 50 MB tool call, streamed to the server's stdin,
// is answered with Invalid Request for its id, quickly and without the server holding
// it, and the server goes on answering.
func TestIntegrationOversizeMessageRefused(t *testing.T) {
	bin, env, _, _ := rig(t)
	r := startRaw(t, bin, env)
	r.send(t, map[string]any{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": map[string]any{"name": "list_sessions",
		"arguments": map[string]any{"include_external": false}}})
	r.await(t, "3") // tools registered, memory open
	before := peakRSS(t, r.cmd.Process.Pid)
	start := time.Now()
	// Streamed in 1 MB pieces, as a client writing a huge argument would.
	if _, err := io.WriteString(r.stdin, `{"jsonrpc":"2.0","id":"big-1","method":"tools/call","params":{"name":"start_session","arguments":{"task":"x","context":"`); err != nil {
		t.Fatal(err)
	}
	piece := strings.Repeat("a large pasted input ", 1<<20/21)
	for written := 0; written < 50<<20; written += len(piece) {
		if _, err := io.WriteString(r.stdin, piece); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := io.WriteString(r.stdin, "\"}}}\n"); err != nil {
		t.Fatal(err)
	}
	answer := r.await(t, `"big-1"`)
	took := time.Since(start)
	after := peakRSS(t, r.cmd.Process.Pid)
	t.Logf("50 MB call refused %s after its first byte; server peak RSS %d kB before, %d kB after", took, before, after)
	if !strings.Contains(answer, `"code":-32600`) || !strings.Contains(answer, "limit of 8388608 bytes") {
		t.Fatalf("answer: %s", answer)
	}
	if took > 10*time.Second || after > before+32<<10 {
		t.Fatalf("refusal took %s, peak RSS grew from %d kB to %d kB", took, before, after)
	}
	// The server still answers.
	r.send(t, map[string]any{"jsonrpc": "2.0", "id": 4, "method": "ping"})
	r.await(t, "4")
}

// raw is the real binary driven by hand over its stdin and stdout, for what a client
// library would not send (an oversized line) or does its own way (closing stdin).
type raw struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	exited chan error
}

// startRaw starts the server and completes the MCP handshake.
func startRaw(t *testing.T, bin string, env []string) *raw {
	t.Helper()
	r := &raw{cmd: exec.Command(bin), lines: make(chan string, 100), exited: make(chan error, 1)}
	r.cmd.Env = env
	var err error
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
		r.exited <- r.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
	})
	r.send(t, map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{"protocolVersion": mcp.LATEST_PROTOCOL_VERSION,
		"capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "raw-test", "version": "1"}}})
	r.await(t, "1")
	r.send(t, map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	return r
}

func (r *raw) send(t *testing.T, m map[string]any) {
	t.Helper()
	data, _ := json.Marshal(m)
	if _, err := r.stdin.Write(append(data, '\n')); err != nil {
		t.Fatal(err)
	}
}

// await returns the answer whose id is id (as JSON), skipping notifications.
func (r *raw) await(t *testing.T, id string) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-r.lines:
			if !ok {
				t.Fatalf("server closed stdout before answering %s", id)
			}
			var m struct {
				ID json.RawMessage `json:"id"`
			}
			if json.Unmarshal([]byte(l), &m) == nil && string(m.ID) == id {
				return l
			}
		case <-timeout:
			t.Fatalf("no answer to %s", id)
		}
	}
}

// peakRSS is the process's peak resident set (VmHWM), in kB.
func peakRSS(t *testing.T, pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// TestIntegrationStdinClosedMidRun: when the client goes away (stdin closes) during a run,
// the server stops the run, kills codex and exits, on its own and promptly (before an MCP
// client's 2 s grace period would send SIGTERM). The run is recorded as stopped because
// the client closed stdin; that record is the Manager's (checked in session/).
func TestIntegrationStdinClosedMidRun(t *testing.T) {
	bin, env, _, model := rig(t)
	r := startRaw(t, bin, env)
	r.send(t, map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": map[string]any{"name": "start_session",
		"arguments": map[string]any{"task": "abandoned\nHANG", "mode": "analysis"}}})
	// Mid-run: codex has asked the model, which never answers.
	deadline := time.Now().Add(60 * time.Second)
	for len(model.Requests()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("codex never asked the model")
		}
		time.Sleep(20 * time.Millisecond)
	}
	closed := time.Now()
	_ = r.stdin.Close()
	go func() {
		for range r.lines { // the run's answer, if the server still sends it
		}
	}()
	select {
	case err := <-r.exited:
		t.Logf("server exited %s after stdin closed (%v)", time.Since(closed), err)
		if err != nil {
			t.Errorf("exit: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("server still running 2 s after stdin closed")
	}
	if codexRunning(t) {
		t.Fatal("codex outlived the server")
	}
}

// TestIntegrationServeRefusesNested: a server started inside one of its own codex runs
// refuses to serve, with one line on stderr and a non-zero exit.
func TestIntegrationServeRefusesNested(t *testing.T) {
	bin := buildServer(t)
	for _, args := range [][]string{nil, {"serve"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "CODEX_MCP_DELEGATED=1")
		cmd.Stdin = strings.NewReader("")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if err == nil || len(out) != 0 || len(lines) != 1 || !strings.Contains(lines[0], "CODEX_MCP_DELEGATED") {
			t.Fatalf("%v: err %v, stdout %q, stderr %q", args, err, out, stderr.String())
		}
	}
}
