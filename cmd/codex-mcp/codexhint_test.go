package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session/codex"
)

// fakeMachine is a lookEnv over a temp dir: root stands for /, home for the home
// directory, env for the environment (PATH set to an empty directory); nothing of the
// real machine is read.
func fakeMachine(t *testing.T, goos string) (e lookEnv, root string, env map[string]string) {
	t.Helper()
	if goos != "windows" && runtime.GOOS == "windows" {
		t.Skip("executable bits are not kept on Windows")
	}
	root = t.TempDir()
	env = map[string]string{"PATH": filepath.Join(root, "empty")}
	return lookEnv{
		GOOS: goos, Root: root, Home: filepath.Join(root, "home", "me"),
		Getenv:    func(k string) string { return env[k] },
		NPMPrefix: func() string { return "" },
	}, root, env
}

// put writes an executable (mode 0755) or a plain file (0644) at path.
func put(t *testing.T, path string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCodexHintFindsHomebrewOnMacOS(t *testing.T) {
	e, root, _ := fakeMachine(t, "darwin")
	brew := put(t, filepath.Join(root, "opt", "homebrew", "bin", "codex"), 0o755)
	hint := codexHint(e, "codex")
	for _, want := range []string{
		`looked for "codex" in the PATH it was started with:` + "\n  PATH=" + filepath.Join(root, "empty") + "\n",
		"codex is installed here:\n  " + brew + "\n",
		`"env": {"CODEX_MCP_CODEX_BIN": "` + brew + `"}`,
		"export CODEX_MCP_CODEX_BIN=" + brew + "\n",
		"GUI clients such as Claude Desktop do not inherit your shell's PATH",
	} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint lacks %q:\n%s", want, hint)
		}
	}
}

func TestCodexHintLinuxCandidates(t *testing.T) {
	e, root, _ := fakeMachine(t, "linux")
	// Not executable: not offered.
	put(t, filepath.Join(e.Home, ".local", "bin", "codex"), 0o644)
	// A directory named codex: not offered.
	if err := os.MkdirAll(filepath.Join(root, "usr", "local", "bin", "codex"), 0o755); err != nil {
		t.Fatal(err)
	}
	old := put(t, filepath.Join(e.Home, ".nvm", "versions", "node", "v20.9.0", "bin", "codex"), 0o755)
	newer := put(t, filepath.Join(e.Home, ".nvm", "versions", "node", "v22.1.0", "bin", "codex"), 0o755)
	npmGlobal := put(t, filepath.Join(e.Home, ".npm-global", "bin", "codex"), 0o755)
	found, looked := findCodex(e)
	if want := []string{npmGlobal, newer, old}; strings.Join(found, "\n") != strings.Join(want, "\n") {
		t.Fatalf("found %q, want %q (looked in %q)", found, want, looked)
	}
	hint := codexHint(e, "codex")
	if !strings.Contains(hint, "export CODEX_MCP_CODEX_BIN="+npmGlobal+"\n") {
		t.Fatalf("hint does not suggest the first found:\n%s", hint)
	}
}

func TestCodexHintNPMPrefix(t *testing.T) {
	e, root, _ := fakeMachine(t, "linux")
	prefix := filepath.Join(root, "custom npm")
	e.NPMPrefix = func() string { return prefix }
	bin := put(t, filepath.Join(prefix, "bin", "codex"), 0o755)
	hint := codexHint(e, "codex")
	if !strings.Contains(hint, "  "+bin+"\n") || !strings.Contains(hint, "export CODEX_MCP_CODEX_BIN='"+bin+"'\n") {
		t.Fatalf("npm's global bin (quoted: it has a space) not offered:\n%s", hint)
	}
	// $NPM_CONFIG_PREFIX counts as well, without asking npm.
	e, root, env := fakeMachine(t, "darwin")
	prefix = filepath.Join(root, "npm")
	env["NPM_CONFIG_PREFIX"] = prefix
	bin = put(t, filepath.Join(prefix, "bin", "codex"), 0o755)
	if found, _ := findCodex(e); len(found) != 1 || found[0] != bin {
		t.Fatalf("NPM_CONFIG_PREFIX: found %q", found)
	}
}

func TestCodexHintWindows(t *testing.T) {
	e, root, env := fakeMachine(t, "windows")
	appData := filepath.Join(root, "AppData", "Roaming")
	env["APPDATA"], env["PATH"] = appData, `C:\Windows\system32`
	// npm install -g on Windows: a codex.cmd launcher (mode bits mean nothing there).
	launcher := put(t, filepath.Join(appData, "npm", "codex.cmd"), 0o644)
	put(t, filepath.Join(appData, "npm", "codex"), 0o755) // npm's sh script: not runnable on Windows
	hint := codexHint(e, "codex")
	js := strings.ReplaceAll(launcher, `\`, `\\`)
	for _, want := range []string{
		`PATH=C:\Windows\system32`,
		"codex is installed here:\n  " + launcher + "\n",
		`"env": {"CODEX_MCP_CODEX_BIN": "` + js + `"}`,
		`setx CODEX_MCP_CODEX_BIN "` + launcher + `"`,
	} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint lacks %q:\n%s", want, hint)
		}
	}
	// A native codex.exe in the same directory is preferred.
	exe := put(t, filepath.Join(appData, "npm", "codex.exe"), 0o644)
	if found, _ := findCodex(e); len(found) != 1 || found[0] != exe {
		t.Fatalf("found %q, want %q", found, exe)
	}
	// Unset variables drop their entries rather than becoming relative paths.
	for _, d := range codexDirs(e) {
		if !filepath.IsAbs(d) {
			t.Errorf("relative candidate %q", d)
		}
	}
}

func TestCodexHintNothingFound(t *testing.T) {
	e, root, _ := fakeMachine(t, "darwin")
	hint := codexHint(e, "codex")
	for _, want := range []string{
		"codex is in none of the usual places either (" + filepath.Join(root, "opt", "homebrew", "bin") + ", ",
		filepath.Join(e.Home, ".npm-global", "bin"),
		"brew install codex, or npm install -g @openai/codex",
		"`command -v codex`",
	} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint lacks %q:\n%s", want, hint)
		}
	}
	if strings.Contains(hint, "export ") {
		t.Errorf("nothing to point at, yet a setting is offered:\n%s", hint)
	}
}

func TestCodexHintExplicitPath(t *testing.T) {
	e, _, _ := fakeMachine(t, "linux")
	hint := codexHint(e, "/opt/codex/bin/codex")
	if !strings.Contains(hint, `CODEX_MCP_CODEX_BIN) is "/opt/codex/bin/codex", and no codex is there.`) || strings.Contains(hint, "PATH=") {
		t.Fatalf("explicit path hint:\n%s", hint)
	}
}

type failingRunner struct{ err error }

func (r failingRunner) Run(context.Context, codex.Request) (codex.Result, error) {
	return codex.Result{}, r.err
}

func (r failingRunner) Capabilities(context.Context) (codex.Capabilities, error) {
	return codex.Capabilities{}, r.err
}

func TestHintRunnerExplainsOnlyAMissingCodex(t *testing.T) {
	e, root, _ := fakeMachine(t, "darwin")
	brew := put(t, filepath.Join(root, "usr", "local", "bin", "codex"), 0o755)
	missing := &codex.NotFoundError{Bin: "codex", Err: exec.ErrNotFound}
	r := hintRunner{Runner: failingRunner{missing}, bin: "codex", env: func() lookEnv { return e }}
	_, err := r.Capabilities(t.Context())
	var nf *codex.NotFoundError
	if !errors.As(err, &nf) || !strings.HasPrefix(err.Error(), missing.Error()+"\n") || !strings.Contains(err.Error(), "export CODEX_MCP_CODEX_BIN="+brew) {
		t.Fatalf("Capabilities: %v", err)
	}
	if _, err := r.Run(t.Context(), codex.Request{}); !strings.Contains(err.Error(), brew) {
		t.Fatalf("Run: %v", err)
	}
	// codex is there but broken: where it usually lives is beside the point.
	broken := &codex.NotFoundError{Bin: "codex", Err: errors.New(`unrecognised version output "hello"`)}
	r.Runner = failingRunner{broken}
	if _, err := r.Capabilities(t.Context()); err != broken {
		t.Fatalf("a broken codex's error was changed: %v", err)
	}
	r.Runner = failingRunner{nil}
	if _, err := r.Run(t.Context(), codex.Request{}); err != nil {
		t.Fatal(err)
	}
}

// The server as serve builds it: a tool call without codex says where codex is, and
// initialize advertises the version `codex-mcp version` prints.
func TestServeReportsMissingCodexWithHint(t *testing.T) {
	e, root, _ := fakeMachine(t, "linux")
	found := put(t, filepath.Join(e.Home, ".local", "bin", "codex"), 0o755)
	old := machine
	machine = func() lookEnv { return e }
	t.Cleanup(func() { machine = old })
	t.Setenv("PATH", filepath.Join(root, "empty"))
	t.Setenv("CODEX_MCP_STATE_DIR", t.TempDir())
	t.Setenv("CODEX_HOME", t.TempDir())
	cfg, err := parseConfig("serve", []string{"--default-dir", t.TempDir(), "--log-level", "error"})
	if err != nil {
		t.Fatal(err)
	}
	mgr := newManager(cfg)
	defer mgr.Close()
	c, err := client.NewInProcessClient(newMCPServer(t.Context(), cfg, mgr, newLogger("error")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	info, err := c.Initialize(t.Context(), init)
	if err != nil {
		t.Fatal(err)
	}
	if info.ServerInfo.Version != serverVersion() || info.ServerInfo.Version == "" {
		t.Fatalf("serverInfo.version %q, want %q", info.ServerInfo.Version, serverVersion())
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "start_session"
	req.Params.Arguments = map[string]any{"task": "anything"}
	res, err := c.CallTool(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			text += tc.Text
		}
	}
	if !res.IsError || !strings.Contains(text, "npm install -g @openai/codex") || !strings.Contains(text, `"env": {"CODEX_MCP_CODEX_BIN": "`+found+`"}`) {
		t.Fatalf("start_session without codex: isError=%v\n%s", res.IsError, text)
	}
}

func TestDoctorWithoutCodexSaysWhereItIs(t *testing.T) {
	e, root, _ := fakeMachine(t, "linux")
	found := put(t, filepath.Join(root, "home", "linuxbrew", ".linuxbrew", "bin", "codex"), 0o755)
	old := machine
	machine = func() lookEnv { return e }
	t.Cleanup(func() { machine = old })
	t.Setenv("PATH", filepath.Join(root, "empty"))
	t.Setenv("CODEX_MCP_STATE_DIR", t.TempDir())
	t.Setenv("CODEX_HOME", t.TempDir())
	cfg, err := parseConfig("doctor", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := doctor(t.Context(), cfg, &out); err == nil {
		t.Fatal("doctor passed without codex")
	}
	want := "✗ codex CLI: "
	got := out.String()
	if !strings.HasPrefix(got, want) || !strings.Contains(got, "\n    PATH="+filepath.Join(root, "empty")+"\n") ||
		!strings.Contains(got, "\n    export CODEX_MCP_CODEX_BIN="+found+"\n") || !strings.Contains(got, "\n✓ codex home: ") {
		t.Fatalf("doctor output:\n%s", got)
	}
}
