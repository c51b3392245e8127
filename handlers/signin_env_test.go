package handlers

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/auth/authtest"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// tclock is the pages' clock in sign-in tests: real time moved by an offset, or a fixed instant.
// Tokens come from the test provider with real expiry times, so moving the console's clock is how a
// test makes a token "about to expire" without waiting.
type tclock struct {
	mu     sync.Mutex
	offset time.Duration
	fixed  time.Time
}

func (c *tclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fixed.IsZero() {
		return c.fixed
	}
	return time.Now().Add(c.offset)
}

func (c *tclock) shift(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset, c.fixed = d, time.Time{}
}

func (c *tclock) fix(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fixed = t
}

// The test user: a member of two EGI VOs.
const (
	testVO       = "vo.example.eu"
	testVO2      = "vo.second.eu"
	testSubject  = "alice-0001"
	testPassword = "alice-op-password"
)

func testUser() authtest.User {
	return authtest.User{
		Subject:    testSubject,
		Name:       "Alice Example",
		Email:      "alice@example.org",
		VOPersonID: "a1b2c3d4@egi.eu",
		Entitlements: []string{
			"urn:mace:egi.eu:group:" + testVO + ":role=member#aai.egi.eu",
			"urn:mace:egi.eu:group:" + testVO2 + ":role=member#aai.egi.eu",
			"urn:mace:egi.eu:res:rcauth#aai.egi.eu", // a capability, not a VO
		},
		Password: testPassword,
	}
}

// oidcEnv is a console (harness) with an in-process OpenID provider and a fake OSCAR that accepts
// the provider's tokens for users of its OIDC groups.
type oidcEnv struct {
	*harness
	op    *authtest.OP
	prov  *auth.Provider
	oscar *oscartest.Server
	clock *tclock
}

type envOptions struct {
	edit  func(*Deps)
	op    authtest.Options
	oscar oscartest.Options // Tokens is set to the OP's validator; OIDCGroups defaults to testVO
	// down starts the provider down: discovery fails and the provider is not ready.
	down bool
}

func newOIDCEnv(t *testing.T, o envOptions) *oidcEnv {
	t.Helper()
	clock := &tclock{}
	h := newHarness(t, func(d *Deps) {
		d.Now = clock.Now
		d.LoginRate = 1000
		if o.edit != nil {
			o.edit(d)
		}
	})
	opts := o.op
	opts.PublicURL = h.server.URL
	op := authtest.New(t, opts)
	op.AddUser(testUser())
	op.LoginAs(testSubject)
	prov := auth.New(op.ProviderConfig(), nil, h.pages.log)
	if o.down {
		op.SetDown(true)
		if err := prov.Discover(context.Background()); err == nil {
			t.Fatal("discovery of a provider that is down succeeded")
		}
		op.SetDown(false)
	} else if err := prov.Discover(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.pages.providers = append(h.pages.providers, prov)
	oo := o.oscar
	oo.Tokens = op.ValidateAccessToken
	if oo.OIDCGroups == nil {
		oo.OIDCGroups = []string{testVO, "vo.cluster-only.eu"}
	}
	fake := oscartest.NewT(t, oo)
	return &oidcEnv{harness: h, op: op, prov: prov, oscar: fake, clock: clock}
}

// startLogin posts the provider button and returns the authorization URL the console redirects to.
func (e *oidcEnv) startLogin(endpoint, next string) string {
	e.t.Helper()
	p := e.post("/auth/login", url.Values{"endpoint": {endpoint}, "provider": {"egi"}, "next": {next}})
	if p.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("POST /auth/login: status %d, want 303; body:\n%s", p.StatusCode, p.Body)
	}
	if !strings.HasPrefix(p.location(), e.op.Issuer()) {
		e.t.Fatalf("POST /auth/login redirects to %q, want the provider %s", p.location(), e.op.Issuer())
	}
	return p.location()
}

// authorize runs the provider's side of the login and returns the callback query.
func (e *oidcEnv) authorize(authURL string) url.Values {
	e.t.Helper()
	q, err := e.op.Authorize(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

// login signs in through the whole flow and returns the callback's response.
func (e *oidcEnv) login(next string) *page {
	e.t.Helper()
	return e.get("/auth/callback?" + e.authorize(e.startLogin(e.oscar.URL(), next)).Encode())
}

// mustLogin signs in and fails the test unless the callback redirects to want.
func (e *oidcEnv) mustLogin(next, want string) {
	e.t.Helper()
	p := e.login(next)
	if p.StatusCode != http.StatusSeeOther || p.location() != want {
		e.t.Fatalf("callback: %d to %q, want 303 to %q; body:\n%s", p.StatusCode, p.location(), want, p.Body)
	}
}

// cookie returns the browser's session cookie value ("" if none).
func (h *harness) cookie() string {
	u, _ := url.Parse(h.server.URL)
	for _, c := range h.client.Jar.Cookies(u) {
		if c.Name == h.pages.sessions.CookieName() {
			return c.Value
		}
	}
	return ""
}

// getWithCookie fetches path with exactly the given session cookie, outside the browser's jar.
func (h *harness) getWithCookie(path, value string) *http.Response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.server.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: h.pages.sessions.CookieName(), Value: value})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// assertNoSecrets fails if any secret appears in s.
func assertNoSecrets(t *testing.T, where, s string, secrets map[string]string) {
	t.Helper()
	for name, v := range secrets {
		if v != "" && strings.Contains(s, v) {
			t.Errorf("%s contains the %s", where, name)
		}
	}
}

// signedIn reports whether the browser's session is signed in.
func (h *harness) signedIn() bool {
	d := h.sessionData()
	return d.SignedIn()
}
