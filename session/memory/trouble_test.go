//go:build unix

package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// probeResult is what the "probe" helper saw of a database: how Open and a write failed,
// and what Diagnose said.
type probeResult struct {
	Open, Insert string // trouble names, see troubleName
	Findings     []Finding
}

// troubleName names err by the sentinel it matches, for comparing across processes.
func troubleName(err error) string {
	for _, c := range []struct {
		name string
		err  error
	}{{"locked", ErrLocked}, {"readonly", ErrReadOnly}, {"corrupt", ErrCorrupt}} {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// probeHelper opens the database, records a run and diagnoses it, and prints what
// happened as JSON: run as another user, it sees permissions as a non-root server would.
func probeHelper(ctx context.Context, path string) error {
	var res probeResult
	s, err := Open(ctx, path, nil)
	res.Open = troubleName(err)
	if err == nil {
		res.Insert = troubleName(s.InsertRun(ctx, Run{RunID: "probe", SessionID: "s-probe", Owner: Self()}))
		s.Close()
	}
	res.Findings = Diagnose(ctx, path)
	return json.NewEncoder(os.Stdout).Encode(res)
}

// Limits of the tests below, and why.
const (
	// lockedWriteMax is how long a write behind a held lock may take to fail: writeWait
	// plus slack for a loaded, race-instrumented machine.
	lockedWriteMax = writeWait + 2*time.Second
	// diagnoseMax bounds Diagnose on a locked database for the same reason.
	diagnoseMax = writeWait + 2*time.Second
	// nobody is the user the unwritable cases run as when the tests run as root, who
	// could write whatever the permission bits say.
	nobody = 65534
)

// runProbe runs the probe helper on path, as nobody when this process is root, from a
// copy of the test binary that nobody can execute.
func runProbe(t *testing.T, path string) probeResult {
	t.Helper()
	bin := os.Args[0]
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		bin = filepath.Join(t.TempDir(), "memory.test")
		copyFile(t, os.Args[0], bin, 0o755)
		openUp(t, bin)
		cred = &syscall.Credential{Uid: nobody, Gid: nobody}
	}
	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=probe", helperDB+"="+path, "HOME="+os.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, stderr.String())
	}
	var res probeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("probe output %q: %v", out, err)
	}
	return res
}

// openUp lets every user reach p through its directories: t.TempDir() makes them 0700.
func openUp(t *testing.T, p string) {
	t.Helper()
	for d := filepath.Dir(p); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		must(t, os.Chmod(d, fi.Mode().Perm()|0o055))
	}
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	must(t, dst.Close())
}

// newDB creates a database with one run at dir/memory.db and closes it.
func newDB(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "memory.db")
	s, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.InsertRun(t.Context(), Run{RunID: "r1", SessionID: "s1", Task: "t"}))
	must(t, s.Close())
	return path
}

// newOpenDB is newDB in a fresh directory, opened; it is closed at the end of the test.
func newOpenDB(t *testing.T) (string, *Store) {
	t.Helper()
	path := newDB(t, t.TempDir())
	s, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return path, s
}

// hasFinding reports whether one of fs mentions every one of words.
func hasFinding(fs []Finding, words ...string) bool {
	for _, f := range fs {
		text := f.Problem + " / " + f.Fix
		ok := f.Problem != "" && f.Fix != ""
		for _, w := range words {
			ok = ok && strings.Contains(text, w)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestUnwritable(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	tests := []struct {
		name string
		// setup returns the database path the probe opens, after making it unwritable.
		setup        func(t *testing.T, dir string) string
		open, insert string   // the troubles Open and InsertRun report ("" for none)
		finding      []string // words one finding must contain
	}{
		{"directory read-only", func(t *testing.T, dir string) string {
			path := newDB(t, dir)
			must(t, os.Chmod(path, 0o666))
			must(t, os.Chmod(dir, 0o555))
			return path
		}, "readonly", "", []string{"state directory", "not writable", "chmod"}},
		{"file read-only", func(t *testing.T, dir string) string {
			path := newDB(t, dir)
			must(t, os.Chmod(path, 0o444))
			must(t, os.Chmod(dir, 0o777))
			return path
		}, "", "readonly", []string{"memory.db is not writable", "chmod"}},
		{"directory missing, parent read-only", func(t *testing.T, dir string) string {
			must(t, os.Chmod(dir, 0o555))
			return filepath.Join(dir, "state", "memory.db")
		}, "readonly", "", []string{"does not exist and cannot be created", "mkdir -p"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state-parent")
			must(t, os.Mkdir(dir, 0o755))
			openUp(t, filepath.Join(dir, "x"))
			path := tt.setup(t, dir)
			t.Cleanup(func() { os.Chmod(dir, 0o755) }) // so that TempDir can remove it
			res := runProbe(t, path)
			t.Logf("Open %q, InsertRun %q, findings %+v", res.Open, res.Insert, res.Findings)
			if res.Open != tt.open || (tt.open == "" && res.Insert != tt.insert) {
				t.Errorf("Open: %q, InsertRun: %q; want %q, %q", res.Open, res.Insert, tt.open, tt.insert)
			}
			if !hasFinding(res.Findings, tt.finding...) {
				t.Errorf("no finding with %q in %+v", tt.finding, res.Findings)
			}
		})
	}
}

func TestCorruptAndNewer(t *testing.T) {
	garbage := func(t *testing.T, path string) {
		b := make([]byte, 8192)
		for i := range b {
			b[i] = byte(i*7 + 3)
		}
		must(t, os.WriteFile(path, b, 0o600))
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) string
		open    string   // what Open reports
		write   string   // what InsertRun then reports
		finding []string // words one finding must contain; none: healthy
	}{
		{"healthy", newDB, "", "", nil},
		{"not created yet", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "new", "memory.db")
		}, "", "", nil},
		{"empty file", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "memory.db")
			must(t, os.WriteFile(path, nil, 0o600))
			return path
		}, "", "", nil},
		{"garbage bytes", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "memory.db")
			garbage(t, path)
			return path
		}, "corrupt", "", []string{"not a SQLite database", "memory.db.bad", "created on the next start"}},
		{"damaged pages", func(t *testing.T, dir string) string {
			path := newDB(t, dir)
			// Keep page 1 (the header and schema) and overwrite the tables' pages.
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteAt(make([]byte, 4096*3), 4096)
			must(t, err)
			b := make([]byte, 4096)
			for i := range b {
				b[i] = 0xA5
			}
			_, err = f.WriteAt(b, 4096)
			must(t, err)
			must(t, f.Close())
			return path
		}, "", "corrupt", []string{"is corrupt", "mv "}},
		{"newer schema", func(t *testing.T, dir string) string {
			path := newDB(t, dir)
			s, err := Open(t.Context(), path, nil)
			must(t, err)
			_, err = s.db.ExecContext(t.Context(), fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1))
			must(t, err)
			must(t, s.Close())
			return path
		}, "", "", []string{"newer than this codex-mcp knows", "update"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.setup(t, t.TempDir())
			before, _ := os.ReadFile(path)
			findings := Diagnose(t.Context(), path)
			t.Logf("findings %+v", findings)
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Error("Diagnose changed the database file")
			}
			if tt.finding == nil && len(findings) > 0 {
				t.Errorf("findings on a healthy database: %+v", findings)
			}
			if tt.finding != nil && !hasFinding(findings, tt.finding...) {
				t.Errorf("no finding with %q in %+v", tt.finding, findings)
			}
			s, err := Open(t.Context(), path, nil)
			if got := troubleName(err); got != tt.open {
				t.Errorf("Open: %q (%v), want %q", got, err, tt.open)
			}
			if err == nil {
				err := s.InsertRun(t.Context(), Run{RunID: "new", SessionID: "s1", Task: "t"})
				if got := troubleName(err); got != tt.write {
					t.Errorf("InsertRun: %q, want %q", got, tt.write)
				}
				s.Close()
			}
		})
	}
}

func TestLockedByAnotherProcess(t *testing.T) {
	ctx := t.Context()
	s, locker, owner := withHelper(t, "lock", "")
	path := s.Path()

	// Writes fail quickly and say why; reads go on (WAL).
	rec := Run{RunID: "late", SessionID: "s-late", Task: "recorded later", Owner: Self(), StartedAt: at(0)}
	for _, w := range []struct {
		name string
		fn   func() error
	}{
		{"InsertRun", func() error { return s.InsertRun(ctx, rec) }},
		{"AcquireLease", func() error { _, _, err := s.AcquireLease(ctx, "s-late", "late", Self()); return err }},
	} {
		start := time.Now()
		err := w.fn()
		t.Logf("%s: %v after %v", w.name, err, time.Since(start))
		if d := time.Since(start); !errors.Is(err, ErrLocked) || d > lockedWriteMax {
			t.Errorf("%s behind a held lock: %v after %v; want ErrLocked within %v", w.name, err, d, lockedWriteMax)
		}
	}
	if _, err := s.Recent(ctx, 10); err != nil {
		t.Errorf("read while locked: %v", err)
	}

	start := time.Now()
	findings := Diagnose(ctx, path)
	t.Logf("Diagnose took %v: %+v", time.Since(start), findings)
	if d := time.Since(start); d > diagnoseMax {
		t.Errorf("Diagnose took %v", d)
	}
	if !hasFinding(findings, "write lock", fmt.Sprintf("(pid %d)", owner.PID), fmt.Sprintf("kill %d", owner.PID)) {
		t.Errorf("no finding naming the holder pid %d: %+v", owner.PID, findings)
	}

	// Once it is gone, the retried write lands, once, and the outcome after it.
	kill(t, locker, owner)
	must(t, s.InsertRun(ctx, rec))
	must(t, s.FinishRun(ctx, Run{RunID: "late", Status: StatusCompleted, FinalMessage: "ok"}))
	if ss, runs, ok, err := s.Session(ctx, "s-late"); err != nil || !ok || len(runs) != 1 || ss.Status != StatusCompleted {
		t.Errorf("after the lock: %+v %d runs %v %v", ss, len(runs), ok, err)
	}
	if f := Diagnose(ctx, path); len(f) != 0 {
		t.Errorf("findings after the lock cleared: %+v", f)
	}
}
