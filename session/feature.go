package session

import "github.com/codex-mcp/codex-mcp/session/decide"

// inferFeature labels a run whose caller gave no feature. At the top of a git work tree
// the directory's name is the repository's, which names no module, so there the label
// comes from the context's @{...} patterns or the task's words instead.
func inferFeature(dir, context, task string) string {
	if dir != "" && dir == projectRoot(dir) {
		dir = ""
	}
	return decide.InferFeature(dir, context, task)
}
