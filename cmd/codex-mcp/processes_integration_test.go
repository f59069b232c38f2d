package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/internal/fakemodel"
	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/session/codex"
)

// rig builds the server and the environment its processes share: the real codex, the
// fake model (returned, for tests that wait on what it was asked), one CODEX_HOME, one
// state directory and a default working directory.
func rig(t *testing.T) (bin string, env []string, work string, model *fakemodel.Server) {
	t.Helper()
	codexBin := testenv.CodexBin(t)
	model = testenv.Model(t)
	codexHome := testenv.CodexHome(t, model.URL())
	bin = buildServer(t)
	work = t.TempDir()
	env = testenv.Env(t, codexHome, "CODEX_MCP_CODEX_BIN="+codexBin,
		"CODEX_MCP_STATE_DIR="+t.TempDir(), "CODEX_MCP_DEFAULT_DIR="+work)
	return bin, env, work, model
}

type stdioServer struct {
	c   *client.Client
	cmd *exec.Cmd
}

func startServer(t *testing.T, bin string, env []string) *stdioServer {
	t.Helper()
	s := &stdioServer{}
	c, err := client.NewStdioMCPClientWithOptions(bin, env, nil, transport.WithCommandFunc(
		func(ctx context.Context, command string, env []string, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, command, args...)
			cmd.Env = env
			s.cmd = cmd
			return cmd, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	s.c = c
	t.Cleanup(func() { _ = c.Close() })
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "proc-test", Version: "1"}
	if _, err := c.Initialize(t.Context(), init); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *stdioServer) call(t *testing.T, name string, args map[string]any) map[string]any {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := s.c.CallTool(t.Context(), req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("%s: %+v", name, res.Content)
	}
	data, _ := json.Marshal(res.StructuredContent)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m
}

// TestIntegrationKilledServerRunIsInterrupted: a server killed with SIGKILL mid-run leaves
// its run "interrupted" for the next server, and nothing else is lost.
func TestIntegrationKilledServerRunIsInterrupted(t *testing.T) {
	bin, env, _, _ := rig(t)

	first := startServer(t, bin, env)
	done := first.call(t, "start_session", map[string]any{"task": "finished work\nREPLY: kept"})
	running := first.call(t, "start_session", map[string]any{"task": "doomed\nHANG", "wait_seconds": 2})
	if running["status"] != "running" || running["session_id"] == "" {
		t.Fatalf("running: %v", running)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()

	second := startServer(t, bin, env)
	list := second.call(t, "list_sessions", map[string]any{"include_external": false})
	byID := map[string]string{}
	for _, s := range list["sessions"].([]any) {
		m := s.(map[string]any)
		byID[m["session_id"].(string)] = m["status"].(string)
	}
	if byID[running["session_id"].(string)] != "interrupted" || byID[done["session_id"].(string)] != "completed" {
		t.Fatalf("after restart: %v", byID)
	}
	// The finished session is still resumable after the restart.
	again := second.call(t, "resume_session", map[string]any{"session_id": done["session_id"], "task": "more\nREPLY: resumed after restart"})
	if again["status"] != "completed" || again["session_id"] != done["session_id"] {
		t.Fatalf("resume after restart: %v", again)
	}
	// Codex died with its server (no orphan left hanging on the fake model).
	testenv.NoneLeft(t, 5*time.Second, testenv.Contains("exec", "--json"), "codex of the killed server")
}

// TestIntegrationLifecycleKilledServerLeavesNothing: a server killed with SIGKILL while
// codex runs a command under danger-full-access (no sandbox to contain it), after another
// command left a daemon, leaves nothing running: not codex, not its watcher, not the
// command (whose codex died with the server), not the daemon. Under each lifecycle
// this OS offers: pdeathsig on Linux, and watcher, which is what macOS runs.
func TestIntegrationLifecycleKilledServerLeavesNothing(t *testing.T) {
	for _, l := range codex.Lifecycles() {
		t.Run(string(l), func(t *testing.T) {
			bin, env, _, _ := rig(t)
			s := startServer(t, bin, append(env, codex.LifecycleEnv+"="+string(l), "CODEX_MCP_MAX_SANDBOX="+codex.SandboxFullAccess))
			ghost, long := testenv.Marker(), testenv.Marker()+"1"
			running := s.call(t, "start_session", map[string]any{"task": "doomed\nRUN: " + testenv.Daemon(ghost) + "; sleep " + long + "; echo after\nREPLY: never",
				"sandbox": codex.SandboxFullAccess, "wait_seconds": 1})
			if running["status"] != "running" {
				t.Fatalf("running: %v", running)
			}
			testenv.WaitForProcess(t, testenv.Argv("sleep", long), "the run's command")
			testenv.WaitForProcess(t, testenv.Argv("sleep", ghost), "the run's daemon")
			if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = s.cmd.Wait()
			testenv.NoneLeft(t, 5*time.Second, testenv.Argv("sleep", long), "the command of the killed server's run")
			testenv.NoneLeft(t, time.Second, testenv.Argv("sleep", ghost), "the daemon of the killed server's run")
			testenv.NoneLeft(t, time.Second, testenv.Contains("exec", "--json"), "codex of the killed server")
		})
	}
}

// codexRunning reports whether any of this test's codex processes is alive (a run's
// watcher counts: its argv holds codex's).
func codexRunning(t *testing.T) bool {
	return len(testenv.Running(t, testenv.Contains("exec", "--json"))) > 0
}

// TestIntegrationTwoServersShareMemory: two server processes on one state dir, writing at
// once, lose nothing.
func TestIntegrationTwoServersShareMemory(t *testing.T) {
	bin, env, _, _ := rig(t)
	servers := []*stdioServer{startServer(t, bin, env), startServer(t, bin, env)}
	const perServer = 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	want := map[string]bool{}
	for i, s := range servers {
		for j := 0; j < perServer; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out := s.call(t, "start_session", map[string]any{"task": fmt.Sprintf("server %d task %d\nREPLY: ok", i, j), "mode": "analysis"})
				mu.Lock()
				want[out["session_id"].(string)] = true
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for _, s := range servers {
		list := s.call(t, "list_sessions", map[string]any{"include_external": false, "limit": 50})
		got := map[string]bool{}
		for _, x := range list["sessions"].([]any) {
			m := x.(map[string]any)
			if m["status"] != "completed" || m["source"] != "server" {
				t.Fatalf("session %v", m)
			}
			got[m["session_id"].(string)] = true
		}
		if len(got) != len(want) || len(want) != 2*perServer {
			t.Fatalf("got %d sessions, want %d", len(got), len(want))
		}
		for id := range want {
			if !got[id] {
				t.Fatalf("session %s lost", id)
			}
		}
	}
}

func TestIntegrationSessionsCommand(t *testing.T) {
	bin, env, work, _ := rig(t)
	s := startServer(t, bin, env)
	out := s.call(t, "start_session", map[string]any{"task": "terminal listing\nREPLY: ok", "feature": "billing"})
	cmd := exec.Command(bin, "sessions")
	cmd.Env = env
	text, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), out["session_id"].(string)) || !strings.Contains(string(text), "billing") || !strings.Contains(string(text), "terminal listing") {
		t.Fatalf("sessions output:\n%s", text)
	}
	cmd = exec.Command(bin, "sessions", "--json", "--dir", work)
	cmd.Env = env
	js, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Sessions []struct {
			SessionID string `json:"session_id"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(js, &list); err != nil || len(list.Sessions) != 1 || list.Sessions[0].SessionID != out["session_id"] {
		t.Fatalf("sessions --json: %v %s", err, js)
	}
}

func TestIntegrationDecideCommand(t *testing.T) {
	bin, env, work, _ := rig(t)
	s := startServer(t, bin, env)
	out := s.call(t, "start_session", map[string]any{"task": "Implement user profile\nREPLY: profile done"})
	// Flags after the task, as the README shows.
	cmd := exec.Command(bin, "decide", "Add profile validation", "--dir", work)
	cmd.Env = env
	text, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if !strings.Contains(string(text), "Resume session "+out["session_id"].(string)) || !strings.Contains(string(text), "Suggested call: resume_session") {
		t.Fatalf("decide output:\n%s", text)
	}
	cmd = exec.Command(bin, "decide", "--json", "--relation", "alternative", "Try approach Y for profiles")
	cmd.Env = env
	js, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Decision string `json:"decision"`
		Path     []struct {
			Overridden bool `json:"overridden"`
		} `json:"path"`
	}
	if err := json.Unmarshal(js, &d); err != nil || d.Decision != "new" || len(d.Path) == 0 {
		t.Fatalf("decide --json: %v %s", err, js)
	}
	cmd = exec.Command(bin, "decide")
	cmd.Env = env
	if err := cmd.Run(); err == nil {
		t.Fatal("decide without a task should fail")
	}
}

func TestIntegrationDoctorCommand(t *testing.T) {
	bin, env, _, _ := rig(t)
	cmd := exec.Command(bin, "doctor")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "✓ codex CLI:") || !strings.Contains(string(out), "✓ conversation memory:") {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	cmd = exec.Command(bin, "doctor")
	cmd.Env = append(env, "CODEX_MCP_CODEX_BIN=/nonexistent/codex")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "✗ codex CLI") || !strings.Contains(string(out), "npm install -g @openai/codex") {
		t.Fatalf("doctor without codex: %v\n%s", err, out)
	}
}
