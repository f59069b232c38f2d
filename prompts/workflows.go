package prompts

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
)

// A Workflow is one of the seed's workflows, published as an MCP prompt (a slash command
// in Claude Code, an entry of the prompt picker in VS Code, Claude Desktop and Cursor):
// the text tells the assistant which codex-mcp tool to call at each step and when the
// seed resumes a session or starts a fresh one.
type Workflow struct {
	Name        string // the prompt's name: part of the contract, never renamed
	Title       string
	Description string
	Args        []Arg // in the order clients show (and Claude Code fills) them; the first is "request"
}

// Arg is one argument of a workflow prompt.
type Arg struct {
	Name        string
	Description string
	Required    bool
}

// RequestArg is every workflow's first argument: what the user asked for, in their words.
const RequestArg = "request"

var requestArg = Arg{RequestArg, "What you want done, in your own words (in Claude Code: everything you type after the command).", true}

var directoryArg = Arg{"directory", "Where Codex works: the project or the module's folder (absolute, or relative to the server's default directory). Default: the server's.", false}

var contextArg = Arg{"context", "Files the work is about, as @{glob,glob} patterns (e.g. @{src/auth/**/*}), and anything else Codex should draw on.", false}

// cycleArgs are the arguments of the workflows that take a request and run steps.
var cycleArgs = []Arg{requestArg, directoryArg, contextArg}

var workflows = []Workflow{
	{
		Name:        "feature_cycle",
		Title:       "Feature cycle with Codex",
		Description: "The seed's feature development cycle: implement → enhance → test → document, in one Codex session (decide_resume, then resume_session for each later step).",
		Args:        cycleArgs,
	},
	{
		Name:        "bugfix_cycle",
		Title:       "Bug-fix cycle with Codex",
		Description: "The seed's bug-fix cycle: identify → fix → test → verify, in one Codex session (decide_resume, then resume_session for each later step).",
		Args:        cycleArgs,
	},
	{
		Name:        "refactor_cycle",
		Title:       "Refactoring cycle with Codex",
		Description: "The seed's refactoring cycle: analyze → plan → refactor → test, in one Codex session (decide_resume, then resume_session for each later step).",
		Args:        cycleArgs,
	},
	{
		Name:        "multi_phase",
		Title:       "Multi-phase development with Codex",
		Description: "The seed's multi-phase development: core implementation → enhancement → testing → documentation (or the phases you list), each phase a well-formed Codex task; one session, a new one only for a phase in another module.",
		Args:        cycleArgs,
	},
	{
		Name:        "delegate_to_codex",
		Title:       "Delegate to Codex",
		Description: "Delegate one well-formed task (PURPOSE/TASK/MODE/CONTEXT/EXPECTED/RULES) to the Codex CLI the way the workflow does it: decide whether it continues an earlier Codex session, run it there or in a new one, and report what Codex changed.",
		Args: []Arg{
			{RequestArg, "What Codex should do (the TASK), in your own words; PURPOSE:/TASK:/MODE:/... lines welcome. In Claude Code: everything you type after the command.", true},
			{"purpose", "Why (PURPOSE).", false},
			{"mode", "analysis (read-only), write or auto (MODE).", false},
			contextArg,
			{"expected", "What the result should be (EXPECTED).", false},
			{"rules_template", "A rules template (RULES): feature, bugfix, refactor, test, docs, analysis, security, or one of your own.", false},
			directoryArg,
		},
	},
}

// Workflows lists the workflow prompts, in the order they are published.
func Workflows() []Workflow { return append([]Workflow(nil), workflows...) }

// LookupWorkflow returns the named workflow.
func LookupWorkflow(name string) (Workflow, bool) {
	for _, w := range workflows {
		if w.Name == name {
			return w, true
		}
	}
	return Workflow{}, false
}

// legacyTask is delegate_to_codex's argument before "request": a client that still sends
// it is understood.
const legacyTask = "task"

// Missing lists the required arguments args lacks (blank counts as missing).
func (w Workflow) Missing(args map[string]string) []string {
	var missing []string
	for _, a := range w.Args {
		if !a.Required || strings.TrimSpace(args[a.Name]) != "" {
			continue
		}
		if a.Name == RequestArg && strings.TrimSpace(args[legacyTask]) != "" {
			continue
		}
		missing = append(missing, a.Name)
	}
	return missing
}

// Reading is what a prompt's arguments are taken to say.
//
// Claude Code runs `/mcp__codex__feature_cycle Add rate limiting` by handing the prompt's
// arguments one word each, in order (request="Add", directory="rate",
// context="limiting"; words past the last argument are dropped), while it shows the model
// the whole text in <command-args>. So from Claude Code (ClientSplitsWords) the arguments
// are not read at all: the text points the model at what the user typed. From another
// client, arguments that look the same (three or more, each one word, filling the first
// arguments in order, none of them a value a form would hold there, such as a path in
// directory) are joined back into the request; anything else is taken as given.
type Reading struct {
	Request string            // the request, as far as the arguments tell it ("" when ClientSplit)
	Fields  map[string]string // the other arguments, by name (none when the request was split)

	ClientSplit bool // the client is known to split what was typed into one word per argument
	Rejoined    bool // the arguments looked split and Request is their words joined back
	Cut         bool // Rejoined, and every argument got a word: the text may have gone on
}

// minSplitWords is how many one-word arguments, filling the first arguments in order, a
// client other than Claude Code must send for them to be read as one split request: a
// person filling a form rarely gives three one-word fields and nothing else.
const minSplitWords = 3

// formValue reports whether v is what a person filling a form would put in the argument
// name (a path in directory, a pattern in context, a mode's name in mode): the words of
// a sentence rarely are, so such a value means the arguments were not split.
func formValue(name, v string) bool {
	switch name {
	case "directory":
		return strings.ContainsAny(v, `/\~`) || v == "." || v == ".."
	case "context":
		return strings.Contains(v, "@{") || strings.ContainsAny(v, `/\`)
	case "mode":
		return v == "analysis" || v == "write" || v == "auto"
	}
	return false
}

// Read interprets a prompt's arguments; clientSplitsWords says the client is one known to
// split what the user typed into one word per argument (Claude Code).
func (w Workflow) Read(args map[string]string, clientSplitsWords bool) Reading {
	val := func(name string) string {
		v := strings.TrimSpace(args[name])
		if v == "" && name == RequestArg {
			v = strings.TrimSpace(args[legacyTask])
		}
		return v
	}
	if clientSplitsWords {
		return Reading{ClientSplit: true}
	}
	// Split-looking: the first k arguments each one word, none after them.
	k, fits := 0, false
	for k < len(w.Args) && val(w.Args[k].Name) != "" && !strings.ContainsAny(val(w.Args[k].Name), " \t\r\n") {
		fits = fits || formValue(w.Args[k].Name, val(w.Args[k].Name))
		k++
	}
	rest := false
	for _, a := range w.Args[k:] {
		rest = rest || val(a.Name) != ""
	}
	if k >= minSplitWords && !rest && !fits {
		words := make([]string, k)
		for i := range words {
			words[i] = val(w.Args[i].Name)
		}
		return Reading{Request: strings.Join(words, " "), Rejoined: true, Cut: k == len(w.Args)}
	}
	r := Reading{Request: val(RequestArg), Fields: map[string]string{}}
	for _, a := range w.Args[1:] {
		if v := val(a.Name); v != "" {
			r.Fields[a.Name] = v
		}
	}
	return r
}

//go:embed workflows/*.md
var workflowFiles embed.FS

var workflowTemplates = template.Must(template.New("").ParseFS(workflowFiles, "workflows/*.md"))

// view is what a workflow's template sees.
type view struct {
	Reading
	Directory string
	Context   string
	// delegate_to_codex, when the arguments were taken as given:
	Call    string // decide_resume's arguments as JSON
	Preview string // the task as Codex will read it
}

// Render returns the prompt's text for the given arguments, or an error naming the
// required arguments that are missing.
func (w Workflow) Render(args map[string]string, clientSplitsWords bool) (string, error) {
	if m := w.Missing(args); len(m) > 0 {
		return "", fmt.Errorf("%s needs the argument %s", w.Name, strings.Join(m, ", "))
	}
	v := view{Reading: w.Read(args, clientSplitsWords)}
	v.Directory, v.Context = v.Fields["directory"], v.Fields["context"]
	if w.Name == "delegate_to_codex" && !v.ClientSplit && !v.Rejoined {
		call := map[string]string{"task": v.Request}
		for k, val := range v.Fields {
			call[k] = val
		}
		// Sorted keys: the same arguments, the same text; <, > and & as they are.
		var data bytes.Buffer
		enc := json.NewEncoder(&data)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(call)
		v.Call = strings.TrimSpace(data.String())
		v.Preview = Render(Fields{Purpose: v.Fields["purpose"], Task: v.Request, Mode: v.Fields["mode"],
			Context: v.Fields["context"], Expected: v.Fields["expected"], Rules: rulesNote(v.Fields["rules_template"])})
	}
	var b bytes.Buffer
	if err := workflowTemplates.ExecuteTemplate(&b, w.Name+".md", v); err != nil {
		return "", err
	}
	return tidy(b.String()), nil
}

// rulesNote stands in the preview for a rules template's text, which the server puts
// there when the task runs.
func rulesNote(name string) string {
	if name == "" {
		return ""
	}
	return "(the " + name + " rules template)"
}

// tidy trims each line's trailing blanks and keeps at most one empty line in a row, so
// the templates can be laid out for reading.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}
