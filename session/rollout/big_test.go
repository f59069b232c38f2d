package rollout

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// writeBigRollout writes a rollout whose line number at (0 = session_meta) holds a
// string of n bytes, followed by a prompt and a reply. The bulk is a hole in a sparse
// file (NUL bytes on reading), so a 200 MB rollout costs no disk and little time; the
// reader never decodes it, which is the point.
func writeBigRollout(t testing.TB, path, id string, at, n int) {
	t.Helper()
	meta := `{"timestamp":"2026-01-02T03:04:05.000Z","type":"session_meta","payload":{"id":"` + id + `","timestamp":"2026-01-02T03:04:05.000Z","cwd":"/big","originator":"codex_exec","cli_version":"0.169.0","source":"exec","base_instructions":{"text":"`
	lines := []string{metaLineOK, userLine("first prompt"), assistantLine("first reply")}
	lines[0] = strings.Replace(metaLineOK, "11111111-2222-3333-4444-555555555555", id, 1)
	var bulkStart string
	if at == 0 {
		bulkStart = meta
	} else {
		bulkStart = `{"timestamp":"2026-01-02T03:04:06.000Z","type":"response_item","payload":{"type":"function_call_output","output":"`
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var off int64
	write := func(s string) {
		if _, err := f.WriteAt([]byte(s), off); err != nil {
			t.Fatal(err)
		}
		off += int64(len(s))
	}
	if at > 0 {
		write(lines[0] + "\n")
	}
	write(bulkStart)
	off += int64(n) // the hole
	if at == 0 {
		write(`"}}}` + "\n")
	} else {
		write(`"}}` + "\n")
	}
	write(lines[1] + "\n" + lines[2] + "\n")
}

// allocated runs fn and returns the bytes it allocated (an upper bound of its peak heap
// growth) and the peak of live heap objects sampled meanwhile.
func allocated(t testing.TB, fn func()) (total, peak uint64) {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var max atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > max.Load() {
				max.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, max.Load() - min(max.Load(), before.HeapAlloc)
}

// Eight sessions whose session_meta lines are 60 MB each (a huge AGENTS.md pasted into
// the instructions) are listed from the heads of their first lines, without holding
// any of them. Before bounded reads this listing peaked at ~710 MB of heap.
func TestListHugeFirstLines(t *testing.T) {
	home := t.TempDir()
	for i := range 8 {
		path := filepath.Join(home, "sessions", "2026", "01", "02", fmt.Sprintf("rollout-2026-01-02T03-04-%02d-%s.jsonl", i, fakeID(i+1)))
		writeBigRollout(t, path, fakeID(i+1), 0, 60<<20)
	}
	s := New(home, nil)
	var page Page
	var err error
	total, peak := allocated(t, func() { page, err = s.List(t.Context(), Filter{}) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("listing 8 rollouts with 60 MB first lines: allocated %.1f MB, peak live heap growth %.1f MB", float64(total)/1e6, float64(peak)/1e6)
	if len(page.Sessions) != 8 {
		t.Fatalf("listed %d sessions", len(page.Sessions))
	}
	for _, sess := range page.Sessions {
		if sess.Directory != "/big" || sess.CLIVersion != "0.169.0" || sess.Source != "exec" || sess.StartedAt.IsZero() || sess.Task != "first prompt" {
			t.Errorf("head of a huge first line: %+v", sess)
		}
	}
	if total > 64<<20 || peak > 32<<20 {
		t.Fatalf("listing allocated %d bytes, peak growth %d", total, peak)
	}
}

// A 200 MB rollout (one huge tool output) and a 20 MB prompt are read without holding
// either: the turn still counts, and the texts are clipped.
func TestGetHugeLines(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "sessions", "2026", "01", "02")
	big := filepath.Join(dir, "rollout-2026-01-02T03-04-05-"+fakeID(1)+".jsonl")
	writeBigRollout(t, big, fakeID(1), 1, 200<<20)

	prompt := filepath.Join(dir, "rollout-2026-01-02T03-04-06-"+fakeID(2)+".jsonl")
	huge := strings.Repeat("long prompt ", (20<<20)/12)
	meta := strings.Replace(metaLineOK, "11111111-2222-3333-4444-555555555555", fakeID(2), 1)
	if err := os.WriteFile(prompt, []byte(meta+"\n"+userLine(huge)+"\n"+assistantLine("short reply")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	huge = ""
	s := New(home, nil)
	for _, tc := range []struct {
		id, task, last string
	}{
		{fakeID(1), "first prompt", "first reply"},
		{fakeID(2), "long prompt", "short reply"},
	} {
		var got Session
		var ok bool
		var err error
		total, _ := allocated(t, func() { got, ok, err = s.Get(t.Context(), tc.id) })
		if err != nil || !ok {
			t.Fatalf("Get: %v %v", ok, err)
		}
		t.Logf("Get %s: allocated %.1f MB", tc.id, float64(total)/1e6)
		if got.Turns != 1 || !strings.HasPrefix(got.Task, tc.task) || len([]rune(got.Task)) > maxTaskRunes || got.LastMessage != tc.last {
			t.Errorf("Get %s: turns %d task %.40q (%d runes) last %q", tc.id, got.Turns, got.Task, len([]rune(got.Task)), got.LastMessage)
		}
		if total > 16<<20 {
			t.Errorf("Get %s allocated %d bytes", tc.id, total)
		}
		tr, err := s.Transcript(t.Context(), tc.id)
		if err != nil || len(tr) != 2 || len([]rune(tr[0].Text)) > maxMessageRunes {
			t.Errorf("Transcript %s: %d entries, err %v", tc.id, len(tr), err)
		}
	}
}

// A long session's transcript keeps its start and end within the bounds and says, in
// one note, how much of the middle it cut.
func TestTranscriptCap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		turns int
		text  int // bytes of each message
		cut   bool
	}{
		{"short session is whole", 50, 100, false},
		{"many small entries", 5000, 100, true},
		{"few large entries", 60, 30000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString(metaLineOK + "\n")
			var lineBytes []int
			for i := range tc.turns {
				for _, l := range []string{userLine(fmt.Sprintf("prompt %d %s", i, strings.Repeat("p", tc.text))), assistantLine(fmt.Sprintf("reply %d %s", i, strings.Repeat("r", tc.text)))} {
					b.WriteString(l + "\n")
					lineBytes = append(lineBytes, len(l)+1)
				}
			}
			p, err := parseString(t, b.String(), modeTranscript)
			if err != nil {
				t.Fatal(err)
			}
			tr := p.transcript.entries()
			size, notes, noteAt := 0, 0, -1
			for i, e := range tr {
				size += len(e.Text)
				if e.Role == RoleNote {
					notes++
					noteAt = i
				}
			}
			if !strings.HasPrefix(tr[0].Text, "prompt 0 ") || !strings.HasPrefix(tr[len(tr)-1].Text, fmt.Sprintf("reply %d ", tc.turns-1)) {
				t.Fatalf("first %.20q last %.20q", tr[0].Text, tr[len(tr)-1].Text)
			}
			if !tc.cut {
				if notes != 0 || len(tr) != 2*tc.turns {
					t.Fatalf("%d entries, %d notes", len(tr), notes)
				}
				return
			}
			if notes != 1 || len(tr) > transcriptHeadEntries+transcriptTailEntries+1 || size > transcriptHeadBytes+transcriptTailBytes+200 {
				t.Fatalf("%d entries, %d bytes, %d notes", len(tr), size, notes)
			}
			// The note counts exactly the entries missing, and the bytes their lines took.
			cut := 2*tc.turns - (len(tr) - 1)
			cutBytes := 0
			for _, n := range lineBytes[noteAt : noteAt+cut] {
				cutBytes += n
			}
			want := fmt.Sprintf("… %s entries (%s) cut …", groupDigits(int64(cut)), humanBytes(int64(cutBytes)))
			if tr[noteAt].Text != want {
				t.Fatalf("note %q, want %q", tr[noteAt].Text, want)
			}
		})
	}
}

func TestGroupDigitsAndHumanBytes(t *testing.T) {
	for _, tc := range []struct {
		n           int64
		digits, hum string
	}{
		{0, "0", "0 B"}, {999, "999", "999 B"}, {1000, "1,000", "1 KB"}, {12345, "12,345", "12 KB"},
		{160_000_000, "160,000,000", "160 MB"}, {1_234_567_890, "1,234,567,890", "1.2 GB"}, {-1234, "-1,234", "-1234 B"},
	} {
		if got := groupDigits(tc.n); got != tc.digits {
			t.Errorf("groupDigits(%d) = %q, want %q", tc.n, got, tc.digits)
		}
		if got := humanBytes(tc.n); got != tc.hum {
			t.Errorf("humanBytes(%d) = %q, want %q", tc.n, got, tc.hum)
		}
	}
}
