package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// serve --http's flags and variables: the address normalized, the token from the file or
// the environment (never printed), the allowed origins; mistakes are usage errors.
func TestParseConfigHTTP(t *testing.T) {
	const tok = "0123456789abcdef-token"
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("  "+tok+"-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		addr    string
		token   string
		origins []string
		err     string
	}{
		{name: "stdio", args: nil},
		{name: "bare port", args: []string{"--http", "8765"}, addr: "127.0.0.1:8765"},
		{name: "colon port", args: []string{"--http", ":8765"}, addr: "127.0.0.1:8765"},
		{name: "env", env: map[string]string{"CODEX_MCP_HTTP": "0.0.0.0:9000", "CODEX_MCP_HTTP_TOKEN": tok}, addr: "0.0.0.0:9000", token: tok},
		{name: "file wins", args: []string{"--http", "0", "--http-token-file", file}, env: map[string]string{"CODEX_MCP_HTTP_TOKEN": tok}, addr: "127.0.0.1:0", token: tok + "-from-file"},
		{name: "file env", args: []string{"--http", "0"}, env: map[string]string{"CODEX_MCP_HTTP_TOKEN_FILE": file}, addr: "127.0.0.1:0", token: tok + "-from-file"},
		{name: "origins", args: []string{"--http", "0", "--http-allowed-origins", "https://a.example, http://b.example:3000/"}, addr: "127.0.0.1:0", origins: []string{"https://a.example", "http://b.example:3000"}},
		{name: "bad address", args: []string{"--http", "nowhere"}, err: "want host:port"},
		{name: "bad origin", args: []string{"--http", "0", "--http-allowed-origins", "a.example"}, err: "want scheme://host"},
		{name: "short token", args: []string{"--http", "0"}, env: map[string]string{"CODEX_MCP_HTTP_TOKEN": "abc"}, err: "at least 16"},
		{name: "short file", args: []string{"--http", "0", "--http-token-file", short}, err: "at least 16"},
		{name: "no file", args: []string{"--http", "0", "--http-token-file", filepath.Join(dir, "none")}, err: "--http-token-file"},
		// Without --http the token is not looked at.
		{name: "token without http", env: map[string]string{"CODEX_MCP_HTTP_TOKEN": "abc"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"CODEX_MCP_HTTP", "CODEX_MCP_HTTP_TOKEN", "CODEX_MCP_HTTP_TOKEN_FILE", "CODEX_MCP_HTTP_ALLOWED_ORIGINS"} {
				t.Setenv(k, c.env[k])
			}
			cfg, err := parseConfig("serve", c.args)
			if c.err != "" {
				var ue usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want a usage error with %q", err, c.err)
				}
				if strings.Contains(err.Error(), "abc") && c.name == "short token" {
					t.Fatalf("the message holds the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.HTTP != c.addr || string(cfg.HTTPToken) != c.token || !slices.Equal(cfg.HTTPAllowedOrigins, c.origins) {
				t.Fatalf("got %q %q %v", cfg.HTTP, cfg.HTTPToken.LogValue(), cfg.HTTPAllowedOrigins)
			}
			if c.token != "" && strings.Contains(fmt.Sprintf("%v %+v", cfg, cfg), c.token) {
				t.Fatal("the config prints its token")
			}
		})
	}
	// The other subcommands have no --http.
	if _, err := parseConfig("sessions", []string{"--http", "0"}); err == nil {
		t.Fatal("sessions --http accepted")
	}
}
