package session

import (
	"context"
	"log/slog"

	"github.com/codex-mcp/codex-mcp/session/codex"
	"github.com/codex-mcp/codex-mcp/session/memory"
	"github.com/codex-mcp/codex-mcp/session/rollout"
)

// RealDeps wires the real collaborators: the codex CLI at codexBin run with env (nil: the
// server's environment), memory in the SQLite file memoryPath (opened on first use), and
// Codex's own store under codexHome.
func RealDeps(codexBin string, env []string, memoryPath, codexHome string, logger *slog.Logger) Deps {
	return Deps{
		Runner: codex.NewRunner(codexBin, env, logger),
		OpenMemory: func(ctx context.Context) (Memory, error) {
			st, err := memory.Open(ctx, memoryPath, logger)
			if err != nil {
				return nil, err // not a typed nil in the interface
			}
			return st, nil
		},
		Codex:  rollout.New(codexHome, logger),
		Logger: logger,
	}
}
