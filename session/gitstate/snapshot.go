// Package gitstate tells which files of a git work tree changed between two moments,
// whoever changed them: a snapshot before a codex run, one after, and their comparison.
//
// A snapshot is `git status --porcelain=v2 -z` of the run's directory (every changed,
// staged and untracked path; ignored files are not looked at) plus a fingerprint of each
// listed file's content (its git blob name, or its size, time and mode when large), so a
// file that was already modified before the run and is modified again counts, and one
// that was modified and is restored counts too. Files git does not list were as HEAD
// has them; when HEAD moves during the run (codex commits), `git diff` against the old
// HEAD tells what those became.
//
// git runs as a process with an argv (never a shell), a timeout, and GIT_OPTIONAL_LOCKS=0,
// so that it never takes index.lock from under codex or the user. Every list is bounded
// (limits.go) and says when it was cut.
package gitstate

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoGit is returned when no git binary is found on PATH.
var ErrNoGit = errors.New("git is not installed (no git on PATH)")

// ErrNotRepo is returned when the directory is not inside a git work tree.
var ErrNotRepo = errors.New("not in a git work tree")

// Snapshot is the changed paths of a work tree, under one directory, at one moment.
type Snapshot struct {
	// Dir is the directory the snapshot is of (the run's); Prefix is where it lies in
	// the work tree, with / separators and a trailing / ("" at the top).
	Dir    string
	Prefix string
	// Head is the commit HEAD named; "" on an unborn branch.
	Head string
	// Paths are the paths git listed, by path from the top of the work tree with /
	// separators; a snapshot taken after another also has the earlier one's paths,
	// looked at again whether git listed them or not.
	Paths map[string]*State
	// Cut is set when git listed more than limits.MaxPaths paths: the ones past it are
	// not in Paths.
	Cut bool
	// Listed is how many records git wrote, cut or not.
	Listed int
	// Took is how long the snapshot took.
	Took time.Duration

	git string
}

// State is one path in a snapshot.
type State struct {
	// Entries are git's records of the path: usually one, two when a path was removed
	// from the index and is untracked now, none when only an earlier snapshot listed it.
	Entries []Entry
	// SourceOf are the rename and copy records that name this path as their source.
	SourceOf []Entry
	Exists   bool
	FP       Fingerprint
}

// Fingerprint identifies a file's content: its git blob name when it was read, else its
// size, modification time and mode.
type Fingerprint struct {
	Hash   string // git blob name of the content (of the link target, for a symlink); "" when not read
	Size   int64
	MTime  int64 // nanoseconds
	Mode   fs.FileMode
	Lines  int  // newlines, when the content was read
	Binary bool // the content has a NUL byte
	Dir    bool // a directory: an untracked nested repository, or a submodule
	Sub    string
}

// same reports whether two fingerprints say the same content. Both read: their blob
// names and executable bits; else their size, time and mode.
func (a Fingerprint) same(b Fingerprint) bool {
	switch {
	case a.Dir || b.Dir:
		return a.Dir == b.Dir && a.Sub == b.Sub
	case a.Hash != "" && b.Hash != "":
		return a.Hash == b.Hash && a.Mode.Type() == b.Mode.Type() && a.Mode&0o111 == b.Mode&0o111
	default:
		return a.Size == b.Size && a.MTime == b.MTime && a.Mode == b.Mode
	}
}

// Take snapshots the work tree dir is in, limited to dir and what is under it. prev, when
// given, is the snapshot before: its paths are looked at again (a path git no longer
// lists may have been restored, deleted or ignored since), its place in the work tree is
// reused, and git is asked one question fewer.
func Take(ctx context.Context, dir string, prev *Snapshot) (*Snapshot, error) {
	start := time.Now()
	s := &Snapshot{Dir: dir, Paths: map[string]*State{}}
	if prev != nil {
		s.git, s.Prefix = prev.git, prev.Prefix
	} else {
		git, err := exec.LookPath("git")
		if err != nil {
			return nil, ErrNoGit
		}
		s.git = git
		out, _, err := s.run(ctx, 1<<16, "rev-parse", "--is-inside-work-tree", "--show-prefix")
		if err != nil {
			if strings.Contains(err.Error(), "not a git repository") {
				return nil, ErrNotRepo
			}
			return nil, err
		}
		inside, prefix, _ := strings.Cut(string(out), "\n")
		if inside != "true" {
			return nil, ErrNotRepo // a .git directory or a bare repository
		}
		s.Prefix = strings.TrimSuffix(prefix, "\n")
	}
	// One thread: a snapshot runs beside codex (its start, or a tool step's end), and
	// git's parallel stat of the index (up to 20 threads) would take every core from it
	// for less total work than a single thread does.
	out, cut, err := s.run(ctx, limits.MaxOutput, "-c", "core.preloadIndex=false", "status", "--porcelain=v2", "-z", "--branch", "--no-ahead-behind",
		"--untracked-files=all", "--", ".")
	if err != nil {
		return nil, err
	}
	st, err := ParseStatus(out)
	if err != nil {
		return nil, err
	}
	s.Head, s.Listed, s.Cut = st.Head, len(st.Entries), cut || st.Cut
	budget := limits.MaxHashBytes
	for _, e := range st.Entries {
		if e.Kind == '!' {
			continue
		}
		p := s.Paths[e.Path]
		if p == nil {
			if len(s.Paths) >= limits.MaxPaths {
				s.Cut = true
				break
			}
			p = &State{}
			s.Paths[e.Path] = p
		}
		p.Entries = append(p.Entries, e)
		if e.InWorktree() {
			p.Exists = true
		}
		if e.Kind == '2' {
			src := s.Paths[e.OrigPath]
			if src == nil {
				src = &State{}
				s.Paths[e.OrigPath] = src
			}
			src.SourceOf = append(src.SourceOf, e)
		}
	}
	if prev != nil {
		for path := range prev.Paths {
			if s.Paths[path] == nil {
				s.Paths[path] = &State{}
			}
		}
	}
	for path, p := range s.Paths {
		if len(p.Entries) == 0 || p.Exists {
			// Listed as there (or not listed at all): look. Listed as gone: it is.
			p.FP, p.Exists = s.fingerprint(path, p.Entries, &budget)
		}
	}
	s.Took = time.Since(start)
	return s, nil
}

// fingerprint reads what is at path now; ok is false when nothing is.
func (s *Snapshot) fingerprint(path string, entries []Entry, budget *int64) (Fingerprint, bool) {
	for _, e := range entries {
		if e.Submodule() {
			// A submodule is one entry: its state flags and the commit the index has.
			return Fingerprint{Dir: true, Sub: e.Sub + " " + e.HashIndex}, true
		}
	}
	abs := s.abs(path)
	fi, err := os.Lstat(abs)
	if err != nil {
		return Fingerprint{}, false
	}
	fp := Fingerprint{Size: fi.Size(), MTime: fi.ModTime().UnixNano(), Mode: fi.Mode()}
	switch {
	case fi.IsDir():
		// An untracked repository inside this one (git lists it as "dir/"), or a
		// submodule that is clean now.
		fp = Fingerprint{Dir: true}
		if len(entries) == 0 {
			fp.Sub = "clean"
		}
	case fi.Mode()&fs.ModeSymlink != 0:
		if target, err := os.Readlink(abs); err == nil {
			fp.Hash = blobName([]byte(target))
		}
	case fi.Mode().IsRegular() && fi.Size() <= limits.MaxHashFile && fi.Size() <= *budget:
		if data, err := readFile(abs, fi.Size()); err == nil {
			*budget -= int64(len(data))
			fp.Hash, fp.Size = blobName(data), int64(len(data))
			fp.Lines = bytes.Count(data, []byte{'\n'})
			if len(data) > 0 && data[len(data)-1] != '\n' {
				fp.Lines++
			}
			fp.Binary = bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
		}
	}
	return fp, true
}

// readFile reads at most size+1 bytes: a file growing while it is read is read as far
// as it was.
func readFile(path string, size int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, size+1))
}

// blobName is git's name for a blob of this content (SHA-1 object format).
func blobName(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// rel is a work-tree path relative to the snapshot's directory, / separated.
func (s *Snapshot) rel(path string) string {
	if strings.HasPrefix(path, s.Prefix) {
		return path[len(s.Prefix):]
	}
	// Outside the directory (the source of a rename from elsewhere): climb out of it.
	pre := strings.Split(strings.TrimSuffix(s.Prefix, "/"), "/")
	parts := strings.Split(path, "/")
	common := 0
	for common < len(pre) && common < len(parts)-1 && pre[common] == parts[common] {
		common++
	}
	return strings.Repeat("../", len(pre)-common) + strings.Join(parts[common:], "/")
}

// abs is where a work-tree path is on disk.
func (s *Snapshot) abs(path string) string {
	return filepath.Join(s.Dir, filepath.FromSlash(s.rel(path)))
}

// run runs git in the snapshot's directory and returns at most max bytes of its output;
// cut is set when there was more (git is stopped there).
func (s *Snapshot) run(ctx context.Context, max int, args ...string) (out []byte, cut bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, limits.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.git, args...)
	cmd.Dir = s.Dir
	cmd.Env = gitEnv()
	cmd.WaitDelay = limits.WaitDelay
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4096}
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, false, err
	}
	if err := cmd.Start(); err != nil {
		switch cerr := ctx.Err(); {
		case cerr == context.DeadlineExceeded:
			return nil, false, fmt.Errorf("git %s took longer than %s", args[0], limits.Timeout)
		case cerr != nil:
			return nil, false, fmt.Errorf("git %s: %w", args[0], cerr)
		}
		return nil, false, err
	}
	var buf bytes.Buffer
	n, rerr := io.Copy(&buf, io.LimitReader(pipe, int64(max)+1))
	if n > int64(max) {
		cut = true
		cancel() // the rest is not wanted: stop git rather than read it
		buf.Truncate(max)
		_, _ = io.Copy(io.Discard, pipe)
	}
	werr := cmd.Wait()
	if cut {
		return buf.Bytes(), true, nil
	}
	switch err := ctx.Err(); {
	case err == context.DeadlineExceeded:
		return nil, false, fmt.Errorf("git %s took longer than %s", args[0], limits.Timeout)
	case err != nil:
		return nil, false, fmt.Errorf("git %s: %w", args[0], err)
	}
	if werr != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if msg == "" {
			msg = werr.Error()
		}
		return nil, false, fmt.Errorf("git %s: %s", args[0], strings.TrimPrefix(msg, "fatal: "))
	}
	if rerr != nil {
		return nil, false, rerr
	}
	return buf.Bytes(), false, nil
}

// gitEnv is the server's environment for git: no optional locks (status would otherwise
// refresh the index and take index.lock while codex or the user works), no prompts,
// messages untranslated, and none of the variables that would point git at another
// repository than the directory's.
func gitEnv() []string {
	env := make([]string, 0, len(os.Environ())+4)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(k) {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX",
			"GIT_OPTIONAL_LOCKS", "GIT_TERMINAL_PROMPT", "LC_ALL", "LANGUAGE":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "LANGUAGE=")
}

// limitedBuffer keeps the first max bytes written to it and takes the rest unkept.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// pathspec is a literal, top-relative pathspec: a path is matched as written, whatever
// glob characters it holds and wherever git runs.
func pathspec(path string) string { return ":(top,literal)" + path }
