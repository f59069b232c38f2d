// Package storegen writes Codex session stores the way the codex CLI does (rollout files
// with a ~22 KB session_meta first line, the environment message before the prompt, the
// event shapes of 0.125 and 0.169), so tests and benchmarks can build stores of any size
// without running codex ten thousand times.
package storegen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Session describes one rollout file to write.
type Session struct {
	ID       string
	Cwd      string
	Started  time.Time
	Updated  time.Time // file mtime; Started+1m when zero
	Prompts  []string  // one per turn; the first is the Task
	Replies  []string  // one per turn
	Command  string    // a command the first turn runs, if any
	Archived bool
	Version  string // cli_version; "0.125.0" writes the older event shape
	Model    string
	// Sandboxes is each turn's sandbox mode (-s), written into its turn_context as
	// sandbox_policy; a turn without one (or an empty one) gets none.
	Sandboxes []string
	// ForkedFrom is written as session_meta's forked_from_id when set.
	ForkedFrom string
}

// Defaults fills the fields a caller left empty: version 0.169.0, model gpt-5.5,
// updated a minute after it started.
func (f *Session) Defaults() {
	if f.Version == "" {
		f.Version = "0.169.0"
	}
	if f.Model == "" {
		f.Model = "gpt-5.5"
	}
	if f.Updated.IsZero() {
		f.Updated = f.Started.Add(time.Minute)
	}
}

// instructions is ~22 KB of base instructions, the size real session_meta lines carry.
var instructions = strings.Repeat("You are Codex, a coding agent. Follow the user's instructions carefully and keep changes minimal. ", 225)

// fakeID makes a deterministic UUID-shaped id from n.
func ID(n int) string {
	return fmt.Sprintf("01a209f9-%04x-7000-8000-%012x", n&0xffff, n)
}

// FileName is the rollout file name codex gives f.
func FileName(f Session) string {
	return "rollout-" + f.Started.UTC().Format("2006-01-02T15-04-05") + "-" + f.ID + ".jsonl"
}

// Path is where codex would keep f under home.
func Path(home string, f Session) string {
	if f.Archived {
		return filepath.Join(home, "archived_sessions", FileName(f))
	}
	return filepath.Join(home, "sessions", f.Started.UTC().Format("2006/01/02"), FileName(f))
}

// Write writes f the way codex does (record envelope, session_meta first, the
// developer and environment messages before the prompt) and sets its mtime.
func Write(home string, f Session) (path string, err error) {
	f.Defaults()
	path = Path(home, f)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	file, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := file.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(file, 64<<10)
	at := f.Started
	rec := func(typ string, payload any) {
		at = at.Add(10 * time.Millisecond)
		line, merr := json.Marshal(map[string]any{"timestamp": at.UTC().Format("2006-01-02T15:04:05.000Z"), "type": typ, "payload": payload})
		if merr != nil {
			panic(merr) // only maps of plain values are marshalled here
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	msg := func(role, kind, text string) map[string]any {
		return map[string]any{"type": "message", "role": role, "content": []map[string]any{{"type": kind, "text": text}}}
	}
	meta := map[string]any{
		"id": f.ID, "timestamp": f.Started.UTC().Format("2006-01-02T15:04:05.000Z"), "cwd": f.Cwd,
		"originator": "codex_exec", "cli_version": f.Version, "source": "exec", "model_provider": "mock",
		"base_instructions": map[string]any{"text": instructions},
	}
	if f.ForkedFrom != "" {
		meta["forked_from_id"] = f.ForkedFrom
	}
	rec("session_meta", meta)
	for turn, prompt := range f.Prompts {
		rec("event_msg", map[string]any{"type": "task_started", "turn_id": fmt.Sprint(turn)})
		if turn == 0 {
			rec("response_item", msg("developer", "input_text", "<permissions instructions>\n"+strings.Repeat("sandbox rules ", 350)+"\n</permissions instructions>"))
			rec("response_item", msg("user", "input_text", "<environment_context>\n  <cwd>"+f.Cwd+"</cwd>\n</environment_context>"))
		}
		tc := map[string]any{"turn_id": fmt.Sprint(turn), "cwd": f.Cwd, "model": f.Model, "approval_policy": "never"}
		if turn < len(f.Sandboxes) && f.Sandboxes[turn] != "" {
			tc["sandbox_policy"] = map[string]any{"type": f.Sandboxes[turn]}
		}
		rec("turn_context", tc)
		rec("response_item", msg("user", "input_text", prompt))
		if f.Version == "0.125.0" {
			rec("event_msg", map[string]any{"type": "user_message", "message": prompt})
		} else {
			rec("event_msg", map[string]any{"type": "item_completed", "item": map[string]any{"type": "UserMessage", "content": []map[string]any{{"type": "text", "text": prompt}}}})
		}
		rec("event_msg", map[string]any{"type": "token_count", "info": nil})
		if turn == 0 && f.Command != "" {
			args, _ := json.Marshal(map[string]any{"cmd": f.Command})
			rec("response_item", map[string]any{"type": "function_call", "name": "exec_command", "arguments": string(args), "call_id": "call_1"})
			rec("response_item", map[string]any{"type": "function_call_output", "call_id": "call_1", "output": "Process exited with code 0\nOutput:\nok\n"})
		}
		reply := "done"
		if turn < len(f.Replies) {
			reply = f.Replies[turn]
		}
		if f.Version == "0.125.0" {
			rec("event_msg", map[string]any{"type": "agent_message", "message": reply})
		}
		rec("response_item", msg("assistant", "output_text", reply))
		rec("event_msg", map[string]any{"type": "task_complete", "turn_id": fmt.Sprint(turn), "last_agent_message": reply})
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return path, os.Chtimes(path, f.Updated, f.Updated)
}

// Generate makes n sessions, one minute apart (the last is the newest), in a few
// working directories, with tasks that name their number.
func Generate(n int, base time.Time) []Session {
	dirs := []string{"/home/dev/api", "/home/dev/api/internal/auth", "/home/dev/web", "/home/dev/apiserver"}
	out := make([]Session, n)
	for i := range out {
		start := base.Add(time.Duration(i) * time.Minute)
		out[i] = Session{
			ID:      ID(i + 1),
			Cwd:     dirs[i%len(dirs)],
			Started: start,
			Updated: start.Add(30 * time.Second),
			Prompts: []string{fmt.Sprintf("Implement feature number %d for the module", i+1)},
			Replies: []string{fmt.Sprintf("feature %d done", i+1)},
		}
	}
	return out
}
