package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

var (
	// ErrNotFound is returned by Backend.Get when the key does not exist or has expired.
	ErrNotFound = errors.New("session: not found")
	// ErrUnavailable wraps failures to reach the session store (Redis down, disk unusable). Pages
	// answer 503 for it, rather than logging the user out or losing their draft.
	ErrUnavailable = errors.New("session: store unavailable")
)

// Backend stores opaque, already encrypted session values under opaque keys. Keys are hex strings
// chosen by the Store; a backend may add its own prefix.
type Backend interface {
	// Get returns the value stored under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores val under key for ttl (which must be positive), replacing any previous value.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Lock takes an exclusive lock named key. It blocks until the lock is acquired or ctx is done.
	// The lock lapses by itself after ttl, so a crashed holder cannot block others forever; unlock
	// releases it early and is safe to call more than once (and after the lock has lapsed).
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
	// Ping reports whether the store is reachable (for /readyz).
	Ping(ctx context.Context) error
	// Count returns the number of stored, unexpired values (for metrics).
	Count(ctx context.Context) (int, error)
	// Close releases the backend's resources and stops its background work.
	Close() error
}

// cachingBackend is a Backend that can also answer Get from a local copy which the store keeps coherent
// by telling it of changes (RedisBackend, with Redis client-side caching). The copy may lag a change
// made elsewhere by the store's invalidation delay, so the Store uses it only for page views, and only
// to confirm a value this replica has itself read or written (see Store.read). fresh reports that the
// answer came from the store itself (no cache, or the cache turned off), so it needs no confirming.
type cachingBackend interface {
	Backend
	GetCached(ctx context.Context, key string) (val []byte, fresh bool, err error)
}

// generational is a Backend that no other process writes (FileBackend: one replica, in-process locks)
// and that can say, without reading the store, whether a key may have changed: Generation returns a
// number (never 0) that stays the same until the key is written or removed through the backend. A
// session decoded at a generation that is still current then needs no read at all (see Store.read).
type generational interface {
	Backend
	Generation(key string) uint64
}

// OpenBackend opens the store selected by spec (CONSOLE_SESSION_STORE):
//
//	""  or "file:"        files in dataDir/sessions
//	"file:/path"          files in /path
//	"redis://[user:pass@]host:port/db", "rediss://..."   Redis (rediss: TLS)
//
// A file backend returned here already sweeps expired sessions in the background until Close.
// Errors never repeat the spec, which may hold a Redis password.
func OpenBackend(spec, dataDir string, log *slog.Logger) (Backend, error) {
	switch {
	case spec == "" || spec == "file:":
		if dataDir == "" {
			return nil, errors.New("session: open store: no data directory for the file store")
		}
		return openFile(filepath.Join(dataDir, "sessions"), log)
	case strings.HasPrefix(spec, "file:"):
		dir := strings.TrimPrefix(spec, "file:")
		if !filepath.IsAbs(dir) {
			return nil, errors.New("session: open store: file store path must be absolute (file:/path)")
		}
		return openFile(dir, log)
	case strings.HasPrefix(spec, "redis://") || strings.HasPrefix(spec, "rediss://"):
		return NewRedisBackend(spec)
	}
	scheme, _, _ := strings.Cut(spec, ":")
	if len(scheme) > 16 {
		scheme = scheme[:16]
	}
	return nil, fmt.Errorf("session: open store: unknown store type %q (want file: or redis://)", scheme)
}

func openFile(dir string, log *slog.Logger) (Backend, error) {
	b, err := NewFileBackend(dir, log)
	if err != nil {
		return nil, err
	}
	b.Run(context.Background()) // stopped by Close
	return b, nil
}
