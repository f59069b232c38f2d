package prompts

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Pattern is one glob of an `@{...}` group and the files it matched.
type Pattern struct {
	Pattern   string   `json:"pattern"`
	Files     []string `json:"files"`
	Truncated bool     `json:"truncated,omitempty"`
}

// PatternError names a pattern that cannot be used and why.
type PatternError struct {
	Pattern string
	Reason  string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("pattern %q in @{...}: %s", e.Pattern, e.Reason)
}

// Groups returns the patterns of every `@{a,b}` group in text, in order. Commas inside
// nested braces (`@{src/{a,b}/*.go}`) belong to the pattern, not the list. An unclosed
// group ends the search: it runs to the end of the text, and scanning again from every
// later "@{" would make a long context quadratic.
func Groups(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if !strings.HasPrefix(text[i:], "@{") {
			continue
		}
		var group []string
		depth, start, end := 0, i+2, -1
		for j := i + 1; j < len(text) && end < 0; j++ {
			switch text[j] {
			case '{':
				depth++
			case '}':
				if depth--; depth == 0 {
					group = append(group, strings.TrimSpace(text[start:j]))
					end = j
				}
			case ',':
				if depth == 1 {
					group = append(group, strings.TrimSpace(text[start:j]))
					start = j + 1
				}
			}
		}
		if end < 0 {
			break
		}
		out = append(out, group...)
		i = end
	}
	return compact(out)
}

func compact(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ValidatePatterns checks every pattern of the `@{...}` groups in text without touching
// the file system: well-formed, relative, and not climbing out of the directory.
func ValidatePatterns(text string) error {
	groups := Groups(text)
	if len(groups) > MaxPatterns {
		return &PatternError{groups[MaxPatterns], fmt.Sprintf("more than %d patterns; name fewer, broader ones", MaxPatterns)}
	}
	for _, p := range groups {
		if err := validatePattern(p); err != nil {
			return err
		}
	}
	return nil
}

func validatePattern(p string) error {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") {
		return &PatternError{p, "patterns are relative to the session directory; drop the leading '/' or '~'"}
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return &PatternError{p, "patterns may not reach outside the session directory"}
	}
	if !doublestar.ValidatePattern(p) {
		return &PatternError{p, "not a valid glob (check the braces and brackets)"}
	}
	return nil
}

var errLimit = errors.New("file limit reached")

// MaxPatterns bounds the @{...} patterns of one context.
const MaxPatterns = 32

// maxWalk bounds how many directory entries one pattern may visit, so a pattern like
// @{**/*} over a huge tree answers (truncated) instead of stalling the run.
const maxWalk = 200_000

// Resolve matches the `@{...}` patterns of text against dir, at most limit files per
// pattern. It walks from each pattern's fixed prefix and prunes VCS metadata and
// dependency folders instead of walking them and dropping what they hold.
func Resolve(ctx context.Context, dir, text string, limit int) ([]Pattern, error) {
	groups := Groups(text)
	if len(groups) == 0 {
		return nil, nil
	}
	fsys := os.DirFS(dir)
	var out []Pattern
	for _, p := range groups {
		if err := validatePattern(p); err != nil {
			return nil, err
		}
		pat := Pattern{Pattern: p, Files: []string{}}
		clean := path.Clean(p) // "./src/*.go" is "src/*.go" to fs.FS
		if !strings.Contains(clean, "**") {
			// No recursion in the pattern: let doublestar read only the directories
			// the pattern names instead of walking the tree.
			matches, err := doublestar.Glob(fsys, clean, doublestar.WithFilesOnly(), doublestar.WithNoFollow())
			if err != nil {
				return nil, &PatternError{p, err.Error()}
			}
			for _, m := range matches {
				if len(pat.Files) == limit {
					pat.Truncated = true
					break
				}
				pat.Files = append(pat.Files, m)
			}
			out = append(out, pat)
			continue
		}
		base, _ := doublestar.SplitPattern(clean)
		visited := 0
		err := fs.WalkDir(fsys, base, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				if name == base {
					return fs.SkipAll // the prefix does not exist: nothing matches
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
			if ok, _ := doublestar.Match(clean, name); !ok {
				return nil
			}
			if len(pat.Files) == limit {
				pat.Truncated = true
				return errLimit
			}
			pat.Files = append(pat.Files, name)
			return nil
		})
		if err != nil && !errors.Is(err, errLimit) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &PatternError{p, err.Error()}
		}
		out = append(out, pat)
	}
	return out, nil
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
