package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/session/codex"
)

// usualCodexDirs are the directories the Codex CLI is usually installed in, per GOOS, in
// the order they are suggested. Each is path components joined with filepath.Join: "~"
// is the home directory, "$NAME" an environment variable (an entry whose variable is
// unset is skipped), "*" a glob. The npm global prefix (`npm prefix -g`, when npm is on
// PATH, and $NPM_CONFIG_PREFIX) is added to these.
var usualCodexDirs = map[string][][]string{
	"darwin": {
		{"/opt/homebrew/bin"}, // Homebrew on Apple silicon
		{"/usr/local/bin"},    // Homebrew on Intel, and npm's default prefix there
		{"~", ".npm-global", "bin"},
		{"~", ".local", "bin"},
		{"~", ".volta", "bin"},
		{"~", ".nvm", "versions", "node", "*", "bin"},
	},
	"linux": {
		{"/usr/local/bin"},
		{"/usr/bin"},
		{"/home/linuxbrew/.linuxbrew/bin"},
		{"~", ".linuxbrew", "bin"},
		{"~", ".npm-global", "bin"},
		{"~", ".local", "bin"},
		{"~", ".volta", "bin"},
		{"~", ".nvm", "versions", "node", "*", "bin"},
	},
	"windows": {
		{"$APPDATA", "npm"}, // npm's default global prefix: npm install -g puts codex.cmd here
		{"$ProgramFiles", "nodejs"},
		{"$NVM_SYMLINK"}, // nvm-windows' current node
		{"$LOCALAPPDATA", "Volta", "bin"},
		{"~", "scoop", "shims"},
		{"~", ".local", "bin"},
	},
}

// codexNames are the file names a codex executable has on GOOS, preferred first.
func codexNames(goos string) []string {
	if goos == "windows" {
		return []string{"codex.exe", "codex.cmd"}
	}
	return []string{"codex"}
}

// lookEnv is what the search for codex reads of the machine; tests fake all of it.
type lookEnv struct {
	GOOS      string
	Root      string // prefixed to the table's absolute directories ("" but in tests)
	Home      string
	Getenv    func(string) string
	NPMPrefix func() string // `npm prefix -g`; "" when npm is not on PATH or fails
}

// npmPrefix asks npm once per process where its global installs go.
var npmPrefix = sync.OnceValue(func() string {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "prefix", "-g")
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})

// machine is the lookEnv doctor and the server use; tests replace it.
var machine = realLookEnv

func realLookEnv() lookEnv {
	home, _ := os.UserHomeDir()
	return lookEnv{GOOS: runtime.GOOS, Home: home, Getenv: os.Getenv, NPMPrefix: npmPrefix}
}

// codexDirs lists the directories to look for codex in: the usual ones for e.GOOS and
// npm's global bin directory, each once.
func codexDirs(e lookEnv) []string {
	table, ok := usualCodexDirs[e.GOOS]
	if !ok {
		table = usualCodexDirs["linux"] // the other unixes install alike
	}
	var dirs []string
	seen := map[string]bool{}
	add := func(d string) {
		if d == "" {
			return
		}
		d = filepath.Clean(d)
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	for _, prefix := range []string{e.Getenv("NPM_CONFIG_PREFIX"), e.Getenv("npm_config_prefix"), e.NPMPrefix()} {
		if prefix == "" {
			continue
		}
		if e.GOOS == "windows" {
			add(prefix) // npm puts global commands in the prefix itself on Windows
		} else {
			add(filepath.Join(prefix, "bin"))
		}
	}
	for _, parts := range table {
		p := make([]string, len(parts))
		copy(p, parts)
		switch first := p[0]; {
		case strings.HasPrefix(first, "/"):
			p[0] = filepath.Join(e.Root, first)
		case first == "~":
			if e.Home == "" {
				continue
			}
			p[0] = e.Home
		case strings.HasPrefix(first, "$"):
			if p[0] = e.Getenv(first[1:]); p[0] == "" {
				continue
			}
		}
		d := filepath.Join(p...)
		if !strings.Contains(d, "*") {
			add(d)
			continue
		}
		matches, _ := filepath.Glob(d)
		// Newest first, as far as names sort (nvm's v22.1.0 after v20.9.0).
		for i := len(matches) - 1; i >= 0; i-- {
			add(matches[i])
		}
	}
	return dirs
}

// isExecutable reports whether path is a file codex-mcp could run on goos.
func isExecutable(goos, path string) bool {
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return false
	}
	return goos == "windows" || fi.Mode().Perm()&0o111 != 0
}

// findCodex returns, for each usual directory that holds a codex executable, its path.
func findCodex(e lookEnv) (found, looked []string) {
	looked = codexDirs(e)
	for _, d := range looked {
		for _, name := range codexNames(e.GOOS) {
			if p := filepath.Join(d, name); isExecutable(e.GOOS, p) {
				found = append(found, p)
				break
			}
		}
	}
	return found, looked
}

// codexMissing reports whether err says the codex binary is not there at all (as
// opposed to there but failing), the case where knowing where it usually is helps.
func codexMissing(err error) bool {
	var nf *codex.NotFoundError
	return errors.As(err, &nf) && (errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist))
}

// codexHint says where codex was looked for (bin on the PATH this process has, or bin
// itself when it is a path), where it is installed if anywhere usual, and the exact
// setting that points codex-mcp at it. Every line ends in a newline.
func codexHint(e lookEnv, bin string) string {
	var b strings.Builder
	if strings.ContainsAny(bin, `/\`) {
		fmt.Fprintf(&b, "--codex-bin (or CODEX_MCP_CODEX_BIN) is %q, and no codex is there.\n", bin)
	} else {
		fmt.Fprintf(&b, "codex-mcp looked for %q in the PATH it was started with:\n  PATH=%s\n", bin, e.Getenv("PATH"))
	}
	found, looked := findCodex(e)
	if len(found) == 0 {
		fmt.Fprintf(&b, "codex is in none of the usual places either (%s).\n", strings.Join(looked, ", "))
		install := "npm install -g @openai/codex"
		if e.GOOS == "darwin" {
			install = "brew install codex, or " + install
		}
		which := "command -v codex"
		if e.GOOS == "windows" {
			which = "where codex"
		}
		fmt.Fprintf(&b, "Install it (%s), then set CODEX_MCP_CODEX_BIN to the absolute path `%s` prints in a terminal.\n", install, which)
	} else {
		b.WriteString("codex is installed here:\n")
		for _, p := range found {
			fmt.Fprintf(&b, "  %s\n", p)
		}
		js, _ := json.Marshal(found[0])
		fmt.Fprintf(&b, "Point codex-mcp at it: in your MCP client's config for this server, add\n  \"env\": {\"CODEX_MCP_CODEX_BIN\": %s}\n", js)
		if e.GOOS == "windows" {
			fmt.Fprintf(&b, "or for every program you start from now on:\n  setx CODEX_MCP_CODEX_BIN \"%s\"\n", found[0])
		} else {
			fmt.Fprintf(&b, "or in a shell:\n  export CODEX_MCP_CODEX_BIN=%s\n", shellQuote(found[0]))
		}
	}
	b.WriteString("GUI clients such as Claude Desktop do not inherit your shell's PATH: a codex your terminal finds can still be missing for them.\n")
	return b.String()
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"$`\\!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// hintRunner is the session Runner with codexHint added to the error of a call that could
// not find codex: what a tool call reports to the client then says where to look.
type hintRunner struct {
	session.Runner
	bin string
	env func() lookEnv
}

func (r hintRunner) Run(ctx context.Context, req codex.Request) (codex.Result, error) {
	res, err := r.Runner.Run(ctx, req)
	return res, r.explain(err)
}

func (r hintRunner) Capabilities(ctx context.Context) (codex.Capabilities, error) {
	caps, err := r.Runner.Capabilities(ctx)
	return caps, r.explain(err)
}

func (r hintRunner) explain(err error) error {
	if err == nil || !codexMissing(err) {
		return err
	}
	return &missingCodexError{err: err, hint: codexHint(r.env(), r.bin)}
}

// missingCodexError is a codex.NotFoundError (still, to errors.As) with the hint after it.
type missingCodexError struct {
	err  error
	hint string
}

func (e *missingCodexError) Error() string {
	return e.err.Error() + "\n" + strings.TrimSuffix(e.hint, "\n")
}
func (e *missingCodexError) Unwrap() error { return e.err }
