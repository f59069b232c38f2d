package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/codex-mcp/codex-mcp/session"
)

// sessionsCmd prints list_sessions for a person: `codex-mcp sessions [--dir D] [--json] [query]`.
func sessionsCmd(ctx context.Context, cfg Config, w io.Writer) error {
	mgr := newManager(cfg)
	defer mgr.Close()
	list, err := mgr.List(ctx, session.ListQuery{
		Directory: cfg.Dir, Query: strings.Join(cfg.Args, " "), Limit: cfg.Limit, IncludeExternal: true,
	})
	if err != nil {
		return err
	}
	if cfg.JSON {
		return printJSON(w, list)
	}
	if len(list.Sessions) == 0 {
		fmt.Fprintln(w, "No Codex sessions.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UPDATED\tSTATUS\tFEATURE\tSESSION\tDIRECTORY\tTASK")
	for _, s := range list.Sessions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.UpdatedAt.Local().Format("2006-01-02 15:04"), s.Status,
			orDash(s.Feature), s.SessionID, s.Directory, session.TaskLine(s.Task, 60))
	}
	return tw.Flush()
}

// printJSON writes v indented, for the subcommands' --json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
