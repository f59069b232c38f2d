package decide

import (
	"time"
)

// Relation is the caller's own judgement of how the task relates to earlier work.
// It answers the tree's node it belongs to (the step is marked Overridden).
type Relation string

const (
	RelationNone         Relation = ""
	RelationExtends      Relation = "extends"       // node 2 yes → resume
	RelationNeedsContext Relation = "needs_context" // node 3 yes → resume
	RelationIndependent  Relation = "independent"   // node 1 no, and no reuse of recent work
	RelationAlternative  Relation = "alternative"   // Session Branch: an alternative approach → new
)

// Decisions.
const (
	Resume = "resume"
	New    = "new"
)

// Answers recorded in Step.Answer.
const (
	Yes      = "yes"
	No       = "no"
	Found    = "found"
	NotFound = "not found"
)

// The questions of the seed's "Auto-Resume Decision Tree", by node number.
const (
	QRelated      = "Is current task related to previous Codex task?"               // node 1
	QExtends      = "Does it extend/enhance previous implementation?"               // node 2
	QNeedsContext = "Does it require previous context?"                             // node 3
	QFirst        = "Is this the first Codex task in this conversation?"            // node 4
	QDifferent    = "Different module/feature area?"                                // node 5
	QRecent       = "Recent Codex execution on this module in conversation memory?" // node 6
)

// Session statuses the decision cares about.
const (
	StatusRunning = "running"
)

const (
	// RecentWindow: work older than this is not "recent Codex execution" (node 6),
	// and a bare lifecycle follow-up ("Generate tests") no longer attaches to it.
	RecentWindow = 24 * time.Hour
	// StaleAfter: a session this old relates to the task only if the task points
	// back at earlier work ("continue", "previous", "from yesterday").
	StaleAfter = 72 * time.Hour
)

// Input is the task to place, with the caller's optional Relation.
type Input struct {
	Task           string   `json:"task"`
	Purpose        string   `json:"purpose,omitempty"`
	Context        string   `json:"context,omitempty"` // free text; may hold @{glob,glob} patterns
	Expected       string   `json:"expected,omitempty"`
	Directory      string   `json:"directory,omitempty"` // absolute; "" when the task gives none (a resume-style call)
	Feature        string   `json:"feature,omitempty"`   // module/feature label; inferred when ""
	ConversationID string   `json:"conversation_id,omitempty"`
	Relation       Relation `json:"relation,omitempty"`
	// ProjectRoot is the top of the project Directory lies in (its git work tree), or ""
	// when unknown. The root names no module: sessions that only share it share nothing.
	ProjectRoot string `json:"project_root,omitempty"`
}

// Past is one session in memory. One entry per session is expected; several entries
// with the same SessionID (one per run) are merged: the best-matching entry scores,
// the newest entry gives the session's current phase.
type Past struct {
	SessionID      string    `json:"session_id"`
	ConversationID string    `json:"conversation_id,omitempty"` // "" for sessions started outside the server
	Directory      string    `json:"directory,omitempty"`
	Feature        string    `json:"feature,omitempty"`
	Task           string    `json:"task,omitempty"`       // the latest run's task
	FirstTask      string    `json:"first_task,omitempty"` // the first run's, when it differs: what the session is about
	Purpose        string    `json:"purpose,omitempty"`
	Context        string    `json:"context,omitempty"` // may hold @{...} file patterns
	Files          []string  `json:"files,omitempty"`   // files its runs changed (absolute, or relative to Directory)
	LastMessage    string    `json:"last_message,omitempty"`
	Status         string    `json:"status,omitempty"` // completed, failed, running, cancelled, timed_out, interrupted
	StartedAt      time.Time `json:"started_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Turns          int       `json:"turns,omitempty"`
	Source         string    `json:"source,omitempty"` // "server" or "codex" (external)
}

// Snapshot is conversation memory at decision time.
type Snapshot struct {
	Now      time.Time `json:"now"`
	Sessions []Past    `json:"sessions"` // newest first; all conversations
}

// Step is one question of the tree with its answer and the evidence used.
type Step struct {
	Node       int      `json:"node"` // 1..6, as numbered in the package documentation
	Question   string   `json:"question"`
	Answer     string   `json:"answer"` // yes, no, found, not found
	Evidence   []string `json:"evidence"`
	Overridden bool     `json:"overridden,omitempty"` // answered by the caller's Relation
}

// Candidate is a scored session, best first in Decision.Candidates.
type Candidate struct {
	SessionID string   `json:"session_id"`
	Score     float64  `json:"score"`
	Reasons   []string `json:"reasons"`
	// Breakdown is the score, signal by signal: the sum of the contributions is Score.
	Breakdown      []Contribution `json:"breakdown,omitempty"`
	Directory      string         `json:"directory,omitempty"`
	Feature        string         `json:"feature,omitempty"`
	Task           string         `json:"task,omitempty"`
	Status         string         `json:"status,omitempty"`
	ConversationID string         `json:"conversation_id,omitempty"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Contribution is one signal's part of a candidate's score.
type Contribution struct {
	Signal string  `json:"signal"` // a name from the weights table, e.g. "same_directory"
	Value  float64 `json:"value"`
}

// Decision is the outcome of the tree.
type Decision struct {
	Decision   string      `json:"decision"`             // "resume" or "new"
	SessionID  string      `json:"session_id,omitempty"` // the session to resume
	Path       []Step      `json:"path"`
	Confidence float64     `json:"confidence"` // 0..1
	Candidates []Candidate `json:"candidates"` // best first, at most MaxCandidates
	Feature    string      `json:"feature,omitempty"`
	Reason     string      `json:"reason"`
	// MergeFrom lists the sessions a new session draws on (the seed's Session
	// Merge): pass their work to the new session as context.
	MergeFrom []string `json:"merge_from,omitempty"`
	// RunningSessionID is set when the tree chose a session that is still running:
	// a resume would collide with it, so Decision is "new"; the caller may instead
	// wait for it and resume it.
	RunningSessionID string `json:"running_session_id,omitempty"`
}

// MaxCandidates bounds Decision.Candidates.
const MaxCandidates = 5

// Decide walks the seed's Auto-Resume Decision Tree for in against snap. It is a
// pure function: no I/O, no clock (snap.Now is the time), linear in len(snap.Sessions).
func Decide(in Input, snap Snapshot) Decision {
	useLexicon()
	a := analyzeInput(&in)
	r := scanSessions(a, &in, &snap)
	w := &walker{a: a, in: &in, snap: &snap, r: r}
	return w.run()
}
