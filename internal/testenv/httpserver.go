package testenv

import (
	"bufio"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// HTTPServer is `codex-mcp serve ...` serving MCP over HTTP as its own process.
type HTTPServer struct {
	Cmd    *exec.Cmd
	URL    string        // the /mcp endpoint it logged
	Exited chan struct{} // closed when the process has exited

	mu     sync.Mutex
	stderr strings.Builder
}

// servingURL is the line the server logs when it listens.
var servingURL = regexp.MustCompile(`serving MCP over HTTP url=(http://\S+/mcp)`)

// StartHTTP starts bin with "serve" and args (e.g. "--http", "127.0.0.1:0") and waits for
// the URL it logs; stderr is kept for Log. Cleanup sends SIGTERM, kills after 15 s, and
// logs the server's stderr when the test failed.
func StartHTTP(t testing.TB, bin string, env []string, args ...string) *HTTPServer {
	t.Helper()
	s := &HTTPServer{Exited: make(chan struct{})}
	s.Cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	s.Cmd.Env = env
	pr, pw := io.Pipe()
	s.Cmd.Stderr = pw
	if err := s.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.mu.Lock()
			s.stderr.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { _ = s.Cmd.Wait(); _ = pw.Close(); close(s.Exited) }()
	t.Cleanup(func() {
		_ = s.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.Exited:
		case <-time.After(15 * time.Second):
			_ = s.Cmd.Process.Kill()
			<-s.Exited
		}
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.Log())
		}
	})
	select {
	case s.URL = <-found:
	case <-s.Exited:
		t.Fatalf("the server exited before serving: %v\n%s", s.Cmd.ProcessState, s.Log())
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not say where it serves:\n%s", s.Log())
	}
	return s
}

// Log is what the server wrote to stderr so far.
func (s *HTTPServer) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}
