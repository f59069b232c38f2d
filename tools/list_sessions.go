package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-mcp/codex-mcp/session"
)

// ListSessionsArgs are list_sessions' arguments.
type ListSessionsArgs struct {
	Directory       string `json:"directory,omitempty" jsonschema_description:"Only sessions in this directory or below it."`
	Query           string `json:"query,omitempty" jsonschema_description:"Text to find in tasks, features, directories, last messages or ids (case-insensitive)."`
	Feature         string `json:"feature,omitempty" jsonschema_description:"Only sessions filed under this module/feature label."`
	Conversation    string `json:"conversation_id,omitempty" jsonschema_description:"Only sessions this conversation worked on."`
	Status          string `json:"status,omitempty" jsonschema:"enum=running,enum=completed,enum=failed,enum=cancelled,enum=timed_out,enum=interrupted" jsonschema_description:"Only sessions whose latest turn has this status."`
	Limit           int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=200" jsonschema_description:"Page size (default 20)."`
	Cursor          string `json:"cursor,omitempty" jsonschema_description:"next_cursor of the previous page."`
	IncludeExternal *bool  `json:"include_external,omitempty" jsonschema_description:"Also list sessions started outside this server, from Codex's own store (default true)."`
	IncludeArchived bool   `json:"include_archived,omitempty" jsonschema_description:"Also list Codex's archived sessions."`
}

func listSessionsTool() mcp.Tool {
	return newTool("list_sessions", schemaOf[ListSessionsArgs](),
		mcp.WithDescription("List Codex sessions, newest first: the ones this server ran (with feature, conversation and status) "+
			"merged with every other session in Codex's own store on this machine (the seed's `codex resume` picker, as data). "+
			"Use it to find the session_id to resume."),
		mcp.WithTitleAnnotation("List Codex sessions"),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
		mcp.WithRawOutputSchema(outputSchemaOf[session.SessionList]()),
	)
}

func (h *handlers) listSessions(ctx context.Context, req mcp.CallToolRequest, args ListSessionsArgs) (*mcp.CallToolResult, error) {
	external := args.IncludeExternal == nil || *args.IncludeExternal
	out, err := h.sessions.List(ctx, session.ListQuery{
		Directory: args.Directory, Query: args.Query, Feature: args.Feature, ConversationID: args.Conversation,
		Status: args.Status, Limit: args.Limit, Cursor: args.Cursor, IncludeExternal: external, IncludeArchived: args.IncludeArchived,
	})
	return h.result(ctx, req, "", out, listText(out), err)
}

// listText is the picker a person would see.
func listText(l session.SessionList) string {
	if len(l.Sessions) == 0 {
		return "No Codex sessions match."
	}
	var b strings.Builder
	for i, s := range l.Sessions {
		feature := ""
		if s.Feature != "" {
			feature = " [" + s.Feature + "]"
		}
		fmt.Fprintf(&b, "%d. %s%s (%s, %s, %s) %s\n   %s\n", i+1, session.TaskLine(s.Task, 80), feature,
			s.UpdatedAt.Local().Format("2006-01-02 15:04"), s.Status, s.Source, s.SessionID, s.Directory)
	}
	if l.NextCursor != "" {
		b.WriteString("More: pass cursor " + l.NextCursor)
	}
	return b.String()
}
