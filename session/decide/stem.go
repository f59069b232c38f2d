package decide

import (
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
)

// Words are compared by their Snowball (Porter2) stems, whole: "caching" and "cache"
// are one word, "auth" and "author" are not. A shared prefix is never a match.
//
// Stemming is the costly part of reading memory, and a project's vocabulary is small,
// so stems are kept in one process-wide table; past stemCacheMax words, new ones are
// stemmed each time rather than stored.
const stemCacheMax = 1 << 16

var stems = struct {
	sync.RWMutex
	m map[string]string
}{m: make(map[string]string, 1024)}

// stem returns the stem of a lower-case word.
func stem(w string) string {
	stems.RLock()
	s, ok := stems.m[w]
	stems.RUnlock()
	if ok {
		return s
	}
	return stemNew(w)
}

// stemBytes is stem for a lower-case word in a scratch buffer; it allocates only the
// first time a word is seen.
func stemBytes(b []byte) string {
	stems.RLock()
	s, ok := stems.m[string(b)] // no allocation: the compiler looks up without a copy
	stems.RUnlock()
	if ok {
		return s
	}
	return stemNew(string(b))
}

func stemNew(w string) string {
	s := w
	if len(w) > 2 {
		s = english.Stem(american(w), true)
		// Porter2 keeps verbs in -ify apart from their nouns in -ification
		// ("notifi" / "notif"): one word for matching.
		if len(s) > 4 && strings.HasSuffix(s, "ifi") {
			s = s[:len(s)-1]
		}
	}
	stems.Lock()
	if len(stems.m) < stemCacheMax {
		stems.m[w] = s
	}
	stems.Unlock()
	return s
}

// american spells a word the American way before stemming, so that "optimise" and
// "optimize", "colour" and "color" are one word. Both sides of every comparison go
// through it, so a rule only has to be consistent, not exact English.
func american(w string) string {
	if a, ok := lex.Spelling[w]; ok {
		return a
	}
	for _, suf := range [...]string{"isation", "isations", "ising", "ised", "ises", "iser", "isers", "ise",
		"ysing", "ysed", "yse", "yser"} {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			i := len(w) - len(suf) + 1 // the 's' after the i or y
			return w[:i] + "z" + w[i+1:]
		}
	}
	return w
}
