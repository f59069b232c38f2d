package codex

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseEvent feeds arbitrary lines through the parser, the transcript, the progress
// sentences and the over-long-line mending: none may panic, and what they keep stays
// within the caps and valid UTF-8 when the input was. Seeds: testdata/fuzz/FuzzParseEvent.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"type":"item.completed","item":{"id":"i","type":"agent_message","text":"h\u00e9\"llo\\"}}`), 10)
	f.Fuzz(func(t *testing.T, line []byte, split int) {
		var tr Transcript
		if ev, ok := ParseEvent(line); ok {
			tr.Apply(ev)
			_ = Describe(ev)
			_ = relativeChanges(ev, "/p")
		}
		// The line as an over-long one cut at split: mending either fails or yields an event.
		if len(line) > 2*lineLook {
			s := lineLook + abs(split)%(len(line)-lineLook)
			if ev, ok := mendCut(line[:s-lineLook], line[s-lineLook:], 1); ok {
				tr.Apply(ev)
				_ = Describe(ev)
			}
		}
		tr.Finish()
		if len(tr.FinalMessage) > maxFinalMessage+64 || len(tr.Commands) > maxCommands || len(tr.Warnings) > maxNotes || len(tr.Errors) > maxNotes {
			t.Fatalf("unbounded transcript: message %d, %d commands, %d warnings", len(tr.FinalMessage), len(tr.Commands), len(tr.Warnings))
		}
		if utf8.Valid(line) && !utf8.ValidString(tr.FinalMessage) && !strings.Contains(string(line), `\u`) {
			t.Fatalf("final message not UTF-8: %q", tr.FinalMessage)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
