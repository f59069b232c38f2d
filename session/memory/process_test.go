//go:build unix

package memory

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Environment of the helper process: what to do, on which database.
const (
	helperEnv   = "CODEX_MCP_MEMORY_HELPER" // "write" or "hang"
	helperDB    = "CODEX_MCP_MEMORY_DB"
	helperName  = "CODEX_MCP_MEMORY_NAME"
	helperCount = "CODEX_MCP_MEMORY_N"
)

// TestMain lets the tests below re-execute the test binary as a separate OS process
// (with helperEnv set), so that SQLite's file locking between processes, not just
// between connections of one process, is what gets exercised. Done here rather than as a
// skipped pseudo-test: a skipped test fails CI.
func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := runHelper(mode, os.Getenv(helperDB), os.Getenv(helperName), os.Getenv(helperCount)); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runHelper(mode, path, name, count string) error {
	ctx := context.Background()
	s, err := Open(ctx, path, nil)
	if err != nil {
		return err
	}
	switch mode {
	case "write":
		// Each pair of runs is one session: a start and a resumed turn, like the server.
		n, _ := strconv.Atoi(count)
		for i := range n {
			id := fmt.Sprintf("%s-%d", name, i)
			sid := fmt.Sprintf("%s-s%d", name, i/2)
			if err := s.InsertRun(ctx, Run{RunID: id, Task: "task " + id, Owner: Self()}); err != nil {
				return err
			}
			if err := s.SetSessionID(ctx, id, sid); err != nil {
				return err
			}
			if _, err := s.Recent(ctx, 10); err != nil {
				return err
			}
			if err := s.FinishRun(ctx, Run{RunID: id, Status: StatusCompleted, FilesChanged: []string{id + ".go"}}); err != nil {
				return err
			}
		}
		return s.Close()
	case "hang":
		// A finished run, a run in progress, and a write transaction left open: then the
		// parent kills this process with SIGKILL, with no chance to clean up.
		if err := s.InsertRun(ctx, Run{RunID: "done", SessionID: "s-done", Owner: Self()}); err != nil {
			return err
		}
		if err := s.FinishRun(ctx, Run{RunID: "done", Status: StatusCompleted, FinalMessage: "ok"}); err != nil {
			return err
		}
		if err := s.InsertRun(ctx, Run{RunID: "victim", Owner: Self()}); err != nil {
			return err
		}
		if err := s.SetSessionID(ctx, "victim", "s-victim"); err != nil {
			return err
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO runs (run_id, status, started_at) VALUES ('uncommitted', 'running', 0)`); err != nil {
			return err
		}
		fmt.Println("ready")
		for {
			time.Sleep(time.Hour)
		}
	}
	return fmt.Errorf("unknown helper mode %q", mode)
}

func helperCmd(t *testing.T, mode, path, name string, n int) *exec.Cmd {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperDB+"="+path, helperName+"="+name, helperCount+"="+strconv.Itoa(n))
	return cmd
}

func TestTwoProcessesWriteOneDB(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "m.db") // fresh: both processes also race to migrate
	const procs, perProc = 2, 200
	var wg sync.WaitGroup
	for p := range procs {
		wg.Go(func() {
			out, err := helperCmd(t, "write", path, fmt.Sprintf("p%d", p), perProc).CombinedOutput()
			if err != nil {
				t.Errorf("helper p%d: %v\n%s", p, err, out)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	s, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var runs, completed int
	if err := s.db.QueryRowContext(t.Context(),
		`SELECT count(*), count(*) FILTER (WHERE status = 'completed') FROM runs`).Scan(&runs, &completed); err != nil {
		t.Fatal(err)
	}
	if runs != procs*perProc || completed != runs {
		t.Fatalf("runs = %d (completed %d), want %d", runs, completed, procs*perProc)
	}
	sessions, err := s.Sessions(t.Context(), Filter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != procs*perProc/2 {
		t.Fatalf("sessions = %d, want %d", len(sessions), procs*perProc/2)
	}
	for _, ss := range sessions {
		if ss.Turns != 2 || len(ss.FilesChanged) != 2 || ss.Status != StatusCompleted {
			t.Fatalf("session %s: turns %d files %v status %s", ss.SessionID, ss.Turns, ss.FilesChanged, ss.Status)
		}
	}
	checkIndex(t, s)
}

func TestKilledProcessRunIsInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "m.db")

	// This process has a run in flight too: it must survive the other's recovery.
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	must(t, s.InsertRun(ctx, Run{RunID: "mine", SessionID: "s-mine", Owner: Self()}))

	cmd := helperCmd(t, "hang", path, "h", 0)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper did not get ready: %q %v\n%s", line, err, stderr.String())
	}
	victim := Owner{PID: cmd.Process.Pid, Host: Self().Host}
	if st, err := processStartTime(victim.PID); err == nil {
		victim.StartTime = st
	}
	if !ProcessAlive(victim) {
		t.Fatal("helper not seen alive before the kill")
	}
	// Before the kill: the helper's run belongs to a live process and must stay running.
	if n, err := s.MarkInterrupted(ctx, ProcessAlive); err != nil || n != 0 {
		t.Fatalf("MarkInterrupted with the owner alive: %d, %v", n, err)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() // reap it, as the OS would once its parent goes
	if ProcessAlive(victim) {
		t.Fatal("killed helper still seen alive")
	}

	// The dead process held the write lock: a new writer must not be blocked by it.
	start := time.Now()
	s2, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	n, err := s2.MarkInterrupted(ctx, ProcessAlive)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("recovery took %v", d)
	}
	if n != 1 {
		t.Errorf("marked %d runs, want 1", n)
	}
	want := map[string]Status{"victim": StatusInterrupted, "done": StatusCompleted, "mine": StatusRunning}
	for id, st := range want {
		r, ok, err := s2.Run(ctx, id)
		if err != nil || !ok || r.Status != st {
			t.Errorf("run %s: %v %v status %s, want %s", id, ok, err, r.Status, st)
		}
	}
	if _, ok, _ := s2.Run(ctx, "uncommitted"); ok {
		t.Error("the dead process's uncommitted write is visible")
	}
	if ss, _, ok, _ := s2.Session(ctx, "s-victim"); !ok || ss.Status != StatusInterrupted {
		t.Errorf("session s-victim = %+v", ss)
	}
	if ss, _, _, _ := s2.Session(ctx, "s-done"); ss.LastMessage != "ok" {
		t.Errorf("session s-done lost its message: %+v", ss)
	}
	checkIndex(t, s2)
}
