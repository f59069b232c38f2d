// Package tsclient tests codex-mcp with a client it does not share code with: the
// official MCP TypeScript SDK (npm @modelcontextprotocol/sdk, pinned in package.json and
// package-lock.json, installed by `make tsclient` into .tools/tsclient), driven from Go
// through client.mjs, over stdio and streamable HTTP. Schemas and results are checked with
// Ajv, a standard JSON Schema validator. The package has no code of its own.
package tsclient
