package prompts

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/codex-mcp/codex-mcp/internal/atpattern"
)

// Limits of context-pattern resolution, and why each is what it is.
const (
	// MaxPatterns bounds the @{...} patterns of one context: each is a directory walk.
	MaxPatterns = 32
	// maxWalk bounds how many directory entries one pattern may visit, so a pattern like
	// @{**/*} over a huge tree answers (truncated) instead of stalling the run.
	maxWalk = 200_000
	// maxLeftOutNames bounds the left-out paths a warning names: enough to find the link
	// to fix, short enough for a tool result.
	maxLeftOutNames = 3
)

// Pattern is one glob of an `@{...}` group and the files it matched.
type Pattern struct {
	Pattern   string   `json:"pattern"`
	Files     []string `json:"files"`
	Truncated bool     `json:"truncated,omitempty"`
	// LeftOut are the paths the pattern reached that were not listed because they lie
	// outside the session directory and the allowed roots once symlinks and ".." are
	// resolved, or cannot be resolved at all (a broken link, a link cycle). They are
	// told to the caller through Warnings, never silently dropped. Not in the JSON yet:
	// a new field changes the tools' output schema snapshots, which tools/ owns.
	LeftOut []LeftOut `json:"-"`
}

// LeftOut is a path a pattern reached and did not list.
type LeftOut struct {
	Path       string // as the pattern reached it ("outlink/secret.txt", "/etc")
	Unresolved bool   // a broken link or a link cycle, rather than a path outside
}

// Warnings are the sentences the caller should see about p: no match, or paths left out.
// dir is the session directory, for the wording.
func (p Pattern) Warnings(dir string) []string {
	var out []string
	outside, unresolved := p.leftOut(false), p.leftOut(true)
	if len(outside) > 0 {
		out = append(out, fmt.Sprintf("%s reached by @{%s} %s outside the session directory and the allowed directories and %s left out (%s)",
			count(len(outside), "path", "paths"), p.Pattern, verb(len(outside), "lies", "lie"), verb(len(outside), "was", "were"), names(outside)))
	}
	if len(unresolved) > 0 {
		out = append(out, fmt.Sprintf("%s reached by @{%s} %s and %s left out (%s)",
			count(len(unresolved), "path", "paths"), p.Pattern, verb(len(unresolved), "is a broken or looping symlink", "are broken or looping symlinks"), verb(len(unresolved), "was", "were"), names(unresolved)))
	}
	if len(p.Files) == 0 && len(p.LeftOut) == 0 {
		out = append(out, "context pattern @{"+p.Pattern+"} matched no files in "+dir)
	}
	return out
}

func (p Pattern) leftOut(unresolved bool) []string {
	var out []string
	for _, l := range p.LeftOut {
		if l.Unresolved == unresolved {
			out = append(out, l.Path)
		}
	}
	return out
}

func count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + verb(n, one, many)
}

func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func names(paths []string) string {
	if len(paths) > maxLeftOutNames {
		return strings.Join(paths[:maxLeftOutNames], ", ") + ", …"
	}
	return strings.Join(paths, ", ")
}

// PatternError names a pattern that cannot be used and why.
type PatternError struct {
	Pattern string
	Reason  string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("pattern %q in @{...}: %s", e.Pattern, e.Reason)
}

// Groups returns the patterns of every `@{a,b}` group in text, in order (the syntax is
// atpattern's, shared with session/decide).
func Groups(text string) []string {
	return atpattern.Parse(text)
}

// ValidatePatterns checks every pattern of the `@{...}` groups in text without touching
// the file system: well-formed, relative, and not climbing out of the directory. It is
// the early, clear refusal; Resolve does not rely on it and checks real paths itself.
func ValidatePatterns(text string) error {
	groups := Groups(text)
	if err := tooMany(groups); err != nil {
		return err
	}
	for _, p := range groups {
		if err := validatePattern(p); err != nil {
			return err
		}
		if strings.HasPrefix(p, "/") {
			return &PatternError{p, "patterns are relative to the session directory; drop the leading '/'"}
		}
		if clean := path.Clean(p); clean == ".." || strings.HasPrefix(clean, "../") {
			return &PatternError{p, "patterns may not reach outside the session directory"}
		}
	}
	return nil
}

func tooMany(groups []string) error {
	if len(groups) > MaxPatterns {
		return &PatternError{groups[MaxPatterns], fmt.Sprintf("more than %d patterns; name fewer, broader ones", MaxPatterns)}
	}
	return nil
}

// validatePattern: what no resolution can make usable.
func validatePattern(p string) error {
	if strings.HasPrefix(p, "~") {
		return &PatternError{p, "'~' is not expanded; write the path relative to the session directory"}
	}
	if !doublestar.ValidatePattern(p) {
		return &PatternError{p, "not a valid glob (check the braces and brackets)"}
	}
	return nil
}

var errLimit = errors.New("file limit reached")

// Area is where context patterns may reach: the session directory (relative patterns
// resolve against it) and the operator's allowed roots (session.Config.AllowedDirs).
// A matched path is listed only if its real path, symlinks resolved, is inside one of
// them.
type Area struct {
	Dir     string
	Allowed []string
}

// roots returns the area's directories with their own symlinks resolved, so that a
// session directory reached through a link still contains its files.
func (a Area) roots() []string {
	var out []string
	for _, d := range append([]string{a.Dir}, a.Allowed...) {
		if d == "" {
			continue
		}
		if real, err := filepath.EvalSymlinks(d); err == nil {
			d = real
		}
		if abs, err := filepath.Abs(d); err == nil {
			out = append(out, abs)
		}
	}
	return out
}

func within(roots []string, p string) bool {
	for _, r := range roots {
		if rel, err := filepath.Rel(r, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return true
		}
	}
	return false
}

// Resolve matches the `@{...}` patterns of text, at most limit files per pattern, and
// lists only files whose real path lies in the area; what it leaves out is in each
// Pattern's LeftOut. Relative patterns resolve against area.Dir, absolute ones against
// the file system root, and leading ".." components climb from area.Dir; wherever a
// pattern points, the same real-path check applies. It never reads a directory outside
// the area: symlinked directories that lead out are not entered, and recursive walks
// enter no symlinked directory at all, so link cycles cannot loop.
func Resolve(ctx context.Context, area Area, text string, limit int) ([]Pattern, error) {
	groups := Groups(text)
	if len(groups) == 0 {
		return nil, nil
	}
	if err := tooMany(groups); err != nil {
		return nil, err
	}
	roots := area.roots()
	var out []Pattern
	for _, p := range groups {
		if err := validatePattern(p); err != nil {
			return nil, err
		}
		pat, err := resolveOne(ctx, roots, area.Dir, p, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, pat)
	}
	return out, nil
}

// resolveOne globs one pattern. The pattern is cleaned lexically first ("src/*/../x" is
// "src/x"), which leaves ".." only at the front; that part and a leading "/" choose the
// directory the glob runs in, and the shown paths keep it ("../api/x.go", "/srv/x.go").
func resolveOne(ctx context.Context, roots []string, dir, p string, limit int) (Pattern, error) {
	pat := Pattern{Pattern: p, Files: []string{}}
	clean, top, show := path.Clean(p), dir, ""
	if path.IsAbs(clean) {
		top = filepath.VolumeName(dir) + string(filepath.Separator)
		clean, show = strings.TrimPrefix(clean, "/"), "/"
	}
	for clean == ".." || strings.HasPrefix(clean, "../") {
		top = filepath.Dir(top)
		show += "../"
		clean = strings.TrimPrefix(strings.TrimPrefix(clean, ".."), "/")
	}
	if clean == "" {
		clean = "."
	}
	g := &guard{ctx: ctx, top: top, roots: roots, seen: map[string]bool{}}
	add := func(name string) error {
		if len(pat.Files) == limit {
			pat.Truncated = true
			return errLimit
		}
		if keep, err := g.file(name); err != nil || !keep {
			return err
		}
		pat.Files = append(pat.Files, shown(show, name))
		return nil
	}
	var err error
	if !strings.Contains(clean, "**") {
		// No recursion in the pattern: let doublestar read only the directories the
		// pattern names instead of walking the tree. It may follow symlinked
		// directories here (the guard refuses those that lead out): without "**" the
		// depth is the pattern's, so a cycle cannot loop.
		var matches []string
		matches, err = doublestar.Glob(g, clean, doublestar.WithFilesOnly())
		for _, m := range matches {
			if err = add(m); err != nil {
				break
			}
		}
	} else {
		err = walk(ctx, g, clean, &pat, add)
	}
	if err != nil && !errors.Is(err, errLimit) {
		if ctx.Err() != nil {
			return pat, ctx.Err()
		}
		return pat, &PatternError{p, err.Error()}
	}
	for _, l := range g.left {
		l.Path = shown(show, l.Path)
		pat.LeftOut = append(pat.LeftOut, l)
	}
	return pat, nil
}

// shown is a path as the caller wrote it: the prefix the glob's directory was chosen by
// ("../", "/") and the glob's own path under it.
func shown(prefix, name string) string {
	if name == "." && prefix != "" {
		return path.Clean(prefix)
	}
	return prefix + name
}

// walk runs a recursive pattern from its fixed prefix, pruning VCS metadata and
// dependency folders instead of walking them and dropping what they hold. fs.WalkDir
// does not enter symlinked directories; one that leads outside the area is still told
// (its files would have matched), one inside is reachable by its real name.
func walk(ctx context.Context, g *guard, clean string, pat *Pattern, add func(string) error) error {
	base, _ := doublestar.SplitPattern(clean)
	visited := 0
	return fs.WalkDir(g, base, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if name == base {
				return fs.SkipAll // the prefix does not exist or lies outside: nothing matches
			}
			return nil
		}
		if visited++; visited > maxWalk {
			pat.Truncated = true
			return fs.SkipAll
		}
		if visited%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			if name != base && skipped(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if isDir, _ := g.linkToDir(name); isDir {
				return nil
			}
		}
		if ok, _ := doublestar.Match(clean, name); !ok {
			return nil
		}
		return add(name)
	})
}

// guard is the file system the globs run on: os.DirFS(top), except that it opens,
// stats and lists nothing whose real path is outside the area. What it refuses it
// records (once per path) and reports as not existing, so doublestar and fs.WalkDir
// simply find nothing there.
type guard struct {
	ctx   context.Context
	top   string
	roots []string
	seen  map[string]bool
	left  []LeftOut
}

// check resolves name and says whether it may be used; a refusal is recorded. A name
// that does not exist is refused without a record: globs probe names that may not exist.
func (g *guard) check(name string) (string, error) {
	if err := g.ctx.Err(); err != nil {
		return "", err
	}
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	full := filepath.Join(g.top, filepath.FromSlash(name))
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		if _, lerr := os.Lstat(full); lerr == nil {
			g.leave(name, true) // the name exists, its target does not (or loops)
		}
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if !within(g.roots, real) {
		g.leave(name, false)
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return real, nil
}

func (g *guard) leave(name string, unresolved bool) {
	if !g.seen[name] {
		g.seen[name] = true
		g.left = append(g.left, LeftOut{Path: name, Unresolved: unresolved})
	}
}

func (g *guard) Open(name string) (fs.File, error) {
	real, err := g.check(name)
	if err != nil {
		return nil, err
	}
	return os.Open(real)
}

func (g *guard) Stat(name string) (fs.FileInfo, error) {
	real, err := g.check(name)
	if err != nil {
		return nil, err
	}
	return os.Stat(real)
}

func (g *guard) ReadDir(name string) ([]fs.DirEntry, error) {
	real, err := g.check(name)
	if err != nil {
		return nil, err
	}
	return os.ReadDir(real) // sorted by name, as fs.ReadDirFS asks
}

// file says whether a match is listed: its real path is inside the area (else it is
// recorded) and it is a file, not a directory reached through a link.
func (g *guard) file(name string) (bool, error) {
	real, err := g.check(name)
	if err != nil {
		return false, g.ctx.Err()
	}
	st, err := os.Stat(real)
	return err == nil && !st.IsDir(), nil
}

// linkToDir: the symlink name leads to a directory (inside the area or, recorded, out).
func (g *guard) linkToDir(name string) (bool, error) {
	full := filepath.Join(g.top, filepath.FromSlash(name))
	st, err := os.Stat(full)
	if err != nil || !st.IsDir() {
		return false, err
	}
	_, err = g.check(name)
	return true, err
}

// skipped names the folders a context pattern never looks into.
func skipped(dirName string) bool {
	switch dirName {
	case ".git", "node_modules", ".hg", ".svn":
		return true
	}
	return false
}

// Annotate appends to the context the files each pattern matched, so Codex starts from
// the same file list the caller meant. Codex reads the files itself.
func Annotate(context string, pats []Pattern) string {
	if len(pats) == 0 {
		return context
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(context))
	for _, p := range pats {
		b.WriteString("\n  @{" + p.Pattern + "} → ")
		switch {
		case len(p.Files) == 0:
			b.WriteString("no files match")
		default:
			b.WriteString(strings.Join(p.Files, ", "))
			if p.Truncated {
				b.WriteString(", … (more not listed)")
			}
		}
	}
	return b.String()
}
