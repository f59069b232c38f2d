// Package session is the domain between the MCP tools and the parts that do the work: its
// Manager validates a task, renders the prompt, runs codex through the adapter, records
// every run in conversation memory, and answers what sessions exist and which one the
// next task should continue. It knows nothing of MCP.
package session
