//go:build unix

package memory

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
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
	helperEnv   = "CODEX_MCP_MEMORY_HELPER" // a mode of runHelper
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
	if mode == "probe" {
		return probeHelper(ctx, path)
	}
	s, err := Open(ctx, path, nil)
	if err != nil {
		return err
	}
	switch mode {
	case "lease":
		// Races for the sessions named on stdin, one a line, with run id name-session,
		// and never releases: the parent judges the race and then the leftovers.
		fmt.Println("ready")
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			sid := in.Text()
			l, won, err := s.AcquireLease(ctx, sid, name+"-"+sid, Self())
			switch {
			case err != nil:
				fmt.Println("error", err)
			case won:
				fmt.Println("won")
			default:
				fmt.Println("lost", l.RunID)
			}
		}
		return s.Close()
	case "hold-lease":
		// Holds the lease on session name with a running run, until SIGKILLed.
		if err := s.InsertRun(ctx, Run{RunID: "holder", SessionID: name, Owner: Self()}); err != nil {
			return err
		}
		if _, won, err := s.AcquireLease(ctx, name, "holder", Self()); err != nil || !won {
			return fmt.Errorf("hold-lease: won %v, %v", won, err)
		}
		fmt.Println("ready")
		select {}
	case "lock":
		// Holds the write lock, as a stuck peer would, until SIGKILLed.
		return holdWriteLock(ctx, s, "locker")
	case "write":
		// Each pair of runs is one session: a start and a resumed turn, like the server.
		// Two processes writing back to back is a burst no server makes, and SQLite's
		// busy handler is not fair: on a loaded machine one process can lose the lock
		// for a whole writeWait. A write that ends in ErrLocked is therefore written
		// again, as the server's recorder does with a record memory could not take;
		// anything else, or a write still locked out after a minute, fails the test.
		n, _ := strconv.Atoi(count)
		locked := 0
		do := func(op string, fn func() error) error {
			for start := time.Now(); ; {
				err := fn()
				if err == nil {
					return nil
				}
				if !errors.Is(err, ErrLocked) || time.Since(start) > time.Minute {
					return fmt.Errorf("%s: %w", op, err)
				}
				locked++
			}
		}
		for i := range n {
			id := fmt.Sprintf("%s-%d", name, i)
			sid := fmt.Sprintf("%s-s%d", name, i/2)
			if err := do("InsertRun", func() error { return s.InsertRun(ctx, Run{RunID: id, Task: "task " + id, Owner: Self()}) }); err != nil {
				return err
			}
			if err := do("SetSessionID", func() error { return s.SetSessionID(ctx, id, sid) }); err != nil {
				return err
			}
			if err := do("Recent", func() error { _, err := s.Recent(ctx, 10); return err }); err != nil {
				return err
			}
			if err := do("FinishRun", func() error {
				return s.FinishRun(ctx, Run{RunID: id, Status: StatusCompleted, FilesChanged: []string{id + ".go"}})
			}); err != nil {
				return err
			}
		}
		if locked > 0 {
			fmt.Fprintf(os.Stderr, "%s: %d writes were locked out for %v and written again\n", name, locked, writeWait)
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
		return holdWriteLock(ctx, s, "uncommitted")
	}
	return fmt.Errorf("unknown helper mode %q", mode)
}

// holdWriteLock leaves a write transaction open, inserting run runID uncommitted, says
// "ready" and waits to be killed.
func holdWriteLock(ctx context.Context, s *Store, runID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs (run_id, status, started_at) VALUES (?, 'running', 0)`, runID); err != nil {
		return err
	}
	fmt.Println("ready")
	select {}
}

// startHelper starts a helper that prints "ready" once it is in place and then stays
// until killed, and waits for that line. The helper is killed at the end of the test.
func startHelper(t *testing.T, mode, path, name string) *exec.Cmd {
	t.Helper()
	cmd := helperCmd(t, mode, path, name, 0)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper %s did not get ready: %q %v\n%s", mode, line, err, stderr.String())
	}
	return cmd
}

// withHelper opens a fresh database and starts a helper in mode on it (see startHelper);
// it skips the test in -short mode.
func withHelper(t *testing.T, mode, name string) (*Store, *exec.Cmd, Owner) {
	t.Helper()
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path, s := newOpenDB(t)
	cmd := startHelper(t, mode, path, name)
	return s, cmd, ownerOf(t, cmd)
}

// ownerOf is the Owner a helper process records for itself.
func ownerOf(t *testing.T, cmd *exec.Cmd) Owner {
	t.Helper()
	o := Owner{PID: cmd.Process.Pid, Host: Self().Host}
	if st, err := processStartTime(o.PID); err == nil {
		o.StartTime = st
	}
	if !ProcessAlive(o) {
		t.Fatal("helper not seen alive")
	}
	return o
}

// kill SIGKILLs a helper, giving it no chance to clean up, and reaps it as the OS would
// once its parent goes.
func kill(t *testing.T, cmd *exec.Cmd, o Owner) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if ProcessAlive(o) {
		t.Fatal("killed helper still seen alive")
	}
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
			} else if len(out) > 0 {
				t.Logf("helper p%d: %s", p, out)
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

	cmd := startHelper(t, "hang", path, "h")
	victim := ownerOf(t, cmd)
	// Before the kill: the helper's run belongs to a live process and must stay running.
	if n, err := s.MarkInterrupted(ctx, ProcessAlive); err != nil || n != 0 {
		t.Fatalf("MarkInterrupted with the owner alive: %d, %v", n, err)
	}
	kill(t, cmd, victim)

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

// leaseRounds is how many sessions the two processes race for: enough that both have
// won some rounds in practice, few enough to stay well under a second.
const leaseRounds = 30

func TestTwoProcessesRaceForALease(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := newDB(t, t.TempDir())
	type racer struct {
		name string
		cmd  *exec.Cmd
		in   io.WriteCloser
		out  *bufio.Reader
	}
	var racers []*racer
	for _, name := range []string{"p0", "p1"} {
		r := &racer{name: name, cmd: helperCmd(t, "lease", path, name, 0)}
		var err error
		if r.in, err = r.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		stdout, err := r.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		r.out = bufio.NewReader(stdout)
		r.cmd.Stderr = os.Stderr
		must(t, r.cmd.Start())
		t.Cleanup(func() { r.cmd.Process.Kill(); r.cmd.Wait() })
		if line, err := r.out.ReadString('\n'); line != "ready\n" {
			t.Fatalf("%s: %q %v", name, line, err)
		}
		racers = append(racers, r)
	}

	wins := map[string]int{}
	for i := range leaseRounds {
		sid := fmt.Sprintf("s%d", i)
		// Both are sent the session before either answer is read: they race.
		for _, r := range racers {
			if _, err := fmt.Fprintln(r.in, sid); err != nil {
				t.Fatal(err)
			}
		}
		var winner, loserSaw string
		for _, r := range racers {
			line, err := r.out.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			switch f := strings.Fields(line); {
			case len(f) == 1 && f[0] == "won":
				if winner != "" {
					t.Fatalf("%s: both won", sid)
				}
				winner = r.name + "-" + sid
				wins[r.name]++
			case len(f) == 2 && f[0] == "lost":
				loserSaw = f[1]
			default:
				t.Fatalf("%s: %s answered %q", sid, r.name, line)
			}
		}
		if winner == "" || loserSaw != winner {
			t.Fatalf("%s: winner %q, the loser saw %q", sid, winner, loserSaw)
		}
	}
	t.Logf("wins: %v", wins)

	// Both exit without releasing: their leases are free for whoever comes next.
	for _, r := range racers {
		r.in.Close()
		must(t, r.cmd.Wait())
	}
	s, err := Open(t.Context(), path, nil)
	must(t, err)
	defer s.Close()
	if l, won, err := s.AcquireLease(t.Context(), "s0", "next", Self()); err != nil || !won || l.RunID != "next" {
		t.Errorf("lease of an exited process not taken over: %+v %v %v", l, won, err)
	}
}

func TestLeaseOfAKilledProcess(t *testing.T) {
	ctx := t.Context()
	s, cmd, holder := withHelper(t, "hold-lease", "s-held")

	l, won, err := s.AcquireLease(ctx, "s-held", "mine", Self())
	if err != nil || won || l.RunID != "holder" || l.Owner != holder {
		t.Fatalf("while the holder lives: %+v %v %v; want holder %+v", l, won, err, holder)
	}
	must(t, s.ReleaseLease(ctx, "s-held", "mine")) // not the holder: a no-op
	if _, won, _ := s.AcquireLease(ctx, "s-held", "mine", Self()); won {
		t.Fatal("a non-holder's release freed the lease")
	}

	kill(t, cmd, holder)
	if l, won, err := s.AcquireLease(ctx, "s-held", "mine", Self()); err != nil || !won || l.RunID != "mine" {
		t.Fatalf("after the kill: %+v %v %v", l, won, err)
	}
}
