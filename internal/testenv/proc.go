package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/proc"
)

// MarkEnv names the environment variable that marks every process a test starts. It is
// how a test finds its own processes once they have left its process tree (an orphan
// of a killed server, a daemon a command left), and never another one's: a developer's
// own Codex or another test run on the same machine does not carry it.
const MarkEnv = "CODEX_MCP_TEST_MARK"

var marks sync.Map // testing.TB -> "CODEX_MCP_TEST_MARK=<random>"

// Mark returns this test's marker entry ("CODEX_MCP_TEST_MARK=<random>"). The first call
// also sets it in this process's environment for the rest of the test, so children
// started with the default environment inherit it too; Env puts it in the environments
// it builds.
func Mark(t testing.TB) string {
	t.Helper()
	if m, ok := marks.Load(t); ok {
		return m.(string)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	v := hex.EncodeToString(b)
	t.Setenv(MarkEnv, v)
	m := MarkEnv + "=" + v
	marks.Store(t, m)
	t.Cleanup(func() { marks.Delete(t) })
	return m
}

// Ours lists this test's live processes: those below this test process, and those
// anywhere carrying its Mark. The test process itself is not one.
func Ours(t testing.TB) []proc.Process {
	t.Helper()
	mark := Mark(t)
	all, err := proc.List()
	if err != nil {
		t.Fatalf("listing processes: %v", err)
	}
	self := os.Getpid()
	seen := map[int]bool{self: true}
	var out []proc.Process
	for _, p := range proc.DescendantsIn(all, self) {
		if !p.Exited {
			seen[p.PID] = true
			out = append(out, p)
		}
	}
	for _, p := range all {
		if !seen[p.PID] && !p.Exited && proc.HasEnv(p.PID, mark) {
			out = append(out, p)
		}
	}
	return out
}

// Running lists this test's live processes (Ours) whose argv satisfies match.
func Running(t testing.TB, match func(argv []string) bool) []proc.Process {
	t.Helper()
	var out []proc.Process
	for _, p := range Ours(t) {
		if argv, err := proc.Cmdline(p.PID); err == nil && match(argv) {
			out = append(out, p)
		}
	}
	return out
}

// Argv matches an argv that is exactly want.
func Argv(want ...string) func([]string) bool {
	return func(argv []string) bool { return slices.Equal(argv, want) }
}

// Contains matches an argv that holds the consecutive arguments part.
func Contains(part ...string) func([]string) bool {
	sep := "\x00"
	needle := sep + strings.Join(part, sep) + sep
	return func(argv []string) bool { return strings.Contains(sep+strings.Join(argv, sep)+sep, needle) }
}

// WaitForProcess returns the pid of the first of this test's processes whose argv
// matches, waiting up to a minute. Commands codex runs in a sandbox live in their own
// pid namespace, so tests find them by a marker in their argv rather than by a pid
// they report.
func WaitForProcess(t testing.TB, match func([]string) bool, what string) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ps := Running(t, match); len(ps) > 0 {
			return ps[0].PID
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no process %s appeared", what)
	return 0
}

// NoneLeft waits up to d for this test's processes whose argv matches to be gone, and
// fails the test naming those that are not.
func NoneLeft(t testing.TB, d time.Duration, match func([]string) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := Running(t, match)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			var desc []string
			for _, p := range left {
				argv, _ := proc.Cmdline(p.PID)
				desc = append(desc, strconv.Itoa(p.PID)+" (parent "+strconv.Itoa(p.PPID)+"): "+strings.Join(argv, " "))
			}
			t.Fatalf("%s still running %s later:\n%s", what, d, strings.Join(desc, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Alive reports whether pid exists and has not exited.
func Alive(pid int) bool { return proc.Alive(pid) }

// GoneWithin waits up to d for pid to be gone and reports whether it is.
func GoneWithin(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for proc.Alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	return !proc.Alive(pid)
}

// Daemon is shell that starts `sleep marker` as a daemon does: in a session of its own
// (setsid, or perl's where there is no setsid command, as on macOS), double-forked so
// that its parent is gone at once, with none of the caller's files open. It is out of
// the caller's process tree and group: what a run must still not leave behind.
func Daemon(marker string) string {
	return "(if command -v setsid >/dev/null; then exec setsid sleep " + marker +
		"; else exec perl -MPOSIX -e 'POSIX::setsid(); exec @ARGV' sleep " + marker +
		"; fi </dev/null >/dev/null 2>&1 &)"
}

// Marker is a number unlikely to appear in any other process's argv, for a command a
// test looks for (e.g. "sleep <marker>").
func Marker() string {
	return strconv.Itoa(300000 + int(time.Now().UnixNano()%600000))
}
