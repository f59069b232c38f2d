package codex

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
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

// Transcript accumulates the events of one run into what a caller wants to know. Every
// list and text in it is bounded (see limits.go), however much codex prints.
type Transcript struct {
	ThreadID string
	// BadThreadID is a thread.started id that is not a UUID: codex misbehaved, and it is
	// not trusted as a session id (ThreadID stays empty). Clipped to maxNote.
	BadThreadID  string
	FinalMessage string
	Commands     []Command
	FilesChanged []FileChange
	Usage        Usage
	Errors       []string // turn.failed and error events: the run failed
	Warnings     []string // error items inside a turn: codex carried on
	TurnDone     bool
	TurnFailed   bool

	inflight    map[string]string // command items started and not completed: id -> command
	inflightCut int               // started commands past maxInflight, not remembered
	commandsRun int               // commands seen, kept or not
	filesSeen   int               // files added, kept or not (a path already kept is not counted again)
	notesCut    int               // warnings and errors dropped past maxNotes
	finished    bool
}

// Apply folds one event into the transcript.
func (t *Transcript) Apply(ev Event) {
	switch ev.Type {
	case "thread.started":
		if IsSessionID(ev.ThreadID) {
			t.ThreadID, t.BadThreadID = ev.ThreadID, ""
		} else {
			t.ThreadID, t.BadThreadID = "", clipMiddle(ev.ThreadID, maxNote)
		}
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
			t.Errors = t.addNote(t.Errors, ev.Error.Message)
		}
	case "error":
		if ev.Message != "" {
			t.Errors = t.addNote(t.Errors, ev.Message)
		}
	case eventLineCut:
		t.Warnings = t.addNote(t.Warnings, ev.Message)
	case "item.started", "item.updated":
		if ev.Item != nil && ev.Item.Type == "command_execution" && ev.Item.Status == "in_progress" {
			if t.inflight == nil {
				t.inflight = map[string]string{}
			}
			if _, ok := t.inflight[ev.Item.ID]; ok || len(t.inflight) < maxInflight {
				t.inflight[ev.Item.ID] = clipHead(ev.Item.Command, maxCommandText)
			} else if ev.Type == "item.started" {
				t.inflightCut++
			}
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
		t.FinalMessage = clipMiddle(it.Text, maxFinalMessage)
	case "command_execution":
		if _, ok := t.inflight[it.ID]; ok {
			delete(t.inflight, it.ID)
		} else if t.inflightCut > 0 {
			t.inflightCut--
		}
		t.addCommand(Command{
			Command: clipHead(it.Command, maxCommandText), ExitCode: it.ExitCode, Status: clipHead(it.Status, maxNote),
			Output: tail(it.AggregatedOutput, maxOutputTail),
		})
	case "file_change":
		for _, c := range it.Changes {
			t.addFile(FileChange{Path: clipMiddle(c.Path, maxPath), Kind: clipHead(c.Kind, maxNote)})
		}
	case "error":
		if it.Message != "" {
			t.Warnings = t.addNote(t.Warnings, it.Message)
		}
	}
}

func (t *Transcript) addCommand(c Command) {
	t.Commands = keepEnds(t.Commands, t.commandsRun, maxCommands, c)
	t.commandsRun++
}

func (t *Transcript) addFile(c FileChange) {
	for i, f := range t.FilesChanged {
		if f.Path == c.Path {
			t.FilesChanged[i].Kind = c.Kind
			return
		}
	}
	t.FilesChanged = keepEnds(t.FilesChanged, t.filesSeen, maxFiles, c)
	t.filesSeen++
}

// keepEnds adds v, the seen-th value, to list, which keeps at most max values: the first
// max/2, and the newest others in a ring over the rest of the slice that Finish puts back
// in order. Memory stays bounded whatever seen grows to.
func keepEnds[T any](list []T, seen, max int, v T) []T {
	if len(list) < max {
		return append(list, v)
	}
	first := max / 2
	list[first+(seen-first)%(max-first)] = v
	return list
}

// orderEnds undoes keepEnds' ring once the last value is in: the kept tail in the order
// it came. It returns how many values were cut from the middle.
func orderEnds[T any](list []T, seen, max int) int {
	if seen <= max {
		return 0
	}
	first := max / 2
	ring := list[first:]
	k := (seen - first) % len(ring) // the oldest kept value
	rotated := append(append(make([]T, 0, len(ring)), ring[k:]...), ring[:k]...)
	copy(ring, rotated)
	return seen - max
}

// addNote appends a clipped note; past maxNotes the newest replaces the last kept one,
// since the last error is the one that says why the run failed.
func (t *Transcript) addNote(list []string, s string) []string {
	s = clipMiddle(s, maxNote)
	if len(list) < maxNotes {
		return append(list, s)
	}
	t.notesCut++
	list[len(list)-1] = s
	return list
}

// Finish records commands that started but whose end codex never reported (codex 0.125
// can drop that event when the turn ends at once), so the result still lists them, and
// puts the kept ends of the capped lists in order with a warning for what was cut. It
// runs once; later calls do nothing.
func (t *Transcript) Finish() {
	if t.finished {
		return
	}
	t.finished = true
	for id, cmd := range t.inflight {
		t.addCommand(Command{Command: cmd, Status: "unknown"})
		delete(t.inflight, id)
	}
	t.commandsRun += t.inflightCut
	if cut := orderEnds(t.Commands, t.commandsRun, maxCommands); cut > 0 {
		t.Warnings = t.addNote(t.Warnings, fmt.Sprintf("codex ran %d commands; the result keeps the first %d and the last %d (%d cut)",
			t.commandsRun, maxCommands/2, maxCommands-maxCommands/2, cut))
	}
	if cut := orderEnds(t.FilesChanged, t.filesSeen, maxFiles); cut > 0 {
		t.Warnings = t.addNote(t.Warnings, fmt.Sprintf("codex changed %d files; the result keeps the first %d and the last %d (%d cut)",
			t.filesSeen, maxFiles/2, maxFiles-maxFiles/2, cut))
	}
	if t.notesCut > 0 {
		n := t.notesCut
		t.notesCut = 0
		t.Warnings = t.addNote(t.Warnings, fmt.Sprintf("%d more warnings and errors were cut", n))
	}
}

// CommandRunning reports whether codex is inside a command right now; the no-output
// timeout does not apply then, since a long test suite is silent but alive.
func (t *Transcript) CommandRunning() bool { return len(t.inflight) > 0 || t.inflightCut > 0 }

// IsSessionID reports whether s has the form of a Codex session id (a UUID, any version).
func IsSessionID(s string) bool { return uuidRe.MatchString(s) }

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// tail keeps the last n bytes of s, on a rune boundary, marked as cut.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[runeStart(s, len(s)-n):]
}

// clipHead keeps the first n bytes of s, on a rune boundary, marked as cut.
func clipHead(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:runeStart(s, n)] + "…"
}

// clipMiddle keeps about n bytes of s, its head and its tail, with the size of the cut
// written where it was: the start says what a message is, the end how it concluded.
func clipMiddle(s string, n int) string {
	if len(s) <= n {
		return s
	}
	h := runeStart(s, n/2)
	t := runeStart(s, len(s)-n/2)
	return s[:h] + "…[cut " + sizeText(t-h) + "]…" + s[t:]
}

// runeStart moves i back to the start of the UTF-8 sequence it falls in (at most 3
// bytes), so a cut never splits a character.
func runeStart(s string, i int) int {
	for j := 0; j < utf8.UTFMax-1 && i > 0 && i < len(s) && !utf8.RuneStart(s[i]); j++ {
		i--
	}
	return i
}

// sizeText writes a byte count as a person reads it.
func sizeText(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
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
		if !IsSessionID(ev.ThreadID) {
			return "codex reported a session id that is not a UUID"
		}
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
