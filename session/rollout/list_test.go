package rollout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var base = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// backend is a way of listing: the tree walk, or an index of a codex version's schema.
type backend struct {
	name    string
	version string // "" for the tree walk
	wal     bool
}

var backends = []backend{
	{name: "tree"},
	{name: "index-0.125.0", version: "0.125.0"},
	{name: "index-0.169.0", version: "0.169.0", wal: true},
}

// newStore writes the sessions (and an index for index backends) into a fresh home.
func (b backend) newStore(t *testing.T, sessions []fakeSession) (*Store, string) {
	t.Helper()
	home := t.TempDir()
	for _, f := range sessions {
		writeRollout(t, home, f)
	}
	if b.version != "" {
		writeIndex(t, home, b.version, sessions, b.wal)
	}
	s := New(home, nil)
	s.noIndex = b.version == ""
	return s, home
}

func TestListFilters(t *testing.T) {
	sessions := []fakeSession{
		{ID: fakeID(1), Cwd: "/a/b", Started: base, Prompts: []string{"Add OAuth login"}},
		{ID: fakeID(2), Cwd: "/a/b/c/d", Started: base.Add(time.Hour), Prompts: []string{"write tests for auth"}},
		{ID: fakeID(3), Cwd: "/a/bc", Started: base.Add(2 * time.Hour), Prompts: []string{"refactor the parser"}},
		{ID: fakeID(4), Cwd: "/a/b", Started: base.Add(3 * time.Hour), Prompts: []string{"ARCHIVED auth work"}, Archived: true},
		{ID: fakeID(5), Cwd: "/x/ÄuthDir", Started: base.Add(4 * time.Hour), Prompts: []string{"unicode dir"}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.newStore(t, sessions)
			for _, tc := range []struct {
				name string
				f    Filter
				want []int // session numbers, newest first
			}{
				{"all unarchived", Filter{}, []int{5, 3, 2, 1}},
				{"with archived", Filter{IncludeArchived: true}, []int{5, 4, 3, 2, 1}},
				{"dir and subdirs, not siblings", Filter{Directory: "/a/b"}, []int{2, 1}},
				{"dir with trailing slash", Filter{Directory: "/a/b/"}, []int{2, 1}},
				{"dir archived", Filter{Directory: "/a/b", IncludeArchived: true}, []int{4, 2, 1}},
				{"deep dir", Filter{Directory: "/a/b/c"}, []int{2}},
				{"sibling prefix", Filter{Directory: "/a/bc"}, []int{3}},
				{"root", Filter{Directory: "/"}, []int{5, 3, 2, 1}},
				{"no such dir", Filter{Directory: "/nope"}, nil},
				{"query task ignores case", Filter{Query: "AUTH"}, []int{2, 1}},
				{"query archived", Filter{Query: "auth", IncludeArchived: true}, []int{4, 2, 1}},
				{"query directory", Filter{Query: "/a/bc"}, []int{3}},
				{"query unicode", Filter{Query: "äuthdir"}, []int{5}},
				{"query id", Filter{Query: strings.ToUpper(fakeID(3)[24:])}, []int{3}},
				{"query and dir", Filter{Query: "oauth", Directory: "/a"}, []int{1}},
				{"limit", Filter{Limit: 2}, []int{5, 3}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					page, err := s.List(t.Context(), tc.f)
					if err != nil {
						t.Fatal(err)
					}
					var want []string
					for _, n := range tc.want {
						want = append(want, fakeID(n))
					}
					if !slices.Equal(ids(page.Sessions), want) {
						t.Fatalf("got %v, want %v", ids(page.Sessions), want)
					}
				})
			}
		})
	}
}

// TestListSameFields checks that the index and the tree walk describe sessions alike.
func TestListSameFields(t *testing.T) {
	sessions := genSessions(6, base)
	sessions[0].Version = "0.125.0"
	sessions[2].Archived = true
	var pages [][]Session
	for _, b := range backends {
		s, _ := b.newStore(t, sessions)
		page, err := s.List(t.Context(), Filter{IncludeArchived: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Sessions) != len(sessions) {
			t.Fatalf("%s: %d sessions", b.name, len(page.Sessions))
		}
		for i := range page.Sessions {
			page.Sessions[i].Path = filepath.Base(page.Sessions[i].Path) // homes differ
		}
		pages = append(pages, page.Sessions)
	}
	for i := 1; i < len(pages); i++ {
		for j := range pages[0] {
			a, b := pages[0][j], pages[i][j]
			// The index keeps updated_at in milliseconds, the walk uses the mtime.
			if d := a.UpdatedAt.Sub(b.UpdatedAt); d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("%s: UpdatedAt %v vs %v", backends[i].name, a.UpdatedAt, b.UpdatedAt)
			}
			a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
			if !a.StartedAt.Equal(b.StartedAt) {
				t.Errorf("%s: StartedAt %v vs %v", backends[i].name, a.StartedAt, b.StartedAt)
			}
			a.StartedAt, b.StartedAt = time.Time{}, time.Time{}
			if a != b {
				t.Errorf("%s differs from tree:\n tree  %+v\n index %+v", backends[i].name, a, b)
			}
		}
	}
	want := pages[0][0]
	if want.Task == "" || want.Directory == "" || want.Originator != "codex_exec" || want.Model != "gpt-5.5" || want.Source != "exec" || want.CLIVersion == "" {
		t.Fatalf("incomplete session: %+v", want)
	}
}

func TestListPagination(t *testing.T) {
	sessions := genSessions(23, base)
	// Several sessions share an mtime: the id must break the tie, the same way on every page.
	for i := 5; i < 12; i++ {
		sessions[i].Updated = base.Add(time.Hour)
	}
	for i := 15; i < 23; i += 2 {
		sessions[i].Archived = true
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.newStore(t, sessions)
			for _, f := range []Filter{{}, {IncludeArchived: true}, {Directory: "/home/dev/api"}, {Query: "feature number 1"}} {
				all, err := s.List(t.Context(), Filter{Directory: f.Directory, Query: f.Query, IncludeArchived: f.IncludeArchived, Limit: 500})
				if err != nil {
					t.Fatal(err)
				}
				if all.NextCursor != "" {
					t.Fatalf("one page holds everything, yet NextCursor %q", all.NextCursor)
				}
				for _, limit := range []int{1, 2, 3, 7, 50} {
					f.Limit, f.Cursor = limit, ""
					var got []string
					for pages := 0; ; pages++ {
						if pages > 100 {
							t.Fatal("pagination does not end")
						}
						page, err := s.List(t.Context(), f)
						if err != nil {
							t.Fatal(err)
						}
						if len(page.Sessions) > limit {
							t.Fatalf("page of %d, limit %d", len(page.Sessions), limit)
						}
						got = append(got, ids(page.Sessions)...)
						if page.NextCursor == "" {
							break
						}
						f.Cursor = page.NextCursor
					}
					if !slices.Equal(got, ids(all.Sessions)) {
						t.Fatalf("filter %+v limit %d:\n pages %v\n whole %v", f, limit, got, ids(all.Sessions))
					}
				}
			}
		})
	}
}

func TestListNewSessionBetweenPages(t *testing.T) {
	for _, b := range backends[:1] { // the index is written by codex, not by this test
		s, home := b.newStore(t, genSessions(10, base))
		p1, err := s.List(t.Context(), Filter{Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		writeRollout(t, home, fakeSession{ID: fakeID(99), Cwd: "/n", Started: base.Add(24 * time.Hour), Prompts: []string{"new"}})
		p2, err := s.List(t.Context(), Filter{Limit: 4, Cursor: p1.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		// The newcomer sorts first, so it does not shift the second page.
		want := []string{fakeID(6), fakeID(5), fakeID(4), fakeID(3)}
		if !slices.Equal(ids(p2.Sessions), want) {
			t.Fatalf("second page %v, want %v", ids(p2.Sessions), want)
		}
	}
}

func TestListBadCursor(t *testing.T) {
	s := New(t.TempDir(), nil)
	if _, err := s.List(t.Context(), Filter{Cursor: "garbage"}); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("err = %v", err)
	}
}

func TestListEmptyAndMissingHome(t *testing.T) {
	for _, home := range []string{t.TempDir(), filepath.Join(t.TempDir(), "does-not-exist")} {
		page, err := New(home, nil).List(t.Context(), Filter{IncludeArchived: true})
		if err != nil || len(page.Sessions) != 0 || page.NextCursor != "" {
			t.Fatalf("%s: %+v %v", home, page, err)
		}
	}
}

func TestListSkipsDamagedFiles(t *testing.T) {
	home := t.TempDir()
	good := genSessions(3, base)
	for _, f := range good {
		writeRollout(t, home, f)
	}
	dir := filepath.Join(home, sessionsDir, "2026", "03", "02")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	damaged := map[string]string{
		"empty":     "",
		"garbage":   "\x00\x01binary garbage\n",
		"truncated": metaLineOK[:120],
		"wrongtype": userLine("no meta") + "\n",
	}
	n := 50
	for name, content := range damaged {
		n++
		p := filepath.Join(dir, fmt.Sprintf("rollout-2026-03-02T00-00-00-%s.jsonl", fakeID(n)))
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_ = name
	}
	// Not rollouts at all: ignored without being opened.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "rollout-dir.jsonl"), 0o755)

	s, opens := countingStore(home)
	s.noIndex = true
	page, err := s.List(t.Context(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fakeID(3), fakeID(2), fakeID(1)}
	if !slices.Equal(ids(page.Sessions), want) {
		t.Fatalf("got %v, want %v", ids(page.Sessions), want)
	}
	first := opens.Load()
	if first != int64(len(good)+len(damaged)) {
		t.Fatalf("cold listing opened %d files", first)
	}
	// Damaged files are remembered as damaged: the warm listing opens nothing.
	if _, err := s.List(t.Context(), Filter{}); err != nil {
		t.Fatal(err)
	}
	if opens.Load() != first {
		t.Fatalf("warm listing opened %d more files", opens.Load()-first)
	}
}

func TestListCache(t *testing.T) {
	home := t.TempDir()
	sessions := genSessions(60, base)
	for _, f := range sessions {
		writeRollout(t, home, f)
	}
	s, opens := countingStore(home)
	s.noIndex = true
	step := func(name string, f Filter, wantOpens int64) Page {
		t.Helper()
		before := opens.Load()
		page, err := s.List(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		if got := opens.Load() - before; got != wantOpens {
			t.Fatalf("%s: opened %d files, want %d", name, got, wantOpens)
		}
		return page
	}
	// A cold first page reads the page's files plus one (is there a next page?), no more.
	p1 := step("cold first page", Filter{Limit: 20}, 21)
	step("warm first page", Filter{Limit: 20}, 0)
	step("second page reads only what it adds", Filter{Limit: 20, Cursor: p1.NextCursor}, 20)
	// Changing a file (size and mtime) invalidates just that file.
	newest := sessions[len(sessions)-1]
	newest.Prompts = []string{"rewritten prompt, longer than before"}
	newest.Updated = newest.Updated.Add(time.Second)
	writeRollout(t, home, newest)
	page := step("after one file changed", Filter{Limit: 20}, 1)
	if page.Sessions[0].Task != "rewritten prompt, longer than before" {
		t.Fatalf("stale head: %q", page.Sessions[0].Task)
	}
	// A filtered listing reads what it must, once.
	step("cold query", Filter{Query: "feature number 3", Limit: 100}, 60-41)
	step("warm query", Filter{Query: "feature number 3", Limit: 100}, 0)

	// Deleted files leave the cache.
	for _, f := range sessions[:30] {
		os.Remove(rolloutPath(home, f))
	}
	step("after deletions", Filter{Limit: 100, IncludeArchived: true}, 0)
	s.mu.Lock()
	n := len(s.heads)
	s.mu.Unlock()
	if n != 30 {
		t.Fatalf("cache holds %d heads for 30 files", n)
	}
}

func TestGetAndTranscript(t *testing.T) {
	sessions := []fakeSession{
		{ID: fakeID(1), Cwd: "/p", Started: base, Prompts: []string{"build it", "now test it"}, Replies: []string{"built", "tested"}, Command: "go build ./..."},
		{ID: fakeID(2), Cwd: "/p", Started: base.Add(time.Hour), Prompts: []string{"old work"}, Replies: []string{"archived reply"}, Archived: true, Version: "0.125.0"},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.newStore(t, sessions)
			got, ok, err := s.Get(t.Context(), fakeID(1))
			if err != nil || !ok {
				t.Fatalf("Get: ok %v err %v", ok, err)
			}
			if got.Turns != 2 || got.LastMessage != "tested" || got.Task != "build it" || got.Directory != "/p" || got.Archived {
				t.Fatalf("Get: %+v", got)
			}
			got, ok, err = s.Get(t.Context(), strings.ToUpper(fakeID(2)))
			if err != nil || !ok || !got.Archived || got.Turns != 1 || got.LastMessage != "archived reply" || got.CLIVersion != "0.125.0" {
				t.Fatalf("Get archived: ok %v err %v %+v", ok, err, got)
			}
			for _, id := range []string{fakeID(3), "", "../../etc/passwd", "not-a-uuid"} {
				if _, ok, err := s.Get(t.Context(), id); ok || err != nil {
					t.Fatalf("Get(%q): ok %v err %v", id, ok, err)
				}
			}

			tr, err := s.Transcript(t.Context(), fakeID(1))
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, e := range tr {
				lines = append(lines, e.Role+": "+e.Text)
			}
			want := []string{"user: build it", "command: go build ./...", "assistant: built", "user: now test it", "assistant: tested"}
			if !slices.Equal(lines, want) {
				t.Fatalf("transcript %q, want %q", lines, want)
			}
			if _, err := s.Transcript(t.Context(), fakeID(3)); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Transcript of unknown: %v", err)
			}
		})
	}
}

func TestContextCancelled(t *testing.T) {
	for _, b := range backends {
		s, _ := b.newStore(t, genSessions(5, base))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := s.List(ctx, Filter{}); err == nil {
			t.Fatalf("%s: List with a cancelled context succeeded", b.name)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	s, _ := backends[0].newStore(t, genSessions(40, base))
	done := make(chan error)
	for i := range 8 {
		go func() {
			var err error
			for j := 0; j < 20 && err == nil; j++ {
				switch (i + j) % 3 {
				case 0:
					_, err = s.List(t.Context(), Filter{Limit: 5 + i})
				case 1:
					_, err = s.List(t.Context(), Filter{Query: "number 1"})
				default:
					_, _, err = s.Get(t.Context(), fakeID(1+j))
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestListDirCache: directory listings are cached by mtime, yet new, removed, appended
// and archived files are all seen.
func TestListDirCache(t *testing.T) {
	home := t.TempDir()
	sessions := genSessions(6, base)
	for _, f := range sessions {
		writeRollout(t, home, f)
	}
	// Age every directory so its listing is cacheable (see settle).
	old := time.Now().Add(-time.Hour)
	ageDirs := func() {
		filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chtimes(p, old, old)
			}
			return nil
		})
	}
	ageDirs()
	s := New(home, nil)
	s.noIndex = true
	list := func(f Filter) []string {
		t.Helper()
		page, err := s.List(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		return ids(page.Sessions)
	}
	if got := list(Filter{}); len(got) != 6 {
		t.Fatalf("got %v", got)
	}
	s.mu.Lock()
	cachedDirs := len(s.dirs)
	s.mu.Unlock()
	if cachedDirs == 0 {
		t.Fatal("no directory listing cached")
	}

	// A new file in an existing (cached) day directory.
	added := fakeSession{ID: fakeID(40), Cwd: "/n", Started: sessions[0].Started.Add(time.Second), Updated: base.Add(48 * time.Hour), Prompts: []string{"added"}}
	writeRollout(t, home, added)
	if got := list(Filter{}); got[0] != added.ID || len(got) != 7 {
		t.Fatalf("new file not seen: %v", got)
	}
	ageDirs()
	list(Filter{})

	// An append (resume) changes only the file's mtime: it moves to the front.
	resumed := sessions[1]
	resumed.Updated = base.Add(72 * time.Hour)
	os.Chtimes(rolloutPath(home, resumed), resumed.Updated, resumed.Updated)
	if got := list(Filter{}); got[0] != resumed.ID {
		t.Fatalf("appended file not first: %v", got)
	}

	// Archiving moves the file out of its day directory.
	from := rolloutPath(home, resumed)
	resumed.Archived = true
	os.MkdirAll(filepath.Join(home, archivedDir), 0o755)
	if err := os.Rename(from, rolloutPath(home, resumed)); err != nil {
		t.Fatal(err)
	}
	if got := list(Filter{}); slices.Contains(got, resumed.ID) || len(got) != 6 {
		t.Fatalf("archived file still listed: %v", got)
	}
	if got := list(Filter{IncludeArchived: true}); got[0] != resumed.ID {
		t.Fatalf("archived file not listed with archived: %v", got)
	}

	// A removed file disappears.
	os.Remove(rolloutPath(home, added))
	if got := list(Filter{}); slices.Contains(got, added.ID) {
		t.Fatalf("removed file still listed: %v", got)
	}
}
