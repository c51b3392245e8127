package lru

import (
	"fmt"
	"sync"
	"testing"
)

func TestEvictsLeastRecentlyUsedByCount(t *testing.T) {
	c := New[int](3, 1000)
	for i := range 3 {
		c.Put(fmt.Sprint(i), i, 1)
	}
	if v, ok := c.Get("0"); !ok || v != 0 { // "0" is now the most recently used
		t.Fatalf("Get(0) = %d, %v", v, ok)
	}
	c.Put("3", 3, 1)
	if _, ok := c.Get("1"); ok {
		t.Error("the least recently used value was kept past the entry bound")
	}
	for _, k := range []string{"0", "2", "3"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if n, cost := c.Len(); n != 3 || cost != 3 {
		t.Errorf("Len = %d, %d; want 3, 3", n, cost)
	}
}

func TestEvictsByCost(t *testing.T) {
	c := New[string](100, 10)
	c.Put("a", "a", 4)
	c.Put("b", "b", 4)
	c.Put("c", "c", 4) // 12 > 10: "a" goes
	if _, ok := c.Get("a"); ok {
		t.Error("kept past the cost bound")
	}
	if n, cost := c.Len(); n != 2 || cost != 8 {
		t.Errorf("Len = %d, %d; want 2, 8", n, cost)
	}
	c.Put("b", "b2", 2) // replacing adjusts the cost
	if v, _ := c.Get("b"); v != "b2" {
		t.Errorf("b = %q after replacing", v)
	}
	if _, cost := c.Len(); cost != 6 {
		t.Errorf("cost %d after replacing, want 6", cost)
	}
	c.Put("b", "huge", 11) // more than the whole cache: not kept, and the old value is gone
	if _, ok := c.Get("b"); ok {
		t.Error("a value costing more than the cache was kept, or the old one stayed")
	}
	c.Drop("c")
	if n, cost := c.Len(); n != 0 || cost != 0 {
		t.Errorf("Len = %d, %d after Drop; want 0, 0", n, cost)
	}
	c.Drop("missing") // no-op
}

func TestConcurrentUse(t *testing.T) {
	c := New[int](50, 1<<20)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				k := fmt.Sprint((g*1000 + i) % 80)
				c.Put(k, i, 10)
				c.Get(k)
				if i%7 == 0 {
					c.Drop(k)
				}
			}
		})
	}
	wg.Wait()
	if n, cost := c.Len(); n > 50 || cost != int64(n)*10 {
		t.Errorf("Len = %d, %d: bounds or accounting broken", n, cost)
	}
}
