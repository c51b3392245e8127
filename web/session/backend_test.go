package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// backendCase makes fresh, empty backends of one kind. setup runs once in the parent test (it starts
// redis-server) and returns the function that opens a backend for each subtest.
type backendCase struct {
	name  string
	setup func(t *testing.T) (open func(t *testing.T) Backend)
}

// backendCases lists both backends; every behaviour test runs against each.
func backendCases() []backendCase {
	return []backendCase{
		{"file", func(*testing.T) func(t *testing.T) Backend {
			return func(t *testing.T) Backend {
				b, err := NewFileBackend(t.TempDir(), nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { b.Close() })
				return b
			}
		}},
		{"redis", func(t *testing.T) func(t *testing.T) Backend {
			url, _, _ := startRedis(t)
			return func(t *testing.T) Backend {
				b := newRedisBackend(t, url)
				flush(t, b)
				return b
			}
		}},
	}
}

func TestBackends(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, b Backend)
	}{
		{"get missing is ErrNotFound", func(t *testing.T, b Backend) {
			_, err := b.Get(ctx, "missing")
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get(missing) error = %v, want ErrNotFound", err)
			}
		}},
		{"set then get, overwrite", func(t *testing.T, b Backend) {
			for _, val := range [][]byte{[]byte("first"), bytes.Repeat([]byte{0, 1, 2, 255}, 1000)} {
				if err := b.Set(ctx, "k1", val, time.Minute); err != nil {
					t.Fatal(err)
				}
				got, err := b.Get(ctx, "k1")
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, val) {
					t.Fatalf("Get = %d bytes %q..., want %d bytes %q...", len(got), got[:min(8, len(got))], len(val), val[:min(8, len(val))])
				}
			}
		}},
		{"delete", func(t *testing.T, b Backend) {
			if err := b.Set(ctx, "k1", []byte("v"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := b.Delete(ctx, "k1"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Get(ctx, "k1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after Delete error = %v, want ErrNotFound", err)
			}
			if err := b.Delete(ctx, "k1"); err != nil {
				t.Fatalf("Delete of a missing key = %v, want nil", err)
			}
		}},
		{"expiry", func(t *testing.T, b Backend) {
			if err := b.Set(ctx, "short", []byte("v"), 5*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			if err := b.Set(ctx, "long", []byte("v"), time.Hour); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond) // well past the 5 ms lifetime
			if _, err := b.Get(ctx, "short"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get of expired key error = %v, want ErrNotFound", err)
			}
			if _, err := b.Get(ctx, "long"); err != nil {
				t.Fatalf("Get of live key: %v", err)
			}
		}},
		{"non-positive ttl refused", func(t *testing.T, b Backend) {
			if err := b.Set(ctx, "k", []byte("v"), 0); err == nil {
				t.Fatal("Set with ttl 0 succeeded, want an error")
			}
		}},
		{"count", func(t *testing.T, b Backend) {
			for i := range 3 {
				if err := b.Set(ctx, fmt.Sprintf("live%d", i), []byte("v"), time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.Set(ctx, "gone", []byte("v"), 5*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
			unlock, err := b.Lock(ctx, "live0", time.Minute) // locks are not sessions
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
			n, err := b.Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != 3 {
				t.Fatalf("Count = %d, want 3", n)
			}
		}},
		{"ping", func(t *testing.T, b Backend) {
			if err := b.Ping(ctx); err != nil {
				t.Fatalf("Ping = %v", err)
			}
		}},
		{"lock is exclusive", func(t *testing.T, b Backend) {
			var inside, maxInside, done atomic.Int32
			var wg sync.WaitGroup
			for range 6 {
				wg.Go(func() {
					for range 4 {
						unlock, err := b.Lock(ctx, "refresh", 10*time.Second)
						if err != nil {
							t.Error(err)
							return
						}
						n := inside.Add(1)
						for {
							m := maxInside.Load()
							if n <= m || maxInside.CompareAndSwap(m, n) {
								break
							}
						}
						time.Sleep(time.Millisecond) // give an overlapping holder a chance to show up
						inside.Add(-1)
						done.Add(1)
						unlock()
					}
				})
			}
			wg.Wait()
			if got := maxInside.Load(); got != 1 {
				t.Fatalf("holders inside the lock at once = %d, want 1", got)
			}
			if got := done.Load(); got != 24 {
				t.Fatalf("completed critical sections = %d, want 24", got)
			}
		}},
		{"locks are per key", func(t *testing.T, b Backend) {
			unlock, err := b.Lock(ctx, "a", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
			c, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			unlockB, err := b.Lock(c, "b", time.Minute)
			if err != nil {
				t.Fatalf("Lock(b) while a is held: %v", err)
			}
			unlockB()
		}},
		{"lock waits for ctx", func(t *testing.T, b Backend) {
			unlock, err := b.Lock(ctx, "held", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
			c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			if _, err := b.Lock(c, "held", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Lock of a held key error = %v, want context.DeadlineExceeded", err)
			}
		}},
		{"lock is bounded by ttl", func(t *testing.T, b Backend) {
			// A holder that never unlocks (crashed) blocks others only until its ttl passes.
			staleUnlock, err := b.Lock(ctx, "crashed", 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			c, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			unlock, err := b.Lock(c, "crashed", time.Minute)
			if err != nil {
				t.Fatalf("Lock after the holder's ttl: %v", err)
			}
			// The stale holder's late unlock must not release the new holder's lock.
			staleUnlock()
			c2, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel2()
			if _, err := b.Lock(c2, "crashed", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Lock after a stale unlock error = %v, want context.DeadlineExceeded (lock still held)", err)
			}
			unlock()
			unlock() // idempotent
			unlock3, err := b.Lock(c, "crashed", time.Minute)
			if err != nil {
				t.Fatalf("Lock after unlock: %v", err)
			}
			unlock3()
		}},
	}
	for _, bc := range backendCases() {
		t.Run(bc.name, func(t *testing.T) {
			open := bc.setup(t)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					b := open(t)
					tt.run(t, b)
				})
			}
		})
	}
}
