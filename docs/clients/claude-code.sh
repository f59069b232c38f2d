# For every project of yours (user scope). Without -s user, Claude Code registers the
# server for the current folder only.
claude mcp add -s user codex -- "$(command -v codex-mcp)"

# The same, naming the codex binary (for a codex that is not on the PATH Claude Code
# starts servers with). Options such as -e go after the name: -e takes several values.
claude mcp add -s user codex -e CODEX_MCP_CODEX_BIN="$(command -v codex)" -- "$(command -v codex-mcp)"
