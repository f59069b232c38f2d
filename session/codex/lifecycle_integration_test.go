//go:build unix

package codex

import (
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
)

// TestIntegrationLifecycleNothingOutlivesTheRun: a command that leaves a daemon (setsid,
// double fork: out of codex's tree and process group) under danger-full-access, where no
// sandbox contains it. However the run ends, under each lifecycle this OS offers, the
// daemon ends with it, and so does the command codex was still running.
func TestIntegrationLifecycleNothingOutlivesTheRun(t *testing.T) {
	bin := testenv.CodexBin(t)
	for _, l := range Lifecycles() {
		for _, end := range []string{StatusCompleted, StatusCancelled, StatusTimedOut} {
			t.Run(string(l)+"/"+end, func(t *testing.T) {
				model := testenv.Model(t)
				home := testenv.CodexHome(t, model.URL())
				r := NewRunner(bin, testenv.Env(t, home, LifecycleEnv+"="+string(l)), nil)
				ghost, long := testenv.Marker(), testenv.Marker()+"1"
				command := testenv.Daemon(ghost) + "; echo started"
				if end != StatusCompleted {
					command += "; sleep " + long
				}
				req := Request{
					Spec:   Spec{Directory: t.TempDir(), Sandbox: SandboxFullAccess},
					Prompt: "TASK: leave a daemon\nRUN: " + command + "\nREPLY: done", Timeout: 2 * time.Minute,
				}
				ctx := t.Context()
				switch end {
				case StatusCancelled:
					c, cancel := contextCancelledWhen(t, func() bool {
						return len(testenv.Running(t, testenv.Argv("sleep", long))) > 0
					})
					defer cancel()
					ctx = c
				case StatusTimedOut:
					// Long enough for codex to start the command on a loaded machine.
					req.Timeout = 8 * time.Second
				}
				res, err := r.Run(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				// (A cancelled run is cancelled as soon as its command runs, which may be
				// before codex reports it.)
				if res.Status != end || len(res.Commands) != 1 && end != StatusCancelled {
					t.Fatalf("status %q (error %q), commands %+v; stderr %s", res.Status, res.Error, res.Commands, res.Stderr)
				}
				// Whether the daemon is still there to be ended when codex exits depends on
				// the codex version (0.125 sometimes ends its command's session itself);
				// that nothing is left is the guarantee, checked below, and
				// TestWatcherLeavesNothing checks the count the result reports.
				if end == StatusCompleted && !hasPrefix(res.Warnings, "codex left 1 process(es) running") {
					t.Logf("the result does not say a daemon was ended (%q): codex %s ended it first", res.Warnings, testenv.CodexVersion(t, bin))
				}
				testenv.NoneLeft(t, time.Second, testenv.Argv("sleep", ghost), "the daemon")
				testenv.NoneLeft(t, time.Second, testenv.Argv("sleep", long), "the command")
				testenv.NoneLeft(t, time.Second, testenv.Contains("exec", "--json"), "codex or its watcher")
			})
		}
	}
}
