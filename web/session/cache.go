package session

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"maps"
	"slices"
	"sync/atomic"

	"github.com/oscarconsole/oscar-console/web/lru"
)

// Bounds of the decoded-session cache: at most decodedEntries sessions and about decodedBytes of
// their stored JSON (a session is about 4 KB). A held session costs far more memory than its JSON
// (its decoded strings, scattered over the heap), so the bound is the sessions in use at once, small
// enough that 10,000 stored sessions stay within issue 22's 50 MiB: `loadtest -sessions 10000` grew
// the process by 66 MiB with 2,048 entries (file sessions), by 43.5 MiB with 128 (47.0 MiB with
// Redis, whose client cache has as many entries, see redis.go). A replica with more sessions active
// at once decodes the others on each view, as before the cache.
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
	seed    maphash.Seed
	entries *lru.Cache[*decodedEntry] // cost: the length of the stored JSON
}

type decodedEntry struct {
	sum  uint64
	size int    // length of the sealed value
	tag  string // its versionTag
	data *Data  // read-only
	// current is true when the value was sealed with the primary key (a value sealed with an older
	// key is written again under the primary key on the next save).
	current bool
	// gen is the generational backend's generation the entry is known to be valid at (0: none).
	gen atomic.Uint64
}

func newDecodedCache() *decodedCache {
	return &decodedCache{seed: maphash.MakeSeed(), entries: lru.New[*decodedEntry](decodedEntries, decodedBytes)}
}

// get returns the decoded Data of the value sealed, read from the backend under key, if it is the
// value the cached entry was decoded from. A non-zero gen is the backend's generation taken before
// the read, which the entry is then known to be valid at.
func (c *decodedCache) get(key string, sealed []byte, gen uint64) (data *Data, current, ok bool) {
	e, ok := c.entries.Get(key)
	if !ok || e.sum != maphash.Bytes(c.seed, sealed) || e.size != len(sealed) {
		return nil, false, false
	}
	if gen != 0 {
		e.gen.Store(gen)
	}
	return e.data, e.current, true
}

// tagged reports whether the entry held for key is the version named tag.
func (c *decodedCache) tagged(key, tag string) bool {
	e, ok := c.entries.Get(key)
	return ok && e.tag == tag
}

// getAt returns the decoded Data held for key if it was decoded at the backend's generation gen (see
// the generational interface; 0 is no generation).
func (c *decodedCache) getAt(key string, gen uint64) (data *Data, current, ok bool) {
	if gen == 0 {
		return nil, false, false
	}
	e, ok := c.entries.Get(key)
	if !ok || e.gen.Load() != gen {
		return nil, false, false
	}
	return e.data, e.current, true
}

// put remembers data (which the caller no longer changes) as the decoding of sealed, stored under
// key, whose versionTag is tag, read at the backend's generation gen (0 for none); plainLen is the
// length of its JSON.
func (c *decodedCache) put(key string, sealed []byte, tag string, gen uint64, data *Data, current bool, plainLen int) {
	if plainLen > decodedBytes/16 {
		c.entries.Drop(key)
		return // an unusually large session (many drafts) is decoded each time
	}
	e := &decodedEntry{sum: maphash.Bytes(c.seed, sealed), size: len(sealed), tag: tag, data: data, current: current}
	e.gen.Store(gen)
	c.entries.Put(key, e, int64(plainLen))
}

// drop forgets the session stored under key (deleted, ended or renewed).
func (c *decodedCache) drop(key string) { c.entries.Drop(key) }

// len returns the entries and JSON bytes held (tests).
func (c *decodedCache) len() (entries, bytes int) {
	n, cost := c.entries.Len()
	return n, int(cost)
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

// sameAs reports whether d holds what o holds, field by field: 0.2 µs in a warm loop where
// reflect.DeepEqual took 2.4 (and about 10 µs of a page view under load). A nil and an empty list or map count as the same: they are stored alike.
// Times are compared as reflect.DeepEqual compares them (instant and location), so that a time
// moved to another zone is stored again. TestSameAsSeesEveryField fails when a field is added to
// Data without being compared here.
func (d *Data) sameAs(o *Data) bool {
	return d.Kind == o.Kind && d.Provider == o.Provider && d.Subject == o.Subject &&
		d.VOPersonID == o.VOPersonID && d.Name == o.Name && d.Email == o.Email &&
		slices.Equal(d.VOs, o.VOs) &&
		d.AccessToken == o.AccessToken && d.RefreshToken == o.RefreshToken && d.IDToken == o.IDToken &&
		d.Expiry == o.Expiry && slices.Equal(d.Scopes, o.Scopes) && bytes.Equal(d.UserInfo, o.UserInfo) &&
		d.BasicUser == o.BasicUser && d.BasicPassword == o.BasicPassword &&
		d.Endpoint == o.Endpoint && slices.Equal(d.RecentEndpoints, o.RecentEndpoints) &&
		bytes.Equal(d.Login, o.Login) &&
		maps.EqualFunc(d.Drafts, o.Drafts, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) &&
		d.DraftOwner == o.DraftOwner && slices.Equal(d.Flash, o.Flash) && maps.Equal(d.Reveal, o.Reveal) &&
		d.Created == o.Created && d.LastSeen == o.LastSeen
}
