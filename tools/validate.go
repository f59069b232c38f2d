package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer renders validation errors in plain English ("value must be one of ...").
var printer = message.NewPrinter(language.English)

// validated checks a call's arguments against the tool's published input schema before
// the handler sees them. mcp-go can do this too, but renders each violation as a Go
// struct dump ("&{Got:maybe Want:[...]}"); here every violation reads "field: what is
// wrong", like the server's own errors, and comes back as an isError result.
func validated(tool mcp.Tool, next server.ToolHandlerFunc) server.ToolHandlerFunc {
	compile := sync.OnceValues(func() (*jsonschema.Schema, error) {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(tool.RawInputSchema))
		if err != nil {
			return nil, err
		}
		c := jsonschema.NewCompiler()
		url := "codex-mcp:" + tool.Name + ".json"
		if err := c.AddResource(url, doc); err != nil {
			return nil, err
		}
		return c.Compile(url)
	})
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		sch, err := compile()
		if err != nil {
			return nil, fmt.Errorf("input schema of %s: %w", tool.Name, err) // a bug
		}
		// Some clients send null for an optional argument they leave out; that means
		// absent, as it does to the handler's decoding.
		args := map[string]any{}
		for k, v := range req.GetArguments() {
			if v != nil {
				args[k] = v
			}
		}
		// Round-trip so numbers and nested values have the types the validator expects.
		data, err := json.Marshal(args)
		if err != nil {
			return mcp.NewToolResultError("arguments: " + err.Error()), nil
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return mcp.NewToolResultError("arguments: " + err.Error()), nil
		}
		if err := sch.Validate(inst); err != nil {
			if verr, ok := err.(*jsonschema.ValidationError); ok {
				return mcp.NewToolResultError(describe(verr)), nil
			}
			return mcp.NewToolResultError("arguments: " + err.Error()), nil
		}
		return next(ctx, req)
	}
}

// describe flattens a validation error into "field: problem" sentences.
func describe(verr *jsonschema.ValidationError) string {
	var parts []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		field := strings.Join(e.InstanceLocation, ".")
		if field == "" {
			field = "arguments"
		}
		parts = append(parts, field+": "+e.ErrorKind.LocalizedString(printer))
	}
	walk(verr)
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
