package tools

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
)

// schemaOf generates the input schema of T with invopop/jsonschema, inlined (no $defs)
// so every client can read it, required fields only where tagged.
func schemaOf[T any]() json.RawMessage {
	return reflectSchema[T](true)
}

// outputSchemaOf generates the output schema of T: every field without omitempty is
// always in the result, so the schema says it is required.
func outputSchemaOf[T any]() json.RawMessage {
	return reflectSchema[T](false, func(s *jsonschema.Schema) {
		s.Properties.Set(notesField, &jsonschema.Schema{
			Type: "array", Items: &jsonschema.Schema{Type: "string"},
			Description: "What the server did to this answer that its fields do not say: what it cut to keep the result " +
				"bounded, or that it answered without waiting. Absent when there is nothing to say.",
		})
	})
}

func reflectSchema[T any](requiredFromTags bool, extend ...func(*jsonschema.Schema)) json.RawMessage {
	r := &jsonschema.Reflector{
		DoNotReference:             true,
		ExpandedStruct:             true,
		RequiredFromJSONSchemaTags: requiredFromTags,
		AllowAdditionalProperties:  false,
	}
	s := r.Reflect(new(T))
	s.Version = ""
	s.ID = ""
	for _, f := range extend {
		f(s)
	}
	data, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("schema of %T: %v", *new(T), err))
	}
	return data
}

// newTool is mcp.NewTool for tools whose input schema is the raw invopop one: NewTool
// always fills InputSchema, and a tool with both cannot be marshalled.
func newTool(name string, input json.RawMessage, opts ...mcp.ToolOption) mcp.Tool {
	t := mcp.NewTool(name, append(opts, mcp.WithRawInputSchema(input))...)
	t.InputSchema = mcp.ToolInputSchema{}
	return t
}
