package session

import "github.com/codex-mcp/codex-mcp/session/decide"

// inferFeature labels a run whose caller gave no feature.
func inferFeature(dir, context, task string) string {
	return decide.InferFeature(dir, context, task)
}
