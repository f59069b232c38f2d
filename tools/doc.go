// Package tools is the MCP face of codex-mcp: the tool definitions (schemas generated from
// the argument structs, annotations, descriptions), thin handlers that decode arguments,
// call the session Manager and encode its answer as structured content plus a short text,
// and the server that carries them. Mistakes the caller can fix come back as isError
// results; only bugs become protocol errors.
package tools
