package session

import (
	"container/list"
	"encoding/json"
	"hash/maphash"
	"maps"
	"reflect"
	"slices"
	"sync"
)

// Bounds of the decoded-session cache: at most decodedEntries sessions and about decodedBytes of
// their stored JSON (a session is about 4 KB). A held session costs far more memory than its JSON
// (its decoded strings, scattered over the heap), so the bound is the sessions in use at once, small
// enough that 10,000 stored sessions stay within issue 22's 50 MiB: `loadtest -sessions 10000` grew
// the process by 66 MiB with 2,048 entries (file sessions), by 43.5 MiB with 128 (47.0 MiB with
// Redis, whose client cache holds as many). A replica with more sessions active at once decodes the
// others on each view, as before the cache.
const (
	decodedEntries = 128
	decodedBytes   = 512 << 10
)

// decodedCache keeps the decoded Data of recently loaded sessions, by backend key, with a hash of
// the sealed value they were decoded from, its version tag and, for the file store, the generation
// it was read at. The store stays the only source of truth: an entry is used when the value just
// read is the very value it was decoded from (same length, same hash under a seed chosen at start),
// or, without a read, when the store says nothing changed since (Store.read: the file store's
// generation; Redis's client-side cache, whose copy must still match). What the cache saves is
// decrypting and decoding the same bytes again on every page view, and, where the store can tell,
// the read itself.
//
// Entries are never handed out to be changed: Store.load gives each request a deep copy (Data.clone).
type decodedCache struct {
	seed maphash.Seed

	mu    sync.Mutex
	byKey map[string]*list.Element // of *decodedEntry
	lru   *list.List               // most recently used first
	bytes int
}

type decodedEntry struct {
	key  string
	sum  uint64
	size int    // length of the sealed value
	cost int    // length of its JSON, counted against decodedBytes
	tag  string // its versionTag
	gen  uint64 // the generational backend's generation it is valid at (0: none known)
	data *Data  // read-only
	// current is true when the value was sealed with the primary key (a value sealed with an older
	// key is written again under the primary key on the next save).
	current bool
}

func newDecodedCache() *decodedCache {
	return &decodedCache{seed: maphash.MakeSeed(), byKey: map[string]*list.Element{}, lru: list.New()}
}

// get returns the decoded Data of the value sealed, read from the backend under key, if it is the
// value the cached entry was decoded from. A non-zero gen is the backend's generation taken before
// the read, which the entry is then known to be valid at.
func (c *decodedCache) get(key string, sealed []byte, gen uint64) (data *Data, current, ok bool) {
	sum := maphash.Bytes(c.seed, sealed)
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.findLocked(key, func(e *decodedEntry) bool { return e.sum == sum && e.size == len(sealed) })
	if e == nil {
		return nil, false, false
	}
	if gen != 0 {
		e.gen = gen
	}
	return e.data, e.current, true
}

// tagged reports whether the entry held for key is the version named tag.
func (c *decodedCache) tagged(key, tag string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.findLocked(key, func(e *decodedEntry) bool { return e.tag == tag }) != nil
}

// getAt returns the decoded Data held for key if it was decoded at the backend's generation gen (see
// the generational interface; 0 is no generation).
func (c *decodedCache) getAt(key string, gen uint64) (data *Data, current, ok bool) {
	if gen == 0 {
		return nil, false, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.findLocked(key, func(e *decodedEntry) bool { return e.gen == gen })
	if e == nil {
		return nil, false, false
	}
	return e.data, e.current, true
}

// findLocked returns the entry held for key if match accepts it, as the most recently used, or nil.
func (c *decodedCache) findLocked(key string, match func(*decodedEntry) bool) *decodedEntry {
	el, ok := c.byKey[key]
	if !ok || !match(el.Value.(*decodedEntry)) {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*decodedEntry)
}

// put remembers data (which the caller no longer changes) as the decoding of sealed, stored under
// key, whose versionTag is tag, read at the backend's generation gen (0 for none); plainLen is the
// length of its JSON.
func (c *decodedCache) put(key string, sealed []byte, tag string, gen uint64, data *Data, current bool, plainLen int) {
	if plainLen > decodedBytes/16 {
		return // an unusually large session (many drafts) is decoded each time
	}
	e := &decodedEntry{key: key, sum: maphash.Bytes(c.seed, sealed), size: len(sealed), cost: plainLen, tag: tag, gen: gen, data: data, current: current}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
	c.byKey[key] = c.lru.PushFront(e)
	c.bytes += e.cost
	for c.lru.Len() > decodedEntries || c.bytes > decodedBytes {
		c.removeLocked(c.lru.Back().Value.(*decodedEntry).key)
	}
}

// drop forgets the session stored under key (deleted, ended or renewed).
func (c *decodedCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
}

func (c *decodedCache) removeLocked(key string) {
	if el, ok := c.byKey[key]; ok {
		c.bytes -= el.Value.(*decodedEntry).cost
		c.lru.Remove(el)
		delete(c.byKey, key)
	}
}

// len returns the entries and JSON bytes held (tests).
func (c *decodedCache) len() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}

// clone returns a deep copy of d: no slice, map or raw JSON of the copy shares memory with d.
// TestCloneCopiesEveryField fails when a field is added to Data without being copied here.
func (d *Data) clone() *Data {
	c := *d
	c.VOs = slices.Clone(d.VOs)
	c.Scopes = slices.Clone(d.Scopes)
	c.UserInfo = slices.Clone(d.UserInfo)
	c.RecentEndpoints = slices.Clone(d.RecentEndpoints)
	c.Login = slices.Clone(d.Login)
	if d.Drafts != nil {
		c.Drafts = make(map[string]json.RawMessage, len(d.Drafts))
		for k, v := range d.Drafts {
			c.Drafts[k] = slices.Clone(v)
		}
	}
	c.Flash = slices.Clone(d.Flash)
	c.Reveal = maps.Clone(d.Reveal)
	return &c
}

// sameAs reports whether d holds what o holds. It errs only towards "different" (a nil and an empty
// list differ here but are stored alike), which costs a store read, never a lost change.
func (d *Data) sameAs(o *Data) bool { return reflect.DeepEqual(d, o) }
