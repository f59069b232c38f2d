package tools

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/codex-mcp/codex-mcp/session"
)

// Config is what the MCP layer needs to know about the server it presents.
type Config struct {
	Name    string
	Version string
	// OnInitialized, if set, runs (in its own goroutine) when the first client says it
	// has initialized: the moment to warm up what the first tool call will need.
	OnInitialized func()
	// MaxRunning is the Manager's limit on concurrent runs (0: session.DefaultMaxRunning);
	// the stdio transport and the waiting get_session calls are sized from it (Budget).
	MaxRunning int
}

// Sessions is what the tools need of the session Manager.
type Sessions interface {
	Start(ctx context.Context, t session.Task, progress session.ProgressFunc) (session.Outcome, error)
	Resume(ctx context.Context, t session.ResumeTask, progress session.ProgressFunc) (session.Outcome, error)
	Fork(ctx context.Context, t session.ResumeTask, progress session.ProgressFunc) (session.Outcome, error)
	List(ctx context.Context, q session.ListQuery) (session.SessionList, error)
	Get(ctx context.Context, id string, wait time.Duration) (session.SessionDetail, error)
	Cancel(ctx context.Context, id string) (session.Outcome, error)
	Transcript(ctx context.Context, id string) (string, error)
	Decide(ctx context.Context, q session.DecideQuery) (session.DecisionResult, error)
}

var _ Sessions = (*session.Manager)(nil)

const instructions = `codex-mcp runs the OpenAI Codex CLI for you and remembers its sessions.
Before delegating a task, call decide_resume: it applies the workflow's auto-resume decision tree to memory and returns the exact call to make next.
Start new work with start_session; continue the same feature with resume_session and the session_id you got (never guess: with two features in flight the most recent session is the wrong one).
Use mode "analysis" for read-only investigation. Long runs: pass wait_seconds and follow the session with get_session.
Memory is kept per conversation, by default this MCP session; with the stateless protocol (2026-07-28) there is none, so pass the same conversation_id on every call of one conversation.`

// NewServer builds the MCP server with every tool registered. Tests call it too.
//
// Generating the tool schemas costs a millisecond or two, which would delay the answer to
// initialize (start-up to initialize is a figure this server is held to); so the tools
// and resources are registered by the first request that is not initialize or ping,
// before it is handled.
func NewServer(cfg Config, sessions Sessions, logger *slog.Logger) *server.MCPServer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	budget := Budget{MaxRunning: cfg.MaxRunning}
	h := &handlers{sessions: sessions, logger: logger, instance: instanceID(), waitSlots: make(chan struct{}, budget.Waiters())}
	var (
		s        *server.MCPServer
		register sync.Once
	)
	hooks := &server.Hooks{}
	hooks.AddBeforeAny(func(_ context.Context, _ any, method mcp.MCPMethod, _ any) {
		if method == mcp.MethodInitialize || method == mcp.MethodPing {
			return
		}
		register.Do(func() {
			for _, t := range h.tools() {
				s.AddTool(t.tool, validated(t.tool, t.handler))
			}
			h.addResources(s)
			h.addPrompts(s)
		})
	})
	// Caller mistakes in prompts/get and resources/read answer as invalid params / not
	// found, not internal errors; resources/list gets the templates and recent sessions.
	hooks.AddBeforeGetPrompt(checkPromptArguments)
	hooks.AddBeforeReadResource(h.checkResourceURI)
	hooks.AddAfterListResources(h.listResources)
	s = server.NewMCPServer(cfg.Name, cfg.Version,
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithPromptCapabilities(false),
		server.WithInstructions(instructions),
		server.WithOutputSchemaValidation(),
		server.WithRecovery(),
		server.WithHooks(hooks),
		server.WithToolHandlerMiddleware(h.observe),
	)
	if cfg.OnInitialized != nil {
		// notifications/initialized arrives once the client has our initialize answer,
		// so the warm-up never competes with it.
		var once sync.Once
		s.AddNotificationHandler(string(mcp.MethodNotificationInitialized), func(context.Context, mcp.JSONRPCNotification) {
			once.Do(func() { go cfg.OnInitialized() })
		})
	}
	return s
}

type handlers struct {
	sessions Sessions
	logger   *slog.Logger
	instance string
	// waitSlots holds one token per get_session call waiting for a run: each holds a
	// stdio worker, and Budget counts only so many (a call past them answers at once).
	waitSlots chan struct{}
}

// observe wraps every tool call: it bounds the result (boundResult) and logs the call at
// debug, the task text included; the arguments' other values and nothing of the
// environment are ever logged.
func (h *handlers) observe(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := time.Now()
		res, err := next(ctx, req)
		boundResult(res)
		if res != nil && !res.IsError && conversationTools[req.Params.Name] && sessionless(ctx) {
			if c, _ := req.GetArguments()["conversation_id"].(string); c == "" {
				addNotes(res, sessionlessNote)
			}
		}
		if h.logger.Enabled(ctx, slog.LevelDebug) {
			attrs := []any{"tool", req.Params.Name, "duration_ms", time.Since(start).Milliseconds(), "is_error", res != nil && res.IsError}
			args := req.GetArguments()
			if id, ok := args["session_id"].(string); ok && id != "" {
				attrs = append(attrs, "session_id", id)
			}
			if task, ok := args["task"].(string); ok {
				attrs = append(attrs, "task", session.TaskLine(task, 200))
			}
			if err != nil {
				attrs = append(attrs, "err", err)
			}
			h.logger.DebugContext(ctx, "tool call", attrs...)
		}
		return res, err
	}
}

type toolDef struct {
	tool    mcp.Tool
	handler server.ToolHandlerFunc
}

func (h *handlers) tools() []toolDef {
	return []toolDef{
		{startSessionTool(), mcp.NewTypedToolHandler(h.startSession)},
		{resumeSessionTool(), mcp.NewTypedToolHandler(h.resumeSession)},
		{forkSessionTool(), mcp.NewTypedToolHandler(h.forkSession)},
		{listSessionsTool(), mcp.NewTypedToolHandler(h.listSessions)},
		{getSessionTool(), mcp.NewTypedToolHandler(h.getSession)},
		{cancelSessionTool(), mcp.NewTypedToolHandler(h.cancelSession)},
		{decideResumeTool(), mcp.NewTypedToolHandler(h.decideResume)},
	}
}

// instanceID tells this server process's connections apart from other processes': over
// stdio every connection is called "stdio".
func instanceID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// conversation is the default conversation of a request: its MCP session (over stdio the
// connection, over HTTP the Mcp-Session-Id). A request without one (the stateless
// 2026-07-28 protocol over HTTP has no session) is a conversation of its own: the caller
// names its conversation with conversation_id (see sessionlessNote).
func (h *handlers) conversation(ctx context.Context) string {
	name := "client"
	cs := server.ClientSessionFromContext(ctx)
	if cs != nil {
		if ci, ok := cs.(server.SessionWithClientInfo); ok && ci.GetClientInfo().Name != "" {
			name = ci.GetClientInfo().Name
		}
	}
	if sessionless(ctx) {
		return name + ":" + h.instance + ":request-" + instanceID() + instanceID()
	}
	return name + ":" + h.instance + ":" + cs.SessionID()
}

// sessionless reports whether a request came without an MCP session to stand for its
// conversation.
func sessionless(ctx context.Context) bool {
	cs := server.ClientSessionFromContext(ctx)
	return cs == nil || cs.SessionID() == ""
}

// sessionlessNote is added to the answer of a tool that defaults conversation_id, when
// the request had no MCP session and the caller named no conversation.
const sessionlessNote = "this request had no MCP session (protocol 2026-07-28 over HTTP is stateless), so it was a conversation " +
	"of its own: pass conversation_id (any string kept for one conversation) to have decide_resume and resume_session see this work next time"

// conversationTools are the tools whose conversation_id defaults to the request's session.
var conversationTools = map[string]bool{"start_session": true, "resume_session": true, "fork_session": true, "decide_resume": true}

// result turns a Manager answer into a tool result: an InputError (or another error
// the caller can act on) becomes an isError result, anything else is a bug. sessionID is
// the session the call was about, if any, for the log.
func (h *handlers) result(ctx context.Context, req mcp.CallToolRequest, sessionID string, out any, text string, err error) (*mcp.CallToolResult, error) {
	if err != nil {
		var ie *session.InputError
		if errors.As(err, &ie) {
			return mcp.NewToolResultError(ie.Error()), nil
		}
		// Not the caller's mistake: the operator needs to hear of it. The error's own
		// sentence only, never the arguments (a task can hold anything).
		level := slog.LevelError
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			level = slog.LevelWarn
		}
		h.logger.Log(ctx, level, "tool call failed", "tool", req.Params.Name, "session_id", sessionID, "err", err)
		// Codex missing, too old, or its store unreadable: the user can act on all of
		// these, so they are tool errors with the adapter's sentence, not protocol errors.
		return mcp.NewToolResultError(err.Error()), nil
	}
	return mcp.NewToolResultStructured(out, text), nil
}

// progressFunc sends each sentence as a progress notification when the caller asked for
// progress (sent a token); otherwise nil.
func progressFunc(ctx context.Context, req mcp.CallToolRequest) session.ProgressFunc {
	if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
		return nil
	}
	token := req.Params.Meta.ProgressToken
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return nil
	}
	n := 0
	return func(msg string) {
		n++
		_ = srv.SendNotificationToClient(ctx, "notifications/progress", map[string]any{
			"progressToken": token, "progress": n, "message": msg,
		})
	}
}
