package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/oscarconsole/oscar-console/handlers"
	"github.com/oscarconsole/oscar-console/static"
	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
	"github.com/oscarconsole/oscar-console/web/session/redistest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type testServer struct {
	*httptest.Server
	logs    *lockedBuffer
	metrics *Metrics
	console *Console
}

// testConfig is a console as cmd/oscar-console builds it with no configuration: file sessions in a
// temporary directory, basic-auth sign-in only, served over plain http on loopback.
func testConfig(t *testing.T, logs *lockedBuffer) Config {
	pub, _ := url.Parse("http://127.0.0.1")
	return Config{
		Log:          slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		SessionStore: "file:" + t.TempDir(), PublicURL: pub,
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef-web")},
	}
}

// newTestServer serves the console built by Build from testConfig, changed by edit.
func newTestServer(t *testing.T, edit func(*Config)) *testServer {
	t.Helper()
	logs := &lockedBuffer{}
	cfg := testConfig(t, logs)
	if edit != nil {
		edit(&cfg)
	}
	c, err := Build(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	srv := httptest.NewServer(c.Handler)
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, logs: logs, metrics: c.Metrics, console: c}
}

// offline is an HTTP client that reaches nothing: identity providers configured in these tests are
// never discovered.
var offline = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
	return nil, errors.New("offline")
})}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (s *testServer) do(t *testing.T, method, path string, body io.Reader, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
	s := newTestServer(t, nil)
	cssPath := static.Path("css/console.css")
	for _, tc := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"}, {"GET", "/"}, {"GET", "/login"},
		{"GET", "/no-such-page"}, {"GET", cssPath}, {"DELETE", "/healthz"},
	} {
		resp, _ := s.do(t, tc.method, tc.path, nil, nil)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s %s: CSP %q lacks %q", tc.method, tc.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s %s: CSP allows inline code: %q", tc.method, tc.path, csp)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options = %q", tc.method, tc.path, got)
		}
		if got := h.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s %s: Referrer-Policy = %q", tc.method, tc.path, got)
		}
		if got := h.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s %s: HSTS over plain http: %q", tc.method, tc.path, got)
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("%s %s: no X-Request-Id", tc.method, tc.path)
		}
	}
}

func TestHSTSWhenServedOverHTTPS(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.PublicURL, _ = url.Parse("https://console.example.org") })
	resp, _ := s.do(t, "GET", "/healthz", nil, nil)
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("HSTS = %q, want max-age=...", got)
	}
}

func TestFormActionAllowsIdentityProviders(t *testing.T) {
	s := newTestServer(t, func(c *Config) {
		c.OIDC = []auth.Config{{ID: "egi", Issuer: "https://aai.egi.eu/auth/realms/egi", ClientID: "console"}}
		c.IdPClient = offline
	})
	resp, _ := s.do(t, "GET", "/healthz", nil, nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://aai.egi.eu") {
		t.Errorf("CSP = %q, want form-action to include the provider", csp)
	}
}

func TestCrossSitePostIsRefused(t *testing.T) {
	s := newTestServer(t, nil)
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign Origin without Sec-Fetch-Site", map[string]string{"Origin": "https://attacker.example"}, http.StatusForbidden},
		{"same-site subdomain", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
	} {
		resp, body := s.do(t, "POST", "/logout", strings.NewReader(""), tc.hdr)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status = %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
		if !strings.Contains(body, "Request refused") {
			t.Errorf("%s: the refusal is not the console's error page", tc.name)
		}
	}
	// A same-origin POST gets through the guard (whatever the page then answers).
	resp, _ := s.do(t, "POST", "/logout", strings.NewReader(""), map[string]string{"Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode == http.StatusForbidden {
		t.Errorf("same-origin POST refused with 403")
	}
}

func TestAccessLogHasNoSecrets(t *testing.T) {
	s := newTestServer(t, nil)
	s.do(t, "GET", "/healthz?token=query-secret-3", nil, map[string]string{
		"Authorization": "Bearer header-secret-1",
		"Cookie":        "__Host-oscar-console=cookie-secret-2",
	})
	logs := s.logs.String()
	if !strings.Contains(logs, "route=/healthz") || !strings.Contains(logs, "status=200") || !strings.Contains(logs, "request_id=") {
		t.Fatalf("access log line missing route, status or request ID:\n%s", logs)
	}
	for _, secret := range []string{"header-secret-1", "cookie-secret-2", "query-secret-3", "Authorization", "Bearer"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
}

func TestStaticAssetsAreHashedAndCachedForever(t *testing.T) {
	s := newTestServer(t, nil)
	p := static.Path("css/console.css")
	resp, body := s.do(t, "GET", p, nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "--accent") {
		t.Fatalf("GET %s = %d", p, resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control = %q, want a year, immutable", cc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q", ct)
	}
	resp, _ = s.do(t, "GET", "/static/0000/css/console.css", nil, nil)
	if cc := resp.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("a stale hash is cached as immutable: %q", cc)
	}
	resp, _ = s.do(t, "GET", "/static/x/css/nope.css", nil, nil)
	if resp.StatusCode != 404 {
		t.Errorf("unknown asset = %d, want 404", resp.StatusCode)
	}
}

func TestReadyzFollowsTheSessionStore(t *testing.T) {
	var down atomic.Bool
	logs := &lockedBuffer{}
	cfg := testConfig(t, logs)
	c, err := Build(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	// The handler as Build assembles it, with a store whose Ping fails on demand.
	h := newHandler(handlerOptions{Log: cfg.Log, Pages: handlers.New(handlers.Deps{Log: cfg.Log, Sessions: c.Sessions}),
		Ready: func(ctx context.Context) error {
			if down.Load() {
				return errors.New("redis: connection refused")
			}
			return c.Sessions.Ping(ctx)
		}})
	s := &testServer{Server: httptest.NewServer(h), logs: logs}
	t.Cleanup(s.Close)
	if resp, _ := s.do(t, "GET", "/readyz", nil, nil); resp.StatusCode != 200 {
		t.Errorf("ready store: %d", resp.StatusCode)
	}
	down.Store(true)
	if resp, _ := s.do(t, "GET", "/readyz", nil, nil); resp.StatusCode != 503 {
		t.Errorf("store down: %d, want 503", resp.StatusCode)
	}
}

func TestMetricsCountRequestsPerRoute(t *testing.T) {
	s := newTestServer(t, nil)
	s.do(t, "GET", "/healthz", nil, nil)
	s.do(t, "GET", "/healthz", nil, nil)
	s.metrics.ObserveUpstream("https://oscar.example.org", "services.list", 200, 5e6)
	if resp, _ := s.do(t, "GET", "/metrics", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the public listener: %d, want 404", resp.StatusCode)
	}
	body := scrape(t, s.console)
	for _, want := range []string{
		`console_http_requests_total{code="200",method="GET",route="/healthz"} 2`,
		`console_http_request_duration_seconds_bucket{route="/healthz"`,
		`console_oscar_requests_total{code="200",op="services.list"} 1`,
		`console_sessions_active 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestPanicGivesErrorPageWithoutStack(t *testing.T) {
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	backend, _ := session.NewFileBackend(t.TempDir(), log)
	defer backend.Close()
	mgr, _ := session.NewManager(backend, session.Options{Keys: [][]byte{[]byte("0123456789abcdef0123456789abcdef-web")}})
	pages := handlers.New(handlers.Deps{Log: log, Sessions: mgr})
	r := chi.NewRouter()
	r.Use(requestID, recoverer(log, pages.Problem))
	r.Get("/boom", func(http.ResponseWriter, *http.Request) { panic("secret internal detail") })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != 500 {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "secret internal detail") || strings.Contains(body, "goroutine") {
		t.Error("the panic leaked to the page")
	}
	if !strings.Contains(body, "Something went wrong") {
		t.Error("no error page")
	}
	if !strings.Contains(logs.String(), "secret internal detail") {
		t.Error("the panic was not logged")
	}
}

func TestAssetsAreCompressedPagesAreNot(t *testing.T) {
	s := newTestServer(t, nil)
	gz := map[string]string{"Accept-Encoding": "gzip"}
	resp, _ := s.do(t, "GET", static.Path("css/console.css"), nil, gz)
	if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
		t.Errorf("stylesheet Content-Encoding = %q, want gzip", got)
	}
	resp, _ = s.do(t, "GET", "/login", nil, gz)
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("page Content-Encoding = %q, want none (BREACH)", got)
	}
}

// TestHeadAnswersLikeGet: monitors and link checkers send HEAD; every page, asset and operations
// endpoint answers it as it answers GET, without a body.
func TestHeadAnswersLikeGet(t *testing.T) {
	s := newTestServer(t, nil)
	for _, path := range []string{"/", "/login", "/logged-out", "/healthz", "/readyz",
		static.Path("css/console.css"), static.Path("js/console.js"), "/services", "/no-such-page"} {
		get, getBody := s.do(t, http.MethodGet, path, nil, nil)
		head, headBody := s.do(t, http.MethodHead, path, nil, nil)
		if head.StatusCode != get.StatusCode {
			t.Errorf("HEAD %s: %d, GET: %d", path, head.StatusCode, get.StatusCode)
		}
		if headBody != "" {
			t.Errorf("HEAD %s: a body of %d bytes", path, len(headBody))
		}
		if getBody == "" && get.StatusCode == http.StatusOK {
			t.Errorf("GET %s: no body", path)
		}
		for _, h := range []string{"Content-Type", "Content-Security-Policy", "Cache-Control", "Location"} {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("HEAD %s: %s = %q, GET: %q", path, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
	}
}

// TestEveryLogLineOfARequestNamesIt: the lines a request makes the console write (the handler's own
// and the access log) all carry its request ID, through the one log handler.
func TestEveryLogLineOfARequestNamesIt(t *testing.T) {
	s := newTestServer(t, nil)
	before := len(s.logs.String())
	form := strings.NewReader("endpoint=ftp%3A%2F%2Fnowhere&username=u&password=p")
	resp, _ := s.do(t, http.MethodPost, "/login/basic", form, map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", "X-Request-Id": "req-log-1",
	})
	if resp.Header.Get("X-Request-Id") != "req-log-1" {
		t.Fatalf("X-Request-Id = %q", resp.Header.Get("X-Request-Id"))
	}
	// The page is sent (flushed) before the access log is written: wait for that line.
	var lines []string
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		lines = strings.Split(strings.TrimSpace(s.logs.String()[before:]), "\n")
		if len(lines) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	if len(lines) < 2 {
		t.Fatalf("the refused sign-in wrote %d log lines, want the handler's and the access log's:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if strings.Count(l, "request_id=") != 1 || !strings.Contains(l, "request_id=req-log-1") {
			t.Errorf("log line without exactly one request_id=req-log-1: %s", l)
		}
	}
}

// TestStreamedBodiesAreNotBoundByTheFormLimit: the route table bounds forms to FormLimit, but an
// object upload streams past it (its handler bounds each file), an invocation has its own larger
// bound, and a form over the limit is refused.
func TestStreamedBodiesAreNotBoundByTheFormLimit(t *testing.T) {
	fake := oscartest.NewT(t, oscartest.Options{ServerlessBackend: true})
	if err := fake.PutService(map[string]any{"name": "grey", "image": "i", "script": "s"}); err != nil {
		t.Fatal(err)
	}
	c := newFullConsoleWith(t, session.Data{Kind: session.KindBasic, BasicUser: oscartest.DefaultBasicUser,
		BasicPassword: oscartest.DefaultBasicPassword, Endpoint: fake.URL()}, fake, func(cfg *Config) {
		cfg.FormLimit = 64 << 10
		cfg.MaxUpload = 0
	})
	fake.AddBucket("big", oscartest.DefaultBasicUser, "private")
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", "data.bin")
	_, _ = fw.Write(bytes.Repeat([]byte("x"), 256<<10))
	_ = mw.Close()
	resp, body := c.send(t, http.MethodPost, "/buckets/big/upload", mw.FormDataContentType(), &b)
	if resp.StatusCode == http.StatusRequestEntityTooLarge || resp.StatusCode >= 400 {
		t.Fatalf("a 256 KiB upload with a 64 KiB form limit: %d\n%s", resp.StatusCode, body)
	}
	// An invocation input has its own bound (6 MiB), above the form limit.
	b.Reset()
	mw = multipart.NewWriter(&b)
	_ = mw.WriteField("mode", "job")
	fw, _ = mw.CreateFormFile("file", "input.bin")
	_, _ = fw.Write(bytes.Repeat([]byte("z"), 256<<10))
	_ = mw.Close()
	resp, body = c.send(t, http.MethodPost, "/services/grey/invoke", mw.FormDataContentType(), &b)
	if resp.StatusCode >= 400 {
		t.Fatalf("a 256 KiB invocation with a 64 KiB form limit: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = c.send(t, http.MethodPost, "/buckets", "application/x-www-form-urlencoded",
		strings.NewReader("name=b&x="+strings.Repeat("y", 128<<10)))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 128 KiB form with a 64 KiB form limit: %d, want 413", resp.StatusCode)
	}
}

// scrape reads the console's metrics from its own handler, as the metrics listener serves them.
func scrape(t *testing.T, c *Console) string {
	t.Helper()
	rec := httptest.NewRecorder()
	c.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("metrics handler: %d", rec.Code)
	}
	return rec.Body.String()
}

// TestMadeUpMethodsDoNotGrowMetricsOrLogs: requests with long random methods are answered 405, are
// counted under one label, and the log keeps only a few bytes of each.
func TestMadeUpMethodsDoNotGrowMetricsOrLogs(t *testing.T) {
	s := newTestServer(t, nil)
	before := len(scrape(t, s.console))
	for i := range 50 {
		method := fmt.Sprintf("X%d%s", i, strings.Repeat("Q", 8<<10))
		resp, _ := s.do(t, method, "/login", nil, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed && resp.StatusCode != http.StatusNotImplemented {
			t.Fatalf("method %.8s...: %d, want 405 or 501", method, resp.StatusCode)
		}
	}
	body := scrape(t, s.console)
	if grown := len(body) - before; grown > 4<<10 {
		t.Errorf("50 made-up methods grew the metrics by %d bytes", grown)
	}
	if !strings.Contains(body, `method="other"`) || strings.Contains(body, "QQQQ") {
		t.Error("made-up methods are not counted under method=\"other\"")
	}
	logs := s.logs.String()
	if strings.Contains(logs, strings.Repeat("Q", 64)) {
		t.Error("the log holds a made-up method in full")
	}
	if !strings.Contains(logs, "method=other") {
		t.Error("the access log does not say method=other")
	}
}

// TestEveryRefusalCarriesSecurityHeaders: the pages that refuse a request (403 cross-origin, 404,
// 405, 413, 429, 503) carry the same security headers as every other response.
func TestEveryRefusalCarriesSecurityHeaders(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.LoginRate = 1; c.FormLimit = 1 << 10 })
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
	check := func(name string, want int, resp *http.Response) {
		t.Helper()
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", name, resp.StatusCode, want)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("%s (%d): no %s", name, resp.StatusCode, h)
			}
		}
	}
	resp, _ := s.do(t, "POST", "/logout", strings.NewReader(""), map[string]string{"Sec-Fetch-Site": "cross-site"})
	check("cross-site POST", http.StatusForbidden, resp)
	resp, _ = s.do(t, "GET", "/no-such-page", nil, nil)
	check("unknown page", http.StatusNotFound, resp)
	resp, _ = s.do(t, "DELETE", "/login", nil, nil)
	check("wrong method", http.StatusMethodNotAllowed, resp)
	resp, _ = s.do(t, "POST", "/login/basic", strings.NewReader("username="+strings.Repeat("u", 2<<10)), form)
	check("form over the limit", http.StatusRequestEntityTooLarge, resp)
	bad := strings.NewReader("endpoint=https%3A%2F%2Foscar.invalid&username=u&password=p")
	resp, _ = s.do(t, "POST", "/login/basic", bad, form)
	resp, _ = s.do(t, "POST", "/login/basic", strings.NewReader("endpoint=x&username=u&password=p"), form)
	check("sign-in over the rate", http.StatusTooManyRequests, resp)

	// 503: a signed-in session whose store stops answering.
	redisURL, stopRedis, _ := redistest.Start(t)
	down := newTestServer(t, func(c *Config) { c.SessionStore = redisURL })
	req := httptest.NewRequest(http.MethodGet, down.URL+"/", nil)
	sess, err := down.console.Sessions.Load(req)
	if err != nil {
		t.Fatal(err)
	}
	sess.Data = session.Data{Kind: session.KindBasic, BasicUser: "u", BasicPassword: "p", Endpoint: "https://oscar.example.org"}
	rec := httptest.NewRecorder()
	if err := down.console.Sessions.Save(rec, req, sess); err != nil {
		t.Fatal(err)
	}
	cookie := rec.Result().Cookies()[0]
	stopRedis()
	resp, _ = down.do(t, "GET", "/services", nil, map[string]string{"Cookie": cookie.Name + "=" + cookie.Value})
	check("session store down", http.StatusServiceUnavailable, resp)

	// Under TLS, HSTS too.
	tls := newTestServer(t, func(c *Config) { c.PublicURL, _ = url.Parse("https://console.example.org") })
	resp, _ = tls.do(t, "POST", "/logout", strings.NewReader(""), map[string]string{"Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("cross-site POST under TLS: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
}
