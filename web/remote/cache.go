package remote

import (
	"container/list"
	"sync"
	"time"
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

// cache is a least-recently-used map bounded in bytes and entries.
type cache struct {
	mu         sync.Mutex
	maxBytes   int64
	maxEntries int
	bytes      int64
	order      *list.List // front: most recently used; values are *item
	items      map[string]*list.Element
}

type item struct {
	key string
	e   *entry
}

func newCache(maxBytes int64, maxEntries int) *cache {
	return &cache{maxBytes: maxBytes, maxEntries: maxEntries, order: list.New(), items: map[string]*list.Element{}}
}

func (c *cache) get(key string) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*item).e
}

// put stores e under key, evicting the least recently used entries until
// the cache is within its bounds. An entry larger than the whole cache is
// not kept.
func (c *cache) put(key string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(key)
	if e.size() > c.maxBytes {
		return
	}
	c.items[key] = c.order.PushFront(&item{key: key, e: e})
	c.bytes += e.size()
	for c.bytes > c.maxBytes || len(c.items) > c.maxEntries {
		c.remove(c.order.Back().Value.(*item).key)
	}
}

func (c *cache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(key)
}

func (c *cache) remove(key string) {
	if el, ok := c.items[key]; ok {
		c.bytes -= el.Value.(*item).e.size()
		c.order.Remove(el)
		delete(c.items, key)
	}
}

// stats returns the cache's entries and bytes (tests).
func (c *cache) stats() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.bytes
}
