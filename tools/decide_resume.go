package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
)

// DecideResumeArgs are decide_resume's arguments: the next task exactly as it would go to
// start_session (the same struct, so the two cannot drift and an assistant can pass one
// object to both), and the caller's judgement of how it relates to earlier work. Every
// field is validated as start_session validates it; the task fields, directory, feature
// and conversation inform the decision, and the rest are carried into suggested_call.
type DecideResumeArgs struct {
	StartSessionArgs
	Relation string `json:"relation,omitempty" jsonschema:"enum=extends,enum=needs_context,enum=independent,enum=alternative" jsonschema_description:"Your own judgement of how the task relates to earlier work; it overrides the inferred answer at its node of the tree."`
}

// JSONSchemaExtend says, for the fields shared with start_session, what each means to the
// decision.
func (DecideResumeArgs) JSONSchemaExtend(s *jsonschema.Schema) {
	for name, desc := range map[string]string{
		"task":      "The next task, as you would pass it to start_session.",
		"context":   "The task's CONTEXT; @{...} patterns and references to earlier work count as evidence.",
		"directory": "Where the task would run; leave out for a follow-up that names none (start_session would then use the server's default directory).",
		"feature":   "Module/feature label, when you know it.",
		"draw_from": "Earlier sessions a new session should build on; kept in suggested_call when the decision is a new session, with the sessions the decision itself would merge.",
	} {
		if p, ok := s.Properties.Get(name); ok {
			p.Description = desc
		}
	}
}

func decideResumeTool() mcp.Tool {
	return newTool("decide_resume", schemaOf[DecideResumeArgs](),
		mcp.WithDescription("Decide whether the next task should resume an earlier Codex session or start a new one, "+
			"by the workflow's Auto-Resume Decision Tree applied to this server's memory: related to previous work? extends it? "+
			"needs its context? first task of the conversation? different module? recent work on this module? "+
			"Takes every argument start_session takes (pass the same object), checks each as start_session would, plus relation. "+
			"Returns the decision, the session to resume (the right one when several features are in flight, not just the latest), "+
			"every question of the tree with its answer and evidence, scored candidates, and suggested_call: the exact call to make next, "+
			"carrying your arguments (a resume_session call leaves out directory, feature and draw_from: the session keeps its own)."),
		mcp.WithTitleAnnotation("Decide: resume or start fresh"),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
		mcp.WithRawOutputSchema(outputSchemaOf[session.DecisionResult]()),
	)
}

func (h *handlers) decideResume(ctx context.Context, req mcp.CallToolRequest, args DecideResumeArgs) (*mcp.CallToolResult, error) {
	t := args.task(h.conversation(ctx))
	t.DrawFrom = args.DrawFrom
	d, err := h.sessions.Decide(ctx, session.DecideQuery{Task: t, Relation: args.Relation})
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
