// Command minimal is the baseline of codex-mcp's start-up and memory figures: an mcp-go
// stdio server with no tools that does nothing.
package main

import (
	"os"

	"github.com/mark3labs/mcp-go/server"
)

func main() {
	s := server.NewMCPServer("minimal", "1.0.0", server.WithToolCapabilities(false))
	if err := server.ServeStdio(s); err != nil {
		os.Exit(1)
	}
}
