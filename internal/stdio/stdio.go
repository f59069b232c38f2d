// Package stdio guards the MCP server's stdin and stdout: a JSON-RPC message (one line)
// longer than a limit is discarded as it streams, never buffered whole, and answered
// with an Invalid Request error for its id; and every write to stdout, the server's and
// the guard's, goes out as one whole line under one lock.
package stdio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

const (
	// readBufferBytes is how much of stdin is read at a time.
	readBufferBytes = 64 << 10
	// idScanBytes is how much of an oversized message is kept to find its id in: a
	// request's id comes in its first bytes in practice ({"jsonrpc":"2.0","id":7,...}),
	// and a bounded prefix keeps the refusal as cheap as the discarding.
	idScanBytes = 64 << 10
	// keepLineBytes is the largest line buffer kept between messages; a bigger one (from
	// a large message) is let go, so one large call does not raise idle memory for good.
	keepLineBytes = 1 << 20
	// invalidRequest is JSON-RPC's Invalid Request error code.
	invalidRequest = -32600
)

// Writer serialises writes to an io.Writer. Each Write must be a whole line (mcp-go
// writes each message with one Write; so does Reader), so lines never interleave.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// Reader passes on the lines of an input that are at most Limit bytes (newline
// included). A longer line is read through and dropped as it streams, holding at most
// idScanBytes of it, and answered on Out with a JSON-RPC Invalid Request error naming
// the limit, for the request's id (null when none is found).
type Reader struct {
	in    *bufio.Reader
	out   io.Writer
	limit int

	// OnReject, if set, is told of each refused message: its size and the id answered.
	OnReject func(size int64, id string)
	// OnEOF, if set, runs once when the input ends, before the reader reports EOF: the
	// moment to stop work the client can no longer follow.
	OnEOF func()

	line    []byte
	off     int
	eofOnce sync.Once
}

// NewReader guards in: lines longer than limit are refused on out.
func NewReader(in io.Reader, out io.Writer, limit int) *Reader {
	return &Reader{in: bufio.NewReaderSize(in, readBufferBytes), out: out, limit: limit}
}

func (g *Reader) Read(p []byte) (int, error) {
	for g.off >= len(g.line) {
		if err := g.next(); err != nil {
			if errors.Is(err, io.EOF) && g.OnEOF != nil {
				g.eofOnce.Do(g.OnEOF)
			}
			return 0, err
		}
	}
	n := copy(p, g.line[g.off:])
	g.off += n
	return n, nil
}

// next reads the next line that is within the limit into g.line.
func (g *Reader) next() error {
	if cap(g.line) > keepLineBytes {
		g.line = nil
	}
	g.line, g.off = g.line[:0], 0
	for {
		chunk, err := g.in.ReadSlice('\n')
		if len(g.line)+len(chunk) > g.limit {
			if rerr := g.reject(chunk, err); rerr != nil {
				return rerr
			}
			continue
		}
		if len(g.line)+len(chunk) > cap(g.line) {
			// Grow by doubling, but never past the limit: append's own growth would
			// overshoot it, and a message near the limit would cost twice its size.
			grown := make([]byte, len(g.line), min(g.limit, max(2*cap(g.line), len(g.line)+len(chunk))))
			copy(grown, g.line)
			g.line = grown
		}
		g.line = append(g.line, chunk...)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(g.line) > 0:
			return nil // a last line without newline; EOF comes with the next read
		default:
			return err
		}
	}
}

// reject discards the rest of the line whose start is in g.line and chunk (err is what
// reading chunk returned) and answers it. It returns an error only when the input ends
// or fails; the answer is written even then.
func (g *Reader) reject(chunk []byte, err error) error {
	prefix := append([]byte(nil), g.line[:min(len(g.line), idScanBytes)]...)
	if len(prefix) < idScanBytes {
		prefix = append(prefix, chunk[:min(len(chunk), idScanBytes-len(prefix))]...)
	}
	size := int64(len(g.line)) + int64(len(chunk))
	g.line = nil // let the refused message's bytes go now
	for errors.Is(err, bufio.ErrBufferFull) {
		chunk, err = g.in.ReadSlice('\n')
		size += int64(len(chunk))
	}
	id := RequestID(prefix)
	if g.OnReject != nil {
		g.OnReject(size, string(id))
	}
	msg := fmt.Sprintf("Invalid Request: the message is %d bytes, more than this server's limit of %d bytes (%d MiB); "+
		"put large inputs in files under the directory and name them in context (@{path}) instead", size, g.limit, g.limit>>20)
	resp := errorResponse{JSONRPC: "2.0", ID: id}
	resp.Error.Code, resp.Error.Message = invalidRequest, msg
	data, merr := json.Marshal(resp)
	if merr != nil {
		return merr
	}
	if _, werr := g.out.Write(append(data, '\n')); werr != nil {
		return werr
	}
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	return nil
}

// errorResponse is a JSON-RPC error answer.
type errorResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// RequestID finds the top-level "id" of a JSON-RPC message from its first bytes: the id
// as it was sent (a string or a number), or null when the prefix has none before it is
// cut off.
func RequestID(prefix []byte) json.RawMessage {
	null := json.RawMessage("null")
	dec := json.NewDecoder(bytes.NewReader(prefix))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return null
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return null
		}
		if key == "id" {
			tok, err := dec.Token()
			if err != nil {
				return null
			}
			switch v := tok.(type) {
			case string:
				data, _ := json.Marshal(v)
				return data
			case json.Number:
				return json.RawMessage(v)
			}
			return null
		}
		if skipValue(dec) != nil {
			return null
		}
	}
	return null
}

// skipValue reads past one value, however deeply nested.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}
