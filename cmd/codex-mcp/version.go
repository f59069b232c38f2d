package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/codex-mcp/codex-mcp/session/codex"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func serverVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func printVersion(ctx context.Context, cfg Config, w io.Writer) error {
	fmt.Fprintf(w, "codex-mcp %s\n", serverVersion())
	caps, err := codex.Probe(ctx, cfg.CodexBin)
	if err != nil {
		fmt.Fprintf(w, "codex: %v\n", err)
		return nil
	}
	fmt.Fprintf(w, "codex %s (%s)\n", caps.Version, caps.Bin)
	return nil
}
