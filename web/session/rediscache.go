package session

import (
	"container/list"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// sessionCache is the client-side cache behind RedisBackend.GetCached: go-redis's Cache contract
// (reservations, invalidations by Redis key, eviction by connection, flush) over one
// least-recently-used list, with two differences from go-redis's own LocalCache that matter for
// sessions (issue 22, docs/performance.md §0.9):
//
//   - It is not sharded. LocalCache splits a cache of 64 entries or more into 16 shards of a 16th
//     each, so a shard that more held sessions hash to than it has room for reads some of them from
//     Redis on every view; here every one of maxEntries sessions stays until it is the least
//     recently used. It holds the reply's bytes and little else (LocalCache cost about 20 KB of heap
//     an entry).
//   - It refreshes ahead. A copy is served for at most maxStale after it was read (the bound for a
//     lost invalidation, unchanged), but a page view that finds its copy older than refreshAfter
//     asks for a new read in the background (refresh), so a session in use is read again before its
//     copy runs out instead of by the page view that finds it gone. The copy in hand keeps being
//     served, within maxStale, until the new read replaces it; an invalidation drops both.
type sessionCache struct {
	maxEntries   int
	maxBytes     int64
	maxStale     time.Duration
	refreshAfter time.Duration
	// refresh is told the Redis key (as go-redis names it, with its namespace) of a copy due for a
	// new read. It must not block or call back into the cache; it reports whether the read was
	// queued.
	refresh func(nsKey string) bool
	now     func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry // by cache key
	byKey   map[string]entrySet    // by Redis key, for invalidations
	byConn  map[uint64]entrySet    // by the connection that read them (cacheEntry.conn)
	lru     list.List              // of *cacheEntry, most recently used first
	bytes   int64
	token   uint64

	// Counts for CacheStats: reads answered from a copy, reads that found none (go-redis then reads
	// Redis), and background refreshes asked for.
	hits, misses, refreshes atomic.Uint64
}

// CacheStats counts the session reads of page views (GetCached) since the backend was opened: Hits
// were answered from the client-side cache, Misses read Redis, Refreshes are copies read again in the
// background before they ran out.
type CacheStats struct {
	Hits, Misses, Refreshes uint64
}

// cacheEntry is one cached reply, a reservation for a read in progress, or both (a copy being
// refreshed).
type cacheEntry struct {
	key       string
	redisKeys []string
	elem      *list.Element

	valid   bool
	value   []byte
	validAt time.Time
	conn    uint64 // the connection that read it (its invalidations come there), 0 if unknown

	token      uint64 // the read in progress, 0 if none
	reservedAt time.Time
	wait       chan struct{} // closed when a read for an entry without a copy ends
	refreshing bool          // refresh was told; cleared when a read ends
}

// reservationTimeout is how long a read in progress holds its reservation before another reader may
// take it over (a read is bounded by the store's operation timeout, far less).
const reservationTimeout = 5 * time.Second

// refreshKey marks the context of a background refresh: Get answers it with a miss for a copy due
// for refreshing, so go-redis reads the key again and publishes the new copy.
type refreshKey struct{}

var _ redis.Cache = (*sessionCache)(nil)

func newSessionCache(maxEntries int, maxBytes int64, maxStale, refreshAfter time.Duration, refresh func(string) bool) *sessionCache {
	return &sessionCache{
		maxEntries: maxEntries, maxBytes: maxBytes, maxStale: maxStale, refreshAfter: refreshAfter,
		refresh: refresh, now: time.Now,
		entries: map[string]*cacheEntry{},
		byKey:   map[string]entrySet{},
		byConn:  map[uint64]entrySet{},
	}
}

// Get implements redis.Cache: the copy under cacheKey if there is one younger than maxStale. It waits
// (within ctx) for a first read of the key in progress. A copy older than refreshAfter is still
// served, and refresh is told about it once; the refresh's own Get (refreshKey in ctx) misses it.
func (c *sessionCache) Get(ctx context.Context, cacheKey string) ([]byte, bool) {
	isRefresh := ctx.Value(refreshKey{}) != nil
	v, ok := c.get(ctx, cacheKey, isRefresh)
	switch {
	case isRefresh:
		c.refreshes.Add(1)
	case ok:
		c.hits.Add(1)
	default:
		c.misses.Add(1)
	}
	return v, ok
}

func (c *sessionCache) get(ctx context.Context, cacheKey string, isRefresh bool) ([]byte, bool) {
	for {
		c.mu.Lock()
		e := c.entries[cacheKey]
		switch {
		case e == nil:
			c.mu.Unlock()
			return nil, false
		case e.valid:
			age := c.now().Sub(e.validAt)
			if age > c.maxStale {
				c.expireLocked(e)
				c.mu.Unlock()
				continue // a refresh in progress is waited for, as a first read is
			}
			due := age > c.refreshAfter
			if isRefresh && due {
				c.mu.Unlock()
				return nil, false
			}
			c.lru.MoveToFront(e.elem)
			v := e.value
			var nsKey string
			if due && !e.refreshing && e.token == 0 && len(e.redisKeys) == 1 {
				e.refreshing = true
				nsKey = e.redisKeys[0]
			}
			c.mu.Unlock()
			if nsKey != "" && !c.refresh(nsKey) {
				c.mu.Lock()
				e.refreshing = false
				c.mu.Unlock()
			}
			return v, true
		case e.wait != nil:
			w := e.wait
			c.mu.Unlock()
			select {
			case <-w:
			case <-ctx.Done():
				return nil, false
			}
		default:
			c.mu.Unlock()
			return nil, false
		}
	}
}

// expireLocked drops e's copy: the entry goes, or, with a read in progress, stays as its reservation
// for readers to wait on.
func (c *sessionCache) expireLocked(e *cacheEntry) {
	if e.token == 0 {
		c.removeLocked(e)
		return
	}
	c.bytes -= int64(len(e.value))
	e.valid, e.value = false, nil
	c.unindexConnLocked(e)
	if e.wait == nil {
		e.wait = make(chan struct{})
	}
}

// Reserve implements redis.Cache: the caller may read cacheKey (shouldFetch) unless a read is in
// progress or the copy is fresh. A copy due for refreshing may be read again while it is served.
func (c *sessionCache) Reserve(cacheKey string, redisKeys []string) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	e := c.entries[cacheKey]
	if e != nil {
		if e.token != 0 && now.Sub(e.reservedAt) < reservationTimeout {
			return 0, false
		}
		if e.valid && now.Sub(e.validAt) <= c.refreshAfter {
			return 0, false
		}
	} else {
		e = &cacheEntry{key: cacheKey, redisKeys: append([]string(nil), redisKeys...)}
		e.elem = c.lru.PushFront(e)
		c.entries[cacheKey] = e
		for _, k := range e.redisKeys {
			addTo(c.byKey, k, e)
		}
	}
	c.token++
	e.token, e.reservedAt = c.token, now
	if !e.valid && e.wait == nil {
		e.wait = make(chan struct{})
	}
	return e.token, true
}

// FulfillOwned implements redis.Cache: publishes the value read under the reservation token, if the
// reservation still stands (an invalidation, a flush or the loss of its connection drops it).
func (c *sessionCache) FulfillOwned(cacheKey string, token, ownerConnID uint64, value []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[cacheKey]
	if e == nil || e.token != token || token == 0 {
		return false
	}
	if int64(len(value)) > c.maxBytes {
		c.removeLocked(e)
		return false
	}
	c.bytes += int64(len(value)) - int64(len(e.value))
	e.value = append([]byte(nil), value...)
	e.valid, e.validAt = true, c.now()
	e.token, e.refreshing = 0, false
	c.unindexConnLocked(e)
	e.conn = ownerConnID
	if ownerConnID != 0 {
		addTo(c.byConn, ownerConnID, e)
	}
	if e.wait != nil {
		close(e.wait)
		e.wait = nil
	}
	c.lru.MoveToFront(e.elem)
	// Evict the least recently used copies (not reads in progress, whose readers wait for them).
	for el := c.lru.Back(); el != nil && (c.lru.Len() > c.maxEntries || c.bytes > c.maxBytes); {
		victim := el.Value.(*cacheEntry)
		el = el.Prev()
		if victim != e && victim.valid {
			c.removeLocked(victim)
		}
	}
	return true
}

// Cancel implements redis.Cache: the read under token failed. An entry without a copy goes (its
// waiters read for themselves); a copy being refreshed stays, as it was.
func (c *sessionCache) Cancel(cacheKey string, token uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[cacheKey]
	if e == nil || e.token != token || token == 0 {
		return false
	}
	e.token, e.refreshing = 0, false
	if !e.valid {
		c.removeLocked(e)
	}
	return true
}

// DeleteByRedisKey implements redis.Cache (Redis's invalidation of redisKey): every copy and read in
// progress of it goes, so a read that raced the change is never published.
func (c *sessionCache) DeleteByRedisKey(redisKey string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.removeAllLocked(c.byKey[redisKey])
}

// DeleteByCacheKey implements redis.Cache.
func (c *sessionCache) DeleteByCacheKey(cacheKey string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[cacheKey]
	if e == nil {
		return false
	}
	c.removeLocked(e)
	return true
}

// EvictByConn implements redis.Cache: the copies read on a connection that is gone (its invalidations
// can no longer arrive).
func (c *sessionCache) EvictByConn(connID uint64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.removeAllLocked(c.byConn[connID])
}

// Flush implements redis.Cache.
func (c *sessionCache) Flush() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.entries)
	for _, e := range c.entries {
		c.removeLocked(e)
	}
	return n
}

// Len returns the entries held (copies and reads in progress) and the bytes of the copies.
func (c *sessionCache) Len() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

func (c *sessionCache) unindexConnLocked(e *cacheEntry) {
	if e.conn != 0 {
		dropFrom(c.byConn, e.conn, e)
		e.conn = 0
	}
}

// entrySet is the entries under one key of an index.
type entrySet map[*cacheEntry]struct{}

func addTo[K comparable](index map[K]entrySet, k K, e *cacheEntry) {
	set := index[k]
	if set == nil {
		set = entrySet{}
		index[k] = set
	}
	set[e] = struct{}{}
}

// dropFrom removes e from index[k], and the key once its set is empty.
func dropFrom[K comparable](index map[K]entrySet, k K, e *cacheEntry) {
	if set := index[k]; set != nil {
		delete(set, e)
		if len(set) == 0 {
			delete(index, k)
		}
	}
}

// removeAllLocked removes every entry of set (an index's set, which empties as they go).
func (c *sessionCache) removeAllLocked(set entrySet) int {
	n := 0
	for e := range set {
		c.removeLocked(e)
		n++
	}
	return n
}

// removeLocked drops e and wakes its waiters; a read in progress for it can no longer publish.
func (c *sessionCache) removeLocked(e *cacheEntry) {
	if c.entries[e.key] != e {
		return
	}
	delete(c.entries, e.key)
	c.lru.Remove(e.elem)
	c.bytes -= int64(len(e.value))
	for _, k := range e.redisKeys {
		dropFrom(c.byKey, k, e)
	}
	c.unindexConnLocked(e)
	if e.wait != nil {
		close(e.wait)
		e.wait = nil
	}
	e.valid, e.value, e.token = false, nil, 0
}
