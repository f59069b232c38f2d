// Package prompts owns how a task becomes the prompt Codex receives: the seed's
// PURPOSE/TASK/MODE/CONTEXT/EXPECTED/RULES layout, the built-in and user rules templates,
// and the resolution of `@{glob,glob}` file patterns in CONTEXT against the working
// directory.
package prompts

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Fields are the seed's task fields.
type Fields struct {
	Purpose  string
	Task     string
	Mode     string
	Context  string
	Expected string
	Rules    string
}

// Render lays the fields out the way the seed writes them, one labelled line each, empty
// ones left out. Codex reads this as the user turn.
func Render(f Fields) string {
	var b strings.Builder
	line := func(label, value string) {
		value = strings.TrimSpace(value)
		if value == "" {
			return
		}
		b.WriteString(label)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteString("\n")
	}
	line("PURPOSE", f.Purpose)
	line("TASK", f.Task)
	line("MODE", f.Mode)
	line("CONTEXT", f.Context)
	line("EXPECTED", f.Expected)
	line("RULES", f.Rules)
	return b.String()
}

//go:embed templates/*.md
var builtin embed.FS

// nameRe keeps template names inside their directory: words, dashes, slashes.
var nameRe = regexp.MustCompile(`^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$`)

// Templates resolves rules templates: user directories first (so a team can override a
// built-in), then the built-ins embedded in the binary.
type Templates struct {
	Dirs []string
}

// ErrUnknownTemplate is returned for a name no directory and no built-in has.
var ErrUnknownTemplate = errors.New("unknown rules template")

// Lookup returns the text of the named template. Names are like "feature" or, as in the
// seed's ~/.claude/workflows/cli-templates/prompts tree, "development/feature"; a file
// may end in .md or .txt.
func (t Templates) Lookup(name string) (string, error) {
	text, _, err := t.Locate(name)
	return text, err
}

// Builtin is what Locate says of a template embedded in the binary.
const Builtin = "built-in"

// Locate is Lookup that also says where the text came from: the user file's path, or
// Builtin.
func (t Templates) Locate(name string) (text, from string, err error) {
	if !nameRe.MatchString(name) {
		return "", "", fmt.Errorf("%w %q: names are letters, digits, '-', '_' and '/' (e.g. %q)", ErrUnknownTemplate, name, "feature")
	}
	for _, dir := range t.Dirs {
		for _, ext := range []string{".md", ".txt"} {
			path := filepath.Join(dir, filepath.FromSlash(name)+ext)
			data, err := os.ReadFile(path)
			if err == nil {
				return strings.TrimSpace(string(data)), path, nil
			}
		}
	}
	base := name[strings.LastIndexByte(name, '/')+1:]
	if data, err := builtin.ReadFile("templates/" + base + ".md"); err == nil {
		return strings.TrimSpace(string(data)), Builtin, nil
	}
	return "", "", fmt.Errorf("%w %q; available: %s", ErrUnknownTemplate, name, strings.Join(t.Names(), ", "))
}

// Names lists every template name that Lookup accepts, sorted.
func (t Templates) Names() []string {
	seen := map[string]bool{}
	entries, _ := fs.ReadDir(builtin, "templates")
	for _, e := range entries {
		seen[strings.TrimSuffix(e.Name(), ".md")] = true
	}
	for _, dir := range t.Dirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			ext := filepath.Ext(p)
			if ext != ".md" && ext != ".txt" {
				return nil
			}
			rel, err := filepath.Rel(dir, p)
			if err == nil {
				if n := filepath.ToSlash(strings.TrimSuffix(rel, ext)); nameRe.MatchString(n) {
					seen[n] = true
				}
			}
			return nil
		})
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Description returns the first sentence of a built-in template, for listings.
func Description(text string) string {
	if i := strings.Index(text, ". "); i > 0 {
		return text[:i+1]
	}
	return text
}
