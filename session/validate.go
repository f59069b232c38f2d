package session

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session/codex"
)

// MaxPromptChars is codex's own limit on one user turn; a longer prompt is refused here,
// before anything runs, instead of by codex after it started.
const MaxPromptChars = 1 << 20

// maxTimeout bounds timeout_seconds: a day is longer than any sane single turn.
const maxTimeout = 24 * time.Hour

var (
	uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// Model and profile names go into argv: they must not look like flags.
	nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$`)
)

const sandboxes = "read-only, workspace-write, danger-full-access"

// IsUUID reports whether s is a session id codex can resume.
func IsUUID(s string) bool { return uuidRe.MatchString(s) }

// prepared is a validated task, ready to run.
type prepared struct {
	task     Task
	dir      string
	sandbox  string
	prompt   string
	timeout  time.Duration
	patterns []prompts.Pattern
	warnings []string
	// extraContext is appended to the context after pattern resolution (draw_from).
	extraContext string
}

// prepare validates everything about t that does not depend on an existing session and
// checks the directory unless a resume takes it from the session.
func (m *Manager) prepare(t Task, resume bool) (*prepared, error) {
	p := &prepared{task: t}
	if strings.TrimSpace(t.Task) == "" {
		return nil, inputErr("task", "is empty", "a description of the work for Codex")
	}
	switch t.Mode {
	case "", ModeAnalysis, ModeWrite, ModeAuto:
	default:
		return nil, inputErr("mode", "unknown mode "+quote(t.Mode), "analysis (read-only), write, auto")
	}
	if t.Sandbox != "" && codex.SandboxRank(t.Sandbox) < 0 {
		return nil, inputErr("sandbox", "unknown sandbox "+quote(t.Sandbox), sandboxes)
	}
	if t.Sandbox != "" && codex.SandboxRank(t.Sandbox) > codex.SandboxRank(m.cfg.MaxSandbox) {
		return nil, inputErr("sandbox", quote(t.Sandbox)+" is above this server's limit of "+quote(m.cfg.MaxSandbox)+
			" (the operator can raise it with --max-sandbox)", allowedUpTo(m.cfg.MaxSandbox))
	}
	if t.Mode == ModeAnalysis && t.Sandbox != "" && t.Sandbox != codex.SandboxReadOnly {
		return nil, inputErr("sandbox", "mode analysis runs read-only, but sandbox "+quote(t.Sandbox)+" was asked for", "read-only, or mode write/auto")
	}
	for field, v := range map[string]string{"model": t.Model, "profile": t.Profile} {
		if v != "" && !nameRe.MatchString(v) {
			return nil, inputErr(field, quote(v)+" is not a valid name", "letters, digits and . _ : / @ + -, not starting with '-'")
		}
	}
	if t.Timeout < 0 || t.Timeout > maxTimeout {
		return nil, inputErr("timeout_seconds", "must be between 0 and 86400", "seconds; 0 or absent for the server default")
	}
	if t.Wait < 0 {
		return nil, inputErr("wait_seconds", "must not be negative", "seconds; 0 or absent to wait for the end of the run")
	}
	p.timeout = t.Timeout
	if p.timeout == 0 {
		p.timeout = m.cfg.Timeout
	}

	if !resume || t.Directory != "" {
		dir, err := m.directory(t.Directory)
		if err != nil {
			return nil, err
		}
		p.dir = dir
	}

	if err := prompts.ValidatePatterns(t.Context); err != nil {
		return nil, inputErr("context", err.Error(), "@{glob,glob} patterns relative to the directory, e.g. @{src/auth/**/*}")
	}
	rules := t.Rules
	if t.RulesTemplate != "" {
		text, err := m.cfg.Templates.Lookup(t.RulesTemplate)
		if err != nil {
			return nil, inputErr("rules_template", err.Error(), strings.Join(m.cfg.Templates.Names(), ", "))
		}
		rules = joinNonEmpty(text, rules, " | ")
	}
	p.task.Rules = rules
	return p, nil
}

// render builds the prompt once the directory is known (patterns resolve against it).
func (m *Manager) render(ctx context.Context, p *prepared) error {
	text := p.task.Context
	if p.dir != "" {
		pats, err := prompts.Resolve(ctx, prompts.Area{Dir: p.dir, Allowed: m.cfg.AllowedDirs}, text, 200)
		if err != nil {
			return inputErr("context", err.Error(), "@{glob,glob} patterns relative to the directory")
		}
		for _, pt := range pats {
			p.warnings = append(p.warnings, pt.Warnings(p.dir)...)
		}
		p.patterns = pats
		text = prompts.Annotate(text, pats)
	}
	if p.extraContext != "" {
		text = joinNonEmpty(text, p.extraContext, "\n")
	}
	mode := p.task.Mode
	if mode == "" {
		mode = ModeAuto
	}
	p.prompt = prompts.Render(prompts.Fields{
		Purpose: p.task.Purpose, Task: p.task.Task, Mode: mode,
		Context: text, Expected: p.task.Expected, Rules: p.task.Rules,
	})
	if n := len([]rune(p.prompt)); n > MaxPromptChars {
		return inputErr("task", "the prompt is "+strconv.Itoa(n)+" characters; codex accepts at most 1048576",
			"a shorter task/context (codex reads the files itself: name them with @{...} instead of pasting them)")
	}
	return nil
}

// directory resolves the run's working directory: the caller's (relative ones against the
// server's default), else the default. It must exist and be a directory.
func (m *Manager) directory(dir string) (string, error) {
	if dir == "" {
		dir = m.cfg.DefaultDir
	}
	if strings.HasPrefix(dir, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, dir[2:])
		}
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(m.cfg.DefaultDir, dir)
	}
	dir = filepath.Clean(dir)
	if len(m.cfg.AllowedDirs) > 0 {
		// Check and run in the resolved path, so a symlink swapped after the check
		// cannot lead codex elsewhere.
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real
		}
	}
	if len(m.cfg.AllowedDirs) > 0 && !m.allowed(dir) {
		return "", inputErr("directory", quote(dir)+" is outside the directories this server may work in",
			strings.Join(m.cfg.AllowedDirs, ", ")+" and below (the operator sets them with --allowed-dirs)")
	}
	st, err := os.Stat(dir)
	if err != nil {
		return "", inputErr("directory", quote(dir)+" does not exist", "an existing directory, absolute or relative to "+m.cfg.DefaultDir)
	}
	if !st.IsDir() {
		return "", inputErr("directory", quote(dir)+" is a file, not a directory", "an existing directory")
	}
	return dir, nil
}

// allowed reports whether dir is one of the allowed directories or inside one, on whole
// path components, after resolving symlinks (a link must not lead out).
func (m *Manager) allowed(dir string) bool {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	for _, root := range m.cfg.AllowedDirs {
		if real, err := filepath.EvalSymlinks(root); err == nil {
			root = real
		}
		rel, err := filepath.Rel(root, dir)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return true
		}
	}
	return false
}

// sandboxFor picks the sandbox for a new session: the caller's, else the mode's.
func (m *Manager) sandboxFor(t Task) (string, error) {
	if t.Sandbox != "" {
		return t.Sandbox, nil
	}
	sb := codex.SandboxWorkspaceWrite
	if t.Mode == ModeAnalysis {
		sb = codex.SandboxReadOnly
	}
	if codex.SandboxRank(sb) > codex.SandboxRank(m.cfg.MaxSandbox) {
		return "", inputErr("mode", "mode "+quote(orDefault(t.Mode, ModeAuto))+" needs "+sb+", above this server's limit of "+m.cfg.MaxSandbox, "mode analysis")
	}
	return sb, nil
}

func allowedUpTo(max string) string {
	all := []string{codex.SandboxReadOnly, codex.SandboxWorkspaceWrite, codex.SandboxFullAccess}
	return strings.Join(all[:codex.SandboxRank(max)+1], ", ")
}

func quote(s string) string { return "\"" + s + "\"" }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func joinNonEmpty(a, b, sep string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + sep + b
}
