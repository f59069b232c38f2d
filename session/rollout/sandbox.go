package rollout

import "encoding/json"

// Sandbox modes, as codex's -s flag names them.
const (
	SandboxReadOnly         = "read-only"
	SandboxWorkspaceWrite   = "workspace-write"
	SandboxDangerFullAccess = "danger-full-access"
)

// Where Session.Sandbox was learnt.
const (
	SandboxFromRollout = "rollout" // the session's first turn_context: what it started with
	SandboxFromIndex   = "index"   // the state index's threads.sandbox_policy: the latest turn's
)

// sandboxMode maps a recorded sandbox to one of the three modes, "" when it is none of
// them or has a shape this package does not know. Codex has written:
//   - turn_context.sandbox_policy, and threads.sandbox_policy up to 0.125:
//     {"type": "read-only"|"workspace-write"|"danger-full-access"|"external-sandbox", ...};
//     older codex tagged the same enum "mode" instead of "type";
//   - turn_context.permission_profile (both versions), and threads.sandbox_policy in
//     0.169: {"type": "disabled"} (no sandbox), {"type": "external", ...} (someone
//     else's), or {"type": "managed", "file_system": {"type": "unrestricted"} or
//     {"type": "restricted", "entries": [{"path": ..., "access": "read"|"write"|"none"}]}}.
//
// An external sandbox is not one codex can be asked for again, so it maps to "".
func sandboxMode(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	if s := rawString(raw); s != "" {
		return knownMode(s)
	}
	var v struct {
		Type       string `json:"type"`
		Mode       string `json:"mode"`
		FileSystem *struct {
			Type    string `json:"type"`
			Entries []struct {
				Access string `json:"access"`
			} `json:"entries"`
		} `json:"file_system"`
	}
	// Strict decoding: a field of an unexpected type means a shape not known here.
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	kind := v.Type
	if kind == "" {
		kind = v.Mode
	}
	switch kind {
	case "disabled":
		return SandboxDangerFullAccess
	case "managed":
		if v.FileSystem == nil {
			return ""
		}
		switch v.FileSystem.Type {
		case "unrestricted":
			return SandboxDangerFullAccess
		case "restricted":
			mode := SandboxReadOnly
			for _, e := range v.FileSystem.Entries {
				switch e.Access {
				case "read", "none":
				case "write":
					mode = SandboxWorkspaceWrite
				default:
					return ""
				}
			}
			return mode
		}
		return ""
	}
	return knownMode(kind)
}

func knownMode(s string) string {
	switch s {
	case SandboxReadOnly, SandboxWorkspaceWrite, SandboxDangerFullAccess:
		return s
	}
	return ""
}
