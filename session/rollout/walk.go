package rollout

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Directories under CODEX_HOME that hold rollouts, and their file names:
// rollout-<time>-<uuid>.jsonl, or .jsonl.zst once codex has compressed an idle one.
const (
	sessionsDir = "sessions"
	archivedDir = "archived_sessions"
	jsonlExt    = ".jsonl"
	zstExt      = ".zst"
)

// isRolloutName reports whether a file name is a rollout's.
func isRolloutName(name string) bool {
	return strings.HasPrefix(name, "rollout-") && (strings.HasSuffix(name, jsonlExt) || strings.HasSuffix(name, jsonlExt+zstExt))
}

// fileRef is one rollout file found by the tree walk, before it is read.
type fileRef struct {
	path     string
	key      string // sort and cursor key: the lower-case uuid from the file name, else the name
	size     int64
	mtime    time.Time
	archived bool
}

// session builds the listing entry from the file and its parsed head.
func (r fileRef) session(h head) Session {
	s := Session{Path: r.path, UpdatedAt: r.mtime, Archived: r.archived}
	fillFromHead(&s, h)
	if s.ID == "" {
		s.ID = r.key
	}
	return s
}

// cacheEntry is a parsed head, valid while the file keeps its size and mtime. A file that
// failed to parse is cached too (bad), so a warm listing does not retry it every time.
type cacheEntry struct {
	size  int64
	mtime int64
	h     head
	bad   bool
}

// dirListing is a directory's rollout files and subdirectories as of its mtime. A
// directory's mtime changes whenever an entry is added, removed or renamed (not when a
// file in it is appended to), so an unchanged mtime means the listing is still right
// and the directory need not be read again; the files are still stat'ed every time,
// since appending to a session (a resume) changes only the file.
type dirListing struct {
	mtime   int64
	subdirs []string
	files   []dirFile
}

type dirFile struct {
	name, path, key string
}

// scanTree lists the rollout files under sessions/ (and archived_sessions/): names and
// stat only, no reads. Missing roots are fine (a fresh CODEX_HOME); unreadable
// directories are skipped with a debug log.
func (s *Store) scanTree(ctx context.Context, archived bool) ([]fileRef, error) {
	refs := make([]fileRef, 0, 1024)
	roots := []string{sessionsDir}
	if archived {
		roots = append(roots, archivedDir)
	}
	for _, root := range roots {
		var err error
		refs, err = s.scanDir(ctx, filepath.Join(s.home, root), root == archivedDir, refs)
		if err != nil {
			return nil, err
		}
	}
	return refs, nil
}

func (s *Store) scanDir(ctx context.Context, dir string, archived bool, refs []fileRef) ([]fileRef, error) {
	if err := ctx.Err(); err != nil {
		return refs, err
	}
	// os.Root stats the files relative to the open directory (fstatat), which costs
	// about half of a full-path lstat that resolves every component again.
	root, err := os.OpenRoot(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.logger.Debug("skipping unreadable directory in codex session tree", "dir", dir, "err", err)
		}
		return refs, nil
	}
	defer root.Close()
	list, fresh, err := s.listDir(root, dir)
	if err != nil {
		s.logger.Debug("skipping unreadable directory in codex session tree", "dir", dir, "err", err)
		return refs, nil
	}
	for i, f := range list.files {
		var info fs.FileInfo
		if fresh != nil {
			info = fresh[i]
		} else {
			info, err = root.Lstat(f.name)
		}
		if info == nil || err != nil || !info.Mode().IsRegular() {
			continue // removed or moved (archived) since the listing
		}
		refs = append(refs, fileRef{path: f.path, key: f.key, size: info.Size(), mtime: info.ModTime(), archived: archived})
	}
	for _, sub := range list.subdirs {
		if refs, err = s.scanDir(ctx, sub, archived, refs); err != nil {
			return refs, err
		}
	}
	return refs, nil
}

// listDir returns the directory's listing, from the cache while its mtime is unchanged.
// When it had to read the directory it also returns the files' FileInfo (fresh, in the
// order of list.files), which ReadDir often has already: on file systems that do not
// report entry types it stats every entry itself, so stat'ing again would double the cost.
func (s *Store) listDir(root *os.Root, dir string) (list *dirListing, fresh []fs.FileInfo, err error) {
	f, err := root.Open(".")
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	mtime := info.ModTime()
	s.mu.Lock()
	cached := s.dirs[dir]
	s.mu.Unlock()
	if cached != nil && cached.mtime == mtime.UnixNano() {
		return cached, nil, nil
	}
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, nil, err
	}
	list = &dirListing{mtime: mtime.UnixNano()}
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir():
			list.subdirs = append(list.subdirs, filepath.Join(dir, name))
		case e.Type().IsRegular() && isRolloutName(name):
			fi, _ := e.Info() // nil when removed since ReadDir; the caller skips it
			path := filepath.Join(dir, name)
			name = path[len(path)-len(name):] // share one allocation for path, name and key
			list.files = append(list.files, dirFile{name: name, path: path, key: keyFromName(name)})
			fresh = append(fresh, fi)
		}
	}
	s.mu.Lock()
	if time.Since(mtime) > settle {
		s.dirs[dir] = list
	} else {
		delete(s.dirs, dir)
	}
	s.mu.Unlock()
	return list, fresh, nil
}

// keyFromName is the session uuid (lower case) at the end of
// rollout-<time>-<uuid>.jsonl[.zst], or the whole name for files named otherwise.
func keyFromName(name string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(name, zstExt), jsonlExt)
	if len(base) >= 36 && isUUID(base[len(base)-36:]) {
		return strings.ToLower(base[len(base)-36:])
	}
	return name
}

// better reports whether a should stand for a session over b, two files of the same
// session id (archived and live copies, or a .jsonl next to its .jsonl.zst): the live
// one, then the newest, then the uncompressed one (the file codex appends to).
func better(a, b fileRef) bool {
	if a.archived != b.archived {
		return !a.archived
	}
	if !a.mtime.Equal(b.mtime) {
		return a.mtime.After(b.mtime)
	}
	return !strings.HasSuffix(a.path, zstExt) && strings.HasSuffix(b.path, zstExt)
}

// dedupRefs keeps one file per session id (see better), so a session is listed once.
// Files whose names carry no id are kept as they are.
func dedupRefs(refs []fileRef) []fileRef {
	at := make(map[string]int, len(refs))
	out := refs[:0]
	for _, r := range refs {
		if len(r.key) != 36 {
			out = append(out, r)
			continue
		}
		if i, ok := at[r.key]; ok {
			if better(r, out[i]) {
				out[i] = r
			}
			continue
		}
		at[r.key] = len(out)
		out = append(out, r)
	}
	return out
}

// sortRefs orders newest first by mtime, ties by key descending: the listing order.
func sortRefs(refs []fileRef) {
	slices.SortFunc(refs, func(a, b fileRef) int {
		if c := b.mtime.Compare(a.mtime); c != 0 {
			return c
		}
		return strings.Compare(b.key, a.key)
	})
}

// listTree is List without the index: stat every rollout, sort, then read heads only
// until the page is full.
func (s *Store) listTree(ctx context.Context, q query) (Page, error) {
	refs, err := s.scanTree(ctx, q.archived)
	if err != nil {
		return Page{}, err
	}
	s.prune(refs, q.archived)
	refs = dedupRefs(refs)
	sortRefs(refs)
	if q.after != nil {
		// refs is sorted by the cursor's order, so the rest of the listing starts at
		// the first ref after the cursor.
		i, _ := slices.BinarySearchFunc(refs, *q.after, func(r fileRef, c cursor) int {
			if c.before(r.mtime, r.key) {
				return 1
			}
			return -1
		})
		refs = refs[i:]
	}

	filtered := q.dir != "" || q.text != ""
	var page Page
	var lastKey string // sort key of the page's last session, for the cursor
	more := func() Page {
		last := page.Sessions[len(page.Sessions)-1]
		page.NextCursor = cursor{at: last.UpdatedAt, id: lastKey}.encode()
		return page
	}
	// Heads are loaded in batches, in parallel: the first batch is exactly what an
	// unfiltered page needs, plus one to learn whether a next page exists; later batches
	// grow for filtered listings that must look further.
	batch := q.limit + 1
	lookahead := 0 // files read after the page filled, looking for one more match
	for i := 0; i < len(refs); {
		end := min(i+batch, len(refs))
		heads, fresh := s.loadHeads(ctx, refs[i:end])
		if err := ctx.Err(); err != nil {
			return Page{}, err
		}
		full := len(page.Sessions) == q.limit
		for j, h := range heads {
			if h == nil {
				continue
			}
			ref := refs[i+j]
			sess := ref.session(*h)
			if !q.match(&sess) {
				continue
			}
			if len(page.Sessions) == q.limit {
				return more(), nil
			}
			page.Sessions = append(page.Sessions, sess)
			lastKey = ref.key
		}
		if full {
			lookahead += fresh
		}
		i = end
		if len(page.Sessions) == q.limit && i < len(refs) && (!filtered || lookahead >= 2*q.limit) {
			// Unfiltered, what remains is sessions (a corrupt file at worst); filtered,
			// proving there is one more match could cost reading every file left.
			return more(), nil
		}
		batch = min(batch*2, 512)
	}
	return page, nil
}

// cacheHead stores e, first dropping a quarter of the cache when it is full (which
// quarter does not matter: a dropped head is re-read on demand). Callers hold s.mu.
func (s *Store) cacheHead(path string, e cacheEntry) {
	if _, ok := s.heads[path]; !ok && len(s.heads) >= maxCachedHeads {
		drop := maxCachedHeads / 4
		for k := range s.heads {
			delete(s.heads, k)
			if drop--; drop == 0 {
				break
			}
		}
	}
	s.heads[path] = e
}

// loadHeads returns the heads of refs (nil for unreadable files), from the cache where
// the file is unchanged and otherwise by reading it, several files at a time. fresh
// counts the files actually read.
func (s *Store) loadHeads(ctx context.Context, refs []fileRef) (heads []*head, fresh int) {
	heads = make([]*head, len(refs))
	var todo []int
	s.mu.Lock()
	for i, r := range refs {
		e, ok := s.heads[r.path]
		if ok && e.size == r.size && e.mtime == r.mtime.UnixNano() {
			if !e.bad {
				h := e.h
				heads[i] = &h
			}
			continue
		}
		todo = append(todo, i)
	}
	s.mu.Unlock()
	if len(todo) == 0 {
		return heads, 0
	}

	workers := min(len(todo), runtime.GOMAXPROCS(0)*2)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				r := refs[i]
				p, err := s.parseFile(ctx, r.path, modeHead)
				if isCtxErr(err) {
					continue // not the file's fault: nothing to cache
				}
				e := cacheEntry{size: r.size, mtime: r.mtime.UnixNano()}
				if err != nil {
					s.logger.Debug("skipping unreadable rollout", "path", r.path, "err", err)
					e.bad = true
				} else {
					e.h = p.head
					h := p.head
					heads[i] = &h
				}
				s.mu.Lock()
				s.cacheHead(r.path, e)
				s.mu.Unlock()
			}
		})
	}
	for _, i := range todo {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return heads, len(todo)
}

// prune drops cached heads of files that no longer exist under the scanned roots, so the
// cache tracks the store instead of growing with every file ever seen. A scan of both
// roots prunes as soon as the cache holds more than it found; a scan without the archive
// (whose cached heads it cannot account for) only once the cache is twice the size, so
// that ordinary listings do not rebuild a set of 10,000 paths every time.
func (s *Store) prune(refs []fileRef, archived bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if archived && len(s.heads) <= len(refs) || !archived && len(s.heads) <= 2*len(refs)+256 {
		return
	}
	live := make(map[string]struct{}, len(refs))
	for _, r := range refs {
		live[r.path] = struct{}{}
	}
	sessions := filepath.Join(s.home, sessionsDir) + string(filepath.Separator)
	arch := filepath.Join(s.home, archivedDir) + string(filepath.Separator)
	for p := range s.heads {
		scanned := strings.HasPrefix(p, sessions) || archived && strings.HasPrefix(p, arch)
		if _, ok := live[p]; scanned && !ok {
			delete(s.heads, p)
		}
	}
}

// findTree locates a session's rollout by the uuid in its file name, archived included;
// of several files of the id, the one better picks.
func (s *Store) findTree(ctx context.Context, id string) (fileRef, bool, error) {
	refs, err := s.scanTree(ctx, true)
	if err != nil {
		return fileRef{}, false, err
	}
	var best fileRef
	found := false
	for _, r := range refs {
		if strings.EqualFold(r.key, id) && (!found || better(r, best)) {
			best, found = r, true
		}
	}
	return best, found, nil
}
