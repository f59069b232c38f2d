//go:build unix

package codex

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/codex-mcp/codex-mcp/internal/proc"
)

// A run's watcher is this binary re-executed, between the server and codex:
//
//	server ──> watcher (own process group; on Linux under pdeathsig, the child subreaper)
//	             └──> codex (own process group; under pdeathsig, SIGKILL when the watcher dies)
//	                    └──> the commands codex runs, and whatever they start
//
// Protocol. The server starts it with watcherEnv=<lifecycle> in its environment and
// codex's argv (path first) after its own argv[0]; stdin, stdout and stderr are codex's.
//   - fd 3, the lifeline, is the read end of a pipe whose write end only the server
//     holds. The byte 's' asks for a graceful stop (SIGTERM to the run, SIGKILL after
//     killGrace). End of file means the server closed it or died: the run ends at once.
//   - fd 4, the report, is the write end of a pipe the server reads, one line each:
//     "pid <n>" once codex runs, or "fail <why>" if it could not start; "left <n>" just
//     before the watcher exits: how many processes were still running when codex exited,
//     and were ended.
//   - It exits with codex's exit code (128+signal when a signal ended codex).
//
// The run's processes are what it ends: codex's process group; every process below the
// watcher (under pdeathsig that is every process the run orphaned, reparented to it as
// subreaper); and, where it is not the subreaper, every process whose environment
// carries the run's mark (RunMarkEnv), which is how a daemon that left both the tree and
// the group (setsid and a double fork, on macOS) is still known as the run's. It ends
// them when codex exits (nothing of a run outlives it), when asked, and when the server
// dies.
//
// One watcher per run rather than one per server, because a subreaper must be an
// ancestor of the processes it collects: one shared watcher would have to start every
// codex itself, handing stdio across processes, and to tell the runs' orphans apart. One
// per run knows that everything reparented to it is its run's, and costs a few ms and a
// few MB while a run lasts, next to codex's hundreds.
const watcherEnv = "CODEX_MCP_WATCHER"

// The watcher's file descriptors, as the server's ExtraFiles places them.
const (
	lifelineFD = 3
	reportFD   = 4
)

// init turns this process into a watcher when it was started as one, before main (or a
// test binary's TestMain) runs: every binary that can start a run links this package,
// so every one can be its own watcher, without each having to remember a hook.
func init() {
	if l, ok := os.LookupEnv(watcherEnv); ok {
		code := runWatcher(Lifecycle(l), os.Args[1:])
		// Straight out: it has nothing to flush, and the run ends when it exits (a
		// race-enabled test binary would linger a second in os.Exit).
		syscall.Exit(code)
	}
}

type watcher struct {
	self  int
	codex int
	mark  string // RunMarkEnv=<value>, "" when the run has none
	// scanMarks: look for the run's processes by their mark too (not the subreaper).
	scanMarks bool
	// ended holds the processes ended after codex exited.
	ended map[proc.Process]bool
}

func runWatcher(l Lifecycle, argv []string) int {
	// The parent-death signal codex gets under pdeathsig follows the thread that forked
	// it, not the process: keep this goroutine, which forks, on one thread for good.
	runtime.LockOSThread()
	if !isPipe(reportFD) || !isPipe(lifelineFD) || len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "codex-mcp: started as a run's watcher without its pipes or command; this is internal to codex-mcp")
		return 125
	}
	report := os.NewFile(reportFD, "report")
	life := os.NewFile(lifelineFD, "lifeline")
	// Neither pipe may reach codex: the server would wait on the report while anything
	// of the run holds it.
	syscall.CloseOnExec(reportFD)
	syscall.CloseOnExec(lifelineFD)
	w := &watcher{self: os.Getpid(), ended: map[proc.Process]bool{}}
	if v := os.Getenv(RunMarkEnv); v != "" {
		w.mark = RunMarkEnv + "=" + v
	}
	sub, err := becomeSubreaper(l)
	if err != nil {
		fmt.Fprintln(os.Stderr, "codex-mcp watcher: cannot be the child subreaper:", err)
	}
	// As the subreaper it has every process of the run below it; without, a daemon that
	// left the tree is known only by its mark, which costs reading every process's
	// environment.
	w.scanMarks = !sub
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)

	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, watcherEnv+"=") {
			env = append(env, kv)
		}
	}
	attr := &syscall.SysProcAttr{Setpgid: true}
	deathSignal(attr, l)
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: env, Files: []uintptr{0, 1, 2}, Sys: attr})
	if err != nil {
		fmt.Fprintf(report, "fail %v\n", err)
		return 127
	}
	w.codex = pid
	fmt.Fprintf(report, "pid %d\n", pid)

	// While codex lives, one goroutine reaps every child as it exits, orphans that came
	// here included, in a blocking wait rather than on SIGCHLD (a lost signal would
	// leave the run waiting), and says when codex is among them.
	exited := make(chan int, 1)
	go func() {
		for {
			var ws unix.WaitStatus
			wpid, err := unix.Wait4(-1, &ws, 0, nil)
			if err == unix.EINTR {
				continue
			}
			if err != nil || wpid == pid {
				exited <- exitStatus(ws, err)
				return
			}
		}
	}()
	lifeline := make(chan byte)
	go func() {
		b := make([]byte, 1)
		for {
			if n, err := life.Read(b); n == 1 {
				lifeline <- b[0]
			} else if err != nil {
				close(lifeline)
				return
			}
		}
	}()
	var grace <-chan time.Time
	status := -1
	for status < 0 {
		select {
		case status = <-exited:
		case <-sigs:
			// Whoever ends the watcher ends the run with it.
			w.sweep(unix.SIGKILL, false)
		case b, ok := <-lifeline:
			switch {
			case !ok:
				// The server is gone (or let go of the run): nothing may stay.
				lifeline = nil
				w.sweep(unix.SIGKILL, false)
			case b == 's' && grace == nil:
				w.signal(unix.SIGTERM)
				grace = time.After(killGrace)
			}
		case <-grace:
			w.sweep(unix.SIGKILL, false)
		}
	}
	// codex has exited: whatever of the run is left goes now.
	w.sweep(unix.SIGKILL, true)
	fmt.Fprintf(report, "left %d\n", len(w.ended))
	return status
}

// exitStatus is the watcher's exit code for codex's wait status.
func exitStatus(ws unix.WaitStatus, err error) int {
	switch {
	case err != nil:
		return 1
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return 128 + int(ws.Signal())
	}
	return 1
}

// isPipe reports whether fd is a pipe, as the server's are. (Being open is not enough:
// without them, the Go runtime may have taken those numbers for itself.)
func isPipe(fd int) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
}

// reap collects the children that exited (the run's processes it ended, orphans that
// came here), once codex's own wait is over.
func (w *watcher) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
	}
}

// targets lists the run's live processes (see the protocol above), the watcher aside.
func (w *watcher) targets() []proc.Process {
	all, err := proc.List()
	if err != nil {
		return nil
	}
	in := map[int]bool{w.self: true}
	var out []proc.Process
	add := func(p proc.Process) {
		if !in[p.PID] && !p.Exited {
			in[p.PID] = true
			out = append(out, p)
		}
	}
	for _, p := range proc.DescendantsIn(all, w.self) {
		add(p)
	}
	for _, p := range all {
		if p.PGID == w.codex {
			add(p)
		}
	}
	if w.mark != "" && w.scanMarks {
		for _, p := range all {
			if !in[p.PID] && !p.Exited && proc.HasEnv(p.PID, w.mark) {
				add(p)
			}
		}
	}
	return out
}

// signal sends sig once to every process of the run, and to the groups they lead.
// codex's group is signalled whatever the process table says (where the OS would not
// list it, that group is all there is to reach).
func (w *watcher) signal(sig unix.Signal) {
	_ = unix.Kill(-w.codex, sig)
	for _, p := range w.targets() {
		_ = unix.Kill(p.PID, sig)
		if p.PGID == p.PID {
			_ = unix.Kill(-p.PID, sig)
		}
	}
}

// sweep kills the run's processes round after round until a round finds none left (or
// sweepRounds have passed). after: codex has exited, so what it ends is what codex left
// behind, and it reaps them itself.
func (w *watcher) sweep(sig unix.Signal, after bool) {
	for range sweepRounds {
		ts := w.targets()
		_ = unix.Kill(-w.codex, sig) // (see signal)
		if len(ts) == 0 {
			break
		}
		for _, p := range ts {
			if after && p.PID != w.codex {
				w.ended[p] = true
			}
			_ = unix.Kill(p.PID, sig)
			if p.PGID == p.PID {
				_ = unix.Kill(-p.PID, sig)
			}
		}
		time.Sleep(sweepPause)
		if after {
			w.reap()
		}
	}
}
