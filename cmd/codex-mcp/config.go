package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lmittmann/tint"
	"github.com/mattn/go-isatty"

	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/tools"
)

// Config is everything the operator can set, from flags with environment fallbacks.
type Config struct {
	CodexBin     string
	StateDir     string
	DefaultDir   string
	MaxSandbox   string
	LogLevel     string
	Timeout      time.Duration
	IdleTimeout  time.Duration
	MaxRunning   int
	CodexHome    string
	AllowedDirs  []string
	Lifecycle    codex.Lifecycle // from CODEX_MCP_LIFECYCLE only: the Runner reads it from the environment codex gets
	JSON         bool
	Dir          string // sessions/decide: the directory to look in
	Limit        int
	Relation     string   // decide: the caller's judgement
	Conversation string   // decide: the conversation to decide for
	Args         []string // what follows the flags (subcommand arguments)
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// envDuration reads a positive duration from the environment; a bad value is recorded
// in bad under the variable's name (it is an error, as the flag's would be, unless the
// flag is given).
func envDuration(key string, def time.Duration, bad map[string]string) time.Duration {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		bad[key] = fmt.Sprintf("%s=%q: want a positive duration such as 30m or 90s", key, v)
		return def
	}
	return d
}

// envMaxRunning reads the limit on concurrent runs from the environment, like envDuration.
func envMaxRunning(key string, bad map[string]string) int {
	v := os.Getenv(key)
	if v == "" {
		return session.DefaultMaxRunning
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err == nil {
		err = tools.CheckMaxRunning(n)
	} else {
		err = fmt.Errorf("want a whole number from 1 to %d", tools.MaxRunningLimit)
	}
	if err != nil {
		bad[key] = fmt.Sprintf("%s=%q: %v", key, v, err)
		return session.DefaultMaxRunning
	}
	return n
}

func defaultStateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "codex-mcp")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "codex-mcp")
	}
	return filepath.Join(os.TempDir(), "codex-mcp")
}

func defaultCodexHome() string {
	if d := os.Getenv("CODEX_HOME"); d != "" {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".codex")
	}
	return ".codex"
}

func parseConfig(name string, args []string) (Config, error) {
	cwd, _ := os.Getwd()
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.CodexBin, "codex-bin", env("CODEX_MCP_CODEX_BIN", "codex"), "codex binary: a name on PATH or a path (env CODEX_MCP_CODEX_BIN)")
	fs.StringVar(&c.StateDir, "state-dir", env("CODEX_MCP_STATE_DIR", defaultStateDir()), "where conversation memory lives (env CODEX_MCP_STATE_DIR)")
	fs.StringVar(&c.DefaultDir, "default-dir", env("CODEX_MCP_DEFAULT_DIR", cwd), "directory for tasks that name none, and base of relative ones (env CODEX_MCP_DEFAULT_DIR)")
	allowed := fs.String("allowed-dirs", env("CODEX_MCP_ALLOWED_DIRS", ""), "if set, the only directories (colon-separated, and below them) sessions may work in (env CODEX_MCP_ALLOWED_DIRS)")
	fs.StringVar(&c.MaxSandbox, "max-sandbox", env("CODEX_MCP_MAX_SANDBOX", codex.SandboxWorkspaceWrite), "highest sandbox a caller may ask for: read-only, workspace-write or danger-full-access (env CODEX_MCP_MAX_SANDBOX)")
	fs.StringVar(&c.LogLevel, "log-level", env("CODEX_MCP_LOG_LEVEL", "info"), "debug, info, warn or error; logs go to stderr (env CODEX_MCP_LOG_LEVEL)")
	badEnv := map[string]string{} // env variable -> what is wrong with its value
	envOf := map[string]string{"timeout": "CODEX_MCP_TIMEOUT", "idle-timeout": "CODEX_MCP_IDLE_TIMEOUT", "max-running": "CODEX_MCP_MAX_RUNNING"}
	fs.DurationVar(&c.Timeout, "timeout", envDuration(envOf["timeout"], 30*time.Minute, badEnv), "default total timeout of a codex run (env CODEX_MCP_TIMEOUT)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", envDuration(envOf["idle-timeout"], 5*time.Minute, badEnv), "kill codex after this long without output while no command runs (env CODEX_MCP_IDLE_TIMEOUT)")
	fs.IntVar(&c.MaxRunning, "max-running", envMaxRunning(envOf["max-running"], badEnv), fmt.Sprintf("how many codex runs may go at once, 1 to %d; a start past it is refused (env CODEX_MCP_MAX_RUNNING)", tools.MaxRunningLimit))
	if name == "sessions" || name == "decide" {
		fs.BoolVar(&c.JSON, "json", false, "print JSON")
	}
	switch name {
	case "sessions":
		fs.StringVar(&c.Dir, "dir", "", "only sessions in this directory or below")
	case "decide":
		fs.StringVar(&c.Dir, "dir", "", "the directory the task would run in (relative to --default-dir); only sessions in it or below are weighed")
	}
	if name == "decide" {
		fs.StringVar(&c.Relation, "relation", "", "extends, needs_context, independent or alternative")
		fs.StringVar(&c.Conversation, "conversation", "", "decide for this conversation (default: all of memory)")
	}
	if name == "sessions" {
		fs.IntVar(&c.Limit, "limit", 20, "how many sessions (at most 200)")
	}
	// Flags may come after positional arguments too (`decide "TASK" --dir D`).
	for {
		if err := fs.Parse(args); err != nil {
			var b strings.Builder
			fs.SetOutput(&b)
			fs.PrintDefaults()
			return c, usageError{fmt.Sprintf("%v\n\nflags of %s:\n%s", err, name, b.String())}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			c.Args = append(c.Args, rest[1:]...)
			break
		}
		c.Args = append(c.Args, rest[0])
		args = rest[1:]
	}
	c.CodexHome = defaultCodexHome()
	for _, d := range filepath.SplitList(*allowed) {
		if d = strings.TrimSpace(d); d != "" {
			abs, err := filepath.Abs(d)
			if err != nil {
				return c, usageError{fmt.Sprintf("--allowed-dirs %q: %v", d, err)}
			}
			c.AllowedDirs = append(c.AllowedDirs, abs)
		}
	}
	if codex.SandboxRank(c.MaxSandbox) < 0 {
		return c, usageError{fmt.Sprintf("--max-sandbox %q: want read-only, workspace-write or danger-full-access", c.MaxSandbox)}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return c, usageError{err.Error()}
	}
	lc, err := codex.ParseLifecycle(os.Getenv(codex.LifecycleEnv))
	if err != nil {
		return c, usageError{err.Error()}
	}
	c.Lifecycle = lc
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"timeout", "idle-timeout", "max-running"} {
		if msg, ok := badEnv[envOf[name]]; ok && !set[name] {
			return c, usageError{msg}
		}
	}
	for name, d := range map[string]time.Duration{"timeout": c.Timeout, "idle-timeout": c.IdleTimeout} {
		if d <= 0 {
			return c, usageError{fmt.Sprintf("--%s %s: want a positive duration such as 30m or 90s", name, d)}
		}
	}
	if err := tools.CheckMaxRunning(c.MaxRunning); err != nil {
		return c, usageError{"--max-running " + err.Error()}
	}
	if abs, err := filepath.Abs(c.DefaultDir); err == nil {
		c.DefaultDir = abs
	}
	return c, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger logs to stderr: stdout belongs to the protocol.
func newLogger(level string) *slog.Logger {
	l, _ := parseLevel(level)
	return slog.New(tint.NewTextHandler(os.Stderr, &tint.Options{
		Level: l, TimeFormat: time.TimeOnly, NoColor: !isatty.IsTerminal(os.Stderr.Fd()),
	}))
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `codex-mcp: an MCP server that runs the OpenAI Codex CLI and remembers its sessions.

usage:
  codex-mcp [flags]            serve MCP on stdio (what an MCP client runs)
  codex-mcp version            print the server's and codex's versions
  codex-mcp sessions [--dir D] [--json] [--limit N] [query]
                               list Codex sessions (this server's and Codex's own)
  codex-mcp decide [--dir D] [--relation R] [--conversation C] [--json] "TASK"
                               resume or start fresh? the decision tree and its path,
                               for a task run in D (only D's sessions and below weighed)
  codex-mcp doctor             check codex, its store and the state directory
  codex-mcp help

flags (each also read from the environment, see below):
  --codex-bin PATH     codex binary (CODEX_MCP_CODEX_BIN; default: codex on PATH)
  --state-dir DIR      memory location (CODEX_MCP_STATE_DIR; default $XDG_STATE_HOME/codex-mcp)
  --default-dir DIR    default working directory (CODEX_MCP_DEFAULT_DIR; default: the current one)
  --allowed-dirs DIRS  only these directories and below, colon-separated (CODEX_MCP_ALLOWED_DIRS; default: any)
  --max-sandbox MODE   read-only | workspace-write | danger-full-access (CODEX_MCP_MAX_SANDBOX; default workspace-write)
  --timeout DUR        total timeout of a run (CODEX_MCP_TIMEOUT; default 30m)
  --idle-timeout DUR   no-output timeout (CODEX_MCP_IDLE_TIMEOUT; default 5m)
  --max-running N      runs at once; a start past it is refused (CODEX_MCP_MAX_RUNNING; default %d, at most %d)
  --log-level LEVEL    debug | info | warn | error, to stderr (CODEX_MCP_LOG_LEVEL; default info)
CODEX_HOME and the rest of the environment pass through to codex.
`, session.DefaultMaxRunning, tools.MaxRunningLimit)
}
