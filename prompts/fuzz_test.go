package prompts

import (
	"strings"
	"testing"
)

// renderOverhead is what Render adds to the fields: each label, ": " and a newline.
var renderOverhead = len("PURPOSE: \nTASK: \nMODE: \nCONTEXT: \nEXPECTED: \nRULES: \n")

// FuzzRender: no panic; the task appears in the prompt on its TASK line; the prompt is
// no longer than the fields plus the labels, so a bound on the input bounds the prompt.
func FuzzRender(f *testing.F) {
	f.Add("Implement user authentication", "Create JWT-based authentication system", "auto",
		"@{src/auth/**/*} Database schema from session memory", "Complete auth module with middleware", "Follow security best practices")
	f.Add("", "only a task", "", "", "", "")
	f.Add(" ", "  spaced\ttask \n", "write", "\n", "", "multi\nline\nRULES: not a label")
	f.Add("p", "", "m", "c", "e", "r")
	f.Fuzz(func(t *testing.T, purpose, task, mode, context, expected, rules string) {
		in := Fields{Purpose: purpose, Task: task, Mode: mode, Context: context, Expected: expected, Rules: rules}
		out := Render(in)
		if tt := strings.TrimSpace(task); tt != "" && !strings.Contains(out, "TASK: "+tt+"\n") {
			t.Fatalf("task %q not on a TASK line of\n%s", tt, out)
		}
		if n := len(purpose) + len(task) + len(mode) + len(context) + len(expected) + len(rules) + renderOverhead; len(out) > n {
			t.Fatalf("prompt of %d bytes from %d bytes of fields", len(out), n-renderOverhead)
		}
		if out != "" && !strings.HasSuffix(out, "\n") {
			t.Fatalf("prompt does not end its last line: %q", out)
		}
	})
}
