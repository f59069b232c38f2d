package decide

import (
	"testing"
	"time"
)

// FuzzDecide: any task, context, directory and feature give a well-formed walk of the
// tree (a leaf reached, evidence at every step, a resume only of a session in memory).
func FuzzDecide(f *testing.F) {
	for _, s := range []struct{ task, ctx, dir, feature string }{
		{"Add tests", "", "/repo", ""},
		{"wire the mailer into the signup service", "@{src/**,lib/*.go}", "/repo/src", ""},
		{"Scrap the polling and use a queue instead of it", "the X work from Monday", "", "orders"},
		{"It  is. it? them: that this", "@{", "C:\\Users\\kim\\app", "a-b"},
		{"ÄÖÜ PaymentIntent optimise colour notifications", "@{../../etc/*}", "/", ""},
	} {
		f.Add(s.task, s.ctx, s.dir, s.feature)
	}
	ss := []Past{
		past("s1", "c1", "/repo/src/auth", "Create JWT-based authentication system", 20*time.Minute),
		past("s2", "c1", "/repo", "Build the transactional mailer", time.Hour),
		past("s3", "c2", "/repo/services/signup", "Implement the signup service", 30*time.Hour),
		{SessionID: "s4", Task: "Implement polling for order status", Files: []string{"orders/poll.go"}, Status: StatusRunning, UpdatedAt: now},
	}
	f.Fuzz(func(t *testing.T, task, ctx, dir, feature string) {
		in := Input{Task: task, Context: ctx, Directory: dir, Feature: feature, ConversationID: "c1", ProjectRoot: "/repo"}
		d := Decide(in, Snapshot{Now: now, Sessions: ss})
		checkShape(t, d)
		if d.Decision == Resume {
			found := false
			for _, p := range ss {
				found = found || p.SessionID == d.SessionID && p.Status != StatusRunning
			}
			if !found {
				t.Fatalf("resumes %q, which is not a resumable session in memory", d.SessionID)
			}
		}
	})
}
