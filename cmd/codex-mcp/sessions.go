package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"unicode"

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
		// Everything but the time comes from memory or Codex's store, where a task can hold
		// anything: no escape sequence of it reaches the terminal.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.UpdatedAt.Local().Format("2006-01-02 15:04"), printable(s.Status),
			printable(orDash(s.Feature)), printable(s.SessionID), printable(s.Directory), printable(session.TaskLine(s.Task, 60)))
	}
	return tw.Flush()
}

// printJSON writes v indented, for the subcommands' --json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ansiRE matches terminal escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or
// ESC \), and two-byte ESC sequences.
var ansiRE = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]`)

// printable is s for a terminal: escape sequences removed, every other control character
// (\r, \b, tabs and newlines too, which would break the table) shown as a space.
func printable(s string) string {
	s = ansiRE.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) && r != '\u200d' {
			return ' '
		}
		return r
	}, s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
