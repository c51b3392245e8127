package oscar

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"sync"

	"github.com/oscarconsole/oscar-console/web/lru"
)

// Bounds of the list cache: at most listCacheEntries answers and listCacheServices summaries in
// all (a few MiB at most); the least recently used answer goes first.
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
type listKey string

// listCache keeps the summaries decoded from recent service lists, by answer, in a web/lru cache
// whose cost is the number of summaries. Two callers that received the same bytes get the same
// summaries, which is no more than each of them read; the summaries are never handed out to be
// changed (ServiceSummaries copies the slice, and what the copies share, labels and deployment
// summaries, is read through methods only).
type listCache struct {
	seed    maphash.Seed
	entries *lru.Cache[[]ServiceSummary]
}

func newListCache() *listCache {
	return &listCache{seed: maphash.MakeSeed(), entries: lru.New[[]ServiceSummary](listCacheEntries, listCacheServices)}
}

func (c *listCache) key(b []byte) listKey {
	var k [16]byte
	binary.LittleEndian.PutUint64(k[:8], maphash.Bytes(c.seed, b))
	binary.LittleEndian.PutUint64(k[8:], uint64(len(b)))
	return listKey(k[:])
}

func (c *listCache) get(k listKey) ([]ServiceSummary, bool) { return c.entries.Get(string(k)) }

// put keeps v; a list of more than listCacheServices summaries is not kept.
func (c *listCache) put(k listKey, v []ServiceSummary) { c.entries.Put(string(k), v, int64(len(v))) }

// size returns the entries and summaries held (tests).
func (c *listCache) size() (int, int) {
	n, cost := c.entries.Len()
	return n, int(cost)
}
