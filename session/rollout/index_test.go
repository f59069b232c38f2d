package rollout

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// ghost is a session the index has but the tree does not: it shows whether a listing
// came from the index.
var ghost = fakeSession{ID: fakeID(500), Cwd: "/ghost", Started: base.Add(48 * time.Hour), Prompts: []string{"only in the index"}}

// storeWithGhost writes sessions to the tree and sessions+ghost to an index.
func storeWithGhost(t *testing.T, version string, wal bool) (string, []fakeSession) {
	t.Helper()
	home := t.TempDir()
	sessions := genSessions(3, base)
	for _, f := range sessions {
		writeRollout(t, home, f)
	}
	writeIndex(t, home, version, append(slices.Clone(sessions), ghost), wal)
	return home, sessions
}

func usedIndex(t *testing.T, home string) bool {
	t.Helper()
	page, err := New(home, nil).List(t.Context(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Sessions) == 0 {
		t.Fatal("nothing listed")
	}
	return page.Sessions[0].ID == ghost.ID
}

func TestIndexRecognition(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, home string)
		want  bool
	}{
		{"0.125.0 schema", func(t *testing.T, home string) {}, true},
		{"missing required column", func(t *testing.T, home string) {
			db := openWritable(t, filepath.Join(home, "state_5.sqlite"))
			defer db.Close()
			if _, err := db.Exec("ALTER TABLE threads DROP COLUMN first_user_message"); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"no threads table", func(t *testing.T, home string) {
			db := openWritable(t, filepath.Join(home, "state_5.sqlite"))
			defer db.Close()
			if _, err := db.Exec("ALTER TABLE threads RENAME TO conversations"); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"backfill still running", func(t *testing.T, home string) {
			db := openWritable(t, filepath.Join(home, "state_5.sqlite"))
			defer db.Close()
			if _, err := db.Exec("UPDATE backfill_state SET status = 'running'"); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"not an sqlite file", func(t *testing.T, home string) {
			os.WriteFile(filepath.Join(home, "state_5.sqlite"), []byte("this is not a database, just text long enough to have a header............................................"), 0o644)
		}, false},
		{"truncated sqlite file", func(t *testing.T, home string) {
			p := filepath.Join(home, "state_5.sqlite")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:50], 0o644)
		}, false},
		{"newest state_N wins", func(t *testing.T, home string) {
			os.WriteFile(filepath.Join(home, "state_4.sqlite"), []byte("stale junk"), 0o644)
			os.WriteFile(filepath.Join(home, "state_x.sqlite"), []byte("junk"), 0o644)
		}, true},
		{"newer unrecognised state_N is not skipped over", func(t *testing.T, home string) {
			os.WriteFile(filepath.Join(home, "state_6.sqlite"), []byte("junk"), 0o644)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, _ := storeWithGhost(t, "0.125.0", false)
			tc.setup(t, home)
			if got := usedIndex(t, home); got != tc.want {
				t.Fatalf("index used = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestIndexReadOnly checks that reading the index never creates or changes files in
// CODEX_HOME, in each state codex leaves its database in.
func TestIndexReadOnly(t *testing.T) {
	for _, tc := range []struct {
		name      string
		version   string
		wal       bool
		extra     string // a side file to create before reading
		wantIndex bool
	}{
		{"rollback journal", "0.125.0", false, "", true},
		{"WAL, checkpointed and closed (0.125 after exit)", "0.125.0", true, "", true},
		{"WAL, closed", "0.169.0", true, "", true},
		{"WAL with -wal but no -shm", "0.169.0", true, "-wal", false},
		{"WAL with -shm but no -wal", "0.169.0", true, "-shm", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, _ := storeWithGhost(t, tc.version, tc.wal)
			if tc.extra != "" {
				os.WriteFile(filepath.Join(home, "state_5.sqlite"+tc.extra), nil, 0o644)
			}
			before := listFiles(t, home)
			stat := func() os.FileInfo {
				fi, err := os.Stat(filepath.Join(home, "state_5.sqlite"))
				if err != nil {
					t.Fatal(err)
				}
				return fi
			}
			fi := stat()
			if got := usedIndex(t, home); got != tc.wantIndex {
				t.Fatalf("index used = %v, want %v", got, tc.wantIndex)
			}
			if _, ok, err := New(home, nil).Get(t.Context(), ghost.ID); err != nil || ok != tc.wantIndex {
				t.Fatalf("Get ghost: ok %v err %v", ok, err)
			}
			if after := listFiles(t, home); !slices.Equal(before, after) {
				t.Fatalf("files changed:\n before %v\n after  %v", before, after)
			}
			if fi2 := stat(); fi2.Size() != fi.Size() || !fi2.ModTime().Equal(fi.ModTime()) {
				t.Fatal("database file modified")
			}
		})
	}
}

// TestIndexLiveWriter reads the index while a writer (codex) holds it open in WAL mode
// with rows not yet checkpointed into the main file.
func TestIndexLiveWriter(t *testing.T) {
	home, sessions := storeWithGhost(t, "0.169.0", true)
	db := openWritable(t, filepath.Join(home, "state_5.sqlite"))
	defer db.Close()
	for _, q := range []string{"PRAGMA journal_mode=WAL", "PRAGMA wal_autocheckpoint=0"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	late := fakeSession{ID: fakeID(600), Cwd: "/late", Started: base.Add(72 * time.Hour), Prompts: []string{"written while listing"}}
	indexRow(t, db, tableColumns(t, db), home, late)
	if _, err := os.Stat(filepath.Join(home, "state_5.sqlite-wal")); err != nil {
		t.Fatalf("writer has no WAL: %v", err)
	}
	before := listFiles(t, home)
	page, err := New(home, nil).List(t.Context(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{late.ID, ghost.ID, sessions[2].ID, sessions[1].ID, sessions[0].ID}
	if !slices.Equal(ids(page.Sessions), want) {
		t.Fatalf("got %v, want %v", ids(page.Sessions), want)
	}
	if after := listFiles(t, home); !slices.Equal(before, after) {
		t.Fatalf("files changed:\n before %v\n after  %v", before, after)
	}
	// The writer can still write and checkpoint: the reader held nothing open.
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
}

// TestIndexMovedRollout: the index can name a path that no longer exists (a rollout
// archived or moved by other means); Get finds the file in the tree.
func TestIndexMovedRollout(t *testing.T) {
	home := t.TempDir()
	f := fakeSession{ID: fakeID(1), Cwd: "/m", Started: base, Prompts: []string{"p1", "p2"}, Replies: []string{"r1", "r2"}}
	writeIndex(t, home, "0.169.0", []fakeSession{f}, true)
	f.Archived = true
	writeRollout(t, home, f)
	got, ok, err := New(home, nil).Get(t.Context(), f.ID)
	if err != nil || !ok {
		t.Fatalf("ok %v err %v", ok, err)
	}
	if got.Path != rolloutPath(home, f) || got.Turns != 2 || got.LastMessage != "r2" {
		t.Fatalf("%+v", got)
	}
}
