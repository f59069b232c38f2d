package session

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/gitstate"
)

// Change is one file a run created, modified, deleted or renamed: the receipt of a run.
type Change struct {
	Path    string `json:"path" jsonschema:"description=Relative to the run's directory (absolute when outside it)"`
	Status  string `json:"status" jsonschema:"enum=created,enum=modified,enum=deleted,enum=renamed"`
	Source  string `json:"source" jsonschema:"enum=patch,enum=worktree,enum=both,description=Who saw it: patch = codex's patch tool reported it; worktree = comparing the git work tree before and after the run found it (a command wrote it); both"`
	OldPath string `json:"old_path,omitempty" jsonschema:"description=Where a renamed file was"`
	// Line counts, when they are cheap to know: a created file's lines, and git's
	// numstat for a file that was unmodified before the run.
	LinesAdded   *int `json:"lines_added,omitempty" jsonschema_description:"Lines added: a created file's lines, or git's count for a file unmodified before the run; absent when not known"`
	LinesRemoved *int `json:"lines_removed,omitempty" jsonschema_description:"Lines removed, when lines_added is known"`
	Binary       bool `json:"binary,omitempty" jsonschema_description:"The file is binary (no line counts)"`
}

// Change sources and receipt scopes.
const (
	SourcePatch    = "patch"
	SourceWorktree = "worktree"
	SourceBoth     = "both"

	// ScopeWorktree: the work tree was compared before and after the run, so changes
	// lists every file changed, whoever wrote it. ScopePatchTool: only the files
	// codex's patch tool reported.
	ScopeWorktree  = "work_tree"
	ScopePatchTool = "patch_tool"
)

// receipt follows one run's work tree so that the run's result can list every file it
// changed, not only those codex's patch tool reports. The snapshot before is taken
// alongside codex's start (codex changes nothing before the model's first answer), and
// the one after is taken as soon as a tool step ends with none running, while the model
// thinks about the step: when the run then ends with no step since, that snapshot is the
// one after, and the run's end does not wait on git.
type receipt struct {
	m   *Manager
	dir string

	beforeDone chan struct{}
	before     *gitstate.Snapshot
	beforeErr  error

	mu       sync.Mutex
	steps    int             // tool events seen (a look is the after state only if none came since it began)
	inflight map[string]bool // tool items started and not completed
	early    bool            // a tool step began before the snapshot before was done
	look     *look           // the newest look at the work tree
	again    bool            // a step ended while a look ran: look again when it ends
	looks    int
}

// look is one snapshot after a tool step and its comparison with the one before.
type look struct {
	steps int
	done  chan struct{}
	res   gitstate.Result
	err   error
}

// startReceipt begins the receipt of a run in dir; nil when the operator turned it off.
func (m *Manager) startReceipt(dir string) *receipt {
	if m.cfg.NoWorktreeReceipt {
		return nil
	}
	r := &receipt{m: m, dir: dir, beforeDone: make(chan struct{}), inflight: map[string]bool{}}
	m.bg.Go(func() {
		defer close(r.beforeDone)
		r.before, r.beforeErr = gitstate.Take(m.base, dir, nil)
	})
	return r
}

// toolItem reports whether an item is a step that can change files: everything but
// codex's own talk (a type a later codex adds counts, to be safe).
func toolItem(it *codex.Item) bool {
	switch it.Type {
	case "agent_message", "reasoning", "todo_list", "web_search", "error":
		return false
	}
	return true
}

// observe follows the run's events: every tool step makes earlier looks stale, and the
// end of the last running one starts a new look.
func (r *receipt) observe(ev codex.Event) {
	if r == nil || ev.Item == nil || !toolItem(ev.Item) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.steps == 0 {
		select {
		case <-r.beforeDone:
		default:
			r.early = true
		}
	}
	r.steps++
	switch ev.Type {
	case "item.started", "item.updated":
		if ev.Item.Status == "in_progress" {
			r.inflight[ev.Item.ID] = true
		}
	case "item.completed":
		delete(r.inflight, ev.Item.ID)
		if len(r.inflight) == 0 {
			r.startLookLocked()
		}
	}
}

// startLookLocked starts a look at the work tree, or asks for one once the running one
// ends. r.mu is held.
func (r *receipt) startLookLocked() {
	if r.look != nil {
		select {
		case <-r.look.done:
		default:
			r.again = true
			return
		}
	}
	if r.looks >= receiptLooks {
		return // the run's end takes the snapshot after
	}
	r.looks++
	l := &look{steps: r.steps, done: make(chan struct{})}
	r.look = l
	r.m.bg.Go(func() {
		l.res, l.err = r.compare()
		close(l.done)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.again && len(r.inflight) == 0 && r.steps != l.steps {
			r.again = false
			r.startLookLocked()
		}
	})
}

// compare snapshots the work tree now and compares it with the snapshot before.
func (r *receipt) compare() (gitstate.Result, error) {
	<-r.beforeDone
	if r.beforeErr != nil {
		return gitstate.Result{}, r.beforeErr
	}
	after, err := gitstate.Take(r.m.base, r.dir, r.before)
	if err != nil {
		return gitstate.Result{}, err
	}
	return gitstate.Diff(r.m.base, r.before, after)
}

// finish lists the run's changes: the work tree's, merged with the patch tool's files.
// completed says the run ended on its own (nothing of it was killed), so a look taken
// after its last tool step still stands.
func (r *receipt) finish(patch []codex.FileChange, completed bool) (changes []Change, scope, note string) {
	if r == nil {
		return merge(patch, nil), ScopePatchTool, "comparing the work tree is turned off on this server: " + patchOnly
	}
	<-r.beforeDone
	if r.beforeErr != nil {
		return merge(patch, nil), ScopePatchTool, skipNote(r.beforeErr)
	}
	r.mu.Lock()
	l, steps, idle, early := r.look, r.steps, len(r.inflight) == 0, r.early
	r.mu.Unlock()
	var res gitstate.Result
	var err error
	start, how := time.Now(), "a snapshot at the end"
	switch {
	case completed && idle && steps == 0 && len(patch) == 0:
		// codex took no step: nothing of the run touched the work tree.
		how = "no step"
	case completed && idle && l != nil && l.steps == steps:
		<-l.done // begun after the last step: the state the run left
		res, err, how = l.res, l.err, "the look after the last step"
	default:
		res, err = r.compare()
	}
	r.m.logger.Debug("run receipt", "dir", r.dir, "before_took", r.before.Took, "after", how, "waited", time.Since(start), "changes", len(res.Changes), "err", err)
	if err != nil {
		return merge(patch, nil), ScopePatchTool, skipNote(err)
	}
	notes := res.Notes
	if early {
		notes = append(notes, "codex took its first step before the work tree's snapshot was done; a file that step changed may be missing")
	}
	return merge(patch, res.Changes), ScopeWorktree, strings.Join(notes, "; ")
}

// patchOnly ends every note of a receipt that could not compare the work tree.
const patchOnly = "only the files codex edited with its patch tool are listed (a file a command wrote is not)"

func skipNote(err error) string {
	switch {
	case errors.Is(err, gitstate.ErrNotRepo):
		return "the directory is not in a git work tree: " + patchOnly
	case errors.Is(err, gitstate.ErrNoGit):
		return "git is not installed (no git on PATH), so the work tree could not be compared: " + patchOnly
	case errors.Is(err, context.Canceled):
		return "the server shut down before the work tree was compared: " + patchOnly
	}
	return "the work tree could not be compared (" + err.Error() + "): " + patchOnly
}

// merge joins the patch tool's files with the work tree's changes: a file both saw is
// one change, with the work tree's status (the truth on disk at the end of the run).
func merge(patch []codex.FileChange, tree []gitstate.Change) []Change {
	out := make([]Change, 0, len(tree)+len(patch))
	at := map[string]int{}
	for _, c := range tree {
		ch := Change{Path: filepath.FromSlash(c.Path), Status: c.Status, Source: SourceWorktree, Binary: c.Binary}
		if c.OldPath != "" {
			ch.OldPath = filepath.FromSlash(c.OldPath)
			at[ch.OldPath] = len(out)
		}
		if c.Lines {
			ch.LinesAdded, ch.LinesRemoved = ptr(c.Added), ptr(c.Removed)
		}
		at[ch.Path] = len(out)
		out = append(out, ch)
	}
	for _, f := range patch {
		p := filepath.Clean(f.Path)
		if i, ok := at[p]; ok {
			if out[i].Source == SourceWorktree {
				out[i].Source = SourceBoth
			}
			continue
		}
		at[p] = len(out)
		out = append(out, Change{Path: f.Path, Status: patchStatus(f.Kind), Source: SourcePatch})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// patchStatus is a receipt status for a file_change kind of codex.
func patchStatus(kind string) string {
	switch kind {
	case "add":
		return gitstate.Created
	case "delete":
		return gitstate.Deleted
	}
	return gitstate.Modified
}

// applyReceipt puts a run's receipt in its outcome, bounded.
func (out *Outcome) applyReceipt(changes []Change, scope, note string) {
	kept, cut := clipList(changes, maxChanges)
	out.Changes, out.ChangesScope, out.ChangesNote = kept, scope, note
	if cut > 0 {
		more := fmt.Sprintf("%d more changed files are not listed (the first and last %d are)", cut, maxChanges)
		if out.ChangesNote != "" {
			more = out.ChangesNote + "; " + more
		}
		out.ChangesNote = more
	}
}

// changedPaths are the paths memory records for a run: every file of the receipt, the
// old place of a renamed one too.
func changedPaths(changes []Change) []string {
	var out []string
	for _, c := range changes {
		if c.OldPath != "" {
			out = append(out, c.OldPath)
		}
		out = append(out, c.Path)
	}
	return out
}
