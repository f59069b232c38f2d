package rollout

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// benchSessions is the size of the generated store the listing targets are set for.
const benchSessions = 10000

var (
	benchOnce sync.Once
	benchDir  string // removed by TestMain
	benchHome string // rollout tree only
	benchIdx  string // state_5.sqlite (0.169 schema) naming the same rollouts
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchStores generates, once per test binary, 10,000 realistic rollouts (a ~22 KB
// session_meta first line, a developer message, the environment context, the prompt,
// a command and a reply) spread over 100 days, plus an index of them. Generating takes a
// few seconds, so every benchmark (and every b.N round) shares it.
func benchStores(b *testing.B) (tree, index string) {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "rollout-bench-")
		if benchErr != nil {
			return
		}
		benchHome = filepath.Join(benchDir, "tree")
		benchIdx = filepath.Join(benchDir, "indexed")
		if benchErr = os.MkdirAll(benchIdx, 0o755); benchErr != nil {
			return
		}
		start := time.Now().Add(-100 * 24 * time.Hour).Truncate(time.Second)
		sessions := make([]fakeSession, benchSessions)
		dirs := []string{"/home/dev/api", "/home/dev/web", "/home/dev/infra", "/home/dev/api/internal/auth"}
		for i := range sessions {
			st := start.Add(time.Duration(i) * 100 * 24 * time.Hour / benchSessions)
			sessions[i] = fakeSession{
				ID: fakeID(i + 1), Cwd: dirs[i%len(dirs)], Started: st, Updated: st.Add(3 * time.Minute),
				Prompts: []string{fmt.Sprintf("Implement feature number %d: add the endpoint, wire it up and write tests", i+1)},
				Replies: []string{"Implemented and tested."}, Command: "go test ./...",
			}
			writeRollout(b, benchHome, sessions[i])
		}
		writeIndex(b, benchIdx, "0.169.0", nil, false)
		// Rows point at the tree's files, so Get through the index reads real rollouts.
		db := openWritable(b, filepath.Join(benchIdx, "state_5.sqlite"))
		cols := tableColumns(b, db)
		tx, err := db.Begin()
		if err != nil {
			benchErr = err
			return
		}
		for _, f := range sessions {
			indexRow(b, tx, cols, benchHome, f)
		}
		if benchErr = tx.Commit(); benchErr != nil {
			return
		}
		if _, benchErr = db.Exec("PRAGMA journal_mode=WAL"); benchErr != nil {
			return
		}
		benchErr = db.Close()
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchHome, benchIdx
}

func benchList(b *testing.B, home string, walk, warm bool, f Filter) {
	b.Helper()
	var s *Store
	fresh := func() {
		s = New(home, nil)
		s.noIndex = walk
	}
	fresh()
	if warm {
		if _, err := s.List(b.Context(), f); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if !warm {
			// Cold: a new Store has no cached heads. The OS page cache is warm after
			// the first round, so this measures the process's own work, not the disk.
			fresh()
		}
		page, err := s.List(b.Context(), f)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Sessions) == 0 {
			b.Fatal("empty page")
		}
	}
}

// The design targets: first page (20) of 10,000 sessions under 500 ms cold, 50 ms warm.
func BenchmarkListTreeCold(b *testing.B) {
	tree, _ := benchStores(b)
	benchList(b, tree, true, false, Filter{Limit: 20})
}

func BenchmarkListTreeWarm(b *testing.B) {
	tree, _ := benchStores(b)
	benchList(b, tree, true, true, Filter{Limit: 20})
}

func BenchmarkListIndexCold(b *testing.B) {
	_, idx := benchStores(b)
	benchList(b, idx, false, false, Filter{Limit: 20})
}

func BenchmarkListIndexWarm(b *testing.B) {
	_, idx := benchStores(b)
	benchList(b, idx, false, true, Filter{Limit: 20})
}

// A query that matches 11 of 10,000 sessions must look at every one: warm, from the cache.
func BenchmarkListTreeQueryWarm(b *testing.B) {
	tree, _ := benchStores(b)
	benchList(b, tree, true, true, Filter{Limit: 20, Query: "FEATURE NUMBER 999"})
}

func BenchmarkListIndexQuery(b *testing.B) {
	_, idx := benchStores(b)
	benchList(b, idx, false, true, Filter{Limit: 20, Query: "FEATURE NUMBER 999"})
}

func BenchmarkListTreeDirectoryWarm(b *testing.B) {
	tree, _ := benchStores(b)
	benchList(b, tree, true, true, Filter{Limit: 20, Directory: "/home/dev/api"})
}

func BenchmarkGetTree(b *testing.B) {
	tree, _ := benchStores(b)
	s := New(tree, nil)
	s.noIndex = true
	for b.Loop() {
		if _, ok, err := s.Get(b.Context(), fakeID(benchSessions/2)); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkGetIndex(b *testing.B) {
	_, idx := benchStores(b)
	s := New(idx, nil)
	for b.Loop() {
		if _, ok, err := s.Get(b.Context(), fakeID(benchSessions/2)); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
