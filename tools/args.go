package tools

import (
	"time"

	"github.com/codex-mcp/codex-mcp/session"
)

// TaskArgs are the seed's task fields and where/how to run them, shared by the tools that
// run codex.
type TaskArgs struct {
	Task          string `json:"task" jsonschema:"required,minLength=1" jsonschema_description:"What Codex should do: the seed's TASK line."`
	Purpose       string `json:"purpose,omitempty" jsonschema_description:"Why the work is done (PURPOSE)."`
	Mode          string `json:"mode,omitempty" jsonschema:"enum=analysis,enum=write,enum=auto" jsonschema_description:"analysis runs read-only; write and auto may edit files in the directory. Default auto."`
	Context       string `json:"context,omitempty" jsonschema_description:"What Codex should draw on (CONTEXT). May hold @{glob,glob} file patterns, resolved against directory and listed for Codex, e.g. @{src/auth/**/*}."`
	Expected      string `json:"expected,omitempty" jsonschema_description:"What the result should be (EXPECTED)."`
	Rules         string `json:"rules,omitempty" jsonschema_description:"Constraints to follow (RULES)."`
	RulesTemplate string `json:"rules_template,omitempty" jsonschema_description:"A rules template to put before rules: a built-in (feature, bugfix, refactor, test, docs, analysis, security) or a user template name such as development/feature."`
	Directory     string `json:"directory,omitempty" jsonschema_description:"Working directory (codex -C). Absolute, or relative to the server's default directory. Must exist."`
	Sandbox       string `json:"sandbox,omitempty" jsonschema:"enum=read-only,enum=workspace-write,enum=danger-full-access" jsonschema_description:"Sandbox for commands Codex runs. Default: read-only for mode analysis, else workspace-write. Capped by the operator's --max-sandbox."`
	Model         string `json:"model,omitempty" jsonschema_description:"Model name passed to codex (-m). Default: codex's configuration."`
	Profile       string `json:"profile,omitempty" jsonschema_description:"Codex configuration profile (-p)."`
	Timeout       int    `json:"timeout_seconds,omitempty" jsonschema:"minimum=0,maximum=86400" jsonschema_description:"Kill the run after this many seconds. Default: the server's --timeout."`
	Wait          int    `json:"wait_seconds,omitempty" jsonschema:"minimum=0,maximum=86400" jsonschema_description:"Return after this many seconds with status running if Codex is not done; the run goes on (follow it with get_session). Default: wait for the end."`
	Conversation  string `json:"conversation_id,omitempty" jsonschema_description:"Conversation this work belongs to: any string the client keeps for one conversation. Default: this MCP session (the stdio connection; over HTTP the Mcp-Session-Id). The stateless protocol 2026-07-28 has no session: there pass conversation_id, or each request is a conversation of its own."`
	Feature       string `json:"feature,omitempty" jsonschema_description:"Module/feature label for memory (e.g. auth). Default: inferred from directory, @{...} patterns and task."`
}

func (a TaskArgs) task(conversation string) session.Task {
	if a.Conversation != "" {
		conversation = a.Conversation
	}
	return session.Task{
		Task: a.Task, Purpose: a.Purpose, Mode: a.Mode, Context: a.Context, Expected: a.Expected,
		Rules: a.Rules, RulesTemplate: a.RulesTemplate, Directory: a.Directory, Sandbox: a.Sandbox,
		Model: a.Model, Profile: a.Profile, Timeout: time.Duration(a.Timeout) * time.Second,
		Wait: time.Duration(a.Wait) * time.Second, ConversationID: conversation, Feature: a.Feature,
	}
}

// StartSessionArgs are start_session's arguments.
type StartSessionArgs struct {
	TaskArgs
	DrawFrom []string `json:"draw_from,omitempty" jsonschema:"maxItems=10" jsonschema_description:"Earlier sessions this new one builds on (the seed's Session Merge, e.g. integrating components A and B): their tasks, results and changed files go into the context. decide_resume's suggested_call fills it in."`
}

// ResumeSessionArgs are resume_session's arguments.
type ResumeSessionArgs struct {
	SessionID string `json:"session_id,omitempty" jsonschema_description:"The session to continue (a UUID from start_session or list_sessions). Without it, the session this conversation last worked on in directory/feature, as memory records it."`
	TaskArgs
}
