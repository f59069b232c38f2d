package tools

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/codex-mcp/codex-mcp/prompts"
	"github.com/codex-mcp/codex-mcp/session"
)

// sessionURIPrefix names sessions as resources: codex://sessions/{id}.
const sessionURIPrefix = "codex://sessions/"

// rulesURIPrefix names rules templates as resources: codex://rules/{name}, the name as
// rules_template takes it (feature, or development/feature for a user file in a folder).
const rulesURIPrefix = "codex://rules/"

// Resource listing limits: resources/list shows the most recent sessions and at most so
// many templates (a user's template folder can hold anything).
const (
	ListedSessions  = 20
	ListedTemplates = 100
)

// templateSource is the Manager's side of rules templates; a Sessions without it (a
// test stub) lists only the built-ins.
type templateSource interface {
	Templates() prompts.Templates
}

func (h *handlers) templates() prompts.Templates {
	if ts, ok := h.sessions.(templateSource); ok {
		return ts.Templates()
	}
	return prompts.Templates{}
}

// addResources publishes each session's transcript summary and each rules template as
// resources, for clients that browse resources rather than call tools. resources/list is
// filled per request (listResources), since sessions and user templates come and go.
func (h *handlers) addResources(s *server.MCPServer) {
	tmpl := mcp.NewResourceTemplate(sessionURIPrefix+"{id}", "Codex session",
		mcp.WithTemplateDescription("A Codex session's transcript summary: its turns' tasks and answers and the commands Codex ran."),
		mcp.WithTemplateMIMEType("text/markdown"),
	)
	s.AddResourceTemplate(tmpl, h.readSession)
	rules := mcp.NewResourceTemplate(rulesURIPrefix+"{+name}", "Rules template",
		mcp.WithTemplateDescription("A rules template, as rules_template names it: the RULES text a task gets. User templates (the server's templates folder, ~/.claude/workflows/cli-templates/prompts) win over the built-ins."),
		mcp.WithTemplateMIMEType("text/markdown"),
	)
	s.AddResourceTemplate(rules, h.readRules)
}

func (h *handlers) readSession(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	id := strings.TrimPrefix(req.Params.URI, sessionURIPrefix)
	text, err := h.sessions.Transcript(ctx, id)
	if err != nil {
		if !errors.As(err, new(*session.InputError)) {
			h.logger.ErrorContext(ctx, "resource read failed", "uri", sessionURIPrefix+"…", "session_id", id, "err", err)
		}
		return nil, err
	}
	if t, cut := cutText(text, MaxResourceBytes-1<<10); cut != "" {
		// Bounded like tool results; the note says what is missing and where to look.
		text = t + "\n\n(codex-mcp cut this transcript to keep it under " + fmt.Sprint(MaxResourceBytes>>10) + " KB: " + cut +
			"; get_session has the structured record.)\n"
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: text}}, nil
}

func (h *handlers) readRules(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	name := strings.TrimPrefix(req.Params.URI, rulesURIPrefix)
	text, from, err := h.templates().Locate(name)
	if err != nil {
		return nil, err
	}
	if t, cut := cutText(text, MaxResourceBytes-1<<10); cut != "" {
		text = t + "\n\n(codex-mcp cut this template to keep it under " + fmt.Sprint(MaxResourceBytes>>10) + " KB: " + cut + ".)\n"
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: templateMIME(from), Text: text}}, nil
}

func templateMIME(from string) string {
	if strings.EqualFold(filepath.Ext(from), ".txt") {
		return "text/plain"
	}
	return "text/markdown"
}

// listResources adds to resources/list what is there now: every rules template, then the
// most recent sessions, newest first. mcp-go lists only resources registered up front,
// and its after-hook hands over the result it is about to send.
func (h *handlers) listResources(ctx context.Context, _ any, _ *mcp.ListResourcesRequest, res *mcp.ListResourcesResult) {
	if res == nil {
		return
	}
	if res.NextCursor != "" {
		return // a later page of mcp-go's own list: ours went with the first
	}
	t := h.templates()
	names := t.Names()
	if len(names) > ListedTemplates {
		names = names[:ListedTemplates]
	}
	for _, name := range names {
		text, from, err := t.Locate(name)
		if err != nil {
			continue
		}
		desc := prompts.Description(text)
		title := "Rules template " + name
		if from == prompts.Builtin {
			title += " (built-in)"
		} else {
			desc = "Yours, from " + from + ". " + desc
		}
		res.Resources = append(res.Resources, mcp.NewResource(rulesURIPrefix+name, "rules/"+name,
			mcp.WithResourceTitle(title), mcp.WithResourceDescription(session.TaskLine(desc, 300)),
			mcp.WithMIMEType(templateMIME(from)), mcp.WithResourceSize(int64(len(text)))))
	}
	list, err := h.sessions.List(ctx, session.ListQuery{Limit: ListedSessions, IncludeExternal: true})
	if err != nil {
		h.logger.WarnContext(ctx, "listing sessions as resources", "err", err)
		return
	}
	for _, s := range list.Sessions {
		task := session.TaskLine(s.Task, 80)
		if task == "" {
			task = "session " + s.SessionID
		}
		title := task
		if s.Feature != "" {
			title += " [" + s.Feature + "]"
		}
		desc := fmt.Sprintf("Codex session %s in %s: %s, %d turn(s), updated %s.", s.SessionID, s.Directory, s.Status, s.Turns,
			s.UpdatedAt.Format(time.RFC3339))
		if s.LastTask != "" && s.LastTask != s.Task {
			desc += " Last task: " + session.TaskLine(s.LastTask, 120)
		}
		res.Resources = append(res.Resources, mcp.NewResource(sessionURIPrefix+s.SessionID, task,
			mcp.WithResourceTitle(title), mcp.WithResourceDescription(desc), mcp.WithMIMEType("text/markdown"),
			mcp.WithAnnotations([]mcp.Role{mcp.RoleUser, mcp.RoleAssistant}, 0.5, s.UpdatedAt.UTC().Format(time.RFC3339))))
	}
}

// checkResourceURI makes resources/read of a URI that names nothing — a malformed
// session id, a session nobody knows, a template that does not exist — mcp-go's "resource
// not found" rather than an internal error. mcp-go v1.2.1 answers every error a resource
// handler returns with -32603 and offers no way to choose the code; its own not-found
// answer is -32602 under protocol 2026-07-28 and -32002 (the spec's "Resource not found")
// before it. So such a request is pointed, before mcp-go matches it, at a URI no template
// matches, which carries the reason: "handler not found for resource URI
// 'codex://sessions/x — "x" is not a session id'".
func (h *handlers) checkResourceURI(ctx context.Context, _ any, req *mcp.ReadResourceRequest) {
	uri := req.Params.URI
	var reason string
	switch {
	case strings.HasPrefix(uri, sessionURIPrefix):
		_, err := h.sessions.Get(ctx, strings.TrimPrefix(uri, sessionURIPrefix), 0)
		var ie *session.InputError
		if errors.As(err, &ie) {
			reason = ie.Error()
		}
	case strings.HasPrefix(uri, rulesURIPrefix):
		if _, _, err := h.templates().Locate(strings.TrimPrefix(uri, rulesURIPrefix)); errors.Is(err, prompts.ErrUnknownTemplate) {
			reason = err.Error()
		}
	}
	if reason != "" {
		req.Params.URI = uri + " — " + reason
	}
}
