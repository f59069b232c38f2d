package session

import "github.com/codex-mcp/codex-mcp/prompts"

// Templates is where this Manager resolves rules_template: the user's template
// directories, then the built-ins (listed as resources by the MCP layer).
func (m *Manager) Templates() prompts.Templates { return m.cfg.Templates }
