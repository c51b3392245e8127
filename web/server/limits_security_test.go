package server

// Abuse and requirement tests (issue 11) that need the whole middleware chain of New: bounded form
// sizes end to end, and the token page's headers (R18) as a browser receives them.

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"go.uber.org/goleak"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// fullConsole is New over real pages, sessions and OSCAR client, with a fake OSCAR and a browser
// signed in to it.
type fullConsole struct {
	srv    *httptest.Server
	fake   *oscartest.Server
	cookie *http.Cookie
	logs   *lockedBuffer
}

// newFullConsole builds the console with Build in front of a fake OSCAR started with o, with a
// browser signed in as d (none when d.Kind is empty).
func newFullConsole(t *testing.T, d session.Data, o oscartest.Options) *fullConsole {
	t.Helper()
	return newFullConsoleWith(t, d, oscartest.NewT(t, o), nil)
}

// newFullConsoleWith is newFullConsole in front of fake, with the configuration changed by edit.
func newFullConsoleWith(t *testing.T, d session.Data, fake *oscartest.Server, edit func(*Config)) *fullConsole {
	t.Helper()
	logs := &lockedBuffer{}
	cfg := testConfig(t, logs)
	cfg.Policy = oscar.Policy{AllowPrivate: true, AllowHTTP: true}
	cfg.MaxUpload = 1 << 20
	// EGI Check-in configured, as in production, but never reached: the CSP names it all the same.
	cfg.OIDC = []auth.Config{{ID: "egi", Issuer: "https://aai.egi.eu/auth/realms/egi", ClientID: "console"}}
	cfg.IdPClient = offline
	if edit != nil {
		edit(&cfg)
	}
	built, err := Build(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(built.Close)
	mgr := built.Sessions
	srv := httptest.NewServer(built.Handler)
	t.Cleanup(srv.Close)
	c := &fullConsole{srv: srv, fake: fake, logs: logs}
	if d.Kind != "" {
		if d.Endpoint == "" {
			d.Endpoint = fake.URL()
		}
		req := httptest.NewRequest(http.MethodGet, srv.URL+"/", nil)
		s, err := mgr.Load(req)
		if err != nil {
			t.Fatal(err)
		}
		s.Data = d
		rec := httptest.NewRecorder()
		if err := mgr.Save(rec, req, s); err != nil {
			t.Fatal(err)
		}
		c.cookie = rec.Result().Cookies()[0]
	}
	return c
}

func (c *fullConsole) send(t *testing.T, method, path, contentType string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	cl := &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAbuse_OversizedFormsAreRefused posts form bodies far over the limits (the 4 MiB form limit of
// New, the wizard's and FDL import's own limits, the invocation limit) to every kind of form: each is
// refused with a 4xx page in words, nothing is sent to OSCAR, the console does not buffer the whole
// body, and no goroutine is left.
func TestAbuse_OversizedFormsAreRefused(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs last, after the servers have closed
	{
		c := newFullConsole(t, session.Data{Kind: session.KindBasic, BasicUser: oscartest.DefaultBasicUser,
			BasicPassword: oscartest.DefaultBasicPassword}, oscartest.Options{ServerlessBackend: true})
		if err := c.fake.PutService(map[string]any{"name": "grey", "image": "i", "script": "s"}); err != nil {
			t.Fatal(err)
		}
		huge := strings.Repeat("a", 6<<20)
		urlencoded := "name=x&memory=" + huge
		multi := func(field string) (string, io.Reader) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			_ = mw.WriteField("name", "x")
			fw, _ := mw.CreateFormFile(field, "big.txt")
			_, _ = fw.Write([]byte(huge))
			_ = mw.Close()
			return mw.FormDataContentType(), &b
		}
		forms := []struct {
			path, kind string
		}{
			{"/login/basic", "urlencoded"},
			{"/services/new/general", "urlencoded"},
			{"/services/new/general", "script"},
			{"/services/import", "urlencoded"},
			{"/services/import", "fdl_file"},
			{"/services/grey/invoke", "file"},
			{"/buckets", "urlencoded"},
			{"/services/delete", "urlencoded"},
			{"/endpoint", "urlencoded"},
		}
		for _, f := range forms {
			before := len(c.fake.Requests())
			var resp *http.Response
			var body string
			if f.kind == "urlencoded" {
				resp, body = c.send(t, http.MethodPost, f.path, "application/x-www-form-urlencoded", strings.NewReader(urlencoded))
			} else {
				ct, r := multi(f.kind)
				resp, body = c.send(t, http.MethodPost, f.path, ct, r)
			}
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("POST %s (%s, 6 MiB): status %d, want a 4xx refusal", f.path, f.kind, resp.StatusCode)
				continue
			}
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
			if err != nil || strings.TrimSpace(doc.Find("h1").First().Text()) == "" {
				t.Errorf("POST %s (%s): the refusal has no heading", f.path, f.kind)
			}
			for _, r := range c.fake.Requests()[before:] {
				if r.Method != http.MethodGet {
					t.Errorf("POST %s (%s): OSCAR got %s %s", f.path, f.kind, r.Method, r.Path)
				}
			}
			if strings.Contains(body, huge[:4096]) {
				t.Errorf("POST %s (%s): the page echoes the oversized value", f.path, f.kind)
			}
		}
	}
}

// TestR18_TokenPageHeadersAsServed: the token page, as the browser receives it through every
// middleware: no-store, no referrer, nosniff, no framing, the strict CSP whose form-action allows
// only the console and the identity provider, and the token only inside the page's own
// password-type field (masked until revealed).
func TestR18_TokenPageHeadersAsServed(t *testing.T) {
	tok := "eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("A", 1400) + ".sig"
	c := newFullConsole(t, session.Data{Kind: session.KindOIDC, Provider: "egi", Subject: "alice@egi.eu", Name: "Alice",
		AccessToken: tok, RefreshToken: "rt-secret-value", IDToken: "idt-secret-value", Expiry: time.Now().Add(time.Hour)},
		oscartest.Options{})
	resp, body := c.send(t, http.MethodGet, "/token", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /token: %d", resp.StatusCode)
	}
	h := resp.Header
	for k, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self' https://aai.egi.eu"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	holders := doc.Find("input, textarea").FilterFunction(func(_ int, s *goquery.Selection) bool {
		v, _ := s.Attr("value")
		return strings.Contains(v, tok) || strings.Contains(s.Text(), tok)
	})
	if holders.Length() == 0 {
		t.Fatal("the token is not on the token page")
	}
	// Each copy of the token is hidden until the user acts: a password-type field, or a closed
	// <details> (the no-JavaScript way to select it).
	holders.Each(func(_ int, s *goquery.Selection) {
		typ, _ := s.Attr("type")
		closed := s.Closest("details").Length() == 1 && s.Closest("details[open]").Length() == 0
		if typ != "password" && !closed {
			h, _ := goquery.OuterHtml(s)
			t.Errorf("the token is shown unmasked: %.120s", h)
		}
	})
	if doc.Find(`input[type=password]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		v, _ := s.Attr("value")
		return v == tok
	}).Length() == 0 {
		t.Error("no masked (password-type) field holds the token")
	}
	bare := doc.Find("body").Clone()
	bare.Find("details, input, textarea").Remove()
	if strings.Contains(bare.Text(), tok) {
		t.Error("the token is in the page's visible text")
	}
	for _, s := range []string{"rt-secret-value", "idt-secret-value"} {
		if strings.Contains(body, s) {
			t.Errorf("the token page contains %s", s)
		}
	}
	if strings.Contains(c.logs.String(), tok[:60]) {
		t.Error("the access token reached the logs")
	}
}
