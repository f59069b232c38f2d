package decide

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The seed is ../shared/seed/000_4a1c40c698f24aad.txt ("Codex Session Management").
// Each row below is one of its examples, top to bottom. A row plays the seed's
// commands in order: every step is decided against the memory the earlier steps
// left (a "new" decision records a session, a "resume" updates it), so each
// Snapshot is what the seed's earlier commands would have left. `-C dir` becomes
// Directory "/repo/dir" ("-C project" is "/repo"); a `resume --last` command has no
// directory.

var t0 = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

type seedStep struct {
	in     Input
	newID  string        // id the session gets when the decision is "new"
	after  time.Duration // time since the previous step; default 10m
	want   string        // Resume or New
	wantID string        // the session resumed (Resume), or the running one (RunningSessionID)
	path   string        // "node:answer ..." with spaces in answers as "_"
	merge  []string      // Decision.MergeFrom, any order
}

type seedRow struct {
	name    string
	seed    string // what the seed says
	history []Past // memory before the example's first command, newest first
	steps   []seedStep
}

func pathString(d Decision) string {
	var parts []string
	for _, s := range d.Path {
		parts = append(parts, fmt.Sprintf("%d:%s", s.Node, strings.ReplaceAll(s.Answer, " ", "_")))
	}
	return strings.Join(parts, " ")
}

func dump(d Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "decision=%s session=%q running=%q conf=%.2f feature=%q merge=%v\nreason: %s\n", d.Decision, d.SessionID, d.RunningSessionID, d.Confidence, d.Feature, d.MergeFrom, d.Reason)
	for _, s := range d.Path {
		fmt.Fprintf(&b, "  [%d] %s -> %s (overridden=%v)\n", s.Node, s.Question, s.Answer, s.Overridden)
		for _, e := range s.Evidence {
			fmt.Fprintf(&b, "        - %s\n", e)
		}
	}
	for _, c := range d.Candidates {
		fmt.Fprintf(&b, "  cand %s %.2f %v\n", c.SessionID, c.Score, c.Reasons)
	}
	return b.String()
}

var questions = map[int]string{1: QRelated, 2: QExtends, 3: QNeedsContext, 4: QFirst, 5: QDifferent, 6: QRecent}

// checkShape: the path follows the tree's edges and every step has evidence.
func checkShape(t *testing.T, d Decision) {
	t.Helper()
	next := map[string]int{"1:yes": 2, "1:no": 4, "2:no": 3, "4:no": 5, "5:no": 6}
	for i, s := range d.Path {
		if questions[s.Node] != s.Question {
			t.Errorf("step %d: node %d has question %q", i, s.Node, s.Question)
		}
		if len(s.Evidence) == 0 {
			t.Errorf("step %d (node %d) has no evidence", i, s.Node)
		}
		key := fmt.Sprintf("%d:%s", s.Node, s.Answer)
		if i+1 < len(d.Path) && next[key] != d.Path[i+1].Node {
			t.Errorf("step %d: %s is followed by node %d", i, key, d.Path[i+1].Node)
		}
		if i+1 == len(d.Path) && next[key] != 0 {
			t.Errorf("path ends at %s, which is not a leaf", key)
		}
	}
	if d.Confidence <= 0 || d.Confidence > 1 {
		t.Errorf("confidence %v out of range", d.Confidence)
	}
	if d.Decision == Resume && d.SessionID == "" || d.Decision == New && d.SessionID != "" {
		t.Errorf("decision %q with session %q", d.Decision, d.SessionID)
	}
	if d.Reason == "" {
		t.Errorf("no reason")
	}
}

// apply records what running the step did to memory.
func apply(ss []Past, in Input, d Decision, newID string, now time.Time) []Past {
	if d.Decision == Resume {
		i := slices.IndexFunc(ss, func(p Past) bool { return p.SessionID == d.SessionID })
		p := ss[i]
		p.Task, p.Purpose, p.Context = in.Task, in.Purpose, in.Context
		p.Turns++
		p.UpdatedAt = now.Add(time.Minute)
		p.LastMessage = "Done: " + in.Task
		rest := slices.Delete(slices.Clone(ss), i, i+1)
		return append([]Past{p}, rest...)
	}
	p := Past{SessionID: newID, ConversationID: in.ConversationID, Directory: in.Directory, Feature: d.Feature,
		Task: in.Task, Purpose: in.Purpose, Context: in.Context, LastMessage: "Done: " + in.Task,
		Status: "completed", StartedAt: now, UpdatedAt: now.Add(time.Minute), Turns: 1, Source: "server"}
	return append([]Past{p}, ss...)
}

func runRow(t *testing.T, row seedRow) {
	t.Helper()
	now := t0
	ss := slices.Clone(row.history)
	for i, st := range row.steps {
		if st.after == 0 {
			st.after = 10 * time.Minute
		}
		now = now.Add(st.after)
		in := st.in
		if in.ConversationID == "" {
			in.ConversationID = "c1"
		}
		d := Decide(in, Snapshot{Now: now, Sessions: ss})
		name := fmt.Sprintf("step %d %q", i+1, in.Task)
		checkShape(t, d)
		ok := d.Decision == st.want && pathString(d) == st.path
		switch {
		case st.want == Resume:
			ok = ok && d.SessionID == st.wantID
		case st.wantID != "":
			ok = ok && d.RunningSessionID == st.wantID
		}
		if st.merge != nil {
			got := slices.Clone(d.MergeFrom)
			want := slices.Clone(st.merge)
			slices.Sort(got)
			slices.Sort(want)
			ok = ok && slices.Equal(got, want)
			for _, id := range st.merge {
				if !slices.ContainsFunc(d.Candidates, func(c Candidate) bool { return c.SessionID == id }) {
					ok = false
					t.Errorf("%s: candidates lack merged session %s", name, id)
				}
			}
		}
		if !ok {
			t.Fatalf("%s: want %s %q path %q, got:\n%s", name, st.want, st.wantID, st.path, dump(d))
		}
		if testing.Verbose() {
			t.Logf("%s:\n%s", name, dump(d))
		}
		if d.Decision == New && st.newID == "" {
			st.newID = fmt.Sprintf("s%d", i+1)
		}
		ss = apply(ss, in, d, st.newID, now)
	}
}

const repo = "/repo"

func TestSeedExamples(t *testing.T) {
	// An auth session as the three tasks of the first example leave it, one entry
	// per run (memory may record runs; Decide merges them by session id).
	authRuns := []Past{
		{SessionID: "auth", ConversationID: "c1", Directory: repo, Feature: "auth", Task: "Generate comprehensive tests for auth module",
			Purpose: "Increase test coverage", Context: "Auth implementation from current session", Status: "completed",
			StartedAt: t0.Add(-90 * time.Minute), UpdatedAt: t0.Add(-20 * time.Minute), Turns: 3, Source: "server"},
		{SessionID: "auth", ConversationID: "c1", Directory: repo, Feature: "auth", Task: "Add JWT token validation and refresh logic",
			Purpose: "Enhance authentication security", Context: "Previous auth implementation from current session", Status: "completed",
			StartedAt: t0.Add(-90 * time.Minute), UpdatedAt: t0.Add(-50 * time.Minute), Turns: 2, Source: "server"},
		{SessionID: "auth", ConversationID: "c1", Directory: repo, Feature: "auth", Task: "Create JWT-based authentication system",
			Purpose: "Implement user authentication", Context: "@{src/auth/**/*} Database schema from session memory", Status: "completed",
			StartedAt: t0.Add(-90 * time.Minute), UpdatedAt: t0.Add(-80 * time.Minute), Turns: 1, Source: "server"},
	}
	// The same auth work as one entry per session, plus a payment session after it.
	authAndPayment := []Past{
		{SessionID: "pay", ConversationID: "c1", Directory: repo + "/src/payment", Feature: "payment", Task: "Payment implementation",
			Status: "completed", StartedAt: t0.Add(-15 * time.Minute), UpdatedAt: t0.Add(-5 * time.Minute), Turns: 1, Source: "server"},
		{SessionID: "auth", ConversationID: "c1", Directory: repo, Feature: "auth", Task: "Create JWT-based authentication system",
			Purpose: "Implement user authentication", Context: "@{src/auth/**/*} Database schema from session memory", Status: "completed",
			StartedAt: t0.Add(-90 * time.Minute), UpdatedAt: t0.Add(-30 * time.Minute), Turns: 3, Source: "server"},
	}
	apiAndDB := []Past{
		{SessionID: "db", ConversationID: "c1", Directory: repo + "/db", Feature: "db", Task: "Create user table",
			Status: "completed", StartedAt: t0.Add(-20 * time.Minute), UpdatedAt: t0.Add(-15 * time.Minute), Turns: 1, Source: "server"},
		{SessionID: "api", ConversationID: "c1", Directory: repo + "/src/api", Feature: "api", Task: "Create REST API endpoints for products",
			Status: "completed", StartedAt: t0.Add(-60 * time.Minute), UpdatedAt: t0.Add(-40 * time.Minute), Turns: 1, Source: "server"},
	}
	yesterday := []Past{
		{SessionID: "old-auth", ConversationID: "c0", Directory: repo + "/src/auth", Feature: "auth", Task: "Auth implementation",
			Status: "completed", StartedAt: t0.Add(-21 * time.Hour), UpdatedAt: t0.Add(-20 * time.Hour), Turns: 2, Source: "server"},
		{SessionID: "old-root", ConversationID: "c0", Directory: repo, Task: "Set up project structure",
			Status: "completed", StartedAt: t0.Add(-22 * time.Hour), UpdatedAt: t0.Add(-22 * time.Hour), Turns: 1, Source: "server"},
	}
	picker := []Past{ // the seed's `codex resume` picker: X 14:30, Y 13:15, Z 12:00; now 15:00
		{SessionID: "featX", ConversationID: "c1", Directory: repo + "/src", Task: "Feature X implementation", Status: "completed",
			StartedAt: t0.Add(-40 * time.Minute), UpdatedAt: t0.Add(-30 * time.Minute), Turns: 1},
		{SessionID: "bugY", ConversationID: "c1", Directory: repo + "/src", Task: "Bug fix Y", Status: "completed",
			StartedAt: t0.Add(-110 * time.Minute), UpdatedAt: t0.Add(-105 * time.Minute), Turns: 1},
		{SessionID: "testZ", ConversationID: "c1", Directory: repo + "/src", Task: "Test generation Z", Status: "completed",
			StartedAt: t0.Add(-3 * time.Hour), UpdatedAt: t0.Add(-3 * time.Hour), Turns: 1},
	}
	jwtSession := []Past{
		{SessionID: "auth", ConversationID: "c1", Directory: repo, Feature: "auth", Task: "Create JWT-based authentication system",
			Purpose: "Implement user authentication", Context: "@{src/auth/**/*}", Status: "completed",
			StartedAt: t0.Add(-60 * time.Minute), UpdatedAt: t0.Add(-30 * time.Minute), Turns: 1, Source: "server"},
	}
	oauth2 := Input{Purpose: "Extend authentication", Task: "Add OAuth2 support", Expected: "OAuth2 integration with existing auth"}
	withContext := func(in Input, ctx string) Input { in.Context = ctx; return in }

	rows := []seedRow{
		{name: "multi-task auth feature (tasks 1-3)", seed: "Task 1: Establish session; Task 2/3: Continue session",
			steps: []seedStep{
				{in: Input{Purpose: "Implement user authentication", Task: "Create JWT-based authentication system",
					Context: "@{src/auth/**/*} Database schema from session memory", Expected: "Complete auth module with middleware", Directory: repo},
					newID: "auth", want: New, path: "1:no 4:yes"},
				{in: Input{Purpose: "Enhance authentication security", Task: "Add JWT token validation and refresh logic",
					Context: "Previous auth implementation from current session", Expected: "JWT validation middleware and token refresh endpoints"},
					want: Resume, wantID: "auth", path: "1:yes 2:yes"},
				{in: Input{Purpose: "Increase test coverage", Task: "Generate comprehensive tests for auth module",
					Context: "Auth implementation from current session", Expected: "Complete test suite with 80%+ coverage"},
					want: Resume, wantID: "auth", path: "1:yes 2:yes"},
			}},
		{name: "related work: profile validation", seed: `"Implement user profile" then "Add profile validation" resume --last`,
			steps: []seedStep{
				{in: Input{Task: "Implement user profile", Directory: repo + "/src"}, newID: "profile", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Add profile validation"}, want: Resume, wantID: "profile", path: "1:yes 2:yes"},
			}},
		{name: "multi-step workflow: endpoint, error handling, tests", seed: "implement → enhance → test cycle",
			steps: []seedStep{
				{in: Input{Task: "Create API endpoint", Directory: repo + "/src"}, newID: "ep", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Add error handling to endpoint"}, want: Resume, wantID: "ep", path: "1:yes 2:yes"},
				{in: Input{Task: "Generate endpoint tests"}, want: Resume, wantID: "ep", path: "1:yes 2:yes"},
			}},
		{name: "context dependency: user table then API", seed: `"Create user table" (-C db) then "Create API for user table" resume --last`,
			steps: []seedStep{
				{in: Input{Task: "Create user table", Directory: repo + "/db"}, newID: "db", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Create API for user table"}, want: Resume, wantID: "db", path: "1:yes 2:no 3:yes"},
			}},
		{name: "first task in conversation", seed: `"Always start fresh": codex -C project exec "New feature"`,
			history: yesterday,
			steps: []seedStep{
				{in: Input{Task: "New feature", Directory: repo}, want: New, path: "1:no 4:yes"},
			}},
		{name: "new independent task", seed: `"Unrelated to previous work": codex -C different-module exec "Different feature"`,
			steps: []seedStep{
				{in: Input{Task: "Auth implementation", Directory: repo + "/src/auth"}, newID: "auth", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Different feature", Directory: repo + "/different-module"}, want: New, path: "1:no 4:no 5:yes"},
			}},
		{name: "different module: auth then payment", seed: `-C src/auth "Auth implementation", later -C src/payment "Payment implementation" (NEW SESSION)`,
			steps: []seedStep{
				{in: Input{Task: "Auth implementation", Directory: repo + "/src/auth"}, newID: "auth", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Payment implementation", Directory: repo + "/src/payment"}, want: New, path: "1:no 4:no 5:yes"},
			}},
		{name: "no recent Codex task", seed: `"No Codex work in conversation history": codex -C project exec "Fresh start"`,
			history: yesterday,
			steps: []seedStep{
				{in: Input{Task: "Fresh start", Directory: repo}, want: New, path: "1:no 4:yes"},
			}},
		{name: "use session context: caching", seed: `"Add caching to API endpoints", CONTEXT: Previous API implementation from current session`,
			history: apiAndDB,
			steps: []seedStep{
				{in: Input{Purpose: "Enhance previous implementation", Task: "Add caching to API endpoints",
					Context: "Previous API implementation from current session", Expected: "Cached endpoints with Redis integration"},
					want: Resume, wantID: "api", path: "1:yes 2:yes"},
			}},
		{name: "combine with file patterns: OAuth2", seed: `"Add OAuth2 support", CONTEXT: @{src/auth/**/*} Previous JWT implementation`,
			history: append([]Past{authAndPayment[0]}, authRuns...),
			steps: []seedStep{
				{in: withContext(oauth2, "@{src/auth/**/*} Previous JWT implementation"), want: Resume, wantID: "auth", path: "1:yes 2:yes"},
			}},
		{name: "multi-phase development (phases 1-4)", seed: "Phase 1 core (new), 2 enhancement, 3 testing, 4 documentation (resume)",
			steps: []seedStep{
				{in: Input{Purpose: "New feature foundation", Task: "Implement core feature logic", Context: "@{src/core/**/*}",
					Expected: "Feature foundation with basic functionality", Directory: repo + "/src/features"}, newID: "core", want: New, path: "1:no 4:yes"},
				{in: Input{Purpose: "Feature enhancement", Task: "Add validation and error handling", Context: "Previous core implementation",
					Expected: "Robust feature with validation"}, want: Resume, wantID: "core", path: "1:yes 2:yes"},
				{in: Input{Purpose: "Test coverage", Task: "Generate comprehensive tests", Context: "Previous implementation with validations",
					Expected: "Test suite with 90%+ coverage"}, want: Resume, wantID: "core", path: "1:yes 2:yes"},
				{in: Input{Purpose: "Feature documentation", Task: "Generate API documentation and usage examples",
					Context: "Complete implementation with tests", Expected: "Comprehensive documentation"}, want: Resume, wantID: "core", path: "1:yes 2:yes"},
			}},
		{name: "effective context reference: good", seed: `CONTEXT: @{src/auth/**/*} Previous JWT implementation, session management patterns`,
			history: authAndPayment,
			steps: []seedStep{{in: withContext(oauth2, "@{src/auth/**/*} Previous JWT implementation, session management patterns"),
				want: Resume, wantID: "auth", path: "1:yes 2:yes"}}},
		{name: "effective context reference: better", seed: `CONTEXT: Previous auth implementation from current session, @{src/auth/**/*,src/middleware/**/*}`,
			history: authAndPayment,
			steps: []seedStep{{in: withContext(oauth2, "Previous auth implementation from current session, @{src/auth/**/*,src/middleware/**/*}"),
				want: Resume, wantID: "auth", path: "1:yes 2:yes"}}},
		{name: "effective context reference: best", seed: `CONTEXT: JWT middleware from previous task, @{src/auth/jwt.ts,src/auth/middleware.ts} Token validation patterns`,
			history: authAndPayment,
			steps: []seedStep{{in: withContext(oauth2, "JWT middleware from previous task, @{src/auth/jwt.ts,src/auth/middleware.ts} Token validation patterns"),
				want: Resume, wantID: "auth", path: "1:yes 2:yes"}}},
		{name: "context continuity: reference previous work", seed: `CONTEXT: Previous implementation of user registration; TASK: Add email verification to registration flow`,
			history: []Past{{SessionID: "reg", ConversationID: "c1", Directory: repo + "/src/auth", Feature: "auth", Task: "Implement user registration",
				Status: "completed", StartedAt: t0.Add(-30 * time.Minute), UpdatedAt: t0.Add(-20 * time.Minute), Turns: 1}},
			steps: []seedStep{{in: Input{Context: "Previous implementation of user registration", Task: "Add email verification to registration flow"},
				want: Resume, wantID: "reg", path: "1:yes 2:yes"}}},
		{name: "context continuity: build on established patterns", seed: `CONTEXT: Authentication patterns from session, existing middleware structure; TASK: Create authorization middleware following auth patterns`,
			history: jwtSession,
			steps: []seedStep{{in: Input{Context: "Authentication patterns from session, existing middleware structure", Task: "Create authorization middleware following auth patterns"},
				want: Resume, wantID: "auth", path: "1:yes 2:no 3:yes"}}},
		{name: "context continuity: maintain consistency", seed: `CONTEXT: API design from previous endpoints, established response format; TASK: Create new endpoint following existing design`,
			history: apiAndDB,
			steps: []seedStep{{in: Input{Context: "API design from previous endpoints, established response format", Task: "Create new endpoint following existing design"},
				want: Resume, wantID: "api", path: "1:yes 2:no 3:yes"}}},
		{name: "feature development cycle", seed: "1. Implement → 2. Enhance → 3. Test → 4. Document",
			steps: []seedStep{
				{in: Input{Task: "Implement feature", Directory: repo + "/src"}, newID: "feat", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Add validations"}, want: Resume, wantID: "feat", path: "1:yes 2:yes"},
				{in: Input{Task: "Generate tests"}, want: Resume, wantID: "feat", path: "1:yes 2:yes"},
				{in: Input{Task: "Write docs"}, want: Resume, wantID: "feat", path: "1:yes 2:yes"},
			}},
		{name: "bug fix cycle", seed: "1. Identify → 2. Fix → 3. Test → 4. Verify",
			steps: []seedStep{
				{in: Input{Task: "Analyze bug", Directory: repo + "/src"}, newID: "bug", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Implement fix"}, want: Resume, wantID: "bug", path: "1:yes 2:yes"},
				{in: Input{Task: "Add regression tests"}, want: Resume, wantID: "bug", path: "1:yes 2:yes"},
				{in: Input{Task: "Verify fix across codebase"}, want: Resume, wantID: "bug", path: "1:yes 2:yes"},
			}},
		{name: "refactoring cycle", seed: "1. Analyze → 2. Plan → 3. Refactor → 4. Test",
			steps: []seedStep{
				{in: Input{Task: "Analyze code for refactoring", Directory: repo + "/src"}, newID: "ref", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Plan refactoring approach"}, want: Resume, wantID: "ref", path: "1:yes 2:yes"},
				{in: Input{Task: "Execute refactoring"}, want: Resume, wantID: "ref", path: "1:yes 2:yes"},
				{in: Input{Task: "Verify refactoring with tests"}, want: Resume, wantID: "ref", path: "1:yes 2:yes"},
			}},
		{name: "session picker: continue an older session", seed: "codex resume picker: Feature X (14:30), Bug fix Y (13:15), Test generation Z (12:00)",
			history: picker,
			steps:   []seedStep{{in: Input{Task: "Continue bug fix Y"}, after: time.Minute, want: Resume, wantID: "bugY", path: "1:yes 2:yes"}}},
		{name: "direct resume: continue the latest", seed: `codex resume --last: "Continue work without picker"`,
			history: picker,
			steps:   []seedStep{{in: Input{Task: "Continue work"}, after: time.Minute, want: Resume, wantID: "featX", path: "1:yes 2:yes"}}},
		{name: "parallel sessions: Enhance A resumes A, not the latest (B)", seed: "Note: resume --last resumes most recent (Feature B), not Feature A",
			steps: []seedStep{
				{in: Input{Task: "Implement A", Directory: repo + "/src/feature-a"}, newID: "A", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Implement B", Directory: repo + "/src/feature-b"}, newID: "B", want: New, path: "1:no 4:no 5:yes"},
				{in: Input{Task: "Enhance A"}, want: Resume, wantID: "A", path: "1:yes 2:yes"},
			}},
		{name: "session branch", seed: "Branch 1: Enhancement (resume); Branch 2: Alternative approach (new session)",
			steps: []seedStep{
				{in: Input{Task: "Main feature", Directory: repo + "/src"}, newID: "main", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Add feature X"}, want: Resume, wantID: "main", path: "1:yes 2:yes"},
				{in: Input{Task: "Try approach Y", Directory: repo + "/src"}, newID: "altY", want: New, path: "1:yes 2:no 3:no"},
			}},
		{name: "session merge", seed: "Component A, Component B (new session), Integration (new session, references both)",
			steps: []seedStep{
				{in: Input{Task: "Create component A", Directory: repo + "/src/components"}, newID: "A", want: New, path: "1:no 4:yes"},
				{in: Input{Task: "Create component B", Directory: repo + "/src/components"}, newID: "B", want: New, path: "1:yes 2:no 3:no"},
				{in: Input{Context: "Component A and B from previous work", Task: "Integrate components", Directory: repo + "/src"},
					want: New, path: "1:yes 2:no 3:no", merge: []string{"A", "B"}},
			}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) { runRow(t, row) })
	}
}
