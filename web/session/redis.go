package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

const (
	// redisPrefix namespaces the console's keys, so a Redis shared with other software stays tidy and
	// Count can find them.
	redisPrefix     = "oscar-console:"
	redisSessionKey = redisPrefix + "session:"
	redisLockKey    = redisPrefix + "lock:"
	// Lock retry backoff: short at first (a token refresh takes a few hundred milliseconds), capped so a
	// waiter notices a release quickly.
	lockBackoffMin = 10 * time.Millisecond
	lockBackoffMax = 200 * time.Millisecond
	// redisTimeout is go-redis's dial, read and pool-wait timeout unless the URL sets its own
	// (dial_timeout, read_timeout, pool_timeout); the write timeout follows the read timeout unless
	// write_timeout is set. A session store on the same network
	// answers in milliseconds; one that does not answer within a second is treated as down (503).
	redisTimeout = time.Second
	// redisOpTimeout bounds each Redis operation as a whole (retries, dial retries and waits for a
	// pooled connection included), or the longest of the URL's dial, read and write timeouts if that is
	// longer. A page view makes three operations (load; then read and write on save), and the first
	// that runs out ends the request with a 503, so with the defaults a hung Redis costs a page about
	// a second, and one whose load and save are all slow but answer at most about three (issue 15,
	// item 8). It also bounds the release of a lock once the request that held it has gone.
	redisOpTimeout = time.Second

	// Client-side caching (GetCached, through sessionCache). The cache has as many entries as the
	// Store's decoded cache, whose entries it serves (a copy the Store cannot match is never used).
	// An entry is served for at most cacheMaxStaleness after it was read even if Redis's invalidation
	// is lost; a page view that finds it older than cacheRefreshAfter has it read again in the
	// background (at most cacheRefreshQueue waiting, one read at a time). A failed cached read turns
	// the cache off for cacheRetryAfter.
	cacheEntries      = decodedEntries
	cacheBytes        = 8 << 20
	cacheMaxStaleness = 5 * time.Second
	cacheRefreshAfter = 3 * time.Second
	cacheRefreshQueue = 64
	cacheRetryAfter   = 30 * time.Second
	cachePoolSize     = 4
	// clientCacheParam is the console's own URL query parameter (removed before go-redis sees the URL):
	// client_cache=off turns client-side caching off, for a Redis (or a proxy in front of it) without
	// RESP3 CLIENT TRACKING.
	clientCacheParam = "client_cache"
)

// releaseScript deletes a lock only if it still holds our token, so a holder whose lock lapsed (and was
// taken by someone else) cannot release the new holder's lock.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// RedisBackend keeps sessions in Redis so that several console replicas share them. Values expire in
// Redis itself (SET ... PX), and Lock is a Redis lock with a bound, valid across replicas.
type RedisBackend struct {
	client *redis.Client
	// cached is a second client whose GETs go through go-redis's client-side caching, with the
	// console's own cache (cache, below): Redis tracks the keys it has read (RESP3 CLIENT TRACKING)
	// and tells it when another client changes them, so a page
	// view usually finds the session without a round trip (issue 22). nil when the cache is off
	// (client_cache=off, or a database other than 0, which go-redis's caching does not support).
	cached *redis.Client
	// cache is cached's client-side cache; refreshes carries the keys it wants read again to the
	// refresher goroutine, which stops when done is closed (Close).
	cache     *sessionCache
	refreshes chan string
	done      chan struct{}
	// cachedOffUntil (Unix nanoseconds) pauses cached reads after one failed: GetCached then answers
	// from Redis itself.
	cachedOffUntil atomic.Int64
	// opTimeout bounds one operation (see redisOpTimeout).
	opTimeout time.Duration
	closed    sync.Once
}

// NewRedisBackend connects lazily to the Redis server at rawURL (redis://[user:pass@]host:port/db, or
// rediss:// for TLS; go-redis query options such as dial_timeout or read_timeout are honoured, and
// default to a second). It does not contact the server: the console starts while Redis is down and
// becomes ready when it answers (see Ping). Page views read sessions through a client-side cache
// (GetCached) unless the URL says client_cache=off or names a database other than 0.
func NewRedisBackend(rawURL string) (*RedisBackend, error) {
	if !strings.HasPrefix(rawURL, "redis://") && !strings.HasPrefix(rawURL, "rediss://") {
		return nil, errors.New("session: redis store: URL must start with redis:// or rediss://")
	}
	rawURL, useCache, err := clientCacheOption(rawURL)
	if err != nil {
		return nil, err
	}
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		// go-redis errors name the bad part (scheme, db number, option), never the password.
		return nil, fmt.Errorf("session: redis store: %w", err)
	}
	// No CLIENT SETINFO or MAINT_NOTIFICATIONS handshakes: they add round trips on every new connection
	// and are refused by older or managed Redis servers.
	opt.DisableIdentity = true
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	// Fail fast when Redis hangs (paused, partitioned, overloaded) rather than refusing: go-redis's
	// defaults (5 s timeouts, pool wait of 6 s, 3 command retries each with 5 dial retries) kept a
	// page waiting 10 s for its 503. Operators can still set these in the URL; retries never stretch
	// an operation past opTimeout.
	if opt.DialTimeout == 0 {
		opt.DialTimeout = redisTimeout
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = redisTimeout
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = opt.ReadTimeout // as go-redis does
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = redisTimeout
	}
	// One retry: enough for a pooled connection that a Redis restart closed (go-redis retries EOF and
	// resets, never a read that timed out). Two dial attempts per try ride out a brief blip.
	if opt.MaxRetries == 0 {
		opt.MaxRetries = 1
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 2
	}
	// Socket deadlines follow the context's deadline when it is sooner (the request's, /readyz's 2 s,
	// opTimeout), so a caller that gives up is not kept waiting for the read timeout.
	opt.ContextTimeoutEnabled = true
	b := &RedisBackend{
		client:    redis.NewClient(opt),
		opTimeout: max(redisOpTimeout, opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout),
	}
	if useCache && opt.DB == 0 {
		copt := *opt
		copt.Protocol = 3 // invalidations are RESP3 push messages
		// It only reads, and only on a miss: a few connections (each with its buffers and Redis's
		// tracking state) are enough.
		copt.PoolSize = cachePoolSize
		b.refreshes = make(chan string, cacheRefreshQueue)
		b.done = make(chan struct{})
		b.cache = newSessionCache(cacheEntries, cacheBytes, cacheMaxStaleness, cacheRefreshAfter, b.queueRefresh)
		copt.ClientSideCache = b.cache
		b.cached = redis.NewClient(&copt)
		go b.refresher()
	}
	return b, nil
}

// CacheStats reports the client-side cache's counts; ok is false when the cache is off.
func (b *RedisBackend) CacheStats() (st CacheStats, ok bool) {
	if b.cache == nil {
		return CacheStats{}, false
	}
	return CacheStats{Hits: b.cache.hits.Load(), Misses: b.cache.misses.Load(), Refreshes: b.cache.refreshes.Load()}, true
}

// queueRefresh asks the refresher to read a session key again; nsKey is the key as the cache names it
// (go-redis's namespace, then the key). It never blocks: with the queue full the copy simply runs out
// and the page view that finds it gone reads it.
func (b *RedisBackend) queueRefresh(nsKey string) bool {
	key := nsKey[strings.LastIndexByte(nsKey, 0)+1:]
	if !strings.HasPrefix(key, redisSessionKey) {
		return false
	}
	select {
	case b.refreshes <- key:
		return true
	default:
		return false
	}
}

// refresher reads again, through the cached client, the session keys whose copies are due for it, one
// at a time, until Close. The cache answers these reads with a miss (refreshKey), so each publishes
// a new copy; a failed read leaves the copy as it was, to run out.
func (b *RedisBackend) refresher() {
	base := context.WithValue(context.Background(), refreshKey{}, true)
	for {
		select {
		case <-b.done:
			return
		case key := <-b.refreshes:
			if time.Now().UnixNano() < b.cachedOffUntil.Load() {
				continue
			}
			ctx, cancel := b.opContext(base)
			_ = b.cached.Get(ctx, key).Err()
			cancel()
		}
	}
}

// clientCacheOption removes the console's client_cache parameter from rawURL and reports whether it
// leaves client-side caching on (the default). Errors never repeat the URL, which may hold a password.
func clientCacheOption(rawURL string) (string, bool, error) {
	if !strings.Contains(rawURL, clientCacheParam+"=") {
		return rawURL, true, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", false, errors.New("session: redis store: URL does not parse")
	}
	q := u.Query()
	v := q.Get(clientCacheParam)
	q.Del(clientCacheParam)
	u.RawQuery = q.Encode()
	switch strings.ToLower(v) {
	case "on", "true", "1":
		return u.String(), true, nil
	case "off", "false", "0":
		return u.String(), false, nil
	}
	return "", false, fmt.Errorf("session: redis store: %s must be on or off", clientCacheParam)
}

// opContext bounds one Redis operation by opTimeout (or the caller's deadline if sooner). Errors are
// still judged against the caller's ctx (see redisErr): running out of opTimeout means Redis did not
// answer, which is ErrUnavailable.
func (b *RedisBackend) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.opTimeout)
}

// Client returns the underlying go-redis client, for tests and diagnostics.
func (b *RedisBackend) Client() *redis.Client { return b.client }

// redisErr wraps err as ErrUnavailable unless it only reports that the caller gave up (ctx done), which
// says nothing about Redis.
func redisErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("session: redis store: %s: %w", op, err)
	}
	return fmt.Errorf("session: redis store: %s: %w: %w", op, ErrUnavailable, err)
}

func pxMillis(ttl time.Duration) int64 {
	// Round up: a positive ttl under a millisecond must not become "PX 0", which Redis refuses.
	return int64((ttl + time.Millisecond - 1) / time.Millisecond)
}

// Get implements Backend.
func (b *RedisBackend) Get(ctx context.Context, key string) ([]byte, error) {
	octx, cancel := b.opContext(ctx)
	defer cancel()
	val, err := b.client.Get(octx, redisSessionKey+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, redisErr(ctx, "get", err)
	}
	return val, nil
}

// GetCached returns the value stored under key like Get, but from the client-side cache (sessionCache)
// when it holds the key: no round trip. The copy may lag a change made by another client until
// Redis's invalidation arrives (milliseconds; at most cacheMaxStaleness if one is lost), so the Store uses
// it only to confirm a value it has read or written itself, for page views (never for Reload or a
// save's merge). Without the cache, or for cacheRetryAfter after a cached read failed, it is Get, and
// fresh is true.
func (b *RedisBackend) GetCached(ctx context.Context, key string) (val []byte, fresh bool, err error) {
	if b.cached == nil || time.Now().UnixNano() < b.cachedOffUntil.Load() {
		val, err = b.Get(ctx, key)
		return val, true, err
	}
	octx, cancel := b.opContext(ctx)
	defer cancel()
	val, err = b.cached.Get(octx, redisSessionKey+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, ErrNotFound
	}
	if err == nil {
		return val, false, nil
	}
	if ctx.Err() == nil {
		// Redis down or hung, or refusing HELLO 3 or CLIENT TRACKING (an old server, a proxy): use
		// Get for a while rather than pay for a failing attempt on every page.
		b.cachedOffUntil.Store(time.Now().Add(cacheRetryAfter).UnixNano())
	}
	if rerr := redis.Error(nil); errors.As(err, &rerr) {
		// Redis answered, with an error: the cached client is refused, not the store.
		val, err = b.Get(ctx, key)
		return val, true, err
	}
	// Redis did not answer: asking again would only double the wait for the 503.
	return nil, true, redisErr(ctx, "get", err)
}

// Set implements Backend. The value and its expiry are written by one SET, so a reader sees either the
// old session or the new one, never a mix (this is what makes refresh-token rotation atomic).
func (b *RedisBackend) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errors.New("session: redis store: set: ttl must be positive")
	}
	octx, cancel := b.opContext(ctx)
	defer cancel()
	if err := b.client.Do(octx, "SET", redisSessionKey+key, val, "PX", pxMillis(ttl)).Err(); err != nil {
		return redisErr(ctx, "set", err)
	}
	return nil
}

// Delete implements Backend.
func (b *RedisBackend) Delete(ctx context.Context, key string) error {
	octx, cancel := b.opContext(ctx)
	defer cancel()
	if err := b.client.Del(octx, redisSessionKey+key).Err(); err != nil {
		return redisErr(ctx, "delete", err)
	}
	return nil
}

// Lock implements Backend with SET key token NX PX ttl, retried with a small jittered backoff until it
// succeeds or ctx is done. The random token makes the release (a compare-and-delete script) safe.
func (b *RedisBackend) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	if ttl <= 0 {
		return nil, errors.New("session: redis store: lock: ttl must be positive")
	}
	k := redisLockKey + key
	token := rand.Text()
	wait := lockBackoffMin
	for {
		octx, cancel := b.opContext(ctx)
		res, err := b.client.Do(octx, "SET", k, token, "NX", "PX", pxMillis(ttl)).Result()
		cancel()
		switch {
		case err == nil && res == "OK":
			var once sync.Once
			return func() {
				once.Do(func() {
					// The request may be over; release anyway, but never hang on it. If the
					// release fails the lock lapses after ttl.
					rctx, cancel := b.opContext(context.WithoutCancel(ctx))
					defer cancel()
					_ = releaseScript.Run(rctx, b.client, []string{k}, token).Err()
				})
			}, nil
		case err != nil && !errors.Is(err, redis.Nil):
			return nil, redisErr(ctx, "lock", err)
		}
		// Held by someone else (NX refused: nil reply). Wait and try again.
		jittered := wait/2 + mrand.N(wait/2+1)
		t := time.NewTimer(jittered)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("session: redis store: lock: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, lockBackoffMax)
	}
}

// Ping implements Backend.
func (b *RedisBackend) Ping(ctx context.Context) error {
	octx, cancel := b.opContext(ctx)
	defer cancel()
	if err := b.client.Ping(octx).Err(); err != nil {
		return redisErr(ctx, "ping", err)
	}
	return nil
}

// Count implements Backend by scanning the console's session keys (SCAN, so Redis is never blocked).
// Redis drops expired keys itself, so every key found is a live session. A scan is many commands, so
// it is bounded by the caller's ctx and each command's timeouts, not by opTimeout.
func (b *RedisBackend) Count(ctx context.Context) (int, error) {
	n := 0
	iter := b.client.Scan(ctx, 0, redisSessionKey+"*", 1000).Iterator()
	for iter.Next(ctx) {
		n++
	}
	if err := iter.Err(); err != nil {
		return 0, redisErr(ctx, "count", err)
	}
	return n, nil
}

// Close implements Backend.
func (b *RedisBackend) Close() error {
	var err error
	b.closed.Do(func() {
		err = b.client.Close()
		if b.cached != nil {
			close(b.done)
			err = errors.Join(err, b.cached.Close())
		}
	})
	if err != nil {
		return fmt.Errorf("session: redis store: close: %w", err)
	}
	return nil
}
