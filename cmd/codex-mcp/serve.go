package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"github.com/mattn/go-isatty"

	"github.com/codex-mcp/codex-mcp/internal/mcphttp"
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
	if cfg.HTTP != "" {
		return serveHTTP(ctx, cfg, mgr, logger)
	}
	// Open memory and probe codex once the client is talking to us, not before the
	// initialize answer.
	s := newMCPServer(ctx, cfg, mgr, logger)
	if isatty.IsTerminal(os.Stdin.Fd()) {
		// A person ran it by hand: say what it is waiting for (on stderr; stdout is the protocol).
		fmt.Fprintln(os.Stderr, "codex-mcp is an MCP server and is waiting for a client on stdin. Add it to your MCP client "+
			"(claude mcp add -s user codex -- codex-mcp), or try `codex-mcp help`, `codex-mcp sessions`, `codex-mcp doctor`.")
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

// httpSessionIdleTTL is how long mcp-go keeps an idle HTTP client's session (its client
// name, for the conversation id): a client that sends nothing for this long and then goes
// on gets a fresh record of its session, under the same Mcp-Session-Id.
const httpSessionIdleTTL = 24 * time.Hour

// serveHTTP serves the same MCP server as stdio (tools, prompts, resources, progress,
// memory) over mcp-go's streamable HTTP transport at /mcp, behind mcphttp.Guard. Every
// protocol version mcp-go implements is served on the one endpoint: the 2025 ones with an
// Mcp-Session-Id per client (the conversation), the stateless 2026-07-28 without one.
func serveHTTP(ctx context.Context, cfg Config, mgr *session.Manager, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return fmt.Errorf("--http %s: %w", cfg.HTTP, err)
	}
	defer ln.Close()
	loopback := mcphttp.Loopback(ln.Addr())
	if !loopback && !cfg.HTTPToken.Set() {
		return usageError{fmt.Sprintf("refusing to serve HTTP on %s without a token: an address other than loopback "+
			"can be reached from other machines. Set CODEX_MCP_HTTP_TOKEN (or --http-token-file PATH) to a secret "+
			"of at least %d characters that clients send as \"Authorization: Bearer <token>\", or listen on 127.0.0.1",
			cfg.HTTP, mcphttp.MinTokenLength)}
	}

	s := tools.NewServer(tools.Config{Name: "codex-mcp", Version: serverVersion(), MaxRunning: cfg.MaxRunning}, mgr, logger)
	guard := &mcphttp.Guard{
		Token: cfg.HTTPToken, AllowedOrigins: cfg.HTTPAllowedOrigins, BoundHost: mcphttp.BoundHost(ln.Addr()),
		MaxBodyBytes: tools.MaxLineBytes, Logger: logger,
	}
	mux := http.NewServeMux()
	httpSrv := mcphttp.NewServer(guard.Wrap(mux), logger)
	// mcp-go's own DNS rebinding protection stays on: over a loopback connection the Host
	// header must be a loopback one too.
	streamable := server.NewStreamableHTTPServer(s,
		server.WithStreamableHTTPServer(httpSrv),
		server.WithStreamableHTTPLogger(logger),
		server.WithSessionIdleTTL(httpSessionIdleTTL),
		// No standalone GET stream (405, which the spec allows): the server sends nothing
		// outside a request, and mcp-go delivers a session's notifications to whichever of
		// its streams reads first, so with a GET stream open a call's progress arrives out
		// of order, part on the call's stream and part on the GET one.
		server.WithDisableStreaming(true),
	)
	mux.Handle(mcphttp.Path, streamable)

	auth := "none (loopback only)"
	if cfg.HTTPToken.Set() {
		auth = "bearer token from " + cfg.HTTPTokenSource
	}
	// The address as the operator wrote it, with the port the system gave: 0.0.0.0 stays
	// 0.0.0.0 (not the [::] Go listens on), localhost stays localhost.
	host, _, _ := net.SplitHostPort(cfg.HTTP)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	logger.Info("serving MCP over HTTP", "url", "http://"+net.JoinHostPort(host, port)+mcphttp.Path, "auth", auth,
		"version", serverVersion(), "codex", cfg.CodexBin, "state", cfg.StateDir)
	// No client handshake to wait for: open memory and probe codex now.
	go mgr.Warm(ctx)

	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(signals)
	var sig os.Signal
	select {
	case err := <-served:
		mgr.Shutdown("the HTTP server stopped")
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case sig = <-signals:
	case <-ctx.Done():
		// main's context ends on the same signals: name the signal if there was one.
		select {
		case sig = <-signals:
		case <-time.After(50 * time.Millisecond):
		}
	}
	reason := "the server was stopped"
	switch sig {
	case syscall.SIGTERM:
		reason = "the server received SIGTERM"
	case os.Interrupt:
		reason = "the server received SIGINT"
	}
	logger.Info("shutting down", "reason", reason)
	// New requests are refused from now on; the runs still going are recorded as stopped
	// for this reason (not as cancelled by their clients), their answers are written, and
	// then the listener and the connections close.
	guard.Drain()
	mgr.StopRuns(reason)
	if err := mcphttp.Shutdown(streamable, httpSrv); err != nil {
		logger.Warn("HTTP connections still open at shutdown were closed", "err", err)
	}
	mgr.Shutdown(reason)
	return nil
}
