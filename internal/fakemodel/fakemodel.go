// Package fakemodel is a scripted stand-in for the OpenAI Responses API, served on
// loopback, so the real codex CLI can be driven end to end in tests and benchmarks
// without a network or an API key.
//
// The script lives in the prompt itself, one directive per line, so a test says what the
// model should do in the task it sends:
//
//	RUN: <command>   the model asks codex to run the command (exec_command tool call)
//	ADD: <path>=<text>  the model creates a file through codex's apply_patch tool
//	APPEND: <path>=<text>  the model adds lines at the end of an existing file (apply_patch)
//	EDIT: <path>=<old>=><new>  the model replaces the line <old> of a file with <new>
//	                 (apply_patch). Several RUN, ADD, APPEND and EDIT lines run in order,
//	                 one per model turn; in <text>, a literal \n separates lines.
//	REPLY: <text>    the final assistant message (default: "done")
//	SLEEP: <ms>      wait this long before answering each request
//	HANG             never answer (the stream stays open until the client goes away)
//	FAIL: <status>   answer every request with this HTTP status
//
// Directives are read from the newest user message of the request, so a resumed session
// gets the script of its new turn while the history still travels in the request. A
// program that wants natural prompts (the demo) sets Server.Script instead, which gives
// the directives for each prompt.
package fakemodel

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// toolAnswerDelay is how long the fake thinks about a tool result.
const toolAnswerDelay = 100 * time.Millisecond

// Server is a running fake Responses API.
type Server struct {
	srv      *http.Server
	ln       net.Listener
	mu       sync.Mutex
	requests []Request
	seq      int
	// Debug, when set before the first request, receives every request body.
	Debug io.Writer
	// Script, when set before the first request, gives the directives for a prompt (the
	// newest user message) in place of the prompt's own lines.
	Script func(prompt string) string
}

// DefaultModel is a model name the pinned codex versions know, so codex does not warn
// about missing model metadata on every run.
const DefaultModel = "gpt-5.5"

// CodexConfig is a CODEX_HOME config.toml whose only model provider is the fake at
// baseURL (Server.URL), with no retries so a dead endpoint fails fast where codex allows it.
func CodexConfig(baseURL, model string) string {
	return fmt.Sprintf(`model = %q
model_provider = "mock"

[model_providers.mock]
name = "mock"
base_url = %q
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 300000
`, model, baseURL)
}

// Request is what the fake saw in one POST /v1/responses.
type Request struct {
	Model       string
	UserText    string // newest user message (what the directives are read from)
	UserTexts   []string
	ToolOutputs int // function_call_output items after the newest user message
	Tools       []string
	InputItems  int
}

// Start listens on 127.0.0.1 on a free port and serves until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/responses", s.handleResponses)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the base URL to put in codex's model provider config (ends in /v1).
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/v1" }

// Close stops the server and drops open streams.
func (s *Server) Close() error { return s.srv.Close() }

// Requests returns a copy of every request seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

type inputItem struct {
	Type    string          `json:"type"`
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type requestBody struct {
	Model string      `json:"model"`
	Input []inputItem `json:"input"`
	Tools []struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"tools"`
}

func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

func parseRequest(body []byte) (Request, error) {
	var rb requestBody
	if err := json.Unmarshal(body, &rb); err != nil {
		return Request{}, err
	}
	req := Request{Model: rb.Model, InputItems: len(rb.Input)}
	for _, t := range rb.Tools {
		req.Tools = append(req.Tools, t.Name)
	}
	last := -1
	for i, it := range rb.Input {
		if it.Type == "message" && it.Role == "user" {
			text := contentText(it.Content)
			// codex sends its environment and instructions as user messages too.
			if strings.HasPrefix(strings.TrimSpace(text), "<") {
				continue
			}
			req.UserTexts = append(req.UserTexts, text)
			last = i
		}
	}
	if last >= 0 {
		req.UserText = req.UserTexts[len(req.UserTexts)-1]
		for _, it := range rb.Input[last+1:] {
			if it.Type == "function_call_output" || it.Type == "custom_tool_call_output" {
				req.ToolOutputs++
			}
		}
	}
	return req, nil
}

// script is the directives of one user message.
type script struct {
	steps []step
	reply string
	sleep time.Duration
	hang  bool
	fail  int
}

// step is one tool call of a script.
type step struct {
	run              string
	addPath, addText string
	appendTo         bool   // addPath exists: add addText at its end
	editOld, editNew string // with addPath: an update of that file
	edit             bool
}

func parseScript(text string) script {
	sc := script{reply: "done"}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			if line == "HANG" {
				sc.hang = true
			}
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.TrimSpace(key) {
		case "RUN":
			sc.steps = append(sc.steps, step{run: val})
		case "ADD":
			path, text, _ := strings.Cut(val, "=")
			sc.steps = append(sc.steps, step{addPath: strings.TrimSpace(path), addText: text})
		case "APPEND":
			path, text, _ := strings.Cut(val, "=")
			sc.steps = append(sc.steps, step{addPath: strings.TrimSpace(path), addText: text, appendTo: true})
		case "EDIT":
			path, change, _ := strings.Cut(val, "=")
			old, repl, _ := strings.Cut(change, "=>")
			sc.steps = append(sc.steps, step{addPath: strings.TrimSpace(path), editOld: old, editNew: repl, edit: true})
		case "REPLY":
			sc.reply = val
		case "SLEEP":
			if ms, err := strconv.Atoi(val); err == nil {
				sc.sleep = time.Duration(ms) * time.Millisecond
			}
		case "FAIL":
			if code, err := strconv.Atoi(val); err == nil {
				sc.fail = code
			}
		}
	}
	return sc
}

func (s *Server) handleResponses(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, err := parseRequest(body)
	if err != nil {
		http.Error(w, "bad json: "+err.Error(), http.StatusBadRequest)
		return
	}
	if s.Debug != nil {
		fmt.Fprintf(s.Debug, "fakemodel: %s\n", body)
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.seq++
	id := s.seq
	s.mu.Unlock()

	directives := req.UserText
	if s.Script != nil {
		directives = s.Script(req.UserText)
	}
	sc := parseScript(directives)
	if sc.fail != 0 {
		http.Error(w, `{"error":{"message":"scripted failure","type":"server_error"}}`, sc.fail)
		return
	}
	if sc.hang {
		<-r.Context().Done()
		return
	}
	if req.ToolOutputs > 0 && sc.sleep == 0 {
		// A real model takes a while to answer a tool result; answering at once races
		// codex 0.125's own reporting of the command's end (it drops the event).
		sc.sleep = toolAnswerDelay
	}
	if sc.sleep > 0 {
		select {
		case <-time.After(sc.sleep):
		case <-r.Context().Done():
			return
		}
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	bw := bufio.NewWriter(w)
	respID := fmt.Sprintf("resp_%d", id)
	send := func(typ string, payload map[string]any) {
		payload["type"] = typ
		data, _ := json.Marshal(payload)
		fmt.Fprintf(bw, "event: %s\ndata: %s\n\n", typ, data)
	}
	send("response.created", map[string]any{"response": map[string]any{"id": respID}})
	if req.ToolOutputs < len(sc.steps) {
		st := sc.steps[req.ToolOutputs]
		item := toolCall(req.Tools, id, st.run)
		if st.edit {
			item = patchItem(id, "*** Begin Patch\n*** Update File: "+st.addPath+"\n@@\n-"+st.editOld+"\n+"+st.editNew+"\n*** End Patch\n")
		} else if st.addPath != "" {
			item = patchCall(id, st.addPath, st.addText, st.appendTo)
		}
		send("response.output_item.done", map[string]any{"output_index": 0, "item": item})
	} else {
		send("response.output_item.done", map[string]any{"output_index": 0, "item": map[string]any{
			"type": "message", "role": "assistant", "id": fmt.Sprintf("msg_%d", id), "status": "completed",
			"content": []map[string]any{{"type": "output_text", "text": sc.reply, "annotations": []any{}}},
		}})
	}
	inTok := 100 + len(req.UserText)/4
	send("response.completed", map[string]any{"response": map[string]any{
		"id": respID,
		"usage": map[string]any{
			"input_tokens": inTok, "input_tokens_details": map[string]any{"cached_tokens": 0},
			"output_tokens": 10, "output_tokens_details": map[string]any{"reasoning_tokens": 0},
			"total_tokens": inTok + 10,
		},
	}})
	_ = bw.Flush()
}

// toolCall asks codex to run cmd with whichever shell tool this codex version offers.
func toolCall(tools []string, id int, cmd string) map[string]any {
	name, args := "exec_command", map[string]any{"cmd": cmd}
	has := func(n string) bool {
		for _, t := range tools {
			if t == n {
				return true
			}
		}
		return false
	}
	if !has("exec_command") && has("shell") {
		name, args = "shell", map[string]any{"command": []string{"bash", "-lc", cmd}}
	}
	a, _ := json.Marshal(args)
	return map[string]any{
		"type": "function_call", "id": fmt.Sprintf("fc_%d", id), "call_id": fmt.Sprintf("call_%d", id),
		"name": name, "arguments": string(a), "status": "completed",
	}
}

// patchCall asks codex to create a file with its apply_patch tool (a freeform tool, so
// the patch is the call's raw input), or, with appendTo, to add lines at the end of an
// existing one (a chunk of additions only, which apply_patch puts at the file's end).
func patchCall(id int, path, text string, appendTo bool) map[string]any {
	patch := "*** Begin Patch\n*** Add File: " + path + "\n"
	if appendTo {
		patch = "*** Begin Patch\n*** Update File: " + path + "\n@@\n"
	}
	for _, line := range strings.Split(text, "\\n") {
		patch += "+" + line + "\n"
	}
	patch += "*** End Patch\n"
	return patchItem(id, patch)
}

func patchItem(id int, patch string) map[string]any {
	return map[string]any{
		"type": "custom_tool_call", "id": fmt.Sprintf("ctc_%d", id), "call_id": fmt.Sprintf("call_%d", id),
		"name": "apply_patch", "input": patch, "status": "completed",
	}
}
