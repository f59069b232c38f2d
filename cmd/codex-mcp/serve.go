package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/mark3labs/mcp-go/server"
	"github.com/mattn/go-isatty"

	"github.com/codex-mcp/codex-mcp/internal/stdio"
	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/tools"
)

// newManager wires the session Manager from the config. Nothing here touches the disk or
// starts a process: memory opens and codex is probed on first use or in Warm.
func newManager(cfg Config) *session.Manager {
	logger := newLogger(cfg.LogLevel)
	templates := prompts.Templates{Dirs: []string{filepath.Join(cfg.StateDir, "templates")}}
	if home, err := os.UserHomeDir(); err == nil {
		// Where the seed keeps its rules templates ($(cat ~/.claude/workflows/cli-templates/prompts/...)).
		templates.Dirs = append(templates.Dirs, filepath.Join(home, ".claude", "workflows", "cli-templates", "prompts"))
	}
	deps := session.RealDeps(cfg.CodexBin, nil, filepath.Join(cfg.StateDir, "memory.db"), cfg.CodexHome, logger)
	// A missing codex is reported to the client with where it was looked for and found.
	deps.Runner = hintRunner{Runner: deps.Runner, bin: cfg.CodexBin, env: machine}
	return session.NewManager(session.Config{
		DefaultDir: cfg.DefaultDir, AllowedDirs: cfg.AllowedDirs, MaxSandbox: cfg.MaxSandbox, Timeout: cfg.Timeout,
		IdleTimeout: cfg.IdleTimeout, Templates: templates, MaxRunning: cfg.MaxRunning,
	}, deps)
}

// newMCPServer is the MCP server serve runs: its serverInfo.version is serverVersion(),
// what `codex-mcp version` prints.
func newMCPServer(ctx context.Context, cfg Config, mgr *session.Manager, logger *slog.Logger) *server.MCPServer {
	return tools.NewServer(tools.Config{Name: "codex-mcp", Version: serverVersion(), MaxRunning: cfg.MaxRunning,
		OnInitialized: func() { mgr.Warm(ctx) }}, mgr, logger)
}

func serve(ctx context.Context, cfg Config) error {
	if os.Getenv(codex.DelegatedEnv) != "" {
		// This process was started inside one of codex-mcp's own codex runs: serving here
		// would let Codex delegate to itself, without end.
		return fmt.Errorf("refusing to serve: %s is set, so this would run nested inside one of codex-mcp's own codex runs", codex.DelegatedEnv)
	}
	logger := newLogger(cfg.LogLevel)
	mgr := newManager(cfg)
	defer mgr.Close()
	// Open memory and probe codex once the client is talking to us, not before the
	// initialize answer.
	s := newMCPServer(ctx, cfg, mgr, logger)
	if isatty.IsTerminal(os.Stdin.Fd()) {
		// A person ran it by hand: say what it is waiting for (on stderr; stdout is the protocol).
		fmt.Fprintln(os.Stderr, "codex-mcp is an MCP server and is waiting for a client on stdin. Add it to your MCP client "+
			"(claude mcp add codex -- codex-mcp), or try `codex-mcp help`, `codex-mcp sessions`, `codex-mcp doctor`.")
	}
	logger.Debug("serving MCP on stdio", "version", serverVersion(), "codex", cfg.CodexBin, "state", cfg.StateDir)

	// The transport's own context ends only after the Manager has recorded why the runs
	// stopped: cancelling it first would end each run as if its client had cancelled it.
	listenCtx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
	defer stopListening()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(signals)
	go func() {
		select {
		case sig := <-signals:
			name := "SIGTERM"
			if sig == os.Interrupt {
				name = "SIGINT"
			}
			logger.Info("shutting down", "reason", "signal", "signal", name)
			mgr.Shutdown("the server received " + name)
			stopListening()
		case <-listenCtx.Done():
		}
	}()

	out := stdio.NewWriter(os.Stdout)
	in := stdio.NewReader(os.Stdin, out, tools.MaxLineBytes)
	in.OnReject = func(size int64, id string) {
		logger.Warn("refused an oversized message", "bytes", size, "limit", tools.MaxLineBytes, "id", id)
	}
	in.OnEOF = func() {
		logger.Debug("the client closed stdin")
		mgr.Shutdown("the client closed stdin")
	}
	budget := tools.Budget{MaxRunning: cfg.MaxRunning}
	srv := server.NewStdioServer(s)
	srv.SetErrorLogger(slog.NewLogLogger(logger.Handler(), slog.LevelWarn))
	for _, o := range budget.StdioOptions() {
		o(srv)
	}
	err := srv.Listen(listenCtx, in, out)
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
