package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/tools"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds codex-mcp and the minimal baseline server once per test binary.
func binaries(b *testing.B) (server, minimal string) {
	b.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "codex-mcp-bench")
		if buildErr != nil {
			return
		}
		for pkg, name := range map[string]string{"../../cmd/codex-mcp": "codex-mcp", "./minimal": "minimal"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, name), pkg).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return filepath.Join(binDir, "codex-mcp"), filepath.Join(binDir, "minimal")
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}` + "\n"

// proc is a started server with the initialize answer read.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	took  time.Duration
}

// startAndInitialize starts bin and times process start to the initialize answer.
func startAndInitialize(b *testing.B, bin string, env []string) *proc {
	b.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if _, err := io.WriteString(stdin, initialize); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	took := time.Since(start)
	if err != nil || !strings.Contains(line, `"id":1`) {
		b.Fatalf("%s: initialize answer %q: %v", bin, line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return &proc{cmd: cmd, stdin: stdin, took: took}
}

func (p *proc) stop() {
	_ = p.stdin.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

func serverEnv(b *testing.B) []string {
	state := b.TempDir()
	return append(os.Environ(), "CODEX_MCP_STATE_DIR="+state, "CODEX_HOME="+b.TempDir(), "CODEX_MCP_CODEX_BIN=/nonexistent/codex")
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// BenchmarkStartupToInitialize: process start to the initialize answer, codex-mcp vs a
// minimal mcp-go server, alternating. Target: ratio <= 1.30.
func BenchmarkStartupToInitialize(b *testing.B) {
	server, minimal := binaries(b)
	env := serverEnv(b)
	var ours, base []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := startAndInitialize(b, minimal, env)
		base = append(base, p.took)
		p.stop()
		p = startAndInitialize(b, server, env)
		ours = append(ours, p.took)
		p.stop()
	}
	b.StopTimer()
	mo, mb := median(ours), median(base)
	b.ReportMetric(float64(mo.Microseconds())/1000, "ms-codex-mcp")
	b.ReportMetric(float64(mb.Microseconds())/1000, "ms-minimal")
	b.ReportMetric(float64(mo)/float64(mb), "ratio")
}

// BenchmarkIdleRSS: resident memory a second after initialize, codex-mcp vs the minimal
// server. Target: codex-mcp under 20 MB.
func BenchmarkIdleRSS(b *testing.B) {
	server, minimal := binaries(b)
	env := serverEnv(b)
	var ours, base []time.Duration // KiB, as durations to reuse median
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, c := range []struct {
			bin string
			out *[]time.Duration
		}{{minimal, &base}, {server, &ours}} {
			p := startAndInitialize(b, c.bin, env)
			// notifications/initialized lets the server warm up (open memory, probe codex).
			_, _ = io.WriteString(p.stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
			time.Sleep(time.Second)
			*c.out = append(*c.out, time.Duration(rssKiB(b, p.cmd.Process.Pid)))
			p.stop()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(median(ours))/1024, "MB-codex-mcp")
	b.ReportMetric(float64(median(base))/1024, "MB-minimal")
}

func rssKiB(b *testing.B, pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			n, _ := strconv.ParseInt(f[0], 10, 64)
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// overheadRig runs the same task through start_session (a real MCP client, in process)
// and as `codex exec --json` directly, against the same fake model.
type overheadRig struct {
	viaServer func() time.Duration
	direct    func() time.Duration
}

func newOverheadRig(b *testing.B) overheadRig {
	bin := testenv.CodexBin(b)
	model := testenv.Model(b)
	home := testenv.CodexHome(b, model.URL())
	env := testenv.Env(b, home)
	dir := b.TempDir()
	task := "benchmark task\nRUN: echo hi\nREPLY: done"

	mgr := session.NewManager(session.Config{DefaultDir: dir, Templates: prompts.Templates{}}, session.RealDeps(bin, env, filepath.Join(b.TempDir(), "memory.db"), home, nil))
	b.Cleanup(mgr.Close)
	c, err := client.NewInProcessClient(tools.NewServer(tools.Config{Name: "codex-mcp", Version: "bench"}, mgr, nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	if _, err := c.Initialize(ctx, init); err != nil {
		b.Fatal(err)
	}
	// The same prompt codex-mcp sends and the same binary it runs (the native one behind
	// npm's launcher), so both paths do the same work.
	prompt := prompts.Render(prompts.Fields{Task: task, Mode: "write"})
	caps, err := codex.Probe(ctx, bin)
	if err != nil {
		b.Fatal(err)
	}
	rig := overheadRig{
		viaServer: func() time.Duration {
			req := mcp.CallToolRequest{}
			req.Params.Name = "start_session"
			req.Params.Arguments = map[string]any{"task": task, "mode": "write"}
			start := time.Now()
			res, err := c.CallTool(ctx, req)
			took := time.Since(start)
			if err != nil || res.IsError {
				b.Errorf("start_session: %v %+v", err, res)
			}
			return took
		},
		direct: func() time.Duration {
			cmd := exec.Command(caps.Bin, "exec", "--json", "--color", "never", "--skip-git-repo-check", "--cd", dir, "--sandbox", "workspace-write", "-")
			cmd.Env = append(env[:len(env):len(env)], caps.Env...)
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(prompt)
			start := time.Now()
			out, err := cmd.Output()
			took := time.Since(start)
			if err != nil || !strings.Contains(string(out), "turn.completed") {
				b.Errorf("codex exec: %v %s", err, out)
			}
			return took
		},
	}
	// Warm both paths (codex probe, memory open, page cache).
	rig.viaServer()
	rig.direct()
	return rig
}

// BenchmarkStartSessionOverhead: wall time of start_session through a real MCP client vs
// the same `codex exec --json` run directly, alternating. Target: overhead under 2%.
func BenchmarkStartSessionOverhead(b *testing.B) {
	rig := newOverheadRig(b)
	var ours, base []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		base = append(base, rig.direct())
		ours = append(ours, rig.viaServer())
	}
	b.StopTimer()
	mo, mb := median(ours), median(base)
	b.ReportMetric(float64(mo.Microseconds())/1000, "ms-start_session")
	b.ReportMetric(float64(mb.Microseconds())/1000, "ms-codex-exec")
	b.ReportMetric((float64(mo)/float64(mb)-1)*100, "overhead-%")
}

// BenchmarkEightConcurrentStartSessions: eight start_session calls at once vs eight
// `codex exec` started at once, alternating; the wall time of the slowest of each eight.
// Target: within 15%.
func BenchmarkEightConcurrentStartSessions(b *testing.B) {
	rig := newOverheadRig(b)
	eight := func(f func() time.Duration) time.Duration {
		var wg sync.WaitGroup
		start := time.Now()
		for range 8 {
			wg.Add(1)
			go func() { defer wg.Done(); f() }()
		}
		wg.Wait()
		return time.Since(start)
	}
	var ours, base []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		base = append(base, eight(rig.direct))
		ours = append(ours, eight(rig.viaServer))
	}
	b.StopTimer()
	mo, mb := median(ours), median(base)
	b.ReportMetric(float64(mo.Microseconds())/1000, "ms-8-start_session")
	b.ReportMetric(float64(mb.Microseconds())/1000, "ms-8-codex-exec")
	b.ReportMetric(float64(mo)/float64(mb), "ratio")
}
