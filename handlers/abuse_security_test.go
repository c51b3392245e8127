package handlers

// Abuse tests of issue 11: the per-session bound on concurrent upstream calls (upstream_limit.go),
// the sign-in rate limit per client address (limit.go, wired in signin.go).

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"go.uber.org/goleak"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// secNoLeak checks, after every cleanup registered later has run (servers closed), that no
// goroutine started by the test is left.
func secNoLeak(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// secEnv is a harness signed in with basic auth on a fake OSCAR.
type secEnv struct {
	*harness
	fake *oscartest.Server
	ep   string
}

func newSecEnv(t *testing.T, o oscartest.Options, edit func(*Deps)) *secEnv {
	t.Helper()
	fake := oscartest.New(o)
	t.Cleanup(fake.Close)
	h := newHarness(t, edit)
	ep, err := oscar.ParseEndpoint(fake.URL(), h.pages.cfg.Policy)
	if err != nil {
		t.Fatal(err)
	}
	h.signInBasic(string(ep), oscartest.DefaultBasicUser, oscartest.DefaultBasicPassword)
	return &secEnv{harness: h, fake: fake, ep: string(ep)}
}

// newSessionCookie stores another signed-in session (another browser) and returns its cookie value.
func (h *harness) newSessionCookie(d session.Data) string {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, h.server.URL+"/", nil)
	s, err := h.pages.sessions.Load(req)
	if err != nil {
		h.t.Fatal(err)
	}
	s.Data = d
	rec := httptest.NewRecorder()
	if err := h.pages.sessions.Save(rec, req, s); err != nil {
		h.t.Fatal(err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == h.pages.sessions.CookieName() {
			return c.Value
		}
	}
	h.t.Fatal("no session cookie set")
	return ""
}

// rawGet fetches url with the given session cookie (not the jar's) and returns status, headers and
// body.
func rawGet(t *testing.T, u, cookieName, cookie string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Errorf("GET %s: %v", u, err)
		return 0, nil, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (g *upstreamGate) activeSessions() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.slots)
}

// TestAbuse_UpstreamLimitPerSession drives the limiter directly with a handler that blocks, so the
// slots are held for as long as the test wants: the third concurrent request of a session is refused
// with a 429 page, another session is not affected, and the slots come back when requests end.
func TestAbuse_UpstreamLimitPerSession(t *testing.T) {
	secNoLeak(t)
	h := newHarness(t, nil)
	h.signInBasic("http://oscar.test", "oscar", "pw")
	a := h.cookie()
	b := h.newSessionCookie(session.Data{Kind: session.KindBasic, BasicUser: "bob", BasicPassword: "pw2", Endpoint: "http://oscar.test"})

	release := make(chan struct{})
	entered := make(chan string, 10)
	blocking := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- r.URL.Path
		<-release
		w.WriteHeader(http.StatusNoContent)
	})
	g := newUpstreamGate(2, 50*time.Millisecond)
	srv := httptest.NewServer(h.pages.withSession(h.pages.upstreamLimiter(g, blocking)))
	t.Cleanup(srv.Close)
	name := h.pages.sessions.CookieName()

	var wg sync.WaitGroup
	statuses := make(chan int, 10)
	get := func(path, cookie string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _, _ := rawGet(t, srv.URL+path, name, cookie)
			statuses <- st
		}()
	}
	get("/a1", a)
	get("/a2", a)
	<-entered
	<-entered

	// The third comes with the cookie of another version of the same session (as after a write by
	// one of the others): the limit is per session ID, not per cookie value.
	otherVersion := session.CookieID(a) + ".AAAAAAAAAAAA"
	if otherVersion == a || session.CookieID(otherVersion) != session.CookieID(a) {
		t.Fatalf("cookie %q: cannot make another version's cookie of it", a)
	}
	st, hdr, body := rawGet(t, srv.URL+"/a3", name, otherVersion)
	if st != http.StatusTooManyRequests {
		t.Fatalf("third concurrent request of a session: status %d, want 429", st)
	}
	if hdr.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	if got := strings.TrimSpace(doc.Find("h1").First().Text()); got != "Too many requests at once" {
		t.Errorf("429 page h1 = %q", got)
	}
	if !strings.Contains(body, "not sent to OSCAR") || !strings.Contains(body, "oscar.test") {
		t.Errorf("429 page does not say what happened and where: %s", body)
	}

	// Another session is not held back by the first one's requests.
	get("/b1", b)
	if p := <-entered; p != "/b1" {
		t.Fatalf("entered %q, want /b1", p)
	}

	close(release)
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusNoContent {
			t.Errorf("a held request ended with %d, want 204", st)
		}
	}
	if st, _, _ := rawGet(t, srv.URL+"/a4", name, a); st != http.StatusNoContent {
		t.Errorf("after the others finished: status %d, want 204", st)
	}
	if n := g.activeSessions(); n != 0 {
		t.Errorf("%d sessions still tracked after every request ended, want 0", n)
	}
}

// TestAbuse_UpstreamLimitOnSignedInRoutes checks the wiring in routes.go with the real bounds: while
// four list requests of one session hang at OSCAR, a fifth is refused with 429 and never reaches
// OSCAR; when OSCAR answers, the four pages render.
func TestAbuse_UpstreamLimitOnSignedInRoutes(t *testing.T) {
	secNoLeak(t)
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	e := newSecEnv(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && r.URL.Path == "/system/services" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return false
	}}, nil)
	listCalls := func() int {
		n := 0
		for _, r := range e.fake.Requests() {
			if r.Method == http.MethodGet && r.Path == "/system/services" {
				n++
			}
		}
		return n
	}

	var wg sync.WaitGroup
	statuses := make(chan int, maxUpstreamPerSession)
	for range maxUpstreamPerSession {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _, _ := rawGet(t, e.server.URL+"/services", e.pages.sessions.CookieName(), e.cookie())
			statuses <- st
		}()
	}
	for deadline := time.Now().Add(20 * time.Second); listCalls() < maxUpstreamPerSession; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d list calls reached OSCAR", listCalls())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p := e.get("/services")
	if p.StatusCode != http.StatusTooManyRequests || p.text("h1") != "Too many requests at once" {
		t.Fatalf("request over the limit: status %d h1 %q, want 429", p.StatusCode, p.text("h1"))
	}
	if n := listCalls(); n != maxUpstreamPerSession {
		t.Errorf("OSCAR got %d list calls, want %d: the refused request reached it", n, maxUpstreamPerSession)
	}
	once.Do(func() { close(release) })
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusOK {
			t.Errorf("a held request ended with %d, want 200", st)
		}
	}
	if p := e.get("/services"); p.StatusCode != http.StatusOK {
		t.Errorf("after the others finished: status %d, want 200", p.StatusCode)
	}
}

// TestAbuse_UpstreamLimitSpansRoutes: the per-session bound holds across the whole route table, not
// per route. Eight concurrent requests of one session, each to a different signed-in page, all held
// at OSCAR: four reach it and are answered once OSCAR answers; the other four are refused with 429
// and never reach OSCAR.
func TestAbuse_UpstreamLimitSpansRoutes(t *testing.T) {
	secNoLeak(t)
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	var held atomic.Int32
	e := newSecEnv(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		held.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return false
	}}, nil)
	// Each of these pages makes one OSCAR call at a time (the service page makes four at once, so it
	// is not among them: the count below is of calls).
	routes := []string{"/services", "/cluster", "/buckets", "/services/x/deployment", "/services/x/jobs",
		"/services/x/invoke", "/services/x/export", "/buckets/b"}
	if len(routes) != 2*maxUpstreamPerSession {
		t.Fatalf("the test needs %d routes", 2*maxUpstreamPerSession)
	}
	type answer struct {
		route  string
		status int
	}
	answers := make(chan answer, len(routes))
	var wg sync.WaitGroup
	for _, route := range routes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _, _ := rawGet(t, e.server.URL+route, e.pages.sessions.CookieName(), e.cookie())
			answers <- answer{route, st}
		}()
	}
	// The four refusals come after upstreamWait, while four requests are held at OSCAR.
	refused := map[string]bool{}
	for len(refused) < maxUpstreamPerSession {
		select {
		case a := <-answers:
			if a.status != http.StatusTooManyRequests {
				t.Fatalf("GET %s answered %d while four requests of its session were held at OSCAR, want 429", a.route, a.status)
			}
			refused[a.route] = true
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of 8 requests were refused (%d OSCAR calls held)", len(refused), held.Load())
		}
	}
	if n := held.Load(); n != maxUpstreamPerSession {
		t.Errorf("%d calls reached OSCAR, want %d: the limit is not shared by the routes", n, maxUpstreamPerSession)
	}
	once.Do(func() { close(release) })
	wg.Wait()
	close(answers)
	served := 0
	for a := range answers {
		if a.status == http.StatusTooManyRequests || refused[a.route] {
			t.Errorf("GET %s: %d after OSCAR answered", a.route, a.status)
			continue
		}
		served++
	}
	if served != maxUpstreamPerSession {
		t.Errorf("%d requests answered, want %d", served, maxUpstreamPerSession)
	}
}

// TestAbuse_LoginRateLimitPerClientAddress: sign-in attempts are counted per client address (the
// peer's, never X-Forwarded-For, which any client sets), for both sign-in forms, and a refused
// attempt never reaches OSCAR.
func TestAbuse_LoginRateLimitPerClientAddress(t *testing.T) {
	fake := oscartest.NewT(t, oscartest.Options{})
	h := newHarness(t, func(d *Deps) { d.LoginRate = 2 })
	router := h.server.Config.Handler
	post := func(path, addr, xff string, form url.Values) int {
		req := httptest.NewRequest(http.MethodPost, h.server.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.RemoteAddr = addr
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
			req.Header.Set("X-Real-Ip", xff)
		}
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		return rec.Code
	}
	form := url.Values{"endpoint": {fake.URL()}, "username": {"oscar"}, "password": {"wrong"}}
	for i := range 2 {
		if st := post("/login/basic", "203.0.113.7:4000", "198.51.100."+string(rune('1'+i)), form); st == http.StatusTooManyRequests {
			t.Fatalf("attempt %d from 203.0.113.7 refused", i+1)
		}
	}
	before := len(fake.Requests())
	if st := post("/login/basic", "203.0.113.7:4001", "198.51.100.9", form); st != http.StatusTooManyRequests {
		t.Errorf("third attempt from 203.0.113.7 (new port, new X-Forwarded-For): %d, want 429", st)
	}
	if st := post("/auth/login", "203.0.113.7:4002", "", url.Values{"endpoint": {fake.URL()}, "provider": {"egi"}}); st != http.StatusTooManyRequests {
		t.Errorf("provider sign-in from the limited address: %d, want 429", st)
	}
	if n := len(fake.Requests()) - before; n != 0 {
		t.Errorf("refused attempts made %d OSCAR calls", n)
	}
	if st := post("/login/basic", "[2001:db8::1]:4000", "", form); st == http.StatusTooManyRequests {
		t.Error("another address was limited too")
	}

	// Behind the operator's reverse proxy (CONSOLE_TRUSTED_PROXIES), the client is the address the
	// proxy appended; what the client itself put in X-Forwarded-For does not count.
	h2 := newHarness(t, func(d *Deps) {
		d.LoginRate = 2
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	post2 := func(xff string) int {
		req := httptest.NewRequest(http.MethodPost, h2.server.URL+"/login/basic", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.RemoteAddr = "10.1.1.1:5000"
		req.Header.Set("X-Forwarded-For", xff)
		rec := httptest.NewRecorder()
		h2.server.Config.Handler.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := range 2 {
		if st := post2(fmt.Sprintf("192.0.2.%d, 198.51.100.4", i)); st == http.StatusTooManyRequests {
			t.Fatalf("client behind the proxy: attempt %d refused", i+1)
		}
	}
	if st := post2("192.0.2.99, 198.51.100.4"); st != http.StatusTooManyRequests {
		t.Errorf("client behind the proxy, spoofing the first hop: %d, want 429", st)
	}
	if st := post2("198.51.100.5"); st == http.StatusTooManyRequests {
		t.Error("another client behind the same proxy was limited too")
	}
}

// TestAbuse_UpstreamGateForgetsWaitersThatLeave: a request that gives up while waiting for a slot
// (the browser went away) leaves nothing behind, and releasing twice frees one slot only.
func TestAbuse_UpstreamGateForgetsWaitersThatLeave(t *testing.T) {
	secNoLeak(t)
	g := newUpstreamGate(1, time.Hour)
	key := [32]byte{1}
	release, ok := g.acquire(t.Context(), key)
	if !ok {
		t.Fatal("first acquire refused")
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan bool)
	go func() {
		_, ok := g.acquire(ctx, key)
		done <- ok
	}()
	cancel()
	if <-done {
		t.Fatal("a cancelled waiter got a slot that was held")
	}
	release()
	release() // a second call must not free a slot it does not hold
	if n := g.activeSessions(); n != 0 {
		t.Errorf("%d sessions tracked after everyone left, want 0", n)
	}
	r1, ok1 := g.acquire(t.Context(), key)
	ctx2, cancel2 := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel2()
	if _, ok2 := g.acquire(ctx2, key); !ok1 || ok2 {
		t.Errorf("after the double release: first acquire %v, second %v; want true, false", ok1, ok2)
	}
	r1()
}
