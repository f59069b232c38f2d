package tools_test

import "github.com/mark3labs/mcp-go/mcp"

func mcpCall(name string, args map[string]any) mcp.CallToolRequest {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return req
}
