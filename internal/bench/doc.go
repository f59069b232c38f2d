// Package bench holds the whole-process benchmarks behind the figures in the README:
// start-up to the initialize answer and idle memory against a minimal mcp-go server,
// start_session's overhead over running `codex exec --json` directly, and the answers
// over streamable HTTP against stdio's. Each benchmark alternates the candidate with its
// baseline in one run and reports medians and their ratio, because these machines are
// noisy.
package bench
