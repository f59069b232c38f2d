package rollout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unique"
)

// Limits that keep one odd file from costing a listing much.
const (
	// maxTaskRunes bounds Session.Task: enough to recognise and match a prompt, small
	// enough that caching the heads of 10,000 sessions stays a few megabytes.
	maxTaskRunes = 2000
	// maxMessageRunes bounds Session.LastMessage and the text of transcript entries.
	maxMessageRunes = 8000
	// maxLine is the longest line that is decoded; longer ones (a pasted image, a huge
	// command output) are skipped without being held in memory.
	maxLine = 64 << 20
	// maxHeadScan bounds how far a listing reads past the first line looking for the
	// first user message; a session whose prompt is not within it is listed without one.
	maxHeadScan = 4 << 20
	// readerSize holds a whole session_meta line (~22 KB, more with a large AGENTS.md)
	// so the common case is decoded straight out of the reader's buffer.
	readerSize = 64 << 10
)

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readerSize) }}

// lineReader yields the lines of a JSONL stream one at a time.
type lineReader struct {
	r     *bufio.Reader
	buf   []byte
	count int64 // bytes consumed so far
	max   int   // longest line returned (maxLine; tests lower it)
}

func newLineReader(r io.Reader) *lineReader {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(r)
	return &lineReader{r: br, max: maxLine}
}

// release returns the buffer to the pool; the reader must not be used afterwards.
func (lr *lineReader) release() {
	lr.r.Reset(nil)
	readerPool.Put(lr.r)
	lr.r = nil
}

// next returns the next line without its newline. The slice is valid until the next call.
// oversize reports a line longer than lr.max, which is returned empty. A final line
// without a newline is returned too (it may be a write in progress; decoding decides).
func (lr *lineReader) next() (line []byte, oversize bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.count += int64(len(chunk))
		switch {
		case oversize:
		case len(lr.buf)+len(chunk) > lr.max:
			oversize, lr.buf = true, lr.buf[:0]
		case err == nil && len(lr.buf) == 0:
			// The whole line is in the reader's buffer: no copy.
			return bytes.TrimRight(chunk, "\r\n"), false, nil
		default:
			lr.buf = append(lr.buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && (len(lr.buf) > 0 || oversize) {
				return bytes.TrimRight(lr.buf, "\r\n"), oversize, nil
			}
			return nil, false, err
		}
		return bytes.TrimRight(lr.buf, "\r\n"), oversize, nil
	}
}

// decode is json.Unmarshal that tolerates fields whose JSON type differs from the Go
// type: Codex changes field shapes between versions, and the fields that did decode are
// still worth having.
func decode(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return nil
	}
	return err
}

// metaLine is the first line of a rollout. Since the record envelope was introduced it is
// {"type":"session_meta","payload":{...}}; the oldest rollouts put the fields at top level.
type metaLine struct {
	Timestamp string      `json:"timestamp"`
	Type      string      `json:"type"`
	Payload   metaPayload `json:"payload"`
	ID        string      `json:"id"` // legacy top-level form
}

type metaPayload struct {
	ID               string          `json:"id"`
	Timestamp        string          `json:"timestamp"`
	Cwd              string          `json:"cwd"`
	Originator       string          `json:"originator"`
	CLIVersion       string          `json:"cli_version"`
	Source           json.RawMessage `json:"source"`
	BaseInstructions struct {
		// 0.169 records the model the instructions were written for; 0.125 does not.
		Provenance struct {
			Model string `json:"model"`
		} `json:"provenance"`
	} `json:"base_instructions"`
}

// record is any later line; only the envelope is decoded up front.
type record struct {
	Timestamp string          `json:"timestamp"`
	Type      string          `json:"type"`
	Payload   json.RawMessage `json:"payload"`
}

// payload holds the union of the payload fields this package reads. Fields are raw where
// their shape varies between record types or versions.
type payload struct {
	Type             string          `json:"type"`
	Role             string          `json:"role"`
	Content          json.RawMessage `json:"content"`
	Name             string          `json:"name"`
	Arguments        string          `json:"arguments"` // function_call: a JSON document as a string
	Input            string          `json:"input"`     // custom_tool_call
	Action           json.RawMessage `json:"action"`    // local_shell_call
	Message          json.RawMessage `json:"message"`   // event_msg user_message / agent_message
	LastAgentMessage string          `json:"last_agent_message"`
	Model            string          `json:"model"` // turn_context
}

// head is what a listing needs from one rollout: the first line plus the first prompt.
type head struct {
	ID         string
	Directory  string
	StartedAt  time.Time
	CLIVersion string
	Source     string
	Originator string
	Model      string
	Task       string
}

// parsed is a rollout read as far as the caller asked.
type parsed struct {
	head
	turns       int
	lastMessage string
	entries     []Entry
}

type parseMode int

const (
	modeHead       parseMode = iota // stop at the first real user message
	modeFull                        // read everything: turns and last message
	modeTranscript                  // modeFull plus the transcript entries
)

var errNotRollout = errors.New("first line is not session_meta")

// parse reads a rollout. Only an unreadable first line is an error: corrupt or unknown
// later lines are skipped, and a file cut short mid-line (codex still writing, or killed)
// yields what came before the cut.
func parse(r io.Reader, mode parseMode) (parsed, error) {
	lr := newLineReader(r)
	defer lr.release()
	var p parsed

	first, oversize, err := lr.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return p, errors.New("empty file")
		}
		return p, err
	}
	if oversize {
		return p, errors.New("first line too long")
	}
	var m metaLine
	if err := decode(first, &m); err != nil {
		return p, err
	}
	switch {
	case m.Type == "session_meta":
		mp := m.Payload
		p.ID, p.Directory, p.Originator, p.CLIVersion = mp.ID, mp.Cwd, mp.Originator, mp.CLIVersion
		p.Source = sourceString(mp.Source)
		p.Model = mp.BaseInstructions.Provenance.Model
		p.StartedAt = parseTime(mp.Timestamp)
		if p.StartedAt.IsZero() {
			p.StartedAt = parseTime(m.Timestamp)
		}
	case m.Type == "" && m.ID != "":
		p.ID, p.StartedAt = m.ID, parseTime(m.Timestamp)
	default:
		return p, errNotRollout
	}

	modelFromTurn := false // a turn_context model beats the instructions' provenance
	var eventUsers int     // user_message events, for versions without response_item users
	for {
		if mode == modeHead && (p.Task != "" || lr.count > maxHeadScan) {
			break
		}
		line, oversize, err := lr.next()
		if err != nil {
			break // EOF, or a read error after a good first line: keep what we have
		}
		if oversize || len(line) == 0 {
			continue
		}
		var rec record
		if decode(line, &rec) != nil || len(rec.Payload) == 0 {
			continue // truncated tail or garbage: skip
		}
		switch rec.Type {
		case "turn_context", "response_item", "event_msg":
		default:
			continue // session_meta of a fork, world_state, compacted, unknown: not needed
		}
		var pl payload
		if decode(rec.Payload, &pl) != nil {
			continue
		}
		at := parseTime(rec.Timestamp)
		switch rec.Type {
		case "turn_context":
			if pl.Model != "" && !modelFromTurn {
				p.Model, modelFromTurn = pl.Model, true
			}
		case "response_item":
			p.responseItem(pl, at, mode)
		case "event_msg":
			switch pl.Type {
			case "user_message":
				text := rawString(pl.Message)
				if isContextual(text) {
					continue
				}
				eventUsers++
				if p.Task == "" {
					p.Task = clip(text, maxTaskRunes)
				}
			case "agent_message":
				if s := rawString(pl.Message); s != "" {
					p.lastMessage = s
				}
			case "task_complete":
				if pl.LastAgentMessage != "" {
					p.lastMessage = pl.LastAgentMessage
				}
			}
		}
	}
	if p.turns == 0 {
		p.turns = eventUsers
	}
	// Heads of thousands of sessions stay cached; these fields repeat across them.
	p.Directory, p.CLIVersion, p.Source = intern(p.Directory), intern(p.CLIVersion), intern(p.Source)
	p.Originator, p.Model = intern(p.Originator), intern(p.Model)
	p.lastMessage = clip(p.lastMessage, maxMessageRunes)
	return p, nil
}

// responseItem folds one response_item (what the model saw or said) into p.
func (p *parsed) responseItem(pl payload, at time.Time, mode parseMode) {
	switch pl.Type {
	case "message":
		text := contentText(pl.Content)
		switch pl.Role {
		case "user":
			if isContextual(text) {
				return
			}
			p.turns++
			if p.Task == "" {
				p.Task = clip(text, maxTaskRunes)
			}
			p.add(mode, RoleUser, text, at)
		case "assistant":
			if strings.TrimSpace(text) == "" {
				return
			}
			p.lastMessage = text
			p.add(mode, RoleAssistant, text, at)
		}
	case "function_call", "custom_tool_call", "local_shell_call":
		if mode != modeTranscript {
			return
		}
		if cmd := commandText(pl); cmd != "" {
			p.add(mode, RoleCommand, cmd, at)
		} else if pl.Name != "" {
			p.add(mode, RoleTool, pl.Name, at)
		}
	}
}

func (p *parsed) add(mode parseMode, role, text string, at time.Time) {
	if mode != modeTranscript {
		return
	}
	p.entries = append(p.entries, Entry{Role: role, Text: clip(text, maxMessageRunes), Time: at})
}

// commandText is the shell command of a tool call, whichever shell tool this codex
// version offers: exec_command {"cmd"}, shell {"command": [...]}, local_shell_call.
func commandText(pl payload) string {
	var argv []string
	switch pl.Type {
	case "local_shell_call":
		var a struct {
			Command []string `json:"command"`
		}
		if decode(pl.Action, &a) != nil {
			return ""
		}
		argv = a.Command
	case "function_call":
		var a struct {
			Cmd     json.RawMessage `json:"cmd"`
			Command json.RawMessage `json:"command"`
		}
		if pl.Arguments == "" || decode([]byte(pl.Arguments), &a) != nil {
			return ""
		}
		for _, raw := range []json.RawMessage{a.Cmd, a.Command} {
			if s := rawString(raw); s != "" {
				return s
			}
			var list []string
			if decode(raw, &list) == nil && len(list) > 0 {
				argv = list
				break
			}
		}
	}
	if len(argv) == 0 {
		return ""
	}
	// ["bash", "-lc", "script"] reads better as just the script.
	if len(argv) == 3 && (argv[1] == "-lc" || argv[1] == "-c") {
		return argv[2]
	}
	return strings.Join(argv, " ")
}

// contentText joins the text parts of a message's content (input_text, output_text,
// text); images and other parts are left out. A plain string content is accepted too.
func contentText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		return rawString(raw)
	}
	var parts []struct {
		Text string `json:"text"`
	}
	if decode(raw, &parts) != nil {
		return ""
	}
	if len(parts) == 1 {
		return parts[0].Text
	}
	var b strings.Builder
	for _, part := range parts {
		b.WriteString(part.Text)
	}
	return b.String()
}

// rawString is a JSON string's value, or "" for anything else.
func rawString(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// sourceString renders session_meta.source: a plain string ("exec", "cli", "vscode") in
// most sessions, an object for sub-agents ({"subagent": "review"}), kept as compact JSON.
func sourceString(raw json.RawMessage) string {
	if s := rawString(raw); s != "" {
		return s
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return ""
	}
	return b.String()
}

// contextualPrefixes are user-role messages that codex writes itself (environment,
// AGENTS.md, notices) rather than the person's prompt.
var contextualPrefixes = []string{
	"<environment_context>",
	"<user_instructions>",
	"<turn_aborted>",
	"<user_shell_command>",
	"<subagent_notification>",
	"<skill>",
	"# AGENTS.md instructions for ",
}

// isContextual reports whether a user-role message is codex's own context rather than a
// prompt: one of the known wrappers, or any text that is a single <tag>...</tag> element
// (codex adds new wrappers from version to version, always in that shape).
func isContextual(text string) bool {
	t := strings.TrimSpace(text)
	if t == "" {
		return true
	}
	for _, p := range contextualPrefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	if t[0] != '<' {
		return false
	}
	end := strings.IndexByte(t, '>')
	if end < 2 {
		return false
	}
	tag := t[1:end]
	if sp := strings.IndexByte(tag, ' '); sp >= 0 {
		tag = tag[:sp] // <tag attr="...">...</tag>
	}
	if tag == "" {
		return false
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return strings.HasSuffix(t, "</"+tag+">")
}

// clip trims surrounding space and cuts s to at most n runes, marking the cut.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n { // bytes >= runes, so this is the common, cheap case
		return s
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + "…"
}

func intern(s string) string {
	if s == "" {
		return s
	}
	return unique.Make(s).Value()
}

// parseTime reads codex's RFC 3339 timestamps; anything else is the zero time.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
