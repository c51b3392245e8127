// Package lru is a least-recently-used map bounded both in entries and in a cost (usually bytes) the
// caller states for each entry, safe for concurrent use. It serves the console's in-memory caches:
// the files fetched from catalogues (web/remote), the decoded sessions (web/session) and the summaries
// of recent service lists (web/oscar).
package lru

import (
	"container/list"
	"sync"
)

// Cache maps string keys to values of type V. The zero Cache is not usable; call New.
type Cache[V any] struct {
	maxEntries int
	maxCost    int64

	mu    sync.Mutex
	order *list.List // front: most recently used; values are *item[V]
	items map[string]*list.Element
	cost  int64
}

type item[V any] struct {
	key  string
	v    V
	cost int64
}

// New returns a cache holding at most maxEntries values of total cost at most maxCost.
func New[V any](maxEntries int, maxCost int64) *Cache[V] {
	return &Cache[V]{maxEntries: maxEntries, maxCost: maxCost, order: list.New(), items: map[string]*list.Element{}}
}

// Get returns the value stored under key, which becomes the most recently used.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*item[V]).v, true
}

// Put stores v under key at the given cost, replacing what was there, and evicts the least recently
// used values until the cache is within its bounds. A value costing more than the whole cache is not
// kept (and the old value under key is gone all the same).
func (c *Cache[V]) Put(key string, v V, cost int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
	if cost > c.maxCost {
		return
	}
	c.items[key] = c.order.PushFront(&item[V]{key: key, v: v, cost: cost})
	c.cost += cost
	for c.cost > c.maxCost || len(c.items) > c.maxEntries {
		c.removeLocked(c.order.Back().Value.(*item[V]).key)
	}
}

// Drop removes the value stored under key, if any.
func (c *Cache[V]) Drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(key)
}

func (c *Cache[V]) removeLocked(key string) {
	if el, ok := c.items[key]; ok {
		c.cost -= el.Value.(*item[V]).cost
		c.order.Remove(el)
		delete(c.items, key)
	}
}

// Len returns how many values the cache holds and their total cost.
func (c *Cache[V]) Len() (entries int, cost int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.cost
}
