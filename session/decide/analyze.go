package decide

import (
	"slices"
	"strings"
)

// maxTerms bounds the words of the task that are matched against memory (a bit each).
const maxTerms = 64

// term is a word of the task that can identify earlier work.
type term struct {
	word   string // as written, lower case (for evidence)
	weight float64
	aspect bool // "tests", "validation": says what kind of work, not what it is about
}

// form is one spelling a term is matched under (its stem, or a synonym's).
type form struct {
	s   string
	id  uint8
	syn bool // a synonym's stem, not the word's own
}

type taskArea struct {
	v    vpath
	text string // the pattern as written
}

// analysis is everything Decide needs from the task, computed once.
type analysis struct {
	dir      string
	root     string // the project root ("" when unknown)
	atRoot   bool   // dir is the project root: it names no module
	rootBase string // the root's folder name: in the project's paths ("lib/hub/…") a namespace, not a subject
	rootStem string // its stem
	patterns []pattern
	areas    []taskArea // the task's @{} patterns as paths (under dir when it is known)
	label    string
	labelSrc labelSource
	hasArea  bool // a directory, a pattern or the caller's feature names the area

	terms  []term
	forms  []form
	subj   uint64 // term ids that are not aspects
	inTask uint64 // term ids that occur in the task itself
	// occ: the task's words in order, for reading noun phrases ("the dbt_snapshots DAG")
	occ []occurrence
	// qualifier: task terms that qualify an aspect ("API" documentation) or are
	// placeholders ("X"): not a subject of their own
	qualifier uint64
	filter    [64]uint64

	phase   phase
	phaseOf string

	back, weak, cross, fresh, unrelated, alt, merge, enhance []string
	latest                                                   []string // points at the latest work of this conversation
	insteadOf                                                []string // Y of "instead of Y": an alternative if Y is the earlier work
	bareInstead                                              bool     // "use a queue instead": replaces the earlier work
	problem                                                  []string // reports a defect in existing work ("why is the sitemap empty?", a stack trace)
	joined                                                   bool     // the task joins named things: a join word or preposition between them
	both                                                     bool     // "the two charts", "both screens"
	relationContinues                                        bool     // the caller's relation says the task continues earlier work
}

func fkey(b0, b1 byte) uint { return (uint(b0)*131 + uint(b1)) & 4095 }

func analyzeInput(in *Input) *analysis {
	useLexicon()
	a := &analysis{dir: cleanDir(in.Directory), root: cleanDir(in.ProjectRoot)}
	a.atRoot = a.dir != "" && rootish(a.dir, a.root)
	a.relationContinues = in.Relation == RelationExtends || in.Relation == RelationNeedsContext
	task := tokenize(in.Task, false)
	purpose := tokenize(in.Purpose, false)
	ctx := tokenize(in.Context, false)
	exp := tokenize(in.Expected, false)

	a.patterns = parsePatterns(in.Context)
	// Files the task names ("lib/ingest/producer.ex:42" in a pasted trace, `src/a.go`)
	// say where the work is, like patterns.
	for _, f := range namedFiles(in.Task + "\n" + in.Purpose) {
		a.patterns = append(a.patterns, pattern{text: f, prefix: staticPrefix(f), comps: lowerComps(staticPrefix(f))})
	}
	for _, p := range a.patterns {
		if p.prefix != "" {
			a.areas = append(a.areas, taskArea{vpath{a.dir, p.prefix}, p.text})
		}
	}
	if f := strings.TrimSpace(in.Feature); f != "" {
		a.label, a.labelSrc = strings.ToLower(f), srcExplicit
	} else if f := dirFeature(a.dir); f != "" && !a.atRoot {
		a.label, a.labelSrc = f, srcDir
	} else {
		for _, p := range a.patterns {
			if f := compsFeature(p.comps); f != "" {
				a.label, a.labelSrc = f, srcPattern
				break
			}
		}
		if a.label == "" {
			if f := taskFeature(task); f != "" {
				a.label, a.labelSrc = f, srcTask
			}
		}
	}
	// The project root is where the work is, not what module: at the root only
	// patterns, files, a label or the subject say which module a task is in.
	a.hasArea = a.dir != "" && !a.atRoot || len(a.areas) > 0 || a.labelSrc == srcExplicit

	a.phase, a.phaseOf = detectPhase(task), "task"
	if a.root != "" {
		a.rootBase = a.root[strings.LastIndexByte(a.root, '/')+1:]
		a.rootStem = stem(strings.ToLower(a.rootBase))
	}
	if a.phase == phUnknown {
		a.phase, a.phaseOf = detectPhase(purpose), "purpose"
	}

	// The task's own subject is in its first clause that names anything ("Hi there, I
	// hope you are well! I wanted to follow up on the webhook handler" is about the
	// handler).
	// A first clause that gives an instruction ("Plan the refactor.") is the task's,
	// subject or not.
	subjClause := 0
	for _, t := range task {
		if leadVerbs[t.low] != phUnknown || carrierVerb[t.low] != phUnknown {
			break
		}
		if isTermWord(t) && lexicon[t.low]&wAspect == 0 {
			subjClause = t.clause
			break
		}
	}
	ids := map[string]uint8{}
	add := func(toks []token, weight float64) {
		isTask := weight == weights.TermTask
		first := true // before the first content word
		before := -1  // the term right before this word in the task, or -1
		fresh := false
		for i, t := range toks {
			lead := first
			// as detectPhase reads it: "Right, plan the refactor" leads with "plan"
			if lexicon[t.low]&wStop == 0 && !(lexicon[t.low]&wGeneric != 0 && i+1 < len(toks) && toks[i+1].gap) {
				first = false
			}
			if isTask && t.gap {
				before = -1 // "on macOS, hotkeys …": no modifier across punctuation
			}
			if !isTermWord(t) && (lead || !nounToo[t.low]) {
				if isTask {
					before, fresh = -1, newInstance[t.low]
				}
				continue
			}
			// An aspect noun leading the task is what it is about ("The validation
			// errors should name the row"), not the kind of work ("Add validation").
			aspect := lexicon[t.low]&wAspect != 0 && !(isTask && lead && i+1 < len(toks) &&
				toks[i+1].clause == t.clause && lexicon[toks[i+1].low]&wStop == 0)
			// "API documentation", "integration tests", "component B": a word that
			// qualifies an aspect, or a one-letter placeholder, does not give the task
			// a subject of its own that would unbind a lifecycle follow-up.
			// Only the task's first clause says what it is about: "Plan the refactor. Small
			// steps" is about the refactor.
			qualifies := isTask && !aspect && (t.ident || t.clause != subjClause || i+1 < len(toks) && lexicon[toks[i+1].low]&wAspect != 0)
			w := weight
			if aspect {
				w *= weights.AspectFactor
			}
			if id, ok := ids[t.stem]; ok {
				a.terms[id].weight = max(a.terms[id].weight, w)
				if isTask {
					a.inTask |= 1 << id
					if before >= 0 && len(a.occ) > 0 {
						a.occ[len(a.occ)-1].modifies = true
					}
					a.occ = append(a.occ, occurrence{id: int8(id), before: int8(before), fresh: fresh})
					before, fresh = int(id), false
				}
				if qualifies {
					a.qualifier |= 1 << id
				}
				continue
			}
			if len(a.terms) == maxTerms {
				return
			}
			id := uint8(len(a.terms))
			ids[t.stem] = id
			a.terms = append(a.terms, term{word: t.low, weight: w, aspect: aspect})
			if !aspect {
				a.subj |= 1 << id
			}
			if isTask {
				a.inTask |= 1 << id
				if len(a.occ) < maxOccurrences {
					if before >= 0 && len(a.occ) > 0 {
						a.occ[len(a.occ)-1].modifies = true
					}
					a.occ = append(a.occ, occurrence{id: int8(id), before: int8(before), fresh: fresh})
				}
				before, fresh = int(id), false
			}
			if qualifies {
				a.qualifier |= 1 << id
			}
			a.addForm(t.stem, id, false)
			syn := synonyms[t.low]
			if syn == nil {
				syn = synonyms[t.stem]
			}
			for _, s := range syn {
				a.addForm(s, id, true)
			}
		}
	}
	add(task, weights.TermTask)
	add(purpose, weights.TermPurpose)
	add(ctx, weights.TermContext)
	add(exp, weights.TermExpected)
	// The project's own name written in the task ("Hub.CurrencyConverter" in the hub
	// repository, "pg_vecx.log_level" in pg_vecx) and folders of paths that only say
	// where code lives ("packages/web") are where the work is, not what it is about.
	var notSubject []string
	if a.rootBase != "" && codeName(strings.ToLower(in.Task+" "+in.Purpose), strings.ToLower(a.rootBase)) {
		for _, t := range tokenize(a.rootBase, true) {
			notSubject = append(notSubject, t.stem)
		}
	}
	for _, f := range strings.Fields(in.Task + " " + in.Purpose) {
		if strings.ContainsRune(f, '/') {
			for _, c := range splitPath(f) {
				if structuralDirs[strings.ToLower(c)] {
					notSubject = append(notSubject, stem(strings.ToLower(c)))
				}
			}
		}
	}
	for _, st := range notSubject {
		if id, ok := ids[st]; ok {
			a.subj &^= 1 << id
		}
	}

	all := norm(task) + norm(purpose) + norm(ctx) + norm(exp)
	taskPurpose := norm(task) + norm(purpose)
	a.back = findPhrases(all, backStrong)
	a.weak = findPhrases(all, backWeak)
	for _, toks := range [][]token{task, purpose, ctx} {
		a.weak = append(a.weak, demonstratives(toks)...)
		a.back = append(a.back, pastReferences(toks)...)
	}
	// Time words and "we worked on" place the work in the past: they point back, and
	// let other conversations' sessions count.
	a.cross = append(findPhrases(all, timeWords), findPhrases(all, resumeWords)...)
	for _, p := range a.back {
		if !slices.Contains(a.cross, p) && (strings.HasPrefix(p, "we ") || strings.HasPrefix(p, "you ")) {
			a.cross = append(a.cross, p)
		}
	}
	for _, p := range findPhrases(all, timeWords) {
		if !slices.Contains(a.back, p) {
			a.back = append(a.back, p)
		}
	}
	a.fresh = findPhrases(all, freshWords)
	a.unrelated = findPhrases(all, unrelatedWords)
	a.alt = findPhrases(all, altWords)
	a.insteadOf, a.bareInstead = insteadObjects(task)
	if a.bareInstead {
		a.alt = append(a.alt, lex.Instead)
	}
	for _, toks := range [][]token{task, purpose} {
		for _, p := range otherApproach(toks) {
			if !slices.Contains(a.alt, p) {
				a.alt = append(a.alt, p)
			}
		}
	}
	a.problem = findPhrases(all, problemWords)
	if topicFirst(task) {
		a.weak = append(a.weak, "the "+task[1].low+" …:") // "The WebUSB flasher: show a progress bar"
	}
	a.latest = latestReferences(task, all)
	if len(a.latest) == 0 {
		a.latest = latestReferences(purpose, all)
	}
	a.merge = findPhrases(taskPurpose, mergeWords)
	// the first clause, or the one after a one-word heading ("Reconcile: join …")
	joinClause := 0
	if len(task) > 1 && task[1].clause == 1 {
		joinClause = 1
	}
	for _, t := range task {
		if t.clause <= joinClause && joinWords[t.low] {
			a.joined = true
		}
		if bothWords[t.low] {
			a.both = true
		}
	}
	a.enhance = findPhrases(taskPurpose, enhanceWords)
	return a
}

// namesSubject: the task itself (not its context) names what it is about.
func (a *analysis) namesSubject() bool { return a.subj&a.inTask != 0 }

// ownSubject: the task's own subject words, qualifiers of aspects and placeholders left out.
func (a *analysis) ownSubject() uint64 { return a.subj & a.inTask &^ a.qualifier }

func (a *analysis) addForm(s string, id uint8, syn bool) {
	if s == "" {
		return
	}
	for _, f := range a.forms {
		if f.s == s && f.id == id {
			return
		}
	}
	a.forms = append(a.forms, form{s: s, id: id, syn: syn})
	var b1 byte
	if len(s) > 1 {
		b1 = s[1]
	}
	k := fkey(s[0], b1)
	a.filter[k>>6] |= 1 << (k & 63)
}

// match returns the bit set of task terms found in s. It does not allocate: it runs
// over the text of every session in the pool. path: s is a directory or label, where
// a single letter is a name ("feature-a").
func (a *analysis) match(s string, path bool) uint64 { return a.matchIn(s, path, false) }

// matchExact is match without synonyms: the task's own words.
func (a *analysis) matchExact(s string, path bool) uint64 { return a.matchIn(s, path, true) }

func (a *analysis) matchIn(s string, path, exact bool) uint64 {
	var mask uint64
	var buf [48]byte
	i, n, idx := 0, len(s), 0
	for i < n {
		if !wordByte[s[i]] {
			i++
			continue
		}
		st := i
		for i < n && wordByte[s[i]] && !camelBreak(s, st, i) {
			i++
		}
		w := s[st:i]
		wi := idx
		idx++
		l := len(w)
		if l > len(buf) {
			continue
		}
		b0 := lower(w[0])
		var b1 byte
		if l > 1 {
			b1 = lower(w[1])
		}
		k := fkey(b0, b1)
		if a.filter[k>>6]&(1<<(k&63)) == 0 {
			continue
		}
		if l == 1 && !path && (wi == 0 || w[0] < 'A' || w[0] > 'Z' || w[0] == 'I') {
			continue
		}
		for j := 0; j < l; j++ {
			buf[j] = lower(w[j])
		}
		st2 := stemBytes(buf[:l])
		for _, f := range a.forms {
			if mask&(1<<f.id) == 0 && f.s == st2 && !(exact && f.syn) {
				mask |= 1 << f.id
			}
		}
	}
	return mask
}

// matchDir matches the words of a path; below the project root only, since every
// session of the project shares the root's name.
//
// The part of the path the task's own directory shares is where both work, not what
// either is about ("/home/joe/src/hub" names the repository, not a subject).
func (a *analysis) matchDir(p string) uint64 {
	for _, base := range [...]string{a.root, a.dir} {
		if base != "" && len(p) >= len(base) && p[:len(base)] == base && (len(p) == len(base) || p[len(base)] == '/') {
			p = p[len(base):]
		}
	}
	if a.rootBase != "" && strings.Contains(p, a.rootBase) {
		var kept []string
		for _, c := range splitPath(p) {
			if !strings.EqualFold(c, a.rootBase) {
				kept = append(kept, c)
			}
		}
		p = strings.Join(kept, "/")
	}
	return a.match(p, true)
}

// matchFile matches a changed file's folders and its name without the extension; a
// name every module has ("values.yaml", "index.ts", "README.md") says nothing.
func (a *analysis) matchFile(f string) uint64 {
	dir, base := "", f
	if i := strings.LastIndexAny(f, "/\\"); i >= 0 {
		dir, base = f[:i], f[i+1:]
	}
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	m := a.matchDir(dir)
	if !commonFile[strings.ToLower(base)] {
		m |= a.match(base, true)
	}
	return m
}

// words lists the task words in mask, for evidence.
func (a *analysis) words(mask uint64) []string {
	var out []string
	for id := range a.terms {
		if mask&(1<<id) != 0 {
			out = append(out, a.terms[id].word)
		}
	}
	return out
}

// rootish: dir is the project root, or a folder under it that only says where code
// lives ("/repo/src", "/repo/packages"): it names no module.
func rootish(dir, root string) bool {
	if root == "" || dir == "" {
		return false
	}
	if dir == root {
		return true
	}
	if len(dir) <= len(root) || dir[:len(root)] != root || dir[len(root)] != '/' {
		return false
	}
	for _, c := range splitPath(dir[len(root):]) {
		if !structuralDirs[strings.ToLower(c)] {
			return false
		}
	}
	return true
}

func lowerComps(p string) []string {
	var out []string
	for _, c := range splitPath(p) {
		out = append(out, strings.ToLower(c))
	}
	return out
}

// occurrence is one subject word of the task where it stands: the term, the term right
// before it (its modifier, -1 when a function word comes first), and whether "new" or
// "another" introduces it ("a new DAG": another instance of a kind).
type occurrence struct {
	id, before int8
	fresh      bool
	modifies   bool // a subject word follows it directly: "customer" in "customer rows"
}

const maxOccurrences = 128

// named returns the words of mask (subject words a session shares) that name the same
// thing in the task: not a head whose modifier the session does not share ("the
// dbt_snapshots DAG" after "the ingest_orders DAG" shares only the kind), not a new
// instance ("a new DAG").
//
// A head counts as a kind only when the session, too, names it with a modifier the task
// does not share ("the ingest_orders DAG"); "devices sync" after "offline sync" is the
// sync, said differently, only if the session's "sync" has no modifier of its own.
// sessionText is the session's task(s), read only when the rule could drop a word.
func (a *analysis) named(mask uint64, sessionText func() string) uint64 {
	var out, headed, modifier uint64
	for _, o := range a.occ {
		bit := uint64(1) << uint(o.id)
		if mask&bit == 0 {
			continue
		}
		switch {
		case o.fresh:
		case o.before < 0 || mask&(1<<uint(o.before)) != 0 || a.subj&(1<<uint(o.before)) == 0:
			out |= bit
		default:
			headed |= bit
			if o.modifies {
				modifier |= bit
			}
		}
	}
	if headed &^= out; headed != 0 && sessionText != nil {
		pre, post := a.modifiedIn(sessionText(), mask)
		// a word that modifies something on both sides ("repeated customer rows",
		// "customer records") names the same kind of thing; a head named differently on
		// both sides ("release notes", "notes server") does not
		out |= headed &^ (pre | post&^modifier)
	}
	return out | mask&^a.inTask // words of the purpose or context keep their weight
}

// modifiedIn: the task words that text (a session's task) joins to a content word the
// task does not share: after it, pre ("ingest_orders DAG"), or before it, post ("notes
// server").
func (a *analysis) modifiedIn(text string, shared uint64) (pre, post uint64) {
	toks := tokenize(text, false)
	for i := range toks {
		m := a.match(toks[i].low, toks[i].ident) & shared
		if m == 0 {
			continue
		}
		if i > 0 && !toks[i].gap && isTermWord(toks[i-1]) && a.match(toks[i-1].low, toks[i-1].ident)&shared == 0 {
			pre |= m
		}
		if i+1 < len(toks) && !toks[i+1].gap && isTermWord(toks[i+1]) && a.match(toks[i+1].low, toks[i+1].ident)&shared == 0 {
			post |= m
		}
	}
	return pre, post
}

// codeName: name occurs in s as a whole identifier written as code — a namespace
// ("hub.currencyconverter", "pg_vecx.log_level", "hub::x", "hub/…") or a name that is
// itself an identifier ("pg_vecx") — not as an English word ("it duplicates notes" in
// the notes repository is about notes).
func codeName(s, name string) bool {
	ident := strings.ContainsAny(name, "_-.")
	for off := 0; ; {
		i := strings.Index(s[off:], name)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(name)
		if (i == 0 || !identByte(s[i-1])) && (end == len(s) || !identByte(s[end])) &&
			(ident || end < len(s) && strings.IndexByte(".:/", s[end]) >= 0 && end+1 < len(s) && identByte(s[end+1])) {
			return true
		}
		off = i + 1
	}
}

func identByte(c byte) bool { return wordByte[c] || c == '_' || c == '-' }

// nonKind drops the words of mask that only name a kind of thing ("package", "screen").
func (a *analysis) nonKind(mask uint64) uint64 {
	for id := range a.terms {
		if kindNoun[a.terms[id].word] {
			mask &^= 1 << id
		}
	}
	return mask
}
