package main

// `codex-mcp demo`: the first thing a newcomer runs. It needs codex installed and nothing
// else: no OpenAI account (a scripted fake model answers on loopback), no client, and it
// never touches the user's own Codex store or memory (everything lives in a temporary
// folder with its own HOME, CODEX_HOME and state directory). It drives the real MCP
// server in-process exactly as an assistant does: decide_resume, then its suggested_call.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/internal/fakemodel"
	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/tools"
)

// demoStep is one task of the demo, as an assistant would send it, and what the fake
// model makes codex do for it.
type demoStep struct {
	label  string         // the seed's name for the step
	args   map[string]any // decide_resume's arguments (directory relative to the project)
	script string         // fakemodel directives: the model's tool calls and reply
	want   string         // the decision the seed's tree gives
}

// demoSteps are the seed's feature cycle for its authentication example (implement →
// enhance → test, each task worded as the seed words it), then an unrelated task in
// another module (the seed's "Different Module/Feature Area").
func demoSteps() []demoStep {
	return []demoStep{
		{
			label: "Implement", want: "new",
			args: map[string]any{
				"purpose": "Implement user authentication", "task": "Create JWT-based authentication system", "mode": "auto",
				"context": "@{src/auth/**/*} Database schema from session memory", "expected": "Complete auth module with middleware",
				"directory": "src/auth",
			},
			script: "ADD: jwt.go=package auth\\n\\n// Sign issues a signed token for user.\\nfunc Sign(user string) string { return \"signed:\" + user }\n" +
				"ADD: middleware.go=package auth\\n\\n// Require lets a request through when its token is valid.\\nfunc Require(token string) bool { return len(token) > 7 }\n" +
				"RUN: ls\n" +
				"REPLY: Created the auth module: jwt.go (Sign) and middleware.go (Require).",
		},
		{
			label: "Enhance", want: "resume",
			args: map[string]any{
				"purpose": "Enhance authentication security", "task": "Add JWT token validation and refresh logic", "mode": "auto",
				"context": "Previous auth implementation from current session", "expected": "JWT validation middleware and token refresh endpoints",
			},
			script: "APPEND: jwt.go=\\n// Validate reports whether token was issued by Sign.\\nfunc Validate(token string) bool { return len(token) > 7 && token[:7] == \"signed:\" }\n" +
				"ADD: refresh.go=package auth\\n\\n// Refresh issues a new token for a valid one.\\nfunc Refresh(token string) (string, bool) {\\n\\tif !Validate(token) {\\n\\t\\treturn \"\", false\\n\\t}\\n\\treturn Sign(token[7:]), true\\n}\n" +
				"RUN: grep -n func jwt.go refresh.go\n" +
				"REPLY: Added Validate to jwt.go and a Refresh endpoint in refresh.go.",
		},
		{
			label: "Test", want: "resume",
			args: map[string]any{
				"purpose": "Increase test coverage", "task": "Generate comprehensive tests for auth module", "mode": "write",
				"context": "Auth implementation from current session", "expected": "Complete test suite with 80%+ coverage",
			},
			script: "ADD: jwt_test.go=package auth\\n\\nimport \"testing\"\\n\\nfunc TestSignValidate(t *testing.T) {\\n\\tif !Validate(Sign(\"ada\")) {\\n\\t\\tt.Fatal(\"a signed token must validate\")\\n\\t}\\n}\\n\\nfunc TestRefresh(t *testing.T) {\\n\\tif _, ok := Refresh(\"forged\"); ok {\\n\\t\\tt.Fatal(\"a forged token must not refresh\")\\n\\t}\\n}\n" +
				"RUN: grep -c \"func Test\" jwt_test.go\n" +
				"REPLY: Wrote jwt_test.go: signing, validation and refresh, including a forged token.",
		},
		{
			label: "Unrelated task", want: "new",
			args: map[string]any{
				"purpose": "Payment implementation", "task": "Implement payment processing with invoices and refunds", "mode": "auto",
				"context": "@{src/payment/**/*}", "directory": "src/payment",
			},
			script: "ADD: invoice.go=package payment\\n\\n// Invoice is what a customer owes.\\ntype Invoice struct {\\n\\tID     string\\n\\tAmount int64 // cents\\n}\n" +
				"RUN: ls\n" +
				"REPLY: Created the payment module: invoice.go with the Invoice type.",
		},
	}
}

// demoResult is what the demo saw, step by step (tests read it from the output).
type demoResult struct {
	decisions []string
	sessions  []string
}

func demoCmd(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	_, err := runDemo(ctx, cfg, stdout, stderr)
	return err
}

func runDemo(ctx context.Context, cfg Config, stdout, stderr io.Writer) (demoResult, error) {
	var res demoResult
	st := styleFor(stdout)
	prog := newProgress(stderr)

	// A reader that goes away (`codex-mcp demo | head`) must not kill the demo before it
	// removes its folder: writes then fail quietly, and the runs end as usual.
	signal.Ignore(syscall.SIGPIPE)
	if _, err := exec.LookPath(cfg.CodexBin); err != nil {
		return res, missingCodex(cfg.CodexBin, err)
	}
	root, err := os.MkdirTemp("", "codex-mcp-demo-")
	if err != nil {
		return res, err
	}
	if root, err = filepath.EvalSymlinks(root); err != nil {
		return res, err
	}
	defer func() {
		if cfg.Keep {
			return
		}
		if err := os.RemoveAll(root); err != nil {
			fmt.Fprintf(stderr, "codex-mcp demo: removing %s: %v\n", root, err)
		}
	}()
	var (
		home      = filepath.Join(root, "home")
		codexHome = filepath.Join(root, "codex-home")
		stateDir  = filepath.Join(root, "state")
		project   = filepath.Join(root, "project")
	)
	for _, d := range []string{home, codexHome, stateDir, filepath.Join(project, "src", "auth"), filepath.Join(project, "src", "payment")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return res, err
		}
	}
	// Every codex this process starts, the capability probes included (they run with
	// this process's environment), gets the demo's own HOME and CODEX_HOME: nothing of
	// the user's is read or written (codex keeps scratch files under CODEX_HOME even for
	// --version), and its login shell does not source the user's profile.
	for k, v := range map[string]string{"HOME": home, "CODEX_HOME": codexHome} {
		if err := os.Setenv(k, v); err != nil {
			return res, err
		}
	}
	caps, err := codex.Probe(ctx, cfg.CodexBin)
	if err != nil {
		var nf *codex.NotFoundError
		if errors.As(err, &nf) {
			return res, missingCodex(cfg.CodexBin, nf.Err)
		}
		return res, err
	}

	steps := demoSteps()
	model, err := fakemodel.Start()
	if err != nil {
		return res, fmt.Errorf("starting the demo's fake model on loopback: %w", err)
	}
	defer model.Close()
	// The fake model reads each prompt's TASK line to know which step it is answering.
	model.Script = func(prompt string) string {
		for _, s := range steps {
			if strings.Contains(prompt, "TASK: "+s.args["task"].(string)+"\n") {
				return s.script
			}
		}
		return "REPLY: (the demo's fake model has no script for this prompt)"
	}
	if err := os.WriteFile(filepath.Join(codexHome, "config.toml"), []byte(fakemodel.CodexConfig(model.URL(), fakemodel.DefaultModel)), 0o600); err != nil {
		return res, err
	}

	env := os.Environ() // with the demo's HOME and CODEX_HOME, set above
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mgr := session.NewManager(session.Config{
		DefaultDir: project, MaxSandbox: codex.SandboxWorkspaceWrite, Timeout: 3 * time.Minute, IdleTimeout: 2 * time.Minute,
		Templates: prompts.Templates{Dirs: []string{filepath.Join(stateDir, "templates")}},
	}, session.RealDeps(cfg.CodexBin, env, filepath.Join(stateDir, "memory.db"), codexHome, logger))
	defer mgr.Close()
	c, err := client.NewInProcessClient(tools.NewServer(tools.Config{Name: "codex-mcp", Version: serverVersion()}, mgr, logger))
	if err != nil {
		return res, err
	}
	defer c.Close()
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if msg, ok := n.Params.AdditionalFields["message"].(string); ok && n.Method == "notifications/progress" {
			prog.say(msg)
		}
	})
	if err := c.Start(ctx); err != nil {
		return res, err
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "codex-mcp-demo", Version: serverVersion()}
	if _, err := c.Initialize(ctx, init); err != nil {
		return res, err
	}

	p := func(format string, a ...any) { fmt.Fprintf(stdout, format, a...) }
	rel := func(path string) string {
		if r, err := filepath.Rel(project, path); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return path
	}
	p("%s\n", st.bold("codex-mcp demo: the seed's feature cycle (implement → enhance → test), then an unrelated task in another module"))
	p("Each task goes through the server's own tools as an assistant sends it: decide_resume, then the call it suggests.\n")
	p("The real codex does the work; a fake model built into this program scripts it, so no OpenAI account is used.\n\n")
	kept := "removed at the end; --keep keeps it"
	if cfg.Keep {
		kept = "kept (--keep)"
	}
	p("  codex       %s (%s)\n", caps.Version, cfg.CodexBin)
	p("  fake model  %s\n", model.URL())
	p("  folder      %s (%s)\n", root, kept)
	p("              project/ is where codex works; codex-home/ and state/ are this demo's own Codex store and memory,\n")
	p("              so yours (~/.codex, codex-mcp's state directory) are never read or written.\n")

	call := func(name string, args map[string]any) (*mcp.CallToolResult, error) {
		req := mcp.CallToolRequest{}
		req.Params.Name = name
		req.Params.Arguments = args
		req.Params.Meta = &mcp.Meta{ProgressToken: "demo-" + name}
		r, err := c.CallTool(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if r.IsError {
			return nil, fmt.Errorf("%s: %s", name, resultText(r))
		}
		return r, nil
	}
	firstSession := ""
	for i, step := range steps {
		args := map[string]any{}
		for k, v := range step.args {
			args[k] = v
		}
		where := "(no directory: a follow-up)"
		if d, ok := args["directory"].(string); ok {
			args["directory"] = filepath.Join(project, d)
			where = "in " + d
		}
		p("\n%s %s\n", st.bold(fmt.Sprintf("%d. %s:", i+1, step.label)), st.bold(args["task"].(string)))
		p("   %s\n", st.dim(fmt.Sprintf("purpose %q, context %q, %s", args["purpose"], args["context"], where)))

		r, err := call("decide_resume", args)
		if err != nil {
			return res, err
		}
		var d session.DecisionResult
		if err := structured(r, &d); err != nil {
			return res, err
		}
		res.decisions = append(res.decisions, d.Decision.Decision)
		verdict := "start a new session"
		if d.Decision.Decision == "resume" {
			verdict = "resume session " + d.SessionID
		}
		mark := st.green("✓")
		if d.Decision.Decision != step.want {
			mark = st.red("✗ the seed's tree says " + step.want)
		}
		p("   %s %s (confidence %.2f) %s\n", st.cyan("decide_resume →"), st.bold(verdict), d.Confidence, mark)
		for _, s := range d.Path {
			evidence := ""
			if len(s.Evidence) > 0 {
				evidence = " " + st.dim("("+clipRunes(strings.Join(s.Evidence, "; "), 110)+")")
			}
			by := ""
			if s.Overridden {
				by = " (the caller's relation)"
			}
			p("     %d. %s: %s%s%s\n", s.Node, s.Question, st.bold(s.Answer), by, evidence)
		}

		// The suggested call, sent as it came: that is the whole contract.
		stop := prog.after(0, "codex is working ("+d.SuggestedCall.Tool+")…")
		r, err = call(d.SuggestedCall.Tool, d.SuggestedCall.Arguments)
		stop()
		if err != nil {
			return res, err
		}
		var out session.Outcome
		if err := structured(r, &out); err != nil {
			return res, err
		}
		res.sessions = append(res.sessions, out.SessionID)
		same := ""
		switch {
		case i == 0:
			firstSession = out.SessionID
		case out.SessionID == firstSession:
			same = " (the session of step 1)"
		default:
			same = " (a new one)"
		}
		p("   %s session %s%s %s in %.1fs\n", st.cyan(d.SuggestedCall.Tool+" →"), out.SessionID, same, st.status(out.Status), float64(out.DurationMS)/1000)
		for _, f := range out.FilesChanged {
			path := f.Path
			if !filepath.IsAbs(path) {
				path = filepath.Join(out.Directory, path)
			}
			p("     %s %s %s\n", st.dim("file"), fileKind(st, f.Kind), rel(path))
		}
		for _, cmd := range out.Commands {
			exit := "?"
			if cmd.ExitCode != nil {
				exit = fmt.Sprint(*cmd.ExitCode)
			}
			p("     %s $ %s %s\n", st.dim("ran "), printable(shellInner(cmd.Command)), st.dim("(exit "+exit+")"))
		}
		if out.FinalMessage != "" {
			p("     %s %s\n", st.dim("said"), printable(out.FinalMessage))
		}
		if out.Status != session.StatusCompleted {
			return res, fmt.Errorf("step %d (%s) ended %s: %s", i+1, step.label, out.Status, out.Error)
		}
	}

	r, err := call("list_sessions", map[string]any{"directory": project})
	if err != nil {
		return res, err
	}
	var list session.SessionList
	if err := structured(r, &list); err != nil {
		return res, err
	}
	p("\n%s\n", st.bold("Sessions (list_sessions):"))
	tb := table{header: []string{"SESSION", "FEATURE", "TURNS", "STATUS", "DIRECTORY", "FIRST TASK"}}
	tb.color = func(col int, cell string) string {
		if col == 3 {
			return st.status(strings.TrimSpace(cell))
		}
		return cell
	}
	for _, s := range list.Sessions {
		tb.add(s.SessionID, orDash(s.Feature), fmt.Sprint(s.Turns), s.Status, rel(s.Directory), session.TaskLine(s.Task, 50))
	}
	if err := tb.write(stdout, st, "  "); err != nil {
		return res, err
	}

	p("\n%s %s\n", st.bold("Decisions:"), strings.Join(res.decisions, ", "))
	wants := make([]string, len(steps))
	for i, s := range steps {
		wants[i] = s.want
	}
	if strings.Join(res.decisions, ",") != strings.Join(wants, ",") {
		return res, fmt.Errorf("the decisions were %s; the seed's decision tree gives %s", strings.Join(res.decisions, ", "), strings.Join(wants, ", "))
	}
	p("As the seed's tree has it: the first task starts a session, enhancing and testing the same feature resume it\n")
	p("(by id, not `resume --last`), and the unrelated payment task starts its own.\n")
	if cfg.Keep {
		p("\nThe folder stays: look around with\n  CODEX_HOME=%s codex-mcp sessions --state-dir %s\n", codexHome, stateDir)
	}
	self, err := os.Executable()
	if err != nil {
		self = "codex-mcp"
	}
	p("\nNext: add the server to your assistant, e.g. %s\n", st.bold("claude mcp add -s user codex -- "+self))
	p("(every client's configuration: docs/clients/ and the README's \"Set up your client\").\n")
	return res, nil
}

// missingCodex says how to get codex when the demo cannot run it.
func missingCodex(bin string, err error) error {
	return fmt.Errorf("the demo runs the real Codex CLI, and %q is not one that runs (%v). Install it with "+
		"`npm install -g @openai/codex` (the demo needs no OpenAI account), or name it with --codex PATH "+
		"(in a clone of this repository, `make codex` installs the pinned version under .tools/codex/)", bin, err)
}

// structured decodes a tool result's structuredContent into v.
func structured(r *mcp.CallToolResult, v any) error {
	data, err := json.Marshal(r.StructuredContent)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func resultText(r *mcp.CallToolResult) string {
	var parts []string
	for _, c := range r.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// fileKind says what codex did to a file: added, updated, deleted.
func fileKind(st style, kind string) string {
	switch kind {
	case "add":
		return st.green("added  ")
	case "update":
		return st.yellow("updated")
	case "delete":
		return st.red("deleted")
	}
	return fmt.Sprintf("%-7s", printable(kind))
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// shellInner is the command codex ran without the shell around it (`/bin/bash -lc 'ls'`
// is `ls`), when that is unambiguous: what the model asked for.
func shellInner(cmd string) string {
	for _, shell := range []string{"/bin/bash -lc ", "bash -lc ", "/bin/zsh -lc ", "/bin/sh -c "} {
		rest, ok := strings.CutPrefix(cmd, shell)
		if !ok {
			continue
		}
		if len(rest) >= 2 && rest[0] == '\'' && rest[len(rest)-1] == '\'' && !strings.Contains(rest[1:len(rest)-1], "'") {
			return rest[1 : len(rest)-1]
		}
		if !strings.ContainsAny(rest, "'\"\\$`") {
			return rest
		}
	}
	return cmd
}
