package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/codex-mcp/codex-mcp/session/codex"
)

// Set at build time by the release builds (.goreleaser.yaml, `make dist`):
//
//	-ldflags "-X main.version=1.2.3 -X main.commit=<sha> -X main.date=<RFC 3339>"
//
// Left empty, each is read from the build info instead.
var version, commit, date string

// buildStamp is what a binary knows of where it came from.
type buildStamp struct {
	Version  string // serverInfo.version and the first word of `codex-mcp version`
	Commit   string // the VCS revision, when known
	Date     string // the commit's (or build's) time, when known
	Modified bool   // the checkout had uncommitted changes (from the build info only)
}

// pseudoVersionRe matches the tail of a Go pseudo-version (v0.0.0-20261202144938-c8af0c1b5990,
// v1.2.4-0.20261202144938-c8af0c1b5990+dirty): a commit, not a release.
var pseudoVersionRe = regexp.MustCompile(`\d{14}-[0-9a-f]{12}(\+[0-9A-Za-z.-]+)?$`)

// readBuild works out the version from, in order: the -X flags (release builds); the
// module version when it is a release (`go install …@v1.2.3`, or a build at a clean tag);
// the VCS revision of a build from a git checkout (dev+abc1234, dev+abc1234-dirty); a
// pseudo-version (`go install …@<commit>`); and only when nothing at all is known, "dev".
func readBuild(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo) buildStamp {
	var rev, vcsTime string
	modified := false
	mainVersion := ""
	if bi != nil {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if v := bi.Main.Version; v != "(devel)" {
			mainVersion = v
		}
	}
	b := buildStamp{Version: ldVersion, Commit: ldCommit, Date: ldDate}
	if b.Commit == "" {
		b.Commit, b.Modified = rev, modified
	}
	if b.Date == "" {
		b.Date = vcsTime
	}
	if b.Version != "" {
		return b
	}
	switch {
	case mainVersion != "" && !pseudoVersionRe.MatchString(mainVersion):
		b.Version = mainVersion
	case rev != "":
		b.Version = "dev+" + shortRev(rev)
		if modified {
			b.Version += "-dirty"
		}
	case mainVersion != "":
		b.Version = mainVersion
	default:
		b.Version = "dev"
	}
	return b
}

func shortRev(rev string) string {
	if len(rev) > 7 {
		return rev[:7]
	}
	return rev
}

// String is the first line of `codex-mcp version`: "codex-mcp 1.2.3 (commit abc1234,
// 2026-12-01T10:00:00Z, go1.26.8 darwin/arm64)".
func (b buildStamp) String() string {
	var details []string
	if c := shortRev(b.Commit); c != "" && !strings.Contains(b.Version, c) {
		if b.Modified {
			c += "-dirty"
		}
		details = append(details, "commit "+c)
	}
	if b.Date != "" {
		details = append(details, b.Date)
	}
	details = append(details, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("codex-mcp %s (%s)", b.Version, strings.Join(details, ", "))
}

func currentBuild() buildStamp {
	bi, _ := debug.ReadBuildInfo()
	return readBuild(version, commit, date, bi)
}

// serverVersion is the version the server advertises (serverInfo.version in initialize)
// and `codex-mcp version` prints.
func serverVersion() string { return currentBuild().Version }

func printVersion(ctx context.Context, cfg Config, w io.Writer) error {
	fmt.Fprintln(w, currentBuild())
	caps, err := codex.Probe(ctx, cfg.CodexBin)
	if err != nil {
		fmt.Fprintf(w, "codex: %v\n", err)
		if codexMissing(err) {
			fmt.Fprintln(w, "  `codex-mcp doctor` says where codex was looked for and where it was found")
		}
		return nil
	}
	fmt.Fprintf(w, "codex %s (%s)\n", caps.Version, caps.Bin)
	return nil
}
