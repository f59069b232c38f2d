package session

import "github.com/codex-mcp/codex-mcp/session/decide"

// inferFeature labels a run whose caller gave no feature. At the top of a git work tree
// (or in its src/, lib/ …) the directory's name is the repository's, which names no
// module, so there the label comes from the context's @{...} patterns or the task's words.
func inferFeature(dir, context, task string) string {
	root := ""
	if dir != "" {
		root = projectRoot(dir)
	}
	return decide.InferFeatureAt(root, dir, context, task)
}
