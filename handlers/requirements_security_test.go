package handlers

// Tests named after the requirements of egi-checkin.md §4.8 that the screens' own tests do not
// already cover by name (issue 11). docs/security.md maps every requirement to its tests.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// TestR17_NoCredentialsFromTheURLOrBrowserHeaders: there is no way to hand the console a token
// except signing in: ?token=, ?access_token= and a browser's own Authorization header are ignored,
// and nothing reaches OSCAR.
func TestR17_NoCredentialsFromTheURLOrBrowserHeaders(t *testing.T) {
	fake := oscartest.NewT(t, oscartest.Options{Tokens: isoTokens, OIDCGroups: []string{"vo.example.eu"}})
	h := newHarness(t, nil)
	for _, path := range []string{"/services?token=tok-mallory", "/services?access_token=tok-mallory",
		"/token?id_token=x&refresh_token=y", "/services?endpoint=" + url.QueryEscape(fake.URL()) + "&token=tok-mallory"} {
		req, _ := http.NewRequest(http.MethodGet, h.server.URL+path, nil)
		req.Header.Set("Authorization", "Bearer tok-mallory")
		req.Header.Set("X-Forwarded-Access-Token", "tok-mallory")
		p := h.do(req)
		if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
			t.Errorf("%s with a token but no session: %d to %q, want the sign-in redirect", path, p.StatusCode, p.location())
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("OSCAR got %d requests from visitors holding only a token", n)
	}
}

// TestR20_LogoutOnlyByASameOriginPost: GET /logout does nothing (405), a cross-site POST is refused
// (403), and only the console's own form signs out, after which the old cookie is worthless.
func TestR20_LogoutOnlyByASameOriginPost(t *testing.T) {
	h := newHarness(t, nil)
	h.signInBasic("http://oscar.test", "oscar", "pw")
	old := h.cookie()
	if p := h.get("/logout"); p.StatusCode != http.StatusMethodNotAllowed || !h.signedIn() {
		t.Errorf("GET /logout: %d, signed in %v; want 405 and still signed in", p.StatusCode, h.signedIn())
	}
	req, _ := http.NewRequest(http.MethodPost, h.server.URL+"/logout", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := h.do(req); p.StatusCode != http.StatusForbidden || !h.signedIn() {
		t.Errorf("cross-site POST /logout: %d, signed in %v; want 403 and still signed in", p.StatusCode, h.signedIn())
	}
	req, _ = http.NewRequest(http.MethodPost, h.server.URL+"/logout", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://attacker.example")
	if p := h.do(req); p.StatusCode != http.StatusForbidden || !h.signedIn() {
		t.Errorf("POST /logout from another origin: %d; want 403 and still signed in", p.StatusCode)
	}
	if p := h.post("/logout", url.Values{}); p.StatusCode != http.StatusSeeOther || h.signedIn() {
		t.Fatalf("same-origin POST /logout: %d, signed in %v; want 303 and signed out", p.StatusCode, h.signedIn())
	}
	if resp := h.getWithCookie("/services", old); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the cookie from before the logout still works: %d", resp.StatusCode)
	}
}

// TestR21_LoggedOutPageStartsNoSignIn: the page the provider sends the browser back to after logout
// only says so; no redirect, refresh, or form that submits itself, and it creates no session.
func TestR21_LoggedOutPageStartsNoSignIn(t *testing.T) {
	h := newHarness(t, nil)
	p := h.get("/logged-out")
	if p.StatusCode != http.StatusOK || p.location() != "" {
		t.Fatalf("GET /logged-out: %d to %q, want 200 without redirect", p.StatusCode, p.location())
	}
	if n := p.Doc.Find(`meta[http-equiv="refresh" i], [data-autorefresh], [autofocus]`).Length(); n != 0 {
		t.Errorf("the signed-out page has %d elements that act by themselves", n)
	}
	p.Doc.Find("form").Each(func(_ int, s *goqueryS) {
		if a, _ := s.Attr("action"); strings.HasPrefix(a, "/auth/") {
			if _, auto := s.Attr("data-autosubmit"); auto {
				t.Errorf("a sign-in form submits itself: %s", outer(s))
			}
		}
	})
	if sc := p.Header.Get("Set-Cookie"); sc != "" {
		t.Errorf("the signed-out page sets a cookie: %q", sc)
	}
}

// routeWalk signs a browser in to a seeded fake OSCAR and returns every GET route of the console
// with its path parameters filled in.
type routeWalk struct {
	e     *secEnv
	paths []string
}

func newRouteWalk(t *testing.T) *routeWalk {
	t.Helper()
	e := newSecEnv(t, oscartest.Options{ServerlessBackend: true}, nil)
	seedGrey(t, e)
	r := chi.NewRouter()
	e.pages.Routes(r)
	fill := strings.NewReplacer("{name}", "grey", "{bucket}", "grey", "{job}", "grey-job1", "{step}", "general", "*", "in/a.txt")
	var paths []string
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodGet {
			paths = append(paths, fill.Replace(route))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	if len(paths) < 20 {
		t.Fatalf("only %d GET routes found: %q", len(paths), paths)
	}
	return &routeWalk{e: e, paths: paths}
}

// TestR22_GETRoutesChangeNothing walks every GET route of the console: none makes OSCAR change
// anything (only reads, and presigning a download), none changes the session's endpoint, tokens or
// drafts. Cross-origin protection only guards non-GET requests, so this is what makes a link from
// another site harmless.
func TestR22_GETRoutesChangeNothing(t *testing.T) {
	w := newRouteWalk(t)
	e := w.e
	// Drafts in progress, which a cross-site link must not reset.
	wzExpect(t, wzGeneral(t, e.harness, map[string]string{"name": "in-progress"}), http.StatusSeeOther, "/services/new/storage")
	g := e.get("/services/grey/edit/general")
	wzExpect(t, e.wzSubmit(g, wzForm0, map[string]string{"memory": "3Gi"}, "nav=next"), http.StatusSeeOther, "/services/grey/edit/storage")
	before := e.sessionData()
	snapshot := func(d session.Data) string {
		b, _ := json.Marshal(struct {
			Kind, Endpoint, User, Pass, Token string
			Recent                            []string
			Drafts                            map[string]json.RawMessage
		}{d.Kind, d.Endpoint, d.BasicUser, d.BasicPassword, d.AccessToken, d.RecentEndpoints, d.Drafts})
		return string(b)
	}
	want := snapshot(before)
	e.fake.ResetRequests()
	for _, path := range w.paths {
		p := e.get(path)
		if p.StatusCode >= 500 {
			t.Errorf("GET %s: status %d", path, p.StatusCode)
		}
		for _, r := range e.fake.Requests() {
			if r.Method != http.MethodGet && !(r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/presign")) {
				t.Errorf("GET %s made OSCAR %s %s", path, r.Method, r.Path)
			}
		}
		e.fake.ResetRequests()
		if got := snapshot(e.sessionData()); got != want {
			t.Errorf("GET %s changed the session:\n got %s\nwant %s", path, got, want)
			want = got
		}
	}
	if !slices.Contains(w.paths, "/services/grey/edit/general") || !slices.Contains(w.paths, "/buckets/grey/objects/in/a.txt") {
		t.Errorf("the walk missed routes: %q", w.paths)
	}
}

// TestR24_EndpointShownOnEverySignedInPage: every signed-in page says where the user's credentials
// go.
func TestR24_EndpointShownOnEverySignedInPage(t *testing.T) {
	w := newRouteWalk(t)
	shown := 0
	for _, path := range w.paths {
		p := w.e.get(path)
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") || p.StatusCode == http.StatusSeeOther {
			continue // downloads and redirects
		}
		if path == "/logged-out" || path == "/login" || path == "/" {
			continue
		}
		if got := p.text("[data-testid=endpoint]"); got != w.e.ep {
			t.Errorf("GET %s (%d): endpoint shown %q, want %q", path, p.StatusCode, got, w.e.ep)
			continue
		}
		shown++
	}
	if shown < 15 {
		t.Errorf("only %d pages checked", shown)
	}
}

// TestR28_OnlyFixedHeadersGoUpstreamAndNoUpstreamCookieComesBack: whatever the browser sends
// (its cookies, an Authorization header, X-Forwarded-*), OSCAR and its storage only get
// Authorization (the session's own credentials), Accept and Content-Type; and a Set-Cookie from
// them never reaches the browser.
func TestR28_OnlyFixedHeadersGoUpstreamAndNoUpstreamCookieComesBack(t *testing.T) {
	e := newSecEnv(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Add("Set-Cookie", "oscar-upstream=stolen; Path=/")
		w.Header().Set("X-Upstream-Secret", "upstream-value")
		return false
	}}, nil)
	seedGrey(t, e)
	e.fake.ResetRequests()
	allowed := []string{"Authorization", "Accept", "Content-Type", "Content-Length"}
	for _, path := range []string{"/services", "/services/grey", "/services/grey/jobs/grey-job1", "/buckets/grey", "/buckets/grey/objects/in/a.txt"} {
		req, _ := http.NewRequest(http.MethodGet, e.server.URL+path, nil)
		req.Header.Set("Authorization", "Bearer browser-supplied")
		req.Header.Set("X-Forwarded-For", "10.0.0.1")
		req.Header.Set("X-Forwarded-Host", "evil.example")
		req.Header.Set("Forwarded", "for=10.0.0.1")
		req.Header.Set("X-Custom", "1")
		req.AddCookie(&http.Cookie{Name: "other", Value: "browser-cookie"})
		p := e.do(req)
		if p.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, p.StatusCode)
		}
		for _, c := range p.Cookies() {
			if c.Name == "oscar-upstream" {
				t.Errorf("GET %s: OSCAR's cookie reached the browser", path)
			}
		}
		if p.Header.Get("X-Upstream-Secret") != "" {
			t.Errorf("GET %s: an upstream header reached the browser", path)
		}
		if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, cc)
		}
	}
	reqs := e.fake.Requests()
	if len(reqs) == 0 {
		t.Fatal("no upstream requests recorded")
	}
	for _, r := range reqs {
		for _, h := range r.Headers {
			if !slices.Contains(allowed, h) {
				t.Errorf("%s %s carried header %s", r.Method, r.Path, h)
			}
		}
		if strings.Contains(string(r.Body), "browser-") || r.Token == "browser-supplied" {
			t.Errorf("%s %s carried what the browser sent", r.Method, r.Path)
		}
		if !strings.Contains(r.Path, "/minio/") && r.Auth != "basic" && !strings.HasPrefix(r.Path, "/system/") {
			continue
		}
	}
}

// TestR30_AllowlistRefusesOtherEndpoints: with an operator allowlist, signing in at, switching to,
// or using (with a session from before the list) any other endpoint is refused with a message, and
// nothing is sent there.
func TestR30_AllowlistRefusesOtherEndpoints(t *testing.T) {
	fake := oscartest.NewT(t, oscartest.Options{})
	allowed := oscar.Policy{AllowPrivate: true, AllowHTTP: true, Allowed: []string{"oscar.allowed.example", "*.egi.eu"}}
	h := newHarness(t, func(d *Deps) {
		d.Policy = allowed
		d.OSCAR = oscar.New(oscar.Options{Policy: allowed, Logger: d.Log})
	})
	p := h.post("/login/basic", url.Values{"endpoint": {fake.URL()}, "username": {"oscar"}, "password": {"oscar123"}})
	if p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "not in the list of allowed") {
		t.Errorf("basic sign-in at an endpoint off the list: %d, want 422 saying so", p.StatusCode)
	}
	if h.signedIn() {
		t.Fatal("signed in at an endpoint off the list")
	}
	// A session made before the operator set the list (or forged into the store).
	h.signInBasic(fake.URL(), "oscar", "oscar123")
	p = h.get("/services")
	if p.StatusCode != http.StatusBadRequest || p.text("#error-title") != "That OSCAR endpoint is not allowed" {
		t.Errorf("using an endpoint off the list: %d %q, want 400 refusal", p.StatusCode, p.text("#error-title"))
	}
	p = h.post("/endpoint", url.Values{"endpoint": {"https://oscar.evil.example"}})
	if p.StatusCode < 400 || h.sessionData().Endpoint == "https://oscar.evil.example" {
		t.Errorf("switch to an endpoint off the list: %d, endpoint now %q", p.StatusCode, h.sessionData().Endpoint)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached an endpoint off the list", n)
	}
}

// TestR31_TokenRefreshedBeforeItGoesToOSCAR: a token about to expire (or already expired) is
// refreshed before the request is forwarded, so OSCAR only ever sees the fresh one.
func TestR31_TokenRefreshedBeforeItGoesToOSCAR(t *testing.T) {
	for _, left := range []time.Duration{30 * time.Second, -time.Minute} {
		t.Run(left.String(), func(t *testing.T) {
			e := newOIDCEnv(t, envOptions{})
			e.mustLogin("/services", "/services")
			before := e.sessionData()
			before.Expiry = time.Now().Add(left)
			e.signIn(before)
			e.oscar.ResetRequests()
			if p := e.get("/services"); p.StatusCode != http.StatusOK {
				t.Fatalf("GET /services: %d", p.StatusCode)
			}
			after := e.sessionData()
			if after.AccessToken == before.AccessToken {
				t.Fatal("the token was not refreshed")
			}
			n := 0
			for _, r := range e.oscar.Requests() {
				if r.Auth != "bearer" {
					continue
				}
				n++
				if r.Token != after.AccessToken {
					t.Errorf("OSCAR got %s %s with the old token", r.Method, r.Path)
				}
			}
			if n == 0 {
				t.Error("no bearer request reached OSCAR")
			}
		})
	}
}
