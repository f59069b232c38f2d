package mcphttp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestListenAddr(t *testing.T) {
	cases := []struct{ in, want string }{
		{"8765", "127.0.0.1:8765"},
		{":8765", "127.0.0.1:8765"},
		{"0", "127.0.0.1:0"},
		{" 127.0.0.1:9 ", "127.0.0.1:9"},
		{"localhost:8765", "localhost:8765"},
		{"0.0.0.0:8765", "0.0.0.0:8765"},
		{"[::]:8765", "[::]:8765"},
		{"[::1]:8765", "[::1]:8765"},
		{"", ""},
		{"99999", ""},
		{"host", ""},
		{"host:port", ""},
		{"127.0.0.1:70000", ""},
	}
	for _, c := range cases {
		got, err := ListenAddr(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("ListenAddr(%q) = %q, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ListenAddr(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:1": true, "127.3.4.5:1": true, "[::1]:1": true,
		"0.0.0.0:1": false, "[::]:1": false, "10.1.2.3:1": false, "192.168.0.1:1": false,
	} {
		tcp, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := Loopback(tcp); got != want {
			t.Errorf("Loopback(%s) = %v", addr, got)
		}
	}
}

func TestCheckToken(t *testing.T) {
	for tok, ok := range map[string]bool{
		"":                                 false,
		"short":                            false,
		"0123456789abcdef":                 true,
		"with space inside 0123456789":     false,
		"ünïcödé-0123456789abcdef":         false,
		"a-long_token.with~punctuation!!!": true,
	} {
		if err := CheckToken(Token(tok), "X"); (err == nil) != ok {
			t.Errorf("CheckToken(%q): %v", tok, err)
		}
	}
}

// A token never prints, whichever way it is printed or logged.
func TestTokenNeverPrints(t *testing.T) {
	const secret = "s3cret-s3cret-s3cret"
	tok := Token(secret)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "token", tok, "cfg", struct{ T Token }{tok})
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "token", tok)
	j, _ := json.Marshal(struct{ T Token }{tok})
	for _, out := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %s %+v %#v %q", tok, tok, tok, tok, tok),
		fmt.Sprintf("%+v %#v", struct{ T Token }{tok}, struct{ T Token }{tok}), logged.String(), string(j)} {
		if strings.Contains(out, secret) {
			t.Errorf("the token printed: %s", out)
		}
	}
	if !tok.equal(secret) || tok.equal(secret+"x") || tok.equal("") || tok.equal(secret[:10]) {
		t.Error("equal is wrong")
	}
}

func guarded(g *Guard) http.Handler {
	return g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "ok %d", len(body))
	}))
}

func do(t *testing.T, h http.Handler, method string, body io.Reader, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "http://127.0.0.1:8765/mcp", body)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestGuardToken(t *testing.T) {
	const tok = "0123456789abcdef0123"
	h := guarded(&Guard{Token: tok})
	cases := []struct {
		auth      string
		status    int
		challenge string
	}{
		{"", 401, `Bearer realm="codex-mcp"`},
		{"Bearer", 401, `Bearer realm="codex-mcp"`},
		{"Basic " + tok, 401, `Bearer realm="codex-mcp"`},
		{"Bearer wrong-token-of-some-length", 401, `error="invalid_token"`},
		{"Bearer " + tok + "x", 401, `error="invalid_token"`},
		{"Bearer " + tok, 200, ""},
		{"bearer  " + tok + " ", 200, ""},
	}
	for _, c := range cases {
		w := do(t, h, "POST", strings.NewReader("{}"), map[string]string{"Authorization": c.auth})
		if w.Code != c.status {
			t.Errorf("Authorization %q: status %d, want %d", c.auth, w.Code, c.status)
		}
		if got := w.Header().Get("WWW-Authenticate"); !strings.Contains(got, c.challenge) || (c.challenge == "") != (got == "") {
			t.Errorf("Authorization %q: WWW-Authenticate %q, want it to hold %q", c.auth, got, c.challenge)
		}
		if strings.Contains(w.Body.String(), tok) {
			t.Errorf("the answer holds the token: %q", w.Body.String())
		}
	}
	// Without a token configured, nothing is asked.
	if w := do(t, guarded(&Guard{}), "POST", strings.NewReader("{}"), nil); w.Code != 200 {
		t.Errorf("no token configured: %d", w.Code)
	}
}

func TestGuardOrigin(t *testing.T) {
	h := guarded(&Guard{AllowedOrigins: []string{"https://app.example.com", "http://tool.example.com:3000"}, BoundHost: "10.1.2.3"})
	cases := map[string]int{
		"":                             200, // not a browser
		"http://localhost":             200,
		"http://localhost:5173":        200,
		"http://app.localhost:5173":    200,
		"http://127.0.0.1:8765":        200,
		"http://[::1]:8765":            200,
		"http://10.1.2.3:8765":         200, // the bound host
		"https://app.example.com":      200,
		"https://APP.example.com:443":  200,
		"http://tool.example.com:3000": 200,
		"http://tool.example.com":      403,
		"http://app.example.com":       403, // another scheme is another origin
		"https://evil.example":         403,
		"http://localhost.evil.com":    403,
		"http://127.0.0.1.nip.io":      403,
		"http://10.1.2.4:8765":         403,
		"null":                         403,
		"file://":                      403,
	}
	for origin, want := range cases {
		w := do(t, h, "POST", strings.NewReader("{}"), map[string]string{"Origin": origin})
		if w.Code != want {
			t.Errorf("Origin %q: status %d, want %d", origin, w.Code, want)
		}
	}
	// A foreign Origin is refused before the token is asked for.
	h = guarded(&Guard{Token: "0123456789abcdef0123"})
	if w := do(t, h, "POST", strings.NewReader("{}"), map[string]string{"Origin": "https://evil.example"}); w.Code != 403 {
		t.Errorf("foreign Origin without token: %d", w.Code)
	}
	if w := do(t, guarded(&Guard{AllowedOrigins: []string{"*"}}), "POST", nil, map[string]string{"Origin": "https://any.example"}); w.Code != 200 {
		t.Errorf("allowed origins *: %d", w.Code)
	}
}

func TestGuardBodyLimit(t *testing.T) {
	h := guarded(&Guard{MaxBodyBytes: 100})
	if w := do(t, h, "POST", strings.NewReader(strings.Repeat("x", 100)), nil); w.Code != 200 || w.Body.String() != "ok 100" {
		t.Errorf("100 bytes: %d %q", w.Code, w.Body.String())
	}
	if w := do(t, h, "POST", strings.NewReader(strings.Repeat("x", 101)), nil); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("101 bytes: %d", w.Code)
	}
	// Without a Content-Length (chunked), the limit holds while reading.
	r := httptest.NewRequest("POST", "http://127.0.0.1/mcp", io.MultiReader(strings.NewReader(strings.Repeat("y", 150))))
	r.ContentLength = -1
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("150 bytes chunked: %d", w.Code)
	}
}

func TestGuardDrain(t *testing.T) {
	g := &Guard{}
	h := guarded(g)
	g.Drain()
	if w := do(t, h, "POST", strings.NewReader("{}"), nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("draining: %d", w.Code)
	}
}

// Over a real connection, with the server's own limits: no connection-wide read or write
// deadline (either would cut a streaming answer), and the body read under its own.
func TestGuardRealServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &Guard{MaxBodyBytes: 1 << 20, Token: "0123456789abcdef0123"}
	srv := NewServer(g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %d", len(b))
	})), nil)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if srv.ReadTimeout != 0 || srv.WriteTimeout != 0 || srv.ReadHeaderTimeout == 0 || srv.IdleTimeout == 0 {
		t.Fatalf("timeouts: %+v", srv)
	}
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/mcp", strings.NewReader(strings.Repeat("z", 5000)))
	req.Header.Set("Authorization", "Bearer 0123456789abcdef0123")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "got 5000" {
		t.Fatalf("%d %q", res.StatusCode, body)
	}
}
