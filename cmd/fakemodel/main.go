// Command fakemodel serves the scripted fake Responses API on loopback and prints its
// base URL, for benchmarks and for trying codex-mcp without an OpenAI account.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/codex-mcp/codex-mcp/internal/fakemodel"
)

func main() {
	s, err := fakemodel.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakemodel:", err)
		os.Exit(1)
	}
	if os.Getenv("FAKEMODEL_DEBUG") != "" {
		s.Debug = os.Stderr
	}
	fmt.Println(s.URL())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	<-ch
	_ = s.Close()
}
