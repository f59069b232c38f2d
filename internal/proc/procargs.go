package proc

import (
	"bytes"
	"encoding/binary"
)

// parseProcargs reads macOS's kern.procargs2 buffer: argc as a 32-bit little-endian
// integer (both macOS architectures are little-endian), the executable's path, NUL
// padding, then argc NUL-ended arguments and the NUL-ended environment up to an empty
// string or the end. It is here rather than in the darwin file so its table test runs
// on every OS.
func parseProcargs(b []byte) (argv, env []string, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	argc := int(binary.LittleEndian.Uint32(b))
	rest := b[4:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return nil, nil, false
	}
	rest = bytes.TrimLeft(rest[i:], "\x00")
	next := func() (string, bool) {
		if len(rest) == 0 {
			return "", false
		}
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			j = len(rest)
		}
		s := string(rest[:j])
		rest = rest[min(j+1, len(rest)):]
		return s, true
	}
	for range argc {
		s, more := next()
		if !more {
			return nil, nil, false
		}
		argv = append(argv, s)
	}
	for {
		s, more := next()
		if !more || s == "" {
			break
		}
		env = append(env, s)
	}
	return argv, env, true
}
