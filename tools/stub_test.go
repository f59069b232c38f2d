package tools_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/tools"
)

// stubSessions is a Manager that answers from fixed values, for what needs no codex: result
// bounding, logging, argument fuzzing.
type stubSessions struct {
	outcome session.Outcome
	detail  session.SessionDetail
	list    session.SessionList
	text    string
	err     error

	mu     sync.Mutex
	decide []session.DecideQuery // the queries Decide was asked
}

func (s *stubSessions) Start(context.Context, session.Task, session.ProgressFunc) (session.Outcome, error) {
	return s.outcome, s.err
}

func (s *stubSessions) Resume(context.Context, session.ResumeTask, session.ProgressFunc) (session.Outcome, error) {
	return s.outcome, s.err
}

func (s *stubSessions) Fork(context.Context, session.ResumeTask, session.ProgressFunc) (session.Outcome, error) {
	return s.outcome, s.err
}

func (s *stubSessions) List(context.Context, session.ListQuery) (session.SessionList, error) {
	return s.list, s.err
}

func (s *stubSessions) Get(context.Context, string, time.Duration) (session.SessionDetail, error) {
	return s.detail, s.err
}

func (s *stubSessions) Cancel(context.Context, string) (session.Outcome, error) {
	return s.outcome, s.err
}

func (s *stubSessions) Transcript(context.Context, string) (string, error) { return s.text, s.err }

func (s *stubSessions) Decide(_ context.Context, q session.DecideQuery) (session.DecisionResult, error) {
	s.mu.Lock()
	s.decide = append(s.decide, q)
	s.mu.Unlock()
	return session.DecisionResult{}, s.err
}

// stubClient connects an in-process client to a server over s, logging to logger.
func stubClient(t testing.TB, s tools.Sessions, logger *slog.Logger) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClient(tools.NewServer(tools.Config{Name: "codex-mcp", Version: "test"}, s, logger))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	initialize(t, c)
	return c
}
