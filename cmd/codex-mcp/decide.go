package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/tools"
)

// decideCmd shows the decision tree's answer for a task: `codex-mcp decide [--dir D]
// [--relation R] [--conversation C] [--json] "TASK"`. Without --conversation it looks at
// every conversation in memory, as a person at a terminal would. --dir D is where the
// task would run, and the decision weighs only the sessions in D or below it: a person
// asking about work in D means that work, not a session elsewhere that the tree would
// continue in its own directory.
func decideCmd(ctx context.Context, cfg Config, w io.Writer) error {
	task := strings.TrimSpace(strings.Join(cfg.Args, " "))
	if task == "" {
		return usageError{`decide needs a task: codex-mcp decide [--dir D] "add tests for auth"`}
	}
	mgr := newManager(cfg)
	defer mgr.Close()
	d, err := mgr.Decide(ctx, session.DecideQuery{
		Task:     session.Task{Task: task, Directory: cfg.Dir, ConversationID: cfg.Conversation},
		Relation: cfg.Relation, Within: cfg.Dir != "",
	})
	if err != nil {
		return err
	}
	if cfg.JSON {
		return printJSON(w, d)
	}
	st := styleFor(w)
	text := printableLines(tools.DecisionText(d))
	first, rest, _ := strings.Cut(text, "\n")
	fmt.Fprintln(w, st.bold(first))
	if rest != "" {
		fmt.Fprintln(w, rest)
	}
	if len(d.Candidates) > 0 {
		fmt.Fprintln(w, "\n"+st.bold("Candidates:"))
		tb := table{header: []string{"SCORE", "SESSION", "DIRECTORY", "TASK"}}
		for _, c := range d.Candidates {
			tb.add(fmt.Sprintf("%.2f", c.Score), printable(c.SessionID), printable(c.Directory), printable(session.TaskLine(c.Task, 60)))
		}
		if err := tb.write(w, st, "  "); err != nil {
			return err
		}
	}
	args, _ := json.Marshal(d.SuggestedCall.Arguments)
	fmt.Fprintf(w, "\n%s %s %s\n", st.bold("Suggested call:"), d.SuggestedCall.Tool, printable(string(args)))
	return nil
}

// printableLines is printable for a text of several lines: each line cleaned, the line
// breaks kept.
func printableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = printable(l)
	}
	return strings.Join(lines, "\n")
}
