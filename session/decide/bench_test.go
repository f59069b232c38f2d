package decide

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchSessions builds a memory of n sessions, newest first, spread over about a
// year and over n/perConv conversations; one in five was started outside the server
// (no conversation). Texts are realistic task fields with @{} patterns.
func benchSessions(n, perConv int) []Past {
	rng := rand.New(rand.NewPCG(1, 2))
	modules := []string{"auth", "payment", "billing", "users", "orders", "search", "ui", "api", "db", "notifications", "reports", "admin", "cache", "queue", "mailer", "storage"}
	verbs := []string{"Implement", "Add", "Fix", "Refactor", "Generate tests for", "Document", "Analyze", "Optimize", "Create", "Verify"}
	things := []string{"validation", "error handling", "pagination", "rate limiting", "retry logic", "token refresh", "caching", "logging", "metrics", "migrations", "endpoint", "schema", "webhook", "CLI flags", "config loader"}
	ss := make([]Past, n)
	t := now
	for i := range ss {
		t = t.Add(-time.Duration(rng.IntN(60)+1) * time.Minute)
		m := modules[rng.IntN(len(modules))]
		conv := fmt.Sprintf("conv-%d", i/perConv)
		src := "server"
		if rng.IntN(5) == 0 {
			conv, src = "", "codex"
		}
		task := fmt.Sprintf("%s %s %s in the %s module", verbs[rng.IntN(len(verbs))], m, things[rng.IntN(len(things))], m)
		ss[i] = Past{
			SessionID:      fmt.Sprintf("019a%04x-7c1e-7d2a-9f3b-%012x", i, rng.Uint64()&0xffffffffffff),
			ConversationID: conv, Directory: "/home/dev/project/src/" + m, Feature: m, Task: task,
			Purpose:     "Improve the " + m + " module " + things[rng.IntN(len(things))],
			Context:     fmt.Sprintf("@{src/%s/**/*,src/shared/**/*} Previous %s implementation, existing patterns", m, m),
			LastMessage: fmt.Sprintf("Done. Updated src/%s/handler.go and src/%s/handler_test.go; all tests pass. %s", m, m, task),
			Status:      "completed", StartedAt: t.Add(-10 * time.Minute), UpdatedAt: t, Turns: 1 + rng.IntN(4), Source: src,
		}
	}
	return ss
}

// BenchmarkDecide10k: Decide over a memory of 10,000 sessions. Target: under 1 ms.
//   - follow-up: a typical task in a conversation with 20 sessions.
//   - cross-conversation: a new conversation that explicitly continues earlier work, so
//     other conversations' sessions are read too.
//   - one-conversation: the worst case, all 10,000 sessions in the task's conversation
//     and directory.
func BenchmarkDecide10k(b *testing.B) {
	mixed := benchSessions(10000, 20)
	one := benchSessions(10000, 10000)
	for i := range one {
		one[i].ConversationID, one[i].Directory = "conv-0", "/home/dev/project/src/auth"
	}
	cases := []struct {
		name string
		in   Input
		ss   []Past
	}{
		{"follow-up", Input{Task: "Add tests for the payment token refresh", Context: "Previous payment implementation from current session, @{src/payment/**/*}", ConversationID: "conv-3"}, mixed},
		{"cross-conversation", Input{Task: "Continue the billing webhook work from yesterday", Purpose: "Finish billing webhooks", ConversationID: "conv-new"}, mixed},
		{"one-conversation", Input{Task: "Implement audit logging", Directory: "/home/dev/project/src/auth", ConversationID: "conv-0"}, one},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			snap := Snapshot{Now: now, Sessions: c.ss}
			b.ReportAllocs()
			for b.Loop() {
				Decide(c.in, snap)
			}
		})
	}
}
