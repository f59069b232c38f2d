// Command codex-mcp is an MCP server (stdio) that runs the OpenAI Codex CLI for an AI
// assistant and remembers its sessions; its subcommands show the same to a person in a
// terminal. main only turns flags and environment into a Config and calls run.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if text, ok := asHelp(err); ok { // a subcommand's -h
		fmt.Fprint(os.Stdout, text)
		os.Exit(0)
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "codex-mcp:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "codex-mcp:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand; no subcommand serves MCP on stdio.
func run(ctx context.Context, args []string) error {
	if done, err := terminalCommand(ctx, args, os.Stdout); done { // help, -h, --help, --version
		return err
	}
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := parseConfig("serve", args)
		if err != nil {
			return err
		}
		return serve(ctx, cfg)
	case "version":
		cfg, err := parseConfig("version", args)
		if err != nil {
			return err
		}
		return printVersion(ctx, cfg, os.Stdout)
	case "doctor":
		cfg, err := parseConfig("doctor", args)
		if err != nil {
			return err
		}
		return doctor(ctx, cfg, os.Stdout)
	case "sessions":
		cfg, err := parseConfig("sessions", args)
		if err != nil {
			return err
		}
		return sessionsCmd(ctx, cfg, os.Stdout)
	case "decide":
		cfg, err := parseConfig("decide", args)
		if err != nil {
			return err
		}
		return decideCmd(ctx, cfg, os.Stdout)
	case "demo":
		cfg, err := parseConfig("demo", args)
		if err != nil {
			return err
		}
		return demoCmd(ctx, cfg, os.Stdout, os.Stderr)
	}
	return unknownCommand(cmd)
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
