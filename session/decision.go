package session

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/codex-mcp/codex-mcp/session/decide"
	"github.com/codex-mcp/codex-mcp/session/memory"
)

// What a decision reads from memory: the newest sessions of all conversations, and the
// newest of this conversation, directory and feature however old. The tree reads text
// only for the newest sessions anyway, and reading thousands of rows would cost more than
// the decision itself.
const (
	decideRecent = 300
	decideScoped = 128
)

// DecideQuery is the next task, described as the caller would pass it to a run.
type DecideQuery struct {
	Task           string
	Purpose        string
	Context        string
	Expected       string
	Directory      string
	Feature        string
	ConversationID string
	Relation       string
}

// SuggestedCall is the tool call to make next, ready to send.
type SuggestedCall struct {
	Tool      string         `json:"tool" jsonschema:"enum=start_session,enum=resume_session"`
	Arguments map[string]any `json:"arguments"`
	Omitted   []string       `json:"omitted_arguments,omitempty" jsonschema_description:"Arguments too long to repeat here: add your own values of these before sending the call."`
}

// DecisionResult is decide_resume's answer: the tree's decision with its path, and the
// call that carries it out.
type DecisionResult struct {
	decide.Decision
	SuggestedCall SuggestedCall `json:"suggested_call"`
}

// Decide walks the seed's auto-resume decision tree for the next task against memory.
func (m *Manager) Decide(ctx context.Context, q DecideQuery) (DecisionResult, error) {
	if strings.TrimSpace(q.Task) == "" {
		return DecisionResult{}, inputErr("task", "is empty", "the next task, as you would pass it to start_session")
	}
	for field, v := range map[string]string{"task": q.Task, "purpose": q.Purpose, "context": q.Context, "expected": q.Expected} {
		if len(v) > MaxPromptChars {
			return DecisionResult{}, inputErr(field, "is "+strconv.Itoa(len(v))+" bytes; a codex prompt holds at most 1048576 characters", "a shorter text")
		}
	}
	switch decide.Relation(q.Relation) {
	case decide.RelationNone, decide.RelationExtends, decide.RelationNeedsContext, decide.RelationIndependent, decide.RelationAlternative:
	default:
		return DecisionResult{}, inputErr("relation", "unknown relation "+quote(q.Relation), "extends, needs_context, independent, alternative")
	}
	dir := ""
	if q.Directory != "" {
		var err error
		if dir, err = m.directory(q.Directory); err != nil {
			return DecisionResult{}, err
		}
	}
	snap, err := m.snapshot(ctx, q.ConversationID, dir, q.Feature)
	if err != nil {
		return DecisionResult{}, err
	}
	d := decide.Decide(decide.Input{
		Task: q.Task, Purpose: q.Purpose, Context: q.Context, Expected: q.Expected, Directory: dir,
		Feature: q.Feature, ConversationID: q.ConversationID, Relation: decide.Relation(q.Relation),
	}, snap)
	return DecisionResult{Decision: d, SuggestedCall: suggest(d, q, dir)}, nil
}

// snapshot is what the decision tree reads: memory's newest sessions, plus the newest of
// this conversation, directory and feature, newest first.
func (m *Manager) snapshot(ctx context.Context, conversation, dir, feature string) (decide.Snapshot, error) {
	snap := decide.Snapshot{Now: time.Now()}
	mem, err := m.memory(ctx)
	if err != nil {
		return snap, err
	}
	recent, err := mem.Recent(ctx, decideRecent)
	if err != nil {
		return snap, err
	}
	seen := make(map[string]bool, len(recent))
	all := make([]memory.Session, 0, len(recent))
	add := func(list []memory.Session) {
		for _, s := range list {
			if !seen[s.SessionID] {
				seen[s.SessionID] = true
				all = append(all, s)
			}
		}
	}
	add(recent)
	for _, f := range []memory.Filter{{ConversationID: conversation}, {Directory: dir}, {Feature: feature}} {
		if f == (memory.Filter{}) {
			continue
		}
		f.Limit = decideScoped
		more, err := mem.Sessions(ctx, f)
		if err != nil {
			return snap, err
		}
		add(more)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].UpdatedAt.After(all[j].UpdatedAt) })
	snap.Sessions = make([]decide.Past, 0, len(all))
	for _, s := range all {
		snap.Sessions = append(snap.Sessions, pastOf(s))
	}
	return snap, nil
}

func pastOf(s memory.Session) decide.Past {
	p := decide.Past{
		SessionID: s.SessionID, ConversationID: s.ConversationID, Directory: s.Directory, Feature: s.Feature,
		Task: s.LastTask, LastMessage: s.LastMessage, Status: string(s.Status),
		StartedAt: s.StartedAt, UpdatedAt: s.UpdatedAt, Turns: s.Turns, Source: SourceServer,
	}
	if p.Task == "" {
		p.Task = s.Task
	} else if s.Task != s.LastTask {
		// The phase comes from the latest task; the first one still says what the
		// session is about.
		p.Context = s.Task
	}
	return p
}

// suggest builds the call that carries out d.
func suggest(d decide.Decision, q DecideQuery, dir string) SuggestedCall {
	args := map[string]any{}
	var omitted []string
	for k, v := range map[string]string{"task": q.Task, "purpose": q.Purpose, "context": q.Context, "expected": q.Expected, "conversation_id": q.ConversationID} {
		switch {
		case len(v) > echoRunes:
			omitted = append(omitted, k)
		case v != "":
			args[k] = v
		}
	}
	sort.Strings(omitted)
	sc := suggestCall(d, q, dir, args)
	sc.Omitted = omitted
	return sc
}

func suggestCall(d decide.Decision, q DecideQuery, dir string, args map[string]any) SuggestedCall {
	if d.Decision == decide.Resume && d.SessionID != "" {
		args["session_id"] = d.SessionID
		return SuggestedCall{Tool: "resume_session", Arguments: args}
	}
	if dir != "" {
		args["directory"] = dir
	}
	if f := orDefault(q.Feature, d.Feature); f != "" {
		args["feature"] = f
	}
	if len(d.MergeFrom) > 0 {
		args["draw_from"] = d.MergeFrom
	}
	return SuggestedCall{Tool: "start_session", Arguments: args}
}
