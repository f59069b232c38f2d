package codex

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
)

// fakeHelp is enough of `codex exec --help` for the probe to accept the binary.
const fakeHelp = `Usage: codex exec [OPTIONS] [PROMPT]

Commands:
  resume  Resume a previous session

Options:
  -c, --config <key=value>
  -s, --sandbox <SANDBOX_MODE>
  -C, --cd <DIR>
      --skip-git-repo-check
      --json
`

// fakeCodex writes a codex stand-in: the probe's three commands answer as given (version
// is shell run for `--version`; "" prints a version), and a run reads its prompt, then runs
// body, whose stdout is the event stream.
func fakeCodex(t *testing.T, version, body string) string {
	t.Helper()
	if version == "" {
		version = `echo "codex-cli 0.169.0"`
	}
	script := fmt.Sprintf(`#!/bin/sh
case "$*" in
--version) %s; exit $? ;;
"exec --help") cat <<'HELP'
%sHELP
exit 0 ;;
"exec resume --help") echo "Usage: codex exec resume"; exit 0 ;;
esac
cat >/dev/null
%s
`, version, fakeHelp, body)
	p := filepath.Join(t.TempDir(), "codex")
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// setProbeLimits shortens the probe's timings for one test (not parallel with others).
func setProbeLimits(t *testing.T, timeout, waitDelay, backoff time.Duration) {
	old := probeLimits
	probeLimits.Timeout, probeLimits.WaitDelay, probeLimits.FailBackoff = timeout, waitDelay, backoff
	t.Cleanup(func() { probeLimits = old })
}

// emptyEnv is a run environment whose CODEX_HOME has no config.
func emptyEnv(t *testing.T, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "CODEX_HOME=" + t.TempDir()}, extra...)
}

func TestProbeSurvivesBackgroundChildHoldingStdout(t *testing.T) {
	setProbeLimits(t, 20*time.Second, 300*time.Millisecond, time.Second)
	testenv.Mark(t) // before the probe starts: its orphans inherit the mark
	marker := testenv.Marker()
	bin := fakeCodex(t, `sleep `+marker+` & echo "codex-cli 0.169.0"`, "")
	start := time.Now()
	caps, err := Probe(t.Context(), bin)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("probe took %s", el)
	}
	if caps.Version != "0.169.0" || !caps.ExecFlags["--config"] || !caps.HasResume {
		t.Fatalf("caps %+v", caps)
	}
	// The background sleep was killed with the probe's process group.
	testenv.NoneLeft(t, 2*time.Second, testenv.Argv("sleep", marker), "the probe's background sleep")
}

func TestProbeHangingBinaryHitsItsLimit(t *testing.T) {
	setProbeLimits(t, 500*time.Millisecond, 200*time.Millisecond, time.Second)
	bin := fakeCodex(t, `sleep 300`, "")
	start := time.Now()
	_, err := Probe(t.Context(), bin)
	if err == nil || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("err %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("probe took %s past its 500ms limit", el)
	}
}

func TestCapabilitiesShareOneProbeAndBackOffAfterFailure(t *testing.T) {
	setProbeLimits(t, 5*time.Second, 200*time.Millisecond, 400*time.Millisecond)
	dir := t.TempDir()
	count := filepath.Join(dir, "count")
	broken := filepath.Join(dir, "broken")
	if err := os.WriteFile(broken, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Slow, counted, and failing while the "broken" file exists.
	bin := fakeCodex(t, fmt.Sprintf(`echo x >> %q; sleep 0.3; if [ -e %q ]; then echo boom >&2; exit 1; fi; echo "codex-cli 0.169.0"`, count, broken), "")
	probes := func() int {
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "x")
	}
	r := NewRunner(bin, nil, nil)

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = r.Capabilities(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if n := probes(); n != 1 {
		t.Fatalf("8 concurrent callers probed %d times", n)
	}
	// Within the backoff the error is served at once, without probing.
	start := time.Now()
	if _, err := r.Capabilities(t.Context()); err == nil || time.Since(start) > 100*time.Millisecond || probes() != 1 {
		t.Fatalf("within backoff: err %v after %s, %d probes", err, time.Since(start), probes())
	}
	// After it, the binary (now fixed) is probed again and kept.
	_ = os.Remove(broken)
	time.Sleep(450 * time.Millisecond)
	caps, err := r.Capabilities(t.Context())
	if err != nil || caps.Version != "0.169.0" || probes() != 2 {
		t.Fatalf("after backoff: %+v %v, %d probes", caps, err, probes())
	}
	if _, err := r.Capabilities(t.Context()); err != nil || probes() != 2 {
		t.Fatalf("a good probe is kept: %v, %d probes", err, probes())
	}
}

func TestCapabilitiesCallerStopsWaitingOnItsContext(t *testing.T) {
	setProbeLimits(t, 5*time.Second, 200*time.Millisecond, time.Second)
	r := NewRunner(fakeCodex(t, `sleep 2; echo "codex-cli 0.169.0"`, ""), nil, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := r.Capabilities(ctx); err == nil {
		t.Fatal("no error for a caller that gave up")
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("caller waited %s", el)
	}
	// The probe went on for the others.
	if caps, err := r.Capabilities(t.Context()); err != nil || caps.Version != "0.169.0" {
		t.Fatalf("%+v %v", caps, err)
	}
}

const fakeThread = `echo '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}'`

func TestRunMisbehavingCodex(t *testing.T) {
	cases := []struct {
		name, body string
		status     string
		errHas     string
		thread     string
	}{
		{"no thread.started",
			`echo '{"type":"turn.started"}'
echo '{"type":"item.completed","item":{"id":"m","type":"agent_message","text":"hi"}}'
echo '{"type":"turn.completed","usage":{}}'`,
			StatusFailed, "never reported a session", ""},
		{"thread id not a UUID",
			`echo '{"type":"thread.started","thread_id":"../../etc/passwd"}'
echo '{"type":"turn.completed","usage":{}}'`,
			StatusFailed, `"../../etc/passwd"`, ""},
		{"well behaved", fakeThread + `
echo '{"type":"turn.completed","usage":{}}'`, StatusCompleted, "", "0199a213-81c0-7800-8aa1-bbab2a035a53"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewRunner(fakeCodex(t, "", c.body), emptyEnv(t), nil)
			var seen []string
			res, err := r.Run(t.Context(), Request{
				Spec: Spec{Directory: t.TempDir(), Sandbox: SandboxReadOnly}, Prompt: "x", Timeout: 20 * time.Second,
				OnEvent: func(ev Event) {
					if ev.Type == "thread.started" {
						seen = append(seen, ev.ThreadID)
					}
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != c.status || !strings.Contains(res.Error, c.errHas) || res.ThreadID != c.thread {
				t.Fatalf("status %q error %q thread %q", res.Status, res.Error, res.ThreadID)
			}
			for _, id := range seen {
				if id != c.thread {
					t.Fatalf("OnEvent saw session id %q", id)
				}
			}
		})
	}
}

func TestRunResultIsBounded(t *testing.T) {
	const mb20 = 20_000_000
	cases := []struct {
		name  string
		body  string
		check func(t *testing.T, res Result)
	}{
		{"20 MB final message", fakeThread + fmt.Sprintf(`
printf '{"type":"item.completed","item":{"id":"m","type":"agent_message","text":"HEAD'
head -c %d /dev/zero | tr '\0' 'a'
printf 'TAIL"}}\n'
echo '{"type":"turn.completed","usage":{}}'`, mb20),
			func(t *testing.T, res Result) {
				m := res.FinalMessage
				if len(m) > maxFinalMessage+64 || !strings.HasPrefix(m, "HEAD") || !strings.HasSuffix(m, "aTAIL") || !strings.Contains(m, "[cut 19.") {
					t.Fatalf("final message of %d bytes: %.80q … %.80q", len(m), m, m[max(0, len(m)-80):])
				}
			}},
		{"200,000 commands", fakeThread + `
awk 'BEGIN{for(i=0;i<200000;i++) printf "{\"type\":\"item.completed\",\"item\":{\"id\":\"c%d\",\"type\":\"command_execution\",\"command\":\"echo %d\",\"aggregated_output\":\"x\",\"exit_code\":0,\"status\":\"completed\"}}\n", i, i}'
echo '{"type":"turn.completed","usage":{}}'`,
			func(t *testing.T, res Result) {
				if len(res.Commands) != maxCommands || res.Commands[0].Command != "echo 0" ||
					res.Commands[maxCommands/2].Command != fmt.Sprintf("echo %d", 200000-maxCommands/2) ||
					res.Commands[maxCommands-1].Command != "echo 199999" {
					t.Fatalf("%d commands, first %q, last %q", len(res.Commands), res.Commands[0].Command, res.Commands[len(res.Commands)-1].Command)
				}
				if !hasPrefix(res.Warnings, "codex ran 200000 commands") {
					t.Fatalf("warnings %q", res.Warnings)
				}
			}},
		{"20 MB command output line", fakeThread + fmt.Sprintf(`
printf '{"type":"item.completed","item":{"id":"c","type":"command_execution","command":"cat big","aggregated_output":"'
head -c %d /dev/zero | tr '\0' 'b'
printf 'END","exit_code":0,"status":"completed"}}\n'
echo '{"type":"item.completed","item":{"id":"m","type":"agent_message","text":"after"}}'
echo '{"type":"turn.completed","usage":{}}'`, mb20),
			func(t *testing.T, res Result) {
				if len(res.Commands) != 1 || len(res.Commands[0].Output) > maxOutputTail+8 || !strings.HasSuffix(res.Commands[0].Output, "bEND") {
					t.Fatalf("commands %d, output %d bytes", len(res.Commands), len(res.Commands[0].Output))
				}
				if res.FinalMessage != "after" || !hasPrefix(res.Warnings, "codex printed an event of 20.0 MB") {
					t.Fatalf("message %q warnings %q", res.FinalMessage, res.Warnings)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewRunner(fakeCodex(t, "", c.body), emptyEnv(t), nil)
			res, err := r.Run(t.Context(), Request{Spec: Spec{Directory: t.TempDir(), Sandbox: SandboxReadOnly}, Prompt: "x", Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != StatusCompleted {
				t.Fatalf("status %q error %q", res.Status, res.Error)
			}
			out, _ := json.Marshal(res)
			if len(out) > 500_000 {
				t.Fatalf("result of %d bytes", len(out))
			}
			c.check(t, res)
		})
	}
}

// hasPrefix reports whether a warning starts with prefix.
func hasPrefix(list []string, prefix string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

func TestRunMarksNestingAndDisablesSelf(t *testing.T) {
	home := t.TempDir()
	cfg := `model = "x"
[mcp_servers.codex]
command = "npx"
args = ["-y", "codex-mcp@latest"]
[mcp_servers.web]
url = "http://127.0.0.1:1/mcp"
[mcp_servers.fs]
command = "/usr/bin/mcp-fs"
`
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	envOut := filepath.Join(t.TempDir(), "env")
	r := NewRunner(fakeCodex(t, "", fmt.Sprintf("env > %q\n%s\necho '{\"type\":\"turn.completed\"}'", envOut, fakeThread)),
		[]string{"PATH=" + os.Getenv("PATH"), "CODEX_HOME=" + home, DelegatedEnv + "=stale"}, nil)
	res, err := r.Run(t.Context(), Request{Spec: Spec{Directory: t.TempDir(), Sandbox: SandboxReadOnly}, Prompt: "x", Timeout: 20 * time.Second})
	if err != nil || res.Status != StatusCompleted {
		t.Fatalf("%v %q %q", err, res.Status, res.Error)
	}
	argv := strings.Join(res.Argv, " ")
	pid := strconv.Itoa(os.Getpid())
	want := `--config mcp_servers.codex.enabled=false --config mcp_servers.fs.env.` + DelegatedEnv + `="` + pid + `" -`
	if !strings.HasSuffix(argv, want) || strings.Contains(argv, "mcp_servers.web") {
		t.Fatalf("argv %s", argv)
	}
	if strings.Join(res.DisabledMCPServers, ",") != "codex" {
		t.Fatalf("disabled %q", res.DisabledMCPServers)
	}
	env, _ := os.ReadFile(envOut)
	if strings.Count(string(env), DelegatedEnv+"=") != 1 || !strings.Contains(string(env), DelegatedEnv+"="+pid+"\n") {
		t.Fatalf("codex's environment:\n%s", env)
	}
	// The run's mark reaches codex (and so its commands); the watcher's own setting does
	// not, or a codex-mcp started inside the run would take itself for a watcher.
	if !regexp.MustCompile(`(?m)^`+RunMarkEnv+`=[0-9a-f]{32}$`).Match(env) || strings.Contains(string(env), "CODEX_MCP_WATCHER=") {
		t.Fatalf("codex's environment:\n%s", env)
	}
}
