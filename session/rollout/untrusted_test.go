//go:build unix

package rollout

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An index row is another program's data: a rollout_path naming a FIFO (whose open
// would block until a writer came), an endless device, a directory, or a symlink to
// one of them must be refused quickly, leaving Get with what the index row says.
func TestGetRefusesIndexPathsThatAreNotFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "rollout-fifo.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := filepath.Join(dir, "rollout-link.jsonl")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path string }{
		{"fifo", fifo},
		{"symlink to a fifo", link},
		{"/dev/zero", "/dev/zero"},
		{"directory", dir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			f := fakeSession{ID: fakeID(1), Cwd: "/p", Started: base, Prompts: []string{"task"}}
			writeIndex(t, home, "0.169.0", []fakeSession{f}, true)
			db := openWritable(t, filepath.Join(home, "state_5.sqlite"))
			if _, err := db.Exec("UPDATE threads SET rollout_path = ?", tc.path); err != nil {
				t.Fatal(err)
			}
			db.Close()

			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			start := time.Now()
			got, ok, err := New(home, nil).Get(ctx, fakeID(1))
			if err != nil || !ok {
				t.Fatalf("Get: ok %v err %v", ok, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("Get took %v", d)
			}
			// The index row stands; nothing was read from the path.
			if got.Turns != 0 || got.Task != "task" || got.Sandbox != SandboxReadOnly || got.SandboxSource != SandboxFromIndex {
				t.Fatalf("Get: %+v", got)
			}
			// The session exists (the index says so) but has nothing readable to show.
			if tr, err := New(home, nil).Transcript(ctx, fakeID(1)); err != nil || len(tr) != 0 {
				t.Fatalf("Transcript: %v %v", tr, err)
			}
		})
	}
}

// A read of a large file stops when its context is cancelled, instead of running to
// the end of the file.
func TestCancelledReadStops(t *testing.T) {
	home := t.TempDir()
	f := fakeSession{ID: fakeID(1), Cwd: "/p", Started: base, Prompts: []string{"task"}}
	path := writeRollout(t, home, f)
	// 1 GiB of hole after the session: reads as an endless run of NUL bytes, costing no disk.
	if err := os.Truncate(path, 1<<30); err != nil {
		t.Fatal(err)
	}
	s := New(home, nil)
	s.noIndex = true
	ctx, cancel := context.WithCancel(t.Context())
	var read int64
	s.open = func(name string) (*os.File, error) {
		f, err := openRollout(name)
		if err == nil && strings.HasSuffix(name, ".jsonl") {
			// Cancel once the read is well under way.
			time.AfterFunc(20*time.Millisecond, cancel)
			st, _ := f.Stat()
			read = st.Size()
		}
		return f, err
	}
	start := time.Now()
	_, _, err := s.Get(ctx, fakeID(1))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Get: %v", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("cancelled Get of a %d-byte file took %v", read, d)
	}
}
