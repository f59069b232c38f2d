package gitstate

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Change statuses.
const (
	Created  = "created"
	Modified = "modified"
	Deleted  = "deleted"
	Renamed  = "renamed"
)

// Change is one file that differs between two snapshots.
type Change struct {
	// Path is relative to the snapshots' directory, with / separators; OldPath is where
	// a renamed file was.
	Path    string
	OldPath string
	Status  string
	// Lines says Added and Removed are known: for a created file, its lines; for a file
	// that was unmodified before, `git diff --numstat` against the commit it was at.
	Lines          bool
	Added, Removed int
	Binary         bool
}

// Result is what changed between two snapshots.
type Result struct {
	Changes []Change // sorted by path
	// Notes say what the comparison could not tell (a cut listing, HEAD moved and git
	// could not say from where), one sentence each.
	Notes []string
}

// blobEmpty is the blob name of empty content: empty files are never paired as renames.
const blobEmpty = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"

// Diff compares a snapshot taken before a run with one taken after (by Take with the
// first as prev). It asks git what became of unlisted paths when HEAD moved, and for
// line counts.
func Diff(ctx context.Context, before, after *Snapshot) (Result, error) {
	var res Result
	if before.Cut {
		return res, fmt.Errorf("the work tree had more than %d changed paths before the run", limits.MaxPaths)
	}
	var headDiff map[string]byte
	switch {
	case before.Head != "" && after.Head != before.Head:
		// HEAD moved (codex committed, or switched branches): what differs from the old
		// HEAD, in the index and the work tree, is what paths git no longer lists became.
		list, note := after.listPaths(ctx, "HEAD moved during the run", "diff", "--name-status", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", before.Head, "--", ".")
		headDiff, res.Notes = toMap(list), appendNote(res.Notes, note)
	case before.Head == "" && after.Head != "":
		// The first commit was made during the run: what it holds that the snapshot
		// before did not list was created (before it, every file was listed).
		out, cut, err := after.run(ctx, limits.MaxOutput, "ls-tree", "-r", "-z", "--name-only", "--full-name", after.Head, ".")
		var list []nameStatus
		if err == nil {
			for _, p := range strings.Split(string(out), "\x00") {
				if p != "" {
					list = append(list, nameStatus{Status: 'A', Path: p})
				}
			}
			if cut && len(list) > 0 {
				list = list[:len(list)-1] // the last path may be cut
			}
		}
		note := listNote("the first commit was made during the run", err, cut || len(list) > limits.MaxPaths)
		headDiff, res.Notes = toMap(list), appendNote(res.Notes, note)
	}
	if after.Cut {
		res.Notes = append(res.Notes, fmt.Sprintf("git listed %d changed paths after the run; only the first %d are looked at", after.Listed, limits.MaxPaths))
	}
	var clean []string
	res.Changes, clean = compare(before, after, headDiff)
	if before.Head != "" && len(clean) > 0 && len(clean) <= limits.MaxNumstatPaths {
		// Files that were as the old HEAD has them: git counts their lines.
		args := []string{"diff", "--numstat", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", before.Head, "--"}
		for _, p := range clean {
			args = append(args, pathspec(p))
		}
		if out, cut, err := after.run(ctx, 1<<20, args...); err == nil && !cut {
			byPath := map[string]numstat{}
			for _, n := range parseNumstat(out) {
				byPath[after.rel(n.Path)] = n
			}
			for i, c := range res.Changes {
				if n, ok := byPath[c.Path]; ok && !c.Lines && c.Status != Renamed {
					res.Changes[i].Lines, res.Changes[i].Added, res.Changes[i].Removed, res.Changes[i].Binary = !n.Binary, n.Added, n.Removed, n.Binary
				}
			}
		}
	}
	return res, nil
}

// listPaths runs a git command that lists paths with their status (--name-status -z)
// and bounds the list; the note says what went wrong or was cut.
func (s *Snapshot) listPaths(ctx context.Context, what string, args ...string) ([]nameStatus, string) {
	out, cut, err := s.run(ctx, limits.MaxOutput, args...)
	if err != nil {
		return nil, listNote(what, err, false)
	}
	list, cut2 := parseNameStatus(out)
	return list, listNote(what, nil, cut || cut2 || len(list) > limits.MaxPaths)
}

func listNote(what string, err error, cut bool) string {
	switch {
	case err != nil:
		return what + " and git could not say what it changed (" + err.Error() + "); files committed during the run may be missing"
	case cut:
		return fmt.Sprintf("%s and more than %d paths differ; only the first are looked at", what, limits.MaxPaths)
	}
	return ""
}

func toMap(list []nameStatus) map[string]byte {
	list = list[:min(len(list), limits.MaxPaths)]
	m := make(map[string]byte, len(list))
	for _, ns := range list {
		m[ns.Path] = ns.Status
	}
	return m
}

func appendNote(notes []string, note string) []string {
	if note == "" {
		return notes
	}
	return append(notes, note)
}

// compare is Diff without git: the changes, and the work-tree paths of those that were
// as HEAD had them before (the ones git can count lines of). headDiff is `git diff
// --name-status` of the old HEAD against the work tree, when HEAD moved.
func compare(before, after *Snapshot, headDiff map[string]byte) ([]Change, []string) {
	paths := make(map[string]bool, len(before.Paths)+len(after.Paths)+len(headDiff))
	for p := range before.Paths {
		paths[p] = true
	}
	for p := range after.Paths {
		paths[p] = true
	}
	for p := range headDiff {
		paths[p] = true
	}
	moved := headDiff != nil && before.Head != ""
	unborn := before.Head == "" // nothing existed that the snapshot before did not list
	type found struct {
		path, status string
		was, now     string // blob names before and after, when known
		clean        bool   // unmodified before: at HEAD's content
		fp           Fingerprint
	}
	var list []found
	for p := range paths {
		b, a := before.Paths[p], after.Paths[p]
		hd, inHD := headDiff[p]
		var existed, exists, changed, clean bool
		var was string
		switch {
		case b != nil:
			// Listed before: its fingerprint then and now say it all.
			existed, exists = b.Exists, a != nil && a.Exists
			changed = existed != exists || (existed && a != nil && !b.FP.same(a.FP))
			was = b.FP.Hash
		case a == nil:
			// Only the diff against the old HEAD names it: it was at the old HEAD's
			// content and git lists nothing of it now, so it is at the new HEAD's.
			clean = !unborn
			existed, exists, changed = !unborn && hd != 'A', hd != 'D', true
		default:
			// Unmodified before, listed now.
			clean = !unborn
			existed = !unborn && cleanExisted(a, moved, inHD, hd)
			exists = a.Exists
			changed = true
			switch {
			case moved && !inHD && existed:
				changed = false // as the old HEAD had it, whatever the new one says
			case !moved && existed && exists:
				// Listed, yet its content may be HEAD's (staged and restored, only
				// removed from the index, the source of a copy): compare with HEAD's.
				if h := headBlob(a); h != "" && a.FP.Hash == h {
					changed = false
				}
			}
			if !moved {
				was = headBlob(a)
			}
		}
		if !changed || existed == exists && !existed {
			continue
		}
		f := found{path: p, was: was, clean: clean}
		if a != nil {
			f.now, f.fp = a.FP.Hash, a.FP
		}
		switch {
		case !existed:
			f.status = Created
		case !exists:
			f.status, f.now = Deleted, ""
		default:
			f.status = Modified
		}
		list = append(list, f)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].path < list[j].path })

	// Renames: what git itself paired (a staged rename), then a deleted file whose
	// content is a created file's.
	renamedFrom := map[string]string{} // created path -> deleted path
	used := map[string]bool{}
	idx := map[string]int{}
	for i, f := range list {
		idx[f.path] = i
	}
	for _, p := range sortedKeys(after.Paths) {
		for _, e := range after.Paths[p].Entries {
			if e.Kind != '2' || !strings.HasPrefix(e.Score, "R") {
				continue
			}
			ci, ok1 := idx[e.Path]
			di, ok2 := idx[e.OrigPath]
			if ok1 && ok2 && list[ci].status == Created && list[di].status == Deleted && !used[e.OrigPath] {
				renamedFrom[e.Path], used[e.OrigPath] = e.OrigPath, true
			}
		}
	}
	deletedBy := map[string]string{} // content -> deleted path
	for _, f := range list {
		if f.status == Deleted && f.was != "" && f.was != blobEmpty && !used[f.path] {
			if _, dup := deletedBy[f.was]; !dup {
				deletedBy[f.was] = f.path
			}
		}
	}
	for _, f := range list {
		if f.status != Created || f.now == "" || renamedFrom[f.path] != "" {
			continue
		}
		if d, ok := deletedBy[f.now]; ok && !used[d] {
			renamedFrom[f.path], used[d] = d, true
		}
	}

	var out []Change
	var clean []string
	for _, f := range list {
		if used[f.path] {
			continue // shown as the source of a rename
		}
		c := Change{Path: after.rel(f.path), Status: f.status}
		if from := renamedFrom[f.path]; from != "" {
			c.Status, c.OldPath = Renamed, after.rel(from)
		} else if f.status == Created && f.fp.Hash != "" {
			c.Lines, c.Added, c.Binary = !f.fp.Binary, f.fp.Lines, f.fp.Binary
			if f.fp.Binary {
				c.Added = 0
			}
		} else if f.clean && !f.fp.Dir {
			clean = append(clean, f.path)
		}
		out = append(out, c)
	}
	return out, clean
}

// cleanExisted says whether a path git lists now, and did not list before, existed
// before the run: it was at HEAD's content then, so it existed if HEAD (the old one,
// when HEAD moved) had it.
func cleanExisted(s *State, moved, inHD bool, hd byte) bool {
	if moved {
		if inHD {
			return hd != 'A'
		}
		// Not in the diff against the old HEAD: an untracked path was not there, a
		// tracked one is as the old HEAD had it.
		for _, e := range s.Entries {
			if e.Kind != '?' {
				return true
			}
		}
		return len(s.SourceOf) > 0
	}
	if len(s.SourceOf) > 0 {
		return true // the source of a rename or copy was in HEAD
	}
	for _, e := range s.Entries {
		switch e.Kind {
		case '1':
			if e.X != 'A' {
				return true // in HEAD (an added path was not)
			}
		case 'u':
			return true
		}
		// '2': the new path of a rename or copy was not there; '?': untracked, not there.
	}
	return false
}

// headBlob is HEAD's blob of a path from git's records of it ("" when HEAD has none).
func headBlob(s *State) string {
	for _, e := range s.Entries {
		if (e.Kind == '1' || e.Kind == 'u') && e.ModeHead != "000000" && strings.Trim(e.HashHead, "0") != "" {
			return e.HashHead
		}
	}
	for _, e := range s.SourceOf {
		if e.ModeHead != "000000" && strings.Trim(e.HashHead, "0") != "" {
			return e.HashHead // a rename or copy record's HEAD blob is its source's
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
