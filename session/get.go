package session

import (
	"context"
	"fmt"
	"time"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/memory"
)

// RunInfo is one turn of a session as memory recorded it.
type RunInfo struct {
	RunID        string          `json:"run_id"`
	Kind         string          `json:"kind" jsonschema:"enum=start,enum=resume,enum=fork,enum=merge"`
	Task         string          `json:"task"`
	Purpose      string          `json:"purpose,omitempty"`
	Mode         string          `json:"mode,omitempty"`
	Status       string          `json:"status"`
	Sandbox      string          `json:"sandbox,omitempty"`
	StartedAt    time.Time       `json:"started_at"`
	EndedAt      *time.Time      `json:"ended_at,omitempty"`
	FinalMessage string          `json:"final_message,omitempty"`
	Error        string          `json:"error,omitempty"`
	FilesChanged []string        `json:"files_changed"`
	Commands     []codex.Command `json:"commands"`
	Usage        codex.Usage     `json:"usage"`
	Parents      []string        `json:"parent_session_ids,omitempty"`
}

// SessionDetail is one session whole: get_session's answer.
type SessionDetail struct {
	SessionInfo
	Runs         []RunInfo   `json:"runs" jsonschema_description:"Turns run by this server, oldest first."`
	FilesChanged []string    `json:"files_changed"`
	Usage        codex.Usage `json:"usage" jsonschema_description:"Token usage summed over this server's turns."`
	Progress     []string    `json:"progress,omitempty" jsonschema_description:"The latest steps of a turn running now."`
	RolloutPath  string      `json:"rollout_path,omitempty"`
	Parents      []string    `json:"parent_session_ids,omitempty"`
	Warnings     []string    `json:"warnings,omitempty" jsonschema_description:"What this answer left out or could not tell (cut lists, memory trouble)."`
}

// Get returns one session: memory's record and runs, what Codex's store says, and the
// live state of a turn running in this process. wait > 0 first waits that long for a
// running turn to end.
func (m *Manager) Get(ctx context.Context, id string, wait time.Duration) (SessionDetail, error) {
	d, err := m.get(ctx, normID(id), wait)
	if err == nil {
		d.bound()
	}
	return d, err
}

func (m *Manager) get(ctx context.Context, id string, wait time.Duration) (SessionDetail, error) {
	var warnings []string
	if !IsUUID(id) && !isRunID(id) {
		return SessionDetail{}, inputErr("session_id", quote(id)+" is not a session id", "a UUID from start_session or list_sessions (or a run_id of a run still starting)")
	}
	run := m.activeFor(id)
	if wait > 0 && run != nil {
		if m.take(&m.waiting, MaxWaiting) {
			t := time.NewTimer(wait)
			select {
			case <-run.done:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
			m.give(&m.waiting)
		} else {
			warnings = append(warnings, fmt.Sprintf("answered without waiting: %d get_session calls are already waiting, this server's limit", MaxWaiting))
		}
	}
	if run != nil {
		select {
		case <-run.done:
			if isRunID(id) && run.outcome.SessionID != "" {
				id = run.outcome.SessionID
			}
			run = nil // finished: memory has the whole record now
		default:
			run.mu.Lock()
			if isRunID(id) && run.sessionID != "" {
				id = run.sessionID
			}
			run.mu.Unlock()
		}
	}
	if run == nil && isRunID(id) {
		// A run that ended: memory knows which session it belonged to, or, when codex
		// failed before naming one, the run itself is all there is to show.
		if mem, err := m.memory(ctx); err == nil {
			r, ok, err := mem.Run(ctx, id)
			switch {
			case err != nil:
				return SessionDetail{}, err
			case ok && r.SessionID != "":
				id = r.SessionID
			case ok:
				return runOnly(r), nil
			}
		}
	}
	d := SessionDetail{Warnings: warnings}
	found := false
	mem, memErr := m.memory(ctx)
	if memErr != nil {
		d.Warnings = append(d.Warnings, "conversation memory is unavailable ("+memErr.Error()+"): this answer has only what Codex's store and the runs of this process say")
	}
	if memErr == nil && IsUUID(id) {
		s, runs, ok, err := mem.Session(ctx, id)
		if err != nil {
			m.logger.Warn("reading a session from memory", "session", id, "err", err)
			d.Warnings = append(d.Warnings, "conversation memory could not be read ("+err.Error()+"): this answer has only what Codex's store and the runs of this process say")
		}
		if ok && err == nil {
			found = true
			d.SessionInfo = fromMemory(s)
			d.FilesChanged = nonNil(s.FilesChanged)
			d.Parents = s.ParentSessionIDs
			for _, r := range runs {
				d.Runs = append(d.Runs, runInfo(r))
				d.Usage.InputTokens += r.Usage.InputTokens
				d.Usage.CachedInputTokens += r.Usage.CachedInputTokens
				d.Usage.OutputTokens += r.Usage.OutputTokens
				d.Usage.ReasoningOutputTokens += r.Usage.ReasoningOutputTokens
			}
		}
	}
	if m.codex != nil && IsUUID(id) {
		if s, ok, err := m.codex.Get(ctx, id); err == nil && ok {
			if !found {
				d.SessionInfo = fromRollout(s)
				found = true
			}
			d.RolloutPath = s.Path
			d.Turns = max(d.Turns, s.Turns)
			if d.LastMessage == "" {
				d.LastMessage = s.LastMessage
			}
		}
	}
	if run != nil {
		run.mu.Lock()
		d.Progress = append([]string(nil), run.events...)
		if !found {
			d.SessionInfo = SessionInfo{SessionID: run.sessionID, Directory: run.dir, StartedAt: run.started, UpdatedAt: time.Now(),
				Task: run.task.Task, Feature: run.task.Feature, Source: SourceServer, Sandbox: run.sandbox, Turns: 1}
			found = true
		}
		d.Status = StatusRunning
		run.mu.Unlock()
	}
	if !found {
		e := inputErr("session_id", "no session "+id+" is known to this server or to Codex's store", "an id from list_sessions")
		e.Candidates = m.candidates(ctx, "")
		return SessionDetail{}, e
	}
	d.Runs = nonNil(d.Runs)
	d.FilesChanged = nonNil(d.FilesChanged)
	return d, nil
}

func runInfo(r memory.Run) RunInfo {
	ri := RunInfo{
		RunID: r.RunID, Kind: r.Kind, Task: r.Task, Purpose: r.Purpose, Mode: r.Mode, Status: string(r.Status),
		Sandbox: r.Sandbox, StartedAt: r.StartedAt, FinalMessage: r.FinalMessage, Error: r.Error,
		FilesChanged: nonNil(r.FilesChanged), Commands: []codex.Command{}, Usage: codex.Usage(r.Usage), Parents: r.ParentSessionIDs,
	}
	if !r.EndedAt.IsZero() {
		e := r.EndedAt
		ri.EndedAt = &e
	}
	for _, c := range r.Commands {
		ri.Commands = append(ri.Commands, codex.Command{Command: c.Command, ExitCode: c.ExitCode, Status: c.Status})
	}
	return ri
}

// runOnly is the detail of a run that never got a session id from codex.
func runOnly(r memory.Run) SessionDetail {
	ri := runInfo(r)
	updated := r.StartedAt
	if !r.EndedAt.IsZero() {
		updated = r.EndedAt
	}
	return SessionDetail{
		SessionInfo: SessionInfo{Directory: r.Directory, StartedAt: r.StartedAt, UpdatedAt: updated, Task: r.Task,
			Feature: r.Feature, Status: string(r.Status), Source: SourceServer, Turns: 1, LastMessage: r.Error,
			ConversationID: r.ConversationID, Sandbox: r.Sandbox, Model: r.Model},
		Runs: []RunInfo{ri}, FilesChanged: ri.FilesChanged, Usage: ri.Usage,
	}
}

func isRunID(s string) bool { return len(s) == 20 && s[:4] == "run-" }

// activeFor finds a run in flight in this process by session or run id.
func (m *Manager) activeFor(id string) *activeRun {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.activeLocked(id)
}

// activeLocked is activeFor for callers that hold m.mu.
func (m *Manager) activeLocked(id string) *activeRun {
	if r, ok := m.active[id]; ok {
		return r
	}
	for _, r := range m.active {
		r.mu.Lock()
		sid := r.sessionID
		r.mu.Unlock()
		if sid == id {
			return r
		}
	}
	return nil
}

// Cancel stops the turn a session (or run) is running in this process and returns how it
// ended.
func (m *Manager) Cancel(ctx context.Context, id string) (Outcome, error) {
	id = normID(id)
	if !IsUUID(id) && !isRunID(id) {
		return Outcome{}, inputErr("session_id", quote(id)+" is not a session id", "a UUID from start_session or list_sessions")
	}
	run := m.activeFor(id)
	if run == nil {
		if k, ok, err := m.lookup(ctx, id); err == nil && ok && k.running {
			return Outcome{}, inputErr("session_id", "session "+id+" is running in another codex-mcp process; cancel it from the client that started it", "a session running in this server")
		}
		return Outcome{}, inputErr("session_id", "session "+id+" has no turn running in this server", "a session whose status is running (list_sessions status=running)")
	}
	run.cancel()
	select {
	case <-run.done:
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	}
	return run.outcome, nil
}

// bound keeps a session's detail within a few hundred KB however long its history: the
// newest turns, bounded messages and lists, and a warning for each cut.
func (d *SessionDetail) bound() {
	d.Task, d.LastTask, d.LastMessage = clip(d.Task, listTextRunes), clip(d.LastTask, listTextRunes), clip(d.LastMessage, detailMessageRune)
	if n := len(d.Runs) - detailRuns; n > 0 {
		d.Runs = d.Runs[n:]
		d.Warnings = append(d.Warnings, fmt.Sprintf("%d older turns are left out; the newest %d are shown", n, detailRuns))
	}
	cutCmds, cutFiles := 0, 0
	for i := range d.Runs {
		r := &d.Runs[i]
		r.Task, r.FinalMessage, r.Error = clip(r.Task, detailMessageRune), clip(r.FinalMessage, detailMessageRune), clip(r.Error, listTextRunes)
		var n int
		r.Commands, n = clipList(r.Commands, detailCommands)
		cutCmds += n
		for j := range r.Commands {
			r.Commands[j].Command = clip(r.Commands[j].Command, listTextRunes)
		}
		r.FilesChanged, n = clipList(r.FilesChanged, detailFiles)
		cutFiles += n
	}
	var n int
	d.FilesChanged, n = clipList(d.FilesChanged, detailFiles)
	cutFiles += n
	if cutCmds > 0 {
		d.Warnings = append(d.Warnings, fmt.Sprintf("%d commands are left out (the first and last of each turn are shown)", cutCmds))
	}
	if cutFiles > 0 {
		d.Warnings = append(d.Warnings, fmt.Sprintf("%d changed files are left out of the lists", cutFiles))
	}
	for i := range d.Progress {
		d.Progress[i] = clip(d.Progress[i], listTextRunes)
	}
}
