package session

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/session/redistest"
)

// fakeClock is a settable clock for expiry tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// randomToken returns n characters shaped like a JWT segment.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// realisticData is a signed-in EGI session with tokens of real size (access token ~1.5 KB).
func realisticData() Data {
	return Data{
		Kind:         KindOIDC,
		Provider:     "egi",
		Subject:      "2ab3c1e0d9f84a7b9c6e5d4f3a2b1c0d@egi.eu",
		VOPersonID:   "2ab3c1e0d9f84a7b9c6e5d4f3a2b1c0d@egi.eu",
		Name:         "Ada Lovelace",
		Email:        "ada@example.org",
		VOs:          []string{"vo.access.egi.eu", "vo.ai4eosc.eu"},
		AccessToken:  "eyJ" + randomToken(1500),
		RefreshToken: "eyJ" + randomToken(600),
		IDToken:      "eyJ" + randomToken(1100),
		Expiry:       time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		Scopes:       []string{"openid", "profile", "email", "entitlements", "voperson_id"},
		UserInfo:     json.RawMessage(`{"sub":"2ab3c1e0d9f84a7b9c6e5d4f3a2b1c0d@egi.eu","entitlements":["urn:mace:egi.eu:group:vo.access.egi.eu:role=member#aai.egi.eu"]}`),
		Endpoint:     "https://oscar.example.org",
		RecentEndpoints: []string{
			"https://oscar.example.org", "https://other.example.org",
		},
		Drafts: map[string]json.RawMessage{"new": json.RawMessage(`{"name":"cowsay","memory":"1Gi"}`)},
	}
}

// newRequest returns a request to the console carrying the given cookies.
func newRequest(cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://console.example.org/services", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// responseCookie returns the only Set-Cookie named name in the response headers written so far.
func responseCookie(t testing.TB, rec *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	var found []*http.Cookie
	for _, h := range rec.Header().Values("Set-Cookie") {
		c, err := http.ParseSetCookie(h)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", h, err)
		}
		if c.Name == name {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("Set-Cookie %q: got %d cookies, want 1 (headers %q)", name, len(found), rec.Header().Values("Set-Cookie"))
	}
	return found[0]
}

// newFileManager returns a Manager over a fresh file backend, and the backend.
func newFileManager(t testing.TB, clock *fakeClock, keys ...[]byte) (*Manager, *FileBackend) {
	t.Helper()
	b, err := NewFileBackend(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return newManager(t, b, clock, keys...), b
}

// twoFileManagers returns two Managers (two replicas' Stores, as it were) over one file backend, with
// the same key.
func twoFileManagers(t testing.TB) (a, b *Manager, fb *FileBackend) {
	t.Helper()
	key := testKey(t)
	a, fb = newFileManager(t, nil, key)
	return a, newManager(t, fb, nil, key), fb
}

// newRedisBackend connects to url and empties the database, so every test starts clean.
func newRedisBackend(t testing.TB, url string) *RedisBackend {
	t.Helper()
	b, err := NewRedisBackend(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// startRedis starts a private redis-server and returns its URL and controls.
func startRedis(t testing.TB) (url string, stop, restart func()) {
	t.Helper()
	return redistest.Start(t)
}

func flush(t testing.TB, b *RedisBackend) {
	t.Helper()
	if err := b.Client().FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("FLUSHDB: %v", err)
	}
}

func newManager(t testing.TB, b Backend, clock *fakeClock, keys ...[]byte) *Manager {
	t.Helper()
	if len(keys) == 0 {
		keys = [][]byte{testKey(t)}
	}
	o := Options{Keys: keys, Secure: true}
	if clock != nil {
		o.Now = clock.Now
	}
	m, err := NewManager(b, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// saveNew stores d as a new session through m and returns the cookie the browser would hold.
func saveNew(t testing.TB, m *Manager, d Data) *http.Cookie {
	t.Helper()
	s, err := m.Load(newRequest())
	if err != nil {
		t.Fatal(err)
	}
	s.Data = d
	rec := httptest.NewRecorder()
	if err := m.Save(rec, newRequest(), s); err != nil {
		t.Fatal(err)
	}
	return responseCookie(t, rec, m.CookieName())
}

// mustLoad loads the session for cookie c.
func mustLoad(t testing.TB, m *Manager, c *http.Cookie) *Session {
	t.Helper()
	s, err := m.Load(newRequest(c))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jsonOf is used to compare Data values (times lose their monotonic reading in a round trip).
func jsonOf(t testing.TB, d Data) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
