package remote

import (
	"time"

	"github.com/oscarconsole/oscar-console/web/lru"
)

// entry is one cached answer: the body of a file, or the parsed listing.
type entry struct {
	body      []byte
	parsed    any
	etag      string
	validated time.Time
}

func (e *entry) size() int64 {
	n := int64(len(e.body)) + int64(len(e.etag)) + 64
	if paths, ok := e.parsed.([]string); ok {
		for _, p := range paths {
			n += int64(len(p)) + 16
		}
	}
	return n
}

// cache holds the answers by key, least recently used first out, bounded in bytes (entry.size) and
// entries.
type cache struct{ lru *lru.Cache[*entry] }

func newCache(maxBytes int64, maxEntries int) *cache {
	return &cache{lru: lru.New[*entry](maxEntries, maxBytes)}
}

// get returns the entry under key, or nil.
func (c *cache) get(key string) *entry {
	e, _ := c.lru.Get(key)
	return e
}

// put stores e under key, evicting the least recently used entries until the cache is within its
// bounds. An entry larger than the whole cache is not kept.
func (c *cache) put(key string, e *entry) { c.lru.Put(key, e, e.size()) }

func (c *cache) drop(key string) { c.lru.Drop(key) }

// stats returns the cache's entries and bytes (tests).
func (c *cache) stats() (int, int64) { return c.lru.Len() }
