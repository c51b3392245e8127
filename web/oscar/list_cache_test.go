package oscar

import (
	"fmt"
	"testing"
)

func TestListCacheIsBounded(t *testing.T) {
	c := newListCache()
	for i := range listCacheEntries + 10 {
		c.put(c.key([]byte(fmt.Sprint(i))), make([]ServiceSummary, 10))
	}
	if n, s := c.size(); n != listCacheEntries || s != 10*listCacheEntries {
		t.Errorf("cache holds %d answers, %d summaries; want %d, %d", n, s, listCacheEntries, 10*listCacheEntries)
	}
	if _, ok := c.get(c.key([]byte("0"))); ok {
		t.Error("the oldest answer was kept")
	}
	if _, ok := c.get(c.key([]byte(fmt.Sprint(listCacheEntries + 9)))); !ok {
		t.Error("the newest answer was dropped")
	}
	// Summaries in all are bounded too, and a list over the bound is not kept.
	c.put(c.key([]byte("big")), make([]ServiceSummary, listCacheServices-5))
	if n, s := c.size(); s > listCacheServices || n < 1 {
		t.Errorf("cache holds %d answers, %d summaries; want at most %d summaries", n, s, listCacheServices)
	}
	c.put(c.key([]byte("huge")), make([]ServiceSummary, listCacheServices+1))
	if _, ok := c.get(c.key([]byte("huge"))); ok {
		t.Error("a list larger than the whole cache was kept")
	}
	if c.key([]byte("a")) == newListCache().key([]byte("a")) {
		t.Error("two caches hash alike: the seed is not random")
	}
}
