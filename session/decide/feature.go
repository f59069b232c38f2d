package decide

import (
	"strings"

	"github.com/codex-mcp/codex-mcp/internal/atpattern"
)

// structuralDirs are path components that say where code lives, not what it is.
var structuralDirs = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`src source sources lib libs pkg pkgs packages internal cmd app apps code main
		modules project projects repo repos repository workspace workspaces work home users usr root tmp var opt mnt
		srv features dev git github . ..`) {
		structuralDirs[w] = true
	}
}

// InferFeature returns a short module/feature label for a task: the directory's
// last meaningful path component ("/repo/src/auth" → "auth"), else the first @{...}
// file pattern in context ("@{src/auth/**/*}" → "auth"), else the task's key nouns
// ("Create user table" → "user-table"). The label is lower case; "" when nothing
// names a module. It is pure and cheap; the server labels runs with it.
func InferFeature(directory, context, task string) string {
	useLexicon()
	f, _ := inferFeature(directory, context, task)
	return f
}

// InferFeatureAt is InferFeature for a directory in the project rooted at root: the
// root, and folders under it that only say where code lives ("/repo/src"), carry the
// repository's name, not a module's, so there the label comes from the patterns or
// the task's words.
func InferFeatureAt(root, directory, context, task string) string {
	if rootish(cleanDir(directory), cleanDir(root)) {
		directory = ""
	}
	return InferFeature(directory, context, task)
}

// Where a feature label came from. Labels from the caller, a directory or a file
// pattern name a module; a label made from the task's nouns is only a guess.
type labelSource uint8

const (
	srcNone labelSource = iota
	srcTask
	srcPattern
	srcDir
	srcExplicit
)

func (s labelSource) String() string {
	return [...]string{"none", "task words", "file pattern", "directory", "caller"}[s]
}

func inferFeature(directory, context, task string) (string, labelSource) {
	if f := dirFeature(directory); f != "" {
		return f, srcDir
	}
	for _, p := range parsePatterns(context) {
		if f := compsFeature(p.comps); f != "" {
			return f, srcPattern
		}
	}
	if f := taskFeature(tokenize(task, false)); f != "" {
		return f, srcTask
	}
	return "", srcNone
}

// splitPath splits on '/' and '\', dropping empty components.
func splitPath(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })
}

func dirFeature(dir string) string {
	return compsFeature(splitPath(dir))
}

// compsFeature: last component that is not structural; a component right under
// home/ or Users/ is a user name, not a feature.
func compsFeature(comps []string) string {
	for i := len(comps) - 1; i >= 0; i-- {
		c := strings.ToLower(comps[i])
		if i > 0 {
			parent := strings.ToLower(comps[i-1])
			if parent == "home" || parent == "users" {
				return ""
			}
		}
		if structuralDirs[c] || strings.HasSuffix(c, ":") {
			continue
		}
		return c
	}
	return ""
}

// taskFeature: the first content word of the task, joined with the next one when
// adjacent ("user table" → "user-table"); synonyms collapse ("authentication" → "auth").
func taskFeature(toks []token) string {
	var parts []string
	first := true
	for _, t := range toks {
		lead := first
		if lexicon[t.low]&wStop == 0 {
			first = false
		}
		if (isTermWord(t) || !lead && nounToo[t.low]) && lexicon[t.low]&wAspect == 0 {
			w := t.low
			if canon := lex.CanonicalOf[w]; canon != "" {
				w = canon
			}
			parts = append(parts, w)
			if len(parts) == 2 {
				break
			}
			continue
		}
		if len(parts) > 0 {
			break
		}
	}
	return strings.Join(parts, "-")
}

// isTermWord: a word that can identify work (not a function word, verb, vague noun or number).
func isTermWord(t token) bool {
	if len(t.low) == 1 {
		return t.ident
	}
	allDigits := true
	for i := 0; i < len(t.low); i++ {
		if t.low[i] < '0' || t.low[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		return false
	}
	f := lexicon[t.low]
	if f&wAspect != 0 {
		return true
	}
	return f&(wStop|wGeneric|wVerb) == 0
}

// pattern is one @{...} file pattern: its static directory prefix.
type pattern struct {
	text   string   // as written
	prefix string   // static directory prefix, as written ("src/auth" of "src/auth/**/*")
	comps  []string // the prefix's components, lower case
}

// parsePatterns reads every @{a,b,...} group in s (the task's context; allocates).
func parsePatterns(s string) []pattern {
	var out []pattern
	it := patternIter{s: s}
	for {
		text, prefix, ok := it.next()
		if !ok {
			return out
		}
		out = append(out, pattern{text: text, prefix: prefix, comps: lowerComps(prefix)})
	}
}

// patternIter walks the patterns of every @{a,b,...} group in s without allocating
// (it runs over sessions' contexts). The syntax is atpattern's, shared with prompts, so
// decide compares the patterns the prompt resolves.
type patternIter struct {
	s       string
	it      atpattern.Iter
	started bool
}

// next returns the next pattern and its static directory prefix: components up to
// the first glob or file name ("src/auth/**/*" → "src/auth").
func (it *patternIter) next() (text, prefix string, ok bool) {
	if !it.started {
		it.it, it.started = atpattern.Scan(it.s), true
	}
	if text, ok = it.it.Next(); !ok {
		return "", "", false
	}
	return text, staticPrefix(text), true
}

func staticPrefix(p string) string {
	if len(p) >= 2 && p[0] == '.' && p[1] == '/' {
		p = p[2:]
	}
	end, start := 0, 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '*', '?', '[', '{':
			return trimSep(p[:end])
		case '/', '\\':
			end, start = i, i+1
		}
	}
	// the last component: a file name keeps its directory
	if strings.IndexByte(p[start:], '.') < 0 {
		end = len(p)
	}
	return trimSep(p[:end])
}

func trimSep(p string) string {
	for len(p) > 0 && (p[len(p)-1] == '/' || p[len(p)-1] == '\\') {
		p = p[:len(p)-1]
	}
	return p
}

// cleanDir lower-cases nothing (paths are case-sensitive) but unifies separators and
// drops a trailing slash.
func cleanDir(d string) string {
	d = strings.TrimSpace(d)
	if strings.IndexByte(d, '\\') >= 0 {
		d = strings.ReplaceAll(d, "\\", "/")
	}
	for len(d) > 1 && d[len(d)-1] == '/' {
		d = d[:len(d)-1]
	}
	return d
}

type dirRel uint8

const (
	relUnknown       dirRel = iota // one side has no directory
	relSame                        // same directory
	relInputInside                 // the task's directory is inside the session's
	relSessionInside               // the session's directory is inside the task's
	relDifferent                   // neither contains the other
	relProject                     // one of them is the project root: the same project, no module in common
)

// relate compares the task's directory with a session's (both cleaned). It does not
// allocate: it runs once per session.
func relate(in, s string) dirRel {
	if in == "" || s == "" {
		return relUnknown
	}
	if len(s) > 1 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	if in == s {
		return relSame
	}
	if len(in) > len(s) && in[len(s)] == '/' && in[:len(s)] == s {
		return relInputInside
	}
	if len(s) > len(in) && s[len(in)] == '/' && s[:len(in)] == in {
		return relSessionInside
	}
	return relDifferent
}

// vpath is dir + "/" + rel without building the string (either part may be "").
type vpath struct{ dir, rel string }

func (v vpath) n() int {
	switch {
	case v.dir == "":
		return len(v.rel)
	case v.rel == "":
		return len(v.dir)
	}
	return len(v.dir) + 1 + len(v.rel)
}

func (v vpath) at(i int) byte {
	switch {
	case v.dir == "":
		return v.rel[i]
	case i < len(v.dir):
		return v.dir[i]
	case i == len(v.dir):
		return '/'
	}
	return v.rel[i-len(v.dir)-1]
}

func (v vpath) last() string {
	if v.rel != "" {
		return v.rel
	}
	return v.dir
}

// within: x is y or below it.
func within(x, y vpath) bool {
	nx, ny := x.n(), y.n()
	if ny == 0 || nx < ny || nx > ny && x.at(ny) != '/' {
		return false
	}
	if x.rel == "" && y.rel == "" {
		return x.dir[:ny] == y.dir
	}
	for i := 0; i < ny; i++ {
		if x.at(i) != y.at(i) {
			return false
		}
	}
	return true
}

// overlap: one contains the other and the smaller names something (not just "src").
func overlap(x, y vpath) bool {
	switch {
	case within(x, y):
		return meaningful(y.last())
	case within(y, x):
		return meaningful(x.last())
	}
	return false
}

func meaningful(area string) bool {
	last := area
	if i := strings.LastIndexByte(area, '/'); i >= 0 {
		last = area[i+1:]
	}
	return last != "" && !structuralDirs[strings.ToLower(last)]
}
