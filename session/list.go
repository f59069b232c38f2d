package session

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/codex-mcp/codex-mcp/session/memory"
	"github.com/codex-mcp/codex-mcp/session/rollout"
)

// Listing limits.
const (
	DefaultListLimit = 20
	MaxListLimit     = 200
)

// Sources of a listed session.
const (
	SourceServer = "server" // run by codex-mcp: memory has its feature, conversation, status
	SourceCodex  = "codex"  // found only in Codex's own store (started elsewhere)
)

// StatusUnknown is the status of a session codex-mcp did not run.
const StatusUnknown = "unknown"

// ListQuery filters list_sessions.
type ListQuery struct {
	Directory       string
	Query           string
	Feature         string
	ConversationID  string
	Status          string
	Limit           int
	Cursor          string
	IncludeExternal bool
	IncludeArchived bool
}

// SessionInfo is one session of a listing.
type SessionInfo struct {
	SessionID      string    `json:"session_id"`
	Directory      string    `json:"directory"`
	StartedAt      time.Time `json:"started_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Task           string    `json:"task" jsonschema_description:"The session's first task."`
	LastTask       string    `json:"last_task,omitempty"`
	Feature        string    `json:"feature,omitempty"`
	Status         string    `json:"status" jsonschema:"enum=running,enum=completed,enum=failed,enum=cancelled,enum=timed_out,enum=interrupted,enum=unknown"`
	Source         string    `json:"source" jsonschema:"enum=server,enum=codex"`
	Turns          int       `json:"turns"`
	LastMessage    string    `json:"last_message,omitempty"`
	ConversationID string    `json:"conversation_id,omitempty"`
	Sandbox        string    `json:"sandbox,omitempty"`
	Model          string    `json:"model,omitempty"`
	Archived       bool      `json:"archived,omitempty"`
}

// SessionList is a page of sessions.
type SessionList struct {
	Sessions   []SessionInfo `json:"sessions"`
	NextCursor string        `json:"next_cursor,omitempty" jsonschema_description:"Pass as cursor for the next page; absent on the last page."`
	Warnings   []string      `json:"warnings,omitempty" jsonschema_description:"Why the list may be incomplete (conversation memory unavailable)."`
}

// List merges memory's sessions with Codex's own store, newest first, the server's
// record winning for a session both know.
func (m *Manager) List(ctx context.Context, q ListQuery) (SessionList, error) {
	if q.Limit < 0 || q.Limit > MaxListLimit {
		return SessionList{}, inputErr("limit", "must be between 1 and "+strconv.Itoa(MaxListLimit), "a page size; default "+strconv.Itoa(DefaultListLimit))
	}
	if q.Limit == 0 {
		q.Limit = DefaultListLimit
	}
	switch q.Status {
	case "", StatusRunning, StatusCompleted, StatusFailed, StatusCancelled, StatusTimedOut, StatusInterrupted:
	default:
		return SessionList{}, inputErr("status", "unknown status "+quote(q.Status), "running, completed, failed, cancelled, timed_out, interrupted")
	}
	pos, err := decodeListCursor(q.Cursor)
	if err != nil {
		return SessionList{}, inputErr("cursor", "is not a cursor this server handed out", "next_cursor from the previous page, or nothing for the first page")
	}
	if q.Directory != "" {
		// A filter, not a place to run: a deleted project's sessions are still listed.
		if !filepath.IsAbs(q.Directory) {
			q.Directory = filepath.Join(m.cfg.DefaultDir, q.Directory)
		}
		q.Directory = filepath.Clean(q.Directory)
	}
	mem, memErr := m.memory(ctx)
	if memErr != nil && (!q.IncludeExternal || q.Feature != "" || q.ConversationID != "" || q.Status != "") {
		return SessionList{}, memErr // only memory can answer these
	}
	f := memory.Filter{Directory: q.Directory, Feature: q.Feature, ConversationID: q.ConversationID,
		Status: memory.Status(q.Status), Query: q.Query, Limit: q.Limit + 1}
	if pos != nil {
		f.UpdatedBefore = &memory.Cursor{UpdatedAt: pos.at, SessionID: pos.id}
	}
	var own []memory.Session
	if memErr == nil {
		if own, memErr = mem.Sessions(ctx, f); memErr != nil && !q.IncludeExternal {
			return SessionList{}, memErr
		}
	}
	var warnings []string
	if memErr != nil {
		// Codex's own store still answers when memory cannot be read; the caller is told
		// that the sessions only memory knew (runs that failed before codex named a
		// session, features, conversations) are missing.
		m.logger.Warn("listing without conversation memory", "err", memErr)
		warnings = append(warnings, "conversation memory is unavailable ("+memErr.Error()+"): this list has only Codex's own store, "+
			"without the features, conversations and statuses memory knows. `codex-mcp doctor` names the problem and its fix")
		mem, own = nil, nil
	}
	more := len(own) > q.Limit
	var (
		all     []SessionInfo
		extNext *listPos // where Codex's store would go on, when it stopped early
	)
	for _, s := range own {
		all = append(all, fromMemory(s))
	}
	// Sessions codex-mcp did not run have no feature, conversation or status to match.
	if q.IncludeExternal && m.codex != nil && q.Feature == "" && q.ConversationID == "" && q.Status == "" {
		rf := rollout.Filter{Directory: q.Directory, Query: q.Query, Limit: q.Limit + 1, IncludeArchived: q.IncludeArchived}
		if pos != nil {
			rf.Cursor = rollout.CursorAfter(pos.at, pos.id)
		}
		page, err := m.codex.List(ctx, rf)
		if err != nil && !errors.Is(err, rollout.ErrBadCursor) {
			return SessionList{}, err
		}
		if page.NextCursor != "" || len(page.Sessions) > q.Limit {
			more = true
			if at, id, err := rollout.CursorPosition(page.NextCursor); err == nil {
				extNext = &listPos{at: at, id: id}
			}
		}
		known := map[string]bool{}
		if mem != nil {
			ids := make([]string, len(page.Sessions))
			for i, s := range page.Sessions {
				ids[i] = s.ID
			}
			if known, err = mem.Known(ctx, ids); err != nil {
				// Listed from Codex's store alone, said like any other memory trouble.
				m.logger.Warn("asking memory which sessions it knows", "err", err)
				warnings = append(warnings, "conversation memory could not be read ("+err.Error()+"): sessions it recorded are listed as Codex's store has them")
				known = map[string]bool{}
			}
		}
		for _, s := range page.Sessions {
			if !known[s.ID] { // memory's record is listed at memory's position
				all = append(all, fromRollout(s))
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].UpdatedAt.Equal(all[j].UpdatedAt) {
			return all[i].UpdatedAt.After(all[j].UpdatedAt)
		}
		return all[i].SessionID > all[j].SessionID
	})
	if len(all) > q.Limit {
		all, more = all[:q.Limit], true
	}
	for i := range all {
		all[i].Task, all[i].LastTask = clip(all[i].Task, listTextRunes), clip(all[i].LastTask, listTextRunes)
		all[i].LastMessage = clip(all[i].LastMessage, listTextRunes)
	}
	out := SessionList{Sessions: all, Warnings: warnings}
	if out.Sessions == nil {
		out.Sessions = []SessionInfo{}
	}
	switch {
	case more && len(all) > 0:
		last := all[len(all)-1]
		out.NextCursor = encodeListCursor(listPos{at: last.UpdatedAt, id: last.SessionID})
	case more && extNext != nil:
		// Codex's store looked ahead as far as it may and found nothing that matched;
		// an empty page with a cursor says older sessions remain to be searched.
		out.NextCursor = encodeListCursor(*extNext)
	}
	return out, nil
}

func fromMemory(s memory.Session) SessionInfo {
	return SessionInfo{
		SessionID: s.SessionID, Directory: s.Directory, StartedAt: s.StartedAt, UpdatedAt: s.UpdatedAt,
		Task: s.Task, LastTask: s.LastTask, Feature: s.Feature, Status: string(s.Status), Source: SourceServer,
		Turns: s.Turns, LastMessage: s.LastMessage, ConversationID: s.ConversationID, Sandbox: s.Sandbox, Model: s.Model,
	}
}

func fromRollout(s rollout.Session) SessionInfo {
	return SessionInfo{
		SessionID: s.ID, Directory: s.Directory, StartedAt: s.StartedAt, UpdatedAt: s.UpdatedAt,
		Task: s.Task, Status: StatusUnknown, Source: SourceCodex, Turns: s.Turns, LastMessage: s.LastMessage,
		Model: s.Model, Archived: s.Archived,
	}
}

// listPos is a position in the merged listing: after the session with this sort key.
type listPos struct {
	at time.Time
	id string
}

func encodeListCursor(p listPos) string {
	return base64.RawURLEncoding.EncodeToString([]byte("s1|" + strconv.FormatInt(p.at.UnixNano(), 10) + "|" + p.id))
}

func decodeListCursor(s string) (*listPos, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	parts := strings.SplitN(string(raw), "|", 3)
	if len(parts) != 3 || parts[0] != "s1" {
		return nil, errors.New("bad cursor")
	}
	ns, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, err
	}
	return &listPos{at: time.Unix(0, ns), id: parts[2]}, nil
}
