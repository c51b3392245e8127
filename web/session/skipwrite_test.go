package session

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// countingBackend counts reads and writes to the backend it wraps.
type countingBackend struct {
	Backend
	sets atomic.Int64
	gets atomic.Int64
}

func (c *countingBackend) Get(ctx context.Context, key string) ([]byte, error) {
	c.gets.Add(1)
	return c.Backend.Get(ctx, key)
}

func (c *countingBackend) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	c.sets.Add(1)
	return c.Backend.Set(ctx, key, val, ttl)
}

// A page view that changes nothing but the activity time is not written again within idle/60; a
// change, or an older activity time, is.
func TestSaveSkipsWritesThatOnlyMoveLastSeen(t *testing.T) {
	fb, err := NewFileBackend(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fb.Close() })
	b := &countingBackend{Backend: fb}
	clock := newFakeClock()
	m := newManager(t, b, clock) // idle 1h: writes may be skipped for a minute
	c := saveNew(t, m, realisticData())
	if got := b.sets.Load(); got != 1 {
		t.Fatalf("first save: %d writes", got)
	}

	// view loads and saves the session as a page view does, and returns the store reads it made.
	view := func(written bool) int64 {
		t.Helper()
		gets := b.gets.Load()
		s := mustLoad(t, m, c)
		rec := httptest.NewRecorder()
		if err := m.Save(rec, newRequest(c), s); err != nil {
			t.Fatal(err)
		}
		if !written {
			// The browser's cookie already expires at the end of the session's lifetime.
			if got := rec.Result().Cookies(); len(got) != 0 {
				t.Errorf("an unchanged view set cookies %v", got)
			}
		} else if ck := responseCookie(t, rec, m.CookieName()); CookieID(ck.Value) != CookieID(c.Value) || ck.MaxAge <= 0 {
			t.Errorf("cookie after save = %q max-age %d, want the same ID kept alive", ck.Value, ck.MaxAge)
		}
		return b.gets.Load() - gets
	}
	clock.Advance(10 * time.Second)
	if reads := view(false); reads != 1 {
		t.Errorf("an unchanged view read the store %d times, want once (its load)", reads)
	}
	if got := b.sets.Load(); got != 1 {
		t.Errorf("an unchanged view 10 s later wrote the session (%d writes)", got)
	}

	clock.Advance(61 * time.Second) // the stored LastSeen is now older than idle/60
	view(true)
	if got := b.sets.Load(); got != 2 {
		t.Errorf("an unchanged view after a minute: %d writes, want 2 (LastSeen refreshed)", got)
	}
	if s := mustLoad(t, m, c); !s.Data.LastSeen.Equal(clock.Now()) {
		t.Errorf("LastSeen = %v, want %v", s.Data.LastSeen, clock.Now())
	}

	clock.Advance(time.Second)
	s := mustLoad(t, m, c)
	s.Data.Endpoint = "https://changed.example.org"
	if err := m.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	if got := b.sets.Load(); got != 3 {
		t.Errorf("a changed session was not written (%d writes)", got)
	}
	if got := mustLoad(t, m, c).Data.Endpoint; got != "https://changed.example.org" {
		t.Errorf("endpoint after save = %q", got)
	}

	// The idle timeout still holds: an hour without a write ends the session.
	clock.Advance(time.Hour)
	if s := mustLoad(t, m, c); !s.IsNew() {
		t.Error("session still loads after an hour idle")
	}
}
