package session

import (
	"os"
	"path/filepath"
	"strings"
)

// projectRoot is the top of the git work tree dir lies in: the nearest of dir and its
// parents that holds a .git entry git would take — a directory with a HEAD, or the
// "gitdir:" file a worktree or submodule has instead. "" when there is none within
// rootSteps levels, or dir is not absolute. Like git, it does not look above a directory
// of GIT_CEILING_DIRECTORIES; and the home directory is never a project's root (a
// dotfiles repository there holds no project). It is a few stats and one small read per
// level; git is not run.
func projectRoot(dir string) string {
	if dir == "" || !filepath.IsAbs(dir) {
		return ""
	}
	ceilings := map[string]bool{}
	for _, c := range filepath.SplitList(os.Getenv("GIT_CEILING_DIRECTORIES")) {
		if c != "" && filepath.IsAbs(c) {
			ceilings[filepath.Clean(c)] = true
		}
	}
	home, _ := os.UserHomeDir()
	if home != "" {
		home = filepath.Clean(home)
	}
	d := filepath.Clean(dir)
	for range rootSteps {
		if d != home && isGitEntry(filepath.Join(d, ".git")) {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d || ceilings[parent] {
			return "" // the filesystem root, or a ceiling
		}
		d = parent
	}
	return ""
}

// isGitEntry: p is a git directory (it has a HEAD) or a "gitdir: ..." file.
func isGitEntry(p string) bool {
	fi, err := os.Lstat(p)
	switch {
	case err != nil:
		return false
	case fi.IsDir():
		_, err := os.Lstat(filepath.Join(p, "HEAD"))
		return err == nil
	case fi.Mode().IsRegular() && fi.Size() < 4096:
		b, err := os.ReadFile(p)
		return err == nil && strings.HasPrefix(string(b), "gitdir:")
	}
	return false
}
