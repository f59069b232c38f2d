package tools_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/internal/fakemodel"
	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/tools"
)

// harness is a codex-mcp server with the real codex CLI and the fake model behind it,
// driven through mcp-go's in-process client.
type harness struct {
	t         *testing.T
	model     *fakemodel.Server
	codexHome string
	stateDir  string
	dir       string // default working directory
	mgr       *session.Manager
	client    *client.Client

	mu       sync.Mutex
	progress []string
}

type harnessOpts struct {
	codexBin    string
	maxSandbox  string
	idleTimeout time.Duration
	modelURL    string
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	h := &harness{t: t, stateDir: t.TempDir(), dir: t.TempDir()}
	if o.codexBin == "" {
		o.codexBin = testenv.CodexBin(t)
	}
	if o.modelURL == "" {
		h.model = testenv.Model(t)
		o.modelURL = h.model.URL()
	}
	h.codexHome = testenv.CodexHome(t, o.modelURL)
	env := testenv.Env(t, h.codexHome)
	h.mgr = session.NewManager(session.Config{
		DefaultDir: h.dir, MaxSandbox: o.maxSandbox, Timeout: 2 * time.Minute, IdleTimeout: o.idleTimeout,
		Templates: prompts.Templates{Dirs: []string{filepath.Join(h.stateDir, "templates")}},
	}, session.RealDeps(o.codexBin, env, filepath.Join(h.stateDir, "memory.db"), h.codexHome, nil))
	t.Cleanup(h.mgr.Close)
	s := tools.NewServer(tools.Config{Name: "codex-mcp", Version: "test"}, h.mgr, nil)
	// Progress notifications are collected from the first message on.
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			if msg, ok := n.Params.AdditionalFields["message"].(string); ok {
				h.mu.Lock()
				h.progress = append(h.progress, msg)
				h.mu.Unlock()
			}
		}
	})
	initialize(t, c)
	h.client = c
	return h
}

// call invokes a tool with a progress token and returns the raw result.
func (h *harness) call(ctx context.Context, name string, args map[string]any) *mcp.CallToolResult {
	h.t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	req.Params.Meta = &mcp.Meta{ProgressToken: "p-" + name}
	res, err := h.client.CallTool(ctx, req)
	if err != nil {
		h.t.Fatalf("%s: protocol error: %v", name, err)
	}
	return res
}

// outcome calls a tool that must succeed and decodes its structured content.
func (h *harness) outcome(name string, args map[string]any) session.Outcome {
	h.t.Helper()
	res := h.call(h.t.Context(), name, args)
	if res.IsError {
		h.t.Fatalf("%s: tool error: %s", name, text(res))
	}
	var out session.Outcome
	decode(h.t, res, &out)
	return out
}

func decode(t *testing.T, res *mcp.CallToolResult, v any) {
	t.Helper()
	data, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("structured content %s: %v", data, err)
	}
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func (h *harness) progressSeen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.progress...)
}

func (h *harness) modelRequests() int {
	if h.model == nil {
		return 0
	}
	return len(h.model.Requests())
}
