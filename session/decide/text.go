package decide

import "strings"

// Word classes of the small built-in lexicon. A word may carry several.
const (
	wStop    uint8 = 1 << iota // function words: never a term
	wGeneric                   // too vague to identify work ("feature", "implementation")
	wVerb                      // action verbs: they give the phase, not the subject
	wAspect                    // phase/aspect nouns ("tests", "validation"): weak terms
)

var lexicon = map[string]uint8{}

func addWords(m map[string]uint8, flag uint8, words string) {
	for _, w := range strings.Fields(words) {
		m[w] |= flag
	}
}

// phase is a step of the seed's lifecycle cycles:
// implement → enhance → test → document; identify → fix → test → verify;
// analyze → plan → refactor → test.
type phase uint8

const (
	phUnknown phase = iota
	phAnalyze
	phPlan
	phImplement
	phEnhance
	phFix
	phRefactor
	phTest
	phVerify
	phDocument
	phContinue
)

var phaseNames = [...]string{"unclassified", "analyze", "plan", "implement", "enhance", "fix", "refactor", "test", "verify", "document", "continue"}

func (p phase) String() string { return phaseNames[p] }

// follows reports whether a task in phase p is a later step of work that ended in
// phase prev (so the task extends that work).
func (p phase) follows(prev phase) bool {
	switch p {
	case phEnhance, phFix, phRefactor, phTest, phVerify, phDocument, phContinue:
		return true
	case phPlan:
		return prev == phAnalyze
	case phImplement:
		return prev == phAnalyze || prev == phPlan
	}
	return false
}

var (
	leadVerbs   = map[string]phase{} // a task that starts with one of these is in that phase
	carrierVerb = map[string]phase{} // "add", "create": the object decides, else this default
	nounPhase   = map[string]phase{} // object nouns that reveal the phase ("tests", "docs", "fix")
	// priority among object nouns: the first listed phase present wins.
	nounPriority = [...]phase{phTest, phDocument, phFix, phRefactor, phAnalyze, phPlan, phEnhance, phImplement}
	synonyms     = map[string][]string{} // word → other spellings of the same thing (stems)
)

func init() {
	addWords(lexicon, wStop, `a an the and or but nor for to of in on at by with without from into onto as is are be been
		being was were it its this that these those there here then than so if else when while all any each every some
		more most no not only own such too very can will just should would could may might must shall do does did done
		have has had i we you he she they me us our your my their them what which who whom how why where up down out
		over under again also via per about after before between both during through please etc eg ie let lets now
		next one two three based using use used well like want need needs needed make sure`)
	addWords(lexicon, wGeneric, `feature features module modules system systems logic code implementation implementations
		functionality function functions basic complete comprehensive full existing previous prior current session
		sessions memory work task tasks approach project projects src lib file files pattern patterns best practice
		practices main new old different other another same robust proper simple initial first second last final
		thing things stuff part parts step steps phase foundation structure codebase repo repository change changes
		flow details case cases edge path paths percent support context result results output version level
		established following follow maintain consistent consistency earlier yesterday today continue continuing
		independent unrelated separate fresh start scratch alternative alternatively way ways everything something
		from scratch idea option options quality good better high low standard standards across entire whole`)
	addWords(lexicon, wVerb, `add adds adding added create creates creating created implement implements implementing
		implemented build builds building built develop developing write writes writing generate generates generating
		make makes making set setup establish introduce integrate integrating execute executes run runs perform apply
		port migrate wire enhance enhancing extend extending improve improving optimize optimise harden augment expand
		refine polish upgrade tune analyze analyse analyzing analysing identify investigate diagnose review audit
		inspect explore examine assess reproduce plan planning design outline propose sketch fix fixes fixing fixed
		repair resolve patch debug correct address refactor refactoring restructure reorganize simplify clean cleanup
		rename extract modularize decouple split test testing verify verifying check confirm ensure document documenting
		describe annotate try trying resume finish combine merge unify keep get put update updates updated modify
		handle allow enable provide include generate produce`)
	addWords(lexicon, wAspect, `test tests testing coverage regression spec specs unit e2e doc docs documentation
		readme docstring docstrings changelog example examples usage validation validations validate error errors
		handling logging security performance bug bugs fix fixes refactoring verification guide`)

	for _, w := range strings.Fields("analyze analyse identify investigate diagnose review audit inspect explore examine assess reproduce trace") {
		leadVerbs[w] = phAnalyze
	}
	for _, w := range strings.Fields("plan design outline propose architect sketch") {
		leadVerbs[w] = phPlan
	}
	for _, w := range strings.Fields("fix repair resolve patch debug correct address hotfix") {
		leadVerbs[w] = phFix
	}
	for _, w := range strings.Fields("refactor restructure reorganize simplify cleanup clean rename extract modularize decouple split") {
		leadVerbs[w] = phRefactor
	}
	for _, w := range strings.Fields("enhance extend improve optimize optimise harden augment expand polish refine secure upgrade tune validate") {
		leadVerbs[w] = phEnhance
	}
	for _, w := range strings.Fields("test cover") {
		leadVerbs[w] = phTest
	}
	for _, w := range strings.Fields("verify check confirm ensure") {
		leadVerbs[w] = phVerify
	}
	for _, w := range strings.Fields("document describe annotate") {
		leadVerbs[w] = phDocument
	}
	for _, w := range strings.Fields("continue resume finish") {
		leadVerbs[w] = phContinue
	}
	for _, w := range strings.Fields("create implement build develop write generate make setup establish scaffold produce port migrate execute apply perform run") {
		carrierVerb[w] = phImplement
	}
	for _, w := range strings.Fields("add introduce integrate wire") {
		carrierVerb[w] = phEnhance
	}
	for _, w := range strings.Fields("test tests testing coverage regression spec specs unittest unittests e2e") {
		nounPhase[w] = phTest
	}
	for _, w := range strings.Fields("doc docs documentation readme docstring docstrings changelog guide") {
		nounPhase[w] = phDocument
	}
	for _, w := range strings.Fields("fix fixes bugfix hotfix") {
		nounPhase[w] = phFix
	}
	for _, w := range strings.Fields("refactoring refactor") {
		nounPhase[w] = phRefactor
	}
	nounPhase["analysis"] = phAnalyze
	nounPhase["plan"] = phPlan
	for _, w := range strings.Fields("validation validations caching logging error errors retry retries pagination enhancement improvement security") {
		nounPhase[w] = phEnhance
	}
	for _, w := range strings.Fields("implementation foundation") {
		nounPhase[w] = phImplement
	}

	for _, group := range []string{
		"auth authentication authenticate authorization authorize authn authz login signin",
		"db database databases schema sql",
		"doc docs documentation document readme",
		"test tests testing spec specs",
		"api endpoint endpoints route routes",
	} {
		ws := strings.Fields(group)
		for _, w := range ws {
			for _, o := range ws {
				if o != w {
					synonyms[w] = append(synonyms[w], stem(o))
				}
			}
		}
	}
}

// Phrases, matched on the lower-cased text with single spaces between words.
var (
	// Words pointing back at earlier work.
	backStrong = []string{"previous", "prior", "from current session", "current session", "from session", "from the session",
		"session memory", "you just", "just created", "just added", "just built", "just implemented", "just wrote",
		"continue", "continuing", "resume", "earlier", "yesterday", "last time", "left off", "pick up", "picking up",
		"so far", "we built", "we created", "we added", "from previous work", "carry on", "keep working"}
	backWeak = []string{"existing", "established", "same feature", "same module", "same endpoint", "the fix", "tests for",
		"following", "consistent with", "already", "as before", "again"}
	// Words that explicitly continue earlier work, which lets memory from other conversations count.
	crossConv = []string{"continue", "continuing", "resume", "pick up", "picking up", "left off", "yesterday", "last week",
		"last night", "last time", "earlier today", "other day", "this morning", "days ago", "previous session",
		"previous conversation", "earlier session", "before the restart", "carry on", "keep working"}
	freshWords = []string{"fresh start", "start fresh", "from scratch", "start over", "clean slate", "new session",
		"fresh session", "fresh context", "without previous context", "ignore previous"}
	unrelatedWords = []string{"unrelated", "new independent", "independent task", "independent feature", "separate task",
		"different feature", "different module", "different area", "not related"}
	altWords = []string{"alternative approach", "alternative implementation", "an alternative", "try approach",
		"try another", "try a different", "different approach", "another approach", "other approach", "alternatively",
		"experiment with"}
	mergeWords   = []string{"integrate", "integrating", "integration", "combine", "combining", "merge", "merging", "unify", "wire together", "tie together", "bring together"}
	enhanceWords = []string{"enhance", "enhancement", "extend", "improve", "improvement", "optimize", "harden", "augment",
		"expand", "refine", "polish", "build on", "on top of", "continue", "finish"}
	// "that schema", "those changes": a demonstrative before one of these points back.
	artifactNouns = map[string]bool{"schema": true, "table": true, "tables": true, "endpoint": true, "endpoints": true,
		"api": true, "module": true, "feature": true, "function": true, "code": true, "fix": true, "change": true,
		"changes": true, "implementation": true, "component": true, "components": true, "service": true, "class": true,
		"file": true, "files": true, "model": true, "migration": true, "bug": true, "work": true, "design": true,
		"middleware": true, "handler": true, "page": true, "query": true}
)

var wordByte [256]bool

func init() {
	for c := 0; c < 256; c++ {
		wordByte[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
	}
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// token is one word of the caller's text.
type token struct {
	low   string // lower case
	stem  string
	ident bool // a single upper-case letter used as a name ("component A")
}

// tokenize splits text into words. A single letter is kept only when it is a name:
// upper case and not the first word, or any letter of a path component.
func tokenize(s string, path bool) []token {
	var out []token
	i, n, idx := 0, len(s), 0
	for i < n {
		if !wordByte[s[i]] {
			i++
			continue
		}
		st := i
		for i < n && wordByte[s[i]] {
			i++
		}
		w := s[st:i]
		wi := idx
		idx++
		if len(w) == 1 {
			l := strings.ToLower(w)
			ident := w != "I" && (path || wi > 0 && w[0] >= 'A' && w[0] <= 'Z')
			out = append(out, token{low: l, stem: l, ident: ident})
			continue
		}
		l := strings.ToLower(w)
		out = append(out, token{low: l, stem: stem(l)})
	}
	return out
}

// norm gives " word word word " for phrase matching.
func norm(toks []token) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, t := range toks {
		b.WriteString(t.low)
		b.WriteByte(' ')
	}
	return b.String()
}

// findPhrases returns the phrases of list present in normalized text.
func findPhrases(text string, list []string) []string {
	var out []string
	for _, p := range list {
		if strings.Contains(text, " "+p+" ") {
			out = append(out, p)
		}
	}
	return out
}

// detectPhase reads the lifecycle phase of a task from its words: a leading verb
// ("Analyze", "Verify") decides; after a carrier verb ("Add", "Generate", "Implement")
// the object decides ("Add regression tests" → test, "Implement fix" → fix), else
// the carrier's default ("Add …" → enhance, "Create …" → implement).
func detectPhase(toks []token) phase {
	i := 0
	for i < len(toks) && lexicon[toks[i].low]&wStop != 0 {
		i++
	}
	if i == len(toks) {
		return phUnknown
	}
	first := toks[i].low
	if p, ok := leadVerbs[first]; ok {
		return p
	}
	def, carrier := carrierVerb[first]
	start := i
	if carrier {
		start = i + 1
	}
	var seen [phContinue + 1]bool
	for _, t := range toks[start:] {
		if p, ok := nounPhase[t.low]; ok {
			seen[p] = true
		}
	}
	for _, p := range nounPriority {
		if seen[p] {
			if p == phImplement && def == phEnhance {
				return def
			}
			return p
		}
	}
	return def
}

// demonstratives finds "that schema", "those changes" and the like.
func demonstratives(toks []token) []string {
	var out []string
	for i := 0; i+1 < len(toks); i++ {
		switch toks[i].low {
		case "that", "those", "these", "this":
			if artifactNouns[toks[i+1].low] {
				out = append(out, toks[i].low+" "+toks[i+1].low)
			}
		}
	}
	return out
}
