package codex

import (
	"fmt"
)

// Sandbox modes in increasing order of what they allow.
const (
	SandboxReadOnly       = "read-only"
	SandboxWorkspaceWrite = "workspace-write"
	SandboxFullAccess     = "danger-full-access"
)

// SandboxRank orders sandbox modes; -1 for an unknown one.
func SandboxRank(s string) int {
	switch s {
	case SandboxReadOnly:
		return 0
	case SandboxWorkspaceWrite:
		return 1
	case SandboxFullAccess:
		return 2
	}
	return -1
}

// Spec is one codex invocation, before it becomes an argv.
type Spec struct {
	Directory string
	Sandbox   string
	Model     string
	Profile   string
	ResumeID  string // resume this session (UUID) instead of starting one
	ForkID    string // fork this session (UUID) into a new one
	// Config holds codex config overrides, "dotted.key=toml-value", each passed as
	// `-c`; they apply to this run only.
	Config []string
}

// BuildArgs returns the argv (without the binary) for spec on a codex with caps. The prompt
// always goes on stdin ("-"): no length limit, no shell quoting, no terminal wait.
//
// The seed writes `--full-auto ... -s danger-full-access`. --full-auto is only
// `-s workspace-write` plus an approval policy that `exec` cannot ask anyone about, and
// codex 0.169 rejects it; so the sandbox is always given with -s, which every supported
// version accepts. Flags that go with `exec` are placed before `resume`: `exec resume`
// rejects -C and -s after it.
func BuildArgs(caps Capabilities, spec Spec) ([]string, error) {
	need := []string{"--json", "--sandbox", "--cd"}
	for _, f := range need {
		if !caps.ExecFlags[f] {
			return nil, fmt.Errorf("codex %s lacks `exec %s`; upgrade the Codex CLI (npm install -g @openai/codex)", caps.Version, f)
		}
	}
	if SandboxRank(spec.Sandbox) < 0 {
		return nil, fmt.Errorf("unknown sandbox %q", spec.Sandbox)
	}
	args := []string{"exec", "--json"}
	if caps.ExecFlags["--color"] {
		args = append(args, "--color", "never")
	}
	if caps.ExecFlags["--skip-git-repo-check"] {
		// The seed always passes it: Codex refuses to run outside a git repo otherwise,
		// and the caller chose the directory deliberately.
		args = append(args, "--skip-git-repo-check")
	}
	if spec.Directory != "" {
		args = append(args, "--cd", spec.Directory)
	}
	args = append(args, "--sandbox", spec.Sandbox)
	if spec.Model != "" {
		args = append(args, "--model", spec.Model)
	}
	if spec.Profile != "" {
		if !caps.ExecFlags["--profile"] {
			return nil, fmt.Errorf("codex %s has no --profile", caps.Version)
		}
		args = append(args, "--profile", spec.Profile)
	}
	if len(spec.Config) > 0 && !caps.ExecFlags["--config"] {
		return nil, fmt.Errorf("codex %s has no `exec --config`", caps.Version)
	}
	for _, kv := range spec.Config {
		args = append(args, "--config", kv)
	}
	switch {
	case spec.ResumeID != "" && spec.ForkID != "":
		return nil, fmt.Errorf("a run either resumes or forks a session, not both")
	case spec.ResumeID != "":
		if !caps.HasResume {
			return nil, ErrNoResume
		}
		args = append(args, "resume", spec.ResumeID)
	case spec.ForkID != "":
		if !caps.HasFork {
			return nil, ErrNoFork
		}
		args = append(args, "fork", spec.ForkID)
	}
	return append(args, "-"), nil
}
