package session

import (
	"os"
	"path/filepath"
)

// projectRoot is the top of the git work tree dir lies in: the nearest of dir and its
// parents that holds a .git entry, a directory or the file a worktree or submodule has
// instead. "" when there is none within rootSteps levels, or dir is not absolute. It is a
// stat per level: no file is read and git is not run.
func projectRoot(dir string) string {
	if dir == "" || !filepath.IsAbs(dir) {
		return ""
	}
	d := filepath.Clean(dir)
	for range rootSteps {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "" // the filesystem root
		}
		d = parent
	}
	return ""
}
