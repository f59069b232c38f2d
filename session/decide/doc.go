// Package decide applies the seed's "Auto-Resume Decision Tree" (the workflow document
// "Codex Session Management") to a new task and a snapshot of conversation memory,
// and explains the answer. It is a pure leaf: no I/O, no clock (Snapshot.Now is the
// time), no imports from the rest of the project.
//
// The tree, walked exactly as the seed draws it; each question becomes a Step:
//
//	1 Is current task related to previous Codex task?
//	├─ yes → 2 Does it extend/enhance previous implementation?
//	│        ├─ yes → resume
//	│        └─ no  → 3 Does it require previous context?  yes → resume, no → new
//	└─ no  → 4 Is this the first Codex task in this conversation?  yes → new
//	         └─ no → 5 Different module/feature area?  yes → new
//	                 └─ no → 6 Recent Codex execution on this module in conversation memory?
//	                         found → resume, not found → new
//
// "The previous Codex task" is the best-matching session, not the latest one: with
// features A and B in flight, "Enhance A" resumes A (the seed's Parallel Session
// note). Every recorded field is evidence, each weighted in one table (weights.go):
// same conversation; directory (same, nested, different; sharing only the project
// root is no module in common); overlapping @{...} file patterns and changed files
// (static prefixes compared by path component); feature label (the caller's outranks
// a shared directory; a label that is only the repository's name is ignored); task
// words shared with the session's first and latest task, feature, directory below the
// root, purpose, context, files and last message; words pointing back at earlier work;
// lifecycle phase; recency. Candidates carry the score's breakdown by signal.
//
// Words are compared by whole Snowball stems ("caching" = "cache", "auth" ≠ "author"),
// with synonym groups; every word that carries meaning (back-references, time words,
// alternatives, joins, lifecycle verbs, fresh starts) is in one declarative lexicon
// (lexicon.go). Structure, not fixed phrases, finds the seed's special cases: a task
// that names the subjects of two or more sessions with a joining word is a Session
// Merge; one that replaces or redoes the work another way is a Session Branch; a
// lifecycle verb follows the latest work only when the task names no subject of its
// own or one that work shares ("Add tests" → yes; "Bump Node in CI and fix the
// warnings" after "Implement the tag cloud" → no); only the task's first clause gives
// it a subject, and words that qualify an aspect ("API documentation") or are
// placeholders ("component B") do not. Pointers at the latest work ("you just", "test
// it", "your fix", "go ahead") tie to it; file paths a task names (a pasted stack
// trace) are its area like @{...} patterns; a problem report about something that
// exists ("why is the sitemap empty?") refers back to the work that built it. Sharing
// only a kind of thing ("the boarding pass screen", "the signup screen") is no shared
// subject, and words of the directory the task already shares name no subject.
//
// How each node is answered:
//
//  1. yes when the task shares subject words or files with the best session, points
//     back at earlier work, is a later lifecycle phase of the conversation's latest
//     work (within RecentWindow, same or no directory: "Generate tests"), proposes an
//     alternative to it ("try approach Y"), or integrates several sessions ("integrate
//     components A and B"). no when nothing does, when the task says it is unrelated or
//     wants a fresh start, or when the session is older than StaleAfter and the task
//     does not point back. Sessions of other conversations count only when the task
//     points back at earlier work: explicitly ("continue", "from yesterday", "we worked
//     on last week") with a subject or area match, or by a weaker reference ("that
//     cache", "still", "the geocoding work") with both a subject and an area match.
//     A directory or feature match alone is not a relation between tasks: it is
//     judged at nodes 5 and 6.
//  2. yes when the task is a later lifecycle phase of the session's latest run, or says
//     enhance/extend/improve/continue; no for an alternative approach (Session Branch)
//     or a merge of several sessions (Session Merge).
//  3. yes when the task points back at the session's work, builds on what it named
//     ("Create API for user table" after "Create user table"), or works on the same
//     files; no for a sibling ("Create component B" after "Create component A"), an
//     alternative approach, or a merge: a merge's context spans several sessions, so the
//     decision is a new session with Decision.MergeFrom listing them.
//  4. yes when no session of the conversation is in memory. Without a ConversationID
//     all of memory counts as the conversation (the CLI case).
//  5. yes when no session of the conversation is in the task's area: same or enclosing
//     directory (not the project root), overlapping patterns or changed files, or a
//     matching module label; a task that names no area (or only the root) is compared by
//     its subject words, and one that names nothing at all is taken to be in the latest
//     session's area.
//  6. found when the newest session of the conversation in that area ran within
//     RecentWindow, unless the task disowns earlier work ("unrelated", "fresh start",
//     relation independent).
//
// The caller's Relation answers its node, and the step is marked Overridden:
// extends → 1 yes, 2 yes; needs_context → 1 yes, 2 no, 3 yes; independent → 1 no and
// 6 not found; alternative → 1 yes, 2 no, 3 no (Session Branch: new session).
//
// A session whose status is "running" is never resumed: when the tree lands on it the
// decision is "new" and RunningSessionID names it (the caller may wait and resume).
//
// Confidence comes from one formula over the weights table: a base per node and kind of
// answer, plus a step per agreeing signal (shared subject, files, back-reference,
// lifecycle, area, recency), less for a close runner-up or unmatched subject words;
// the caller's relation sets it (lower when it contradicts the evidence), a running
// session caps it. Below weights.WeakBelow the reason says so and that relation would
// settle it.
//
// Cost: linear in len(Snapshot.Sessions), which must be newest first. Every session
// gets a cheap structural comparison (conversation, directory, feature label); text
// is read only for the newest 128 sessions of the conversation, the newest 1,024 of
// other conversations when the task explicitly continues earlier work, and up to 128
// same-area sessions of other conversations (listed as candidates only). Under a
// millisecond for 10,000 sessions (BenchmarkDecide10k).
package decide
