package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/codex-mcp/codex-mcp/session"
)

// sessionsCmd prints list_sessions for a person: `codex-mcp sessions [--dir D] [--json]
// [--limit N] [QUERY]`. Every word of QUERY must begin a word of the session (its task,
// feature, directory, last message or id): "auth tests" finds "Generate tests for the
// authentication module", and "at" does not find "update".
func sessionsCmd(ctx context.Context, cfg Config, w io.Writer) error {
	mgr := newManager(cfg)
	defer mgr.Close()
	query := strings.TrimSpace(strings.Join(cfg.Args, " "))
	limit := cfg.Limit
	if limit <= 0 || limit > session.MaxListLimit {
		return usageError{fmt.Sprintf("sessions: --limit %d: want 1 to %d", cfg.Limit, session.MaxListLimit)}
	}
	stop := newProgress(os.Stderr).after(time.Second, "reading Codex's session store…")
	list, err := findSessions(ctx, mgr, cfg.Dir, query, limit)
	stop()
	if err != nil {
		return err
	}
	if cfg.JSON {
		return printJSON(w, list)
	}
	for _, warning := range list.Warnings {
		fmt.Fprintln(os.Stderr, "codex-mcp: warning:", warning)
	}
	if len(list.Sessions) == 0 {
		where := ""
		if cfg.Dir != "" {
			where = " in " + cfg.Dir
		}
		switch {
		case query != "":
			fmt.Fprintf(w, "no session matches %q%s\n", query, where)
		case where != "":
			fmt.Fprintf(w, "no Codex session%s\n", where)
		default:
			fmt.Fprintf(w, "No Codex sessions yet: none in this server's memory (%s) or in Codex's store (%s).\n", cfg.StateDir, cfg.CodexHome)
		}
		return nil
	}
	st := styleFor(w)
	tb := table{header: []string{"UPDATED", "STATUS", "FEATURE", "TURNS", "SESSION", "DIRECTORY", "TASK"}}
	tb.color = func(col int, cell string) string {
		if col == 1 {
			return st.status(strings.TrimSpace(cell))
		}
		return cell
	}
	for _, s := range list.Sessions {
		// Everything but the time comes from memory or Codex's store, where a task can hold
		// anything: no escape sequence of it reaches the terminal.
		turns := "-"
		if s.Turns > 0 {
			turns = strconv.Itoa(s.Turns)
		}
		tb.add(s.UpdatedAt.Local().Format("2006-01-02 15:04"), printable(s.Status), printable(orDash(s.Feature)), turns,
			printable(s.SessionID), printable(s.Directory), printable(session.TaskLine(s.Task, 60)))
	}
	return tb.write(w, st, "")
}

// findSessions lists up to limit sessions in dir (all when "") matching every word of
// query. The store is asked for the sessions holding the query's longest word anywhere
// (its index makes that fast), page after page, and each is kept only when every word
// begins one of its words.
func findSessions(ctx context.Context, mgr *session.Manager, dir, query string, limit int) (session.SessionList, error) {
	words := queryWords(query)
	if len(words) == 0 {
		return mgr.List(ctx, session.ListQuery{Directory: dir, Limit: limit, IncludeExternal: true})
	}
	longest := words[0]
	for _, wd := range words {
		if len(wd) > len(longest) {
			longest = wd
		}
	}
	out := session.SessionList{Sessions: []session.SessionInfo{}}
	seen := map[string]bool{}
	cursor := ""
	for {
		page, err := mgr.List(ctx, session.ListQuery{Directory: dir, Query: longest, Limit: session.MaxListLimit, Cursor: cursor, IncludeExternal: true})
		if err != nil {
			return out, err
		}
		for _, wn := range page.Warnings {
			if !seen["warning:"+wn] {
				seen["warning:"+wn] = true
				out.Warnings = append(out.Warnings, wn)
			}
		}
		for _, s := range page.Sessions {
			if !seen[s.SessionID] && matchesWords(s, words) {
				seen[s.SessionID] = true
				out.Sessions = append(out.Sessions, s)
				if len(out.Sessions) == limit {
					return out, nil
				}
			}
		}
		if page.NextCursor == "" || page.NextCursor == cursor {
			return out, nil
		}
		cursor = page.NextCursor
	}
}

// queryWords are the lower-cased words of a query: runs of letters and digits.
func queryWords(q string) []string {
	return strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// matchesWords reports whether every word begins a word of what the session shows.
func matchesWords(s session.SessionInfo, words []string) bool {
	have := queryWords(strings.Join([]string{s.Task, s.LastTask, s.Feature, s.Directory, s.LastMessage, s.SessionID}, " "))
	for _, w := range words {
		found := false
		for _, h := range have {
			if strings.HasPrefix(h, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
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
