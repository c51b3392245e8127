package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/auth/authtest"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// Several issuers (for example EGI production and demo): one button each, and the sign-in goes to
// the provider whose button was pressed.
func TestSeveralProvidersOneButtonEach(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	demo := authtest.New(t, authtest.Options{PublicURL: e.server.URL})
	carol := testUser()
	carol.Subject, carol.Name = "carol-demo", "Carol Demo"
	demo.AddUser(carol)
	demo.LoginAs(carol.Subject)
	cfg := demo.ProviderConfig()
	cfg.ID, cfg.Name = "demo", "EGI Check-in demo"
	prov := auth.New(cfg, nil, e.pages.log)
	if err := prov.Discover(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.pages.providers = append(e.pages.providers, prov)
	// An OSCAR that accepts tokens of both providers, as a cluster listing both issuers would.
	both := oscartest.NewT(t, oscartest.Options{OIDCGroups: []string{testVO}, Tokens: func(tok string) (string, []string, bool) {
		if sub, groups, ok := e.op.ValidateAccessToken(tok); ok {
			return sub, groups, true
		}
		return demo.ValidateAccessToken(tok)
	}})

	p := e.get("/login")
	buttons := p.Doc.Find(`form[action="/auth/login"] button[name="provider"]`)
	if buttons.Length() != 2 {
		t.Fatalf("%d provider buttons, want 2", buttons.Length())
	}
	if got := strings.TrimSpace(p.Doc.Find(`button[name="provider"][value="demo"]`).Text()); got != "Sign in with EGI Check-in demo" {
		t.Errorf("second button %q", got)
	}

	resp := e.post("/auth/login", url.Values{"endpoint": {both.URL()}, "provider": {"demo"}, "next": {"/token"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.location(), demo.Issuer()) {
		t.Fatalf("POST /auth/login with provider=demo: %d to %q, want the demo issuer %s", resp.StatusCode, resp.location(), demo.Issuer())
	}
	q, err := demo.Authorize(resp.location())
	if err != nil {
		t.Fatal(err)
	}
	cb := e.get("/auth/callback?" + q.Encode())
	if cb.StatusCode != http.StatusSeeOther || cb.location() != "/token" {
		t.Fatalf("callback: %d to %q; body:\n%s", cb.StatusCode, cb.location(), cb.Body)
	}
	d := e.sessionData()
	if d.Provider != "demo" || d.Subject != carol.Subject {
		t.Errorf("signed in with provider %q as %q, want demo / %s", d.Provider, d.Subject, carol.Subject)
	}
	if e.op.Counts().TokenCalls != 0 {
		t.Errorf("the first provider got %d token calls", e.op.Counts().TokenCalls)
	}
}
