package codex

import (
	"errors"
	"strings"
	"testing"
)

func TestTranscriptFromEvents(t *testing.T) {
	stream := `{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}
{"type":"turn.started"}
{"type":"some.future.event","x":1}
{"type":"item.started","item":{"id":"i0","type":"command_execution","command":"/bin/bash -lc 'go test ./...'","status":"in_progress"}}
{"type":"item.completed","item":{"id":"i0","type":"command_execution","command":"/bin/bash -lc 'go test ./...'","aggregated_output":"ok\n","exit_code":0,"status":"completed","new_field":true}}
{"type":"item.completed","item":{"id":"i1","type":"file_change","changes":[{"path":"src/auth/jwt.go","kind":"update"},{"path":"src/auth/new.go","kind":"add"}]}}
{"type":"item.completed","item":{"id":"i2","type":"file_change","changes":[{"path":"src/auth/jwt.go","kind":"update"}]}}
{"type":"item.completed","item":{"id":"i3","type":"error","message":"model metadata missing"}}
{"type":"item.started","item":{"id":"i4","type":"command_execution","command":"make lint","status":"in_progress"}}
{"type":"item.completed","item":{"id":"i5","type":"agent_message","text":"all done"}}
not json at all
{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":2,"output_tokens":3,"reasoning_output_tokens":1}}`
	var tr Transcript
	var said []string
	for _, line := range strings.Split(stream, "\n") {
		ev, ok := ParseEvent([]byte(line))
		if !ok {
			continue
		}
		tr.Apply(ev)
		if d := Describe(ev); d != "" {
			said = append(said, d)
		}
	}
	if !tr.CommandRunning() {
		t.Fatal("make lint should be in flight")
	}
	tr.Finish()
	if tr.ThreadID != "0199a213-81c0-7800-8aa1-bbab2a035a53" || tr.FinalMessage != "all done" || !tr.TurnDone || tr.Usage.InputTokens != 10 || tr.Usage.ReasoningOutputTokens != 1 {
		t.Fatalf("%+v", tr)
	}
	if len(tr.Commands) != 2 || *tr.Commands[0].ExitCode != 0 || tr.Commands[1].Status != "unknown" {
		t.Fatalf("commands %+v", tr.Commands)
	}
	if len(tr.FilesChanged) != 2 || tr.FilesChanged[1].Kind != "add" {
		t.Fatalf("files %+v", tr.FilesChanged)
	}
	if len(tr.Warnings) != 1 || len(tr.Errors) != 0 {
		t.Fatalf("warnings %v errors %v", tr.Warnings, tr.Errors)
	}
	want := []string{"ran `go test ./...` (exit 0)", "edited src/auth/jwt.go, created src/auth/new.go"}
	for _, w := range want {
		found := false
		for _, s := range said {
			found = found || s == w
		}
		if !found {
			t.Errorf("no progress sentence %q in %q", w, said)
		}
	}
}

func TestBuildArgs(t *testing.T) {
	newCaps := Capabilities{Version: "0.169.0", HasResume: true, ExecFlags: map[string]bool{
		"--json": true, "--sandbox": true, "--cd": true, "--color": true, "--skip-git-repo-check": true, "--profile": true, "--model": true}}
	oldCaps := Capabilities{Version: "0.125.0", HasResume: true, ExecFlags: map[string]bool{
		"--json": true, "--sandbox": true, "--cd": true, "--skip-git-repo-check": true, "--full-auto": true}}
	cases := []struct {
		name string
		caps Capabilities
		spec Spec
		want string
		err  bool
	}{
		{"new session", newCaps, Spec{Directory: "/p", Sandbox: "workspace-write", Model: "gpt-5"},
			"exec --json --color never --skip-git-repo-check --cd /p --sandbox workspace-write --model gpt-5 -", false},
		{"resume keeps exec flags before resume", newCaps, Spec{Directory: "/p", Sandbox: "read-only", ResumeID: "0199a213-81c0-7800-8aa1-bbab2a035a53"},
			"exec --json --color never --skip-git-repo-check --cd /p --sandbox read-only resume 0199a213-81c0-7800-8aa1-bbab2a035a53 -", false},
		{"old codex never gets --full-auto", oldCaps, Spec{Directory: "/p", Sandbox: "workspace-write"},
			"exec --json --skip-git-repo-check --cd /p --sandbox workspace-write -", false},
		{"profile unsupported", oldCaps, Spec{Directory: "/p", Sandbox: "read-only", Profile: "x"}, "", true},
		{"no json", Capabilities{ExecFlags: map[string]bool{"--sandbox": true, "--cd": true}}, Spec{Sandbox: "read-only"}, "", true},
		{"bad sandbox", newCaps, Spec{Sandbox: "yolo"}, "", true},
		{"config overrides go before resume", withFlag(newCaps, "--config"),
			Spec{Directory: "/p", Sandbox: "read-only", ResumeID: "0199a213-81c0-7800-8aa1-bbab2a035a53", Config: []string{"mcp_servers.codex.enabled=false"}},
			"exec --json --color never --skip-git-repo-check --cd /p --sandbox read-only --config mcp_servers.codex.enabled=false resume 0199a213-81c0-7800-8aa1-bbab2a035a53 -", false},
		{"config overrides need --config", newCaps, Spec{Sandbox: "read-only", Config: []string{"a=1"}}, "", true},
	}
	for _, c := range cases {
		got, err := BuildArgs(c.caps, c.spec)
		if (err != nil) != c.err || (err == nil && strings.Join(got, " ") != c.want) {
			t.Errorf("%s: got %q, %v", c.name, strings.Join(got, " "), err)
		}
	}
}

func withFlag(c Capabilities, flag string) Capabilities {
	flags := map[string]bool{flag: true}
	for f := range c.ExecFlags {
		flags[f] = true
	}
	c.ExecFlags = flags
	return c
}

func TestParseHelp(t *testing.T) {
	help := `Usage: codex exec [OPTIONS] [PROMPT]

Commands:
  resume  Resume a previous session
  fork    Fork a previous session
  help    Print this message

Options:
  -c, --config <key=value>
      --full-auto
  -s, --sandbox <SANDBOX_MODE>
  -C, --cd <DIR>
      --json
`
	flags := parseFlags(help)
	for _, f := range []string{"--config", "-c", "--full-auto", "--sandbox", "-s", "--cd", "-C", "--json"} {
		if !flags[f] {
			t.Errorf("missing %s", f)
		}
	}
	if got := subcommands(help); strings.Join(got, ",") != "resume,fork,help" {
		t.Errorf("subcommands %v", got)
	}
}

const sid = "0199a213-81c0-7800-8aa1-bbab2a035a53"

func TestClassify(t *testing.T) {
	cases := []struct {
		name   string
		res    Result
		werr   error
		status string
		warns  int
	}{
		{"clean", Result{Transcript: Transcript{ThreadID: sid, TurnDone: true}}, nil, StatusCompleted, 0},
		{"retried then completed", Result{Transcript: Transcript{ThreadID: sid, TurnDone: true, Errors: []string{"Reconnecting... 1/5"}}}, nil, StatusCompleted, 1},
		{"completed without a session", Result{Transcript: Transcript{TurnDone: true}}, nil, StatusFailed, 0},
		{"odd session id", Result{Transcript: Transcript{BadThreadID: "not-a-uuid", TurnDone: true}}, nil, StatusFailed, 0},
		{"turn failed", Result{Transcript: Transcript{TurnFailed: true, Errors: []string{"model overloaded"}}}, nil, StatusFailed, 0},
		{"exited early", Result{Stderr: "WARNING: x\nError: no rollout found for thread id abc\n", ExitCode: 1}, errors.New("exit status 1"), StatusFailed, 0},
	}
	for _, c := range cases {
		status, why := classify(&c.res, c.werr)
		if status != c.status || len(c.res.Warnings) != c.warns || (status == StatusFailed && why == "") {
			t.Errorf("%s: %s %q warnings %v", c.name, status, why, c.res.Warnings)
		}
	}
	res := Result{Stderr: "Error: no rollout found for thread id abc\nStack backtrace:\n   0: <unknown>\n", ExitCode: 1}
	if _, why := classify(&res, errors.New("exit status 1")); !strings.Contains(why, "no rollout found") {
		t.Errorf("stderr reason: %q", why)
	}
}
