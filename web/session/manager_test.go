package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/oscarconsole/oscar-console/web/session/redistest"
)

func TestCookieFlags(t *testing.T) {
	tests := []struct {
		name       string
		secure     bool
		wantName   string
		wantSecure bool
	}{
		{"https", true, "__Host-oscar-console", true},
		{"plain http on localhost", false, "oscar-console", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewFileBackend(t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			m, err := NewManager(b, Options{Keys: [][]byte{testKey(t)}, Secure: tt.secure})
			if err != nil {
				t.Fatal(err)
			}
			if got := m.CookieName(); got != tt.wantName {
				t.Fatalf("CookieName() = %q, want %q", got, tt.wantName)
			}
			s, err := m.Load(newRequest())
			if err != nil {
				t.Fatal(err)
			}
			s.Data = realisticData() // 1.5 KB access token, ID and refresh tokens
			rec := httptest.NewRecorder()
			if err := m.Save(rec, newRequest(), s); err != nil {
				t.Fatal(err)
			}
			headers := rec.Header().Values("Set-Cookie")
			if len(headers) != 1 {
				t.Fatalf("Set-Cookie headers = %q, want exactly one", headers)
			}
			c, err := http.ParseSetCookie(headers[0])
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != tt.wantName {
				t.Errorf("cookie name = %q, want %q", c.Name, tt.wantName)
			}
			if c.Secure != tt.wantSecure {
				t.Errorf("Secure = %v, want %v", c.Secure, tt.wantSecure)
			}
			if !c.HttpOnly {
				t.Error("HttpOnly = false, want true")
			}
			if c.Path != "/" {
				t.Errorf("Path = %q, want /", c.Path)
			}
			if c.Domain != "" {
				t.Errorf("Domain = %q, want none", c.Domain)
			}
			if c.SameSite != http.SameSiteLaxMode {
				t.Errorf("SameSite = %v, want Lax", c.SameSite)
			}
			if c.MaxAge <= 0 || c.MaxAge > int(DefaultMaxLifetime/time.Second) {
				t.Errorf("Max-Age = %d, want within the 12 h lifetime", c.MaxAge)
			}
			if len(c.Value) >= 200 {
				t.Errorf("cookie value is %d bytes, want < 200 (only an ID and a version tag)", len(c.Value))
			}
			if id, tag, ok := strings.Cut(c.Value, "."); !ok || !validID(id) || !validTag(tag) {
				t.Errorf("cookie value %q is not a 256-bit base64url ID, a dot and a version tag", c.Value)
			}
			if strings.Contains(headers[0], "eyJ") {
				t.Error("Set-Cookie carries token material")
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	clock := newFakeClock()
	m, _ := newFileManager(t, clock)
	want := realisticData()
	c := saveNew(t, m, want)

	s := mustLoad(t, m, c)
	if s.IsNew() {
		t.Fatal("IsNew() = true for a stored session")
	}
	want.Created, want.LastSeen = clock.Now(), clock.Now()
	if got := jsonOf(t, s.Data); got != jsonOf(t, want) {
		t.Fatalf("loaded Data = %s\nwant %s", got, jsonOf(t, want))
	}

	// Saving again keeps the ID (no new cookie value) and moves LastSeen.
	clock.Advance(time.Minute)
	rec := httptest.NewRecorder()
	if err := m.Save(rec, newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	if got := responseCookie(t, rec, m.CookieName()).Value; CookieID(got) != CookieID(c.Value) || got == c.Value {
		t.Errorf("cookie after a second Save = %q, want the same ID as %q with the new version's tag", got, c.Value)
	}
	if got := mustLoad(t, m, c).Data.LastSeen; !got.Equal(clock.Now()) {
		t.Errorf("LastSeen = %v, want %v", got, clock.Now())
	}
}

func TestLoadWithoutUsableCookie(t *testing.T) {
	m, _ := newFileManager(t, nil)
	tests := []struct {
		name   string
		cookie *http.Cookie
	}{
		{"no cookie", nil},
		{"unknown ID", &http.Cookie{Name: m.CookieName(), Value: newID()}},
		{"garbage", &http.Cookie{Name: m.CookieName(), Value: "../../etc/passwd"}},
		{"too short", &http.Cookie{Name: m.CookieName(), Value: "abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest()
			if tt.cookie != nil {
				r = newRequest(tt.cookie)
			}
			s, err := m.Load(r)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !s.IsNew() || s.Data.SignedIn() {
				t.Fatalf("got IsNew %v, SignedIn %v; want a new anonymous session", s.IsNew(), s.Data.SignedIn())
			}
			// A presented ID is never adopted (no session fixation): saving issues a fresh one.
			rec := httptest.NewRecorder()
			if err := m.Save(rec, r, s); err != nil {
				t.Fatal(err)
			}
			got := responseCookie(t, rec, m.CookieName()).Value
			if tt.cookie != nil && got == tt.cookie.Value {
				t.Fatalf("Save reused the presented ID %q", got)
			}
		})
	}
}

func TestEncryptedAtRestAndFileModes(t *testing.T) {
	m, b := newFileManager(t, nil)
	d := realisticData()
	d.Kind, d.BasicUser, d.BasicPassword = KindBasic, "oscar", "s3cret-basic-password"
	c := saveNew(t, m, d)

	info, err := os.Stat(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o700 {
		t.Errorf("directory mode = %o, want 700", got)
	}
	entries, err := os.ReadDir(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("files in store = %d, want 1", len(entries))
	}
	name := entries[0].Name()
	info, err = entries[0].Info()
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %o, want 600", got)
	}
	raw, err := os.ReadFile(filepath.Join(b.Dir(), name))
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"access token":   d.AccessToken[:40],
		"refresh token":  d.RefreshToken[:40],
		"ID token":       d.IDToken[:40],
		"basic password": d.BasicPassword,
		"email":          d.Email,
		"session ID":     CookieID(c.Value),
	}
	for what, v := range secrets {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("stored file contains the %s in plaintext", what)
		}
		if strings.Contains(name, v) {
			t.Errorf("file name contains the %s", what)
		}
	}
}

func TestStoredSize(t *testing.T) {
	m, b := newFileManager(t, nil)
	d := realisticData()
	c := saveNew(t, m, d)
	blob, err := b.Get(context.Background(), backendKey(CookieID(c.Value)))
	if err != nil {
		t.Fatal(err)
	}
	stored := mustLoad(t, m, c).Data
	plain := jsonOf(t, stored)
	// Encryption adds exactly a version byte, a 12-byte nonce and a 16-byte tag.
	if want := len(plain) + 1 + 12 + 16; len(blob) != want {
		t.Errorf("stored value = %d bytes, want %d (JSON %d + 29)", len(blob), want, len(plain))
	}
	t.Logf("bytes per stored session (1.5 KB access token): %d (+%d file header)", len(blob), fileHeaderSize)
}

func TestIdleTimeout(t *testing.T) {
	clock := newFakeClock()
	m, b := newFileManager(t, clock)
	c := saveNew(t, m, realisticData())

	// Activity within the idle timeout keeps the session alive, again and again.
	for range 3 {
		clock.Advance(DefaultIdleTimeout - time.Minute)
		s := mustLoad(t, m, c)
		if !s.Data.SignedIn() {
			t.Fatal("session ended before its idle timeout")
		}
		if err := m.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(DefaultIdleTimeout)
	s := mustLoad(t, m, c)
	if !s.IsNew() || s.Data.SignedIn() {
		t.Fatal("session still loads after the idle timeout")
	}
	if _, err := b.Get(context.Background(), backendKey(CookieID(c.Value))); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session still stored: Get error = %v, want ErrNotFound", err)
	}
}

func TestAbsoluteLifetime(t *testing.T) {
	clock := newFakeClock()
	m, _ := newFileManager(t, clock)
	c := saveNew(t, m, realisticData())
	start := clock.Now()
	// Always active, never idle: the session still ends after MaxLifetime.
	for clock.Now().Sub(start) < DefaultMaxLifetime-30*time.Minute {
		clock.Advance(30 * time.Minute)
		s := mustLoad(t, m, c)
		if !s.Data.SignedIn() {
			t.Fatalf("session ended %v after sign-in, before the %v lifetime", clock.Now().Sub(start), DefaultMaxLifetime)
		}
		if err := m.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(30 * time.Minute)
	if s := mustLoad(t, m, c); !s.IsNew() {
		t.Fatalf("session loads %v after sign-in, want it ended at %v", clock.Now().Sub(start), DefaultMaxLifetime)
	}
}

func TestRenew(t *testing.T) {
	clock := newFakeClock()
	m, _ := newFileManager(t, clock)
	// Before login: an anonymous session with pending login state.
	pre := Data{Login: []byte(`{"state":"x"}`), Endpoint: "https://oscar.example.org"}
	old := saveNew(t, m, pre)

	clock.Advance(5 * time.Minute)
	s := mustLoad(t, m, old)
	s.Data.Kind, s.Data.AccessToken = KindOIDC, "eyJ"+randomToken(100)
	rec := httptest.NewRecorder()
	if err := m.Renew(rec, newRequest(old), s); err != nil {
		t.Fatal(err)
	}
	renewed := responseCookie(t, rec, m.CookieName())
	if renewed.Value == old.Value {
		t.Fatal("Renew kept the session ID")
	}
	if s := mustLoad(t, m, old); !s.IsNew() || s.Data.Endpoint != "" {
		t.Fatal("the pre-login ID still loads after Renew")
	}
	got := mustLoad(t, m, renewed)
	if !got.Data.SignedIn() || got.Data.Endpoint != pre.Endpoint {
		t.Fatalf("renewed session lost its data: %v", got.Data)
	}
	if !got.Data.Created.Equal(clock.Now()) {
		t.Errorf("Created = %v, want reset to %v", got.Data.Created, clock.Now())
	}
}

func TestDestroy(t *testing.T) {
	m, _ := newFileManager(t, nil)
	c := saveNew(t, m, realisticData())
	s := mustLoad(t, m, c)

	rec := httptest.NewRecorder()
	if err := m.Destroy(rec, newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	expired := responseCookie(t, rec, m.CookieName())
	if expired.MaxAge >= 0 || expired.Value != "" {
		t.Errorf("cookie after Destroy: value %q Max-Age %d, want empty and expired", expired.Value, expired.MaxAge)
	}
	if s.Data.SignedIn() || s.Data.AccessToken != "" {
		t.Error("Destroy left the data in the Session")
	}
	if s := mustLoad(t, m, c); !s.IsNew() {
		t.Fatal("the old ID still loads after Destroy")
	}

	// Saving afterwards (a "signed out" flash) starts a new session under a new ID, and the response
	// carries one Set-Cookie for it, not the expiry followed by the new value.
	s.Data.AddFlash("Signed out.")
	if err := m.Save(rec, newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	fresh := responseCookie(t, rec, m.CookieName())
	if fresh.Value == c.Value || fresh.Value == "" {
		t.Fatalf("cookie after Destroy+Save = %q, want a new ID", fresh.Value)
	}
	if got := mustLoad(t, m, fresh).Data.TakeFlash(); len(got) != 1 {
		t.Errorf("flash after Destroy+Save = %q, want one message", got)
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey, newKey := testKey(t), testKey(t)
	b, err := NewFileBackend(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := newManager(t, b, nil, oldKey)
	want := realisticData()
	c := saveNew(t, before, want)

	rotated := newManager(t, b, nil, newKey, oldKey)
	s := mustLoad(t, rotated, c)
	if s.Data.AccessToken != want.AccessToken {
		t.Fatal("session written with the old key does not load when the old key is second")
	}
	// Saving re-encrypts with the new key: the old key alone no longer reads it, the new one does.
	if err := rotated.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	if s := mustLoad(t, before, c); !s.IsNew() {
		t.Error("session re-saved after rotation still decrypts with the old key only")
	}
	if s := mustLoad(t, newManager(t, b, nil, newKey), c); s.Data.AccessToken != want.AccessToken {
		t.Error("session re-saved after rotation does not decrypt with the new key")
	}
}

func TestTamperedSessionRefused(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper func(t *testing.T, b *FileBackend, victim, other string)
	}{
		{"flipped ciphertext byte", func(t *testing.T, b *FileBackend, victim, _ string) {
			blob, err := b.Get(ctx, victim)
			if err != nil {
				t.Fatal(err)
			}
			blob[len(blob)/2] ^= 0x01
			if err := b.Set(ctx, victim, blob, time.Hour); err != nil {
				t.Fatal(err)
			}
		}},
		{"another session's value under this key", func(t *testing.T, b *FileBackend, victim, other string) {
			blob, err := b.Get(ctx, other)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Set(ctx, victim, blob, time.Hour); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated", func(t *testing.T, b *FileBackend, victim, _ string) {
			if err := b.Set(ctx, victim, []byte{sealVersion, 1, 2}, time.Hour); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, b := newFileManager(t, nil)
			victim := saveNew(t, m, realisticData())
			other := saveNew(t, m, realisticData())
			tt.tamper(t, b, backendKey(CookieID(victim.Value)), backendKey(CookieID(other.Value)))
			s, err := m.Load(newRequest(victim))
			if err != nil {
				t.Fatalf("Load of a tampered session = %v, want a new session and no error", err)
			}
			if !s.IsNew() || s.Data.SignedIn() {
				t.Fatal("tampered session was accepted")
			}
		})
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	m, b := newFileManager(t, nil)
	now := time.Now()
	b.now = func() time.Time { return now }
	for range 3 {
		saveNew(t, m, realisticData())
	}
	// A temporary file left by a crash during a write.
	tmp := filepath.Join(b.Dir(), tempPrefix+"crash")
	if err := os.WriteFile(tmp, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Count(ctx); err != nil || n != 3 {
		t.Fatalf("Count = %d, %v; want 3", n, err)
	}
	if n, err := b.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("Sweep of live sessions removed %d (%v), want 0", n, err)
	}

	now = now.Add(DefaultIdleTimeout + tempMaxAge + time.Minute)
	n, err := b.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("Sweep removed %d sessions, want 3", n)
	}
	entries, err := os.ReadDir(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left after Sweep: %q", names)
	}
	if n, err := m.Count(ctx); err != nil || n != 0 {
		t.Errorf("Count after Sweep = %d, %v; want 0", n, err)
	}
}

func TestRunSweepsUntilClose(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent()) // Close must stop the sweeper goroutine
	b, err := NewFileBackend(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Set(context.Background(), "old", []byte("v"), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	b.sweepEvery = 10 * time.Millisecond
	b.Run(context.Background())
	// The loop sweeps at once; wait for it to have removed the expired file.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := os.Stat(filepath.Join(b.Dir(), "old"+fileSuffix))
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not sweep the expired file")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b.runMu.Lock()
	running := b.cancel != nil
	b.runMu.Unlock()
	if running {
		t.Fatal("sweeper still registered after Close")
	}
}

func TestFileBackendRejectsUnsafeKeys(t *testing.T) {
	b, err := NewFileBackend(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", "../escape", "a/b", ".hidden", "a.b", strings.Repeat("a", maxKeyLen+1)} {
		if err := b.Set(context.Background(), key, []byte("v"), time.Minute); err == nil {
			t.Errorf("Set(%q) succeeded, want an error", key)
		}
	}
}

func TestNewFileBackendTightensDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFileBackend(dir, nil); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o700 {
		t.Fatalf("directory mode = %o, want 700", got)
	}
}

// runLockers runs workers that each take the session lock through their own Manager and reports the
// largest number of holders seen inside at once.
func runLockers(t *testing.T, managers []*Manager, c *http.Cookie) int32 {
	t.Helper()
	var inside, maxInside atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		m := managers[i%len(managers)]
		wg.Go(func() {
			for range 3 {
				s, err := m.Load(newRequest(c))
				if err != nil {
					t.Error(err)
					return
				}
				unlock, err := m.Lock(context.Background(), s, 10*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				for {
					old := maxInside.Load()
					if n <= old || maxInside.CompareAndSwap(old, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	return maxInside.Load()
}

func TestLockSerializesRefresh(t *testing.T) {
	m, _ := newFileManager(t, nil)
	c := saveNew(t, m, realisticData())
	if got := runLockers(t, []*Manager{m}, c); got != 1 {
		t.Fatalf("holders inside the session lock at once = %d, want 1", got)
	}
}

func TestLockAcrossReplicas(t *testing.T) {
	url, _, _ := startRedis(t)
	key := testKey(t)
	b1, b2 := newRedisBackend(t, url), newRedisBackend(t, url)
	m1, m2 := newManager(t, b1, nil, key), newManager(t, b2, nil, key)
	c := saveNew(t, m1, realisticData())
	if s := mustLoad(t, m2, c); s.IsNew() {
		t.Fatal("session saved by replica 1 does not load on replica 2")
	}
	if got := runLockers(t, []*Manager{m1, m2}, c); got != 1 {
		t.Fatalf("holders inside the session lock at once (two replicas) = %d, want 1", got)
	}
}

// TestRefreshIsNotOverwritten plays a token refresh racing with a slow request: the slow request
// loaded the session before the refresh and saves after it. The rotated tokens must survive.
func TestRefreshIsNotOverwritten(t *testing.T) {
	ctx := context.Background()
	m, _ := newFileManager(t, nil)
	c := saveNew(t, m, realisticData())

	slow := mustLoad(t, m, c) // e.g. a service creation that takes seconds

	refresher := mustLoad(t, m, c)
	unlock, err := m.Lock(ctx, refresher, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Reload(ctx, refresher); err != nil {
		t.Fatal(err)
	}
	refresher.Data.AccessToken, refresher.Data.RefreshToken = "eyJnew-access", "eyJnew-refresh"
	refresher.Data.Expiry = refresher.Data.Expiry.Add(time.Hour)
	if err := m.Save(httptest.NewRecorder(), newRequest(c), refresher); err != nil {
		t.Fatal(err)
	}
	unlock()

	// A concurrent request that waited for the lock sees the refresh after Reload.
	waiter := mustLoad(t, m, c)
	waiter.Data.AccessToken = "stale"
	if err := m.Reload(ctx, waiter); err != nil {
		t.Fatal(err)
	}
	if waiter.Data.AccessToken != "eyJnew-access" {
		t.Errorf("after Reload AccessToken = %q, want the refreshed one", waiter.Data.AccessToken)
	}

	slow.Data.Remember("https://third.example.org")
	if err := m.Save(httptest.NewRecorder(), newRequest(c), slow); err != nil {
		t.Fatal(err)
	}
	got := mustLoad(t, m, c).Data
	if got.RefreshToken != "eyJnew-refresh" || got.AccessToken != "eyJnew-access" {
		t.Errorf("after the slow request saved: rotated access token kept %v, rotated refresh token kept %v; want both kept",
			got.AccessToken == "eyJnew-access", got.RefreshToken == "eyJnew-refresh")
	}
	if got.Endpoint != "https://third.example.org" {
		t.Errorf("Endpoint = %q, want the slow request's change", got.Endpoint)
	}
}

// TestLogoutIsNotUndone: a request that loaded the session before a logout in another tab must not
// bring the session back when it saves afterwards.
func TestLogoutIsNotUndone(t *testing.T) {
	for _, changed := range []bool{true, false} {
		t.Run(fmt.Sprintf("slow request changed the session: %v", changed), func(t *testing.T) {
			m, _ := newFileManager(t, nil)
			c := saveNew(t, m, realisticData())
			slow := mustLoad(t, m, c)
			if changed {
				slow.Data.Remember("https://third.example.org")
			}

			if err := m.Destroy(httptest.NewRecorder(), newRequest(c), mustLoad(t, m, c)); err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			if err := m.Save(rec, newRequest(c), slow); err != nil {
				t.Fatal(err)
			}
			if s := mustLoad(t, m, c); !s.IsNew() {
				t.Fatal("a late Save brought a logged-out session back")
			}
			if changed {
				// Its change is dropped and the browser's cookie expired.
				if got := responseCookie(t, rec, m.CookieName()); got.MaxAge >= 0 {
					t.Errorf("late Save after logout set cookie Max-Age %d, want it expired", got.MaxAge)
				}
			} else if got := rec.Result().Cookies(); len(got) != 0 {
				// Nothing to write: nothing written, no cookie renewed.
				t.Errorf("a late unchanged Save after logout set cookies %v", got)
			}
		})
	}
}

func TestSessionLiteral(t *testing.T) {
	// Tests elsewhere may build a Session directly instead of through Load.
	m, _ := newFileManager(t, nil)
	s := &Session{Data: Data{Kind: KindBasic, BasicUser: "oscar"}}
	if !s.IsNew() {
		t.Error("IsNew() = false for a Session literal")
	}
	rec := httptest.NewRecorder()
	if err := m.Save(rec, newRequest(), s); err != nil {
		t.Fatal(err)
	}
	if got := mustLoad(t, m, responseCookie(t, rec, m.CookieName())); got.Data.BasicUser != "oscar" {
		t.Fatalf("saved literal loads as %v", got.Data)
	}
}

func TestReloadOfEndedSession(t *testing.T) {
	m, _ := newFileManager(t, nil)
	fresh, err := m.Load(newRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Reload(context.Background(), fresh); !errors.Is(err, ErrNotFound) {
		t.Errorf("Reload of an unsaved session = %v, want ErrNotFound", err)
	}
	unlock, err := m.Lock(context.Background(), fresh, time.Second)
	if err != nil {
		t.Fatalf("Lock of an unsaved session: %v", err)
	}
	unlock()
}

func TestRedisTTLFollowsLifetime(t *testing.T) {
	url, _, _ := startRedis(t)
	b := newRedisBackend(t, url)
	clock := newFakeClock()
	m := newManager(t, b, clock)
	c := saveNew(t, m, realisticData())
	pttl := func() time.Duration {
		t.Helper()
		d, err := b.Client().PTTL(context.Background(), redisSessionKey+backendKey(CookieID(c.Value))).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if got := pttl(); got <= DefaultIdleTimeout-time.Minute || got > DefaultIdleTimeout {
		t.Errorf("Redis TTL after sign-in = %v, want the idle timeout %v", got, DefaultIdleTimeout)
	}
	// Keep the session active until 10 minutes before its absolute end: the TTL shrinks to that.
	for range 23 {
		clock.Advance(30 * time.Minute)
		s := mustLoad(t, m, c)
		if err := m.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(20 * time.Minute)
	s := mustLoad(t, m, c)
	if err := m.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	if got := pttl(); got > 10*time.Minute || got < 9*time.Minute {
		t.Errorf("Redis TTL 10 min before the absolute end = %v, want ~10m", got)
	}
}

func TestRedisUnavailable(t *testing.T) {
	ctx := context.Background()
	url, stop, restart := startRedis(t)
	m := newManager(t, newRedisBackend(t, url), nil)
	want := realisticData()
	c := saveNew(t, m, want)

	stop()
	_, err := m.Load(newRequest(c))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Load with Redis down = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), CookieID(c.Value)) {
		t.Error("error message contains the session ID")
	}
	if err := m.Ping(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ping with Redis down = %v, want ErrUnavailable", err)
	}
	s, err := m.Load(newRequest())
	if err != nil {
		t.Fatalf("Load without cookie needs no store, got %v", err)
	}
	if err := m.Save(httptest.NewRecorder(), newRequest(), s); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Save with Redis down = %v, want ErrUnavailable", err)
	}

	restart()
	if err := m.Ping(ctx); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
	got, err := m.Load(newRequest(c))
	if err != nil {
		t.Fatalf("Load after restart: %v", err)
	}
	if got.Data.AccessToken != want.AccessToken {
		t.Fatal("session lost across the Redis restart")
	}
}

// TestRedisPausedFailsFast (issue 15, item 8): with redis-server frozen (SIGSTOP), so connections
// hang instead of being refused, every store operation a page makes gives up with ErrUnavailable
// after about redisOpTimeout, a caller's shorter deadline is honoured, and the same session loads
// again once Redis runs (SIGCONT), with the same Manager.
func TestRedisPausedFailsFast(t *testing.T) {
	// opBound is redisOpTimeout with a margin for a loaded test machine: a behaviour check (give up
	// instead of hanging for go-redis's 5 s timeouts and retries), not a benchmark.
	const opBound = redisOpTimeout + time.Second
	rs := redistest.New(t)
	// Without the client cache, which serves the sessions this replica holds for a few seconds more
	// (TestRedisCachedSessionDuringPause).
	m := newManager(t, newRedisBackend(t, withQuery(rs.URL(), "client_cache=off")), nil)
	want := realisticData()
	c := saveNew(t, m, want)
	loaded, err := m.Load(newRequest(c))
	if err != nil || loaded.IsNew() {
		t.Fatalf("Load before the pause: new %v, err %v", loaded.IsNew(), err)
	}
	loaded.Data.Name = "changed while Redis is paused" // so Save has something to write
	// Sign-out is tried on another session: a command that reached a hung Redis may still run when it
	// resumes, and this one would end the session the test expects back.
	other, err := m.Load(newRequest(saveNew(t, m, want)))
	if err != nil || other.IsNew() {
		t.Fatalf("Load of a second session before the pause: new %v, err %v", other.IsNew(), err)
	}

	rs.Pause()
	for _, op := range []struct {
		name string
		do   func() error
	}{
		{"Load", func() error { _, err := m.Load(newRequest(c)); return err }},
		{"Save", func() error { return m.Save(httptest.NewRecorder(), newRequest(c), loaded) }},
		{"Reload", func() error { return m.Reload(context.Background(), loaded) }},
		{"Lock", func() error {
			unlock, err := m.Lock(context.Background(), loaded, time.Minute)
			if err == nil {
				unlock()
			}
			return err
		}},
		{"Ping", func() error { return m.Ping(context.Background()) }},
		{"Destroy", func() error { return m.Destroy(httptest.NewRecorder(), newRequest(), other) }},
	} {
		start := time.Now()
		err := op.do()
		took := time.Since(start)
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s with Redis paused = %v, want ErrUnavailable", op.name, err)
		}
		if took > opBound {
			t.Errorf("%s with Redis paused gave up after %v, want within %v", op.name, took.Round(time.Millisecond), opBound)
		}
	}
	// A caller that gives up sooner than redisOpTimeout is not kept waiting until it.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = m.Load(newRequest(c).WithContext(ctx))
	if took := time.Since(start); err == nil || took >= redisOpTimeout*3/4 {
		t.Errorf("Load with a 100ms request deadline and Redis paused: err %v after %v, want an error well before redisOpTimeout (%v)", err, took.Round(time.Millisecond), redisOpTimeout)
	}

	rs.Resume()
	if err := m.Ping(context.Background()); err != nil {
		t.Fatalf("Ping after Redis resumed: %v", err)
	}
	got, err := m.Load(newRequest(c))
	if err != nil || got.IsNew() {
		t.Fatalf("Load after Redis resumed: new %v, err %v; want the session back", got.IsNew(), err)
	}
	if got.Data.Subject != want.Subject || got.Data.AccessToken != want.AccessToken {
		t.Errorf("session after Redis resumed: subject %q, token kept %v; want %q and its token",
			got.Data.Subject, got.Data.AccessToken == want.AccessToken, want.Subject)
	}
}

// TestRedisTimeouts: without options in the URL every go-redis timeout is a second, a command is
// retried once and the context's deadline is honoured (issue 15, item 8); timeouts set in the URL
// are kept, and an operation's bound grows with them.
func TestRedisTimeouts(t *testing.T) {
	for _, tt := range []struct {
		query              string
		dial, read, write  time.Duration
		pool, op           time.Duration
		retries, dialTries int
	}{
		{"", time.Second, time.Second, time.Second, time.Second, time.Second, 1, 2},
		{"?read_timeout=3s&pool_timeout=4s&max_retries=2&dial_timeout=500ms", 500 * time.Millisecond, 3 * time.Second, 3 * time.Second, 4 * time.Second, 3 * time.Second, 2, 2},
		{"?write_timeout=2s", time.Second, time.Second, 2 * time.Second, time.Second, 2 * time.Second, 1, 2},
	} {
		b, err := NewRedisBackend("redis://127.0.0.1:1/0" + tt.query)
		if err != nil {
			t.Fatalf("NewRedisBackend(%q): %v", tt.query, err)
		}
		o := b.Client().Options()
		if o.DialTimeout != tt.dial || o.ReadTimeout != tt.read || o.WriteTimeout != tt.write || o.PoolTimeout != tt.pool {
			t.Errorf("URL %q: dial %v read %v write %v pool %v; want %v %v %v %v", tt.query,
				o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, tt.dial, tt.read, tt.write, tt.pool)
		}
		if o.MaxRetries != tt.retries || o.DialerRetries != tt.dialTries || !o.ContextTimeoutEnabled {
			t.Errorf("URL %q: max retries %d, dialer retries %d, context deadlines honoured %v; want %d, %d, true",
				tt.query, o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled, tt.retries, tt.dialTries)
		}
		if b.opTimeout != tt.op {
			t.Errorf("URL %q: operation bound %v, want %v", tt.query, b.opTimeout, tt.op)
		}
		_ = b.Close()
	}
}

func TestRedisStoresNoPlaintext(t *testing.T) {
	url, _, _ := startRedis(t)
	b := newRedisBackend(t, url)
	m := newManager(t, b, nil)
	d := realisticData()
	c := saveNew(t, m, d)
	keys, err := b.Client().Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("Redis keys = %q, want one", keys)
	}
	if strings.Contains(keys[0], CookieID(c.Value)) {
		t.Error("Redis key contains the session ID")
	}
	raw, err := b.Client().Get(context.Background(), keys[0]).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{d.AccessToken[:40], d.RefreshToken[:40], d.IDToken[:40], d.Email} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("Redis value contains %q in plaintext", secret[:10])
		}
	}
}

func TestNewManagerRejectsBadKeys(t *testing.T) {
	b, err := NewFileBackend(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		keys [][]byte
	}{
		{"no key", nil},
		{"short key", [][]byte{make([]byte, 31)}},
		{"short second key", [][]byte{make([]byte, 32), []byte("short")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewManager(b, Options{Keys: tt.keys}); err == nil {
				t.Fatal("NewManager accepted the keys, want an error")
			}
		})
	}
}

func TestOpenBackend(t *testing.T) {
	dataDir := t.TempDir()
	abs := filepath.Join(t.TempDir(), "elsewhere")
	tests := []struct {
		spec    string
		wantDir string // file backends
		redis   bool
		wantErr bool
	}{
		{spec: "", wantDir: filepath.Join(dataDir, "sessions")},
		{spec: "file:", wantDir: filepath.Join(dataDir, "sessions")},
		{spec: "file:" + abs, wantDir: abs},
		{spec: "file:relative/dir", wantErr: true},
		{spec: "redis://127.0.0.1:6379/0", redis: true},
		{spec: "rediss://user:pw@redis.example.org:6380/2", redis: true},
		{spec: "redis://user:topsecret@host:6379/notanumber", wantErr: true},
		{spec: "memcached://user:topsecret@host", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			b, err := OpenBackend(tt.spec, dataDir, nil)
			if tt.wantErr {
				if err == nil {
					b.Close()
					t.Fatal("OpenBackend succeeded, want an error")
				}
				if strings.Contains(err.Error(), "topsecret") {
					t.Fatalf("error %q repeats the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			switch b := b.(type) {
			case *FileBackend:
				if tt.redis {
					t.Fatal("got a file backend, want Redis")
				}
				if b.Dir() != tt.wantDir {
					t.Errorf("dir = %q, want %q", b.Dir(), tt.wantDir)
				}
			case *RedisBackend:
				if !tt.redis {
					t.Fatal("got a Redis backend, want a file backend")
				}
				if tls := b.Client().Options().TLSConfig; (tls != nil) != strings.HasPrefix(tt.spec, "rediss:") {
					t.Errorf("TLS configured = %v for %q", tls != nil, tt.spec)
				}
			default:
				t.Fatalf("backend type %T", b)
			}
		})
	}
}
