package authtest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/auth/authtest"
)

func newProvider(t *testing.T, op *authtest.OP) *auth.Provider {
	t.Helper()
	p := auth.New(op.ProviderConfig(), nil, nil)
	if err := p.Discover(t.Context()); err != nil {
		t.Fatal(err)
	}
	return p
}

// noRedirect is a client that shows each redirect instead of following it.
func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// The login page works without JavaScript and escapes what it echoes.
func TestLoginForm(t *testing.T) {
	op := authtest.New(t, authtest.Options{})
	op.AddUser(authtest.User{Subject: "bob", Password: "pw"})
	p := newProvider(t, op)
	_, authURL, err := p.AuthCodeURL("/", "")
	if err != nil {
		t.Fatal(err)
	}
	c := noRedirect()
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loginURL, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize answered %s, want a redirect to the login page", resp.Status)
	}
	resp, err = c.Get(loginURL.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login page: %s", resp.Status)
	}
	for _, want := range []string{`method="post"`, `name="username"`, `name="password"`, `name="id"`} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("login page has a script")
	}

	form := url.Values{"id": {loginURL.Query().Get("id")}, "username": {`<b>x</b>`}, "password": {"nope"}}
	resp, err = c.PostForm(loginURL.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %s, want 401", resp.Status)
	}
	if strings.Contains(string(body), "<b>x</b>") || !strings.Contains(string(body), "&lt;b&gt;x&lt;/b&gt;") {
		t.Error("username not escaped on the login page")
	}
}

func TestLoginAsUnknownUser(t *testing.T) {
	op := authtest.New(t, authtest.Options{})
	op.LoginAs("nobody")
	p := newProvider(t, op)
	_, authURL, err := p.AuthCodeURL("/", "")
	if err != nil {
		t.Fatal(err)
	}
	if q, err := op.Authorize(authURL); err == nil {
		t.Errorf("Authorize as an unknown user = %v, want an error", q)
	}
}

func TestSetDown(t *testing.T) {
	op := authtest.New(t, authtest.Options{})
	op.SetDown(true)
	resp, err := http.Get(op.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status = %s, want 503", resp.Status)
	}
	if c := op.Counts(); c.Refused != 1 || c.DiscoveryCalls != 0 {
		t.Errorf("refused %d, discovery calls %d; want 1, 0", c.Refused, c.DiscoveryCalls)
	}
	op.SetDown(false)
	newProvider(t, op)
}

// Access tokens stop validating once the OP session ends.
func TestValidateAccessTokenAfterEndSession(t *testing.T) {
	op := authtest.New(t, authtest.Options{})
	op.AddUser(authtest.User{Subject: "carol", Entitlements: []string{"urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu"}})
	op.LoginAs("carol")
	p := newProvider(t, op)
	ls, authURL, err := p.AuthCodeURL("/", "")
	if err != nil {
		t.Fatal(err)
	}
	q, err := op.Authorize(authURL)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := p.Exchange(t.Context(), ls, q)
	if err != nil {
		t.Fatal(err)
	}
	if sub, groups, ok := op.ValidateAccessToken(tok.AccessToken); !ok || sub != "carol" || len(groups) != 1 || groups[0] != "vo.example.eu" {
		t.Fatalf("ValidateAccessToken = %q, %q, %t", sub, groups, ok)
	}
	endURL, ok := p.EndSessionURL(tok.IDToken, "")
	if !ok {
		t.Fatal("no end_session_endpoint")
	}
	resp, err := noRedirect().Get(endURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, _, ok := op.ValidateAccessToken(tok.AccessToken); ok {
		t.Error("access token still valid after end_session")
	}
}
