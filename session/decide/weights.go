package decide

// weights holds every tunable number of the decision, so that a reader can see why a
// decision came out as it did and a change of weight is one line. Scores rank the
// sessions (Candidate.Score, with its Breakdown by signal); confidence says how sure
// the answer is (Decision.Confidence).
var weights = struct {
	// A task word's weight by where the caller wrote it; an aspect word ("tests")
	// counts this fraction of it.
	TermTask, TermPurpose, TermContext, TermExpected, AspectFactor float64
	// A task word found in a session counts this fraction of its weight by where it
	// was found: its tasks, feature or directory; its purpose, context or files; its
	// last message. The sum is capped.
	InPrimary, InSecondary, InMessage, TermCap float64

	// Score signals (Contribution.Signal names them).
	SameConversation                                      float64 // "conversation"
	SameDirectory, TaskInside, SessionInside, SameProject float64 // "directory"
	DifferentDirectory                                    float64 // "directory" (negative)
	FileOverlap                                           float64 // "files"
	FeatureMatch, FeatureWeak                             float64 // "feature"
	FeatureConflict, FeatureConflictExplicit              float64 // "feature" (negative)
	NamesOther                                            float64 // "unshared_subject": the task names things the session does not
	NoSharedSubject                                       float64 // "unshared_subject": nothing of the task's subject is shared
	RecencyMax, RecencyHalfLifeHours                      float64 // "recency": RecencyMax / (1 + hours/half-life)
	Latest                                                float64 // "latest": the newest session of the conversation
	Follow                                                float64 // "lifecycle": the task is a later phase of its work
	BackRef, WeakRef                                      float64 // "back_reference"
	LatestRef                                             float64 // "back_reference": "you just", "test it" name the latest session

	// Confidence, one formula: Base[node] + PerSignal × agreeing signals, then the
	// adjustments below, clamped to [ConfidenceMin, ConfidenceMax].
	Base                                    map[int]float64
	PerSignal                               float64
	RecentBonus, SameAreaBonus              float64 // node 6 resumes
	Runner                                  float64 // a runner-up within RunnerRatio of the winner
	RunnerRatio                             float64
	Unmatched                               float64 // the task names things no session shares
	NewBase                                 map[string]float64
	Disagreed, OverriddenMin, RunningMax    float64
	ConfidenceMin, ConfidenceMax, WeakBelow float64 // WeakBelow: say the evidence is weak and relation would settle it
}{
	TermTask: 2, TermPurpose: 1.5, TermContext: 1.5, TermExpected: 1, AspectFactor: 0.5,
	InPrimary: 1, InSecondary: 0.75, InMessage: 0.4, TermCap: 6,

	SameConversation: 1,
	SameDirectory:    1.5, TaskInside: 1.25, SessionInside: 0.75, SameProject: 0.25, DifferentDirectory: -1.5,
	FileOverlap:  1.5,
	FeatureMatch: 1.5, FeatureWeak: 0.5, FeatureConflict: -0.75, FeatureConflictExplicit: -2,
	NamesOther: -1.5, NoSharedSubject: -0.5,
	RecencyMax: 1.5, RecencyHalfLifeHours: 6,
	Latest:  0.75,
	Follow:  0.5,
	BackRef: 1, WeakRef: 0.5, LatestRef: 2,

	Base:        map[int]float64{2: 0.5, 3: 0.45, 6: 0.55},
	PerSignal:   0.09,
	RecentBonus: 0.15, SameAreaBonus: 0.1,
	Runner: -0.15, RunnerRatio: 0.85,
	Unmatched: -0.1,
	NewBase: map[string]float64{
		"merge": 0.85, "branch": 0.85, "sibling": 0.75, "unneeded": 0.6,
		"first": 0.95, "first-others": 0.9,
		"area": 0.7, "area-other-directory": 0.8, "area-no-shared-subject": 0.05,
		"not-recent": 0.7, "stale": 0.75, "disowned": 0.85,
	},
	Disagreed: 0.75, OverriddenMin: 0.9, RunningMax: 0.5,
	ConfidenceMin: 0.05, ConfidenceMax: 0.99, WeakBelow: 0.6,
}
