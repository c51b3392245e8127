package session

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/session/redistest"
)

// Redis client-side caching of sessions (issue 22): a page view finds a session this replica already
// holds without a round trip, sees its own writes at once and another replica's as soon as Redis's
// invalidation arrives; Reload always asks Redis.

// redisGets returns how many GET commands the Redis behind b has run.
func redisGets(t *testing.T, b *RedisBackend) int {
	t.Helper()
	info, err := b.Client().Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^cmdstat_get:calls=(\d+),`).FindStringSubmatch(info)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// withQuery adds query to a redistest URL (which has none).
func withQuery(url, query string) string { return url + "?" + query }

func TestRedisClientCacheServesPageViews(t *testing.T) {
	url, _, _ := startRedis(t)
	for _, tt := range []struct {
		name     string
		url      string
		wantGets func(loads int) int
	}{
		{"cache on (default)", url, func(int) int { return 0 }},
		{"client_cache=off", withQuery(url, "client_cache=off"), func(loads int) int { return loads }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newRedisBackend(t, tt.url)
			flush(t, b)
			m := newManager(t, b, nil)
			want := realisticData()
			c := saveNew(t, m, want)
			mustLoad(t, m, c) // the first page view after the save fills the client's cache
			before := redisGets(t, b)
			const loads = 20
			for range loads {
				s := mustLoad(t, m, c)
				if s.IsNew() || s.Data.AccessToken != want.AccessToken {
					t.Fatalf("load: new %v, token kept %v", s.IsNew(), s.Data.AccessToken == want.AccessToken)
				}
			}
			if got, want := redisGets(t, b)-before, tt.wantGets(loads); got != want {
				t.Errorf("%d page views sent %d GETs to Redis, want %d", loads, got, want)
			}
			// Reload always asks Redis, cache or not.
			before = redisGets(t, b)
			if err := m.Reload(context.Background(), mustLoad(t, m, c)); err != nil {
				t.Fatal(err)
			}
			if got := redisGets(t, b) - before - tt.wantGets(1); got != 1 {
				t.Errorf("Reload sent %d GETs to Redis, want 1", got)
			}
		})
	}
}

// TestRedisClientCacheReadsOwnWrites: a change saved by this replica, or its sign-out, is what the
// very next page view sees, although Redis's invalidation of the cached copy may not have arrived.
func TestRedisClientCacheReadsOwnWrites(t *testing.T) {
	url, _, _ := startRedis(t)
	b := newRedisBackend(t, url)
	m := newManager(t, b, nil)
	c := saveNew(t, m, realisticData())
	mustLoad(t, m, c)
	for i := range 50 {
		s := mustLoad(t, m, c)
		name := fmt.Sprintf("change %d", i)
		s.Data.Name = name
		if err := m.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
			t.Fatal(err)
		}
		if got := mustLoad(t, m, c); got.Data.Name != name {
			t.Fatalf("page view right after saving %q saw %q", name, got.Data.Name)
		}
	}
	s := mustLoad(t, m, c)
	if err := m.Destroy(httptest.NewRecorder(), newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	if got := mustLoad(t, m, c); !got.IsNew() {
		t.Fatal("page view right after sign-out still has the session")
	}
}

// TestRedisClientCacheSeesOtherReplicas: a change or sign-out made through another replica reaches
// this one's page views by Redis's invalidation, well before the cache's staleness bound, and at once
// for Reload.
func TestRedisClientCacheSeesOtherReplicas(t *testing.T) {
	url, _, _ := startRedis(t)
	keys := [][]byte{testKey(t)}
	m1 := newManager(t, newRedisBackend(t, url), nil, keys...)
	m2 := newManager(t, newRedisBackend(t, url), nil, keys...)
	c := saveNew(t, m1, realisticData())
	for range 3 {
		mustLoad(t, m1, c) // held and cached by replica 1
	}
	// within waits for replica 1's page view to satisfy ok, for far less than cacheMaxStaleness: the
	// change must come by invalidation, not by the cached copy running out.
	within := func(what string, ok func(*Session) bool) {
		t.Helper()
		deadline := time.Now().Add(cacheMaxStaleness / 5)
		for !ok(mustLoad(t, m1, c)) {
			if time.Now().After(deadline) {
				t.Fatalf("replica 1 did not see %s within %v", what, cacheMaxStaleness/5)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	s2 := mustLoad(t, m2, c)
	s2.Data.Name = "renamed on replica 2"
	if err := m2.Save(httptest.NewRecorder(), newRequest(c), s2); err != nil {
		t.Fatal(err)
	}
	s1 := &Session{}
	*s1 = *mustLoad(t, m1, c)
	if err := m1.Reload(context.Background(), s1); err != nil || s1.Data.Name != "renamed on replica 2" {
		t.Fatalf("Reload on replica 1 right after replica 2's save: name %q, err %v", s1.Data.Name, err)
	}
	within("replica 2's change", func(s *Session) bool { return s.Data.Name == "renamed on replica 2" })

	if err := m2.Destroy(httptest.NewRecorder(), newRequest(c), mustLoad(t, m2, c)); err != nil {
		t.Fatal(err)
	}
	within("the sign-out on replica 2", (*Session).IsNew)
}

// TestRedisClientCacheRefused: a Redis that refuses the cache's CLIENT TRACKING (an ACL here; an old
// server or a proxy elsewhere) still serves every page view, uncached and fresh (go-redis turns its
// cache off).
func TestRedisClientCacheRefused(t *testing.T) {
	url, _, _ := startRedis(t)
	admin := newRedisBackend(t, url)
	if err := admin.Client().Do(context.Background(), "ACL", "SETUSER", "console", "on", ">s3cret", "~*", "+@all", "-client").Err(); err != nil {
		t.Fatal(err)
	}
	limited := strings.Replace(url, "redis://", "redis://console:s3cret@", 1)
	keys := [][]byte{testKey(t)}
	b := newRedisBackend(t, limited)
	m := newManager(t, b, nil, keys...)
	other := newManager(t, admin, nil, keys...)
	c := saveNew(t, m, realisticData())
	for i := range 5 {
		s := mustLoad(t, other, c)
		s.Data.Name = fmt.Sprintf("change %d", i)
		if err := other.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
			t.Fatal(err)
		}
		// No cache, so no invalidation delay: each page view sees the other replica's change.
		if got := mustLoad(t, m, c); got.IsNew() || got.Data.Name != s.Data.Name {
			t.Fatalf("page view on the limited client: new %v, name %q; want %q", got.IsNew(), got.Data.Name, s.Data.Name)
		}
	}
}

// TestRedisCachedSessionDuringPause: with Redis hung, a session this replica holds still serves page
// views from the cached copy, but for no longer than cacheMaxStaleness after it was read; then the
// page view fails with ErrUnavailable (the 503 page), as without the cache (TestRedisPausedFailsFast).
func TestRedisCachedSessionDuringPause(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the cache's staleness bound")
	}
	rs := redistest.New(t)
	m := newManager(t, newRedisBackend(t, rs.URL()), nil)
	want := realisticData()
	c := saveNew(t, m, want)
	mustLoad(t, m, c)
	read := time.Now()
	mustLoad(t, m, c) // read into the client cache
	rs.Pause()
	defer rs.Resume()
	if got, err := m.Load(newRequest(c)); err != nil || got.Data.AccessToken != want.AccessToken {
		t.Fatalf("page view from the cached copy with Redis paused: err %v", err)
	}
	time.Sleep(time.Until(read.Add(cacheMaxStaleness + 100*time.Millisecond)))
	if _, err := m.Load(newRequest(c)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("page view %v after the cached copy was read, Redis paused: err %v, want ErrUnavailable", cacheMaxStaleness, err)
	}
}

func TestRedisClientCacheOption(t *testing.T) {
	for _, tt := range []struct {
		url       string
		wantCache bool
		wantRead  time.Duration
	}{
		{"redis://127.0.0.1:1/0", true, time.Second},
		{"redis://127.0.0.1:1", true, time.Second},
		{"redis://127.0.0.1:1/0?client_cache=on&read_timeout=3s", true, 3 * time.Second},
		{"redis://127.0.0.1:1/0?client_cache=off", false, time.Second},
		{"redis://127.0.0.1:1/0?read_timeout=2s&client_cache=false", false, 2 * time.Second},
		{"redis://127.0.0.1:1/1", false, time.Second}, // go-redis caches database 0 only
	} {
		b, err := NewRedisBackend(tt.url)
		if err != nil {
			t.Fatalf("NewRedisBackend(%q): %v", tt.url, err)
		}
		if got := b.cached != nil; got != tt.wantCache {
			t.Errorf("%q: client cache %v, want %v", tt.url, got, tt.wantCache)
		}
		if got := b.Client().Options().ReadTimeout; got != tt.wantRead {
			t.Errorf("%q: read timeout %v, want %v (other options kept)", tt.url, got, tt.wantRead)
		}
		if b.cached != nil {
			if o := b.cached.Options(); o.Protocol != 3 || o.ReadTimeout != tt.wantRead || o.ClientSideCache != b.cache || b.cache == nil {
				t.Errorf("%q: cached client protocol %d, read timeout %v, cache %v", tt.url, o.Protocol, o.ReadTimeout, o.ClientSideCache)
			}
		}
		_ = b.Close()
	}
	_, err := NewRedisBackend("redis://user:pa55word@127.0.0.1:1/0?client_cache=maybe")
	if err == nil || !strings.Contains(err.Error(), "client_cache must be on or off") || strings.Contains(err.Error(), "pa55word") {
		t.Errorf("bad client_cache: err %v, want a message naming the option and not the password", err)
	}
}

// A session cookie is an ID alone (set before version tags) or an ID, a dot and a well-formed tag;
// anything else names no session.
func TestParseCookie(t *testing.T) {
	id := newID()
	tag := versionTag([]byte("sealed"))
	for _, tt := range []struct {
		value   string
		ok      bool
		wantTag string
	}{
		{id, true, ""},
		{id + "." + tag, true, tag},
		{cookieValue(id, tag), true, tag},
		{id + ".", false, ""},
		{id + "." + tag[:len(tag)-1], false, ""},
		{id + "." + tag + "x", false, ""},
		{id + "." + tag + "." + tag, false, ""},
		{id + "x", false, ""},
		{"x" + id, false, ""},
		{id + ".!!!!!!!!!!!!", false, ""},
		{"", false, ""},
	} {
		gotID, gotTag, ok := parseCookie(tt.value)
		if ok != tt.ok || (ok && (gotID != id || gotTag != tt.wantTag)) {
			t.Errorf("parseCookie(%q) = %q, %q, %v; want ok %v, tag %q", tt.value, gotID, gotTag, ok, tt.ok, tt.wantTag)
		}
		if want := map[bool]string{true: id, false: ""}[tt.ok]; CookieID(tt.value) != want {
			t.Errorf("CookieID(%q) = %q, want %q", tt.value, CookieID(tt.value), want)
		}
	}
}

// FuzzParseCookie: any cookie value either names no session or is exactly the ID and tag it was
// parsed into, put back together.
func FuzzParseCookie(f *testing.F) {
	id := newID()
	f.Add(id)
	f.Add(id + "." + versionTag([]byte("v")))
	f.Add(id + ".")
	f.Add(id + "..")
	f.Add("." + id)
	f.Fuzz(func(t *testing.T, v string) {
		gotID, tag, ok := parseCookie(v)
		if !ok {
			if gotID != "" || tag != "" || CookieID(v) != "" {
				t.Fatalf("refused %q but returned %q, %q", v, gotID, tag)
			}
			return
		}
		if !validID(gotID) || (tag != "" && !validTag(tag)) || cookieValue(gotID, tag) != v || CookieID(v) != gotID {
			t.Fatalf("parseCookie(%q) = %q, %q", v, gotID, tag)
		}
	})
}

// With the client cache off, the page view's read is Redis's own answer: a change made through another
// replica costs that view one GET, not a second to confirm it.
func TestRedisClientCacheOffReadsOnce(t *testing.T) {
	url, _, _ := startRedis(t)
	keys := [][]byte{testKey(t)}
	off := newRedisBackend(t, withQuery(url, "client_cache=off"))
	m1 := newManager(t, off, nil, keys...)
	m2 := newManager(t, newRedisBackend(t, url), nil, keys...)
	c := saveNew(t, m1, realisticData())
	mustLoad(t, m1, c)
	s := mustLoad(t, m2, c)
	s.Data.Name = "changed on replica 2"
	if err := m2.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	before := redisGets(t, off)
	if got := mustLoad(t, m1, c).Data.Name; got != "changed on replica 2" {
		t.Fatalf("name %q after replica 2's change", got)
	}
	if n := redisGets(t, off) - before; n != 1 {
		t.Errorf("the view after another replica's change sent %d GETs, want 1", n)
	}
}

// TestRedisClientCacheRefreshesAhead: a session in use is read again in the background before its
// copy runs out, so its page views never wait for Redis after the first (bounds shortened here: a
// copy runs out 600 ms after it was read, and is due for a refresh after 150 ms).
func TestRedisClientCacheRefreshesAhead(t *testing.T) {
	url, _, _ := startRedis(t)
	b := newRedisBackend(t, url)
	b.cache.maxStale, b.cache.refreshAfter = 600*time.Millisecond, 150*time.Millisecond
	m := newManager(t, b, nil)
	want := realisticData()
	c := saveNew(t, m, want)
	mustLoad(t, m, c) // the first view reads Redis and fills the cache
	st0, ok := b.CacheStats()
	if !ok {
		t.Fatal("no client-side cache")
	}
	gets0 := redisGets(t, b)
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(40 * time.Millisecond) {
		if s := mustLoad(t, m, c); s.IsNew() || s.Data.AccessToken != want.AccessToken {
			t.Fatal("page view lost the session")
		}
	}
	st, _ := b.CacheStats()
	if n := st.Misses - st0.Misses; n != 0 {
		t.Errorf("%d page views read Redis in 2 s of views every 40 ms; a copy refreshed ahead should never run out", n)
	}
	refreshes, gets := st.Refreshes-st0.Refreshes, redisGets(t, b)-gets0
	if refreshes < 3 || gets < 3 || gets > int(refreshes) {
		t.Errorf("%d refreshes, %d GETs to Redis in 2 s: want a background read every ~150 ms, and no GET of a page view", refreshes, gets)
	}
}
