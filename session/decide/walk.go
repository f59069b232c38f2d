package decide

import (
	"fmt"
	"strings"
	"time"
)

// signals are the reasons the task relates to the previous Codex task.
type signals struct {
	subj      []string // subject words shared with it
	aspects   []string // aspect words shared with it ("tests", "validation")
	area      string   // file patterns / directories overlap
	back      bool     // the task points back at earlier work and it is that work
	weak      bool     // "existing", "that schema", … with shared subject words
	follow    bool     // a later lifecycle phase of the latest work
	alt       bool     // an alternative approach to it (Session Branch)
	merge     bool     // integrates several sessions (Session Merge)
	unmatched []string // subject words of the task no candidate shares
	kindsOnly bool     // the shared subject words only name a kind of thing ("screen", "page")
}

type walker struct {
	a    *analysis
	in   *Input
	snap *Snapshot
	r    *scanResult
	prev *cand // "the previous Codex task": the best-matching eligible session
	sig  signals
	path []Step

	overridden  bool   // some answer came from the caller's Relation
	disagreed   bool   // … and differed from the inferred one
	sibling     string // siblingOf's answer, once siblingDone
	siblingDone bool
	conf        float64
}

func yn(b bool) string {
	if b {
		return Yes
	}
	return No
}

func (w *walker) step(node int, q, answer string, ev []string, over bool) {
	if ev == nil {
		ev = []string{}
	}
	w.path = append(w.path, Step{Node: node, Question: q, Answer: answer, Evidence: ev, Overridden: over})
}

// override records the caller's answer at a node.
func (w *walker) override(inferred, forced bool, ev []string, what string) (bool, []string) {
	w.overridden = true
	if inferred != forced {
		w.disagreed = true
	}
	note := fmt.Sprintf("answered by the caller's relation %q: %s (inferred: %s)", w.in.Relation, what, yn(inferred))
	return forced, append([]string{note}, ev...)
}

// run walks the seed's drawing. Each node method answers its question from the
// signals (computed apart, in analyze and scan), records the step with its evidence and
// applies the caller's relation where it answers that node.
func (w *walker) run() Decision {
	if len(w.r.top) > 0 {
		w.prev = &w.r.top[0] // "the previous Codex task": the best-matching session
	}
	prev := w.prev
	if w.node1Related(prev) {
		if w.node2Extends(prev) {
			return w.resume(prev, 2)
		}
		if w.node3NeedsContext(prev) {
			return w.resume(prev, 3)
		}
		return w.newSession(3, prev)
	}
	if w.node4First() {
		return w.newSession(4, nil)
	}
	m, diff := w.node5Different()
	if diff {
		return w.newSession(5, nil)
	}
	if w.node6Recent(m) {
		return w.resume(m, 6)
	}
	return w.newSession(6, m)
}

func (w *walker) node1Related(prev *cand) bool {
	rel := w.in.Relation
	inf, ev := w.related(prev)
	ans, over := inf, false
	switch rel {
	case RelationExtends, RelationNeedsContext, RelationAlternative:
		if prev != nil {
			ans, ev = w.override(inf, true, ev, "related to earlier work")
			over = true
		} else {
			ev = append(ev, fmt.Sprintf("the caller's relation %q has nothing to apply to: memory holds no session it could relate to", rel))
		}
	case RelationIndependent:
		ans, ev = w.override(inf, false, ev, "independent of earlier work")
		over = true
	case RelationNone:
	default:
		ev = append(ev, fmt.Sprintf("unknown relation %q ignored (want extends, needs_context, independent or alternative)", rel))
	}
	w.step(1, QRelated, yn(ans), ev, over)
	return ans
}

func (w *walker) related(prev *cand) (bool, []string) {
	a, r, ss := w.a, w.r, w.snap.Sessions
	var ev []string
	if prev == nil {
		switch {
		case r.inConv == 0 && r.otherConv == 0:
			ev = append(ev, "conversation memory is empty: there is no earlier Codex task")
		case r.inConv == 0 && !r.crossOK:
			ev = append(ev, fmt.Sprintf("no Codex session in this conversation; %d in other conversations do not count: the task does not explicitly continue earlier work", r.otherConv))
		default:
			ev = append(ev, fmt.Sprintf("no Codex session in this conversation, and none of the %d in other conversations matches the task", r.otherConv))
		}
		return false, ev
	}
	p := &ss[prev.idx]
	ev = append(ev, fmt.Sprintf("previous Codex task: %s, the best match in memory (this conversation has %d session(s))", w.label(prev), r.inConv))
	if !prev.inConv {
		where := "another conversation"
		if p.ConversationID == "" {
			where = "outside this server"
		}
		ev = append(ev, fmt.Sprintf("it ran in %s; memory across conversations counts because the task says %s", where, quote(a.cross)))
	}
	if rc := r.recent; rc != nil && ss[rc.idx].SessionID != p.SessionID {
		ev = append(ev, fmt.Sprintf("not the most recent session %s, which matches less (score %.2f vs %.2f)", w.label(rc), rc.score, prev.score))
	}

	s := &w.sig
	names := a.named(prev.subjects(a), func() string { return p.Task + ". " + p.FirstTask })
	s.subj = a.words(names)
	// only a kind is shared, and the task names a thing of that kind the session does not
	// (a kind word found in its folders or files is a module's name: "src/panel/")
	s.kindsOnly = a.nonKind(names) == 0 && a.nonKind(a.ownSubject())&^names != 0 &&
		names&^a.match(p.Task+". "+p.FirstTask, false) == 0
	s.aspects = a.words((prev.prim | prev.sec) &^ a.subj)
	s.area = w.areaText(prev)
	// A back-reference ties to this session if it shares what the task names; a task
	// that names nothing ("Continue work") points at the latest session.
	s.back = len(a.back) > 0 && (prev.subjectEvidence(a) || prev.moduleEvidence() || prev.recent && !a.namesSubject()) ||
		len(a.latest) > 0 && prev.recent && prev.inConv
	s.weak = len(a.weak) > 0 && prev.subjectEvidence(a)
	s.follow = prev.follow && prev.recent && prev.age <= RecentWindow && prev.rel != relDifferent && prev.feat >= 0
	s.alt = len(a.alt) > 0 && (prev.recent || prev.subjectEvidence(a) || prev.moduleEvidence()) || w.replaces(prev)
	s.merge = len(r.mergeFrom) >= 2
	var seen uint64
	for i := range r.top {
		seen |= r.top[i].subjects(a)
	}
	s.unmatched = a.words(a.subj & a.inTask &^ seen)

	if len(s.subj) > 0 {
		ev = append(ev, "shares subject words with it: "+quote(s.subj))
	}
	if len(s.aspects) > 0 {
		ev = append(ev, "shares aspect words with it: "+quote(s.aspects))
	}
	if m := a.words(prev.msg); len(m) > 0 {
		ev = append(ev, "its last message mentions: "+quote(m))
	}
	if s.area != "" {
		ev = append(ev, s.area)
	}
	ev = append(ev, w.whereEvidence(prev)...)
	if len(a.latest) > 0 && prev.recent && prev.inConv {
		ev = append(ev, "the task points at the latest work of this conversation: "+quote(a.latest))
	}
	if s.back && len(a.back) > 0 {
		ev = append(ev, "the task points back at earlier work: "+quote(a.back))
	} else if len(a.back) > 0 {
		ev = append(ev, "the task points back at earlier work ("+quote(a.back)+"), but nothing ties that to this session")
	}
	if s.weak {
		ev = append(ev, "the task refers to existing work: "+quote(a.weak))
	}
	if !prev.follow && a.phase != phUnknown && a.phase.follows(prev.phase) {
		ev = append(ev, fmt.Sprintf("lifecycle: it was %s, this task is %s, but the task is about %s, which it does not share: not a follow-up of that work",
			prev.phase, a.phase, quote(a.words(a.subj&a.inTask))))
	}
	if prev.follow {
		lc := fmt.Sprintf("lifecycle: it was %s (%q), this task is %s (%q)", prev.phase, w.taskOf(prev), a.phase, w.in.Task)
		switch {
		case s.follow:
			lc += ": a later phase of the latest work in this conversation"
		case !prev.recent:
			lc += ", but it is not the latest work in this conversation"
		case prev.age > RecentWindow:
			lc += ", but it is not recent"
		case prev.rel == relDifferent || prev.feat < 0:
			lc += ", but in another area"
		default:
			lc += ", but the task is about " + quote(a.words(a.subj&a.inTask)) + ", which it does not share"
		}
		ev = append(ev, lc)
	}
	ev = append(ev, w.ageEvidence(prev))
	if s.alt {
		ev = append(ev, "the task proposes an alternative approach: "+quote(append(a.alt, a.insteadOf...)))
	}
	if s.merge {
		ev = append(ev, fmt.Sprintf("the task (%s) draws on %d sessions: %s", quote(a.merge), len(r.mergeFrom), w.labels(r.mergeFrom)))
	}

	switch {
	case len(a.unrelated) > 0:
		return false, append(ev, "the task says it is unrelated: "+quote(a.unrelated))
	case len(a.fresh) > 0:
		return false, append(ev, "the task asks for a clean start: "+quote(a.fresh))
	case prev.age > StaleAfter && len(a.back) == 0 && len(a.cross) == 0 && !s.merge:
		return false, append(ev, fmt.Sprintf("last ran %s ago and the task does not point back at it: too old to relate on subject alone", ago(prev.age)))
	case prev.rel == relDifferent && prev.area.kind == 0 && !s.back && !s.merge:
		// The caller named a directory, and that session worked in another one: shared
		// words alone do not make it this task's work (a resume would run over there).
		return false, append(ev, "it worked in another directory and the task does not point back at it")
	case prev.feat == -2 && prev.area.kind == 0 && !s.back && !s.merge:
		return false, append(ev, "the caller's feature differs from its feature and the task does not point back at it")
	case w.elsewhere(prev) && !s.back && !s.merge:
		return false, append(ev, "the task's files ("+w.taskArea()+") lie outside everything it worked on")
	case len(s.subj) > 0 && s.kindsOnly && s.area == "" && !s.back && !s.follow && !s.alt && !s.merge && w.siblingOf(prev) == "":
		return false, append(ev, "it shares only the kind of thing ("+quote(s.subj)+"), not what it is about")
	}
	ok := len(s.subj) > 0 || s.area != "" || s.back || s.follow || s.alt || s.merge
	if !ok {
		ev = append(ev, "nothing in the task ties it to that session")
	} else if len(s.subj) == 0 && len(s.unmatched) > 0 {
		ev = append(ev, "the task also names "+quote(s.unmatched)+", which no session in memory shares")
	}
	return ok, ev
}

func (w *walker) node2Extends(prev *cand) bool {
	inf, ev := w.extends(prev)
	ans, over := inf, false
	switch w.in.Relation {
	case RelationExtends:
		ans, ev = w.override(inf, true, ev, "extends it")
		over = true
	case RelationNeedsContext:
		ans, ev = w.override(inf, false, ev, "needs its context rather than extending it")
		over = true
	case RelationAlternative:
		ans, ev = w.override(inf, false, ev, "an alternative approach does not extend it")
		over = true
	}
	w.step(2, QExtends, yn(ans), ev, over)
	return ans
}

func (w *walker) node3NeedsContext(prev *cand) bool {
	inf, ev := w.needsContext(prev)
	ans, over := inf, false
	switch w.in.Relation {
	case RelationNeedsContext:
		ans, ev = w.override(inf, true, ev, "needs its context")
		over = true
	case RelationAlternative:
		ans, ev = w.override(inf, false, ev, "an alternative approach starts from a clean context (Session Branch)")
		over = true
	}
	w.step(3, QNeedsContext, yn(ans), ev, over)
	return ans
}

func (w *walker) extends(prev *cand) (bool, []string) {
	a, s := w.a, &w.sig
	switch {
	case s.merge:
		return false, []string{fmt.Sprintf("it integrates the work of %d sessions (Session Merge): no single implementation to extend", len(w.r.mergeFrom))}
	case s.alt:
		return false, []string{"an alternative approach replaces the earlier one rather than extending it (Session Branch)"}
	case prev.follow:
		return true, []string{fmt.Sprintf("lifecycle: %s (%q) → %s (%q): a later phase of the same work", prev.phase, w.taskOf(prev), a.phase, w.in.Task)}
	case len(a.enhance) > 0:
		return true, []string{"the task says " + quote(a.enhance)}
	case a.phase == phUnknown:
		return false, []string{fmt.Sprintf("the task's phase is unclear (%q): nothing says it builds on %s", w.in.Task, w.id(prev))}
	}
	return false, []string{fmt.Sprintf("lifecycle: %s (%q) → %s (%q) is not a later phase of that work", prev.phase, w.taskOf(prev), a.phase, w.in.Task)}
}

func (w *walker) needsContext(prev *cand) (bool, []string) {
	a, s := w.a, &w.sig
	switch {
	case s.merge:
		return false, []string{fmt.Sprintf("its context spans %d sessions (%s); resuming one would carry only that one's — start a new session and pass them as context (Session Merge)", len(w.r.mergeFrom), w.ids(w.r.mergeFrom))}
	case s.alt:
		return false, []string{"an alternative approach starts from a clean context (Session Branch: alternative approach = new session)"}
	case len(a.fresh) > 0:
		return false, []string{"the task asks for a clean start: " + quote(a.fresh)}
	case s.back:
		return true, []string{"the task points back at its work: " + quote(append(a.latest, a.back...))}
	}
	if sib := w.siblingOf(prev); sib != "" {
		return false, []string{sib}
	}
	switch {
	case prev.prim&a.subj != 0:
		return true, []string{fmt.Sprintf("the task builds on what %s worked on: %s", w.id(prev), quote(a.words(prev.prim&a.subj)))}
	case s.area != "":
		return true, []string{"the task works on the same files: " + s.area}
	case s.weak:
		return true, []string{"the task refers to existing work: " + quote(a.weak)}
	case len(s.subj) > 0:
		return true, []string{fmt.Sprintf("the task shares %s with %s's purpose/context", quote(s.subj), w.id(prev))}
	}
	return false, []string{fmt.Sprintf("nothing the task needs comes from %s", w.id(prev))}
}

// siblingOf: "Create component B" after "Create component A" is a new sibling, not
// a task that depends on A: both create something, each names something the other
// does not, and what they share is only the kind of thing ("component", "page").
// "Create the API for the user table" after "Create the user table" shares a name
// ("user"): it builds on that work.
func (w *walker) siblingOf(prev *cand) string {
	if !w.siblingDone { // asked at node 1 and node 3, of the same session
		w.sibling, w.siblingDone = w.findSibling(prev), true
	}
	return w.sibling
}

func (w *walker) findSibling(prev *cand) string {
	a := w.a
	if a.phase != phImplement || prev.phase != phImplement && prev.phase != phUnknown {
		return ""
	}
	shared := prev.subjects(a) & a.subj
	for id := range a.terms {
		if shared&(1<<id) != 0 && !kindNoun[a.terms[id].word] && a.qualifier&(1<<id) == 0 {
			return ""
		}
	}
	mine := a.words(a.subj &^ prev.subjects(a))
	if len(mine) == 0 {
		return ""
	}
	var theirs []string
	for _, t := range tokenize(w.taskOf(prev), false) {
		if isTermWord(t) && lexicon[t.low]&wAspect == 0 && a.match(t.low, t.ident) == 0 {
			theirs = append(theirs, t.low)
		}
	}
	if len(theirs) == 0 {
		return ""
	}
	return fmt.Sprintf("the task creates %s where %s created %s: a sibling, not a dependency", quote(mine), w.id(prev), quote(theirs))
}

func (w *walker) node4First() bool {
	r := w.r
	var ev []string
	if w.in.ConversationID == "" {
		ev = append(ev, "no conversation id given: all of memory counts as this conversation")
	}
	first := r.inConv == 0
	if first {
		if w.in.ConversationID != "" {
			ev = append(ev, fmt.Sprintf("no Codex session recorded in conversation %q", w.in.ConversationID))
		} else {
			ev = append(ev, "memory holds no Codex session")
		}
		if r.otherConv > 0 && w.in.ConversationID != "" {
			ev = append(ev, fmt.Sprintf("%d session(s) of other conversations are not this conversation's memory", r.otherConv))
		}
	} else if rc := r.recent; rc != nil {
		ev = append(ev, fmt.Sprintf("%d earlier session(s) in this conversation; the latest is %s, %s ago", r.inConv, w.label(rc), ago(rc.age)))
	}
	w.step(4, QFirst, yn(first), ev, false)
	return first
}

// node5Different answers node 5 and returns the session of the task's area it found.
func (w *walker) node5Different() (*cand, bool) {
	r, ss := w.r, w.snap.Sessions
	var ev []string
	var diff bool
	m := r.module
	switch {
	case r.noAreaHint:
		m = r.recent
		ev = append(ev, "the task names no directory, file pattern, feature or subject: it is taken to be in the area of the latest session "+w.label(m))
	case m != nil:
		ev = append(ev, "this task: "+w.taskArea(), "same area as "+w.label(m)+": "+strings.Join(w.howSame(m), "; "))
	default:
		diff = true
		var areas []string
		for _, i := range r.areas {
			areas = append(areas, sessionArea(&ss[i]))
		}
		ev = append(ev, "this task: "+w.taskArea(), "this conversation's sessions: "+strings.Join(areas, "; "))
	}
	w.step(5, QDifferent, yn(diff), ev, false)
	return m, diff
}

func (w *walker) node6Recent(m *cand) bool {
	ss := w.snap.Sessions
	ev := []string{fmt.Sprintf("latest session in this area: %s, last ran %s ago (status %s)", w.label(m), ago(m.age), orDash(ss[m.newest].Status))}
	found, over := m.age <= RecentWindow, false
	if !found {
		ev = append(ev, fmt.Sprintf("older than %s: not recent", ago(RecentWindow)))
	}
	switch {
	case w.in.Relation == RelationIndependent:
		var n []string
		found, n = w.override(found, false, nil, "the task does not continue that work")
		ev = append(n, ev...)
		over = true
	case found && (len(w.a.unrelated) > 0 || len(w.a.fresh) > 0):
		found = false
		ev = append(ev, "but the task says "+quote(append(w.a.unrelated, w.a.fresh...))+": it does not continue that work")
	}
	ans := NotFound
	if found {
		ans = Found
	}
	w.step(6, QRecent, ans, ev, over)
	return found
}

// resume ends the walk on a resume of c, unless c is still running.
func (w *walker) resume(c *cand, node int) Decision {
	a, s, ss := w.a, &w.sig, w.snap.Sessions
	p := &ss[c.newest]
	k := 0
	for _, b := range []bool{len(s.subj) > 0, s.area != "", s.back, s.follow, c.moduleEvidence(), c.age < 2*time.Hour, s.weak} {
		if b {
			k++
		}
	}
	w.conf = weights.Base[node]
	switch node {
	case 2, 3:
		w.conf += weights.PerSignal * float64(k)
		if len(s.subj) == 0 && len(s.unmatched) > 0 {
			w.conf += weights.Unmatched
		}
	case 6:
		if c.age < 2*time.Hour {
			w.conf += weights.RecentBonus
		}
		if c.rel == relSame || c.rel == relInputInside || c.area.kind != 0 {
			w.conf += weights.SameAreaBonus
		}
	}
	d := Decision{Decision: Resume, SessionID: p.SessionID}
	switch node {
	case 2:
		d.Reason = fmt.Sprintf("Resume %s: the task extends its work (%s → %s).", w.label(c), c.phase, a.phase)
		if !c.follow {
			d.Reason = fmt.Sprintf("Resume %s: the task extends its work.", w.label(c))
		}
	case 3:
		d.Reason = fmt.Sprintf("Resume %s: the task needs its context.", w.label(c))
	case 6:
		d.Reason = fmt.Sprintf("Resume %s: recent Codex work on the same area (%s ago).", w.label(c), ago(c.age))
	}
	// a close runner-up makes the choice less certain
	if len(w.r.top) > 1 && node != 6 {
		o := &w.r.top[1]
		if ss[o.idx].SessionID != p.SessionID && o.score >= weights.RunnerRatio*c.score {
			w.conf += weights.Runner
			last := &w.path[len(w.path)-1]
			last.Evidence = append(last.Evidence, fmt.Sprintf("runner-up %s scores %.2f vs %.2f: the choice is close", w.label(o), o.score, c.score))
		}
	}
	if p.Status == StatusRunning {
		last := &w.path[len(w.path)-1]
		last.Evidence = append(last.Evidence, fmt.Sprintf("%s is still running: resuming it now would collide with the running turn — start a new session, or wait for it to finish and resume it", w.id(c)))
		d.Decision, d.SessionID, d.RunningSessionID = New, "", p.SessionID
		d.Reason = fmt.Sprintf("New session: %s, the session this task belongs to, is still running, and resuming it now would collide (wait and resume it if its context matters).", w.label(c))
		w.conf = min(w.conf, weights.RunningMax)
	}
	return w.finish(d, c)
}

func (w *walker) newSession(node int, about *cand) Decision {
	a, s, r := w.a, &w.sig, w.r
	d := Decision{Decision: New}
	switch node {
	case 3:
		switch {
		case s.merge:
			w.conf = weights.NewBase["merge"]
			for _, c := range r.mergeFrom {
				d.MergeFrom = append(d.MergeFrom, w.snap.Sessions[c.idx].SessionID)
			}
			d.Reason = fmt.Sprintf("New session drawing on %s: the task integrates their work (Session Merge).", strings.Join(d.MergeFrom, ", "))
		case s.alt || w.in.Relation == RelationAlternative:
			w.conf = weights.NewBase["branch"]
			d.Reason = fmt.Sprintf("New session: an alternative approach to %s (Session Branch).", w.label(about))
		case w.sibling != "":
			w.conf = weights.NewBase["sibling"]
			d.Reason = fmt.Sprintf("New session: the task creates a sibling of %s's work and needs none of its context.", w.label(about))
		default:
			w.conf = weights.NewBase["unneeded"]
			d.Reason = fmt.Sprintf("New session: related to %s, but it neither extends that work nor needs its context.", w.label(about))
		}
	case 4:
		w.conf = weights.NewBase["first"]
		d.Reason = "New session: first Codex task in this conversation."
		if len(r.others) > 0 {
			w.conf = weights.NewBase["first-others"]
		}
	case 5:
		w.conf = weights.NewBase["area"]
		for i := range r.top {
			if r.top[i].inConv && r.top[i].rel == relDifferent {
				w.conf = weights.NewBase["area-other-directory"]
				break
			}
		}
		if a.subj != 0 && len(s.subj) == 0 {
			w.conf += weights.NewBase["area-no-shared-subject"]
		}
		d.Reason = "New session: a different module/feature area from this conversation's earlier Codex work."
	case 6:
		w.conf = weights.NewBase["not-recent"]
		if about != nil && about.age > RecentWindow {
			w.conf = weights.NewBase["stale"]
		}
		if w.in.Relation == RelationIndependent || len(a.unrelated) > 0 || len(a.fresh) > 0 {
			w.conf = weights.NewBase["disowned"]
		}
		d.Reason = "New session: no recent Codex work on this area in this conversation to continue."
	}
	return w.finish(d, nil)
}

func (w *walker) finish(d Decision, target *cand) Decision {
	a, r, ss := w.a, w.r, w.snap.Sessions
	if w.overridden {
		if w.disagreed {
			w.conf = weights.Disagreed
		} else {
			w.conf = max(w.conf, weights.OverriddenMin)
		}
		if d.RunningSessionID != "" {
			w.conf = min(w.conf, weights.RunningMax)
		}
	}
	d.Confidence = round2(min(max(w.conf, weights.ConfidenceMin), weights.ConfidenceMax))
	if d.Confidence < weights.WeakBelow && !w.overridden {
		d.Reason += " The evidence is weak: pass relation (extends, needs_context, independent or alternative) to settle it."
	}
	d.Path = w.path

	switch {
	case strings.TrimSpace(w.in.Feature) != "":
		d.Feature = strings.TrimSpace(w.in.Feature)
	case target != nil && d.Decision == Resume && ss[target.newest].Feature != "":
		d.Feature = ss[target.newest].Feature
	default:
		d.Feature = a.label
	}

	// Candidates: merge sources first, then the best eligible, then near sessions of
	// other conversations.
	seen := map[string]bool{}
	addCand := func(c *cand) {
		p := &ss[c.newest]
		if len(d.Candidates) == MaxCandidates || seen[p.SessionID] {
			return
		}
		seen[p.SessionID] = true
		var parts []Contribution
		cc := *c
		cc.compute(a, &parts)
		d.Candidates = append(d.Candidates, Candidate{
			SessionID: p.SessionID, Score: round2(c.score), Reasons: w.reasons(c), Breakdown: parts,
			Directory: p.Directory, Feature: p.Feature, Task: p.Task, Status: p.Status,
			ConversationID: p.ConversationID, UpdatedAt: p.UpdatedAt,
		})
	}
	for i := range r.mergeFrom {
		if len(d.MergeFrom) > 0 {
			addCand(&r.mergeFrom[i])
		}
	}
	for i := range r.top {
		addCand(&r.top[i])
	}
	for i := range r.others {
		addCand(&r.others[i])
	}
	if d.Candidates == nil {
		d.Candidates = []Candidate{}
	}
	return d
}

// reasons: a short account of a candidate's score.
func (w *walker) reasons(c *cand) []string {
	a, ss := w.a, w.snap.Sessions
	p := &ss[c.newest]
	var out []string
	switch {
	case c.inConv && w.in.ConversationID != "":
		out = append(out, "this conversation")
	case c.inConv:
		out = append(out, "in memory")
	case p.ConversationID == "":
		out = append(out, "started outside this server")
	default:
		out = append(out, "other conversation "+p.ConversationID)
	}
	if c.recent {
		out = append(out, "latest in this conversation")
	}
	out = append(out, w.whereEvidence(c)...)
	if c.area.kind != 0 {
		out = append(out, w.areaText(c))
	}
	if ws := a.words(c.prim | c.sec); len(ws) > 0 {
		out = append(out, "shares "+quote(ws))
	}
	if ws := a.words(c.msg); len(ws) > 0 {
		out = append(out, "last message mentions "+quote(ws))
	}
	if c.phase != phUnknown {
		ph := "phase " + c.phase.String()
		if c.follow {
			ph += " (the task is a later phase)"
		}
		out = append(out, ph)
	}
	out = append(out, "last ran "+ago(c.age)+" ago")
	if p.Status != "" && p.Status != "completed" {
		if p.Status == StatusRunning {
			out = append(out, "running: cannot be resumed now")
		} else {
			out = append(out, "status "+p.Status)
		}
	}
	return out
}

// whereEvidence: directory and feature relation of a session to the task.
func (w *walker) whereEvidence(c *cand) []string {
	a, ss := w.a, w.snap.Sessions
	p := &ss[c.newest]
	var out []string
	switch c.rel {
	case relSame:
		out = append(out, "same directory "+a.dir)
	case relInputInside:
		out = append(out, fmt.Sprintf("directory %s is inside its %s", a.dir, p.Directory))
	case relSessionInside:
		out = append(out, fmt.Sprintf("its directory %s is inside %s", p.Directory, a.dir))
	case relDifferent:
		out = append(out, fmt.Sprintf("different directory: %s vs its %s", a.dir, p.Directory))
	}
	switch c.feat {
	case 2, 1:
		out = append(out, fmt.Sprintf("feature %q matches this task's (from %s)", p.Feature, a.labelSrc))
	case -1, -2:
		out = append(out, fmt.Sprintf("feature %q (%s) differs from its %q", a.label, a.labelSrc, p.Feature))
	}
	return out
}

func (w *walker) howSame(c *cand) []string {
	out := w.whereEvidence(c)
	if c.area.kind != 0 {
		out = append(out, w.areaText(c))
	}
	if ws := w.a.words(c.subjects(w.a)); len(ws) > 0 && !w.a.hasArea {
		out = append(out, "shares "+quote(ws))
	}
	var keep []string
	for _, s := range out {
		if !strings.HasPrefix(s, "different") && !strings.Contains(s, "differs") {
			keep = append(keep, s)
		}
	}
	return keep
}

func (w *walker) taskArea() string {
	a := w.a
	var parts []string
	if a.dir != "" {
		parts = append(parts, "directory "+a.dir)
	}
	for _, p := range a.patterns {
		parts = append(parts, "@{"+p.text+"}")
	}
	if a.label != "" {
		parts = append(parts, fmt.Sprintf("feature %q (from %s)", a.label, a.labelSrc))
	}
	if len(parts) == 0 {
		return "no area named"
	}
	return strings.Join(parts, ", ")
}

func sessionArea(p *Past) string {
	s := shortID(p.SessionID) + ": "
	if p.Directory != "" {
		s += p.Directory
	} else {
		s += "no directory"
	}
	if p.Feature != "" {
		s += fmt.Sprintf(" (feature %q)", p.Feature)
	}
	return s
}

func (w *walker) areaText(c *cand) string {
	return c.area.describe(w.snap.Sessions[c.newest].Directory, w.a.dir)
}

func (w *walker) taskOf(c *cand) string {
	p := &w.snap.Sessions[c.newest]
	if p.Task != "" {
		return p.Task
	}
	return p.Purpose
}

func (w *walker) id(c *cand) string { return shortID(w.snap.Sessions[c.newest].SessionID) }

func (w *walker) label(c *cand) string {
	if c == nil {
		return "the earlier session"
	}
	t := w.taskOf(c)
	if len(t) > 60 {
		t = t[:57] + "..."
	}
	return fmt.Sprintf("%s (%q)", w.id(c), t)
}

func (w *walker) labels(cs []cand) string {
	var out []string
	for i := range cs {
		out = append(out, w.label(&cs[i]))
	}
	return strings.Join(out, ", ")
}

func (w *walker) ids(cs []cand) string {
	var out []string
	for i := range cs {
		out = append(out, w.id(&cs[i]))
	}
	return strings.Join(out, ", ")
}

func (w *walker) ageEvidence(c *cand) string {
	p := &w.snap.Sessions[c.newest]
	s := "last ran " + ago(c.age) + " ago"
	if p.Status != "" && p.Status != "completed" {
		s += ", status " + p.Status
	}
	return s
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:8]
	}
	return id
}

func quote(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = fmt.Sprintf("%q", w)
	}
	return strings.Join(q, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// replaces: the task does the work "instead of" what prev did ("a queue instead of the
// polling" after "Implement polling").
func (w *walker) replaces(prev *cand) bool {
	if len(w.a.insteadOf) == 0 {
		return false
	}
	p := &w.snap.Sessions[prev.newest]
	for _, t := range append(tokenize(p.Task, false), tokenize(p.FirstTask, false)...) {
		for _, o := range w.a.insteadOf {
			if t.stem == stem(o) {
				return true
			}
		}
	}
	return false
}

// elsewhere: the task names files (patterns or paths) and the session's known files and
// patterns lie outside all of them.
func (w *walker) elsewhere(prev *cand) bool {
	p := &w.snap.Sessions[prev.newest]
	return len(w.a.areas) > 0 && prev.area.kind == 0 && (len(p.Files) > 0 || strings.Contains(p.Context, "@{"))
}
