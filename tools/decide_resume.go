package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
)

// DecideResumeArgs are decide_resume's arguments: the next task as it would be delegated.
type DecideResumeArgs struct {
	Task         string `json:"task" jsonschema:"required,minLength=1" jsonschema_description:"The next task, as you would pass it to start_session."`
	Purpose      string `json:"purpose,omitempty"`
	Context      string `json:"context,omitempty" jsonschema_description:"The task's CONTEXT; @{...} patterns and references to earlier work count as evidence."`
	Expected     string `json:"expected,omitempty"`
	Directory    string `json:"directory,omitempty" jsonschema_description:"Where the task would run; leave out for a follow-up that names none."`
	Feature      string `json:"feature,omitempty" jsonschema_description:"Module/feature label, when you know it."`
	Conversation string `json:"conversation_id,omitempty" jsonschema_description:"Default: this MCP connection."`
	Relation     string `json:"relation,omitempty" jsonschema:"enum=extends,enum=needs_context,enum=independent,enum=alternative" jsonschema_description:"Your own judgement of how the task relates to earlier work; it overrides the inferred answer at its node of the tree."`
}

func decideResumeTool() mcp.Tool {
	return newTool("decide_resume", schemaOf[DecideResumeArgs](),
		mcp.WithDescription("Decide whether the next task should resume an earlier Codex session or start a new one, "+
			"by the workflow's Auto-Resume Decision Tree applied to this server's memory: related to previous work? extends it? "+
			"needs its context? first task of the conversation? different module? recent work on this module? "+
			"Returns the decision, the session to resume (the right one when several features are in flight, not just the latest), "+
			"every question of the tree with its answer and evidence, scored candidates, and suggested_call: the exact call to make next."),
		mcp.WithTitleAnnotation("Decide: resume or start fresh"),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
		mcp.WithRawOutputSchema(outputSchemaOf[session.DecisionResult]()),
	)
}

func (h *handlers) decideResume(ctx context.Context, req mcp.CallToolRequest, args DecideResumeArgs) (*mcp.CallToolResult, error) {
	conv := args.Conversation
	if conv == "" {
		conv = h.conversation(ctx)
	}
	d, err := h.sessions.Decide(ctx, session.DecideQuery{
		Task: args.Task, Purpose: args.Purpose, Context: args.Context, Expected: args.Expected,
		Directory: args.Directory, Feature: args.Feature, ConversationID: conv, Relation: args.Relation,
	})
	return h.result(ctx, req, d.SessionID, d, DecisionText(d), err)
}

// DecisionText shows a decision and its path for a person (also used by `codex-mcp decide`).
func DecisionText(d session.DecisionResult) string {
	var b strings.Builder
	switch {
	case d.Decision.Decision == "resume":
		fmt.Fprintf(&b, "Resume session %s (confidence %.2f).\n", d.SessionID, d.Confidence)
	default:
		fmt.Fprintf(&b, "Start a new session (confidence %.2f).\n", d.Confidence)
	}
	if d.Reason != "" {
		b.WriteString(d.Reason + "\n")
	}
	for _, s := range d.Path {
		mark := ""
		if s.Overridden {
			mark = " (your relation)"
		}
		fmt.Fprintf(&b, "- %s → %s%s", s.Question, s.Answer, mark)
		if len(s.Evidence) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(s.Evidence, "; "))
		}
		b.WriteString("\n")
	}
	if len(d.MergeFrom) > 0 {
		fmt.Fprintf(&b, "Draws on sessions: %s\n", strings.Join(d.MergeFrom, ", "))
	}
	fmt.Fprintf(&b, "Next: %s", d.SuggestedCall.Tool)
	return b.String()
}
