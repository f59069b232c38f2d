package rollout

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unique"
)

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readerSize) }}

// errReadLimit ends a read that reached maxReadBytes.
var errReadLimit = errors.New("rollout read limit reached")

// lineReader yields the lines of a JSONL stream one at a time, never holding more than
// max bytes of one line, and stops when its context is cancelled.
type lineReader struct {
	ctx       context.Context
	r         *bufio.Reader
	buf       []byte
	count     int64 // bytes consumed so far
	nextCheck int64 // count at which ctx is checked next
	max       int   // longest line returned whole (maxLine; tests lower it)
	keep      int   // bytes kept of a longer line (maxLineHead)
	limit     int64 // bytes after which reading stops (maxReadBytes)
}

func newLineReader(ctx context.Context, r io.Reader) *lineReader {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(r)
	return &lineReader{ctx: ctx, r: br, max: maxLine, keep: maxLineHead, limit: maxReadBytes}
}

// release returns the buffer to the pool; the reader must not be used afterwards.
func (lr *lineReader) release() {
	lr.r.Reset(nil)
	readerPool.Put(lr.r)
	lr.r = nil
}

// next returns the next line without its newline; the slice is valid until the next
// call, size is the line's length in the stream. A line longer than lr.max comes back as
// its first lr.keep bytes with oversize set; the rest is read past, not kept. A final
// line without a newline is returned too (it may be a write in progress; decoding
// decides). Errors: io.EOF, the context's error, errReadLimit, or the reader's.
func (lr *lineReader) next() (line []byte, oversize bool, size int64, err error) {
	lr.buf = lr.buf[:0]
	start := lr.count
	for {
		if lr.count >= lr.nextCheck {
			lr.nextCheck = lr.count + ctxCheckBytes
			if err := lr.ctx.Err(); err != nil {
				return nil, false, 0, err
			}
		}
		if lr.count >= lr.limit {
			return nil, false, 0, errReadLimit
		}
		chunk, err := lr.r.ReadSlice('\n')
		lr.count += int64(len(chunk))
		switch {
		case oversize:
		case len(lr.buf)+len(chunk) > lr.max:
			oversize = true
			if n := lr.keep - len(lr.buf); n > 0 {
				lr.buf = append(lr.buf, chunk[:min(n, len(chunk))]...)
			}
			lr.buf = lr.buf[:min(len(lr.buf), lr.keep)]
		case err == nil && len(lr.buf) == 0:
			// The whole line is in the reader's buffer: no copy.
			return bytes.TrimRight(chunk, "\r\n"), false, int64(len(chunk)), nil
		default:
			lr.buf = append(lr.buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		size = lr.count - start
		if err != nil && (!errors.Is(err, io.EOF) || size == 0) {
			return nil, false, 0, err
		}
		return bytes.TrimRight(lr.buf, "\r\n"), oversize, size, nil
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
	ForkedFromID     string          `json:"forked_from_id"`
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

// metaFromPrefix reads the fields of a session_meta line too long to decode from its
// head. Codex writes id, timestamp, cwd, originator, cli_version and source before the
// bulky base_instructions, so the head has them; only complete values are taken.
func metaFromPrefix(prefix []byte) metaLine {
	var m metaLine
	scanPrefix(prefix, func(path, v string, complete bool) {
		if !complete {
			return
		}
		mp := &m.Payload
		switch path {
		case "timestamp":
			m.Timestamp = v
		case "type":
			m.Type = v
		case "id":
			m.ID = v
		case "payload.id":
			mp.ID = v
		case "payload.forked_from_id":
			mp.ForkedFromID = v
		case "payload.timestamp":
			mp.Timestamp = v
		case "payload.cwd":
			mp.Cwd = v
		case "payload.originator":
			mp.Originator = v
		case "payload.cli_version":
			mp.CLIVersion = v
		case "payload.source":
			mp.Source, _ = json.Marshal(v)
		case "payload.base_instructions.provenance.model":
			mp.BaseInstructions.Provenance.Model = v
		}
	})
	return m
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
	Type              string          `json:"type"`
	Role              string          `json:"role"`
	Content           json.RawMessage `json:"content"`
	Name              string          `json:"name"`
	Arguments         string          `json:"arguments"` // function_call: a JSON document as a string
	Input             string          `json:"input"`     // custom_tool_call
	Action            json.RawMessage `json:"action"`    // local_shell_call
	Message           json.RawMessage `json:"message"`   // event_msg user_message / agent_message
	LastAgentMessage  string          `json:"last_agent_message"`
	Model             string          `json:"model"`              // turn_context
	SandboxPolicy     json.RawMessage `json:"sandbox_policy"`     // turn_context
	PermissionProfile json.RawMessage `json:"permission_profile"` // turn_context
}

// recordFromPrefix reads what this package needs of a line too long to decode from its
// head: codex writes the record and payload types, the role and the model before the
// bulk, and a message's text is kept as far as the head goes (it is clipped anyway).
func recordFromPrefix(prefix []byte) (record, payload) {
	var rec record
	var pl payload
	var text, msg strings.Builder
	sandbox := ""
	scanPrefix(prefix, func(path, v string, complete bool) {
		switch path {
		case "payload.content[].text", "payload.content":
			text.WriteString(v)
			return
		case "payload.message":
			msg.WriteString(v)
			return
		case "payload.last_agent_message":
			pl.LastAgentMessage = v
			return
		}
		if !complete {
			return
		}
		switch path {
		case "type":
			rec.Type = v
		case "timestamp":
			rec.Timestamp = v
		case "payload.type":
			pl.Type = v
		case "payload.role":
			pl.Role = v
		case "payload.name":
			pl.Name = v
		case "payload.model":
			pl.Model = v
		case "payload.arguments":
			pl.Arguments = v
		case "payload.sandbox_policy", "payload.sandbox_policy.type", "payload.sandbox_policy.mode":
			sandbox = v
		}
	})
	if text.Len() > 0 {
		pl.Content, _ = json.Marshal(text.String())
	}
	if msg.Len() > 0 {
		pl.Message, _ = json.Marshal(msg.String())
	}
	if sandbox != "" {
		pl.SandboxPolicy, _ = json.Marshal(sandbox)
	}
	return rec, pl
}

// head is what a listing needs from one rollout: the first line plus the first prompt.
type head struct {
	ID         string
	ForkedFrom string
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
	transcript  transcript

	sawTurnContext bool   // the first turn_context has been seen (decoded or not)
	turnModel      string // the first turn_context's model
	sandbox        string // the first turn_context's sandbox, mapped by sandboxMode
	eventUsers     int    // user_message events, for versions without response_item users
}

type parseMode int

const (
	modeHead       parseMode = iota // stop at the first real user message
	modeFull                        // read everything: turns and last message
	modeTranscript                  // modeFull plus the transcript entries
)

var errNotRollout = errors.New("first line is not session_meta")

// isCtxErr reports an error that means the caller gave up, not that the file is bad.
func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// parse reads a rollout. Only an unreadable first line is an error (and a cancelled
// ctx): corrupt or unknown later lines are skipped, and a file cut short mid-line (codex
// still writing, or killed) yields what came before the cut.
func parse(ctx context.Context, r io.Reader, mode parseMode) (parsed, error) {
	lr := newLineReader(ctx, r)
	defer lr.release()
	var p parsed

	first, oversize, _, err := lr.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return p, errors.New("empty file")
		}
		return p, err
	}
	var m metaLine
	if oversize {
		if m = metaFromPrefix(first); m.Payload.ID == "" && m.ID == "" {
			return p, fmt.Errorf("first line is over %d bytes and its first %d have no session id", lr.max, lr.keep)
		}
	} else if err := decode(first, &m); err != nil {
		return p, err
	}
	switch {
	case m.Type == "session_meta":
		mp := m.Payload
		p.ID, p.Directory, p.Originator, p.CLIVersion = mp.ID, mp.Cwd, mp.Originator, mp.CLIVersion
		p.ForkedFrom = mp.ForkedFromID
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

	headEnd := lr.count + maxHeadScan
	for {
		if mode == modeHead && (p.Task != "" || lr.count > headEnd) {
			break
		}
		line, oversize, size, err := lr.next()
		if isCtxErr(err) {
			return parsed{}, err
		}
		if err != nil {
			break // EOF, the read limit, or a read error after a good first line: keep what we have
		}
		if len(line) == 0 {
			continue
		}
		var rec record
		var pl payload
		if oversize {
			rec, pl = recordFromPrefix(line)
		} else if decode(line, &rec) != nil || len(rec.Payload) == 0 {
			continue // truncated tail or garbage: skip
		}
		switch rec.Type {
		case "turn_context", "response_item", "event_msg":
		default:
			continue // session_meta of a fork, world_state, compacted, unknown: not needed
		}
		if !oversize && decode(rec.Payload, &pl) != nil {
			continue
		}
		p.record(rec.Type, pl, parseTime(rec.Timestamp), size, mode)
	}
	if p.turns == 0 {
		p.turns = p.eventUsers
	}
	if p.turnModel != "" {
		p.Model = p.turnModel // the first turn's model beats the instructions' provenance
	}
	// Heads of thousands of sessions stay cached; these fields repeat across them.
	p.ID, p.ForkedFrom = normID(p.ID), normID(p.ForkedFrom)
	p.Directory, p.CLIVersion, p.Source = intern(capField(p.Directory)), intern(capField(p.CLIVersion)), intern(capField(p.Source))
	p.Originator, p.Model, p.turnModel = intern(capField(p.Originator)), intern(capField(p.Model)), intern(capField(p.turnModel))
	return p, nil
}

// record folds one decoded record into p.
func (p *parsed) record(typ string, pl payload, at time.Time, size int64, mode parseMode) {
	switch typ {
	case "turn_context":
		// The first turn is what the session started with; a resume can change sandbox
		// and model in later ones, which is why only the first counts.
		if p.sawTurnContext {
			return
		}
		p.sawTurnContext = true
		p.turnModel = pl.Model
		if p.sandbox = sandboxMode(pl.SandboxPolicy); p.sandbox == "" {
			p.sandbox = sandboxMode(pl.PermissionProfile)
		}
	case "response_item":
		p.responseItem(pl, at, size, mode)
	case "event_msg":
		switch pl.Type {
		case "user_message":
			text := rawString(pl.Message)
			if isContextual(text) {
				return
			}
			p.eventUsers++
			if p.Task == "" {
				p.Task = clip(text, maxTaskRunes)
			}
		case "agent_message":
			if s := rawString(pl.Message); s != "" {
				p.lastMessage = clip(s, maxMessageRunes)
			}
		case "task_complete":
			if pl.LastAgentMessage != "" {
				p.lastMessage = clip(pl.LastAgentMessage, maxMessageRunes)
			}
		}
	}
}

// responseItem folds one response_item (what the model saw or said) into p.
func (p *parsed) responseItem(pl payload, at time.Time, size int64, mode parseMode) {
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
			p.add(mode, RoleUser, text, at, size)
		case "assistant":
			if strings.TrimSpace(text) == "" {
				return
			}
			p.lastMessage = clip(text, maxMessageRunes)
			p.add(mode, RoleAssistant, text, at, size)
		}
	case "function_call", "custom_tool_call", "local_shell_call":
		if mode != modeTranscript {
			return
		}
		if cmd := commandText(pl); cmd != "" {
			p.add(mode, RoleCommand, cmd, at, size)
		} else if pl.Name != "" {
			p.add(mode, RoleTool, pl.Name, at, size)
		}
	}
}

func (p *parsed) add(mode parseMode, role, text string, at time.Time, size int64) {
	if mode != modeTranscript {
		return
	}
	p.transcript.add(Entry{Role: role, Text: clip(text, maxMessageRunes), Time: at}, size)
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

// capField cuts a name or path to maxFieldBytes, on a character boundary; unlike clip it
// keeps surrounding space, which can belong to a path.
func capField(s string) string {
	if len(s) <= maxFieldBytes {
		return s
	}
	i := maxFieldBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// normID lower-cases a session id: codex writes them lower-case, and ids typed or
// pasted by people (or written by other tools) are compared as the same session.
func normID(s string) string {
	return strings.ToLower(capField(s))
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
