package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestIntegrationProtocolVersions: every protocol version the server speaks, over stdio
// and over streamable HTTP, by raw JSON-RPC with the real codex and the fake model behind
// it. Each opens the way its version wants (initialize, or server/discover in the
// stateless 2026-07-28), lists the tools, calls decide_resume and start_session (with
// progress), and then shows what a conversation is in that version: the MCP session in
// the 2025 versions and over stdio, conversation_id in stateless HTTP.
func TestIntegrationProtocolVersions(t *testing.T) {
	bin, env, work, _ := rig(t)
	srv := startHTTP(t, bin, env, "--http", "127.0.0.1:0")
	for _, transport := range []string{"stdio", "http"} {
		for _, version := range []string{v20250618, v20251125, v20260728} {
			t.Run(transport+"/"+version, func(t *testing.T) {
				dir := filepath.Join(work, strings.ReplaceAll(transport+"-"+version, "-", "_"))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				connect := func(name string) *rawClient {
					if transport == "stdio" {
						return &rawClient{wire: startStdio(t, bin, env), version: version, name: name}
					}
					return &rawClient{wire: srv.wire(version, ""), version: version, name: name}
				}
				c := connect("matrix")
				opened := c.open(t)
				if modern(version) {
					if vs, _ := opened["supportedVersions"].([]any); !slices.Contains(vs, any(version)) {
						t.Fatalf("server/discover: supportedVersions %v", opened["supportedVersions"])
					}
				} else if opened["protocolVersion"] != version {
					t.Fatalf("initialize: negotiated %v, asked for %s", opened["protocolVersion"], version)
				}
				if hw, ok := c.wire.(*httpWire); ok && (hw.sessionID == "") != modern(version) {
					t.Fatalf("Mcp-Session-Id %q in %s", hw.sessionID, version)
				}

				tools := c.call(t, "tools/list", nil)
				var names []string
				for _, tool := range tools["tools"].([]any) {
					names = append(names, tool.(map[string]any)["name"].(string))
				}
				for _, want := range []string{"decide_resume", "start_session", "resume_session", "list_sessions", "get_session", "cancel_session", "fork_session"} {
					if !slices.Contains(names, want) {
						t.Fatalf("tools/list: %v lacks %s", names, want)
					}
				}

				task := "Create the health endpoint in health.go"
				d, _ := c.tool(t, "decide_resume", map[string]any{"task": task, "directory": dir}, "")
				if d["decision"] != "new" {
					t.Fatalf("decide_resume on empty memory: %v", d)
				}
				// Over stdio and in the 2025 versions the conversation is the session; in
				// stateless HTTP it is what conversation_id says.
				hasSession := transport == "stdio" || !modern(version)
				conv := ""
				args := map[string]any{"task": task + "\nRUN: echo " + version + " > health.go\nREPLY: health ok", "directory": dir}
				if !hasSession {
					conv = "conv-" + version
					args["conversation_id"] = conv
				}
				out, progress := c.tool(t, "start_session", args, "tok-"+version)
				if out["status"] != "completed" || out["final_message"] != "health ok" {
					t.Fatalf("start_session: %v", out)
				}
				if data, err := os.ReadFile(filepath.Join(dir, "health.go")); err != nil || strings.TrimSpace(string(data)) != version {
					t.Fatalf("codex did not run in %s: %q %v", dir, data, err)
				}
				if !strings.Contains(strings.Join(progress, "\n"), "ran `echo "+version+" > health.go` (exit 0)") {
					t.Fatalf("progress: %q", progress)
				}
				sid := out["session_id"].(string)

				next := "Extend the health endpoint in health.go with the build version"
				extend := map[string]any{"task": next, "directory": dir}
				if conv != "" {
					extend["conversation_id"] = conv
				}
				d, _ = c.tool(t, "decide_resume", extend, "")
				if d["decision"] != "resume" || d["session_id"] != sid {
					t.Fatalf("decide_resume in the same conversation: %v %v %v", d["decision"], d["session_id"], d["reason"])
				}
				if hasSession {
					// Another session (stdio: another connection; HTTP: another
					// initialize) is another conversation.
					other := connect("matrix-other")
					other.open(t)
					d, _ = other.tool(t, "decide_resume", extend, "")
					if d["decision"] != "new" {
						t.Fatalf("decide_resume from another session: %v %v", d["decision"], d["reason"])
					}
					list, _ := c.tool(t, "list_sessions", map[string]any{"directory": dir}, "")
					got := list["sessions"].([]any)[0].(map[string]any)["conversation_id"].(string)
					want := ":stdio"
					if hw, ok := c.wire.(*httpWire); ok {
						want = ":" + hw.sessionID
					}
					if !strings.HasPrefix(got, "matrix:") || !strings.HasSuffix(got, want) {
						t.Fatalf("conversation_id %q, want matrix:…%s", got, want)
					}
					return
				}
				// Stateless: without conversation_id each request is its own
				// conversation, and the answer says how to keep one.
				delete(extend, "conversation_id")
				d, _ = c.tool(t, "decide_resume", extend, "")
				if d["decision"] != "new" || !strings.Contains(fmt.Sprint(d["notes"]), "pass conversation_id") {
					t.Fatalf("decide_resume without conversation_id: %v %v %v", d["decision"], d["reason"], d["notes"])
				}
				list, _ := c.tool(t, "list_sessions", map[string]any{"conversation_id": conv}, "")
				if s := list["sessions"].([]any); len(s) != 1 || s[0].(map[string]any)["session_id"] != sid {
					t.Fatalf("list_sessions of %s: %v", conv, list)
				}
			})
		}
	}
}
