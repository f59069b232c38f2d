package rollout

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The shapes are the ones codex 0.125.0 and 0.169.0 wrote in runs with -s read-only,
// workspace-write and danger-full-access (turn_context.sandbox_policy and
// permission_profile, and threads.sandbox_policy), plus the older "mode"-tagged form.
func TestSandboxMode(t *testing.T) {
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"policy read-only", `{"type":"read-only"}`, SandboxReadOnly},
		{"policy workspace-write 0.125", `{"type":"workspace-write","writable_roots":["/h/memories"],"network_access":false,"exclude_tmpdir_env_var":false,"exclude_slash_tmp":false}`, SandboxWorkspaceWrite},
		{"policy workspace-write 0.169", `{"type":"workspace-write","network_access":false,"exclude_tmpdir_env_var":false,"exclude_slash_tmp":false}`, SandboxWorkspaceWrite},
		{"policy danger-full-access", `{"type":"danger-full-access"}`, SandboxDangerFullAccess},
		{"older mode tag", `{"mode":"workspace-write","writable_roots":[]}`, SandboxWorkspaceWrite},
		{"plain string", `"read-only"`, SandboxReadOnly},
		{"profile read-only", permReadOnly, SandboxReadOnly},
		{"profile workspace-write", permWorkspaceWrite, SandboxWorkspaceWrite},
		{"profile disabled", `{"type":"disabled"}`, SandboxDangerFullAccess},
		{"profile unrestricted", `{"type":"managed","file_system":{"type":"unrestricted"},"network":"enabled"}`, SandboxDangerFullAccess},
		{"profile with no entries", `{"type":"managed","file_system":{"type":"restricted","entries":[]},"network":"restricted"}`, SandboxReadOnly},
		{"external sandbox", `{"type":"external-sandbox","network_access":"restricted"}`, ""},
		{"external profile", `{"type":"external","network":"restricted"}`, ""},
		{"managed without file system", `{"type":"managed","network":"restricted"}`, ""},
		{"unknown access", `{"type":"managed","file_system":{"type":"restricted","entries":[{"access":"append"}]}}`, ""},
		{"entries of the wrong type", `{"type":"managed","file_system":{"type":"restricted","entries":7}}`, ""},
		{"unknown type", `{"type":"sandbox-of-the-future"}`, ""},
		{"unknown string", `"yolo"`, ""},
		{"null", `null`, ""},
		{"empty", ``, ""},
		{"garbage", `{"type":`, ""},
		{"number", `3`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sandboxMode([]byte(tc.raw)); got != tc.want {
				t.Fatalf("sandboxMode(%s) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

// The first turn_context is what the session started with: a resume with another -s
// or model writes later ones, which must not change the answer.
func TestParseFirstTurnContext(t *testing.T) {
	tc := func(model, policy string) string {
		return `{"timestamp":"2026-01-02T03:04:06.000Z","type":"turn_context","payload":{"cwd":"/w","model":` + quote(model) + `,"sandbox_policy":` + policy + `}}`
	}
	for _, c := range []struct {
		name, in, sandbox, model string
	}{
		{"first wins", tc("gpt-a", `{"type":"read-only"}`) + "\n" + userLine("x") + "\n" + tc("gpt-b", `{"type":"danger-full-access"}`), SandboxReadOnly, "gpt-a"},
		{"unknown first is not replaced by a later one", tc("gpt-a", `{"type":"external-sandbox"}`) + "\n" + tc("gpt-b", `{"type":"read-only"}`), "", "gpt-a"},
		{"permission profile when the policy is missing",
			`{"type":"turn_context","payload":{"model":"m","permission_profile":{"type":"disabled"}}}`, SandboxDangerFullAccess, "m"},
		{"no turn_context", userLine("x"), "", ""},
		{"oversize turn_context still read from its head",
			`{"type":"turn_context","payload":{"model":"big","sandbox_policy":{"type":"workspace-write"},"collaboration_mode":` + quote(strings.Repeat("z", 2<<20)) + `}}` + "\n" + tc("later", `{"type":"read-only"}`),
			SandboxWorkspaceWrite, "big"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := parseString(t, metaLineOK+"\n"+c.in+"\n", modeFull)
			if err != nil {
				t.Fatal(err)
			}
			if p.sandbox != c.sandbox || p.turnModel != c.model {
				t.Fatalf("sandbox %q model %q, want %q %q", p.sandbox, p.turnModel, c.sandbox, c.model)
			}
		})
	}
}

// Get takes the sandbox from the rollout's first turn and falls back to the index's
// (the latest turn's) only when the rollout does not say; the model is the first turn's
// even where the index has the latest.
func TestGetSandboxAndModel(t *testing.T) {
	sessions := []fakeSession{
		// Started read-only, resumed with danger-full-access and another model.
		{ID: fakeID(1), Cwd: "/p", Started: base, Prompts: []string{"a", "b"}, Sandboxes: []string{"read-only", "danger-full-access"}},
		// The rollout records no sandbox: only the index can tell.
		{ID: fakeID(2), Cwd: "/p", Started: base.Add(time.Minute), Prompts: []string{"c"}, Sandboxes: nil, Version: "0.125.0"},
		{ID: fakeID(3), Cwd: "/p", Started: base.Add(2 * time.Minute), Prompts: []string{"d"}, Sandboxes: []string{"workspace-write"}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, home := b.newStore(t, sessions)
			if b.version != "" {
				// The index keeps the latest model; the first turn's must win.
				db := openWritable(t, filepath.Join(home, "state_5.sqlite"))
				if _, err := db.Exec("UPDATE threads SET model = 'gpt-later'"); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			for _, c := range []struct {
				id              string
				sandbox, source string
			}{
				{fakeID(1), SandboxReadOnly, SandboxFromRollout},
				{fakeID(2), map[bool]string{true: SandboxReadOnly}[b.version != ""], map[bool]string{true: SandboxFromIndex}[b.version != ""]},
				{fakeID(3), SandboxWorkspaceWrite, SandboxFromRollout},
			} {
				got, ok, err := s.Get(t.Context(), c.id)
				if err != nil || !ok {
					t.Fatalf("Get %s: %v %v", c.id, ok, err)
				}
				if got.Sandbox != c.sandbox || got.SandboxSource != c.source || got.Model != "gpt-5.5" {
					t.Errorf("Get %s: sandbox %q from %q, model %q; want %q from %q, gpt-5.5", c.id, got.Sandbox, got.SandboxSource, got.Model, c.sandbox, c.source)
				}
			}
			page, err := s.List(t.Context(), Filter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, sess := range page.Sessions {
				if sess.Sandbox != "" || sess.SandboxSource != "" {
					t.Errorf("List filled Sandbox: %+v", sess)
				}
			}
		})
	}
}
