package decide

// The evaluation corpus: testdata/eval/*.json, decision cases written from the seed's
// rules (not from this package's code), in wording nobody tuned the package to.
// TestEval decides every case and prints an accuracy report per file, per class and
// per expected decision. It fails when a case is malformed, when a "seed"-class case
// (the seed document's own examples) is decided wrong, and when a file's accuracy is
// below the thresholds here (CODEX_MCP_EVAL_STRICT=0 only reports, for work in progress).
//
//	make eval                                  # the report, and why each failing case failed
//	CODEX_MCP_EVAL_STRICT=0 make eval          # thresholds reported, not enforced
//	go test -run 'TestEval/dev.json/st-auth-vs-author' -v ./session/decide/
//
// The report goes to t.Log, and to stdout with -v or CODEX_MCP_EVAL_REPORT=1 (go test
// shows a passing package's stdout only with -v or when run in the package directory).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Thresholds, per corpus file (issue 8's targets); CODEX_MCP_EVAL_STRICT=0 reports them only.
const (
	evalMinAccuracy    = 0.95 // share of all the file's cases decided right
	evalMinNewAccuracy = 0.90 // share of the file's want:"new" cases decided right
)

// corpusNow is the evaluation time; a session's "ago" is measured back from it.
var corpusNow = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// corpusClasses are the case classes, in report order.
var corpusClasses = []string{
	"seed",               // the seed document's own examples; any failure fails the test
	"lifecycle",          // follow-ups of the cycles, bound to a subject
	"branch",             // Session Branch: redo the latest work another way → new
	"merge",              // Session Merge: the task joins several sessions' subjects → new + merge
	"cross-conversation", // a new conversation referring back by meaning, or not
	"area",               // module/feature areas: repo roots, monorepo packages, labels, files
	"stemming",           // shared prefixes that are not shared words; inflections that are
	"paraphrase",         // the same intent in many wordings
	"interleaved",        // several features in flight in one conversation
	"unrelated",          // fresh or independent tasks, different subjects
	"relation",           // the caller's Relation field
}

var corpusStatuses = []string{"completed", "failed", "running", "cancelled", "timed_out", "interrupted"}

var corpusRelations = []Relation{RelationNone, RelationExtends, RelationNeedsContext, RelationIndependent, RelationAlternative}

type corpusFile struct {
	Cases []corpusCase `json:"cases"`
}

type corpusCase struct {
	Name        string          `json:"name"`
	Class       string          `json:"class"`
	Note        string          `json:"note"`
	Sessions    []corpusSession `json:"sessions"`
	Input       Input           `json:"input"`
	Want        string          `json:"want"`         // "resume" or "new"
	WantSession string          `json:"want_session"` // with "resume"
	WantMerge   []string        `json:"want_merge"`   // with "new": Decision.MergeFrom, any order
}

type corpusSession struct {
	SessionID      string   `json:"session_id"`
	ConversationID string   `json:"conversation_id"`
	Directory      string   `json:"directory"`
	Feature        string   `json:"feature"`
	Task           string   `json:"task"`
	FirstTask      string   `json:"first_task"`
	Purpose        string   `json:"purpose"`
	Context        string   `json:"context"`
	LastMessage    string   `json:"last_message"`
	Files          []string `json:"files"`
	Status         string   `json:"status"`
	Ago            string   `json:"ago"` // Go duration before corpusNow
	Turns          int      `json:"turns"`
}

// loadCorpus decodes one corpus file strictly: unknown fields and trailing data are errors.
func loadCorpus(path string) (corpusFile, error) {
	var f corpusFile
	data, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	if err := dec.Decode(new(json.RawMessage)); !errors.Is(err, io.EOF) {
		return f, fmt.Errorf("%s: data after the top-level object", path)
	}
	if len(f.Cases) == 0 {
		return f, fmt.Errorf("%s: no cases", path)
	}
	return f, nil
}

// validateCorpus lists everything malformed in a file's cases.
func validateCorpus(f corpusFile) []string {
	var bad []string
	names := map[string]bool{}
	for i, c := range f.Cases {
		where := fmt.Sprintf("case %d %q", i, c.Name)
		fail := func(format string, args ...any) { bad = append(bad, where+": "+fmt.Sprintf(format, args...)) }
		switch {
		case c.Name == "":
			fail("no name")
		case names[c.Name]:
			fail("duplicate name")
		}
		names[c.Name] = true
		if !slices.Contains(corpusClasses, c.Class) {
			fail("unknown class %q (want one of %s)", c.Class, strings.Join(corpusClasses, ", "))
		}
		if strings.TrimSpace(c.Note) == "" || strings.ContainsAny(c.Note, "\n\r") {
			fail("note must be one non-empty line")
		}
		if strings.TrimSpace(c.Input.Task) == "" {
			fail("input has no task")
		}
		if !slices.Contains(corpusRelations, c.Input.Relation) {
			fail("unknown relation %q", c.Input.Relation)
		}
		if r, d := c.Input.ProjectRoot, c.Input.Directory; r != "" && d != r && !strings.HasPrefix(d, strings.TrimSuffix(r, "/")+"/") {
			fail("project_root %q does not contain directory %q", r, d)
		}
		ids := map[string]corpusSession{}
		for _, s := range c.Sessions {
			if s.SessionID == "" {
				fail("a session has no session_id")
				continue
			}
			if _, dup := ids[s.SessionID]; dup {
				fail("session id %q not unique", s.SessionID)
			}
			ids[s.SessionID] = s
			if ago, err := time.ParseDuration(s.Ago); err != nil || ago < 0 {
				fail("session %s: ago %q is not a non-negative Go duration", s.SessionID, s.Ago)
			}
			if !slices.Contains(corpusStatuses, s.Status) {
				fail("session %s: status %q (want one of %s)", s.SessionID, s.Status, strings.Join(corpusStatuses, ", "))
			}
			if s.Turns < 0 {
				fail("session %s: negative turns", s.SessionID)
			}
		}
		switch c.Want {
		case Resume:
			s, ok := ids[c.WantSession]
			switch {
			case c.WantSession == "":
				fail("want resume without want_session")
			case !ok:
				fail("want_session %q is not among the sessions", c.WantSession)
			case s.Status == StatusRunning:
				fail("want_session %q is running: a running session is never resumed", c.WantSession)
			}
			if len(c.WantMerge) > 0 {
				fail("want resume with want_merge")
			}
		case New:
			if c.WantSession != "" {
				fail("want new with want_session %q", c.WantSession)
			}
			if len(c.WantMerge) == 1 {
				fail("want_merge names one session: a merge draws on two or more")
			}
			seen := map[string]bool{}
			for _, id := range c.WantMerge {
				if _, ok := ids[id]; !ok {
					fail("want_merge %q is not among the sessions", id)
				}
				if seen[id] {
					fail("want_merge lists %q twice", id)
				}
				seen[id] = true
			}
		default:
			fail("want %q (want %q or %q)", c.Want, Resume, New)
		}
	}
	return bad
}

// snapshot is the case's memory: UpdatedAt = corpusNow - ago, StartedAt 10 minutes
// before, newest first.
func (c corpusCase) snapshot() Snapshot {
	ss := make([]Past, 0, len(c.Sessions))
	for _, s := range c.Sessions {
		ago, _ := time.ParseDuration(s.Ago)
		updated := corpusNow.Add(-ago)
		source := "server"
		if s.ConversationID == "" {
			source = "codex"
		}
		ss = append(ss, Past{
			SessionID: s.SessionID, ConversationID: s.ConversationID, Directory: s.Directory, Feature: s.Feature,
			Task: s.Task, FirstTask: s.FirstTask, Purpose: s.Purpose, Context: s.Context,
			Files: slices.Clone(s.Files), LastMessage: s.LastMessage, Status: s.Status,
			StartedAt: updated.Add(-10 * time.Minute), UpdatedAt: updated, Turns: s.Turns, Source: source,
		})
	}
	slices.SortStableFunc(ss, func(a, b Past) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	return Snapshot{Now: corpusNow, Sessions: ss}
}

// judge reports whether d is the case's answer: decision, session, merge set.
func (c corpusCase) judge(d Decision) bool {
	if d.Decision != c.Want {
		return false
	}
	if c.Want == Resume && d.SessionID != c.WantSession {
		return false
	}
	got, want := slices.Clone(d.MergeFrom), slices.Clone(c.WantMerge)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

func (c corpusCase) wantString() string {
	switch {
	case c.Want == Resume:
		return "resume " + c.WantSession
	case len(c.WantMerge) > 0:
		return "new, merge " + strings.Join(c.WantMerge, "+")
	}
	return "new"
}

func corpusDecision(d Decision) string {
	s := d.Decision
	if d.SessionID != "" {
		s += " " + d.SessionID
	}
	if len(d.MergeFrom) > 0 {
		s += ", merge " + strings.Join(d.MergeFrom, "+")
	}
	if d.RunningSessionID != "" {
		s += " (running " + d.RunningSessionID + ")"
	}
	return s
}

// corpusExplain is the log of a wrong decision: what was wanted, and the decision's
// reason, path (node, answer, evidence) and candidates.
func corpusExplain(file string, c corpusCase, d Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s [%s]: want %s, got %s\n", file, c.Name, c.Class, c.wantString(), corpusDecision(d))
	fmt.Fprintf(&b, "  task:   %q\n  seed:   %s\n  reason: %s\n", c.Input.Task, c.Note, d.Reason)
	for _, s := range d.Path {
		over := ""
		if s.Overridden {
			over = " (relation)"
		}
		fmt.Fprintf(&b, "  [%d] %s -> %s%s\n", s.Node, s.Question, s.Answer, over)
		for _, e := range s.Evidence {
			fmt.Fprintf(&b, "        - %s\n", e)
		}
	}
	if len(d.Candidates) > 0 {
		var cs []string
		for _, cand := range d.Candidates {
			cs = append(cs, fmt.Sprintf("%s %.2f", cand.SessionID, cand.Score))
		}
		fmt.Fprintf(&b, "  candidates: %s\n", strings.Join(cs, ", "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

type corpusTally struct{ right, total int }

func (t *corpusTally) add(ok bool) {
	t.total++
	if ok {
		t.right++
	}
}

func (t corpusTally) rate() float64 {
	if t.total == 0 {
		return 1
	}
	return float64(t.right) / float64(t.total)
}

// short is how many more cases must be right to reach min.
func (t corpusTally) short(min float64) int {
	need := int(math.Ceil(min*float64(t.total) - 1e-9))
	return max(0, need-t.right)
}

type corpusReport struct {
	file         string
	classes      map[string]*corpusTally
	all          corpusTally
	byWant       map[string]*corpusTally
	failing      map[string][]string // class → case names
	seedFailures int
}

func newCorpusReport(file string) *corpusReport {
	return &corpusReport{file: file, classes: map[string]*corpusTally{}, failing: map[string][]string{},
		byWant: map[string]*corpusTally{Resume: {}, New: {}}}
}

func (r *corpusReport) add(c corpusCase, ok bool) {
	if r.classes[c.Class] == nil {
		r.classes[c.Class] = &corpusTally{}
	}
	r.classes[c.Class].add(ok)
	r.byWant[c.Want].add(ok)
	r.all.add(ok)
	if !ok {
		r.failing[c.Class] = append(r.failing[c.Class], c.Name)
		if c.Class == "seed" {
			r.seedFailures++
		}
	}
}

func (r *corpusReport) String() string {
	var b strings.Builder
	line := func(label string, t corpusTally) {
		fmt.Fprintf(&b, "  %-20s %4d/%-4d %6.1f%%\n", label, t.right, t.total, 100*t.rate())
	}
	fmt.Fprintf(&b, "eval %s: %d/%d right (%.1f%%)\n", r.file, r.all.right, r.all.total, 100*r.all.rate())
	fmt.Fprintf(&b, "  %-20s %9s %7s\n", "class", "right/total", "pct")
	for _, cl := range corpusClasses {
		if t := r.classes[cl]; t != nil {
			line(cl, *t)
		}
	}
	line("want resume", *r.byWant[Resume])
	line("want new", *r.byWant[New])
	line("all", r.all)
	gap := func(label string, t corpusTally, min float64) {
		if n := t.short(min); n > 0 {
			fmt.Fprintf(&b, "  %s %.1f%% < %.0f%%: %.1f points short, %d more case(s) right needed\n",
				label, 100*t.rate(), 100*min, 100*(min-t.rate()), n)
		} else {
			fmt.Fprintf(&b, "  %s %.1f%% >= %.0f%%: met\n", label, 100*t.rate(), 100*min)
		}
	}
	strict := "enforced"
	if !corpusStrict() {
		strict = "not enforced (CODEX_MCP_EVAL_STRICT=0)"
	}
	fmt.Fprintf(&b, "  thresholds, %s:\n", strict)
	gap("  all", r.all, evalMinAccuracy)
	gap("  new", *r.byWant[New], evalMinNewAccuracy)
	if r.seedFailures > 0 {
		fmt.Fprintf(&b, "  %d seed-class case(s) wrong: the test fails\n", r.seedFailures)
	}
	if r.all.right < r.all.total {
		fmt.Fprintf(&b, "  failing cases:\n")
		for _, cl := range corpusClasses {
			if names := r.failing[cl]; len(names) > 0 {
				fmt.Fprintf(&b, "    %s (%d): %s\n", cl, len(names), strings.Join(names, " "))
			}
		}
	}
	return b.String()
}

func corpusStrict() bool { return os.Getenv("CODEX_MCP_EVAL_STRICT") != "0" }

func TestEval(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "eval", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no evaluation corpus in testdata/eval (%v)", err)
	}
	files := make([]corpusFile, len(paths))
	var malformed []string
	for i, p := range paths {
		f, err := loadCorpus(p)
		if err != nil {
			malformed = append(malformed, err.Error())
			continue
		}
		for _, m := range validateCorpus(f) {
			malformed = append(malformed, p+": "+m)
		}
		files[i] = f
	}
	if len(malformed) > 0 {
		t.Fatalf("malformed evaluation corpus (%d problem(s)):\n%s", len(malformed), strings.Join(malformed, "\n"))
	}

	toStdout := testing.Verbose() || os.Getenv("CODEX_MCP_EVAL_REPORT") == "1"
	var reports []*corpusReport
	for i, p := range paths {
		base := filepath.Base(p)
		rep := newCorpusReport(base)
		reports = append(reports, rep)
		t.Run(base, func(t *testing.T) {
			for _, c := range files[i].Cases {
				t.Run(c.Name, func(t *testing.T) {
					d := Decide(c.Input, c.snapshot())
					ok := c.judge(d)
					rep.add(c, ok)
					switch {
					case ok:
					case c.Class == "seed":
						t.Error(corpusExplain(base, c, d))
					default:
						t.Log(corpusExplain(base, c, d))
					}
				})
			}
		})
	}

	var all strings.Builder
	for _, rep := range reports {
		all.WriteString(rep.String())
		if corpusStrict() {
			if rep.all.rate() < evalMinAccuracy {
				t.Errorf("%s: accuracy %.1f%% below %.0f%% (%d more case(s) right needed)",
					rep.file, 100*rep.all.rate(), 100*evalMinAccuracy, rep.all.short(evalMinAccuracy))
			}
			if nw := *rep.byWant[New]; nw.rate() < evalMinNewAccuracy {
				t.Errorf("%s: accuracy on want-new cases %.1f%% below %.0f%% (%d more case(s) right needed)",
					rep.file, 100*nw.rate(), 100*evalMinNewAccuracy, nw.short(evalMinNewAccuracy))
			}
		}
	}
	if toStdout {
		fmt.Print(all.String())
	} else {
		t.Log("\n" + all.String())
	}
}

// TestEvalValidate: the corpus checks catch each kind of malformed case.
func TestEvalValidate(t *testing.T) {
	good := func() corpusCase {
		return corpusCase{Name: "x", Class: "lifecycle", Note: "n", Input: Input{Task: "add tests", Directory: "/r/a", ProjectRoot: "/r"},
			Sessions: []corpusSession{{SessionID: "a", Status: "completed", Ago: "1h"}, {SessionID: "b", Status: "running", Ago: "5m"}},
			Want:     Resume, WantSession: "a"}
	}
	if bad := validateCorpus(corpusFile{Cases: []corpusCase{good()}}); len(bad) > 0 {
		t.Fatalf("a well-formed case is reported malformed: %v", bad)
	}
	for name, mutate := range map[string]func(*corpusFile){
		"unknown class":            func(f *corpusFile) { f.Cases[0].Class = "misc" },
		"resume without session":   func(f *corpusFile) { f.Cases[0].WantSession = "" },
		"want session not present": func(f *corpusFile) { f.Cases[0].WantSession = "zz" },
		"resume a running session": func(f *corpusFile) { f.Cases[0].WantSession = "b" },
		"duplicate name":           func(f *corpusFile) { f.Cases = append(f.Cases, f.Cases[0]) },
		"duplicate session id":     func(f *corpusFile) { f.Cases[0].Sessions[1].SessionID = "a" },
		"bad ago":                  func(f *corpusFile) { f.Cases[0].Sessions[0].Ago = "yesterday" },
		"bad status":               func(f *corpusFile) { f.Cases[0].Sessions[0].Status = "done" },
		"bad want":                 func(f *corpusFile) { f.Cases[0].Want = "maybe" },
		"new with want_session":    func(f *corpusFile) { f.Cases[0].Want = New },
		"merge of one": func(f *corpusFile) {
			f.Cases[0].Want, f.Cases[0].WantSession, f.Cases[0].WantMerge = New, "", []string{"a"}
		},
		"merge not present": func(f *corpusFile) {
			f.Cases[0].Want, f.Cases[0].WantSession, f.Cases[0].WantMerge = New, "", []string{"a", "q"}
		},
		"unknown relation":       func(f *corpusFile) { f.Cases[0].Input.Relation = "sibling" },
		"root outside directory": func(f *corpusFile) { f.Cases[0].Input.ProjectRoot = "/other" },
		"no task":                func(f *corpusFile) { f.Cases[0].Input.Task = " " },
		"no note":                func(f *corpusFile) { f.Cases[0].Note = "" },
	} {
		f := corpusFile{Cases: []corpusCase{good()}}
		mutate(&f)
		if bad := validateCorpus(f); len(bad) == 0 {
			t.Errorf("%s: not reported", name)
		}
	}

	dir := t.TempDir()
	for name, text := range map[string]string{
		"unknown field": `{"cases": [{"name": "x", "clas": "seed"}]}`,
		"trailing data": `{"cases": [{"name": "x"}]} {}`,
		"no cases":      `{"cases": []}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadCorpus(p); err == nil {
			t.Errorf("%s: loaded without error", name)
		}
	}
}
