package remote

// CacheStats exposes the cache's size to the tests.
func CacheStats(f *Fetcher) (int, int64) { return f.cache.stats() }
