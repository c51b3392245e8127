package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
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
	// unlockTimeout bounds the release of a lock once the request that held it has gone.
	unlockTimeout = 5 * time.Second
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
	closed sync.Once
}

// NewRedisBackend connects lazily to the Redis server at rawURL (redis://[user:pass@]host:port/db, or
// rediss:// for TLS; go-redis query options such as dial_timeout are honoured). It does not contact the
// server: the console starts while Redis is down and becomes ready when it answers (see Ping).
func NewRedisBackend(rawURL string) (*RedisBackend, error) {
	if !strings.HasPrefix(rawURL, "redis://") && !strings.HasPrefix(rawURL, "rediss://") {
		return nil, errors.New("session: redis store: URL must start with redis:// or rediss://")
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
	// go-redis retries a failed dial 5 times inside each of its command retries; with Redis down that
	// keeps a page waiting for seconds before it can answer 503. Two attempts per command retry still
	// ride out a brief blip (a restart, a failover).
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 2
	}
	return &RedisBackend{client: redis.NewClient(opt)}, nil
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
	val, err := b.client.Get(ctx, redisSessionKey+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, redisErr(ctx, "get", err)
	}
	return val, nil
}

// Set implements Backend. The value and its expiry are written by one SET, so a reader sees either the
// old session or the new one, never a mix (this is what makes refresh-token rotation atomic).
func (b *RedisBackend) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errors.New("session: redis store: set: ttl must be positive")
	}
	if err := b.client.Do(ctx, "SET", redisSessionKey+key, val, "PX", pxMillis(ttl)).Err(); err != nil {
		return redisErr(ctx, "set", err)
	}
	return nil
}

// Delete implements Backend.
func (b *RedisBackend) Delete(ctx context.Context, key string) error {
	if err := b.client.Del(ctx, redisSessionKey+key).Err(); err != nil {
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
		res, err := b.client.Do(ctx, "SET", k, token, "NX", "PX", pxMillis(ttl)).Result()
		switch {
		case err == nil && res == "OK":
			var once sync.Once
			return func() {
				once.Do(func() {
					// The request may be over; release anyway, but never hang on it. If the
					// release fails the lock lapses after ttl.
					rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
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
	if err := b.client.Ping(ctx).Err(); err != nil {
		return redisErr(ctx, "ping", err)
	}
	return nil
}

// Count implements Backend by scanning the console's session keys (SCAN, so Redis is never blocked).
// Redis drops expired keys itself, so every key found is a live session.
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
	b.closed.Do(func() { err = b.client.Close() })
	if err != nil {
		return fmt.Errorf("session: redis store: close: %w", err)
	}
	return nil
}
