package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
)

// TestIntegrationDemo runs the built binary's `demo` with the pinned codex, as the README
// tells a newcomer to: the seed's feature cycle then an unrelated task, decided by the
// server's own tree (new, resume, resume, new), each step done by the real codex. HOME and
// CODEX_HOME point at folders holding a sentinel: after the demo nothing in them has
// changed, and the demo's own folder is gone (or kept, with --keep).
func TestIntegrationDemo(t *testing.T) {
	codexBin := testenv.CodexBin(t)
	bin := buildServer(t)
	home, codexHome, state, tmp := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	for _, f := range []string{filepath.Join(home, ".codex", "config.toml"), filepath.Join(codexHome, "config.toml"),
		filepath.Join(home, ".local", "state", "codex-mcp", "memory.db"), filepath.Join(state, "memory.db")} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("sentinel: the user's own "+filepath.Base(f)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := treeState(t, home, codexHome, state)
	env := isolatedEnv(t)
	for i, kv := range env {
		switch {
		case strings.HasPrefix(kv, "HOME="):
			env[i] = "HOME=" + home
		case strings.HasPrefix(kv, "CODEX_HOME="):
			env[i] = "CODEX_HOME=" + codexHome
		case strings.HasPrefix(kv, "CODEX_MCP_STATE_DIR="):
			env[i] = "CODEX_MCP_STATE_DIR=" + state
		}
	}
	env = append(env, "TMPDIR="+tmp, "XDG_STATE_HOME="+filepath.Join(home, ".local", "state"))

	r := runBinary(t, bin, env, "demo", "--codex", codexBin)
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	out := r.stdout
	t.Logf("demo output:\n%s", out)
	if !strings.Contains(out, "\nDecisions: new, resume, resume, new\n") {
		t.Errorf("decisions line missing:\n%s", out)
	}
	// Each decision with its path, then the call it suggested and what codex did.
	for _, want := range []string{
		"decide_resume → start a new session", "decide_resume → resume session",
		"Is this the first Codex task in this conversation?: yes", "Does it extend/enhance previous implementation?: yes",
		"Different module/feature area?: yes",
		"start_session → session", "resume_session → session",
		"file added   src/auth/jwt.go", "file updated src/auth/jwt.go", "file added   src/auth/jwt_test.go", "file added   src/payment/invoice.go",
		"ran  $ ls (exit 0)", "said Created the auth module",
		"Sessions (list_sessions):",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	ids := regexp.MustCompile(`(start|resume)_session → session ([0-9a-f-]{36})`).FindAllStringSubmatch(out, -1)
	if len(ids) != 4 || ids[1][2] != ids[0][2] || ids[2][2] != ids[0][2] || ids[3][2] == ids[0][2] {
		t.Errorf("sessions of the four steps: %v; want one session for the first three and another for the fourth", ids)
	}
	if strings.Contains(out, "\x1b[") || strings.Contains(r.stderr, "\x1b[") {
		t.Error("colour off a terminal")
	}
	if after := treeState(t, home, codexHome, state); after != before {
		t.Errorf("the demo changed the user's HOME, CODEX_HOME or state directory:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "codex-mcp-demo-*")); len(left) != 0 {
		t.Errorf("the demo left its folder behind: %v", left)
	}

	// --keep keeps the folder, with the demo's own Codex store and memory in it.
	r = runBinary(t, bin, env, "demo", "--keep", "--codex", codexBin)
	if r.code != 0 {
		t.Fatalf("demo --keep: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	kept, _ := filepath.Glob(filepath.Join(tmp, "codex-mcp-demo-*"))
	if len(kept) != 1 || !strings.Contains(r.stdout, kept[0]) {
		t.Fatalf("--keep: folders %v, output:\n%s", kept, r.stdout)
	}
	rollouts, _ := filepath.Glob(filepath.Join(kept[0], "codex-home", "sessions", "*", "*", "*", "rollout-*.jsonl"))
	if len(rollouts) != 2 {
		t.Errorf("the kept CODEX_HOME has %d sessions, want 2", len(rollouts))
	}
	if _, err := os.Stat(filepath.Join(kept[0], "state", "memory.db")); err != nil {
		t.Errorf("the kept folder has no memory: %v", err)
	}
	if after := treeState(t, home, codexHome, state); after != before {
		t.Errorf("demo --keep changed the user's folders:\n%s", after)
	}
}

// treeState is every file under roots with its size, mode and content hash.
func treeState(t *testing.T, roots ...string) string {
	t.Helper()
	var b strings.Builder
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			sum := ""
			if d.Type().IsRegular() {
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				h := sha256.Sum256(data)
				sum = hex.EncodeToString(h[:8])
			}
			b.WriteString(path + " " + info.Mode().String() + " " + sum + " " + info.ModTime().String() + "\n")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}
