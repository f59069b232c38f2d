package memory

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// seedSessions fills s with n sessions of one to three runs each, with task and message
// text of realistic size, in one transaction (seeding is not what is measured).
func seedSessions(tb testing.TB, s *Store, n int) {
	tb.Helper()
	ctx := context.Background()
	msg := strings.Repeat("Implemented the change and ran the tests; all pass. ", 10)
	err := s.write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO runs (run_id, session_id, kind, conversation_id,
			directory, feature, task, purpose, sandbox, model, status, final_message, files_changed,
			started_at, ended_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range n {
			sid := fmt.Sprintf("0199%04x-0000-7000-8000-%012x", i%65536, i)
			for turn := range i%3 + 1 {
				kind := KindStart
				if turn > 0 {
					kind = KindResume
				}
				started := at(i*10 + turn).UnixNano()
				files := fmt.Sprintf(`["pkg%d/a.go","pkg%d/a_test.go","README.md"]`, i%50, i%50)
				_, err := stmt.ExecContext(ctx, fmt.Sprintf("r-%d-%d", i, turn), sid, kind,
					fmt.Sprintf("conv-%d", i%40), fmt.Sprintf("/home/dev/project%d/module%d", i%20, i%7),
					fmt.Sprintf("feature-%d", i%30), fmt.Sprintf("Task %d turn %d: implement the next step of feature %d", i, turn, i%30),
					"keep going", "workspace-write", "gpt-5", "completed", msg, files, started, started+int64(30e9))
				if err != nil {
					return err
				}
			}
			if err := refreshSession(ctx, tx, sid); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func openSeeded(b *testing.B, n int) *Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "m.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	seedSessions(b, s, n)
	return s
}

func BenchmarkRecent10k(b *testing.B) {
	s := openSeeded(b, 10_000)
	ctx := context.Background()
	for b.Loop() {
		got, err := s.Recent(ctx, 200)
		if err != nil || len(got) != 200 {
			b.Fatal(len(got), err)
		}
	}
}

func BenchmarkSessionsFirstPage10k(b *testing.B) {
	s := openSeeded(b, 10_000)
	ctx := context.Background()
	filters := []struct {
		name string
		f    Filter
	}{
		{"all", Filter{}},
		{"directory", Filter{Directory: "/home/dev/project3"}},
		{"conversation", Filter{ConversationID: "conv-7"}},
		{"query", Filter{Query: "feature 12"}},
		{"query-rare", Filter{Query: "task 17 turn 1"}},
		{"query-everywhere", Filter{Query: "implement"}},
		{"query-short", Filter{Query: "17"}},
	}
	for _, f := range filters {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Sessions(ctx, f.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen is the start-up cost on an existing, current database: "alone" as the
// first server process (SQLite creates the -wal and -shm files), "peer" with another
// server process's store already open.
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "m.db")
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		b.Fatal(err)
	}
	seedSessions(b, s, 100)
	s.Close()
	ctx := context.Background()
	bench := func(b *testing.B) {
		for b.Loop() {
			s, err := Open(ctx, path, nil)
			if err != nil {
				b.Fatal(err)
			}
			// Closing the last connection checkpoints the WAL: not start-up cost.
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
	}
	b.Run("alone", bench)
	peer, err := Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	b.Run("peer", bench)
}

// BenchmarkRunLifecycle is the write cost of one run: insert, session id, finish.
func BenchmarkRunLifecycle(b *testing.B) {
	s := openSeeded(b, 1000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		id := fmt.Sprint("bench-", i)
		i++
		if err := s.InsertRun(ctx, Run{RunID: id, Task: "t", Owner: Self()}); err != nil {
			b.Fatal(err)
		}
		if err := s.SetSessionID(ctx, id, "s"+id); err != nil {
			b.Fatal(err)
		}
		if err := s.FinishRun(ctx, Run{RunID: id, Status: StatusCompleted, FilesChanged: []string{"a.go"}}); err != nil {
			b.Fatal(err)
		}
	}
}
