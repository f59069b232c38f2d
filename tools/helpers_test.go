package tools_test

import (
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/tools"
)

func mcpCall(name string, args map[string]any) mcp.CallToolRequest {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return req
}

func codexCaps(t *testing.T) (codex.Capabilities, error) {
	return codex.Probe(t.Context(), testenv.CodexBin(t))
}

// connect starts an in-process MCP client on s and initializes it.
func connect(t *testing.T, s *server.MCPServer) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	initialize(t, c)
	return c
}

// initialize starts c and completes the MCP handshake.
func initialize(t testing.TB, c *client.Client) {
	t.Helper()
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "codex-mcp-test", Version: "1"}
	if _, err := c.Initialize(t.Context(), init); err != nil {
		t.Fatal(err)
	}
}

// bareServer is the MCP server over a Manager with no codex and no memory, for what
// needs neither (definitions, prompts).
func bareServer(t *testing.T) *server.MCPServer {
	mgr := session.NewManager(session.Config{DefaultDir: t.TempDir()}, session.Deps{})
	t.Cleanup(mgr.Close)
	return tools.NewServer(tools.Config{Name: "codex-mcp", Version: "test"}, mgr, nil)
}
