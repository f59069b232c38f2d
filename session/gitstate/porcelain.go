package gitstate

import (
	"bytes"
	"fmt"
	"strings"
)

// Entry is one record of `git status --porcelain=v2 -z`: a path that differs from HEAD
// or the index, or is untracked. Paths are relative to the top of the work tree, with /
// separators, exactly as git wrote them (-z: no quoting, so spaces, newlines and any
// bytes are the path's own).
type Entry struct {
	// Kind is the record type: '1' changed, '2' renamed or copied, 'u' unmerged,
	// '?' untracked, '!' ignored.
	Kind byte
	// X and Y are the index and work-tree states ('.' unchanged, M, T, A, D, R, C, U);
	// both '?' for an untracked path.
	X, Y byte
	// Sub is "N..." for a file, "S<c><m><u>" for a submodule (commit changed, tracked
	// changes, untracked files).
	Sub string
	// ModeHead, ModeIndex and ModeWorktree are octal modes; "000000" is absent there.
	ModeHead, ModeIndex, ModeWorktree string
	// HashHead and HashIndex are the blob names in HEAD and in the index.
	HashHead, HashIndex string
	// Score is a rename or copy record's "R<n>" or "C<n>".
	Score    string
	Path     string
	OrigPath string // a rename or copy record's source path
}

// Submodule reports whether the entry is a submodule (a gitlink).
func (e Entry) Submodule() bool { return strings.HasPrefix(e.Sub, "S") }

// InWorktree reports whether the path exists in the work tree according to the entry.
func (e Entry) InWorktree() bool {
	switch e.Kind {
	case '?', '!':
		return true
	case '1', '2', 'u':
		return e.ModeWorktree != "000000"
	}
	return false
}

// Status is a parsed `git status --porcelain=v2 -z --branch`.
type Status struct {
	// Head is the commit HEAD names (# branch.oid); "" on an unborn branch.
	Head    string
	Entries []Entry
	// Cut is set when the output ended inside a record (it was cut short); the entries
	// before it are whole.
	Cut bool
}

// ParseStatus parses the output of `git status --porcelain=v2 -z [--branch]`. Header
// lines other than branch.oid and record types it does not know (a later git may add
// some) are skipped; a known record that does not have its fields is an error.
func ParseStatus(data []byte) (Status, error) {
	var st Status
	for len(data) > 0 {
		i := bytes.IndexByte(data, 0)
		if i < 0 {
			st.Cut = true // the last record has no terminator: it was cut
			break
		}
		rec := string(data[:i])
		data = data[i+1:]
		if rec == "" {
			continue
		}
		switch rec[0] {
		case '#':
			if v, ok := strings.CutPrefix(rec, "# branch.oid "); ok && v != "(initial)" {
				st.Head = v
			}
		case '1':
			f := strings.SplitN(rec, " ", 9)
			if len(f) != 9 || len(f[1]) != 2 {
				return st, fmt.Errorf("malformed status record %q", clipRecord(rec))
			}
			st.Entries = append(st.Entries, Entry{Kind: '1', X: f[1][0], Y: f[1][1], Sub: f[2],
				ModeHead: f[3], ModeIndex: f[4], ModeWorktree: f[5], HashHead: f[6], HashIndex: f[7], Path: f[8]})
		case '2':
			f := strings.SplitN(rec, " ", 10)
			if len(f) != 10 || len(f[1]) != 2 {
				return st, fmt.Errorf("malformed status record %q", clipRecord(rec))
			}
			j := bytes.IndexByte(data, 0)
			if j < 0 {
				st.Cut = true // the source path was cut off
				return st, nil
			}
			orig := string(data[:j])
			data = data[j+1:]
			st.Entries = append(st.Entries, Entry{Kind: '2', X: f[1][0], Y: f[1][1], Sub: f[2],
				ModeHead: f[3], ModeIndex: f[4], ModeWorktree: f[5], HashHead: f[6], HashIndex: f[7],
				Score: f[8], Path: f[9], OrigPath: orig})
		case 'u':
			f := strings.SplitN(rec, " ", 11)
			if len(f) != 11 || len(f[1]) != 2 {
				return st, fmt.Errorf("malformed status record %q", clipRecord(rec))
			}
			// u XY sub m1 m2 m3 mW h1 h2 h3 path: stage 2 (ours) stands in for the index.
			st.Entries = append(st.Entries, Entry{Kind: 'u', X: f[1][0], Y: f[1][1], Sub: f[2],
				ModeHead: f[3], ModeIndex: f[4], ModeWorktree: f[6], HashHead: f[7], HashIndex: f[8], Path: f[10]})
		case '?', '!':
			if len(rec) < 3 || rec[1] != ' ' {
				return st, fmt.Errorf("malformed status record %q", clipRecord(rec))
			}
			st.Entries = append(st.Entries, Entry{Kind: rec[0], X: rec[0], Y: rec[0], Path: rec[2:]})
		}
	}
	return st, nil
}

// nameStatus is one record of `git diff --name-status -z --no-renames`.
type nameStatus struct {
	Status byte // A, D, M, T, U, X
	Path   string
}

// parseNameStatus parses `git diff --name-status -z --no-renames`: a status, NUL, the
// path, NUL. A cut last record is dropped and reported.
func parseNameStatus(data []byte) ([]nameStatus, bool) {
	var out []nameStatus
	for len(data) > 0 {
		i := bytes.IndexByte(data, 0)
		if i < 0 {
			return out, true
		}
		st := data[:i]
		data = data[i+1:]
		j := bytes.IndexByte(data, 0)
		if j < 0 {
			return out, true
		}
		if len(st) > 0 {
			out = append(out, nameStatus{Status: st[0], Path: string(data[:j])})
		}
		data = data[j+1:]
	}
	return out, false
}

// numstat is one record of `git diff --numstat -z --no-renames`.
type numstat struct {
	Added, Removed int
	Binary         bool
	Path           string
}

// parseNumstat parses `git diff --numstat -z --no-renames`: "added\tremoved\tpath\0", with
// "-\t-\t" for a binary file.
func parseNumstat(data []byte) []numstat {
	var out []numstat
	for len(data) > 0 {
		i := bytes.IndexByte(data, 0)
		if i < 0 {
			break
		}
		rec := string(data[:i])
		data = data[i+1:]
		f := strings.SplitN(rec, "\t", 3)
		if len(f) != 3 {
			continue
		}
		n := numstat{Path: f[2]}
		if f[0] == "-" && f[1] == "-" {
			n.Binary = true
		} else if _, err := fmt.Sscanf(f[0]+" "+f[1], "%d %d", &n.Added, &n.Removed); err != nil {
			continue
		}
		out = append(out, n)
	}
	return out
}

func clipRecord(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
