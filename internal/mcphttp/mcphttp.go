// Package mcphttp is what stands between the network and mcp-go's streamable HTTP server
// when codex-mcp serves MCP over HTTP (`codex-mcp serve --http ADDR`): where it listens
// (loopback unless told otherwise), who may talk to it (a bearer token, compared in
// constant time; a browser page only from an allowed Origin), how much a request may
// send, and the http.Server timeouts that never cut a streaming answer.
//
// The MCP endpoint itself, sessions and protocol versions are mcp-go's; this package
// knows nothing of MCP.
package mcphttp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Path is where MCP is served: the only path the server answers.
const Path = "/mcp"

// MinTokenLength is the shortest bearer token the server accepts from its operator.
const MinTokenLength = 16

// The http.Server's limits. There is no ReadTimeout or WriteTimeout: a tools/call answer
// is a stream that lasts as long as the codex run (clients that cannot hold a stream that
// long pass wait_seconds and follow with get_session), and net/http cancels a request's
// context when a connection-wide read deadline passes, which would cancel the run. The
// body has its own deadline instead (BodyTimeout).
const (
	ReadHeaderTimeout = 10 * time.Second
	// BodyTimeout bounds reading one request body (at most MaxBodyBytes).
	BodyTimeout = 60 * time.Second
	// IdleTimeout closes a keep-alive connection that sends nothing.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes = 64 << 10
	// ShutdownGrace is how long a shutdown waits for answers in flight to be written.
	ShutdownGrace = 10 * time.Second
)

// Token is a bearer token. It never prints: fmt, slog and JSON see "[redacted]".
type Token string

func (Token) String() string               { return "[redacted]" }
func (Token) GoString() string             { return "[redacted]" }
func (Token) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (Token) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }
func (t Token) Set() bool                  { return t != "" }
func (t Token) digest() [sha256.Size]byte  { return sha256.Sum256([]byte(t)) }
func (t Token) equal(presented string) bool {
	d, p := t.digest(), sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(d[:], p[:]) == 1
}

// CheckToken says what is wrong with an operator's token, if anything; source names
// where it came from (an environment variable or a file), for the message.
func CheckToken(t Token, source string) error {
	s := string(t)
	switch {
	case s == "":
		return fmt.Errorf("%s is empty", source)
	case len(s) < MinTokenLength:
		return fmt.Errorf("the token in %s is %d characters long: use at least %d (for instance `openssl rand -hex 32`)", source, len(s), MinTokenLength)
	case strings.ContainsAny(s, " \t\r\n"):
		return fmt.Errorf("the token in %s contains white space, which cannot travel in an Authorization header", source)
	}
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return fmt.Errorf("the token in %s contains a character other than printable ASCII, which cannot travel in an Authorization header", source)
		}
	}
	return nil
}

// ListenAddr turns the operator's --http value into the address to listen on: a bare
// port ("8765" or ":8765") means loopback (127.0.0.1); to listen on every interface,
// say so ("0.0.0.0:8765", "[::]:8765").
func ListenAddr(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", errors.New("no address: want host:port such as 127.0.0.1:8765, or a port")
	}
	if _, err := strconv.ParseUint(addr, 10, 64); err == nil {
		if _, err := strconv.ParseUint(addr, 10, 16); err != nil {
			return "", fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
		}
		return net.JoinHostPort("127.0.0.1", addr), nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%q: want host:port such as 127.0.0.1:8765, or a port", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Loopback reports whether a listener's address is a loopback one: only this machine
// can reach it.
func Loopback(a net.Addr) bool {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	ap, err := netip.ParseAddrPort(a.String())
	return err == nil && ap.Addr().IsLoopback()
}

// Guard is the gate in front of the MCP handler.
type Guard struct {
	// Token, when set, is required of every request as "Authorization: Bearer <token>".
	Token Token
	// AllowedOrigins are the browser origins (scheme://host[:port]) allowed besides
	// loopback ones and the bound address; "*" allows any.
	AllowedOrigins []string
	// BoundHost is the listener's IP when it is a specific one (not 0.0.0.0 or ::): pages
	// served from that host are not foreign.
	BoundHost string
	// MaxBodyBytes bounds a request body; a longer one gets 413.
	MaxBodyBytes int64
	Logger       *slog.Logger

	draining atomic.Bool
}

// Drain makes the guard refuse every new request with 503: the server is shutting down.
func (g *Guard) Drain() { g.draining.Store(true) }

// Wrap returns next behind the guard. The order is: shutting down (503), foreign Origin
// (403), token (401), body size (413).
func (g *Guard) Wrap(next http.Handler) http.Handler {
	logger := g.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.draining.Load() {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "1")
			http.Error(w, "codex-mcp is shutting down", http.StatusServiceUnavailable)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !g.originAllowed(origin) {
			// A page on another site is talking to this server through someone's
			// browser (DNS rebinding, or a plain cross-site request).
			logger.Warn("refused a request from a foreign Origin", "origin", origin, "remote", r.RemoteAddr, "path", r.URL.Path)
			http.Error(w, "Forbidden: Origin "+strconv.Quote(origin)+" is not allowed (see --http-allowed-origins)", http.StatusForbidden)
			return
		}
		if g.Token.Set() {
			presented, ok := bearer(r.Header.Get("Authorization"))
			if !ok || !g.Token.equal(presented) {
				challenge := `Bearer realm="codex-mcp"`
				if ok {
					challenge += `, error="invalid_token", error_description="the bearer token is not this server's"`
				}
				w.Header().Set("WWW-Authenticate", challenge)
				why := "no bearer token"
				if ok {
					why = "a wrong bearer token"
				}
				logger.Warn("refused a request with "+why, "remote", r.RemoteAddr, "path", r.URL.Path)
				http.Error(w, "Unauthorized: this server needs Authorization: Bearer <token>", http.StatusUnauthorized)
				return
			}
		}
		if r.Body != nil && r.Body != http.NoBody && g.MaxBodyBytes > 0 {
			if !g.readBody(w, r, logger) {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// readBody reads the whole body under its own deadline and size limit, and hands the
// handler a copy; it answers 413 (too large) or 408 (too slow) itself.
func (g *Guard) readBody(w http.ResponseWriter, r *http.Request, logger *slog.Logger) bool {
	tooLarge := func(n int64) bool {
		logger.Warn("refused an oversized request", "bytes", n, "limit", g.MaxBodyBytes, "remote", r.RemoteAddr)
		w.Header().Set("Connection", "close")
		http.Error(w, fmt.Sprintf("Request Entity Too Large: a message may be at most %d bytes", g.MaxBodyBytes), http.StatusRequestEntityTooLarge)
		return false
	}
	if r.ContentLength > g.MaxBodyBytes {
		return tooLarge(r.ContentLength)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(BodyTimeout))
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, g.MaxBodyBytes+1))
	// No deadline from here on: the answer may stream for as long as the run lasts.
	_ = rc.SetReadDeadline(time.Time{})
	if n > g.MaxBodyBytes {
		return tooLarge(n)
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			w.Header().Set("Connection", "close")
			http.Error(w, "Request Timeout: the body took too long to arrive", http.StatusRequestTimeout)
			return false
		}
		http.Error(w, "Bad Request: reading the body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	return true
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// originAllowed: loopback pages, pages of the bound host, and the operator's list.
func (g *Guard) originAllowed(origin string) bool {
	norm, host, ok := normalizeOrigin(origin)
	for _, a := range g.AllowedOrigins {
		if a == "*" {
			return true
		}
		if an, _, aok := normalizeOrigin(a); ok && aok && an == norm {
			return true
		}
	}
	if !ok {
		return false // "null" (a sandboxed frame, a file: page) or garbage
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.IsLoopback() {
			return true
		}
		if g.BoundHost != "" {
			if b, err := netip.ParseAddr(g.BoundHost); err == nil && b.Unmap() == ip.Unmap() {
				return true
			}
		}
	}
	return false
}

// normalizeOrigin returns scheme://host[:port] in lower case, and the host alone.
func normalizeOrigin(o string) (norm, host string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", "", false
	}
	host = u.Hostname()
	norm = strings.ToLower(u.Scheme + "://" + u.Host)
	if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
		norm = strings.ToLower(u.Scheme + "://" + host)
		if strings.Contains(host, ":") {
			norm = strings.ToLower(u.Scheme + "://[" + host + "]")
		}
	}
	return norm, host, true
}

// BoundHost is the listener's IP as Guard.BoundHost wants it: "" for 0.0.0.0 and ::.
func BoundHost(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && !tcp.IP.IsUnspecified() {
		return tcp.IP.String()
	}
	return ""
}

// NewServer is the http.Server for handler, with the limits above.
func NewServer(handler http.Handler, errorLog *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
	if errorLog != nil {
		srv.ErrorLog = slog.NewLogLogger(errorLog.Handler(), slog.LevelWarn)
	}
	return srv
}

// Shutdown stops srv gracefully within ShutdownGrace, then closes what is left.
func Shutdown(srv interface{ Shutdown(context.Context) error }, closer interface{ Close() error }) error {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil && closer != nil {
		_ = closer.Close()
	}
	return err
}
