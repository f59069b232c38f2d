package decide

import "strings"

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
	for _, p := range lex.ObjectOrder {
		if seen[p] {
			if p == phImplement && def == phEnhance {
				return def
			}
			return p
		}
	}
	return def
}

// demonstratives finds "that schema", "those changes" and "the geocoding work".
func demonstratives(toks []token) []string {
	var out []string
	for i := 0; i+1 < len(toks); i++ {
		switch toks[i].low {
		case "that", "those", "these", "this":
			if artifactNoun[toks[i+1].low] {
				out = append(out, toks[i].low+" "+toks[i+1].low)
			}
		case "the":
			// "the X work", "the X Y changes": a named piece of earlier work
			for j := i + 2; j < len(toks) && j <= i+4; j++ {
				if w := toks[j].low; w == "work" || w == "stuff" || w == "changes" {
					out = append(out, "the "+toks[j-1].low+" "+w)
					break
				}
				if lexicon[toks[j].low]&wStop != 0 {
					break
				}
			}
		}
	}
	return out
}

// pastReferences finds "we worked on", "you built", "I just added": earlier work by the
// people in this conversation.
func pastReferences(toks []token) []string {
	var out []string
	for i := 0; i+1 < len(toks); i++ {
		if !weWords[toks[i].low] || i > 0 && toks[i-1].low == "will" {
			continue
		}
		j := i + 1
		for j < len(toks)-1 && (toks[j].low == "just" || toks[j].low == "already" || toks[j].low == "have" || toks[j].low == "had") {
			j++
		}
		if pastVerbs[toks[j].low] {
			out = append(out, toks[i].low+" "+toks[j].low)
		}
	}
	return out
}
