package main

// The README and the client configurations cannot drift from the code: every client
// example under docs/clients is parsed by that client's own format rules (and Codex's by
// the real codex), the README shows each of them verbatim, its tools table is the server's
// registered tools, and server.json validates against the MCP registry's schema and lists
// exactly the variables the server reads. UPDATE_README=1 rewrites the README's
// generated parts.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
	"github.com/codex-mcp/codex-mcp/session"
	"github.com/codex-mcp/codex-mcp/tools"
)

const (
	repoRoot   = "../.."
	readmeFile = repoRoot + "/README.md"
	clientsDir = "docs/clients" // relative to the repository root, as the README names it
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// updateREADME applies edit to the README when UPDATE_README=1, and reports whether it did.
func updateREADME(t *testing.T, edit func(string) string) bool {
	t.Helper()
	if os.Getenv("UPDATE_README") != "1" {
		return false
	}
	before := readFile(t, readmeFile)
	if after := edit(before); after != before {
		if err := os.WriteFile(readmeFile, []byte(after), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", readmeFile)
	}
	return true
}

// includeRE finds `<!-- file: PATH -->` and the fenced block right after it.
var includeRE = regexp.MustCompile("(?m)^<!-- file: (\\S+) -->\n```([a-z]*)\n((?:.*\n)*?)```\n")

// TestREADMEShowsTheClientConfigs: each `<!-- file: docs/clients/X -->` in the README is
// followed by a code block equal to that file, and every file there is shown.
func TestREADMEShowsTheClientConfigs(t *testing.T) {
	if updateREADME(t, func(s string) string {
		return includeRE.ReplaceAllStringFunc(s, func(block string) string {
			m := includeRE.FindStringSubmatch(block)
			return fmt.Sprintf("<!-- file: %s -->\n```%s\n%s```\n", m[1], m[2], readFile(t, filepath.Join(repoRoot, m[1])))
		})
	}) {
		return
	}
	readme := readFile(t, readmeFile)
	shown := map[string]bool{}
	for _, m := range includeRE.FindAllStringSubmatch(readme, -1) {
		shown[m[1]] = true
		if want := readFile(t, filepath.Join(repoRoot, m[1])); m[3] != want {
			t.Errorf("the README's block for %s differs from the file (UPDATE_README=1 go test ./cmd/codex-mcp -run TestREADME rewrites it):\n%s", m[1], m[3])
		}
	}
	entries, err := os.ReadDir(filepath.Join(repoRoot, clientsDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if p := clientsDir + "/" + e.Name(); !shown[p] {
			t.Errorf("the README does not show %s (add `<!-- file: %s -->` and a code block)", p, p)
		}
	}
}

// configVars are the CODEX_MCP_* variables the command reads: every such string literal
// in its non-test source (config.go reads them all today).
func configVars(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	re := regexp.MustCompile(`"(CODEX_MCP_[A-Z0-9_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		for _, m := range re.FindAllStringSubmatch(readFile(t, f), -1) {
			seen[m[1]] = true
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	if len(out) < 9 {
		t.Fatalf("found only %v in the command's source", out)
	}
	return out
}

// checkEnv: a client example sets only variables the server reads, and PATH (codex's npm
// launcher needs node on it), to non-empty values; GUI examples name codex by path.
func checkEnv(t *testing.T, file string, env map[string]string, gui bool) {
	t.Helper()
	vars := configVars(t)
	for k, v := range env {
		if k != "PATH" && !slices.Contains(vars, k) {
			t.Errorf("%s sets %s, which codex-mcp does not read (it reads %v)", file, k, vars)
		}
		if v == "" {
			t.Errorf("%s sets %s to nothing", file, k)
		}
	}
	if gui {
		if bin := env["CODEX_MCP_CODEX_BIN"]; !filepath.IsAbs(bin) && !strings.HasPrefix(bin, "/") {
			t.Errorf("%s: a GUI client does not inherit the shell's PATH: CODEX_MCP_CODEX_BIN must be a path, not %q", file, bin)
		}
		if env["PATH"] == "" {
			t.Errorf("%s: set PATH, so codex's npm launcher finds node", file)
		}
	}
}

// absolute: a command a GUI app can start without the shell's PATH.
func absolute(cmd string) bool { return strings.HasPrefix(cmd, "/") || filepath.IsAbs(cmd) }

// decodeStrict decodes JSON refusing unknown fields and trailing data: the client's own
// schema, as far as this test states it.
func decodeStrict(t *testing.T, file string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(readFile(t, filepath.Join(repoRoot, file))))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if dec.More() {
		t.Fatalf("%s: data after the object", file)
	}
}

// mcpServersEntry is one server of the `mcpServers` format (Claude Desktop, Cursor,
// Claude Code's .mcp.json): a process with its arguments and environment.
type mcpServersEntry struct {
	Type    string            `json:"type,omitempty"` // Claude Code and Cursor: "stdio" or absent
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env"`
}

func checkMCPServers(t *testing.T, file string, gui bool) {
	t.Helper()
	var cfg struct {
		MCPServers map[string]mcpServersEntry `json:"mcpServers"`
	}
	decodeStrict(t, file, &cfg)
	s, ok := cfg.MCPServers["codex"]
	if !ok || len(cfg.MCPServers) != 1 {
		t.Fatalf("%s: servers %v, want one named codex", file, cfg.MCPServers)
	}
	if s.Type != "" && s.Type != "stdio" {
		t.Errorf("%s: type %q", file, s.Type)
	}
	if s.Command == "" || (gui && !absolute(s.Command)) {
		t.Errorf("%s: command %q; a GUI client needs an absolute one", file, s.Command)
	}
	if filepath.Base(s.Command) != "codex-mcp" {
		t.Errorf("%s: command %q is not codex-mcp", file, s.Command)
	}
	checkEnv(t, file, s.Env, gui)
}

func TestClientConfigs(t *testing.T) {
	t.Run("claude_desktop_config.json", func(t *testing.T) { checkMCPServers(t, clientsDir+"/claude_desktop_config.json", true) })
	t.Run("cursor", func(t *testing.T) { checkMCPServers(t, clientsDir+"/cursor.mcp.json", true) })
	t.Run("claude code .mcp.json", func(t *testing.T) { checkMCPServers(t, clientsDir+"/claude-code.mcp.json", false) })
	t.Run("mcp.json.example", func(t *testing.T) { checkMCPServers(t, "mcp.json.example", false) })

	t.Run("vscode", func(t *testing.T) {
		// VS Code: a top-level "servers" (not mcpServers), each with a required type.
		var cfg struct {
			Servers map[string]struct {
				Type    string            `json:"type"`
				Command string            `json:"command"`
				Args    []string          `json:"args"`
				Env     map[string]string `json:"env"`
				EnvFile string            `json:"envFile"`
				Cwd     string            `json:"cwd"`
			} `json:"servers"`
			Inputs []json.RawMessage `json:"inputs"`
		}
		file := clientsDir + "/vscode.mcp.json"
		decodeStrict(t, file, &cfg)
		s, ok := cfg.Servers["codex"]
		if !ok || s.Type != "stdio" || !absolute(s.Command) || filepath.Base(s.Command) != "codex-mcp" {
			t.Fatalf("%s: %+v", file, cfg.Servers)
		}
		checkEnv(t, file, s.Env, true)
	})

	t.Run("codex config.toml", func(t *testing.T) {
		// Codex's own config: [mcp_servers.NAME] with command, args, env and its timeouts.
		var cfg struct {
			MCPServers map[string]struct {
				Command           string            `toml:"command"`
				Args              []string          `toml:"args"`
				Env               map[string]string `toml:"env"`
				Cwd               string            `toml:"cwd"`
				Enabled           *bool             `toml:"enabled"`
				StartupTimeoutSec float64           `toml:"startup_timeout_sec"`
				ToolTimeoutSec    float64           `toml:"tool_timeout_sec"`
			} `toml:"mcp_servers"`
		}
		file := clientsDir + "/codex.config.toml"
		md, err := toml.Decode(readFile(t, filepath.Join(repoRoot, file)), &cfg)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if u := md.Undecoded(); len(u) > 0 {
			t.Errorf("%s: keys this test does not know: %v", file, u)
		}
		s, ok := cfg.MCPServers["codex"]
		if !ok || !absolute(s.Command) || filepath.Base(s.Command) != "codex-mcp" {
			t.Fatalf("%s: %+v", file, cfg.MCPServers)
		}
		// Codex ends a tool call after tool_timeout_sec (60 by default); a run takes longer.
		if s.ToolTimeoutSec < 600 {
			t.Errorf("%s: tool_timeout_sec %v: codex would give up on a run after it", file, s.ToolTimeoutSec)
		}
		checkEnv(t, file, s.Env, true)
	})

	t.Run("claude mcp add", func(t *testing.T) {
		file := clientsDir + "/claude-code.sh"
		n := 0
		for _, line := range shellLines(readFile(t, filepath.Join(repoRoot, file))) {
			n++
			words := shellWords(t, line)
			if len(words) < 3 || words[0] != "claude" || words[1] != "mcp" || words[2] != "add" {
				t.Fatalf("%s: not a `claude mcp add` line: %s", file, line)
			}
			add, err := parseClaudeMCPAdd(words[3:])
			if err != nil {
				t.Fatalf("%s: claude would refuse %q: %v", file, line, err)
			}
			if add.scope != "user" {
				t.Errorf("%s: %q registers for one folder only (scope %q); use -s user", file, line, add.scope)
			}
			if add.name != "codex" || add.command != "$(command -v codex-mcp)" {
				t.Errorf("%s: %q: name %q, command %q", file, line, add.name, add.command)
			}
			checkEnv(t, file, add.env, false)
		}
		if n == 0 {
			t.Fatalf("%s has no command", file)
		}
	})
}

// The parser of claude mcp add, as Claude Code defines it (commander): `add [options]
// <name> <commandOrUrl> [args...]` with -s/--scope <scope>, -t/--transport <transport>,
// and the variadic -e/--env <env...> and -H/--header <header...>, which take every value
// up to the next option or `--`. So `-e K=V codex -- cmd` hands "codex" to -e (Claude Code
// then says "missing required argument 'commandOrUrl'"); the name goes before -e.
type claudeAdd struct {
	scope, transport, name, command string
	args                            []string
	env                             map[string]string
}

func parseClaudeMCPAdd(words []string) (claudeAdd, error) {
	a := claudeAdd{scope: "local", transport: "stdio", env: map[string]string{}}
	var positional, envs []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "--" {
			positional = append(positional, words[i+1:]...)
			break
		}
		if !strings.HasPrefix(w, "-") {
			positional = append(positional, w)
			continue
		}
		name, value, inline := strings.Cut(w, "=")
		single := func() (string, error) {
			if inline {
				return value, nil
			}
			if i+1 >= len(words) || strings.HasPrefix(words[i+1], "-") {
				return "", fmt.Errorf("option '%s' argument missing", name)
			}
			i++
			return words[i], nil
		}
		var err error
		switch name {
		case "-s", "--scope":
			a.scope, err = single()
		case "-t", "--transport":
			a.transport, err = single()
		case "-e", "--env", "-H", "--header":
			var vals []string
			if inline {
				vals = append(vals, value)
			}
			for i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") {
				i++
				vals = append(vals, words[i])
			}
			if len(vals) == 0 {
				err = fmt.Errorf("option '%s' argument missing", name)
			}
			if name == "-e" || name == "--env" {
				envs = append(envs, vals...)
			}
		default:
			err = fmt.Errorf("unknown option '%s'", name)
		}
		if err != nil {
			return a, err
		}
	}
	if len(positional) < 1 {
		return a, fmt.Errorf("missing required argument 'name'")
	}
	if len(positional) < 2 {
		return a, fmt.Errorf("missing required argument 'commandOrUrl'")
	}
	a.name, a.command, a.args = positional[0], positional[1], positional[2:]
	switch a.scope {
	case "local", "user", "project":
	default:
		return a, fmt.Errorf("invalid scope %q (local, user or project)", a.scope)
	}
	for _, e := range envs {
		k, v, ok := strings.Cut(e, "=")
		if !ok || !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(k) {
			return a, fmt.Errorf("Invalid environment variable format: %s", e)
		}
		a.env[k] = v
	}
	return a, nil
}

func TestParseClaudeMCPAddAsClaudeDoes(t *testing.T) {
	// Checked against Claude Code 2.1 itself: the first two are added, the third fails.
	if a, err := parseClaudeMCPAdd([]string{"-s", "user", "codex", "-e", "A=1", "--", "/bin/x"}); err != nil || a.name != "codex" || a.env["A"] != "1" || a.command != "/bin/x" {
		t.Errorf("%+v %v", a, err)
	}
	if a, err := parseClaudeMCPAdd([]string{"-e", "A=1", "-s", "user", "codex", "--", "/bin/x"}); err != nil || a.name != "codex" || a.scope != "user" {
		t.Errorf("%+v %v", a, err)
	}
	if _, err := parseClaudeMCPAdd([]string{"-s", "user", "-e", "A=1", "codex", "--", "/bin/x"}); err == nil || !strings.Contains(err.Error(), "commandOrUrl") {
		t.Errorf("-e before the name: %v", err)
	}
	if a, _ := parseClaudeMCPAdd([]string{"codex", "--", "codex-mcp"}); a.scope != "local" {
		t.Errorf("default scope %q", a.scope)
	}
}

// shellLines are the commands of a shell snippet: comments and blank lines left out,
// backslash-continued lines joined.
func shellLines(s string) []string {
	var out []string
	cur := ""
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); cur == "" && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		out = append(out, cur+l)
		cur = ""
	}
	return out
}

// shellWords splits a command line as a POSIX shell would, for what the snippets use:
// blanks, single and double quotes, and "$(...)" kept as one word.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var (
		words []string
		cur   strings.Builder
		in    bool // a word has begun
		quote rune
	)
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		t.Fatalf("unclosed quote in %q", line)
	}
	if in {
		words = append(words, cur.String())
	}
	for _, w := range words {
		if strings.Contains(w, "$(") && !strings.HasSuffix(w, ")") {
			t.Fatalf("a $(...) split across words in %q (quote it)", line)
		}
	}
	return words
}

// TestIntegrationCodexReadsItsConfigExample: the real codex reads the config.toml
// example and reports the server as the example says.
func TestIntegrationCodexReadsItsConfigExample(t *testing.T) {
	codexBin := testenv.CodexBin(t)
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(readFile(t, filepath.Join(repoRoot, clientsDir, "codex.config.toml"))), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(codexBin, "mcp", "get", "codex", "--json")
	cmd.Env = testenv.Env(t, home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("codex mcp get: %v\n%s", err, stderr.String())
	}
	var got struct {
		Enabled   bool `json:"enabled"`
		Transport struct {
			Type    string            `json:"type"`
			Command string            `json:"command"`
			Env     map[string]string `json:"env"`
		} `json:"transport"`
		ToolTimeoutSec float64 `json:"tool_timeout_sec"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !got.Enabled || got.Transport.Type != "stdio" || filepath.Base(got.Transport.Command) != "codex-mcp" ||
		got.Transport.Env["CODEX_MCP_CODEX_BIN"] == "" || got.ToolTimeoutSec != 1800 {
		t.Errorf("codex reads the example as %s", out)
	}
}

// TestServerJSON: server.json validates against the registry's published schema, and its
// environment variables are exactly the ones the server reads, each described.
func TestServerJSON(t *testing.T) {
	const schemaURL = "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json"
	schemaDoc, err := jsonschema.UnmarshalJSON(strings.NewReader(readFile(t, "testdata/mcp-registry/server.schema.json")))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaURL, schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	raw := readFile(t, filepath.Join(repoRoot, "server.json"))
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("server.json does not validate against %s:\n%v", schemaURL, err)
	}

	var sj struct {
		Schema   string `json:"$schema"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Packages []struct {
			RegistryType string `json:"registryType"`
			Identifier   string `json:"identifier"`
			Version      string `json:"version"`
			Transport    struct {
				Type string `json:"type"`
			} `json:"transport"`
			EnvironmentVariables []struct {
				Name        string   `json:"name"`
				Description string   `json:"description"`
				IsRequired  *bool    `json:"isRequired"`
				IsSecret    *bool    `json:"isSecret"`
				Choices     []string `json:"choices"`
				Default     string   `json:"default"`
			} `json:"environmentVariables"`
		} `json:"packages"`
	}
	if err := json.Unmarshal([]byte(raw), &sj); err != nil {
		t.Fatal(err)
	}
	if sj.Schema != schemaURL || sj.Name != "io.github.codex-mcp/codex-mcp" || len(sj.Packages) != 1 {
		t.Fatalf("server.json: %+v", sj)
	}
	p := sj.Packages[0]
	if p.Version != sj.Version || p.Transport.Type != "stdio" {
		t.Errorf("package version %q (server %q), transport %q", p.Version, sj.Version, p.Transport.Type)
	}
	if p.RegistryType == "mcpb" && !strings.HasPrefix(p.Identifier, "https://github.com/codex-mcp/codex-mcp/releases/download/v"+sj.Version+"/") {
		t.Errorf("the MCPB bundle %s is not this version's release asset", p.Identifier)
	}
	var names []string
	for _, v := range p.EnvironmentVariables {
		names = append(names, v.Name)
		if v.Description == "" || v.IsRequired == nil || v.IsSecret == nil {
			t.Errorf("%s: needs a description, isRequired and isSecret", v.Name)
		}
		if v.IsRequired != nil && *v.IsRequired {
			t.Errorf("%s is marked required; the server runs without it", v.Name)
		}
		if len(v.Choices) > 0 && v.Default != "" && !slices.Contains(v.Choices, v.Default) {
			t.Errorf("%s: default %q is not one of %v", v.Name, v.Default, v.Choices)
		}
		if v.Name == "CODEX_MCP_MAX_RUNNING" && !strings.Contains(v.Description, fmt.Sprintf("1 to %d", tools.MaxRunningLimit)) {
			t.Errorf("%s: the limit is 1 to %d: %s", v.Name, tools.MaxRunningLimit, v.Description)
		}
	}
	sort.Strings(names)
	if vars := configVars(t); strings.Join(names, " ") != strings.Join(vars, " ") {
		t.Errorf("server.json's environment variables\n  %v\nare not the ones the server reads\n  %v", names, vars)
	}
}

const (
	toolsBegin = "<!-- tools:begin (generated from the registered tools; UPDATE_README=1 go test ./cmd/codex-mcp -run TestREADMEToolsTable) -->\n"
	toolsEnd   = "<!-- tools:end -->\n"
)

// TestREADMEToolsTable: the README's tools table is the server's registered tools, as a
// client lists them: name, title and the first sentence of the description.
func TestREADMEToolsTable(t *testing.T) {
	mgr := session.NewManager(session.Config{DefaultDir: t.TempDir()}, session.Deps{})
	defer mgr.Close()
	c, err := client.NewInProcessClient(tools.NewServer(tools.Config{Name: "codex-mcp", Version: "test"}, mgr, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "readme", Version: "1"}
	if _, err := c.Initialize(t.Context(), init); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("| tool | title | what it does |\n|---|---|---|\n")
	for _, tool := range list.Tools {
		title := tool.Annotations.Title
		if title == "" {
			title = tool.Title
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", tool.Name, cell(title), cell(firstSentence(tool.Description)))
	}
	table := b.String()

	replace := func(s string) (string, bool) {
		i := strings.Index(s, toolsBegin)
		j := strings.Index(s, toolsEnd)
		if i < 0 || j < i {
			return s, false
		}
		return s[:i+len(toolsBegin)] + table + s[j:], true
	}
	if updateREADME(t, func(s string) string { out, _ := replace(s); return out }) {
		return
	}
	readme := readFile(t, readmeFile)
	want, ok := replace(readme)
	if !ok {
		t.Fatalf("the README has no tools table between\n%s and %s", toolsBegin, toolsEnd)
	}
	if want != readme {
		t.Errorf("the README's tools table is stale (UPDATE_README=1 go test ./cmd/codex-mcp -run TestREADMEToolsTable rewrites it); it should be:\n%s", table)
	}
}

// firstSentence is a description's first sentence, up to a colon that opens a list.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ": "); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ".") + "."
}

// cell is s in a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

// TestREADMERequirements: the README's requirements are go.mod's Go and the Makefile's
// pinned codex versions, and every `claude mcp add` it shows names a scope (the default
// is the current folder only).
func TestREADMERequirements(t *testing.T) {
	readme := readFile(t, readmeFile)
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(readFile(t, repoRoot+"/go.mod"))
	if goVersion == nil || !strings.Contains(readme, "Go "+goVersion[1]+" or newer") {
		t.Errorf("the README does not require go.mod's Go %v", goVersion)
	}
	pinned := regexp.MustCompile(`(?m)^CODEX_VERSIONS \?= (.+)$`).FindStringSubmatch(readFile(t, repoRoot+"/Makefile"))
	if pinned == nil {
		t.Fatal("no CODEX_VERSIONS in the Makefile")
	}
	for _, v := range strings.Fields(pinned[1]) {
		if !strings.Contains(readme, "codex "+v) && !strings.Contains(readme, ", "+v) && !strings.Contains(readme, " "+v+" ") {
			t.Errorf("the README does not name the pinned codex %s", v)
		}
	}
	for _, m := range regexp.MustCompile(`claude mcp add[^\n`+"`"+`]*`).FindAllString(readme, -1) {
		if !regexp.MustCompile(`(^| )(-s|--scope)[ =](user|project)( |$)`).MatchString(m) {
			t.Errorf("the README's %q registers the server for the current folder only: add -s user", m)
		}
	}
	for _, c := range subcommands {
		if !strings.Contains(readme, "codex-mcp "+c.name) {
			t.Errorf("the README never shows `codex-mcp %s`", c.name)
		}
	}
}
