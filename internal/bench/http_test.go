package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/codex-mcp/codex-mcp/internal/testenv"
)

// BenchmarkHTTPvsStdio: the answer to initialize and to a list_sessions call, over
// streamable HTTP on loopback (a keep-alive client, as MCP clients hold one) against the
// same over stdio, both servers running, alternating request by request. Target: HTTP
// within 1 ms of stdio for each.
func BenchmarkHTTPvsStdio(b *testing.B) {
	server, _ := binaries(b)
	env := serverEnv(b)

	// stdio: one connection, initialized once; each initialize after is answered the same.
	stdin, lines := startStdioServer(b, server, env)
	stdioSend := func(msg string) {
		if _, err := io.WriteString(stdin, msg+"\n"); err != nil {
			b.Fatal(err)
		}
	}
	stdioSend(strings.TrimSpace(initialize))
	<-lines
	stdioSend(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	h := startHTTPServer(b, server, env)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	session := h.post(b, client, "", initialize)
	if session == "" {
		b.Fatal("no Mcp-Session-Id")
	}
	h.post(b, client, session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	list := func(id int) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_sessions","arguments":{"limit":20}}}`, id)
	}
	init := func(id int) string {
		return strings.Replace(strings.TrimSpace(initialize), `"id":1`, fmt.Sprintf(`"id":%d`, id), 1)
	}
	stdioCall := func(id int, msg string) time.Duration {
		start := time.Now()
		stdioSend(msg)
		for line := range lines {
			if strings.Contains(line, fmt.Sprintf(`"id":%d,`, id)) {
				if !strings.Contains(line, `"result"`) {
					b.Fatalf("stdio answer: %s", line)
				}
				return time.Since(start)
			}
		}
		b.Fatal("stdio closed")
		return 0
	}
	httpCall := func(sessionID, msg string) time.Duration {
		start := time.Now()
		h.post(b, client, sessionID, msg)
		return time.Since(start)
	}
	// Warm both (tool registration, memory open, connection).
	for i := 0; i < 5; i++ {
		stdioCall(1000+i, list(1000+i))
		httpCall(session, list(1000+i))
	}

	var si, hi, sl, hl []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := 2000 + 2*i
		if i%2 == 0 {
			si = append(si, stdioCall(id, init(id)))
			hi = append(hi, httpCall("", init(id)))
		} else {
			hi = append(hi, httpCall("", init(id)))
			si = append(si, stdioCall(id, init(id)))
		}
		id++
		if i%2 == 0 {
			sl = append(sl, stdioCall(id, list(id)))
			hl = append(hl, httpCall(session, list(id)))
		} else {
			hl = append(hl, httpCall(session, list(id)))
			sl = append(sl, stdioCall(id, list(id)))
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(median(si)), "ms-init-stdio")
	b.ReportMetric(ms(median(hi)), "ms-init-http")
	b.ReportMetric(ms(median(hi))-ms(median(si)), "ms-init-diff")
	b.ReportMetric(float64(median(hi))/float64(median(si)), "init-ratio")
	b.ReportMetric(ms(median(sl)), "ms-list-stdio")
	b.ReportMetric(ms(median(hl)), "ms-list-http")
	b.ReportMetric(ms(median(hl))-ms(median(sl)), "ms-list-diff")
	b.ReportMetric(float64(median(hl))/float64(median(sl)), "list-ratio")
}

// startStdioServer starts bin as an MCP client would and delivers its stdout by line.
func startStdioServer(b *testing.B, bin string, env []string) (io.Writer, <-chan string) {
	b.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { (&proc{cmd: cmd, stdin: stdin}).stop() })
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return stdin, lines
}

type httpProc struct {
	url string
}

func startHTTPServer(b *testing.B, bin string, env []string) *httpProc {
	b.Helper()
	return &httpProc{url: testenv.StartHTTP(b, bin, env, "--http", "127.0.0.1:0").URL}
}

// post sends one message and reads the whole answer; it returns the Mcp-Session-Id.
func (h *httpProc) post(b *testing.B, c *http.Client, sessionID, msg string) string {
	req, _ := http.NewRequest("POST", h.url, bytes.NewReader([]byte(msg)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if sessionID != "" {
		req.Header.Set("Mcp-Session-Id", sessionID)
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	}
	res, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode/100 != 2 || (res.StatusCode == 200 && !bytes.Contains(body, []byte(`"result"`))) {
		b.Fatalf("HTTP %d: %s", res.StatusCode, body)
	}
	return res.Header.Get("Mcp-Session-Id")
}
