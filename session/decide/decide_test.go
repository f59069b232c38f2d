package decide

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = t0.Add(8 * time.Hour)

func past(id, conv, dir, task string, ago time.Duration) Past {
	return Past{SessionID: id, ConversationID: conv, Directory: dir, Feature: InferFeature(dir, "", task), Task: task,
		Status: "completed", StartedAt: now.Add(-ago - 5*time.Minute), UpdatedAt: now.Add(-ago), Turns: 1, Source: "server"}
}

type ownCase struct {
	name     string
	in       Input
	sessions []Past
	want     string
	wantID   string
	path     string
	over     []int    // nodes answered by the relation
	evidence []string // substrings some step's evidence must contain
	maxConf  float64
	minConf  float64
}

func runOwn(t *testing.T, c ownCase) Decision {
	t.Helper()
	if c.in.ConversationID == "" {
		c.in.ConversationID = "c1"
	}
	d := Decide(c.in, Snapshot{Now: now, Sessions: c.sessions})
	checkShape(t, d)
	ok := d.Decision == c.want && pathString(d) == c.path
	if c.want == Resume {
		ok = ok && d.SessionID == c.wantID
	} else if c.wantID != "" {
		ok = ok && d.RunningSessionID == c.wantID
	}
	var over []int
	for _, s := range d.Path {
		if s.Overridden {
			over = append(over, s.Node)
		}
	}
	ok = ok && slices.Equal(over, c.over)
	var all []string
	for _, s := range d.Path {
		all = append(all, s.Evidence...)
	}
	joined := strings.Join(all, "\n")
	for _, e := range c.evidence {
		if !strings.Contains(joined, e) {
			ok = false
			t.Errorf("evidence lacks %q", e)
		}
	}
	if c.maxConf > 0 && d.Confidence > c.maxConf || d.Confidence < c.minConf {
		ok = false
		t.Errorf("confidence %.2f outside [%.2f, %.2f]", d.Confidence, c.minConf, c.maxConf)
	}
	if !ok {
		t.Fatalf("want %s %q path %q overridden %v, got overridden %v:\n%s", c.want, c.wantID, c.path, c.over, over, dump(d))
	}
	return d
}

func TestOwnCases(t *testing.T) {
	auth := past("auth", "c1", "/repo/src/auth", "Create JWT-based authentication system", 20*time.Minute)
	db := past("db", "c1", "/repo/db", "Create user table", 15*time.Minute)
	cache := past("cache", "c1", "/repo/src", "Implement caching layer with Redis", 10*time.Minute)
	running := auth
	running.Status, running.UpdatedAt = StatusRunning, now.Add(-time.Minute)
	oauth := past("oauth", "c0", "/repo/src/auth", "Add OAuth2 support", 20*time.Hour)
	oauth.Purpose, oauth.Context = "Extend authentication", "@{src/auth/**/*} Previous JWT implementation"
	pay0 := past("pay0", "c0", "/repo/src/payment", "Payment implementation", 19*time.Hour)
	ext := past("ext", "", "/repo", "Fix flaky CI job", 2*time.Hour)
	ext.Source = "codex"
	ci2 := past("ci", "c2", "/repo", "Fix flaky CI job", 5*time.Minute)
	oldPay := past("pay", "c1", "/repo/src/payment", "Implement payment processing", 5*24*time.Hour)

	cases := []ownCase{
		// The caller's relation answers its node.
		{name: "relation extends overrides nodes 1 and 2",
			in:       Input{Task: "Implement payment processing", Directory: "/repo/src/payment", Relation: RelationExtends},
			sessions: []Past{auth}, want: Resume, wantID: "auth", path: "1:yes 2:yes", over: []int{1, 2},
			evidence: []string{`caller's relation "extends"`, "inferred: no"}, maxConf: 0.75, minConf: 0.75},
		{name: "relation needs_context overrides nodes 1-3",
			in:       Input{Task: "Create API for orders", Directory: "/repo/src/api", Relation: RelationNeedsContext},
			sessions: []Past{db}, want: Resume, wantID: "db", path: "1:yes 2:no 3:yes", over: []int{1, 2, 3}},
		{name: "relation independent: node 1 no, and recent same-module work is not reused",
			in:       Input{Task: "Implement rate limiting", Directory: "/repo/src/auth", Relation: RelationIndependent},
			sessions: []Past{auth}, want: New, path: "1:no 4:no 5:no 6:not_found", over: []int{1, 6},
			evidence: []string{`caller's relation "independent"`}},
		{name: "without a relation the same task resumes at node 6 (same module, recent)",
			in:       Input{Task: "Implement rate limiting", Directory: "/repo/src/auth"},
			sessions: []Past{auth}, want: Resume, wantID: "auth", path: "1:no 4:no 5:no 6:found",
			evidence: []string{"same directory /repo/src/auth"}},
		{name: "relation alternative: Session Branch, new session",
			in:       Input{Task: "Implement caching layer with Memcached", Directory: "/repo/src", Relation: RelationAlternative},
			sessions: []Past{cache}, want: New, path: "1:yes 2:no 3:no", over: []int{1, 2, 3}, minConf: 0.75, maxConf: 0.75,
			evidence: []string{"inferred: yes"}},
		{name: "relation alternative with empty memory has nothing to apply to",
			in:   Input{Task: "Try approach Y", Relation: RelationAlternative},
			want: New, path: "1:no 4:yes", evidence: []string{"nothing to apply to"}},
		{name: "unknown relation is ignored and said so",
			in:       Input{Task: "Add token revocation", Relation: "maybe"},
			sessions: []Past{auth}, want: Resume, wantID: "auth", path: "1:yes 2:yes", evidence: []string{`unknown relation "maybe" ignored`}},

		// A running session is never resumed.
		{name: "running session is reported, not resumed",
			in:       Input{Task: "Add JWT token validation", Context: "Previous auth implementation from current session"},
			sessions: []Past{running}, want: New, wantID: "auth", path: "1:yes 2:yes",
			evidence: []string{"still running", "collide"}, maxConf: 0.5},

		// Memory across conversations.
		{name: "new conversation that explicitly continues yesterday's work finds it",
			in:       Input{Task: "Continue the OAuth2 work from yesterday", ConversationID: "c2"},
			sessions: []Past{ext, pay0, oauth}, want: Resume, wantID: "oauth", path: "1:yes 2:yes",
			evidence: []string{"another conversation", `"yesterday"`, `"oauth2"`}},
		{name: "explicit continuation beats an unrelated recent session of the new conversation",
			in:       Input{Task: "Continue the OAuth2 work from yesterday", ConversationID: "c2"},
			sessions: []Past{ci2, ext, pay0, oauth}, want: Resume, wantID: "oauth", path: "1:yes 2:yes"},
		{name: "continuing something no session matches does not attach to the latest session",
			in:       Input{Task: "Continue the GraphQL work", ConversationID: "c2"},
			sessions: []Past{ci2, ext, pay0, oauth}, want: New, path: "1:no 4:no 5:yes"},
		{name: "new conversation without an explicit continuation starts fresh",
			in:       Input{Task: "Add OAuth2 scopes", ConversationID: "c2"},
			sessions: []Past{ext, pay0, oauth}, want: New, path: "1:no 4:yes",
			evidence: []string{"do not count"}},
		{name: "no conversation id (CLI): all of memory is the conversation",
			in:       Input{Task: "Add tests for auth", ConversationID: "-"},
			sessions: []Past{ext, pay0, oauth}, want: Resume, wantID: "oauth", path: "1:yes 2:yes"},

		// Age.
		{name: "old session without a back-reference: new",
			in:       Input{Task: "Add payment refunds", Directory: "/repo/src/payment"},
			sessions: []Past{oldPay}, want: New, path: "1:no 4:no 5:no 6:not_found",
			evidence: []string{"too old to relate on subject alone", "not recent"}},
		{name: "old session with a back-reference: resume",
			in:       Input{Task: "Continue the payment work: add refunds", Directory: "/repo/src/payment"},
			sessions: []Past{oldPay}, want: Resume, wantID: "pay", path: "1:yes 2:yes"},

		// Other cases.
		{name: "empty memory",
			in:   Input{Task: "Create user table", Directory: "/repo/db"},
			want: New, path: "1:no 4:yes", evidence: []string{"memory is empty"}, minConf: 0.95},
		{name: "fixes issues in previous work",
			in:       Input{Task: "Fix the token refresh bug in the JWT middleware"},
			sessions: []Past{db, auth}, want: Resume, wantID: "auth", path: "1:yes 2:yes"},
		{name: "explicitly unrelated task in a recently used module: new",
			in:       Input{Task: "Unrelated: implement audit logging", Directory: "/repo/src/auth"},
			sessions: []Past{auth}, want: New, path: "1:no 4:no 5:no 6:not_found", evidence: []string{`"unrelated"`}},
		{name: "subdirectory of a recent session's directory is the same area",
			in:       Input{Task: "Implement key rotation", Directory: "/repo/src/auth/jwt/"},
			sessions: []Past{db, auth}, want: Resume, wantID: "auth", path: "1:no 4:no 5:no 6:found",
			evidence: []string{"is inside its /repo/src/auth"}},
		{name: "lifecycle follow-up does not cross into another directory",
			in:       Input{Task: "Generate tests", Directory: "/repo/src/payment"},
			sessions: []Past{auth}, want: New, path: "1:no 4:no 5:yes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.in.ConversationID == "-" {
				c.in.ConversationID = ""
				d := Decide(c.in, Snapshot{Now: now, Sessions: c.sessions})
				if d.Decision != c.want || d.SessionID != c.wantID || pathString(d) != c.path {
					t.Fatalf("got:\n%s", dump(d))
				}
				return
			}
			d := runOwn(t, c)
			if c.name == "running session is reported, not resumed" && (len(d.Candidates) == 0 || d.Candidates[0].Status != StatusRunning) {
				t.Errorf("the running session should lead the candidates: %+v", d.Candidates)
			}
		})
	}
}

func TestDuplicateRunsAreOneCandidate(t *testing.T) {
	a := past("auth", "c1", "/repo/src/auth", "Generate tests for auth", 5*time.Minute)
	b := past("auth", "c1", "/repo/src/auth", "Create JWT-based authentication system", 30*time.Minute)
	c := past("other", "c1", "/repo/src/ui", "Create login page", time.Hour)
	d := Decide(Input{Task: "Document the JWT authentication", ConversationID: "c1"}, Snapshot{Now: now, Sessions: []Past{a, b, c}})
	if d.Decision != Resume || d.SessionID != "auth" {
		t.Fatalf("got:\n%s", dump(d))
	}
	n := 0
	for _, c := range d.Candidates {
		if c.SessionID == "auth" {
			n++
			if c.Task != a.Task {
				t.Errorf("candidate shows task %q, want the newest run's %q", c.Task, a.Task)
			}
		}
	}
	if n != 1 {
		t.Errorf("session auth listed %d times", n)
	}
}

func TestPureAndDeterministic(t *testing.T) {
	ss := benchSessions(500, 20)
	orig := slices.Clone(ss)
	in := Input{Task: "Add tests for the payment refunds", Context: "Previous payment implementation", ConversationID: "conv-7"}
	d1 := Decide(in, Snapshot{Now: now, Sessions: ss})
	d2 := Decide(in, Snapshot{Now: now, Sessions: ss})
	if !reflect.DeepEqual(d1, d2) {
		t.Fatal("two calls differ")
	}
	if !reflect.DeepEqual(ss, orig) {
		t.Fatal("Decide modified the snapshot")
	}
	if len(d1.Candidates) > MaxCandidates {
		t.Fatalf("%d candidates", len(d1.Candidates))
	}
}

func TestInferFeature(t *testing.T) {
	cases := []struct{ dir, ctx, task, want string }{
		{"/repo/src/auth", "", "", "auth"},
		{"/repo/src/auth/", "", "", "auth"},
		{`C:\work\shop\src\cart`, "", "", "cart"},
		{"/repo/src/feature-a", "", "", "feature-a"},
		{"/repo/db", "", "Create user table", "db"},
		{"", "@{src/auth/**/*}", "", "auth"},
		{"/repo", "@{src/auth/**/*} Database schema from session memory", "Create JWT-based authentication system", "auth"},
		{"", "@{src/auth/jwt.ts,src/auth/middleware.ts} Token validation patterns", "", "auth"},
		{"/repo/src", "@{src/core/**/*}", "Implement core feature logic", "core"},
		{"", "@{**/*.ts}", "Create user table", "user-table"},
		{"", "", "Create API for user table", "api"},
		{"", "", "Implement user profile", "user-profile"},
		{"", "", "Generate comprehensive tests for auth module", "auth"},
		{"", "", "Create JWT-based authentication system", "jwt"},
		{"", "", "Enhance A", "a"},
		{"", "", "Add validations", ""},
		{"/home/alice", "", "Implement payment processing", "payment-processing"},
		{"", "", "", ""},
	}
	for _, c := range cases {
		if got := InferFeature(c.dir, c.ctx, c.task); got != c.want {
			t.Errorf("InferFeature(%q, %q, %q) = %q, want %q", c.dir, c.ctx, c.task, got, c.want)
		}
	}
}

func TestPhases(t *testing.T) {
	cases := map[string]phase{
		"Create JWT-based authentication system": phImplement, "Add JWT token validation and refresh logic": phEnhance,
		"Generate comprehensive tests for auth module": phTest, "Add regression tests": phTest, "Implement fix": phFix,
		"Verify fix across codebase": phVerify, "Analyze code for refactoring": phAnalyze, "Plan refactoring approach": phPlan,
		"Execute refactoring": phRefactor, "Verify refactoring with tests": phVerify, "Write docs": phDocument,
		"Generate API documentation and usage examples": phDocument, "Auth implementation": phImplement,
		"Bug fix Y": phFix, "Test generation Z": phTest, "Main feature": phUnknown, "Continue work": phContinue,
	}
	for task, want := range cases {
		if got := detectPhase(tokenize(task, false)); got != want {
			t.Errorf("phase(%q) = %s, want %s", task, got, want)
		}
	}
}

func TestPatterns(t *testing.T) {
	got := parsePatterns("CONTEXT: @{src/auth/**/*,src/middleware/**/*} and @{ ./src/auth/jwt.ts , **/*.ts,src/db} tail @{unclosed/dir")
	want := []string{"src/auth", "src/middleware", "src/auth", "", "src/db"} // an unclosed @{ is text (atpattern)
	var prefixes []string
	for _, p := range got {
		prefixes = append(prefixes, p.prefix)
	}
	if !slices.Equal(prefixes, want) {
		t.Fatalf("prefixes %q, want %q", prefixes, want)
	}
	for _, c := range []struct {
		x, y vpath
		want bool
	}{
		{vpath{"/repo", "src/auth"}, vpath{"/repo/src/auth", ""}, true},
		{vpath{"/repo", "src/auth/jwt"}, vpath{"/repo/src", "auth"}, true},
		{vpath{"/repo", "src"}, vpath{"/repo/src/auth", ""}, false}, // "src" names nothing
		{vpath{"/repo", "src/authz"}, vpath{"/repo/src/auth", ""}, false},
		{vpath{"", "src/auth"}, vpath{"", "src/auth/**"}, true},
	} {
		if got := overlap(c.x, c.y); got != c.want {
			t.Errorf("overlap(%v, %v) = %v", c.x, c.y, got)
		}
	}
	if !hasRun("/home/dev/repo/src/auth", "src/auth") || hasRun("/home/dev/repo/src/authz", "src/auth") {
		t.Error("hasRun")
	}
}
