package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/gitstate"
)

// bigRepo is a git repository of n committed files (100 per directory) in a temporary
// directory, as a checkout is: the files older than the index, so git's stat data is
// trusted and no file is re-read on every status.
func bigRepo(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	old := time.Now().Add(-time.Hour)
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("pkg%03d", i/100))
		if i%100 == 0 {
			if err := os.Mkdir(sub, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		p := filepath.Join(sub, fmt.Sprintf("file%03d.go", i%100))
		if err := os.WriteFile(p, []byte(fmt.Sprintf("package pkg\n\n// File %d.\nconst N%d = %d\n", i, i, i)), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			b.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "10k files"}} {
		cmd := exec.Command("git", append([]string{"-c", "user.name=b", "-c", "user.email=b@b"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// BenchmarkReceipt10kFiles: a start_session run in a repository of 10,000 files with the
// work-tree receipt and without it (NoWorktreeReceipt), alternating, against the same
// fake model; the run writes a file with a command, which the receipt must list.
// Target: the receipt adds under 2%. Two model speeds: "instant-model" answers at once,
// the worst case, where nothing hides the snapshot after the last command; "model-500ms"
// takes half a second to answer, still faster than any real model, where that snapshot
// overlaps the model's turn as it does in use. Also reports what one snapshot (git status
// of the tree plus fingerprints) takes on its own, and the CPU the receipt adds to a run
// (its git processes; a run takes two snapshots), which does not depend on the machine's
// load.
func BenchmarkReceipt10kFiles(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	repo := bigRepo(b, 10000)
	for _, c := range []struct {
		name  string
		sleep string
	}{{"instant-model", ""}, {"model-500ms", "SLEEP: 500\n"}} {
		b.Run(c.name, func(b *testing.B) { benchReceipt(b, repo, c.sleep) })
	}
}

func benchReceipt(b *testing.B, repo, sleep string) {
	bin := testenv.CodexBin(b)
	model := testenv.Model(b)
	home := testenv.CodexHome(b, model.URL())
	env := testenv.Env(b, home)
	task := session.Task{Task: "benchmark task\n" + sleep + "RUN: date +%s%N > out.txt\nREPLY: done", Mode: "write"}

	manager := func(off bool) *session.Manager {
		m := session.NewManager(session.Config{DefaultDir: repo, Templates: prompts.Templates{}, NoWorktreeReceipt: off},
			session.RealDeps(bin, env, filepath.Join(b.TempDir(), "memory.db"), home, nil))
		b.Cleanup(m.Close)
		return m
	}
	with, without := manager(false), manager(true)
	ctx := context.Background()
	var cpuOn, cpuOff []time.Duration
	run := func(m *session.Manager, receipt bool) time.Duration {
		start, cpu := time.Now(), childrenCPU()
		out, err := m.Start(ctx, task, nil)
		took := time.Since(start)
		// Its children's CPU: codex's, and git's with the receipt (the receipt's own Go
		// work is microseconds).
		if receipt {
			cpuOn = append(cpuOn, childrenCPU()-cpu)
		} else {
			cpuOff = append(cpuOff, childrenCPU()-cpu)
		}
		if err != nil || out.Status != session.StatusCompleted {
			b.Fatalf("run: %v %+v", err, out)
		}
		if receipt && (len(out.Changes) != 1 || out.Changes[0].Path != "out.txt" || out.ChangesScope != session.ScopeWorktree) {
			b.Fatalf("receipt: %+v (%s)", out.Changes, out.ChangesNote)
		}
		return took
	}
	// Warm both (codex probe, memory, page cache).
	run(without, false)
	run(with, true)

	var on, off, snap []time.Duration
	cpuOn, cpuOff = nil, nil
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		off = append(off, run(without, false))
		on = append(on, run(with, true))
		start := time.Now()
		if _, err := gitstate.Take(ctx, repo, nil); err != nil {
			b.Fatal(err)
		}
		snap = append(snap, time.Since(start))
	}
	b.StopTimer()
	mo, mb := median(on), median(off)
	b.ReportMetric(float64(mo.Microseconds())/1000, "ms-with-receipt")
	b.ReportMetric(float64(mb.Microseconds())/1000, "ms-without")
	b.ReportMetric((float64(mo)/float64(mb)-1)*100, "overhead-%")
	b.ReportMetric(float64(median(snap).Microseconds())/1000, "ms-one-snapshot")
	// The receipt's CPU, load-independent where the wall time is not: on a busy
	// machine this is what it takes from codex and everything else.
	b.ReportMetric(float64((median(cpuOn)-median(cpuOff)).Microseconds())/1000, "ms-cpu-receipt")
	b.ReportMetric(float64(median(cpuOff).Microseconds())/1000, "ms-cpu-codex")
}
