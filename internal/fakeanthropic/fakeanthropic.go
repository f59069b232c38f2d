// Package fakeanthropic is a stand-in for the Anthropic Messages API, served on loopback,
// so the real Claude Code CLI can be driven end to end in tests without a network or an
// account (ANTHROPIC_BASE_URL=URL(), ANTHROPIC_API_KEY=anything). It is to Claude Code
// what internal/fakemodel is to codex.
//
// It answers POST /v1/messages as Claude Code expects: a server-sent event stream
// (message_start, content_block_start/delta/stop with text_delta or input_json_delta,
// message_delta with the stop reason, message_stop) when the request has "stream": true,
// one JSON message otherwise; and POST /v1/messages/count_tokens. Every request is
// recorded, so a test can check what the model was shown (the system prompt, the
// messages, the tools). What the model answers is decided by a Go function the test gives
// (Respond), by default the text "done".
package fakeanthropic

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Request is what the fake saw in one POST /v1/messages.
type Request struct {
	Model    string
	Stream   bool
	System   string   // the system prompt's text blocks, joined by newlines
	Tools    []string // the names of the tools offered
	Messages []Message
	Body     []byte // the request as sent
}

// Message is one turn of a request's conversation.
type Message struct {
	Role        string // user or assistant
	Text        string // the text blocks, joined by newlines
	ToolUses    []ToolUse
	ToolResults []ToolResult
}

// ToolUse is a tool call, asked for by the model (in a Reply) or echoed back in the
// history of a later request.
type ToolUse struct {
	ID    string
	Name  string
	Input json.RawMessage // a JSON object; nil is {}
}

// ToolResult is what the client sent back for a tool call.
type ToolResult struct {
	ToolUseID string
	Text      string
	IsError   bool
}

// Reply is the model's answer to one request: text, tool calls, or both (text first).
// With tool calls the stop reason is tool_use, otherwise end_turn.
type Reply struct {
	Text     string
	ToolUses []ToolUse
}

// Last returns the newest message of the request (zero if none).
func (r Request) Last() Message {
	if len(r.Messages) == 0 {
		return Message{}
	}
	return r.Messages[len(r.Messages)-1]
}

// UserText is every user message's text, joined by newlines: what the person (and the
// client on their behalf) told the model.
func (r Request) UserText() string {
	var parts []string
	for _, m := range r.Messages {
		if m.Role == "user" && m.Text != "" {
			parts = append(parts, m.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// HasTool reports whether the request offered a tool of that name.
func (r Request) HasTool(name string) bool {
	for _, t := range r.Tools {
		if t == name {
			return true
		}
	}
	return false
}

// Server is a running fake Messages API.
type Server struct {
	srv *http.Server
	ln  net.Listener

	mu       sync.Mutex
	requests []Request
	other    []string // requests to paths the fake does not serve, "METHOD /path"
	respond  func(Request) Reply
	seq      int
}

// Start listens on 127.0.0.1 on a free port and serves until Close. respond decides each
// answer (nil: the text "done"); it may be called from several goroutines at once.
func Start(respond func(Request) Reply) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if respond == nil {
		respond = func(Request) Reply { return Reply{Text: "done"} }
	}
	s := &Server{ln: ln, respond: respond}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", s.handleMessages)
	mux.HandleFunc("POST /v1/messages/count_tokens", s.handleCountTokens)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.other = append(s.other, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"type":"error","error":{"type":"not_found_error","message":"not served by fakeanthropic"}}`)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the base URL for ANTHROPIC_BASE_URL (no /v1: the client adds it).
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server and drops open streams.
func (s *Server) Close() error { return s.srv.Close() }

// Requests returns a copy of every /v1/messages request seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Unserved lists the requests to other paths ("METHOD /path"), answered 404.
func (s *Server) Unserved() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.other...)
}

type block struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"` // tool_result: a string or blocks
	IsError   bool            `json:"is_error"`
}

// blocks reads a content field: a plain string or an array of blocks.
func blocks(raw json.RawMessage) []block {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []block{{Type: "text", Text: s}}
	}
	var bs []block
	_ = json.Unmarshal(raw, &bs)
	return bs
}

func joinText(bs []block) string {
	var parts []string
	for _, b := range bs {
		if b.Type == "text" && b.Text != "" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// Parse reads a Messages API request body.
func Parse(body []byte) (Request, error) {
	var rb struct {
		Model    string          `json:"model"`
		Stream   bool            `json:"stream"`
		System   json.RawMessage `json:"system"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(body, &rb); err != nil {
		return Request{}, err
	}
	req := Request{Model: rb.Model, Stream: rb.Stream, Body: body}
	if len(rb.System) > 0 {
		req.System = joinText(blocks(rb.System))
	}
	for _, t := range rb.Tools {
		req.Tools = append(req.Tools, t.Name)
	}
	for _, m := range rb.Messages {
		bs := blocks(m.Content)
		msg := Message{Role: m.Role, Text: joinText(bs)}
		for _, b := range bs {
			switch b.Type {
			case "tool_use":
				msg.ToolUses = append(msg.ToolUses, ToolUse{ID: b.ID, Name: b.Name, Input: b.Input})
			case "tool_result":
				msg.ToolResults = append(msg.ToolResults, ToolResult{ToolUseID: b.ToolUseID, Text: joinText(blocks(b.Content)), IsError: b.IsError})
			}
		}
		req.Messages = append(req.Messages, msg)
	}
	return req, nil
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	data, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
	_, _ = w.Write(data)
}

func (s *Server) handleCountTokens(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"input_tokens":%d}`, 1+len(body)/4)
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	req, err := Parse(body)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request_error", "bad json: "+err.Error())
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.seq++
	id := s.seq
	s.mu.Unlock()

	reply := s.respond(req)
	content := make([]map[string]any, 0, 1+len(reply.ToolUses))
	if reply.Text != "" || len(reply.ToolUses) == 0 {
		content = append(content, map[string]any{"type": "text", "text": reply.Text})
	}
	for i, tu := range reply.ToolUses {
		if tu.ID == "" {
			tu.ID = fmt.Sprintf("toolu_%d_%d", id, i)
		}
		input := tu.Input
		if len(input) == 0 {
			input = json.RawMessage(`{}`)
		}
		content = append(content, map[string]any{"type": "tool_use", "id": tu.ID, "name": tu.Name, "input": input})
	}
	stop := "end_turn"
	if len(reply.ToolUses) > 0 {
		stop = "tool_use"
	}
	model := req.Model
	if model == "" {
		model = "claude-fake"
	}
	msgID := fmt.Sprintf("msg_fake_%d", id)
	inTok := 1 + len(body)/4
	outTok := 1 + len(reply.Text)/4
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		data, _ := json.Marshal(map[string]any{
			"id": msgID, "type": "message", "role": "assistant", "model": model, "content": content,
			"stop_reason": stop, "stop_sequence": nil,
			"usage": map[string]any{"input_tokens": inTok, "output_tokens": outTok},
		})
		_, _ = w.Write(data)
		return
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	bw := bufio.NewWriter(w)
	send := func(typ string, payload map[string]any) {
		payload["type"] = typ
		data, _ := json.Marshal(payload)
		fmt.Fprintf(bw, "event: %s\ndata: %s\n\n", typ, data)
	}
	send("message_start", map[string]any{"message": map[string]any{
		"id": msgID, "type": "message", "role": "assistant", "model": model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": inTok, "output_tokens": 1},
	}})
	for i, c := range content {
		switch c["type"] {
		case "text":
			send("content_block_start", map[string]any{"index": i, "content_block": map[string]any{"type": "text", "text": ""}})
			send("content_block_delta", map[string]any{"index": i, "delta": map[string]any{"type": "text_delta", "text": c["text"]}})
		case "tool_use":
			send("content_block_start", map[string]any{"index": i, "content_block": map[string]any{
				"type": "tool_use", "id": c["id"], "name": c["name"], "input": map[string]any{},
			}})
			send("content_block_delta", map[string]any{"index": i, "delta": map[string]any{
				"type": "input_json_delta", "partial_json": string(c["input"].(json.RawMessage)),
			}})
		}
		send("content_block_stop", map[string]any{"index": i})
	}
	send("message_delta", map[string]any{
		"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": outTok},
	})
	send("message_stop", map[string]any{})
	_ = bw.Flush()
}
