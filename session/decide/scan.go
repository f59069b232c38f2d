package decide

import (
	"math"
	"math/bits"
	"sort"
	"strings"
	"time"
)

// Bounds that keep Decide linear and cheap on a large memory. Every session gets the
// cheap structural comparison (conversation, directory, feature, age); the text of a
// session is read only when it can matter.
const (
	maxConvText  = 128  // sessions of this conversation that are read and scored (newest first)
	maxCrossText = 1024 // other conversations' sessions read when the task explicitly continues earlier work
	maxNearText  = 128  // other conversations' sessions in the same area, read to list as candidates
	maxMsgBytes  = 512  // of a session's last message
	maxFiles     = 64   // of a session's changed files
	topK         = 8
)

// cand is one session's evaluation.
type cand struct {
	idx      int // into Snapshot.Sessions (the best-scoring entry of the session)
	newest   int // the newest entry of the session
	inConv   bool
	eligible bool // can be "the previous Codex task"
	rel      dirRel
	area     areaHit // file patterns / directories overlap
	feat     int8    // 2 label match (module-naming labels), 1 weak match, -1 conflict, -2 conflict with the caller's feature
	prim     uint64  // task words found in the session's task, feature or directory
	sec      uint64  // … in its purpose or context
	msg      uint64  // … in its last message
	scanned  bool
	age      time.Duration
	phase    phase
	follow   bool // the task is a later lifecycle phase of this session's
	recent   bool // the newest session of this conversation
	module   bool // same module/feature area as the task (nodes 5 and 6)
	score    float64
	dups     int
}

func (c *cand) subjects(a *analysis) uint64 { return (c.prim | c.sec) & a.subj }

// related by what the work is about: shared subject words or overlapping file patterns.
func (c *cand) subjectEvidence(a *analysis) bool { return c.subjects(a) != 0 || c.area.kind != 0 }

// related by where the work is: directory, patterns or module label.
func (c *cand) moduleEvidence() bool {
	if c.feat == -2 {
		return c.area.kind != 0 // the caller's different feature outranks a shared directory
	}
	return c.rel == relSame || c.rel == relInputInside || c.area.kind != 0 || c.feat == 2
}

func (c *cand) termScore(a *analysis) float64 {
	var s float64
	m := c.prim | c.sec | c.msg
	for m != 0 {
		id := bits.TrailingZeros64(m)
		m &= m - 1
		bit := uint64(1) << id
		w := a.terms[id].weight
		switch {
		case c.prim&bit != 0:
			s += weights.InPrimary * w
		case c.sec&bit != 0:
			s += weights.InSecondary * w
		default:
			s += weights.InMessage * w
		}
	}
	return min(s, weights.TermCap)
}

// compute scores c; with rec non-nil it also records each signal's contribution (only
// for the few candidates reported: scoring runs over every session read).
func (c *cand) compute(a *analysis, rec *[]Contribution) {
	s := 0.0
	add := func(signal string, v float64) {
		if v == 0 {
			return
		}
		s += v
		if rec != nil {
			*rec = append(*rec, Contribution{Signal: signal, Value: round2(v)})
		}
	}
	if c.inConv {
		add("conversation", weights.SameConversation)
	}
	switch c.rel {
	case relSame:
		add("directory", weights.SameDirectory)
	case relInputInside:
		add("directory", weights.TaskInside)
	case relSessionInside:
		add("directory", weights.SessionInside)
	case relProject:
		add("directory", weights.SameProject)
	case relDifferent:
		add("directory", weights.DifferentDirectory)
	}
	if c.area.kind != 0 {
		add("files", weights.FileOverlap)
	}
	switch c.feat {
	case 2:
		add("feature", weights.FeatureMatch)
	case 1:
		add("feature", weights.FeatureWeak)
	case -1:
		add("feature", weights.FeatureConflict)
	case -2:
		add("feature", weights.FeatureConflictExplicit)
	}
	add("subject", c.termScore(a))
	if c.scanned {
		switch named := a.subj & a.inTask; {
		case named != 0 && c.subjects(a)&named == 0:
			add("unshared_subject", weights.NamesOther)
		case a.subj != 0 && c.subjects(a) == 0:
			add("unshared_subject", weights.NoSharedSubject)
		}
	}
	add("recency", weights.RecencyMax/(1+c.age.Hours()/weights.RecencyHalfLifeHours))
	if c.recent {
		add("latest", weights.Latest)
	}
	if c.follow {
		add("lifecycle", weights.Follow)
	}
	if len(a.latest) > 0 && c.recent && c.inConv {
		add("back_reference", weights.LatestRef)
	} else if len(a.back) > 0 && (c.subjectEvidence(a) || c.recent && !a.namesSubject()) {
		add("back_reference", weights.BackRef)
	} else if len(a.weak) > 0 && c.subjectEvidence(a) {
		add("back_reference", weights.WeakRef)
	}
	c.score = s
}

// nameEvidence: c shares a subject word that names something, not only a kind of
// thing ("boarding pass screen" and "signup screen" share no subject).
func (c *cand) nameEvidence(a *analysis, p *Past) bool {
	var text func() string
	if c.inConv { // node 5 looks at this conversation's sessions only
		text = func() string { return p.Task + ". " + p.FirstTask }
	}
	m := a.named(c.subjects(a), text)
	for id := range a.terms {
		if m&(1<<id) != 0 && !kindNoun[a.terms[id].word] {
			return true
		}
	}
	return false
}

// strongSubject: c shares what the task is about, not just a word of it: the task's
// first own subject word ("the rate limiter we added … for the mobile clients" is about
// a rate limiter, not clients), or two of its own subject words.
func (c *cand) strongSubject(a *analysis) bool {
	own := a.ownSubject()
	shared := c.subjects(a) & own
	if shared == 0 {
		return false
	}
	if bits.OnesCount64(shared) >= 2 {
		return true
	}
	// the first own word, the project's own name left out ("the ztar compression work"
	// in the ztar repository is about compression)
	for m := own; m != 0; m &= m - 1 {
		first := m & -m // the lowest id: terms are numbered in task order
		if id := bits.TrailingZeros64(first); a.rootStem == "" || a.rootStem != stem(a.terms[id].word) {
			return shared&first != 0
		}
	}
	return false
}

// bound: a lifecycle follow-up belongs to c only when it names no subject of its own
// ("Add tests") or a subject c shares ("Add tests for the parser" after the parser).
//
// Read as noun phrases (analysis.named): "Document the dbt_snapshots DAG" after "the
// ingest_orders DAG" shares only the kind; a kind alone names no other thing ("Add
// error handling to the endpoint").
func (c *cand) bound(a *analysis, p *Past) bool {
	if c.area.kind != 0 || a.ownSubject() == 0 {
		return true
	}
	if c.subjects(a)&a.inTask == 0 {
		return false
	}
	names := a.named(c.subjects(a), func() string { return p.Task + ". " + p.FirstTask })
	return a.nonKind(a.ownSubject()) == 0 || a.nonKind(names)&a.inTask != 0
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

type scanResult struct {
	top        []cand // eligible, best first, one per session
	others     []cand // other conversations, not eligible, with some evidence (to list)
	inConv     int
	otherConv  int
	recent     *cand // newest session of this conversation
	module     *cand // newest session of this conversation in the task's area
	areas      []int // a few distinct sessions of this conversation, for node 5's evidence
	crossOK    bool
	mergeFrom  []cand
	noAreaHint bool // the task names no area and no subject: the latest area is assumed
}

func ageOf(now time.Time, p *Past) time.Duration {
	t := p.UpdatedAt
	if t.IsZero() {
		t = p.StartedAt
	}
	if t.IsZero() || now.IsZero() {
		return 365 * 24 * time.Hour
	}
	d := now.Sub(t)
	if d < 0 {
		return 0
	}
	return d
}

// labelMatch: equal ignoring case, or one is the other plus a "-suffix".
func labelMatch(x, y string) bool {
	if len(x) == 0 || len(y) == 0 || lower(x[0]) != lower(y[0]) {
		return false // the common case, decided without a call
	}
	if x == y || strings.EqualFold(x, y) {
		return true
	}
	if len(x) > len(y) {
		x, y = y, x
	}
	return len(x) >= 2 && len(y) > len(x) && y[len(x)] == '-' && strings.EqualFold(y[:len(x)], x)
}

func newer(ss []Past, i, j int) bool { // is entry i newer than entry j
	ti, tj := ss[i].UpdatedAt, ss[j].UpdatedAt
	if ti.Equal(tj) {
		return i < j
	}
	return ti.After(tj)
}

type topList struct {
	items []cand
	cap   int
}

func (t *topList) add(c cand, ss []Past) {
	id := ss[c.idx].SessionID
	if len(t.items) == t.cap && c.score <= t.items[len(t.items)-1].score {
		return
	}
	for j := range t.items {
		o := &t.items[j]
		if id != "" && ss[o.idx].SessionID == id {
			newest := o.newest
			if newer(ss, c.newest, newest) {
				newest = c.newest
			}
			dups := o.dups + 1
			if c.score > o.score {
				*o = c
			}
			o.newest, o.dups = newest, dups
			t.sort()
			return
		}
	}
	if len(t.items) < t.cap {
		t.items = append(t.items, c)
	} else {
		t.items[len(t.items)-1] = c
	}
	t.sort()
}

func (t *topList) sort() {
	// insertion sort: the list is short and nearly sorted
	for i := 1; i < len(t.items); i++ {
		for j := i; j > 0 && better(&t.items[j], &t.items[j-1]); j-- {
			t.items[j], t.items[j-1] = t.items[j-1], t.items[j]
		}
	}
}

func better(x, y *cand) bool {
	if x.score != y.score {
		return x.score > y.score
	}
	return x.idx < y.idx
}

type evalMode uint8

const (
	modeSkip  evalMode = iota // counted only
	modeArea                  // this conversation, beyond maxConvText: only its area is judged
	modeLight                 // task, feature and directory are read
	modeFull                  // all text fields are read
)

func scanSessions(a *analysis, in *Input, snap *Snapshot) *scanResult {
	r := &scanResult{}
	ss := snap.Sessions
	// An explicit continuation reads other conversations widely; a weaker reference back
	// reaches only their sessions in the task's area (read as "near" below).
	r.crossOK = len(a.cross) > 0 || a.relationContinues
	r.noAreaHint = !a.hasArea && a.subj == 0
	top := topList{cap: topK}
	others := topList{cap: 3}
	recentIdx := -1
	var module cand
	haveModule := false
	convText, crossText, nearText := 0, 0, 0

	for i := range ss {
		s := &ss[i]
		inConv := in.ConversationID == "" || s.ConversationID == in.ConversationID
		rel := a.dirRel(s.Directory)
		var feat int8
		if a.label != "" && s.Feature != "" && !a.rootLabel(s) {
			feat = a.featureRel(s.Feature)
		}
		mode := modeSkip
		switch {
		case inConv && convText < maxConvText:
			mode = modeFull
			convText++
		case inConv:
			mode = modeArea
		case r.crossOK && crossText < maxCrossText:
			mode = modeLight
			crossText++
		case (rel == relSame || rel == relInputInside || rel == relSessionInside || rel == relProject || feat > 0) && nearText < maxNearText:
			mode = modeLight
			nearText++
		}
		if inConv {
			r.inConv++
			// sessions come newest first: a later entry is newer only if strictly after
			if recentIdx < 0 || s.UpdatedAt.After(ss[recentIdx].UpdatedAt) {
				recentIdx = i
			}
			if len(r.areas) < 3 && r.inConv <= 64 {
				dup := false
				for _, j := range r.areas {
					if ss[j].Directory == s.Directory && ss[j].Feature == s.Feature {
						dup = true
					}
				}
				if !dup {
					r.areas = append(r.areas, i)
				}
			}
		} else {
			r.otherConv++
		}
		switch mode {
		case modeSkip:
			continue
		case modeArea:
			if haveModule {
				continue // newest first: the area's newest session is already known
			}
		}
		c := evalSession(a, snap, i, inConv, rel, feat, mode)
		if c.inConv && c.module && (!haveModule || s.UpdatedAt.After(ss[module.idx].UpdatedAt)) {
			module, haveModule = c, true
		}
		switch {
		case mode == modeArea:
		case c.eligible:
			top.add(c, ss)
		case c.subjectEvidence(a) || c.moduleEvidence():
			others.add(c, ss)
		}
	}

	if recentIdx >= 0 {
		// The newest session of the conversation is "the previous Codex task" in the
		// seed's literal sense; make sure it is in the list and marked.
		recentID := ss[recentIdx].SessionID
		marked := false
		for j := range top.items {
			if ss[top.items[j].idx].SessionID == recentID {
				top.items[j].recent = true
				marked = true
			}
		}
		if !marked {
			var feat int8
			if !a.rootLabel(&ss[recentIdx]) {
				feat = a.featureRel(ss[recentIdx].Feature)
			}
			c := evalSession(a, snap, recentIdx, true, a.dirRel(ss[recentIdx].Directory), feat, modeFull)
			c.recent = true
			top.cap++
			top.add(c, ss)
		}
	}
	// Phases, lifecycle follow-ups and the final scores of the few best.
	for j := range top.items {
		c := &top.items[j]
		c.age = ageOf(snap.Now, &ss[c.newest]) // a session is as recent as its newest run
		c.phase = sessionPhase(&ss[c.newest])
		c.follow = a.phase != phUnknown && a.phase.follows(c.phase) && c.bound(a, &ss[c.idx])
		c.compute(a, nil)
	}
	top.sort()
	r.top = top.items
	r.others = others.items
	for j := range r.top {
		if r.top[j].recent {
			cp := r.top[j]
			r.recent = &cp
		}
	}
	if haveModule {
		for j := range r.top {
			if ss[r.top[j].idx].SessionID == ss[module.idx].SessionID {
				module = r.top[j]
			}
		}
		if module.phase == phUnknown {
			module.phase = sessionPhase(&ss[module.newest])
		}
		r.module = &module
	}
	pool := r.top
	if len(a.merge) > 0 {
		// "bring the cart, the coupons and Stripe together": an explicit merge draws on
		// the sessions it names wherever they ran
		pool = append(append([]cand(nil), r.top...), r.others...)
	}
	r.mergeFrom = mergeSet(a, snap, pool)
	return r
}

// dirRel relates a session's directory to the task's. Sharing only the project root
// (one of them is the root) is relProject: the same repository, no module in common.
func (a *analysis) dirRel(sdir string) dirRel {
	if a.dir == "" || sdir == "" {
		return relUnknown
	}
	rel := relate(a.dir, sdir)
	if rel == relDifferent && strings.IndexByte(sdir, '\\') >= 0 {
		sdir = cleanDir(sdir)
		rel = relate(a.dir, sdir)
	}
	if a.root != "" && rel != relDifferent && (a.atRoot || rootish(sdir, a.root)) {
		return relProject
	}
	return rel
}

// rootLabel: the session's feature is only its project root's name (labelled from the
// directory by an older server): it names no module.
func (a *analysis) rootLabel(s *Past) bool {
	return a.root != "" && s.Feature != "" && rootish(cleanDir(s.Directory), a.root) && labelMatch(s.Feature, dirFeature(a.root))
}

func sessionDir(s *Past) string {
	if strings.IndexByte(s.Directory, '\\') >= 0 {
		return cleanDir(s.Directory)
	}
	return s.Directory
}

func (a *analysis) featureRel(f string) int8 {
	if a.label == "" || f == "" {
		return 0
	}
	switch {
	case labelMatch(a.label, f):
		if a.labelSrc >= srcPattern {
			return 2
		}
		return 1
	case a.labelSrc == srcExplicit:
		return -2
	case a.labelSrc >= srcPattern:
		return -1
	}
	return 0
}

// evalSession reads one session as far as mode says and scores it.
func evalSession(a *analysis, snap *Snapshot, i int, inConv bool, rel dirRel, feat int8, mode evalMode) cand {
	s := &snap.Sessions[i]
	c := cand{idx: i, newest: i, inConv: inConv, rel: rel, feat: feat}
	c.age = ageOf(snap.Now, s)
	sdir := sessionDir(s)
	switch mode {
	case modeFull:
		c.scanned = true
		c.prim = a.match(s.Task, false) | a.match(s.FirstTask, false) | a.match(s.Feature, true) | a.matchDir(sdir)
		c.sec = a.match(s.Purpose, false) | a.match(s.Context, false)
		for i, f := range s.Files {
			if i == maxFiles {
				break
			}
			c.sec |= a.matchFile(f)
		}
		msg := s.LastMessage
		if len(msg) > maxMsgBytes {
			msg = msg[:maxMsgBytes]
		}
		c.msg = a.match(msg, false) &^ (c.prim | c.sec)
		c.area = patternOverlap(a, sdir, s.Context)
		if c.area.kind == 0 {
			c.area = fileOverlap(a, sdir, s.Files)
		}
	case modeLight:
		c.scanned = true
		c.prim = a.match(s.Task, false) | a.match(s.FirstTask, false) | a.match(s.Feature, true) | a.matchDir(sdir)
		c.area = patternOverlap(a, sdir, s.Context)
		if c.area.kind == 0 {
			c.area = fileOverlap(a, sdir, s.Files)
		}
	}
	if inConv {
		c.eligible = true
	} else {
		// memory from other conversations counts only when the task explicitly
		// continues earlier work (or the caller says it relates); a weaker reference back
		// ("that cache", "still") needs both the subject and the area to match
		switch {
		case mode != modeLight:
		case a.relationContinues:
			c.eligible = c.subjectEvidence(a) || c.moduleEvidence()
		case len(a.cross) > 0:
			c.eligible = c.strongSubject(a) || a.ownSubject() == 0 && c.moduleEvidence()
		case len(a.back) > 0 || len(a.weak) > 0 || len(a.problem) > 0:
			// a weaker reference back, or a problem report about something that exists
			c.eligible = c.strongSubject(a) && (c.moduleEvidence() || c.rel == relProject) ||
				len(a.problem) > 0 && c.area.kind != 0
		}
	}
	switch {
	case a.hasArea:
		c.module = c.moduleEvidence()
	case a.subj != 0:
		// (a subject word shared with a session in another repository is no shared area)
		c.module = c.rel != relDifferent && (c.nameEvidence(a, s) || c.area.kind != 0 || c.feat >= 1)
	default:
		c.module = true // the task names no area: the latest one is assumed
	}
	c.compute(a, nil)
	return c
}

func sessionPhase(p *Past) phase {
	ph := detectPhase(tokenize(p.Task, false))
	if ph == phUnknown {
		ph = detectPhase(tokenize(p.Purpose, false))
	}
	return ph
}

// areaHit records how the task's files and a session's overlap (kind 0: not at all).
type areaHit struct {
	kind uint8  // 1 the session ran inside a task pattern, 2 patterns overlap, 3 the task's directory is inside a session pattern, 4 it changed files under a task pattern, 5 … inside the task's directory
	in   string // the task's pattern, as written
	sess string // the session's pattern, as written
}

func (h areaHit) describe(sdir, dir string) string {
	switch h.kind {
	case 1:
		return "task pattern @{" + h.in + "} covers its directory " + sdir
	case 2:
		return "file patterns overlap: @{" + h.in + "} ~ @{" + h.sess + "}"
	case 3:
		return "directory " + dir + " is inside its pattern @{" + h.sess + "}"
	case 4:
		return "it changed " + h.sess + ", under task pattern @{" + h.in + "}"
	case 5:
		return "it changed " + h.sess + ", inside directory " + dir
	}
	return ""
}

// patternOverlap compares the task's area (directory, @{} patterns) with a session's
// (directory, @{} patterns in its context). It does not allocate.
func patternOverlap(a *analysis, sdir, sctx string) areaHit {
	hasSP := strings.Contains(sctx, "@{")
	if len(a.areas) == 0 && (a.dir == "" || !hasSP) {
		return areaHit{}
	}
	if sdir != "" {
		for _, ar := range a.areas {
			if !meaningful(ar.v.rel) {
				continue
			}
			if ar.v.dir != "" && within(vpath{sdir, ""}, ar.v) || ar.v.dir == "" && hasRun(sdir, ar.v.rel) {
				return areaHit{kind: 1, in: ar.text}
			}
		}
	}
	if !hasSP {
		return areaHit{}
	}
	it := patternIter{s: sctx}
	for {
		text, prefix, ok := it.next()
		if !ok {
			return areaHit{}
		}
		if prefix == "" {
			continue
		}
		sv := vpath{sdir, prefix}
		for _, ar := range a.areas {
			if ar.v.dir != "" && sdir != "" && overlap(ar.v, sv) || (ar.v.dir == "" || sdir == "") && overlap(vpath{"", ar.v.rel}, vpath{"", prefix}) {
				return areaHit{kind: 2, in: ar.text, sess: text}
			}
		}
		if a.dir != "" && sdir != "" && within(vpath{a.dir, ""}, sv) && meaningful(prefix) {
			return areaHit{kind: 3, sess: text}
		}
	}
}

// mergeSet finds the seed's Session Merge by structure: the task names the subjects of
// two or more sessions (each matched, by the task's own words, on something the others
// do not match; or several sessions named at once: "the two charts") and joins them,
// with a joining verb ("wire", "integrate", "together") or, for a task that is not a
// lifecycle step of one of them, a joining preposition ("the flags fall back to values
// from the config"). "Add retries to the uploader" is an enhancement, not a merge.
func mergeSet(a *analysis, snap *Snapshot, top []cand) []cand {
	joined := len(a.merge) > 0 || a.joined && (a.phase == phUnknown || a.phase == phImplement)
	if !joined || len(top) < 2 {
		return nil
	}
	own := a.subj // the context may name them too ("components A and B from session memory")
	if len(a.merge) == 0 {
		own &= a.inTask
	}
	named := make([]uint64, len(top))
	for i := range top {
		p := &snap.Sessions[top[i].newest]
		named[i] = (a.matchExact(p.Task, false) | a.matchExact(p.FirstTask, false) | a.matchExact(p.Feature, true)) & own
	}
	var out []cand
	for i := range top {
		var rest uint64
		for j := range top {
			if j != i {
				rest |= named[j]
			}
		}
		if named[i]&^rest != 0 {
			out = append(out, top[i])
		}
	}
	if len(out) < 2 && (a.both || len(a.merge) > 0) {
		// "the two charts", "integrate the components": one word names several sessions
		out = out[:0]
		for id := range a.terms {
			bit := uint64(1) << id
			var with []cand
			for i := range top {
				if named[i]&bit != 0 && top[i].inConv {
					with = append(with, top[i])
				}
			}
			if len(with) >= 2 {
				out = with
				break
			}
		}
	}
	if len(out) < 2 {
		return nil
	}
	sort.SliceStable(out, func(i, j int) bool { return better(&out[i], &out[j]) })
	return out
}

// hasRun: absolute path s contains the relative path rel as whole components.
func hasRun(s, rel string) bool {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], rel)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(rel)
		if i > 0 && s[i-1] == '/' && (end == len(s) || s[end] == '/') {
			return true
		}
		off = i + 1
	}
	return false
}

// fileOverlap: the session changed files under one of the task's patterns, or inside the
// task's directory (when that names a module, not just the project root).
func fileOverlap(a *analysis, sdir string, files []string) areaHit {
	if len(files) == 0 || len(a.areas) == 0 && (a.dir == "" || a.atRoot) {
		return areaHit{}
	}
	for i, f := range files {
		if i == maxFiles {
			break
		}
		fv := vpath{sdir, f}
		if len(f) > 0 && f[0] == '/' || sdir == "" {
			fv = vpath{"", f}
		}
		for _, ar := range a.areas {
			if !meaningful(ar.v.rel) {
				continue
			}
			if ar.v.dir != "" && fv.dir != "" && within(fv, ar.v) || (ar.v.dir == "" || fv.dir == "") && within(vpath{"", f}, vpath{"", ar.v.rel}) {
				return areaHit{kind: 4, in: ar.text, sess: f}
			}
		}
		// the task's directory, narrower than the session's, holds files it changed (in
		// the same directory this says no more than the directory does)
		if a.dir != "" && !a.atRoot && fv.dir != "" && a.dir != sdir && within(fv, vpath{a.dir, ""}) && meaningful(a.dir) {
			return areaHit{kind: 5, sess: f}
		}
	}
	return areaHit{}
}
