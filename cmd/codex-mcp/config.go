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

	"github.com/codex-mcp/codex-mcp/internal/mcphttp"
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
	Keep         bool     // demo: keep its temporary folder
	Args         []string // what follows the flags (subcommand arguments)

	// serve --http: MCP over streamable HTTP instead of stdio.
	HTTP               string        // listen address, normalized (a bare port is loopback); "" serves stdio
	HTTPToken          mcphttp.Token // bearer token required of every request; never printed
	HTTPTokenSource    string        // where the token came from, for messages
	HTTPAllowedOrigins []string      // browser origins allowed besides loopback and the bound host
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
	var tokenFile, origins *string
	if name == "serve" {
		fs.StringVar(&c.HTTP, "http", env("CODEX_MCP_HTTP", ""), "serve MCP over streamable HTTP at ADDR (host:port, or a port for loopback) on path /mcp instead of stdio (env CODEX_MCP_HTTP)")
		tokenFile = fs.String("http-token-file", env("CODEX_MCP_HTTP_TOKEN_FILE", ""), "file holding the bearer token HTTP clients must send (env CODEX_MCP_HTTP_TOKEN_FILE, or the token itself in CODEX_MCP_HTTP_TOKEN)")
		origins = fs.String("http-allowed-origins", env("CODEX_MCP_HTTP_ALLOWED_ORIGINS", ""), "comma-separated browser origins (https://host:port) allowed besides loopback ones (env CODEX_MCP_HTTP_ALLOWED_ORIGINS)")
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
	if name == "demo" {
		fs.StringVar(&c.CodexBin, "codex", env("CODEX_MCP_CODEX_BIN", "codex"), "the codex binary the demo runs: a name on PATH or a path (env CODEX_MCP_CODEX_BIN)")
		fs.BoolVar(&c.Keep, "keep", false, "keep the demo's temporary folder (its project, CODEX_HOME and memory) and say where it is")
	}
	fs = restrictFlags(name, fs) // each subcommand takes (and shows) only its own flags
	// Flags may come after positional arguments too (`decide "TASK" --dir D`).
	for {
		if err := fs.Parse(args); err != nil {
			return c, flagError(name, fs, err)
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
		if msg, ok := badEnv[envOf[name]]; ok && !set[name] && fs.Lookup(name) != nil {
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
	if c.HTTP != "" {
		if err := c.httpConfig(*tokenFile, *origins); err != nil {
			return c, err
		}
	}
	return c, nil
}

// httpConfig checks the --http address and reads the token (a file wins over the
// environment variable). Whether a token is required depends on the address the server
// binds, which serve decides.
func (c *Config) httpConfig(tokenFile, origins string) error {
	addr, err := mcphttp.ListenAddr(c.HTTP)
	if err != nil {
		return usageError{"--http " + err.Error()}
	}
	c.HTTP = addr
	switch {
	case tokenFile != "":
		data, err := os.ReadFile(tokenFile)
		if err != nil {
			return usageError{fmt.Sprintf("--http-token-file: %v", err)}
		}
		c.HTTPToken, c.HTTPTokenSource = mcphttp.Token(strings.TrimSpace(string(data))), "--http-token-file "+tokenFile
	case os.Getenv("CODEX_MCP_HTTP_TOKEN") != "":
		c.HTTPToken, c.HTTPTokenSource = mcphttp.Token(strings.TrimSpace(os.Getenv("CODEX_MCP_HTTP_TOKEN"))), "CODEX_MCP_HTTP_TOKEN"
	}
	if c.HTTPTokenSource != "" {
		if err := mcphttp.CheckToken(c.HTTPToken, c.HTTPTokenSource); err != nil {
			return usageError{err.Error()}
		}
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
				return usageError{fmt.Sprintf("--http-allowed-origins %q: want scheme://host[:port], such as https://app.example.com", o)}
			}
			c.HTTPAllowedOrigins = append(c.HTTPAllowedOrigins, strings.TrimRight(o, "/"))
		}
	}
	return nil
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
