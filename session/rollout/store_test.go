package rollout

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// compress replaces path by path+".zst", as codex's local_thread_store_compression does
// to idle rollouts, keeping its mtime.
func compress(t testing.TB, path string, opts ...zstd.EOption) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	zpath := path + ".zst"
	writeZst(t, zpath, data, opts...)
	if err := os.Chtimes(zpath, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	return zpath
}

func writeZst(t testing.TB, path string, data []byte, opts ...zstd.EOption) {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Compressed rollouts are read wherever plain ones are: the walk, index paths (also a
// row still naming the .jsonl codex has since compressed), Get and Transcript.
func TestCompressedRollouts(t *testing.T) {
	sessions := []fakeSession{
		{ID: fakeID(1), Cwd: "/p", Started: base, Prompts: []string{"zipped task", "again"}, Replies: []string{"one", "two"}, Command: "ls", Sandboxes: []string{"workspace-write"}},
		{ID: fakeID(2), Cwd: "/p", Started: base.Add(time.Minute), Prompts: []string{"plain task"}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, home := b.newStore(t, sessions)
			compress(t, rolloutPath(home, sessions[0]))
			page, err := s.List(t.Context(), Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(page.Sessions); !slices.Equal(got, []string{fakeID(2), fakeID(1)}) {
				t.Fatalf("listed %v", got)
			}
			if sess := page.Sessions[1]; sess.Task != "zipped task" {
				t.Fatalf("listed %+v", sess)
			}
			got, ok, err := s.Get(t.Context(), fakeID(1))
			if err != nil || !ok || got.Turns != 2 || got.LastMessage != "two" || got.Sandbox != SandboxWorkspaceWrite ||
				got.SandboxSource != SandboxFromRollout || !strings.HasSuffix(got.Path, ".jsonl.zst") {
				t.Fatalf("Get: ok %v err %v %+v", ok, err, got)
			}
			tr, err := s.Transcript(t.Context(), fakeID(1))
			if err != nil || len(tr) != 5 || tr[1].Text != "ls" {
				t.Fatalf("Transcript: %v %+v", err, tr)
			}
		})
	}
}

// A zstd file is decoded as a stream with a bounded window: a frame asking for a huge
// window is refused, and a bomb (a few KB expanding to hundreds of MB of one line) is
// read past in bounded memory.
func TestCompressedBombs(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "sessions", "2026", "01", "02")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := func(id string) string {
		return strings.Replace(metaLineOK, "11111111-2222-3333-4444-555555555555", id, 1)
	}

	bomb := filepath.Join(dir, "rollout-2026-01-02T03-04-05-"+fakeID(1)+".jsonl.zst")
	data := []byte(meta(fakeID(1)) + "\n" + strings.Repeat("A", 256<<20) + "\n" + userLine("after the bomb") + "\n")
	writeZst(t, bomb, data, zstd.WithEncoderLevel(zstd.SpeedFastest))
	data = nil

	wide := filepath.Join(dir, "rollout-2026-01-02T03-04-06-"+fakeID(2)+".jsonl.zst")
	writeZst(t, wide, []byte(meta(fakeID(2))+"\n"+userLine("wide")+"\n"+strings.Repeat("B", 64<<20)),
		zstd.WithWindowSize(64<<20), zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithSingleSegment(false))

	s := New(home, nil)
	var got Session
	var ok bool
	var err error
	total, _ := allocated(t, func() { got, ok, err = s.Get(t.Context(), fakeID(1)) })
	t.Logf("Get of a 256 MB zstd bomb: allocated %.1f MB", float64(total)/1e6)
	if err != nil || !ok || got.Task != "after the bomb" || got.Turns != 1 {
		t.Fatalf("bomb: ok %v err %v %+v", ok, err, got)
	}
	if total > 48<<20 {
		t.Fatalf("reading the bomb allocated %d bytes", total)
	}
	if _, ok, err := s.Get(t.Context(), fakeID(2)); ok || err != nil {
		t.Fatalf("a 64 MB window was accepted: ok %v err %v", ok, err)
	}
}

// One session in several files (archived and live copies, a .jsonl next to its
// .jsonl.zst) is listed once, as its live, newest file; archived sessions are listed
// only on request and found by Get with Archived set; ids are matched and returned in
// lower case whatever case they come in.
func TestDuplicatesArchivesAndIDCase(t *testing.T) {
	home := t.TempDir()
	live := fakeSession{ID: fakeID(1), Cwd: "/p", Started: base, Updated: base.Add(time.Hour), Prompts: []string{"live copy"}}
	arch := live
	arch.Archived, arch.Updated, arch.Prompts = true, base.Add(2*time.Hour), []string{"archived copy"}
	writeRollout(t, home, live)
	writeRollout(t, home, arch)

	// An older compressed copy next to a newer plain one.
	both := fakeSession{ID: fakeID(2), Cwd: "/p", Started: base.Add(time.Minute), Updated: base.Add(3 * time.Hour), Prompts: []string{"plain copy"}}
	old := both
	old.Updated, old.Prompts = base.Add(30*time.Minute), []string{"zst copy"}
	compress(t, writeRollout(t, home, old))
	writeRollout(t, home, both)

	only := fakeSession{ID: fakeID(3), Cwd: "/p", Started: base.Add(2 * time.Minute), Prompts: []string{"only archived"}, Archived: true}
	writeRollout(t, home, only)

	// Upper-case ids in the file name and in session_meta.
	upper := fakeSession{ID: strings.ToUpper(fakeID(0xabc)), Cwd: "/p", Started: base.Add(3 * time.Minute), Prompts: []string{"upper"}}
	writeRollout(t, home, upper)

	s := New(home, nil)
	for _, tc := range []struct {
		archived bool
		want     []string
	}{
		{false, []string{fakeID(2), fakeID(1), fakeID(0xabc)}},
		{true, []string{fakeID(2), fakeID(1), fakeID(0xabc), fakeID(3)}},
	} {
		page, err := s.List(t.Context(), Filter{IncludeArchived: tc.archived})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(page.Sessions); !slices.Equal(got, tc.want) {
			t.Fatalf("archived %v: listed %v, want %v", tc.archived, got, tc.want)
		}
		tasks := map[string]string{}
		for _, sess := range page.Sessions {
			tasks[sess.ID] = sess.Task
		}
		if tasks[fakeID(1)] != "live copy" || tasks[fakeID(2)] != "plain copy" {
			t.Fatalf("archived %v: picked %v", tc.archived, tasks)
		}
	}
	for _, tc := range []struct {
		id       string
		task     string
		archived bool
	}{
		{strings.ToUpper(fakeID(1)), "live copy", false},
		{fakeID(2), "plain copy", false},
		{fakeID(3), "only archived", true},
		{fakeID(0xabc), "upper", false},
	} {
		got, ok, err := s.Get(t.Context(), tc.id)
		if err != nil || !ok || got.Task != tc.task || got.Archived != tc.archived || got.ID != strings.ToLower(tc.id) {
			t.Errorf("Get %s: ok %v err %v %+v", tc.id, ok, err, got)
		}
	}
	if page, err := s.List(t.Context(), Filter{Query: strings.ToUpper(fakeID(0xabc))}); err != nil || !slices.Equal(ids(page.Sessions), []string{fakeID(0xabc)}) {
		t.Errorf("query by upper-case id: %v %v", ids(page.Sessions), err)
	}
}

// A fork names its parent; its turns are its own file's. Codex 0.169 writes only the
// fork's new turns (history_base points into the parent); older forks copy the parent's
// items into the file, and those count as the fork's.
func TestForks(t *testing.T) {
	parent := fakeSession{ID: fakeID(1), Cwd: "/p", Started: base, Prompts: []string{"parent one", "parent two"}}
	fork := fakeSession{ID: fakeID(2), Cwd: "/p", Started: base.Add(time.Minute), Prompts: []string{"fork task"}, ForkedFrom: strings.ToUpper(fakeID(1))}
	copied := fakeSession{ID: fakeID(3), Cwd: "/p", Started: base.Add(2 * time.Minute), Prompts: []string{"parent one", "copied fork"}, ForkedFrom: fakeID(1)}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.newStore(t, []fakeSession{parent, fork, copied})
			for _, tc := range []struct {
				id, from string
				turns    int
			}{
				{fakeID(1), "", 2},
				{fakeID(2), fakeID(1), 1},
				{fakeID(3), fakeID(1), 2},
			} {
				got, ok, err := s.Get(t.Context(), tc.id)
				if err != nil || !ok || got.ForkedFrom != tc.from || got.Turns != tc.turns {
					t.Errorf("Get %s: ok %v err %v forked from %q turns %d", tc.id, ok, err, got.ForkedFrom, got.Turns)
				}
			}
		})
	}
}
