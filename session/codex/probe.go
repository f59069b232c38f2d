package codex

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"regexp"
	"strings"
	"sync"
)

// Capabilities is what one codex binary supports, read from its own --version and --help.
type Capabilities struct {
	Bin         string   // what is run: the native binary when Bin was the npm launcher
	Launcher    string   // the npm launcher it was found through, if any
	Env         []string // what the launcher would have added to the environment
	Version     string   // e.g. "0.169.0"
	ExecFlags   map[string]bool
	ResumeFlags map[string]bool
	HasResume   bool
	HasFork     bool
}

// NotFoundError says the codex binary is missing or does not run, in words a user can act on.
type NotFoundError struct {
	Bin string
	Err error
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("the Codex CLI could not be run as %q (%v): install it with `npm install -g @openai/codex`, "+
		"or point codex-mcp at it with --codex-bin or CODEX_MCP_CODEX_BIN", e.Bin, e.Err)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

var (
	versionRe = regexp.MustCompile(`(\d+)\.(\d+)\.(\d+)`)
	// Long flags and short flags as clap prints them in --help.
	longFlagRe  = regexp.MustCompile(`(?m)^\s+(?:-[A-Za-z], )?(--[a-z][a-z0-9-]*)`)
	shortFlagRe = regexp.MustCompile(`(?m)^\s+(-[A-Za-z]),`)
	commandRe   = regexp.MustCompile(`(?m)^Commands:[ \t]*\n((?:[ \t]+\S.*\n)+)`)
)

// Probe runs the binary's --version and the help of `exec` and `exec resume` (at once:
// they are independent) and reads the flags each accepts.
func Probe(ctx context.Context, bin string) (Capabilities, error) {
	ctx, cancel := context.WithTimeout(ctx, probeLimits.Timeout)
	defer cancel()
	path, err := exec.LookPath(bin)
	if err != nil {
		return Capabilities{}, &NotFoundError{Bin: bin, Err: err}
	}
	launcher := ""
	native, nativeEnv, ok := nativeBinary(path)
	if ok {
		launcher, path = path, native
	}
	var (
		wg                      sync.WaitGroup
		version, execH, resumeH string
		verr, eerr, rerr        error
	)
	run := func(out *string, errp *error, args ...string) {
		defer wg.Done()
		*out, *errp = probeOutput(ctx, path, args...)
	}
	wg.Add(3)
	go run(&version, &verr, "--version")
	go run(&execH, &eerr, "exec", "--help")
	go run(&resumeH, &rerr, "exec", "resume", "--help")
	wg.Wait()
	if verr != nil {
		return Capabilities{}, &NotFoundError{Bin: bin, Err: fmt.Errorf("%v: %s", verr, strings.TrimSpace(version))}
	}
	m := versionRe.FindString(version)
	if m == "" {
		return Capabilities{}, &NotFoundError{Bin: bin, Err: fmt.Errorf("unrecognised version output %q", strings.TrimSpace(version))}
	}
	if eerr != nil {
		return Capabilities{}, &NotFoundError{Bin: bin, Err: fmt.Errorf("`exec --help` failed: %v", eerr)}
	}
	caps := Capabilities{Bin: path, Launcher: launcher, Env: nativeEnv, Version: m, ExecFlags: parseFlags(execH)}
	if rerr == nil {
		caps.ResumeFlags = parseFlags(resumeH)
	}
	for _, c := range subcommands(execH) {
		switch c {
		case "resume":
			caps.HasResume = true
		case "fork":
			caps.HasFork = true
		}
	}
	if !caps.ExecFlags["--json"] {
		return caps, fmt.Errorf("codex %s at %s has no `exec --json`; codex-mcp needs codex 0.125.0 or newer (npm install -g @openai/codex)", caps.Version, path)
	}
	return caps, nil
}

// maxProbeOutput bounds what one probe command's output may grow to (codex's help is a
// few KB; a broken wrapper could print for ever).
const maxProbeOutput = 256 << 10

// probeOutput runs one probe command, held like a run (hold) but without a watcher,
// and returns its output.
// It returns within probeLimits.WaitDelay of the command exiting or ctx ending, even when
// something the command started (a wrapper script's `sleep 300 &`) keeps the output pipe
// open, and that something is killed with the group.
func probeOutput(ctx context.Context, path string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	out := &capBuffer{max: maxProbeOutput, head: true}
	cmd.Stdout, cmd.Stderr = out, out
	h, err := newHold(cmd, holdOptions{lifecycle: osLifecycles[0], logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return "", err
	}
	cmd.Cancel = func() error { h.stop(); return nil }
	cmd.WaitDelay = probeLimits.WaitDelay
	if err := cmd.Start(); err != nil {
		h.end()
		return "", err
	}
	if _, err := h.started(); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		h.end()
		return "", err
	}
	err = cmd.Wait()
	h.end()
	if errors.Is(err, exec.ErrWaitDelay) {
		// It answered and exited 0; only a leftover child held the pipe.
		err = nil
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("no answer within %s (%v)", probeLimits.Timeout, err)
	}
	return out.String(), err
}

func parseFlags(help string) map[string]bool {
	flags := map[string]bool{}
	for _, m := range longFlagRe.FindAllStringSubmatch(help, -1) {
		flags[m[1]] = true
	}
	for _, m := range shortFlagRe.FindAllStringSubmatch(help, -1) {
		flags[m[1]] = true
	}
	return flags
}

func subcommands(help string) []string {
	m := commandRe.FindStringSubmatch(help)
	if m == nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(m[1], "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// ErrNoFork is returned when the binary has no `exec fork` (codex before 0.169).
var ErrNoFork = errors.New("this codex has no `exec fork`; upgrade the Codex CLI (npm install -g @openai/codex), or use start_session with draw_from to build on the session")

// ErrNoResume is returned when the binary has no `exec resume`.
var ErrNoResume = errors.New("this codex has no `exec resume`; upgrade the Codex CLI (npm install -g @openai/codex)")
