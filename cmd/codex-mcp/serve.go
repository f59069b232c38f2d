package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mark3labs/mcp-go/server"
	"github.com/mattn/go-isatty"

	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session"
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
	return session.NewManager(session.Config{
		DefaultDir: cfg.DefaultDir, AllowedDirs: cfg.AllowedDirs, MaxSandbox: cfg.MaxSandbox, Timeout: cfg.Timeout,
		IdleTimeout: cfg.IdleTimeout, Templates: templates,
	}, session.RealDeps(cfg.CodexBin, nil, filepath.Join(cfg.StateDir, "memory.db"), cfg.CodexHome, logger))
}

func serve(ctx context.Context, cfg Config) error {
	logger := newLogger(cfg.LogLevel)
	mgr := newManager(cfg)
	defer mgr.Close()
	// Open memory and probe codex once the client is talking to us, not before the
	// initialize answer.
	s := tools.NewServer(tools.Config{Name: "codex-mcp", Version: serverVersion(),
		OnInitialized: func() { mgr.Warm(ctx) }}, mgr, logger)
	if isatty.IsTerminal(os.Stdin.Fd()) {
		// A person ran it by hand: say what it is waiting for (on stderr; stdout is the protocol).
		fmt.Fprintln(os.Stderr, "codex-mcp is an MCP server and is waiting for a client on stdin. Add it to your MCP client "+
			"(claude mcp add codex -- codex-mcp), or try `codex-mcp help`, `codex-mcp sessions`, `codex-mcp doctor`.")
	}
	logger.Debug("serving MCP on stdio", "version", serverVersion(), "codex", cfg.CodexBin, "state", cfg.StateDir)
	err := server.NewStdioServer(s).Listen(ctx, os.Stdin, os.Stdout)
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
