package rollout

import (
	"fmt"
	"strconv"
	"time"
)

// transcript collects entries within the transcript bounds: the first ones until the
// head budget is spent, then a sliding window of the last ones. What falls out of the
// window is only counted, so a session of any length costs the same memory.
type transcript struct {
	head      []Entry
	headBytes int
	tail      []sizedEntry // oldest first
	tailBytes int
	cut       int   // entries dropped between head and tail
	cutBytes  int64 // the file bytes their records took
	cutAt     time.Time
}

type sizedEntry struct {
	Entry
	size int64 // bytes of the record in the file
}

func (t *transcript) add(e Entry, size int64) {
	if len(t.tail) == 0 && len(t.head) < transcriptHeadEntries && t.headBytes+len(e.Text) <= transcriptHeadBytes {
		t.head = append(t.head, e)
		t.headBytes += len(e.Text)
		return
	}
	t.tail = append(t.tail, sizedEntry{e, size})
	t.tailBytes += len(e.Text)
	for len(t.tail) > transcriptTailEntries || t.tailBytes > transcriptTailBytes {
		d := t.tail[0]
		if t.cut == 0 {
			t.cutAt = d.Time
		}
		t.cut++
		t.cutBytes += d.size
		t.tailBytes -= len(d.Text)
		t.tail[0] = sizedEntry{} // let the text go; append reallocates the array in time
		t.tail = t.tail[1:]
	}
}

// entries is the transcript: head, a RoleNote for any cut, tail.
func (t *transcript) entries() []Entry {
	if len(t.head)+len(t.tail) == 0 {
		return nil
	}
	out := make([]Entry, 0, len(t.head)+1+len(t.tail))
	out = append(out, t.head...)
	if t.cut > 0 {
		out = append(out, Entry{
			Role: RoleNote,
			Text: fmt.Sprintf("… %s entries (%s) cut …", groupDigits(int64(t.cut)), humanBytes(t.cutBytes)),
			Time: t.cutAt,
		})
	}
	for _, e := range t.tail {
		out = append(out, e.Entry)
	}
	return out
}

// groupDigits writes n with thousands separators: 12,345.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// humanBytes is a size for people, in decimal units: 160 MB, 12 KB, 512 B.
func humanBytes(n int64) string {
	switch {
	case n >= 1e9:
		return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
	case n >= 1e6:
		return strconv.FormatInt((n+5e5)/1e6, 10) + " MB"
	case n >= 1e3:
		return strconv.FormatInt((n+500)/1e3, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
