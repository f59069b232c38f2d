package tools_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session"
)

// readAll reads every listed resource through the client and returns their texts by URI.
func readAll(t *testing.T, c *client.Client, list []mcp.Resource) map[string]string {
	t.Helper()
	texts := map[string]string{}
	for _, r := range list {
		req := mcp.ReadResourceRequest{}
		req.Params.URI = r.URI
		res, err := c.ReadResource(t.Context(), req)
		if err != nil {
			t.Fatalf("read %s: %v", r.URI, err)
		}
		if len(res.Contents) != 1 {
			t.Fatalf("read %s: %d contents", r.URI, len(res.Contents))
		}
		tc, ok := res.Contents[0].(mcp.TextResourceContents)
		if !ok || tc.Text == "" || tc.URI != r.URI || tc.MIMEType != r.MIMEType {
			t.Fatalf("read %s: %+v (listed as %s)", r.URI, res.Contents[0], r.MIMEType)
		}
		texts[r.URI] = tc.Text
	}
	return texts
}

func listResources(t *testing.T, c *client.Client) []mcp.Resource {
	t.Helper()
	res, err := c.ListResources(t.Context(), mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Resources
}

// TestResourcesTemplates: every built-in rules template and every user file is listed as
// codex://rules/{name} and reads back as rules_template would use it; a user file wins
// over the built-in of the same name.
func TestResourcesTemplates(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "team"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"team/api.txt": "Version every endpoint. Keep responses small.", "feature.md": "Our feature rules. Ship small."} {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tpl := prompts.Templates{Dirs: []string{dir}}
	mgr := session.NewManager(session.Config{DefaultDir: t.TempDir(), Templates: tpl}, session.Deps{})
	t.Cleanup(mgr.Close)
	c := stubClient(t, mgr, nil)
	list := listResources(t, c)
	byURI := map[string]mcp.Resource{}
	for _, r := range list {
		byURI[r.URI] = r
	}
	for _, name := range tpl.Names() {
		r, ok := byURI["codex://rules/"+name]
		if !ok {
			t.Errorf("template %s not listed: %v", name, list)
			continue
		}
		if r.Name != "rules/"+name || r.Title == "" || r.Description == "" {
			t.Errorf("template %s listed as %+v", name, r)
		}
	}
	texts := readAll(t, c, list)
	if got := texts["codex://rules/team/api"]; got != "Version every endpoint. Keep responses small." || byURI["codex://rules/team/api"].MIMEType != "text/plain" {
		t.Errorf("user template: %q (%s)", got, byURI["codex://rules/team/api"].MIMEType)
	}
	if got := texts["codex://rules/feature"]; got != "Our feature rules. Ship small." || !strings.Contains(byURI["codex://rules/feature"].Description, dir) {
		t.Errorf("user override of feature: %q, %+v", got, byURI["codex://rules/feature"])
	}
	if got := texts["codex://rules/security"]; !strings.Contains(got, "security") || !strings.Contains(byURI["codex://rules/security"].Title, "built-in") {
		t.Errorf("built-in security: %q, %+v", got, byURI["codex://rules/security"])
	}
	// Both resource templates stay published.
	tl, err := c.ListResourceTemplates(t.Context(), mcp.ListResourceTemplatesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var raws []string
	for _, rt := range tl.ResourceTemplates {
		raws = append(raws, rt.URITemplate.Raw())
	}
	if strings.Join(raws, " ") != "codex://sessions/{id} codex://rules/{+name}" {
		t.Errorf("resource templates: %v", raws)
	}
}

// TestResourcesRecentSessions: resources/list shows the most recent sessions, named by
// their task, newest first, each readable at codex://sessions/{id}.
func TestResourcesRecentSessions(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	stub := &stubSessions{text: "# Codex session\n\nturns"}
	for i := range 25 {
		stub.list.Sessions = append(stub.list.Sessions, session.SessionInfo{
			SessionID: "0199aaaa-0000-7000-8000-0000000000" + twoDigits(i), Directory: "/w/src/auth",
			Task: "PURPOSE: p\nTASK: Implement auth step " + twoDigits(i) + "\nMODE: auto", Feature: "auth",
			Status: "completed", Source: "server", Turns: 2, UpdatedAt: now.Add(-time.Duration(i) * time.Minute),
		})
	}
	c := stubClient(t, stub, nil)
	list := listResources(t, c)
	var sessions []mcp.Resource
	for _, r := range list {
		if strings.HasPrefix(r.URI, "codex://sessions/") {
			sessions = append(sessions, r)
		}
	}
	// The stub returns what it holds; the server asks for 20 (tools.ListedSessions), and
	// keeps the order it is given: newest first.
	if len(sessions) != 25 {
		t.Fatalf("%d sessions listed", len(sessions))
	}
	first := sessions[0]
	if first.URI != "codex://sessions/0199aaaa-0000-7000-8000-000000000000" || first.Name != "Implement auth step 00" ||
		first.Title != "Implement auth step 00 [auth]" || !strings.Contains(first.Description, "/w/src/auth") ||
		first.Annotations == nil || first.Annotations.LastModified != "2026-03-01T12:00:00Z" {
		t.Errorf("first session listed as %+v", first)
	}
	texts := readAll(t, c, sessions[:2])
	if texts[first.URI] != stub.text {
		t.Errorf("read %s: %q", first.URI, texts[first.URI])
	}
}

func twoDigits(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// TestResourceReadErrors: a URI that names nothing (a malformed or unknown session, a
// template that does not exist, another scheme) is mcp-go's "resource not found", never
// an internal error: -32602 (invalid params) under protocol 2026-07-28, -32002 (the code
// the MCP spec gives "Resource not found" up to 2025-11-25) under the versions that use
// initialize.
func TestResourceReadErrors(t *testing.T) {
	s := bareServer(t)
	clients := []struct {
		version string
		want    error
	}{
		{mcp.LATEST_PROTOCOL_VERSION, mcp.ErrInvalidParams},
		{mcp.ProtocolVersion20251125, mcp.ErrResourceNotFound},
		{mcp.ProtocolVersion20250618, mcp.ErrResourceNotFound},
	}
	for _, cl := range clients {
		c := connectAs(t, s, "reader", cl.version)
		for _, uri := range []string{
			"codex://sessions/not-a-session", "codex://sessions/", "codex://sessions/0199aaaa-0000-7000-8000-000000000000",
			"codex://rules/no-such-template", "codex://rules/../etc/passwd", "codex://nothing", "file:///etc/passwd",
		} {
			req := mcp.ReadResourceRequest{}
			req.Params.URI = uri
			_, err := c.ReadResource(t.Context(), req)
			if !errors.Is(err, cl.want) {
				t.Errorf("protocol %s, read %s: %v, want %v", cl.version, uri, err, cl.want)
			}
		}
	}
	// On the wire (no initialize: the legacy answer), the reason is in the message.
	resp := s.HandleMessage(t.Context(), json.RawMessage(`{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"codex://sessions/xyz"}}`))
	e, ok := resp.(mcp.JSONRPCError)
	if !ok || e.Error.Code != mcp.RESOURCE_NOT_FOUND || !strings.Contains(e.Error.Message, `"xyz" is not a session id`) {
		data, _ := json.Marshal(resp)
		t.Errorf("bad session URI on the wire: %s", data)
	}
}
