package session

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// The Redis session cache's own contract (go-redis's Cache: reservations, invalidation, eviction by
// connection) and its refresh ahead, with a fake clock; TestRedisClientCacheRefreshesAhead runs it
// against a real Redis.

type refreshLog struct {
	mu   sync.Mutex
	keys []string
	full bool // refuse (a full queue)
}

func (l *refreshLog) refresh(k string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.full {
		return false
	}
	l.keys = append(l.keys, k)
	return true
}

func (l *refreshLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.keys
	l.keys = nil
	return k
}

func newTestCache(entries int, bytes int64) (*sessionCache, *fakeClock, *refreshLog) {
	clock := newFakeClock()
	l := &refreshLog{}
	c := newSessionCache(entries, bytes, 5*time.Second, 3*time.Second, l.refresh)
	c.now = clock.Now
	return c, clock, l
}

// fill reads key as go-redis does on a miss: reserve, then publish what Redis answered.
func fill(t *testing.T, c *sessionCache, key, value string, conn uint64) {
	t.Helper()
	tok, ok := c.Reserve("get:"+key, []string{"ns\x00" + key})
	if !ok {
		t.Fatalf("Reserve(%s) refused", key)
	}
	if !c.FulfillOwned("get:"+key, tok, conn, []byte(value)) {
		t.Fatalf("FulfillOwned(%s) refused", key)
	}
}

func get(c *sessionCache, key string) (string, bool) {
	v, ok := c.Get(context.Background(), "get:"+key)
	return string(v), ok
}

var refreshCtx = context.WithValue(context.Background(), refreshKey{}, true)

func TestSessionCacheRefreshesAhead(t *testing.T) {
	c, clock, l := newTestCache(8, 1<<20)
	fill(t, c, "a", "v1", 1)
	clock.Advance(2 * time.Second)
	if v, ok := get(c, "a"); !ok || v != "v1" {
		t.Fatalf("fresh copy: %q %v", v, ok)
	}
	if k := l.take(); len(k) != 0 {
		t.Fatalf("a copy younger than refreshAfter asked for a refresh: %q", k)
	}
	if _, ok := c.Get(refreshCtx, "get:a"); !ok {
		t.Fatal("the refresh's own read missed a copy that is not due")
	}
	if _, ok := c.Reserve("get:a", []string{"ns\x00a"}); ok {
		t.Fatal("Reserve allowed a read of a copy that is not due")
	}

	clock.Advance(1500 * time.Millisecond) // 3.5 s old: due
	if v, ok := get(c, "a"); !ok || v != "v1" {
		t.Fatalf("due copy not served: %q %v", v, ok)
	}
	if k := l.take(); len(k) != 1 || k[0] != "ns\x00a" {
		t.Fatalf("refresh asked for %q, want the copy's Redis key once", k)
	}
	if _, ok := get(c, "a"); !ok {
		t.Fatal("second view of the due copy missed")
	}
	if k := l.take(); len(k) != 0 {
		t.Fatalf("refresh asked again before the first ended: %q", k)
	}

	// The refresher's read misses, reserves, and while it runs page views keep the copy.
	if _, ok := c.Get(refreshCtx, "get:a"); ok {
		t.Fatal("the refresh's own read was served the due copy")
	}
	tok, ok := c.Reserve("get:a", []string{"ns\x00a"})
	if !ok {
		t.Fatal("Reserve refused the refresh")
	}
	if _, again := c.Reserve("get:a", []string{"ns\x00a"}); again {
		t.Fatal("a second read reserved while the refresh runs")
	}
	if v, ok := get(c, "a"); !ok || v != "v1" {
		t.Fatalf("copy during its refresh: %q %v", v, ok)
	}
	if !c.FulfillOwned("get:a", tok, 2, []byte("v2")) {
		t.Fatal("refresh not published")
	}
	// 5.5 s after the first read and 2 s after the refresh: served, the new value.
	clock.Advance(2 * time.Second)
	if v, ok := get(c, "a"); !ok || v != "v2" {
		t.Fatalf("refreshed copy: %q %v, want v2", v, ok)
	}
	// Not refreshed again: the copy runs out at maxStale.
	clock.Advance(3100 * time.Millisecond)
	if _, ok := get(c, "a"); ok {
		t.Fatal("copy served past maxStale")
	}
	if n, b := c.Len(); n != 0 || b != 0 {
		t.Fatalf("after expiry: %d entries, %d bytes", n, b)
	}
	st := CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Refreshes: c.refreshes.Load()}
	if st != (CacheStats{Hits: 5, Misses: 1, Refreshes: 2}) {
		t.Errorf("stats %+v", st)
	}
}

func TestSessionCacheRefreshQueueFull(t *testing.T) {
	c, clock, l := newTestCache(8, 1<<20)
	fill(t, c, "a", "v1", 1)
	clock.Advance(4 * time.Second)
	l.full = true
	get(c, "a")
	l.full = false
	get(c, "a") // a refused refresh is asked for again by the next view
	if k := l.take(); len(k) != 1 {
		t.Fatalf("refresh after a refused one: %q", k)
	}
}

func TestSessionCacheRefreshFailure(t *testing.T) {
	c, clock, _ := newTestCache(8, 1<<20)
	fill(t, c, "a", "v1", 1)
	clock.Advance(4 * time.Second)
	get(c, "a")
	tok, ok := c.Reserve("get:a", []string{"ns\x00a"})
	if !ok {
		t.Fatal("refresh not reserved")
	}
	if !c.Cancel("get:a", tok) {
		t.Fatal("Cancel refused its token")
	}
	if v, ok := get(c, "a"); !ok || v != "v1" {
		t.Fatalf("a failed refresh dropped the copy: %q %v", v, ok)
	}
	clock.Advance(1100 * time.Millisecond)
	if _, ok := get(c, "a"); ok {
		t.Fatal("copy served past maxStale after a failed refresh")
	}
}

// An invalidation while a refresh reads drops the copy and the read: what it brings may predate the
// change.
func TestSessionCacheInvalidationDuringRefresh(t *testing.T) {
	c, clock, _ := newTestCache(8, 1<<20)
	fill(t, c, "a", "v1", 1)
	fill(t, c, "b", "w1", 1)
	clock.Advance(4 * time.Second)
	tok, ok := c.Reserve("get:a", []string{"ns\x00a"})
	if !ok {
		t.Fatal("refresh not reserved")
	}
	if n := c.DeleteByRedisKey("ns\x00a"); n != 1 {
		t.Fatalf("DeleteByRedisKey removed %d", n)
	}
	if _, ok := get(c, "a"); ok {
		t.Fatal("invalidated copy served")
	}
	if c.FulfillOwned("get:a", tok, 1, []byte("stale")) {
		t.Fatal("a read that raced the invalidation was published")
	}
	if _, ok := get(c, "a"); ok {
		t.Fatal("raced read served")
	}
	if v, ok := get(c, "b"); !ok || v != "w1" {
		t.Fatal("another key's copy went with the invalidation")
	}
}

// A first read in progress is waited for; a copy that ran out while its refresh reads is too.
func TestSessionCacheWaitsForRead(t *testing.T) {
	c, clock, _ := newTestCache(8, 1<<20)
	tok, ok := c.Reserve("get:a", []string{"ns\x00a"})
	if !ok {
		t.Fatal("Reserve")
	}
	got := make(chan string, 1)
	go func() { v, _ := get(c, "a"); got <- v }()
	time.Sleep(20 * time.Millisecond)
	select {
	case v := <-got:
		t.Fatalf("Get did not wait for the read in progress: %q", v)
	default:
	}
	c.FulfillOwned("get:a", tok, 1, []byte("v1"))
	if v := <-got; v != "v1" {
		t.Fatalf("waiter got %q", v)
	}

	clock.Advance(4 * time.Second)
	tok, ok = c.Reserve("get:a", []string{"ns\x00a"})
	if !ok {
		t.Fatal("refresh not reserved")
	}
	clock.Advance(2 * time.Second) // the copy runs out while the refresh reads
	go func() { v, _ := get(c, "a"); got <- v }()
	time.Sleep(20 * time.Millisecond)
	select {
	case v := <-got:
		t.Fatalf("Get served %q past maxStale instead of waiting for the refresh", v)
	default:
	}
	c.FulfillOwned("get:a", tok, 1, []byte("v2"))
	if v := <-got; v != "v2" {
		t.Fatalf("waiter got %q, want v2", v)
	}

	// A waiter gives up with its context; a cancelled first read wakes its waiters with a miss.
	tok, _ = c.Reserve("get:b", []string{"ns\x00b"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, ok := c.Get(ctx, "get:b"); ok {
		t.Fatal("Get with an expired context was served")
	}
	go func() { _, ok := get(c, "b"); got <- fmt.Sprint(ok) }()
	time.Sleep(20 * time.Millisecond)
	c.Cancel("get:b", tok)
	if v := <-got; v != "false" {
		t.Fatalf("waiter of a cancelled read: served %s", v)
	}
}

func TestSessionCacheBounds(t *testing.T) {
	c, _, _ := newTestCache(4, 1<<20)
	for i := range 4 {
		fill(t, c, fmt.Sprint(i), "v", 1)
	}
	get(c, "0") // now the most recently used
	fill(t, c, "4", "v", 1)
	if _, ok := get(c, "1"); ok {
		t.Error("the least recently used copy was kept over the bound")
	}
	for _, k := range []string{"0", "2", "3", "4"} {
		if _, ok := get(c, k); !ok {
			t.Errorf("copy %s evicted; the least recently used should have gone", k)
		}
	}
	if n, _ := c.Len(); n != 4 {
		t.Errorf("%d entries, bound 4", n)
	}
	// A read in progress is not evicted for a new copy: its readers wait for it.
	tok, _ := c.Reserve("get:r", []string{"ns\x00r"})
	for i := range 6 {
		fill(t, c, fmt.Sprint("x", i), "v", 1)
	}
	if !c.FulfillOwned("get:r", tok, 1, []byte("v")) {
		t.Error("a read in progress was evicted")
	}

	b, _, _ := newTestCache(100, 10)
	fill(t, b, "a", "12345", 1)
	fill(t, b, "b", "12345", 1)
	fill(t, b, "c", "1234", 1)
	if _, n := b.Len(); n > 10 {
		t.Errorf("%d bytes held, bound 10", n)
	}
	if _, ok := get(b, "a"); ok {
		t.Error("the oldest copy kept over the byte bound")
	}
	tok, _ = b.Reserve("get:big", []string{"ns\x00big"})
	if b.FulfillOwned("get:big", tok, 1, []byte("12345678901")) {
		t.Error("a copy larger than the whole cache was kept")
	}
}

func TestSessionCacheEvictByConnAndFlush(t *testing.T) {
	c, clock, _ := newTestCache(8, 1<<20)
	fill(t, c, "a", "v", 1)
	fill(t, c, "b", "v", 2)
	fill(t, c, "c", "v", 0)
	if n := c.EvictByConn(1); n != 1 {
		t.Fatalf("EvictByConn(1) removed %d", n)
	}
	if _, ok := get(c, "a"); ok {
		t.Error("copy read on a lost connection served")
	}
	// A refresh read on another connection moves the copy there.
	clock.Advance(4 * time.Second)
	tok, _ := c.Reserve("get:b", []string{"ns\x00b"})
	c.FulfillOwned("get:b", tok, 3, []byte("v2"))
	if n := c.EvictByConn(2); n != 0 {
		t.Errorf("EvictByConn(2) removed %d after the copy moved to connection 3", n)
	}
	if n := c.EvictByConn(3); n != 1 {
		t.Errorf("EvictByConn(3) removed %d", n)
	}
	if !c.DeleteByCacheKey("get:c") || c.DeleteByCacheKey("get:c") {
		t.Error("DeleteByCacheKey")
	}
	fill(t, c, "d", "v", 1)
	tok, _ = c.Reserve("get:e", []string{"ns\x00e"})
	if n := c.Flush(); n != 2 {
		t.Errorf("Flush removed %d, want a copy and a read in progress", n)
	}
	if c.FulfillOwned("get:e", tok, 1, []byte("v")) {
		t.Error("a read from before the flush was published")
	}
	if n, b := c.Len(); n != 0 || b != 0 || len(c.byKey) != 0 || len(c.byConn) != 0 {
		t.Errorf("after Flush: %d entries, %d bytes, %d keys, %d conns indexed", n, b, len(c.byKey), len(c.byConn))
	}
}

// Concurrent use under the race detector, then the indexes agree with the entries.
func TestSessionCacheConcurrent(t *testing.T) {
	c := newSessionCache(16, 1<<20, 50*time.Millisecond, 20*time.Millisecond, func(string) bool { return true })
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 2000 {
				k := fmt.Sprint(r.IntN(40))
				ck, rk := "get:"+k, "ns\x00"+k
				switch r.IntN(10) {
				case 0:
					c.DeleteByRedisKey(rk)
				case 1:
					c.EvictByConn(uint64(r.IntN(3)))
				case 2, 3, 4:
					ctx := context.Background()
					if r.IntN(2) == 0 {
						ctx = refreshCtx
					}
					ctx, cancel := context.WithTimeout(ctx, time.Millisecond)
					c.Get(ctx, ck)
					cancel()
				default:
					if tok, ok := c.Reserve(ck, []string{rk}); ok && tok != 0 {
						if r.IntN(4) == 0 {
							c.Cancel(ck, tok)
						} else {
							c.FulfillOwned(ck, tok, uint64(r.IntN(3)), []byte(k))
						}
					}
				}
			}
		})
	}
	wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lru.Len() != len(c.entries) {
		t.Fatalf("%d in the list, %d entries", c.lru.Len(), len(c.entries))
	}
	var bytes int64
	for ck, e := range c.entries {
		if e.key != ck {
			t.Fatalf("entry %q under %q", e.key, ck)
		}
		if e.valid {
			bytes += int64(len(e.value))
			if string(e.value) != ck[len("get:"):] {
				t.Fatalf("entry %q holds %q", ck, e.value)
			}
		}
		if _, ok := c.byKey[e.redisKeys[0]][e]; !ok {
			t.Fatalf("entry %q not indexed by its Redis key", ck)
		}
		if e.conn != 0 {
			if _, ok := c.byConn[e.conn][e]; !ok {
				t.Fatalf("entry %q not indexed by its connection", ck)
			}
		}
	}
	if bytes != c.bytes {
		t.Fatalf("bytes %d, copies hold %d", c.bytes, bytes)
	}
	n := 0
	for _, set := range c.byKey {
		n += len(set)
	}
	if n != len(c.entries) {
		t.Fatalf("%d indexed by Redis key, %d entries", n, len(c.entries))
	}
	if len(c.entries) > 16 {
		t.Fatalf("%d entries, bound 16", len(c.entries))
	}
}
