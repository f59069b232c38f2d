package decide

import (
	"strings"
	"testing"
)

// TestLexiconRoles: no word or phrase sits in two roles that contradict each other, and
// no lifecycle word names two phases.
func TestLexiconRoles(t *testing.T) {
	words := func(s string) []string { return strings.Fields(s) }
	roles := map[string][]string{
		"Stop": words(lex.Stop), "Generic": words(lex.Generic), "Aspects": words(lex.Aspects),
		"Back": phrases(lex.Back), "Weak": phrases(lex.Weak), "Time": phrases(lex.Time), "Resume": phrases(lex.Resume),
		"Fresh": phrases(lex.Fresh), "Unrelated": phrases(lex.Unrelated), "Alternative": phrases(lex.Alternative),
		"Join": phrases(lex.Join), "Enhance": phrases(lex.Enhance),
	}
	conflicts := [][2]string{
		{"Stop", "Aspects"}, {"Generic", "Aspects"},
		{"Back", "Fresh"}, {"Back", "Unrelated"}, {"Weak", "Fresh"}, {"Weak", "Unrelated"},
		{"Time", "Fresh"}, {"Time", "Unrelated"}, {"Resume", "Fresh"}, {"Resume", "Unrelated"},
		{"Resume", "Alternative"}, {"Enhance", "Alternative"}, {"Enhance", "Fresh"}, {"Enhance", "Unrelated"},
		{"Alternative", "Join"}, {"Join", "Unrelated"}, {"Back", "Alternative"},
	}
	for _, c := range conflicts {
		in := map[string]bool{}
		for _, w := range roles[c[0]] {
			in[w] = true
		}
		for _, w := range roles[c[1]] {
			if in[w] {
				t.Errorf("%q is in both %s and %s", w, c[0], c[1])
			}
		}
	}
	for name, list := range roles {
		seen := map[string]bool{}
		for _, w := range list {
			if seen[w] {
				t.Errorf("%q is listed twice in %s", w, name)
			}
			seen[w] = true
		}
	}
	phaseOf := map[string]phase{}
	for _, m := range []map[phase]string{lex.Lead, lex.Carriers} {
		for p, ws := range m {
			for _, w := range words(ws) {
				if q, ok := phaseOf[w]; ok && q != p {
					t.Errorf("lifecycle verb %q names two phases: %s and %s", w, q, p)
				}
				phaseOf[w] = p
			}
		}
	}
	objOf := map[string]phase{}
	for p, ws := range lex.ObjectPhase {
		for _, w := range words(ws) {
			if q, ok := objOf[w]; ok && q != p {
				t.Errorf("object noun %q names two phases: %s and %s", w, q, p)
			}
			objOf[w] = p
		}
	}
	for _, p := range lex.ObjectOrder {
		if _, ok := lex.ObjectPhase[p]; !ok {
			t.Errorf("ObjectOrder lists %s, which has no object nouns", p)
		}
	}
	for w := range lex.CanonicalOf {
		found := false
		for _, g := range lex.Synonyms {
			found = found || strings.Contains(" "+g+" ", " "+w+" ")
		}
		if !found {
			t.Errorf("CanonicalOf %q is in no synonym group", w)
		}
	}
}

// TestWholeStems: inflections match, shared prefixes do not.
func TestWholeStems(t *testing.T) {
	for _, c := range []struct {
		task, past string
		match      bool
	}{
		{"Add caching", "cache the geocoder", true},
		{"Document the endpoints", "Create the endpoint", true},
		{"validated input", "Add validation", true},
		{"retries", "retry logic", true},
		{"Add auth middleware", "Update the author bio page", false},
		{"Fix the form", "format the output", false},
		{"user settings", "username field", false},
		{"testament", "tests", false},
		{"port the parser", "portfolio page", false},
		{"log rotation", "login page", false},
	} {
		in := Input{Task: c.task}
		a := analyzeInput(&in)
		if got := a.match(c.past, false)&a.subj != 0 || a.match(c.past, false) != 0 && c.match; got != c.match {
			t.Errorf("%q ~ %q: match %v, want %v (terms %v)", c.task, c.past, got, c.match, a.words(a.match(c.past, false)))
		}
	}
}
