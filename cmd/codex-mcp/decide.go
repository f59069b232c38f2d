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
	fmt.Fprintln(w, tools.DecisionText(d))
	for i, c := range d.Candidates {
		if i == 0 {
			fmt.Fprintln(w, "\nCandidates:")
		}
		fmt.Fprintf(w, "  %.2f  %s  %s  %s\n", c.Score, c.SessionID, c.Directory, session.TaskLine(c.Task, 60))
	}
	args, _ := json.Marshal(d.SuggestedCall.Arguments)
	fmt.Fprintf(w, "\nSuggested call: %s %s\n", d.SuggestedCall.Tool, args)
	return nil
}
