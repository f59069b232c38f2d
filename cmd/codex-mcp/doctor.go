package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/memory"
)

// doctor checks each part a session needs and says what to do about what is wrong.
func doctor(ctx context.Context, cfg Config, w io.Writer) error {
	failed := 0
	check := func(name string, err error, ok string) {
		if err != nil {
			failed++
			fmt.Fprintf(w, "✗ %s: %v\n", name, err)
			return
		}
		fmt.Fprintf(w, "✓ %s: %s\n", name, ok)
	}
	caps, err := codex.Probe(ctx, cfg.CodexBin)
	var flags []string
	for _, f := range []string{"--json", "--sandbox", "--cd", "--skip-git-repo-check", "--full-auto", "--profile"} {
		if caps.ExecFlags[f] {
			flags = append(flags, f)
		}
	}
	check("codex CLI", err, fmt.Sprintf("%s at %s (exec flags used: %s; resume: %v)", caps.Version, caps.Bin, strings.Join(flags, " "), caps.HasResume))
	if codexMissing(err) {
		// Where it looked, where codex usually is on this OS, and the line that fixes it.
		for _, line := range strings.Split(strings.TrimSuffix(codexHint(machine(), cfg.CodexBin), "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}

	_, err = os.Stat(cfg.CodexHome)
	check("codex home", err, cfg.CodexHome)
	if err == nil {
		_, cerr := os.Stat(filepath.Join(cfg.CodexHome, "config.toml"))
		_, aerr := os.Stat(filepath.Join(cfg.CodexHome, "auth.json"))
		switch {
		case aerr == nil:
			fmt.Fprintln(w, "  signed in (auth.json present)")
		case os.Getenv("OPENAI_API_KEY") != "" || os.Getenv("CODEX_API_KEY") != "":
			fmt.Fprintln(w, "  an API key is set in the environment")
		case cerr == nil:
			fmt.Fprintln(w, "  no auth.json and no API key: fine if config.toml names a provider that needs none; else run `codex login`")
		default:
			fmt.Fprintln(w, "  not signed in: run `codex login` or set OPENAI_API_KEY")
		}
	}

	dbPath := filepath.Join(cfg.StateDir, "memory.db")
	st, err := memory.Open(ctx, dbPath, nil)
	if err == nil {
		_ = st.Close()
	}
	check("conversation memory", err, dbPath)
	// Diagnose looks deeper (writable, not held locked, not corrupt) without changing it.
	for _, f := range memory.Diagnose(ctx, dbPath) {
		failed++
		fmt.Fprintf(w, "✗ conversation memory: %s\n  fix: %s\n", f.Problem, f.Fix)
	}
	fmt.Fprintf(w, "  default directory %s, sandbox limit %s, timeout %s, idle timeout %s, at most %d runs at once, process lifecycle %s\n",
		cfg.DefaultDir, cfg.MaxSandbox, cfg.Timeout, cfg.IdleTimeout, cfg.MaxRunning, cfg.Lifecycle)
	if failed > 0 {
		return fmt.Errorf("%d check(s) failed", failed)
	}
	return nil
}
