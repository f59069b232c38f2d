package rollout

import "time"

// Every tunable number of the package, in one place. The store is written by another
// program and can hold anything (a pasted 50 MB log, a corrupt or hostile file, a huge
// archive), so each read is bounded; the figures keep a listing of thousands of sessions
// within a few megabytes and any one answer within a few hundred kilobytes.
const (
	// defaultLimit and maxLimit are List's page sizes: a screenful, and a cap that keeps
	// one page (and the heads it reads) small.
	defaultLimit = 20
	maxLimit     = 500

	// maxTaskRunes bounds Session.Task: enough to recognise and match a prompt, small
	// enough that caching the heads of 10,000 sessions stays a few megabytes.
	maxTaskRunes = 2000
	// maxMessageRunes bounds Session.LastMessage and the text of transcript entries.
	maxMessageRunes = 8000
	// maxFieldBytes bounds the other text fields (directory, versions, source, model,
	// ids): longer than any real path or name, short enough that a corrupt value costs
	// nothing.
	maxFieldBytes = 4096

	// maxLine is the longest line decoded whole. Real lines are ~22 KB (session_meta) to a
	// few hundred KB (a command's output); a longer one (a pasted image, a 60 MB
	// session_meta) is never held whole: only its first maxLineHead bytes are kept and
	// the fields this package needs are read from that head (they come first in codex's
	// records), the rest is skipped as it streams past.
	maxLine     = 1 << 20
	maxLineHead = 64 << 10
	// maxHeadScan bounds how far a listing reads past the first line looking for the
	// first user message; a session whose prompt is not within it is listed without one.
	// (A huge first line is still read past, not kept: its prompt is worth the I/O.)
	maxHeadScan = 4 << 20
	// maxReadBytes is where a read of one rollout stops (what came before is kept): far
	// beyond any real session, it bounds the time a decompression bomb or an endless
	// file can cost.
	maxReadBytes = 1 << 30
	// ctxCheckBytes is how often (in bytes read) a read checks for cancellation: about a
	// millisecond of reading, so a cancelled Get of a huge file returns at once.
	ctxCheckBytes = 1 << 20
	// readerSize holds a whole session_meta line (~22 KB, more with a large AGENTS.md)
	// so the common case is decoded straight out of the reader's buffer.
	readerSize = 64 << 10

	// zstdMaxWindow is the largest zstd window accepted for .jsonl.zst rollouts. Codex's
	// levels use at most 8 MB (zstd level 19, windowLog 23); a frame asking for more
	// (long-distance mode, or a hostile file) is refused instead of allocating it.
	zstdMaxWindow = 8 << 20

	// A transcript keeps its first and last entries within these bounds (together about
	// 256 KB, the size of an answer a caller can show) and one RoleNote entry for the
	// middle it cut.
	transcriptHeadEntries = 100
	transcriptHeadBytes   = 64 << 10
	transcriptTailEntries = 300
	transcriptTailBytes   = 192 << 10

	// maxIndexPolicyBytes bounds threads.sandbox_policy as read from the index; a real
	// one is under 2 KB, even with many writable roots.
	maxIndexPolicyBytes = 16 << 10

	// maxCachedHeads bounds the head cache (~450 bytes an entry), so a query that reads a
	// huge store once does not keep all of it: memory stays flat as the store grows.
	maxCachedHeads = 4096

	// settle is how old a directory's mtime must be before its listing is cached: on file
	// systems with coarse timestamps a file created within the same tick as the read would
	// not change the mtime again (the same "racy clean" problem git guards against).
	settle = 2 * time.Second
)
