package rollout

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to the rollout parser in every mode and to the
// cut-tolerant scanner used for oversize lines, checking that nothing panics and that
// every bound holds. Seeds: testdata/fuzz/FuzzParse plus the real rollouts' lines.
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 30s ./session/rollout/
func FuzzParse(f *testing.F) {
	for _, v := range []string{"0.125.0", "0.169.0"} {
		data, err := os.ReadFile(filepath.Join("testdata", "rollout-"+v+".jsonl"))
		if err != nil {
			f.Fatal(err)
		}
		// The head of each real rollout: the first line and a few records after it.
		lines := bytes.SplitAfter(data, []byte("\n"))
		f.Add(bytes.Join(lines[:min(8, len(lines))], nil))
	}
	f.Add([]byte(metaLineOK + "\n" + userLine("hello") + "\n" + assistantLine("hi") + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, mode := range []parseMode{modeHead, modeFull, modeTranscript} {
			p, err := parse(t.Context(), bytes.NewReader(data), mode)
			if err != nil {
				continue
			}
			checkBounds(t, p)
		}
		// The oversize-line paths, on the input as a line's kept head.
		scanPrefix(data, func(path, val string, complete bool) {
			// An escape or a bad byte can grow as it decodes (\x80 becomes U+FFFD, 3 bytes).
			if len(val) > 3*len(data) {
				t.Fatalf("value of %d bytes from %d bytes of input", len(val), len(data))
			}
		})
		m := metaFromPrefix(data)
		_, pl := recordFromPrefix(data)
		_ = sandboxMode(pl.SandboxPolicy)
		_ = sandboxMode(m.Payload.Source)
	})
}

func checkBounds(t *testing.T, p parsed) {
	t.Helper()
	runes := func(s string) int { return utf8.RuneCountInString(s) }
	if runes(p.Task) > maxTaskRunes || runes(p.lastMessage) > maxMessageRunes {
		t.Fatalf("task %d runes, last message %d runes", runes(p.Task), runes(p.lastMessage))
	}
	for _, s := range []string{p.ID, p.ForkedFrom, p.Directory, p.CLIVersion, p.Source, p.Originator, p.Model, p.turnModel} {
		if len(s) > maxFieldBytes {
			t.Fatalf("field of %d bytes", len(s))
		}
	}
	switch p.sandbox {
	case "", SandboxReadOnly, SandboxWorkspaceWrite, SandboxDangerFullAccess:
	default:
		t.Fatalf("sandbox %q", p.sandbox)
	}
	entries := p.transcript.entries()
	if len(entries) > transcriptHeadEntries+transcriptTailEntries+1 {
		t.Fatalf("%d entries", len(entries))
	}
	for _, e := range entries {
		if runes(e.Text) > maxMessageRunes && e.Role != RoleNote {
			t.Fatalf("entry of %d runes", runes(e.Text))
		}
	}
}
