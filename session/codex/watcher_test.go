//go:build unix

package codex

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
)

// contextCancelledWhen returns a context that is cancelled as soon as cond holds.
func contextCancelledWhen(t *testing.T, cond func() bool) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for ctx.Err() == nil && !cond() {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	return ctx, cancel
}

// Whichever way a run ends, nothing it started is left: not codex, not its watcher, not a
// command codex still ran, not a daemon a command left outside codex's tree and group.
func TestWatcherLeavesNothing(t *testing.T) {
	for _, l := range Lifecycles() {
		for _, end := range []string{"completed", "cancelled", "server gone"} {
			t.Run(string(l)+"/"+end, func(t *testing.T) {
				mark := testenv.Mark(t)
				ghost, long := testenv.Marker(), testenv.Marker()+"1"
				body := testenv.Daemon(ghost) + "\n"
				if end != "completed" {
					body += "sleep " + long + "\n"
				}
				body += fakeThread + "\necho '{\"type\":\"turn.completed\",\"usage\":{}}'\n"
				bin := fakeCodex(t, "", body)
				env := emptyEnv(t, mark, LifecycleEnv+"="+string(l))
				switch end {
				case "server gone":
					// The server's death, as the watcher sees it: the lifeline closes
					// while the run goes on, and nobody asks anything of it.
					cmd := exec.Command(bin, "exec")
					cmd.Env, cmd.Stdin, cmd.Stdout = append(env, RunMarkEnv+"="+newRunMark()), strings.NewReader("x"), io.Discard
					h, err := newHold(cmd, holdOptions{lifecycle: l, watch: true, logger: discard()})
					if err != nil {
						t.Fatal(err)
					}
					if err := cmd.Start(); err != nil {
						t.Fatal(err)
					}
					if _, err := h.started(); err != nil {
						t.Fatal(err)
					}
					testenv.WaitForProcess(t, testenv.Argv("sleep", long), "the run's command")
					testenv.WaitForProcess(t, testenv.Argv("sleep", ghost), "the run's daemon")
					h.(*watchHold).closeLife()
					_ = cmd.Wait()
					if left := h.end(); left != 0 {
						t.Errorf("%d processes were left after codex was killed", left)
					}
				default:
					r := NewRunner(bin, env, nil)
					ctx := t.Context()
					if end == "cancelled" {
						c, cancel := contextCancelledWhen(t, func() bool {
							return len(testenv.Running(t, testenv.Argv("sleep", long))) > 0
						})
						defer cancel()
						ctx = c
					}
					res, err := r.Run(ctx, Request{Spec: Spec{Directory: t.TempDir(), Sandbox: SandboxReadOnly}, Prompt: "x", Timeout: 30 * time.Second})
					if err != nil {
						t.Fatal(err)
					}
					if string(res.Status) != end {
						t.Fatalf("status %q error %q", res.Status, res.Error)
					}
					if end == "completed" && !hasPrefix(res.Warnings, "codex left 1 process(es) running") {
						t.Errorf("the result does not say a daemon was ended: %q", res.Warnings)
					}
				}
				// What the watcher ended it reaped or init is reaping: gone at once.
				testenv.NoneLeft(t, time.Second, testenv.Argv("sleep", ghost), "the daemon")
				testenv.NoneLeft(t, time.Second, testenv.Argv("sleep", long), "the command")
				testenv.NoneLeft(t, time.Second, testenv.Contains("codex-mcp-watcher"), "the watcher")
			})
		}
	}
}

// A codex that cannot be started (gone since it was probed) is reported by its watcher,
// and the run is an error the caller can act on, with nothing left running.
func TestWatcherReportsCodexThatCannotStart(t *testing.T) {
	for _, l := range Lifecycles() {
		t.Run(string(l), func(t *testing.T) {
			testenv.Mark(t)
			bin := fakeCodex(t, "", fakeThread)
			r := NewRunner(bin, emptyEnv(t, LifecycleEnv+"="+string(l)), nil)
			if _, err := r.Capabilities(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(bin); err != nil {
				t.Fatal(err)
			}
			_, err := r.Run(t.Context(), Request{Spec: Spec{Directory: t.TempDir(), Sandbox: SandboxReadOnly}, Prompt: "x", Timeout: 10 * time.Second})
			var nf *NotFoundError
			if !errors.As(err, &nf) || !strings.Contains(err.Error(), "no such file") {
				t.Fatalf("err %v", err)
			}
			testenv.NoneLeft(t, time.Second, testenv.Contains("codex-mcp-watcher"), "the watcher")
		})
	}
}
