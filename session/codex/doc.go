// Package codex is the adapter that owns the Codex CLI process: it probes the installed
// binary for what it supports, builds the `codex exec` argv from that, runs it with the
// prompt on stdin, enforces the total and no-output timeouts, and turns the `--json`
// event stream into a run result. It holds each run's processes so that none outlives the
// run or the server (lifecycle.go: a watcher process per run on Unix, a Job Object on
// Windows). It knows nothing of MCP or of the server's memory.
package codex

// DelegatedEnv is set in the environment of every codex run this server starts (to this
// server's pid), so that a codex-mcp started inside such a run knows it is nested.
const DelegatedEnv = "CODEX_MCP_DELEGATED"
