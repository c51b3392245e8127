package handlers

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"
	"github.com/oscarconsole/oscar-console/web/requestid"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// harness runs the pages behind a chi router, with a real file session store and a real OSCAR
// client allowed to reach loopback (where the fake OSCAR listens). Tests drive it like a browser
// without JavaScript: a cookie jar, form posts, no redirects followed automatically.
type harness struct {
	t      testing.TB
	pages  *Pages
	server *httptest.Server
	client *http.Client
	logs   *lockedBuffer
}

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

// newHarness builds the pages; edit deps (providers, clusters...) before the first request.
func newHarness(t testing.TB, edit func(*Deps)) *harness {
	t.Helper()
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	backend, err := session.NewFileBackend(t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { backend.Close() })
	mgr, err := session.NewManager(backend, session.Options{Keys: [][]byte{[]byte("0123456789abcdef0123456789abcdef-test")}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	policy := oscar.Policy{AllowPrivate: true, AllowHTTP: true}
	d := Deps{
		Log:      log,
		Sessions: mgr,
		OSCAR:    oscar.New(oscar.Options{Policy: policy, Logger: log}),
		Policy:   policy,
	}
	if edit != nil {
		edit(&d)
	}
	p := New(d)
	srv := serve(t, p)
	if d.PublicURL == nil {
		p.cfg.PublicURL, _ = url.Parse(srv.URL)
	}
	jar := newJar()
	h := &harness{t: t, pages: p, server: srv, logs: logs, client: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
	return h
}

// serve runs the route table of p behind the parts of the shell's middleware the pages rely on (a
// request ID, cross-origin protection) until the test ends.
func serve(t testing.TB, p *Pages) *httptest.Server {
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := fmt.Sprintf("test-%d", requestSeq.Add(1))
			next.ServeHTTP(w, r.WithContext(requestid.NewContext(r.Context(), id)))
		})
	})
	p.Routes(r)
	srv := httptest.NewServer(http.NewCrossOriginProtection().Handler(r))
	t.Cleanup(srv.Close)
	return srv
}

// serve starts another server for p (Pages the test has changed) until the test ends.
func (h *harness) serve(p *Pages) *httptest.Server { return serve(h.t, p) }

var requestSeq atomic.Int64

// signIn stores a signed-in session for the harness's browser, as the sign-in flow would.
func (h *harness) signIn(d session.Data) {
	h.t.Helper()
	if d.Kind == "" {
		d.Kind = "basic"
	}
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
	u, _ := url.Parse(h.server.URL)
	h.client.Jar.SetCookies(u, rec.Result().Cookies())
}

// signInBasic signs in with OSCAR basic auth on the fake's endpoint (default oscar/oscar123).
func (h *harness) signInBasic(endpoint, user, pass string) {
	h.signIn(session.Data{Kind: "basic", BasicUser: user, BasicPassword: pass, Endpoint: endpoint, RecentEndpoints: []string{endpoint}})
}

// sessionData reads back the browser's current session.
func (h *harness) sessionData() session.Data {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, h.server.URL+"/", nil)
	u, _ := url.Parse(h.server.URL)
	for _, c := range h.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	s, err := h.pages.sessions.Load(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return s.Data
}

// page is a response with its body read and parsed.
type page struct {
	*http.Response
	Body string
	Doc  *goquery.Document
}

func (h *harness) do(req *http.Request) *page {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(b))
	return &page{Response: resp, Body: string(b), Doc: doc}
}

// get fetches a path.
func (h *harness) get(path string) *page {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.server.URL+path, nil)
	return h.do(req)
}

// post submits a form to path, as a same-origin browser would.
func (h *harness) post(path string, form url.Values) *page {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return h.do(req)
}

// text returns the trimmed text of the first element matching sel.
func (p *page) text(sel string) string {
	return strings.TrimSpace(p.Doc.Find(sel).First().Text())
}

// location is the redirect target, or "".
func (p *page) location() string { return p.Header.Get("Location") }

// newJar is a cookie jar without public-suffix rules: tests talk to 127.0.0.1.
func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}
