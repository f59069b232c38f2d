package session

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/session/memory"
)

// StopRuns stops and records the runs as Shutdown does, but memory stays open for the
// answers still being written (serve --http's shutdown), until Close.
func TestStopRunsKeepsMemoryOpen(t *testing.T) {
	r := &fakeRunner{hold: make(chan struct{}), started: make(chan struct{}, 1)}
	dbPath := filepath.Join(t.TempDir(), "memory.db")
	m := NewManager(Config{DefaultDir: t.TempDir()}, Deps{Runner: r, OpenMemory: func(ctx context.Context) (Memory, error) {
		return memory.Open(ctx, dbPath, nil)
	}})
	out, err := m.Start(t.Context(), Task{Task: "long", Wait: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-r.started
	m.StopRuns("the server received SIGTERM")
	mem, err := m.memory(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	run, ok, err := mem.Run(t.Context(), out.RunID)
	if err != nil || !ok {
		t.Fatalf("memory after StopRuns: %v %v", ok, err)
	}
	if run.Status != memory.StatusCancelled || run.Error != "stopped by server shutdown: the server received SIGTERM" {
		t.Fatalf("recorded %s %q", run.Status, run.Error)
	}
	m.Shutdown("later")
	if m.mem != nil {
		t.Fatal("memory still open after Shutdown")
	}
}
