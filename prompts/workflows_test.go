package prompts

import (
	"reflect"
	"strings"
	"testing"
)

func TestWorkflowsShape(t *testing.T) {
	names := map[string]bool{}
	for _, w := range Workflows() {
		if names[w.Name] {
			t.Errorf("%s twice", w.Name)
		}
		names[w.Name] = true
		if w.Title == "" || w.Description == "" || len(w.Args) == 0 {
			t.Errorf("%s: %+v", w.Name, w)
		}
		if a := w.Args[0]; a.Name != RequestArg || !a.Required {
			t.Errorf("%s: the first argument must be the required request: %+v", w.Name, a)
		}
		for _, a := range w.Args[1:] {
			if a.Required {
				t.Errorf("%s: only request may be required (Claude Code refuses the command without it): %s", w.Name, a.Name)
			}
		}
	}
	for _, n := range []string{"feature_cycle", "bugfix_cycle", "refactor_cycle", "multi_phase", "delegate_to_codex"} {
		if !names[n] {
			t.Errorf("no %s", n)
		}
	}
}

func TestRead(t *testing.T) {
	feature, _ := LookupWorkflow("feature_cycle")
	delegate, _ := LookupWorkflow("delegate_to_codex")
	cases := []struct {
		name  string
		w     Workflow
		args  map[string]string
		split bool
		want  Reading
	}{
		{"form", feature, map[string]string{"request": " Add rate limiting ", "directory": "/w", "context": ""},
			false, Reading{Request: "Add rate limiting", Fields: map[string]string{"directory": "/w"}}},
		{"claude code: the arguments are not read", feature, map[string]string{"request": "Add", "directory": "rate", "context": "limiting"},
			true, Reading{ClientSplit: true}},
		{"split elsewhere, every argument a word", feature, map[string]string{"request": "Add", "directory": "rate", "context": "limiting"},
			false, Reading{Request: "Add rate limiting", Rejoined: true, Cut: true}},
		{"split elsewhere, fewer words than arguments", delegate, map[string]string{"request": "Add", "purpose": "rate", "mode": "limiting"},
			false, Reading{Request: "Add rate limiting", Rejoined: true}},
		{"two one-word fields are a form", feature, map[string]string{"request": "Refactor", "directory": "auth"},
			false, Reading{Request: "Refactor", Fields: map[string]string{"directory": "auth"}}},
		{"a path in directory is a form", feature, map[string]string{"request": "Refactor", "directory": "src/auth", "context": "tokens"},
			false, Reading{Request: "Refactor", Fields: map[string]string{"directory": "src/auth", "context": "tokens"}}},
		{"a pattern in context is a form", feature, map[string]string{"request": "Refactor", "directory": "auth", "context": "@{auth/*.go}"},
			false, Reading{Request: "Refactor", Fields: map[string]string{"directory": "auth", "context": "@{auth/*.go}"}}},
		{"a mode name in mode is a form", delegate, map[string]string{"request": "Refactor", "purpose": "cleanup", "mode": "write"},
			false, Reading{Request: "Refactor", Fields: map[string]string{"purpose": "cleanup", "mode": "write"}}},
		{"a gap is a form", delegate, map[string]string{"request": "Add", "purpose": "rate", "context": "x", "expected": "y"},
			false, Reading{Request: "Add", Fields: map[string]string{"purpose": "rate", "context": "x", "expected": "y"}}},
		{"legacy task argument", delegate, map[string]string{"task": "Add profile validation", "mode": "write"},
			false, Reading{Request: "Add profile validation", Fields: map[string]string{"mode": "write"}}},
	}
	for _, c := range cases {
		if got := c.w.Read(c.args, c.split); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestMissing(t *testing.T) {
	w, _ := LookupWorkflow("bugfix_cycle")
	for _, args := range []map[string]string{nil, {}, {"request": " \n"}, {"directory": "/w"}} {
		if got := w.Missing(args); !reflect.DeepEqual(got, []string{"request"}) {
			t.Errorf("%v: missing %v", args, got)
		}
		if _, err := w.Render(args, false); err == nil {
			t.Errorf("%v: rendered without request", args)
		}
	}
	if got := w.Missing(map[string]string{"request": "x"}); got != nil {
		t.Errorf("missing %v", got)
	}
	if got := w.Missing(map[string]string{"task": "x"}); got != nil {
		t.Errorf("legacy task: missing %v", got)
	}
}

// TestRenderEveryWorkflow: each text names the tools it tells the assistant to call,
// carries a form's request and fields as given (template syntax in them stays text), and
// from Claude Code carries none of the split words.
func TestRenderEveryWorkflow(t *testing.T) {
	req := "Fix {{.Request}} <b> & \"quotes\"\nsecond line"
	for _, w := range Workflows() {
		form, err := w.Render(map[string]string{"request": req, "directory": "/srv/app", "context": "@{src/**/*.go}"}, false)
		if err != nil {
			t.Fatalf("%s: %v", w.Name, err)
		}
		if w.Name == "delegate_to_codex" {
			if !strings.Contains(form, `"task":"Fix {{.Request}} <b> & \"quotes\"\nsecond line"`) {
				t.Errorf("%s: the call does not carry the request:\n%s", w.Name, form)
			}
		}
		for _, want := range []string{req, "/srv/app", "@{src/**/*.go}", "decide_resume", "suggested_call", "start_session", "resume_session", "get_session"} {
			if !strings.Contains(form, want) {
				t.Errorf("%s (form) lacks %q:\n%s", w.Name, want, form)
			}
		}
		split, err := w.Render(map[string]string{"request": "Zq1", "directory": "Zq2", "context": "Zq3", "purpose": "Zq4"}, true)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(split, "Zq") || !strings.Contains(split, "<command-args>") {
			t.Errorf("%s (Claude Code) shows a split word or does not point at <command-args>:\n%s", w.Name, split)
		}
		for _, text := range []string{form, split} {
			if strings.Contains(text, "\n\n\n") || strings.Contains(text, " \n") || !strings.HasSuffix(text, "\n") {
				t.Errorf("%s: untidy text:\n%q", w.Name, text)
			}
		}
	}
}
