package main

// How every subcommand talks to a person at a terminal: the command list and each
// command's help, one table style, colour only on a terminal (and never with NO_COLOR),
// and progress on stderr.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
)

// subcommand is one line of `codex-mcp help`.
type subcommand struct {
	name, args, summary string
}

// subcommands are the commands `codex-mcp help` lists, in its order.
var subcommands = []subcommand{
	{"serve", "[--http ADDR] [flags]", "serve MCP on stdio (the default: what an MCP client runs), or over streamable HTTP at http://ADDR/mcp"},
	{"demo", "[--keep] [--codex PATH]", "watch it work: the seed's feature cycle through the server's tools, the real codex, a built-in fake model"},
	{"sessions", "[--dir D] [--json] [--limit N] [QUERY]", "list Codex sessions (this server's and Codex's own); QUERY's words must start words of each"},
	{"decide", `[--dir D] [--relation R] [--conversation C] [--json] "TASK"`, "resume or start fresh? the decision tree's answer for a task, and its path"},
	{"doctor", "[flags]", "check codex, its store and the state directory"},
	{"version", "[--codex-bin PATH]", "print the server's and codex's versions (also: codex-mcp --version)"},
	{"help", "[COMMAND]", "this list, or one command's flags (also: codex-mcp COMMAND -h)"},
}

// ownFlags lists, for the subcommands that do not take every flag, the flags they do
// take; the rest (serve, doctor) take all. A subcommand's help shows only these, and it
// refuses the others. Values from the environment apply whatever the subcommand.
var ownFlags = map[string][]string{
	"sessions": {"dir", "json", "limit", "state-dir", "default-dir", "log-level"},
	"decide":   {"dir", "relation", "conversation", "json", "state-dir", "default-dir", "log-level"},
	"version":  {"codex-bin"},
	"demo":     {"codex", "keep"},
}

// placeholders name a flag's value in help.
var placeholders = map[string]string{
	"codex-bin": "PATH", "codex": "PATH", "state-dir": "DIR", "default-dir": "DIR", "allowed-dirs": "DIRS",
	"max-sandbox": "MODE", "log-level": "LEVEL", "timeout": "DURATION", "idle-timeout": "DURATION",
	"max-running": "N", "dir": "DIR", "limit": "N", "relation": "RELATION", "conversation": "ID",
	"http": "ADDR", "http-token-file": "PATH", "http-allowed-origins": "ORIGINS",
}

// restrictFlags returns fs with only the flags subcommand name takes (fs itself when it
// takes all of them). The flags keep their values, so defaults read from the environment
// still apply.
func restrictFlags(name string, fs *flag.FlagSet) *flag.FlagSet {
	own, ok := ownFlags[name]
	if !ok {
		return fs
	}
	out := flag.NewFlagSet(name, flag.ContinueOnError)
	out.SetOutput(io.Discard)
	for _, n := range own {
		if f := fs.Lookup(n); f != nil {
			out.Var(f.Value, f.Name, f.Usage)
			out.Lookup(n).DefValue = f.DefValue
		}
	}
	return out
}

// helpRequest is a subcommand's -h: its text goes to stdout and the exit status is 0.
type helpRequest struct{ text string }

func (h helpRequest) Error() string { return h.text }

// asHelp reports whether err is a request for help, and its text.
func asHelp(err error) (string, bool) {
	var h helpRequest
	if errors.As(err, &h) {
		return h.text, true
	}
	return "", false
}

// flagError is a parse error of subcommand name, said in one line with where to look.
func flagError(name string, fs *flag.FlagSet, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return helpRequest{commandHelp(name, fs)}
	}
	return usageError{fmt.Sprintf("%s: %v (run 'codex-mcp %s -h' for its flags)", name, err, name)}
}

// commandHelp is `codex-mcp NAME -h`: usage, what it does, and its own flags.
func commandHelp(name string, fs *flag.FlagSet) string {
	var b strings.Builder
	for _, c := range subcommands {
		if c.name == name {
			fmt.Fprintf(&b, "usage: codex-mcp %s %s\n\n%s.\n", c.name, c.args, capitalize(c.summary))
		}
	}
	if fs == nil {
		return b.String()
	}
	var rows [][2]string
	fs.VisitAll(func(f *flag.Flag) {
		arg := placeholders[f.Name]
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
			arg = ""
		} else if arg == "" {
			arg = "VALUE"
		}
		left := "--" + f.Name
		if arg != "" {
			left += " " + arg
		}
		usage := f.Usage
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			usage += fmt.Sprintf(" [default %s]", f.DefValue)
		}
		rows = append(rows, [2]string{left, usage})
	})
	if len(rows) > 0 {
		b.WriteString("\nflags:\n")
		width := 0
		for _, r := range rows {
			width = max(width, len(r[0]))
		}
		for _, r := range rows {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, r[0], r[1])
		}
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// usage is `codex-mcp help`: what it is and its commands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "codex-mcp: an MCP server that lets an AI assistant delegate coding work to the OpenAI Codex CLI,")
	fmt.Fprintln(w, "and remembers which Codex session belongs to which piece of work.")
	fmt.Fprintln(w, "\nusage: codex-mcp [COMMAND] [flags]")
	fmt.Fprintln(w, "\ncommands:")
	width := 0
	for _, c := range subcommands {
		width = max(width, len(c.name))
	}
	for _, c := range subcommands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'codex-mcp help COMMAND' or 'codex-mcp COMMAND -h' for a command's flags. Most flags also")
	fmt.Fprintln(w, "read an environment variable (CODEX_MCP_CODEX_BIN, CODEX_MCP_STATE_DIR, ...; see 'codex-mcp serve -h');")
	fmt.Fprintln(w, "CODEX_HOME and the rest of the environment pass through to codex.")
	fmt.Fprintln(w, "\nFirst time here? Run 'codex-mcp demo'.")
}

// terminalCommand answers what needs no subcommand: help in its spellings and
// --version. done is false for everything else.
func terminalCommand(ctx context.Context, args []string, stdout io.Writer) (done bool, err error) {
	if len(args) == 0 {
		return false, nil
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if args[0] == "help" && len(args) > 1 {
			if !known(args[1]) {
				return true, unknownCommand(args[1])
			}
			_, err := parseConfig(args[1], []string{"-h"})
			if text, ok := asHelp(err); ok {
				fmt.Fprint(stdout, text)
				return true, nil
			}
			return true, err
		}
		usage(stdout)
		return true, nil
	case "--version", "-version":
		cfg, err := parseConfig("version", args[1:])
		if err != nil {
			return true, err
		}
		return true, printVersion(ctx, cfg, stdout)
	}
	return false, nil
}

func known(name string) bool {
	for _, c := range subcommands {
		if c.name == name {
			return true
		}
	}
	return false
}

// unknownCommand is said in one line, with where to look.
func unknownCommand(name string) error {
	return usageError{fmt.Sprintf("unknown command %q (run 'codex-mcp help' for the commands)", name)}
}

// style colours text only when it goes to a terminal and NO_COLOR is not set
// (https://no-color.org); TERM=dumb gets none either.
type style struct{ color bool }

func styleFor(w io.Writer) style {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return style{}
	}
	return style{color: isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())}
}

func (s style) wrap(code, t string) string {
	if !s.color || t == "" {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}

func (s style) bold(t string) string   { return s.wrap("1", t) }
func (s style) dim(t string) string    { return s.wrap("2", t) }
func (s style) green(t string) string  { return s.wrap("32", t) }
func (s style) red(t string) string    { return s.wrap("31", t) }
func (s style) yellow(t string) string { return s.wrap("33", t) }
func (s style) cyan(t string) string   { return s.wrap("36", t) }

// status colours a run status: done green, running yellow, failures red.
func (s style) status(st string) string {
	switch st {
	case "completed":
		return s.green(st)
	case "running":
		return s.yellow(st)
	case "failed", "timed_out", "interrupted", "cancelled":
		return s.red(st)
	}
	return s.dim(st)
}

// table is the one table style of every subcommand: a bold header, columns two spaces
// apart, widths from the plain text (so colour never breaks the alignment). Cells must
// already be printable (see printable).
type table struct {
	header []string
	rows   [][]string
	// color, when set, colours a cell of column col after it is padded.
	color func(col int, cell string) string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer, st style, indent string) error {
	widths := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
	}
	var b strings.Builder
	line := func(r []string, header bool) {
		b.WriteString(indent)
		for i, c := range r {
			pad := ""
			if i < len(r)-1 {
				pad = strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2)
			}
			switch {
			case header:
				c = st.bold(c)
			case t.color != nil:
				c = t.color(i, c)
			}
			b.WriteString(c + pad)
		}
		b.WriteString("\n")
	}
	line(t.header, true)
	for _, r := range t.rows {
		line(r, false)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// progress says on stderr what a slow step is doing: on a terminal one line rewritten
// in place (and cleared by done), elsewhere a line per message.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	tty    bool
	st     style
	shown  bool
	active bool // a step is going (between after and its stop): late messages are dropped
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, st: styleFor(w)}
	if f, ok := w.(*os.File); ok {
		p.tty = isatty.IsTerminal(f.Fd())
	}
	return p
}

func (p *progress) say(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return
	}
	msg = printable(msg)
	if p.tty {
		if r := []rune(msg); len(r) > 100 {
			msg = string(r[:99]) + "…"
		}
		fmt.Fprintf(p.w, "\r\x1b[K%s", p.st.dim("  … "+msg))
		p.shown = true
		return
	}
	fmt.Fprintln(p.w, "  … "+msg)
}

// done clears the progress line.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// after says msg if the step is still going after d; stop it when the step ends.
func (p *progress) after(d time.Duration, msg string) (stop func()) {
	p.mu.Lock()
	p.active = true
	p.mu.Unlock()
	t := time.AfterFunc(d, func() { p.say(msg) })
	return func() {
		t.Stop()
		p.done()
		p.mu.Lock()
		p.active = false
		p.mu.Unlock()
	}
}
