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

// camelBreak: s[i] starts a new word of an identifier ("PaymentIntent", "findByEmail"),
// so that it matches the same words written apart ("payment intent").
func camelBreak(s string, st, i int) bool {
	return i > st && s[i] >= 'A' && s[i] <= 'Z' && s[i-1] >= 'a' && s[i-1] <= 'z'
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// token is one word of the caller's text.
type token struct {
	low    string // lower case
	stem   string
	ident  bool // a single upper-case letter used as a name ("component A")
	clause int  // sentence or clause number: '.', '?', '!', ':', ';' and newlines end one
	gap    bool // punctuation (not just space) stands between it and the word before
}

// tokenize splits text into words. A single letter is kept only when it is a name:
// upper case and not the first word, or any letter of a path component.
func tokenize(s string, path bool) []token {
	useLexicon()
	var out []token
	i, n, idx, clause := 0, len(s), 0, 0
	gap := false
	for i < n {
		if !wordByte[s[i]] {
			if s[i] != ' ' {
				gap = true
			}
			if s[i] == '-' && i > 0 && s[i-1] == ' ' && i+1 < n && s[i+1] == ' ' {
				// "Verify the fix - any other place …": a spaced dash ends a clause
				if len(out) > 0 && out[len(out)-1].clause == clause {
					clause++
				}
			}
			switch s[i] {
			case '.', '?', '!', ':', ';', '\n':
				// "v1.2", "src/a.go": a dot inside a word does not end a clause
				if s[i] != '.' || i+1 == n || !wordByte[s[i+1]] {
					if len(out) > 0 && out[len(out)-1].clause == clause {
						clause++
					}
				}
			}
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
		if len(w) == 1 {
			l := strings.ToLower(w)
			ident := w != "I" && (path || wi > 0 && w[0] >= 'A' && w[0] <= 'Z')
			out = append(out, token{low: l, stem: l, ident: ident, clause: clause, gap: gap})
			gap = false
			continue
		}
		l := strings.ToLower(w)
		out = append(out, token{low: l, stem: stem(l), clause: clause, gap: gap})
		gap = false
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
	// "Right, plan the refactor", "OK so now test it": the interjection before the verb
	// is not the task
	for i < len(toks) && (lexicon[toks[i].low]&wStop != 0 || lexicon[toks[i].low]&wGeneric != 0 && i+1 < len(toks) && toks[i+1].gap) {
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
		switch {
		case demonstrative[toks[i].low]:
			if artifactNoun[toks[i+1].low] {
				out = append(out, toks[i].low+" "+toks[i+1].low)
			}
		case topicWord[toks[i].low]: // "the", "our"
			// "the X work", "the X Y changes": a named piece of earlier work
			for j := i + 2; j < len(toks) && j <= i+4; j++ {
				if w := toks[j].low; pieceNoun[w] {
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

// pastReferences finds "we worked on", "you built", "I just added", "what we make
// before": earlier work by the people in this conversation.
func pastReferences(toks []token) []string {
	var out []string
	for i := 0; i+1 < len(toks); i++ {
		if !weWords[toks[i].low] || i > 0 && notWe[toks[i-1].low] {
			continue
		}
		j := i + 1
		for j < len(toks)-1 && weFiller[toks[j].low] {
			j++
		}
		w := toks[j].low
		switch {
		case pastVerbs[w] || len(w) > 4 && strings.HasSuffix(w, "ed") && lexicon[w]&wStop == 0:
			out = append(out, toks[i].low+" "+w)
		case j+1 < len(toks) && pastMarker[toks[j+1].low]:
			out = append(out, toks[i].low+" "+w+" "+toks[j+1].low)
		}
	}
	return out
}

// latestReferences finds words that point at the work just done in this conversation:
// "you just", "your fix", and "it"/"them" as the object of the task ("test it",
// "a changelog entry for it"), not a dummy subject ("is it possible").
func latestReferences(toks []token, all string) []string {
	out := findPhrases(all, latestWords)
	named := false // the task named a thing before the pronoun: that is what it stands for
	for i, t := range toks {
		if pronounToo[t.low] && !named && i > 0 && toks[i-1].clause == t.clause &&
			(pronounAfter[toks[i-1].low] || leadVerbs[toks[i-1].low] != phUnknown) &&
			(i+1 == len(toks) || toks[i+1].clause != t.clause || lexicon[toks[i+1].low]&wStop != 0) {
			out = append(out, toks[i-1].low+" "+t.low) // "build on that and …", "fix this"
			continue
		}
		if !pronoun[t.low] {
			if isTermWord(t) && lexicon[t.low]&wAspect == 0 {
				named = true
			}
			continue
		}
		if named {
			continue
		}
		if i == 0 || toks[i-1].clause != t.clause {
			continue // "It …" opens a clause: a subject
		}
		prev := toks[i-1].low
		if dummyNext[prev] {
			continue // "is it …"
		}
		if i+1 < len(toks) && toks[i+1].clause == t.clause && dummyNext[toks[i+1].low] {
			continue // "it is …", "it seems …"
		}
		out = append(out, prev+" "+t.low)
	}
	return out
}

// otherApproach finds "a different design", "another caching strategy": another way of
// doing the work (Session Branch), by structure rather than fixed phrases.
func otherApproach(toks []token) []string {
	var out []string
	for i, t := range toks {
		if !otherWords[t.low] {
			continue
		}
		for j := i + 1; j < len(toks) && j <= i+2 && toks[j].clause == t.clause; j++ {
			if approachNouns[toks[j].low] {
				out = append(out, strings.Join(lows(toks[i:j+1]), " "))
				break
			}
		}
	}
	return out
}

func lows(toks []token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.low
	}
	return out
}

// insteadObjects reads "instead of Y" / "rather than Y" (lex.InsteadOf) in the task:
// the first word of each Y; and whether a bare "instead" (lex.Instead, not followed by
// the rest of an InsteadOf phrase) replaces the earlier work.
func insteadObjects(toks []token) (objects []string, bare bool) {
	for i := 0; i < len(toks); i++ {
		n := 0
		for _, p := range insteadOfWords {
			if ws := strings.Fields(p); phraseAt(toks, i, ws) {
				n = len(ws)
				break
			}
		}
		if n == 0 {
			if insteadWords[toks[i].low] {
				bare = true
			}
			continue
		}
		for j := i + n; j < len(toks) && toks[j].clause == toks[i].clause; j++ {
			if lexicon[toks[j].low]&wStop == 0 {
				objects = append(objects, toks[j].low)
				break
			}
		}
		i += n - 1
	}
	return objects, bare
}

// phraseAt: the words ws start at toks[i], within one clause.
func phraseAt(toks []token, i int, ws []string) bool {
	if i+len(ws) > len(toks) {
		return false
	}
	for k, w := range ws {
		if toks[i+k].low != w || toks[i+k].clause != toks[i].clause {
			return false
		}
	}
	return true
}

// namedFiles finds file paths written in the text: a word with a '/' whose last part
// has an extension ("lib/ingest/producer.ex:42:", "`src/auth/jwt.go`"), line numbers
// and quotes trimmed. At most maxNamedFiles.
func namedFiles(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '`' || r == '"' || r == '\'' || r == '(' || r == ')' || r == ','
	}) {
		for len(f) > 0 && (f[len(f)-1] == ':' || f[len(f)-1] == '.' || f[len(f)-1] >= '0' && f[len(f)-1] <= '9' && strings.Contains(f, ":")) {
			if i := strings.LastIndexByte(f, ':'); i >= 0 && f[len(f)-1] != ':' {
				f = f[:i]
				continue
			}
			f = f[:len(f)-1]
		}
		f = strings.TrimPrefix(f, "./")
		if strings.Contains(f, "@{") || strings.Contains(f, "://") || !strings.Contains(f, "/") || strings.HasPrefix(f, "/") {
			continue
		}
		last := f[strings.LastIndexByte(f, '/')+1:]
		if dot := strings.LastIndexByte(last, '.'); dot <= 0 || dot == len(last)-1 {
			continue
		}
		if out = append(out, f); len(out) == maxNamedFiles {
			break
		}
	}
	return out
}

const maxNamedFiles = 8

// topicFirst: the task opens with the thing it is about, then a colon ("The WebUSB
// flasher: show a progress bar"): a definite reference to something that exists.
func topicFirst(toks []token) bool {
	if len(toks) < 3 || !topicWord[toks[0].low] || toks[0].clause != 0 {
		return false
	}
	n := 0
	for _, t := range toks[1:] {
		if t.clause != 0 {
			return n > 0 && n <= 4
		}
		if leadVerbs[t.low] != phUnknown || carrierVerb[t.low] != phUnknown || lexicon[t.low]&(wStop|wVerb) != 0 {
			return false
		}
		n++
	}
	return false
}
