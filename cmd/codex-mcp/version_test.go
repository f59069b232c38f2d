package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

func fakeBuildInfo(mainVersion string, settings ...string) *debug.BuildInfo {
	bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/codex-mcp/codex-mcp", Version: mainVersion}}
	for i := 0; i+1 < len(settings); i += 2 {
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
	}
	return bi
}

func TestReadBuild(t *testing.T) {
	const rev = "c8af0c1b5990cdf3a5a724031d69ff482432eae7"
	vcs := []string{"vcs", "git", "vcs.revision", rev, "vcs.time", "2026-12-02T14:49:38Z", "vcs.modified", "false"}
	dirty := []string{"vcs", "git", "vcs.revision", rev, "vcs.time", "2026-12-02T14:49:38Z", "vcs.modified", "true"}
	for _, tc := range []struct {
		name                 string
		ldVersion, ldCommit  string
		bi                   *debug.BuildInfo
		wantVersion, wantStr string
	}{
		{"release build (ldflags)", "1.2.3", "0123456789abcdef", fakeBuildInfo("(devel)"), "1.2.3", "codex-mcp 1.2.3 (commit 0123456, "},
		{"ldflags win over build info", "1.2.3", "", fakeBuildInfo("v9.9.9", vcs...), "1.2.3", "codex-mcp 1.2.3 (commit c8af0c1, 2026-12-02T14:49:38Z, "},
		{"go install …@v1.2.3", "", "", fakeBuildInfo("v1.2.3"), "v1.2.3", "codex-mcp v1.2.3 (go"},
		{"build at a clean tag", "", "", fakeBuildInfo("v1.2.3", vcs...), "v1.2.3", "codex-mcp v1.2.3 (commit c8af0c1, "},
		{"build at a tag, modified", "", "", fakeBuildInfo("v1.2.3+dirty", dirty...), "v1.2.3+dirty", "codex-mcp v1.2.3+dirty (commit c8af0c1-dirty, "},
		{"checkout build (Go stamps a pseudo-version)", "", "", fakeBuildInfo("v0.0.0-20261202144938-c8af0c1b5990", vcs...), "dev+c8af0c1", "codex-mcp dev+c8af0c1 (2026-12-02T14:49:38Z, "},
		{"checkout build, modified", "", "", fakeBuildInfo("v0.0.0-20261202144938-c8af0c1b5990+dirty", dirty...), "dev+c8af0c1-dirty", "codex-mcp dev+c8af0c1-dirty (2026-12-02T14:49:38Z, "},
		{"checkout build, older Go: (devel)", "", "", fakeBuildInfo("(devel)", vcs...), "dev+c8af0c1", "codex-mcp dev+c8af0c1 ("},
		{"go install …@<commit>", "", "", fakeBuildInfo("v1.2.4-0.20261202144938-c8af0c1b5990"), "v1.2.4-0.20261202144938-c8af0c1b5990", "codex-mcp v1.2.4-0.20261202144938-c8af0c1b5990 (go"},
		{"nothing known", "", "", fakeBuildInfo("(devel)"), "dev", "codex-mcp dev (go"},
		{"no build info", "", "", nil, "dev", "codex-mcp dev (go"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := readBuild(tc.ldVersion, tc.ldCommit, "", tc.bi)
			if b.Version != tc.wantVersion {
				t.Errorf("version %q, want %q", b.Version, tc.wantVersion)
			}
			s := b.String()
			if !strings.HasPrefix(s, tc.wantStr) || !strings.HasSuffix(s, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+")") {
				t.Errorf("String() = %q, want prefix %q", s, tc.wantStr)
			}
		})
	}
	if b := readBuild("1.2.3", "abc", "2026-12-01T00:00:00Z", fakeBuildInfo("(devel)", vcs...)); b.Date != "2026-12-01T00:00:00Z" || b.Commit != "abc" {
		t.Errorf("ldflags commit and date: %+v", b)
	}
}

// A binary built as the release builds it (-ldflags -X) prints that version and
// advertises it in initialize.
func TestVersionFromLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "codex-mcp")
	ldflags := "-s -w -X main.version=1.2.3-test -X main.commit=0123456789abcdef0123456789abcdef01234567 -X main.date=2026-12-01T10:00:00Z"
	if out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "CODEX_MCP_CODEX_BIN="+filepath.Join(t.TempDir(), "no-codex"),
		"CODEX_MCP_STATE_DIR="+t.TempDir(), "CODEX_MCP_LOG_LEVEL=error")
	cmd := exec.Command(bin, "version")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("version: %v\n%s", err, out)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if want := "codex-mcp 1.2.3-test (commit 0123456, 2026-12-01T10:00:00Z, " + runtime.Version() + " "; !strings.HasPrefix(first, want) {
		t.Fatalf("version line %q, want prefix %q", first, want)
	}

	c, err := client.NewStdioMCPClient(bin, env)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "version-test", Version: "1"}
	info, err := c.Initialize(t.Context(), init)
	if err != nil {
		t.Fatal(err)
	}
	if info.ServerInfo.Version != "1.2.3-test" {
		t.Fatalf("serverInfo.version %q, want 1.2.3-test", info.ServerInfo.Version)
	}
}
