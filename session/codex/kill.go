package codex

import "time"

// killGrace is how long codex and its commands get to exit on SIGTERM before SIGKILL.
// Cancellation must leave nothing running within a second.
const killGrace = 400 * time.Millisecond
