package fakeanthropic

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

const toolTurn = `{"model":"claude-x","stream":STREAM,"system":[{"type":"text","text":"be brief"}],
 "tools":[{"name":"mcp__codex__decide_resume","input_schema":{"type":"object"}}],
 "messages":[
  {"role":"user","content":"do it"},
  {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"mcp__codex__decide_resume","input":{"task":"x"}}]},
  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"{\"decision\":\"new\"}"}]}]}]}`

func start(t *testing.T, respond func(Request) Reply) *Server {
	t.Helper()
	s, err := Start(respond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestStreamed: a streamed answer is the event sequence Claude Code reads, the tool call's
// input arriving as input_json_delta; the request is recorded with its tool result.
func TestStreamed(t *testing.T) {
	s := start(t, func(r Request) Reply {
		return Reply{Text: "calling", ToolUses: []ToolUse{{Name: "mcp__codex__start_session", Input: json.RawMessage(`{"task":"x"}`)}}}
	})
	resp := post(t, s.URL()+"/v1/messages", strings.Replace(toolTurn, "STREAM", "true", 1))
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	var events []string
	var partial, stop string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Type  string `json:"type"`
			Delta struct {
				Type        string `json:"type"`
				PartialJSON string `json:"partial_json"`
				StopReason  string `json:"stop_reason"`
			} `json:"delta"`
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("event %s: %v", data, err)
		}
		events = append(events, ev.Type)
		if ev.Delta.Type == "input_json_delta" {
			partial += ev.Delta.PartialJSON
		}
		if ev.Type == "message_delta" {
			stop = ev.Delta.StopReason
		}
	}
	want := "message_start content_block_start content_block_delta content_block_stop content_block_start content_block_delta content_block_stop message_delta message_stop"
	if strings.Join(events, " ") != want {
		t.Fatalf("events %v", events)
	}
	if partial != `{"task":"x"}` || stop != "tool_use" {
		t.Fatalf("tool input %q, stop %q", partial, stop)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if !r.Stream || r.System != "be brief" || !r.HasTool("mcp__codex__decide_resume") || r.UserText() != "do it" ||
		len(r.Messages) != 3 || r.Messages[1].ToolUses[0].ID != "toolu_1" || r.Last().ToolResults[0].Text != `{"decision":"new"}` {
		t.Fatalf("recorded %+v", r)
	}
}

// TestNotStreamed: without stream, one JSON message; count_tokens answers; other paths 404
// and are noted.
func TestNotStreamed(t *testing.T) {
	s := start(t, nil)
	resp := post(t, s.URL()+"/v1/messages", strings.Replace(toolTurn, "STREAM", "false", 1))
	var msg struct {
		Type       string `json:"type"`
		Role       string `json:"role"`
		StopReason string `json:"stop_reason"`
		Content    []struct {
			Type, Text string
		} `json:"content"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
		t.Fatal(err)
	}
	if msg.Type != "message" || msg.Role != "assistant" || msg.StopReason != "end_turn" || len(msg.Content) != 1 || msg.Content[0].Text != "done" {
		t.Fatalf("message %+v", msg)
	}
	resp = post(t, s.URL()+"/v1/messages/count_tokens", `{"messages":[]}`)
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `"input_tokens"`) {
		t.Fatalf("count_tokens: %s", body)
	}
	resp = post(t, s.URL()+"/v1/other", `{}`)
	if resp.StatusCode != http.StatusNotFound || len(s.Unserved()) != 1 {
		t.Fatalf("other path: %d %v", resp.StatusCode, s.Unserved())
	}
	if resp := post(t, s.URL()+"/v1/messages", `{not json`); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad json: %d", resp.StatusCode)
	}
}
