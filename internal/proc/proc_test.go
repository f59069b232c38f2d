package proc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary a helper process: "wait" blocks until stdin closes;
// "parent" also starts a "wait" child of its own and prints its pid.
const helperEnv = "PROC_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "wait":
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	case "parent":
		child, _ := helper("wait", os.Stdin)
		if err := child.Start(); err != nil {
			os.Exit(1)
		}
		fmt.Println(child.Process.Pid)
		_ = child.Wait()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helper is the test binary in a helper mode, marked in its environment.
func helper(mode string, stdin io.Reader) (*exec.Cmd, string) {
	mark := "PROC_TEST_MARK=" + strconv.Itoa(os.Getpid()) + "-" + mode
	cmd := exec.Command(os.Args[0], "-test.run=^$", "helper-"+mode)
	// (GORACE: a race-enabled helper would linger a second on exit.)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, mark, "GORACE=atexit_sleep_ms=0")
	cmd.Stdin = stdin
	return cmd, mark
}

// started starts a helper that waits until the test ends (or release is called).
func started(t *testing.T, mode string) (cmd *exec.Cmd, mark string, out *bufio.Reader, release func()) {
	t.Helper()
	in, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd, mark = helper(mode, in)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = in.Close()
	release = func() { _ = w.Close() }
	t.Cleanup(func() { release(); _ = cmd.Wait() })
	return cmd, mark, bufio.NewReader(stdout), release
}

func TestOwnChild(t *testing.T) {
	cmd, mark, _, release := started(t, "wait")
	pid := cmd.Process.Pid
	p, err := Get(pid)
	if err != nil {
		t.Fatal(err)
	}
	self, err := Get(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"pid", p.PID == pid},
		{"name", p.Name != "" && strings.HasPrefix(filepath.Base(os.Args[0]), strings.TrimSuffix(p.Name, ".exe"))},
		{"parent is this test", p.PPID == os.Getpid()},
		{"started, not before this test", p.Start != 0 && p.Start >= self.Start},
		{"running", !p.Exited && Alive(pid) && Same(p)},
		{"a new start time is another process", !Same(Process{PID: pid, Start: p.Start + 1})},
		{"in the table", slices.ContainsFunc(must(List()), func(q Process) bool { return q.PID == pid })},
	}
	if pgid := self.PGID; pgid != 0 { // process groups, where the OS has them
		checks = append(checks, struct {
			what string
			ok   bool
		}{"in this test's group", p.PGID == pgid})
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v (this test %+v)", c.what, p, self)
		}
	}
	if argv, err := Cmdline(pid); err != nil || len(argv) != 3 || argv[2] != "helper-wait" {
		t.Errorf("cmdline %q %v", argv, err)
	}
	if env, err := Environ(pid); errors.Is(err, errors.ErrUnsupported) {
		t.Logf("environ: %v", err)
	} else if err != nil || !slices.Contains(env, mark) || !HasEnv(pid, mark) || HasEnv(pid, mark+"x") {
		t.Errorf("environ lacks %s: %v", mark, err)
	}

	release()
	_ = cmd.Wait()
	if _, err := Get(pid); !errors.Is(err, ErrNotFound) {
		t.Errorf("reaped child: %v", err)
	}
	if Alive(pid) || Same(p) {
		t.Error("reaped child still alive")
	}
}

func TestDescendantsOfThisTest(t *testing.T) {
	cmd, _, out, _ := started(t, "parent")
	line, err := out.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	grandchild, _ := strconv.Atoi(strings.TrimSpace(line))
	ds, err := Descendants(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, d := range ds {
		pids = append(pids, d.PID)
	}
	if !slices.Contains(pids, cmd.Process.Pid) || !slices.Contains(pids, grandchild) {
		t.Fatalf("descendants %v lack child %d or grandchild %d", pids, cmd.Process.Pid, grandchild)
	}
	if ds, _ := Descendants(grandchild); len(ds) != 0 {
		t.Fatalf("the grandchild has descendants %v", ds)
	}
}

func TestExitedBeforeReaped(t *testing.T) {
	cmd, _, _, release := started(t, "wait")
	release()
	// Not reaped: the child stays a zombie until Wait.
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := Get(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if p.Exited {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("exited child never seen as exited")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if Alive(cmd.Process.Pid) {
		t.Fatal("a zombie is not alive")
	}
}

func TestDescendantsIn(t *testing.T) {
	table := []Process{
		{PID: 1, PPID: 0, Start: 1},
		{PID: 10, PPID: 1, Start: 10},
		{PID: 11, PPID: 10, Start: 11},
		{PID: 12, PPID: 11, Start: 12},
		{PID: 13, PPID: 10, Start: 13},
		{PID: 20, PPID: 1, Start: 20},
		{PID: 21, PPID: 20, Start: 5},  // started before its "parent": a reused parent pid
		{PID: 30, PPID: 30, Start: 30}, // its own parent (Windows' idle process)
		{PID: 40, PPID: 10},            // start unknown: the link is taken
	}
	cases := []struct {
		root int
		want []int
	}{
		{10, []int{11, 13, 40, 12}},
		{11, []int{12}},
		{20, nil},
		{30, nil},
		{12, nil},
		{99, nil},
		{1, []int{10, 20, 11, 13, 40, 12}},
	}
	for _, c := range cases {
		var got []int
		for _, p := range DescendantsIn(table, c.root) {
			got = append(got, p.PID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("below %d: %v, want %v", c.root, got, c.want)
		}
	}
}

func TestParseProcargs(t *testing.T) {
	argc := func(n byte) string { return string([]byte{n, 0, 0, 0}) }
	cases := []struct {
		name      string
		in        string
		argv, env []string
		ok        bool
	}{
		{"argv and env", argc(2) + "/bin/sleep\x00\x00\x00\x00sleep\x0030\x00A=1\x00B=2\x00", []string{"sleep", "30"}, []string{"A=1", "B=2"}, true},
		{"env ends at an empty string", argc(1) + "/x\x00x\x00A=1\x00\x00junk\x00", []string{"x"}, []string{"A=1"}, true},
		{"no environment", argc(1) + "/x\x00x\x00", []string{"x"}, nil, true},
		{"no trailing NUL", argc(1) + "/x\x00x\x00A=1", []string{"x"}, []string{"A=1"}, true},
		{"fewer arguments than argc", argc(3) + "/x\x00x\x00", nil, nil, false},
		{"no path", argc(0) + "/x", nil, nil, false},
		{"too short", "\x01\x00", nil, nil, false},
	}
	for _, c := range cases {
		argv, env, ok := parseProcargs([]byte(c.in))
		if ok != c.ok || !slices.Equal(argv, c.argv) || !slices.Equal(env, c.env) {
			t.Errorf("%s: %q %q %v, want %q %q %v", c.name, argv, env, ok, c.argv, c.env, c.ok)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
