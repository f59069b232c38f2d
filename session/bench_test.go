package session_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/storegen"
	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/memory"
	"github.com/codex-mcp/codex-mcp/session/rollout"
)

var (
	storesMu sync.Mutex
	stores   = map[int]string{}
)

// codexStore is a Codex store of n sessions, written once per test binary.
func codexStore(b *testing.B, n int) string {
	storesMu.Lock()
	defer storesMu.Unlock()
	if home, ok := stores[n]; ok {
		return home
	}
	home, err := tempDir("codex-mcp-bench-store")
	if err != nil {
		b.Fatal(err)
	}
	base := time.Now().Add(-time.Duration(n) * time.Minute)
	for _, s := range storegen.Generate(n, base) {
		if _, err := storegen.Write(home, s); err != nil {
			b.Fatal(err)
		}
	}
	stores[n] = home
	return home
}

func bigCodexStore(b *testing.B) string { return codexStore(b, 10000) }

// BenchmarkListSessionsMemory: heap kept by a Manager after listing pages of a store
// of 1,000 and of 10,000 sessions, and after a query that reads every session. Target:
// flat as the store grows.
func BenchmarkListSessionsMemory(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			home := codexStore(b, n)
			mem := openMemory(b)
			var firstPage, afterScan float64
			for i := 0; i < b.N; i++ {
				before := heapInUse()
				m := newBenchManager(b, home, mem)
				for range 5 {
					if _, err := m.List(b.Context(), session.ListQuery{IncludeExternal: true}); err != nil {
						b.Fatal(err)
					}
				}
				firstPage = float64(heapInUse()-before) / 1024
				if _, err := m.List(b.Context(), session.ListQuery{IncludeExternal: true, Query: "no session has this text"}); err != nil {
					b.Fatal(err)
				}
				afterScan = float64(heapInUse()-before) / 1024
				runtime.KeepAlive(m)
			}
			b.ReportMetric(firstPage, "KiB-after-pages")
			b.ReportMetric(afterScan, "KiB-after-full-scan")
		})
	}
}

func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

func newBenchManager(b *testing.B, home string, mem session.Memory) *session.Manager {
	m := session.NewManager(session.Config{DefaultDir: b.TempDir()}, session.Deps{
		OpenMemory: func(context.Context) (session.Memory, error) { return mem, nil },
		Codex:      rollout.New(home, nil),
	})
	b.Cleanup(m.Close)
	return m
}

func openMemory(b *testing.B) *memory.Store {
	st, err := memory.Open(b.Context(), filepath.Join(b.TempDir(), "memory.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}

// BenchmarkListSessions10kCold: list_sessions' first page over 10,000 Codex sessions
// with nothing cached in the process (a new Manager and store each time; the OS page
// cache is warm). Target: under 500 ms.
func BenchmarkListSessions10kCold(b *testing.B) {
	home := bigCodexStore(b)
	mem := openMemory(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := newBenchManager(b, home, mem)
		l, err := m.List(b.Context(), session.ListQuery{IncludeExternal: true})
		if err != nil || len(l.Sessions) != session.DefaultListLimit {
			b.Fatalf("%v %d", err, len(l.Sessions))
		}
	}
}

// BenchmarkListSessions10kWarm: the same, second and later calls. Target: under 50 ms.
func BenchmarkListSessions10kWarm(b *testing.B) {
	home := bigCodexStore(b)
	m := newBenchManager(b, home, openMemory(b))
	if _, err := m.List(b.Context(), session.ListQuery{IncludeExternal: true}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := m.List(b.Context(), session.ListQuery{IncludeExternal: true})
		if err != nil || len(l.Sessions) != session.DefaultListLimit {
			b.Fatalf("%v %d", err, len(l.Sessions))
		}
	}
}

// BenchmarkDecideResume10k: decide_resume's work with 10,000 sessions in memory: the
// snapshot read from SQLite plus the tree. The tree alone is session/decide's
// BenchmarkDecide10k (target: under 1 ms).
func BenchmarkDecideResume10k(b *testing.B) {
	mem := openMemory(b)
	ctx := b.Context()
	base := time.Now().Add(-10000 * time.Minute)
	features := []string{"auth", "payment", "profile", "search", "billing"}
	for i := 0; i < 10000; i++ {
		f := features[i%len(features)]
		r := memory.Run{
			RunID: fmt.Sprintf("run-%016x", i), SessionID: storegen.ID(i + 1), Kind: memory.KindStart,
			ConversationID: fmt.Sprintf("conv-%d", i/20), Directory: "/repo/src/" + f, Feature: f,
			Task: fmt.Sprintf("Implement %s step %d", f, i), Status: memory.StatusCompleted,
			StartedAt: base.Add(time.Duration(i) * time.Minute), EndedAt: base.Add(time.Duration(i)*time.Minute + time.Second),
		}
		if err := mem.InsertRun(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	m := newBenchManager(b, b.TempDir(), mem)
	q := session.DecideQuery{Task: session.Task{Task: "Add validation to the auth module", ConversationID: "conv-499"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Decide(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
