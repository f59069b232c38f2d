package codex

import (
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
)

// Users register codex-mcp in Codex's own config.toml (the README invites them to), so
// every `codex exec` this server starts would start codex-mcp again inside it: a server
// per run, and an inner Codex that can delegate to Codex again. The mcpGuard reads that
// config before each run and says which servers to turn off for it.

// maxConfigFile bounds the config.toml read; Codex's own are a few KB.
const maxConfigFile = 4 << 20

// mcpServer is what the guard needs of one `[mcp_servers.NAME]` table.
type mcpServer struct {
	name  string
	stdio bool // started as a process (command), not reached by URL
	self  bool // that process is codex-mcp
}

// mcpGuard caches the parsed config by file identity, so it is read again only when the
// user edits it, not on every run.
type mcpGuard struct {
	mu      sync.Mutex
	path    string
	modTime time.Time
	size    int64
	servers []mcpServer
}

// servers returns the enabled MCP servers of the config.toml that codex will read with
// env (CODEX_HOME, else ~/.codex). A missing config has none; a broken one is logged and
// treated as having none: it is no reason to fail the run (codex will say what is wrong
// with it, if anything).
func (g *mcpGuard) serversFor(env []string, logger *slog.Logger) []mcpServer {
	path := codexConfigPath(env)
	if path == "" {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.path == path && g.modTime.Equal(st.ModTime()) && g.size == st.Size() {
		return g.servers
	}
	g.path, g.modTime, g.size, g.servers = path, st.ModTime(), st.Size(), nil
	if st.Size() > maxConfigFile {
		logger.Warn("Codex config too large to check for codex-mcp among its MCP servers", "path", path, "size", st.Size())
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		logger.Warn("reading Codex config to check its MCP servers", "path", path, "err", err)
		return nil
	}
	servers, err := parseMCPServers(data, envValue(env, "PATH"), selfExecutable())
	if err != nil {
		logger.Warn("Codex config is not valid TOML; its MCP servers are not checked for codex-mcp", "path", path, "err", err)
		return nil
	}
	g.servers = servers
	return servers
}

// parseMCPServers reads the enabled `[mcp_servers.*]` tables of a config.toml, sorted by
// name. Each table is decoded loosely (a field of an unexpected type is ignored, not an
// error): only command, args, url and enabled matter here.
func parseMCPServers(data []byte, pathEnv, self string) ([]mcpServer, error) {
	var cfg struct {
		MCPServers map[string]map[string]any `toml:"mcp_servers"`
	}
	if err := toml.Unmarshal(data, &cfg); err != nil {
		return nil, err
	}
	var out []mcpServer
	for name, t := range cfg.MCPServers {
		if enabled, ok := t["enabled"].(bool); ok && !enabled {
			continue
		}
		command, _ := t["command"].(string)
		var args []string
		if list, ok := t["args"].([]any); ok {
			for _, a := range list {
				if s, ok := a.(string); ok {
					args = append(args, s)
				}
			}
		}
		s := mcpServer{name: name, stdio: command != ""}
		s.self = s.stdio && isSelf(command, args, pathEnv, self)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b mcpServer) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// mcpOverrides turns the servers into `-c` overrides for one run: a server that is this
// server is disabled (`enabled` exists in codex 0.125 and 0.169 alike); every other
// process server gets DelegatedEnv=pid in its own environment, since codex starts MCP
// servers with a cleared environment and would not pass ours on; a codex-mcp behind a
// wrapper the guard does not recognise then still knows it is nested. disabled names the
// servers turned off; skipped those that are this server but whose name cannot be
// written as a `-c` key (codex splits keys on dots).
func mcpOverrides(servers []mcpServer, pid int) (overrides, disabled, skipped []string) {
	for _, s := range servers {
		if !configKeyRe.MatchString(s.name) {
			if s.self {
				skipped = append(skipped, s.name)
			}
			continue
		}
		switch {
		case s.self:
			overrides = append(overrides, "mcp_servers."+s.name+".enabled=false")
			disabled = append(disabled, s.name)
		case s.stdio:
			overrides = append(overrides, "mcp_servers."+s.name+".env."+DelegatedEnv+"="+strconv.Quote(strconv.Itoa(pid)))
		}
	}
	return overrides, disabled, skipped
}

// configKeyRe is what a server name may be to be addressed in a `-c` key.
var configKeyRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// launchers run a package by name; their arguments say whether that package is codex-mcp.
var launchers = map[string]bool{"npx": true, "bunx": true, "pnpx": true, "npm": true, "pnpm": true, "yarn": true, "bun": true, "go": true}

// isSelf reports whether an MCP server's command starts codex-mcp: by name, as this very
// executable found through PATH or a symlink, or through a package launcher whose
// arguments name the codex-mcp package (`npx -y codex-mcp@1.2`, `npx @scope/codex-mcp`,
// `go run github.com/codex-mcp/codex-mcp/cmd/codex-mcp@latest`).
func isSelf(command string, args []string, pathEnv, self string) bool {
	base := commandName(command)
	if base == "codex-mcp" {
		return true
	}
	if self != "" {
		if p := resolveCommand(command, pathEnv); p != "" && sameFile(p, self) {
			return true
		}
	}
	if launchers[base] {
		for _, a := range args {
			if v, ok := strings.CutPrefix(a, "--package="); ok {
				a = v
			} else if strings.HasPrefix(a, "-") {
				continue
			}
			if packageName(a) == "codex-mcp" {
				return true
			}
		}
	}
	return false
}

// commandName is a command's file name without directory or Windows suffix, lower case.
func commandName(command string) string {
	base := command
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.ToLower(base)
	for _, ext := range []string{".exe", ".cmd", ".bat"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// packageName is the last path element of a package reference without its version:
// "@scope/codex-mcp@1.2.0" -> "codex-mcp".
func packageName(ref string) string {
	if i := strings.LastIndexByte(ref, '@'); i > 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexAny(ref, `/\`); i >= 0 {
		ref = ref[i+1:]
	}
	return ref
}

// resolveCommand finds command as codex would start it: a path as it is, a bare name
// through the run's PATH.
func resolveCommand(command, pathEnv string) string {
	if strings.ContainsAny(command, `/\`) {
		if filepath.IsAbs(command) {
			return command
		}
		return ""
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, command)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

func sameFile(a, b string) bool {
	sa, err := os.Stat(a) // Stat follows symlinks
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// selfExecutable is this process's executable, symlinks resolved; "" if unknown.
var selfExecutable = sync.OnceValue(func() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		return real
	}
	return p
})

// codexConfigPath is the config.toml codex reads with env: $CODEX_HOME/config.toml, else
// ~/.codex/config.toml (HOME of env, else this process's home).
func codexConfigPath(env []string) string {
	home := envValue(env, "CODEX_HOME")
	if home == "" {
		h := envValue(env, "HOME")
		if h == "" {
			h, _ = os.UserHomeDir()
		}
		if h == "" {
			return ""
		}
		home = filepath.Join(h, ".codex")
	}
	return filepath.Join(home, "config.toml")
}

// envValue is the last value of key in env (the one exec gives the child).
func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// withEnv returns env with key set to value, replacing any earlier setting; env is not
// modified.
func withEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}
