package session

import (
	"fmt"
	"strings"
	"time"

	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session/codex"
)

// Modes of a task, as the seed writes them in MODE:.
const (
	ModeAnalysis = "analysis" // read-only: look, do not touch
	ModeWrite    = "write"
	ModeAuto     = "auto"
)

// Run statuses. The first five are what a run returns; interrupted is what memory says of
// a run whose server died under it.
const (
	StatusRunning     = "running"
	StatusCompleted   = codex.StatusCompleted
	StatusFailed      = codex.StatusFailed
	StatusCancelled   = codex.StatusCancelled
	StatusTimedOut    = codex.StatusTimedOut
	StatusInterrupted = "interrupted"
)

// Task is the seed's task fields plus where and how to run them.
type Task struct {
	Task          string
	Purpose       string
	Mode          string
	Context       string
	Expected      string
	Rules         string
	RulesTemplate string

	Directory      string
	Sandbox        string
	Model          string
	Profile        string
	Timeout        time.Duration // 0: the server's default
	Wait           time.Duration // 0: wait for the end of the run
	ConversationID string
	Feature        string
	// DrawFrom names earlier sessions a new session builds on (the seed's Session
	// Merge): their tasks, results and files go into the context, and memory records
	// them as the new session's parents.
	DrawFrom []string
}

// ResumeTask continues an existing session.
type ResumeTask struct {
	Task
	SessionID string // empty: the session memory says this conversation was working on
}

// Outcome is what start_session and resume_session return.
type Outcome struct {
	SessionID    string             `json:"session_id" jsonschema:"description=Codex session (thread) id; pass it to resume_session to continue this work"`
	RunID        string             `json:"run_id" jsonschema:"description=This server's id of this one run (turn)"`
	Status       string             `json:"status" jsonschema:"enum=completed,enum=failed,enum=running,enum=cancelled,enum=timed_out"`
	FinalMessage string             `json:"final_message" jsonschema:"description=Codex's last message of the turn"`
	Error        string             `json:"error,omitempty" jsonschema:"description=Why the run did not complete"`
	Directory    string             `json:"directory"`
	Sandbox      string             `json:"sandbox" jsonschema:"enum=read-only,enum=workspace-write,enum=danger-full-access"`
	Model        string             `json:"model,omitempty"`
	Feature      string             `json:"feature,omitempty" jsonschema:"description=Module/feature label memory files this session under"`
	Conversation string             `json:"conversation_id,omitempty"`
	FilesChanged []codex.FileChange `json:"files_changed" jsonschema:"description=The files codex's patch tool reported editing (see changes for every file the run changed)"`
	Changes      []Change           `json:"changes" jsonschema_description:"Every file the run created, modified, deleted or renamed. In a git work tree: whoever wrote it (codex's patch tool or a command it ran), found by comparing the work tree (git status and file contents) before and after the run; ignored files are not listed. Elsewhere: the patch tool's files only (see changes_scope)."`
	ChangesScope string             `json:"changes_scope,omitempty" jsonschema:"enum=work_tree,enum=patch_tool" jsonschema_description:"work_tree: changes lists every file changed in the run's directory; patch_tool: only the patch tool's edits (not a git work tree, git missing, the comparison skipped; changes_note says why). Absent while the run is still going."`
	ChangesNote  string             `json:"changes_note,omitempty" jsonschema_description:"What the receipt could not tell: why the work tree was not compared, or what was cut"`
	Commands     []codex.Command    `json:"commands"`
	Usage        codex.Usage        `json:"usage"`
	DurationMS   int64              `json:"duration_ms"`
	CodexVersion string             `json:"codex_version"`
	Command      []string           `json:"command" jsonschema:"description=The equivalent codex argv (the prompt goes on stdin)"`
	Warnings     []string           `json:"warnings,omitempty"`
	Patterns     []prompts.Pattern  `json:"context_files,omitempty" jsonschema:"description=Files each @{...} pattern of the context matched"`
	Disabled     []string           `json:"disabled_mcp_servers,omitempty" jsonschema:"description=MCP servers of the user's Codex config that are this server and were turned off inside the run (no nested delegation)"`
	ResolvedBy   string             `json:"resolved_by,omitempty" jsonschema:"description=How resume_session chose the session when no session_id was given"`
}

// Summary is a short human sentence about the outcome, for the text content of a result.
func (o Outcome) Summary() string {
	var b strings.Builder
	switch o.Status {
	case StatusRunning:
		id := o.SessionID
		if id == "" {
			id = o.RunID // codex has not reported the session id yet
		}
		fmt.Fprintf(&b, "Codex is still working (session %s, run %s); call get_session with %s and wait_seconds to follow it.", orUnknown(o.SessionID), o.RunID, id)
	case StatusCompleted:
		fmt.Fprintf(&b, "Codex session %s completed in %.1fs.", o.SessionID, float64(o.DurationMS)/1000)
	default:
		fmt.Fprintf(&b, "Codex session %s %s: %s", orUnknown(o.SessionID), strings.ReplaceAll(o.Status, "_", " "), o.Error)
	}
	if len(o.Changes) > 0 {
		paths := make([]string, 0, min(len(o.Changes), summaryChanges))
		for _, c := range o.Changes[:min(len(o.Changes), summaryChanges)] {
			paths = append(paths, c.Path+" ("+c.Status+")")
		}
		more := ""
		if len(o.Changes) > summaryChanges {
			more = fmt.Sprintf(" and %d more", len(o.Changes)-summaryChanges)
		}
		fmt.Fprintf(&b, " Files changed: %s%s.", strings.Join(paths, ", "), more)
	}
	if o.ChangesNote != "" {
		fmt.Fprintf(&b, " (Receipt: %s.)", o.ChangesNote)
	}
	if len(o.Commands) > 0 {
		fmt.Fprintf(&b, " Ran %d command(s).", len(o.Commands))
	}
	if o.FinalMessage != "" {
		b.WriteString("\n\n")
		b.WriteString(o.FinalMessage)
	}
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "(no id)"
	}
	return s
}

// InputError is a mistake the caller can fix: it names the field, what is wrong, and what
// would be accepted. Nothing has run when one is returned.
type InputError struct {
	Field      string
	Problem    string
	Accepted   string
	Candidates []Candidate // for an unknown session: the sessions the caller may have meant
}

// Candidate is a session offered to the caller when the one asked for is not found.
type Candidate struct {
	SessionID string    `json:"session_id"`
	Directory string    `json:"directory"`
	Task      string    `json:"task"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (e *InputError) Error() string {
	s := e.Problem
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.Accepted != "" {
		s += " (accepted: " + e.Accepted + ")"
	}
	for i, c := range e.Candidates {
		if i == 0 {
			s += ". Recent sessions that may be the one you meant:"
		}
		s += fmt.Sprintf("\n- %s in %s, %s: %s", c.SessionID, c.Directory, c.UpdatedAt.Format(time.RFC3339), firstLine(c.Task, 100))
	}
	return s
}

func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func inputErr(field, problem, accepted string) *InputError {
	return &InputError{Field: field, Problem: problem, Accepted: accepted}
}

// TaskLine is the line a person recognises a task by: the TASK line of a prompt in the
// seed's layout, else its first line, cut to n runes.
func TaskLine(s string, n int) string {
	if i := strings.Index(s, "TASK:"); i >= 0 {
		s = s[i+len("TASK:"):]
	}
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
