package gitstate

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// repo is a git work tree in a temporary directory, driven with real git.
type repo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "protocol.file.allow=always"}, args...)...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (r *repo) write(path, text string) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) remove(path string) {
	r.t.Helper()
	if err := os.Remove(filepath.Join(r.dir, filepath.FromSlash(path))); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) commit(files map[string]string) {
	r.t.Helper()
	for p, text := range files {
		r.write(p, text)
	}
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "c")
}

// diff snapshots dir, runs during, snapshots again and compares.
func diff(t *testing.T, dir string, during func()) Result {
	t.Helper()
	ctx := context.Background()
	before, err := Take(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	during()
	after, err := Take(ctx, dir, before)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Diff(ctx, before, after)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// brief is a change as the tables write it: "status path[<-old][ +a -r]".
func brief(cs []Change) []string {
	out := []string{}
	for _, c := range cs {
		s := c.Status + " " + c.Path
		if c.OldPath != "" {
			s += "<-" + c.OldPath
		}
		if c.Lines {
			s += " +" + itoa(c.Added) + " -" + itoa(c.Removed)
		}
		if c.Binary {
			s += " binary"
		}
		out = append(out, s)
	}
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

var base = map[string]string{
	"a.txt":          "one\ntwo\n",
	"keep.txt":       "keep\n",
	"del.txt":        "gone soon\n",
	"mv.txt":         "moving content\n",
	"dir/b.txt":      "b\n",
	"sub/inner.txt":  "inner\n",
	"space name.txt": "spaces\n",
	"ünïcødé/日本.txt": "unicode\n",
	".gitignore":     "build/\n",
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(r *repo) // dirty the tree before the run
		during func(r *repo) // what the run does
		want   []string
	}{
		{name: "nothing", during: func(r *repo) {}, want: []string{}},
		{
			name:   "a file written by a command, a tracked file deleted, one edited",
			during: func(r *repo) { r.write("made.txt", "x\n"); r.remove("del.txt"); r.write("a.txt", "one\n2\nthree\n") },
			want:   []string{"modified a.txt +2 -1", "deleted del.txt +0 -1", "created made.txt +1 -0"},
		},
		{
			name:   "already modified, modified again",
			before: func(r *repo) { r.write("a.txt", "one\ntwo\nmine\n") },
			during: func(r *repo) { r.write("a.txt", "one\ntwo\nmine\ncodex\n") },
			want:   []string{"modified a.txt"},
		},
		{
			name:   "already modified and left alone",
			before: func(r *repo) { r.write("a.txt", "mine\n"); r.write("untracked.txt", "u\n") },
			during: func(r *repo) { r.write("other.txt", "o\n") },
			want:   []string{"created other.txt +1 -0"},
		},
		{
			name:   "already modified, restored by git checkout",
			before: func(r *repo) { r.write("a.txt", "mine\n") },
			during: func(r *repo) { r.git("checkout", "--", "a.txt") },
			want:   []string{"modified a.txt"},
		},
		{
			name:   "untracked before: edited, deleted",
			before: func(r *repo) { r.write("u1.txt", "1\n"); r.write("u2.txt", "2\n") },
			during: func(r *repo) { r.write("u1.txt", "1 changed\n"); r.remove("u2.txt") },
			want:   []string{"modified u1.txt", "deleted u2.txt"},
		},
		{
			name:   "deleted before, recreated",
			before: func(r *repo) { r.remove("keep.txt") },
			during: func(r *repo) { r.write("keep.txt", "back\n") },
			want:   []string{"created keep.txt +1 -0"},
		},
		{
			name:   "renamed by mv: paired by content",
			during: func(r *repo) { must(t, os.Rename(filepath.Join(r.dir, "mv.txt"), filepath.Join(r.dir, "moved.txt"))) },
			want:   []string{"renamed moved.txt<-mv.txt"},
		},
		{
			name:   "renamed by git mv",
			during: func(r *repo) { r.git("mv", "mv.txt", "dir/moved.txt") },
			want:   []string{"renamed dir/moved.txt<-mv.txt"},
		},
		{
			name:   "staged only: added to the index, content unchanged, counts nothing",
			before: func(r *repo) { r.write("a.txt", "mine\n") },
			during: func(r *repo) { r.git("add", "a.txt"); r.git("rm", "-q", "--cached", "keep.txt") },
			want:   []string{},
		},
		{
			name: "committed during the run",
			during: func(r *repo) {
				r.write("new.go", "package x\n")
				r.write("a.txt", "one\n")
				r.git("add", "-A")
				r.git("commit", "-q", "-m", "codex")
			},
			want: []string{"modified a.txt +0 -1", "created new.go +1 -0"},
		},
		{
			name:   "committed and then changed again",
			during: func(r *repo) { r.remove("del.txt"); r.git("commit", "-q", "-am", "rm"); r.write("keep.txt", "k2\n") },
			want:   []string{"deleted del.txt +0 -1", "modified keep.txt +1 -1"},
		},
		{
			name: "names with spaces, newlines and unicode",
			during: func(r *repo) {
				r.write("space name.txt", "changed\n")
				r.write("new\nline.txt", "n\n")
				r.write("ünïcødé/日本.txt", "変更\n")
			},
			want: []string{"created new\nline.txt +1 -0", "modified space name.txt +1 -1", "modified ünïcødé/日本.txt +1 -1"},
		},
		{
			name:   "ignored files are not listed",
			during: func(r *repo) { r.write("build/out.o", "obj") },
			want:   []string{},
		},
		{
			name:   "created and deleted within the run counts nothing",
			during: func(r *repo) { r.write("tmp.txt", "t"); r.remove("tmp.txt") },
			want:   []string{},
		},
		{
			name:   "a binary file",
			during: func(r *repo) { r.write("img.bin", "\x00\x01\x02") },
			want:   []string{"created img.bin binary"},
		},
		{
			name:   "empty files are not paired as renames",
			before: func(r *repo) { r.commit(map[string]string{"e1": ""}) },
			during: func(r *repo) { r.remove("e1"); r.write("e2", "") },
			want:   []string{"deleted e1 +0 -0", "created e2 +0 -0"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t)
			r.commit(base)
			if tc.before != nil {
				tc.before(r)
			}
			res := diff(t, r.dir, func() { tc.during(r) })
			if got := brief(res.Changes); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("changes:\n got  %q\n want %q\nnotes: %q", got, tc.want, res.Notes)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDiffInSubdirectory(t *testing.T) {
	r := newRepo(t)
	r.commit(base)
	sub := filepath.Join(r.dir, "sub")
	res := diff(t, sub, func() {
		r.write("sub/inner.txt", "changed\n")
		r.write("sub/new.txt", "n\n")
		r.write("outside.txt", "not this run's directory\n")
	})
	if got, want := brief(res.Changes), []string{"modified inner.txt +1 -1", "created new.txt +1 -0"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestDiffUnbornBranch(t *testing.T) {
	r := newRepo(t)
	r.write("first.txt", "1\n")
	res := diff(t, r.dir, func() {
		r.write("first.txt", "1\n2\n")
		r.write("second.txt", "2\n")
		r.git("add", "-A")
		r.git("commit", "-q", "-m", "first")
	})
	if got, want := brief(res.Changes), []string{"modified first.txt", "created second.txt"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestDiffSubmodule(t *testing.T) {
	lib := newRepo(t)
	lib.commit(map[string]string{"lib.go": "package lib\n"})
	r := newRepo(t)
	r.commit(map[string]string{"main.go": "package main\n"})
	r.git("submodule", "add", "-q", lib.dir, "vendor/lib")
	r.git("commit", "-q", "-m", "sub")
	inner := &repo{t: t, dir: filepath.Join(r.dir, "vendor", "lib")}
	res := diff(t, r.dir, func() { inner.commit(map[string]string{"lib.go": "package lib // changed\n"}) })
	if got, want := brief(res.Changes), []string{"modified vendor/lib"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Dirty before and after with the same flags: one more commit inside is not seen;
	// an untracked file added to it changes the flags and is.
	res = diff(t, r.dir, func() { inner.write("new.go", "package lib\n") })
	if got, want := brief(res.Changes), []string{"modified vendor/lib"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestDiffCut(t *testing.T) {
	r := newRepo(t)
	r.commit(base)
	old := limits.MaxPaths
	limits.MaxPaths = 3
	t.Cleanup(func() { limits.MaxPaths = old })
	ctx := context.Background()

	// Cut after: what was listed is compared, and the result says the rest was not.
	before, err := Take(ctx, r.dir, nil)
	must(t, err)
	for i := range 5 {
		r.write("gen/"+itoa(i+1)+".txt", "g\n")
	}
	after, err := Take(ctx, r.dir, before)
	must(t, err)
	res, err := Diff(ctx, before, after)
	must(t, err)
	if !after.Cut || len(res.Changes) != 3 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "only the first 3") {
		t.Fatalf("cut after: %q %q", brief(res.Changes), res.Notes)
	}
	// Cut before: nothing can be told.
	before, err = Take(ctx, r.dir, nil)
	must(t, err)
	after, err = Take(ctx, r.dir, before)
	must(t, err)
	if _, err := Diff(ctx, before, after); err == nil || !strings.Contains(err.Error(), "more than 3 changed paths before the run") {
		t.Fatalf("cut before: %v", err)
	}
}

func TestTakeOutsideGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	if _, err := Take(context.Background(), t.TempDir(), nil); !errors.Is(err, ErrNotRepo) {
		t.Fatalf("outside a repository: %v", err)
	}
	r := newRepo(t)
	if _, err := Take(context.Background(), filepath.Join(r.dir, ".git"), nil); !errors.Is(err, ErrNotRepo) {
		t.Fatalf("inside .git: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := Take(context.Background(), r.dir, nil); !errors.Is(err, ErrNoGit) {
		t.Fatalf("without git on PATH: %v", err)
	}
}

func TestTakeTimesOut(t *testing.T) {
	r := newRepo(t)
	r.commit(base)
	old := limits.Timeout
	limits.Timeout = 1 // a nanosecond: no git answers in that
	t.Cleanup(func() { limits.Timeout = old })
	if _, err := Take(context.Background(), r.dir, nil); err == nil || !strings.Contains(err.Error(), "took longer") {
		t.Fatalf("timeout: %v", err)
	}
}

func TestTakeCancelled(t *testing.T) {
	r := newRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Take(ctx, r.dir, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestTakeTakesNoLock: a snapshot never writes the index (GIT_OPTIONAL_LOCKS=0), so a
// held index.lock, codex's or the user's, does not stop it and is left alone.
func TestTakeTakesNoLock(t *testing.T) {
	r := newRepo(t)
	r.commit(base)
	lock := filepath.Join(r.dir, ".git", "index.lock")
	must(t, os.WriteFile(lock, nil, 0o644))
	res := diff(t, r.dir, func() { r.write("a.txt", "x\n") })
	if got := brief(res.Changes); len(got) != 1 || !strings.HasPrefix(got[0], "modified a.txt") {
		t.Fatalf("with index.lock held: %q", got)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("index.lock: %v", err)
	}
}
