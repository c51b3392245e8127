package oscar

import (
	"bytes"
	"errors"
	"hash/maphash"
	"sync"
)

// Bounds of the list cache: at most listCacheEntries answers and listCacheServices summaries in
// all (a few MiB at most); the oldest answer goes first.
const (
	listCacheEntries  = 64
	listCacheServices = 20000
)

// errTooLong stops reading an answer over MaxBody; decodeStream reports the answer as too large.
var errTooLong = errors.New("oscar: answer over the size limit")

// listBuffers holds the buffers service lists are read into before they are hashed.
var listBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putListBuffer(b *bytes.Buffer) {
	if b.Cap() <= 4<<20 {
		b.Reset()
		listBuffers.Put(b)
	}
}

// listKey names one answer by its length and a hash keyed with a seed chosen at start, so that
// nobody outside the process can make two different answers collide.
type listKey struct {
	sum  uint64
	size int
}

// listCache keeps the summaries decoded from recent service lists, by answer. Two callers that
// received the same bytes get the same summaries, which is no more than each of them read; the
// summaries are never handed out to be changed (ServiceSummaries copies the slice, and what the
// copies share, labels and deployment summaries, is read through methods only).
type listCache struct {
	seed maphash.Seed

	mu       sync.Mutex
	entries  map[listKey][]ServiceSummary
	order    []listKey // oldest first
	services int
}

func newListCache() *listCache {
	return &listCache{seed: maphash.MakeSeed(), entries: map[listKey][]ServiceSummary{}}
}

func (c *listCache) key(b []byte) listKey {
	return listKey{sum: maphash.Bytes(c.seed, b), size: len(b)}
}

func (c *listCache) get(k listKey) ([]ServiceSummary, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[k]
	return v, ok
}

func (c *listCache) put(k listKey, v []ServiceSummary) {
	if len(v) > listCacheServices {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		return
	}
	c.entries[k] = v
	c.order = append(c.order, k)
	c.services += len(v)
	for len(c.order) > listCacheEntries || c.services > listCacheServices {
		old := c.order[0]
		c.order = c.order[1:]
		c.services -= len(c.entries[old])
		delete(c.entries, old)
	}
}

// size returns the entries and summaries held (tests).
func (c *listCache) size() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.services
}
