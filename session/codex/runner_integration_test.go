package codex_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/session/codex"
)

func newRunner(t *testing.T, modelURL string) (*codex.Runner, string) {
	t.Helper()
	bin := testenv.CodexBin(t)
	home := testenv.CodexHome(t, modelURL)
	env := testenv.Env(t, home)
	return codex.NewRunner(bin, env, nil), home
}

func TestIntegrationRunStartAndResume(t *testing.T) {
	model := testenv.Model(t)
	r, home := newRunner(t, model.URL())
	dir := t.TempDir()
	var seen []string
	res, err := r.Run(t.Context(), codex.Request{
		Spec:    codex.Spec{Directory: dir, Sandbox: codex.SandboxWorkspaceWrite},
		Prompt:  "TASK: make a file\nRUN: echo hello > made.txt\nREPLY: made it",
		Timeout: time.Minute, IdleTimeout: 30 * time.Second,
		OnEvent: func(ev codex.Event) {
			if d := codex.Describe(ev); d != "" {
				seen = append(seen, d)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != codex.StatusCompleted || res.FinalMessage != "made it" || res.ThreadID == "" {
		t.Fatalf("status %q message %q thread %q error %q stderr %s", res.Status, res.FinalMessage, res.ThreadID, res.Error, res.Stderr)
	}
	if len(res.Commands) != 1 || res.Commands[0].ExitCode == nil || *res.Commands[0].ExitCode != 0 {
		t.Fatalf("commands: %+v", res.Commands)
	}
	if _, err := os.Stat(filepath.Join(dir, "made.txt")); err != nil {
		t.Fatalf("write mode did not write: %v", err)
	}
	if !containsPrefix(seen, "ran `echo hello > made.txt` (exit 0)") {
		t.Fatalf("progress sentences: %q", seen)
	}

	again, err := r.Run(t.Context(), codex.Request{
		Spec:    codex.Spec{Directory: dir, Sandbox: codex.SandboxWorkspaceWrite, ResumeID: res.ThreadID},
		Prompt:  "TASK: second turn\nREPLY: second",
		Timeout: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if again.Status != codex.StatusCompleted || again.ThreadID != res.ThreadID || again.FinalMessage != "second" {
		t.Fatalf("resume: status %q thread %q (want %q) message %q error %q", again.Status, again.ThreadID, res.ThreadID, again.FinalMessage, again.Error)
	}
	reqs := model.Requests()
	last := reqs[len(reqs)-1]
	if len(last.UserTexts) != 2 || !strings.Contains(last.UserTexts[0], "make a file") {
		t.Fatalf("resumed turn did not carry the first turn: %q", last.UserTexts)
	}
	matches, _ := filepath.Glob(filepath.Join(home, "sessions", "*", "*", "*", "rollout-*-"+res.ThreadID+".jsonl"))
	if len(matches) != 1 {
		t.Fatalf("rollout for %s: %v", res.ThreadID, matches)
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestIntegrationReadOnlyCannotWrite(t *testing.T) {
	model := testenv.Model(t)
	r, _ := newRunner(t, model.URL())
	dir := t.TempDir()
	res, err := r.Run(t.Context(), codex.Request{
		Spec:    codex.Spec{Directory: dir, Sandbox: codex.SandboxReadOnly},
		Prompt:  "RUN: echo x > nope.txt\nREPLY: tried",
		Timeout: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != codex.StatusCompleted {
		t.Fatalf("status %q: %s", res.Status, res.Error)
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.txt")); !os.IsNotExist(err) {
		t.Fatalf("read-only run wrote a file (stat err %v)", err)
	}
}

func TestIntegrationModelDown(t *testing.T) {
	model := testenv.Model(t)
	url := model.URL()
	_ = model.Close()
	r, _ := newRunner(t, url)
	start := time.Now()
	res, err := r.Run(t.Context(), codex.Request{
		Spec:    codex.Spec{Directory: t.TempDir(), Sandbox: codex.SandboxReadOnly},
		Prompt:  "anything",
		Timeout: 20 * time.Second, IdleTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != codex.StatusFailed && res.Status != codex.StatusTimedOut {
		t.Fatalf("status %q", res.Status)
	}
	if el := time.Since(start); el > 25*time.Second {
		t.Fatalf("took %s", el)
	}
	if res.Error == "" {
		t.Fatal("no error sentence")
	}
	t.Logf("model down: %s after %s: %s", res.Status, time.Since(start).Round(time.Millisecond), res.Error)
}

func TestIntegrationHangingModelHitsIdleTimeout(t *testing.T) {
	model := testenv.Model(t)
	r, _ := newRunner(t, model.URL())
	start := time.Now()
	res, err := r.Run(t.Context(), codex.Request{
		Spec:    codex.Spec{Directory: t.TempDir(), Sandbox: codex.SandboxReadOnly},
		Prompt:  "HANG",
		Timeout: 30 * time.Second, IdleTimeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != codex.StatusTimedOut || res.TimeoutHit != "idle" {
		t.Fatalf("status %q hit %q error %q", res.Status, res.TimeoutHit, res.Error)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("idle timeout took %s", el)
	}
}

func TestIntegrationCancelKillsCodexAndChildren(t *testing.T) {
	model := testenv.Model(t)
	r, _ := newRunner(t, model.URL())
	dir := t.TempDir()
	// The sandbox runs commands in their own pid namespace, so the child is found by a
	// marker in its argv rather than by a pid it reports.
	marker := testenv.Marker()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var codexPid int
	type out struct {
		res codex.Result
		err error
	}
	ch := make(chan out, 1)
	go func() {
		res, err := r.Run(ctx, codex.Request{
			Spec:    codex.Spec{Directory: dir, Sandbox: codex.SandboxWorkspaceWrite},
			Prompt:  "RUN: sleep " + marker + "\nREPLY: never",
			Timeout: 2 * time.Minute,
			OnStart: func(_ []string, pid int) { codexPid = pid },
		})
		ch <- out{res, err}
	}()
	childPid := testenv.WaitForProcess(t, testenv.Argv("sleep", marker), "sleep "+marker)
	cancel()
	cancelled := time.Now()
	o := <-ch
	if o.err != nil {
		t.Fatal(o.err)
	}
	if o.res.Status != codex.StatusCancelled {
		t.Fatalf("status %q", o.res.Status)
	}
	for _, pid := range []int{codexPid, childPid} {
		if !testenv.GoneWithin(pid, time.Second-time.Since(cancelled)) {
			t.Fatalf("pid %d still alive a second after cancellation", pid)
		}
	}
}

func TestIntegrationMegabytePrompt(t *testing.T) {
	model := testenv.Model(t)
	r, _ := newRunner(t, model.URL())
	// 1 MB: codex itself refuses prompts over 1,048,576 characters.
	big := strings.Repeat("context line with some words in it\n", 1_000_000/35) + "REPLY: read it all"
	res, err := r.Run(t.Context(), codex.Request{
		Spec:    codex.Spec{Directory: t.TempDir(), Sandbox: codex.SandboxReadOnly},
		Prompt:  big,
		Timeout: 2 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != codex.StatusCompleted || res.FinalMessage != "read it all" {
		t.Fatalf("status %q message %q error %q", res.Status, res.FinalMessage, res.Error)
	}
	reqs := model.Requests()
	if got := len(reqs[0].UserText); got < 999_000 {
		t.Fatalf("model saw a prompt of %d bytes", got)
	}
}

// A codex-mcp registered in Codex's own config is not started inside the runs this
// server makes; the user's other MCP servers still are, and see the nesting mark.
func TestIntegrationNestedCodexMCPIsDisabled(t *testing.T) {
	model := testenv.Model(t)
	r, home := newRunner(t, model.URL())
	bin := t.TempDir()
	// An MCP server that only leaves a marker (with its environment) and exits: codex
	// logs that it failed to start and carries on, which is all this test needs.
	server := "#!/bin/sh\nenv > \"$0.started\"\n"
	for _, name := range []string{"codex-mcp", "other-server"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(server), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`
[mcp_servers.codex]
command = %q
args = ["serve"]

[mcp_servers.tools]
command = %q
env = { KEEP = "kept" }
`, filepath.Join(bin, "codex-mcp"), filepath.Join(bin, "other-server"))
	f, err := os.OpenFile(filepath.Join(home, "config.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(cfg); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()

	res, err := r.Run(t.Context(), codex.Request{
		Spec:    codex.Spec{Directory: t.TempDir(), Sandbox: codex.SandboxReadOnly},
		Prompt:  "REPLY: nested",
		Timeout: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != codex.StatusCompleted || res.FinalMessage != "nested" {
		t.Fatalf("status %q message %q error %q stderr %s", res.Status, res.FinalMessage, res.Error, res.Stderr)
	}
	if strings.Join(res.DisabledMCPServers, ",") != "codex" {
		t.Fatalf("disabled %q, argv %q", res.DisabledMCPServers, res.Argv)
	}
	if _, err := os.Stat(filepath.Join(bin, "codex-mcp.started")); !os.IsNotExist(err) {
		t.Fatalf("codex started the codex-mcp MCP server (stat err %v); argv %q", err, res.Argv)
	}
	env, err := os.ReadFile(filepath.Join(bin, "other-server.started"))
	if err != nil {
		t.Fatalf("the other MCP server did not start: %v; stderr %s", err, res.Stderr)
	}
	for _, want := range []string{codex.DelegatedEnv + "=" + strconv.Itoa(os.Getpid()), "KEEP=kept"} {
		if !strings.Contains(string(env), want+"\n") {
			t.Errorf("the other MCP server's environment lacks %s:\n%s", want, env)
		}
	}
}
