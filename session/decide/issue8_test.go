package decide

import (
	"math"
	"testing"
	"time"
)

// TestWordingClasses: one case per class of wrong answer found by trying the tree on
// wording nobody here wrote (the broad corpus is testdata/eval; these pin the classes).
func TestWordingClasses(t *testing.T) {
	const root = "/home/ana/src/shop"
	at := func(id, conv, dir, task string, ago time.Duration) Past {
		p := past(id, conv, dir, task, ago)
		p.Feature = "" // labelled by the caller below when it matters
		return p
	}
	audit := at("audit", "c1", root, "Add the audit log viewer", 40*time.Minute)
	audit.Feature = "shop" // an older server labelled root runs with the repository's name
	tags := at("tags", "c1", root, "Implement the tag cloud", 30*time.Minute)
	author := at("author", "c1", root, "Update the author bio page", 20*time.Minute)
	polling := at("poll", "c1", root+"/services/orders", "Implement polling for order status updates", 25*time.Minute)
	mailer := at("mail", "c1", root+"/services/mailer", "Build the transactional mailer", 50*time.Minute)
	signup := at("signup", "c1", root+"/services/signup", "Implement the signup service", 30*time.Minute)
	geo := at("geo", "monday", root+"/services/geo", "Add a geocoding cache in front of the provider API", 7*24*time.Hour)
	billing := at("bill", "c1", root+"/services/api", "Add invoice numbering", 15*time.Minute)
	billing.Feature = "billing"
	viewer := at("viewer", "c1", root, "Add the audit log viewer", 40*time.Minute)
	viewer.Files = []string{"internal/audit/viewer.go", "internal/audit/viewer_test.go"}

	cases := []ownCase{
		{name: "root sessions with different subjects are different modules",
			in:       Input{Task: "Set up the Makefile's release target", Directory: root, ProjectRoot: root},
			sessions: []Past{audit}, want: New, path: "1:no 4:no 5:yes"},
		{name: "at the root, a task on the same subject resumes",
			in:       Input{Task: "Paginate the audit log viewer", Directory: root, ProjectRoot: root},
			sessions: []Past{tags, audit}, want: Resume, wantID: "audit"},
		{name: "at the root, files changed say which module",
			in:       Input{Task: "Speed up the slow query behind it", Context: "@{internal/audit/**}", Directory: root, ProjectRoot: root},
			sessions: []Past{viewer}, want: Resume, wantID: "viewer"},
		{name: "the caller's feature outranks a shared directory",
			in:       Input{Task: "Add search suggestions", Directory: root + "/services/api", Feature: "search", ProjectRoot: root},
			sessions: []Past{billing}, want: New, path: "1:no 4:no 5:yes"},
		{name: "a lifecycle verb about another subject is not a follow-up",
			in:       Input{Task: "Bump the Node version in CI and fix the warnings", Directory: root, ProjectRoot: root},
			sessions: []Past{tags}, want: New, path: "1:no 4:no 5:yes"},
		{name: "a lifecycle verb with no subject follows the latest work",
			in:       Input{Task: "Now write unit tests", Directory: root, ProjectRoot: root},
			sessions: []Past{audit, tags}, want: Resume, wantID: "tags", path: "1:yes 2:yes"},
		{name: "scrapping the latest approach for another is a branch",
			in:       Input{Task: "Scrap the polling and use a message queue for the status updates", Directory: root + "/services/orders", ProjectRoot: root},
			sessions: []Past{polling}, want: New, path: "1:yes 2:no 3:no"},
		{name: "replace X with Y is a branch",
			in:       Input{Task: "Replace the order status polling with server-sent events", Directory: root + "/services/orders", ProjectRoot: root},
			sessions: []Past{polling}, want: New, path: "1:yes 2:no 3:no"},
		{name: "wiring two sessions' work together is a merge",
			in:       Input{Task: "Wire the mailer into the signup service", Directory: root, ProjectRoot: root},
			sessions: []Past{signup, mailer}, want: New, path: "1:yes 2:no 3:no"},
		{name: "a new conversation refers back by meaning",
			in:       Input{Task: "The geocoding cache we worked on last week still misses on retries", Directory: root + "/services/geo", ProjectRoot: root, ConversationID: "c9"},
			sessions: []Past{geo}, want: Resume, wantID: "geo"},
		{name: "a new conversation on another subject starts fresh",
			in:       Input{Task: "Add a CSV export to the reports page", Directory: root + "/services/geo", ProjectRoot: root, ConversationID: "c9"},
			sessions: []Past{geo}, want: New, path: "1:no 4:yes"},
		{name: "a shared prefix is not a shared word",
			in:       Input{Task: "Add auth middleware", Directory: root, ProjectRoot: root},
			sessions: []Past{author}, want: New, path: "1:no 4:no 5:yes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.path == "" {
				d := Decide(withConv(c.in), Snapshot{Now: now, Sessions: c.sessions})
				if d.Decision != c.want || c.want == Resume && d.SessionID != c.wantID {
					t.Fatalf("want %s %s, got:\n%s", c.want, c.wantID, dump(d))
				}
				return
			}
			runOwn(t, c)
		})
	}
}

func withConv(in Input) Input {
	if in.ConversationID == "" {
		in.ConversationID = "c1"
	}
	return in
}

func TestInferFeatureAtRoot(t *testing.T) {
	for _, c := range []struct{ root, dir, ctx, task, want string }{
		{"/repo", "/repo", "", "Add the audit log viewer", "audit-log"},
		{"/repo", "/repo/src", "", "Add the audit log viewer", "audit-log"},
		{"/repo", "/repo/src", "@{internal/billing/**}", "Add invoices", "billing"},
		{"/repo", "/repo/services/billing", "", "Add invoices", "billing"},
		{"", "/home/ana/shop/src", "", "Add invoices", "shop"},
		{"/home/ana/shop", "/home/ana/shop/src", "", "Add invoices", "invoices"},
	} {
		if got := InferFeatureAt(c.root, c.dir, c.ctx, c.task); got != c.want {
			t.Errorf("InferFeatureAt(%q, %q, %q, %q) = %q, want %q", c.root, c.dir, c.ctx, c.task, got, c.want)
		}
	}
}

// TestBreakdownExplainsTheScore: every candidate's breakdown names weights-table signals
// and adds up to its score.
func TestBreakdownExplainsTheScore(t *testing.T) {
	known := map[string]bool{"conversation": true, "directory": true, "files": true, "feature": true, "subject": true,
		"unshared_subject": true, "recency": true, "latest": true, "lifecycle": true, "back_reference": true}
	ss := []Past{
		past("auth", "c1", "/repo/src/auth", "Create JWT-based authentication system", 20*time.Minute),
		past("pay", "c1", "/repo/src/payment", "Implement payment processing", time.Hour),
		past("old", "c2", "/repo/src/auth", "Add login rate limiting", 30*time.Hour),
	}
	for _, task := range []string{"Add token refresh to the JWT auth", "Generate tests", "Integrate auth and payment", "Fix the invoice rounding"} {
		d := Decide(Input{Task: task, Directory: "/repo/src/auth", ConversationID: "c1"}, Snapshot{Now: now, Sessions: ss})
		if len(d.Candidates) == 0 {
			t.Fatalf("%q: no candidates", task)
		}
		for _, c := range d.Candidates {
			sum := 0.0
			for _, p := range c.Breakdown {
				if !known[p.Signal] {
					t.Errorf("%q: %s: unknown signal %q", task, c.SessionID, p.Signal)
				}
				sum += p.Value
			}
			if len(c.Breakdown) == 0 || math.Abs(sum-c.Score) > 0.01*float64(len(c.Breakdown))+0.005 {
				t.Errorf("%q: %s: breakdown %+v adds up to %.2f, score %.2f", task, c.SessionID, c.Breakdown, sum, c.Score)
			}
		}
	}
}
