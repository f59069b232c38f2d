package codex

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// eventLineCut is the type of the event readEvents makes up to say that a stdout line
// was too long to keep whole; Transcript turns it into a warning. Not a codex event type.
const eventLineCut = "codex_mcp.line_cut"

// lineReader reads stdout lines without ever holding more than about maxLine bytes of one.
type lineReader struct {
	br   *bufio.Reader
	head []byte
	rest []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line. A line up to maxLine bytes comes back whole (cut == 0);
// a longer one as its first lineHead bytes and its last lineTail bytes (plus a few bytes
// before them, see lineLook), with cut the number of bytes between. The slices are
// valid until the next call. err is the reader's, once the stream ends.
func (lr *lineReader) next() (head, tailPart []byte, cut int, err error) {
	lr.head, lr.rest = lr.head[:0], lr.rest[:0]
	total, over := 0, false
	for {
		frag, ferr := lr.br.ReadSlice('\n')
		total += len(frag)
		if n := min(lineHead-len(lr.head), len(frag)); n > 0 {
			lr.head = append(lr.head, frag[:n]...)
			frag = frag[n:]
		}
		lr.rest = append(lr.rest, frag...)
		if !over && len(lr.head)+len(lr.rest) > maxLine {
			over = true
		}
		if keep := lineTail + lineLook; over && len(lr.rest) > 2*keep {
			lr.rest = append(lr.rest[:0], lr.rest[len(lr.rest)-keep:]...)
		}
		if errors.Is(ferr, bufio.ErrBufferFull) {
			continue
		}
		if !over {
			return append(lr.head, lr.rest...), nil, 0, ferr
		}
		if keep := lineTail + lineLook; len(lr.rest) > keep {
			lr.rest = lr.rest[len(lr.rest)-keep:]
		}
		return lr.head, lr.rest, total - len(lr.head) - len(lr.rest), ferr
	}
}

// lineLook is how many bytes before the kept tail are kept too, to see whether the tail
// starts inside a JSON escape (`\uXXXX` is the longest, 6 bytes).
const lineLook = 8

// mendCut turns the two ends of an over-long line back into one JSON event when the cut
// falls inside a single string value (the huge text or output): the head is cut at a
// point inside a string and outside an escape, the tail from a point no escape spans,
// and the note of the cut goes between. ok is false when that does not give a valid
// event; the line is then skipped.
func mendCut(head, tailPart []byte, cut int) (ev Event, ok bool) {
	h := stringCutPoint(head)
	if h < 0 {
		return Event{}, false
	}
	t := -1
	// A start no escape spans: the lineLook bytes before it hold no backslash (an escape
	// is at most 6 bytes), and it is not inside a UTF-8 sequence.
	for i := lineLook; i < len(tailPart); i++ {
		if !isContinuation(tailPart[i]) && bytes.IndexByte(tailPart[i-lineLook:i], '\\') < 0 {
			t = i
			break
		}
	}
	if t < 0 {
		return Event{}, false
	}
	dropped := cut + (len(head) - h) + t
	joined := make([]byte, 0, h+len(tailPart)-t+32)
	joined = append(joined, head[:h]...)
	joined = append(joined, "…[cut "+sizeText(dropped)+"]…"...)
	joined = append(joined, tailPart[t:]...)
	return ParseEvent(joined)
}

// stringCutPoint returns the last index i at which b[:i] ends inside a JSON string,
// outside an escape and on a character boundary; -1 when there is none.
func stringCutPoint(b []byte) int {
	best, inStr := -1, false
	pending := 0 // -1: right after a backslash; n > 0: hex digits of \uXXXX to come
	for i, c := range b {
		if inStr && pending == 0 && !isContinuation(c) {
			best = i
		}
		switch {
		case pending == -1 && c == 'u':
			pending = 4
		case pending == -1:
			pending = 0
		case pending > 0:
			pending--
		case inStr && c == '\\':
			pending = -1
		case c == '"':
			inStr = !inStr
		}
	}
	if inStr && pending == 0 {
		best = len(b)
	}
	return best
}

func isContinuation(c byte) bool { return c&0xC0 == 0x80 }

// readEvents sends each event line of r to out and closes out at the end of r. Lines
// that are not events are logged and skipped; an over-long line is mended (see mendCut)
// or skipped, with a made-up eventLineCut event saying so either way.
func readEvents(r io.Reader, out chan<- Event, logger *slog.Logger) {
	defer close(out)
	lr := newLineReader(r)
	for {
		head, tailPart, cut, err := lr.next()
		switch {
		case cut > 0:
			size := sizeText(len(head) + cut + len(tailPart))
			ev, ok := mendCut(head, tailPart, cut)
			note := fmt.Sprintf("codex printed an event of %s; its middle was cut", size)
			if !ok {
				note = fmt.Sprintf("codex printed an output line of %s; it was skipped", size)
			}
			logger.Debug("over-long codex stdout line", "size", size, "kept", ok)
			out <- Event{Type: eventLineCut, Message: note}
			if ok {
				out <- ev
			}
		case len(head) > 0:
			if ev, ok := ParseEvent(head); ok {
				out <- ev
			} else if s := strings.TrimSpace(string(head)); s != "" {
				logger.Debug("codex stdout line that is not an event", "line", firstLine(s, 200))
			}
		}
		if err != nil {
			// Drain so the writer never blocks if we stopped early.
			_, _ = io.Copy(io.Discard, r)
			return
		}
	}
}
