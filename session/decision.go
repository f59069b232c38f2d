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

// DecideQuery is the next task, described as the caller would pass it to start_session
// (every field of Task, validated as start_session validates it), with the caller's own
// judgement of how it relates to earlier work. Directory "" means the task names none (a
// follow-up), not the default directory.
type DecideQuery struct {
	Task
	Relation string
	// Within restricts the memory the decision reads to the sessions in Directory or below
	// it (`codex-mcp decide --dir D`: a person asking about work in D). Without it the
	// decision reads all of memory, as resume_session's own resolution does.
	Within bool
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
// A value start_session would refuse is refused here too, naming the field, so a bad
// argument is heard of before the suggested call is made; what depends on the session
// the decision picks (a sandbox a resume cannot raise to) is left to that call.
func (m *Manager) Decide(ctx context.Context, q DecideQuery) (DecisionResult, error) {
	t := q.Task
	if strings.TrimSpace(t.Task) == "" {
		return DecisionResult{}, inputErr("task", "is empty", "the next task, as you would pass it to start_session")
	}
	for field, v := range map[string]string{"task": t.Task, "purpose": t.Purpose, "context": t.Context, "expected": t.Expected, "rules": t.Rules} {
		if len(v) > MaxPromptChars {
			return DecisionResult{}, inputErr(field, "is "+strconv.Itoa(len(v))+" bytes; a codex prompt holds at most 1048576 characters", "a shorter text")
		}
	}
	switch decide.Relation(q.Relation) {
	case decide.RelationNone, decide.RelationExtends, decide.RelationNeedsContext, decide.RelationIndependent, decide.RelationAlternative:
	default:
		return DecisionResult{}, inputErr("relation", "unknown relation "+quote(q.Relation), "extends, needs_context, independent, alternative")
	}
	// As a resume validates: the directory only when one is given.
	p, err := m.prepare(t, true)
	if err != nil {
		return DecisionResult{}, err
	}
	if len(t.DrawFrom) > 0 {
		if _, err := m.drawFrom(ctx, t.DrawFrom); err != nil {
			return DecisionResult{}, err
		}
	}
	dir := p.dir
	snap, err := m.snapshot(ctx, t.ConversationID, dir, t.Feature, q.Within && dir != "")
	if err != nil {
		return DecisionResult{}, err
	}
	d := decide.Decide(decide.Input{
		Task: t.Task, Purpose: t.Purpose, Context: t.Context, Expected: t.Expected, Directory: dir,
		Feature: t.Feature, ConversationID: t.ConversationID, Relation: decide.Relation(q.Relation),
		ProjectRoot: projectRoot(dir),
	}, snap)
	return DecisionResult{Decision: d, SuggestedCall: suggest(d, t, dir)}, nil
}

// snapshot is what the decision tree reads: memory's newest sessions, plus the newest of
// this conversation, directory and feature, newest first. within keeps only the sessions
// in dir or below it.
func (m *Manager) snapshot(ctx context.Context, conversation, dir, feature string, within bool) (decide.Snapshot, error) {
	snap := decide.Snapshot{Now: time.Now()}
	mem, err := m.memory(ctx)
	if err != nil {
		return snap, err
	}
	base := memory.Filter{Limit: decideRecent}
	scoped := []memory.Filter{{ConversationID: conversation}, {Directory: dir}, {Feature: feature}}
	if within {
		base.Directory = dir
		scoped = []memory.Filter{{ConversationID: conversation}, {Feature: feature}}
	}
	all := make([]memory.Session, 0, decideRecent)
	seen := make(map[string]bool, decideRecent)
	for i, f := range append([]memory.Filter{base}, scoped...) {
		if i > 0 {
			if f == (memory.Filter{}) {
				continue
			}
			f.Directory, f.Limit = base.Directory, decideScoped
		}
		list, err := mem.Sessions(ctx, f)
		if err != nil {
			return snap, err
		}
		for _, s := range list {
			if !seen[s.SessionID] {
				seen[s.SessionID] = true
				all = append(all, s)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].UpdatedAt.After(all[j].UpdatedAt) })
	snap.Sessions = make([]decide.Past, 0, len(all))
	for _, s := range all {
		snap.Sessions = append(snap.Sessions, pastOf(s))
	}
	return snap, nil
}

// pastOf is what the decision tree reads of a session in memory: all of it, the files
// bounded.
func pastOf(s memory.Session) decide.Past {
	p := decide.Past{
		SessionID: s.SessionID, ConversationID: s.ConversationID, Directory: s.Directory, Feature: s.Feature,
		Task: orDefault(s.LastTask, s.Task), Purpose: s.Purpose, Context: s.Context, LastMessage: s.LastMessage,
		Status: string(s.Status), StartedAt: s.StartedAt, UpdatedAt: s.UpdatedAt, Turns: s.Turns, Source: SourceServer,
	}
	if s.Task != "" && s.Task != p.Task {
		// The phase comes from the latest task; the first one still says what the
		// session is about.
		p.FirstTask = s.Task
	}
	p.Files, _ = clipList(s.FilesChanged, pastFiles)
	return p
}

// suggest builds the call that carries out d: the caller's task fields, each as given,
// for the tool the decision names. A text too long to repeat is named in Omitted instead.
func suggest(d decide.Decision, t Task, dir string) SuggestedCall {
	args := map[string]any{}
	var omitted []string
	texts := map[string]string{"task": t.Task, "purpose": t.Purpose, "context": t.Context, "expected": t.Expected,
		"rules": t.Rules, "conversation_id": t.ConversationID}
	for k, v := range texts {
		switch {
		case len(v) > echoRunes:
			omitted = append(omitted, k)
		case v != "":
			args[k] = v
		}
	}
	for k, v := range map[string]string{"mode": t.Mode, "rules_template": t.RulesTemplate, "sandbox": t.Sandbox, "model": t.Model, "profile": t.Profile} {
		if v != "" {
			args[k] = v
		}
	}
	for k, v := range map[string]time.Duration{"timeout_seconds": t.Timeout, "wait_seconds": t.Wait} {
		if v > 0 {
			args[k] = int(v / time.Second)
		}
	}
	sort.Strings(omitted)
	sc := suggestCall(d, t, dir, args)
	sc.Omitted = omitted
	return sc
}

// suggestCall names the tool and adds what only it takes. A resume runs in the session's
// own directory, under its feature, and draws on nothing: those arguments are left out.
func suggestCall(d decide.Decision, t Task, dir string, args map[string]any) SuggestedCall {
	if d.Decision == decide.Resume && d.SessionID != "" {
		args["session_id"] = d.SessionID
		return SuggestedCall{Tool: "resume_session", Arguments: args}
	}
	if dir != "" {
		args["directory"] = dir
	}
	if f := orDefault(t.Feature, d.Feature); f != "" {
		args["feature"] = f
	}
	if from := drawList(t.DrawFrom, d.MergeFrom); len(from) > 0 {
		args["draw_from"] = from
	}
	return SuggestedCall{Tool: "start_session", Arguments: args}
}

// drawList is the caller's draw_from, then the sessions the decision would merge, each
// once, at most maxDrawFrom.
func drawList(given, merge []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range append(append([]string(nil), given...), merge...) {
		if id = normID(id); id != "" && !seen[id] && len(out) < maxDrawFrom {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
