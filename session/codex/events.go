package codex

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
)

// Event is one line of `codex exec --json`. Only the fields codex-mcp uses are decoded;
// unknown event types and fields are kept out of the way, never an error, because they
// appear between codex versions.
type Event struct {
	Type     string `json:"type"`
	ThreadID string `json:"thread_id,omitempty"`
	Item     *Item  `json:"item,omitempty"`
	Usage    *Usage `json:"usage,omitempty"`
	Error    *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
	Message string `json:"message,omitempty"` // top-level "error" events
}

// Item is the payload of item.started / item.updated / item.completed.
type Item struct {
	ID               string       `json:"id"`
	Type             string       `json:"type"`
	Text             string       `json:"text,omitempty"`
	Command          string       `json:"command,omitempty"`
	AggregatedOutput string       `json:"aggregated_output,omitempty"`
	ExitCode         *int         `json:"exit_code,omitempty"`
	Status           string       `json:"status,omitempty"`
	Changes          []FileChange `json:"changes,omitempty"`
	Message          string       `json:"message,omitempty"`
	Server           string       `json:"server,omitempty"`
	Tool             string       `json:"tool,omitempty"`
	Query            string       `json:"query,omitempty"`
}

// FileChange is one file touched by a file_change item.
type FileChange struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
}

// Usage is the token usage codex reports at turn.completed.
type Usage struct {
	InputTokens           int64 `json:"input_tokens"`
	CachedInputTokens     int64 `json:"cached_input_tokens"`
	OutputTokens          int64 `json:"output_tokens"`
	ReasoningOutputTokens int64 `json:"reasoning_output_tokens"`
}

// ParseEvent decodes one JSONL line. ok is false for lines that are not a JSON object
// with a type (codex may print other things if a future version misbehaves).
func ParseEvent(line []byte) (Event, bool) {
	var ev Event
	if err := json.Unmarshal(line, &ev); err != nil || ev.Type == "" {
		return Event{}, false
	}
	return ev, true
}

// Command is one command codex ran, as reported in the result.
type Command struct {
	Command  string `json:"command"`
	ExitCode *int   `json:"exit_code,omitempty"`
	Status   string `json:"status"`
	Output   string `json:"output,omitempty"` // the tail of its output
}

// maxOutputTail bounds how much of a command's output a result keeps.
const maxOutputTail = 2000

// Transcript accumulates the events of one run into what a caller wants to know.
type Transcript struct {
	ThreadID     string
	FinalMessage string
	Commands     []Command
	FilesChanged []FileChange
	Usage        Usage
	Errors       []string // turn.failed and error events: the run failed
	Warnings     []string // error items inside a turn: codex carried on
	TurnDone     bool
	TurnFailed   bool
	inflight     map[string]string // command items started and not completed: id -> command
}

// Apply folds one event into the transcript.
func (t *Transcript) Apply(ev Event) {
	switch ev.Type {
	case "thread.started":
		t.ThreadID = ev.ThreadID
	case "turn.completed":
		t.TurnDone = true
		if ev.Usage != nil {
			t.Usage.InputTokens += ev.Usage.InputTokens
			t.Usage.CachedInputTokens += ev.Usage.CachedInputTokens
			t.Usage.OutputTokens += ev.Usage.OutputTokens
			t.Usage.ReasoningOutputTokens += ev.Usage.ReasoningOutputTokens
		}
	case "turn.failed":
		t.TurnFailed = true
		if ev.Error != nil && ev.Error.Message != "" {
			t.Errors = append(t.Errors, ev.Error.Message)
		}
	case "error":
		if ev.Message != "" {
			t.Errors = append(t.Errors, ev.Message)
		}
	case "item.started", "item.updated":
		if ev.Item != nil && ev.Item.Type == "command_execution" && ev.Item.Status == "in_progress" {
			if t.inflight == nil {
				t.inflight = map[string]string{}
			}
			t.inflight[ev.Item.ID] = ev.Item.Command
		}
	case "item.completed":
		if ev.Item != nil {
			t.applyItem(ev.Item)
		}
	}
}

func (t *Transcript) applyItem(it *Item) {
	switch it.Type {
	case "agent_message":
		t.FinalMessage = it.Text
	case "command_execution":
		delete(t.inflight, it.ID)
		t.Commands = append(t.Commands, Command{
			Command: it.Command, ExitCode: it.ExitCode, Status: it.Status, Output: tail(it.AggregatedOutput, maxOutputTail),
		})
	case "file_change":
		for _, c := range it.Changes {
			t.addFile(c)
		}
	case "error":
		if it.Message != "" {
			t.Warnings = append(t.Warnings, it.Message)
		}
	}
}

func (t *Transcript) addFile(c FileChange) {
	for i, f := range t.FilesChanged {
		if f.Path == c.Path {
			t.FilesChanged[i].Kind = c.Kind
			return
		}
	}
	t.FilesChanged = append(t.FilesChanged, c)
}

// Finish records commands that started but whose end codex never reported (codex 0.125
// can drop that event when the turn ends at once), so the result still lists them.
func (t *Transcript) Finish() {
	for id, cmd := range t.inflight {
		t.Commands = append(t.Commands, Command{Command: cmd, Status: "unknown"})
		delete(t.inflight, id)
	}
}

// CommandRunning reports whether codex is inside a command right now; the no-output
// timeout does not apply then, since a long test suite is silent but alive.
func (t *Transcript) CommandRunning() bool { return len(t.inflight) > 0 }

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	// Do not start in the middle of a UTF-8 sequence.
	for i := 0; i < len(s) && i < 4; i++ {
		if s[i]&0xC0 != 0x80 {
			return "…" + s[i:]
		}
	}
	return "…" + s
}

// relativeChanges reports the files of a file_change item relative to the run's
// directory (codex reports absolute paths), as a person names them; once, here, so the
// result and the progress sentences agree.
func relativeChanges(ev Event, dir string) Event {
	if ev.Item == nil || ev.Item.Type != "file_change" || dir == "" {
		return ev
	}
	item := *ev.Item
	item.Changes = make([]FileChange, len(ev.Item.Changes))
	for i, c := range ev.Item.Changes {
		item.Changes[i] = c
		if rel, err := filepath.Rel(dir, c.Path); err == nil && filepath.IsAbs(c.Path) && rel != ".." && !strings.HasPrefix(rel, "../") {
			item.Changes[i].Path = rel
		}
	}
	ev.Item = &item
	return ev
}

// Describe renders an event as one human sentence for progress notifications, or "" when
// the event is not worth telling a person about.
func Describe(ev Event) string {
	switch ev.Type {
	case "thread.started":
		return "codex session " + ev.ThreadID + " started"
	case "turn.failed":
		if ev.Error != nil {
			return "turn failed: " + ev.Error.Message
		}
		return "turn failed"
	case "error":
		return "error: " + ev.Message
	case "item.started":
		if ev.Item != nil && ev.Item.Type == "command_execution" {
			return "running `" + shortCommand(ev.Item.Command) + "`"
		}
	case "item.completed":
		it := ev.Item
		if it == nil {
			return ""
		}
		switch it.Type {
		case "command_execution":
			s := "ran `" + shortCommand(it.Command) + "`"
			if it.ExitCode != nil {
				s += " (exit " + strconv.Itoa(*it.ExitCode) + ")"
			} else if it.Status != "" {
				s += " (" + it.Status + ")"
			}
			return s
		case "file_change":
			parts := make([]string, 0, len(it.Changes))
			for _, c := range it.Changes {
				verb := "edited"
				switch c.Kind {
				case "add":
					verb = "created"
				case "delete":
					verb = "deleted"
				}
				parts = append(parts, verb+" "+c.Path)
			}
			return strings.Join(parts, ", ")
		case "agent_message":
			return "codex: " + firstLine(it.Text, 200)
		case "reasoning":
			return "thinking: " + firstLine(it.Text, 200)
		case "mcp_tool_call":
			return "called tool " + it.Server + "." + it.Tool
		case "web_search":
			return "searched the web for " + it.Query
		case "error":
			return "warning: " + firstLine(it.Message, 200)
		}
	case "turn.completed":
		return "turn completed"
	}
	return ""
}

// shortCommand strips the `/bin/bash -lc '...'` wrapper codex reports, for readability.
func shortCommand(c string) string {
	for _, p := range []string{"/bin/bash -lc ", "bash -lc ", "/bin/sh -c ", "/usr/bin/zsh -lc ", "/bin/zsh -lc "} {
		if rest, ok := strings.CutPrefix(c, p); ok {
			c = rest
			if len(c) >= 2 && (c[0] == '\'' || c[0] == '"') && c[len(c)-1] == c[0] {
				c = c[1 : len(c)-1]
			}
			break
		}
	}
	return firstLine(c, 160)
}

func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
