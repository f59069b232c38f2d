package testenv

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// WaitForProcess returns the pid of the first process whose /proc cmdline is exactly
// cmdline (arguments joined and ended by NUL), waiting up to a minute. Commands codex
// runs live in the sandbox's pid namespace, so tests find them by a marker in their argv
// rather than by a pid they report.
func WaitForProcess(t testing.TB, cmdline string) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if pids := withCmdline(cmdline); len(pids) > 0 {
			return pids[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no process %q appeared", strings.ReplaceAll(cmdline, "\x00", " "))
	return 0
}

// FindProcess returns the pid of a live process whose cmdline is exactly cmdline, or 0.
func FindProcess(cmdline string) int {
	for _, pid := range withCmdline(cmdline) {
		if Alive(pid) {
			return pid
		}
	}
	return 0
}

// withCmdline lists the processes whose /proc cmdline is exactly cmdline.
func withCmdline(cmdline string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if data, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && string(data) == cmdline {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Alive reports whether pid exists and is not a zombie.
func Alive(pid int) bool {
	if !exists(pid) {
		return false
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return runtime.GOOS != "linux" // no /proc to tell a zombie by
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || !strings.HasPrefix(strings.TrimSpace(s[i+1:]), "Z")
}

// GoneWithin waits up to d for pid to be gone and reports whether it is.
func GoneWithin(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for Alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	return !Alive(pid)
}

// Marker is a number unlikely to appear in any other process's argv, for
// WaitForProcess (e.g. "sleep <marker>").
func Marker() string {
	return strconv.Itoa(300000 + int(time.Now().UnixNano()%600000))
}
