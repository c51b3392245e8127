package auth_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"testing"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/auth/authtest"
)

// alice is an EGI-style user with VO membership, a role, a subgroup, a
// capability and a GOCDB role.
var aliceEntitlements = []string{
	"urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu",
	"urn:mace:egi.eu:group:vo.example.eu:role=vm_operator#aai.egi.eu",
	"urn:mace:egi.eu:group:demo.fedcloud.egi.eu:members:role=member#aai.egi.eu",
	"urn:mace:egi.eu:res:rcauth#aai.egi.eu",
	"urn:mace:egi.eu:goc.egi.eu:100453G0:CESGA:Site+Administrator@egi.eu",
}

func alice() authtest.User {
	return authtest.User{
		Subject:      "3f1c9a2e@egi.eu",
		Name:         "Alice Example",
		Email:        "alice@example.org",
		VOPersonID:   "3f1c9a2e@egi.eu",
		Entitlements: slices.Clone(aliceEntitlements),
		Password:     "correct horse",
	}
}

// setup starts an OP with alice signed in automatically and a discovered
// Provider for its client.
func setup(t *testing.T, o authtest.Options) (*authtest.OP, *auth.Provider) {
	t.Helper()
	op := authtest.New(t, o)
	op.AddUser(alice())
	op.LoginAs(alice().Subject)
	p := auth.New(op.ProviderConfig(), nil, slog.New(slog.DiscardHandler))
	if err := p.Discover(t.Context()); err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return op, p
}

// login runs AuthCodeURL and the OP's redirects and returns the login
// state and the callback query.
func login(t *testing.T, op *authtest.OP, p *auth.Provider) (auth.LoginState, url.Values) {
	t.Helper()
	ls, u, err := p.AuthCodeURL("/services", "https://oscar.example.org")
	if err != nil {
		t.Fatalf("AuthCodeURL: %v", err)
	}
	q, err := op.Authorize(u)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	return ls, q
}

// kindOf returns the Kind of an *auth.Error, or 0.
func kindOf(err error) auth.Kind {
	var ae *auth.Error
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return 0
}

func TestLoginFlow(t *testing.T) {
	op, p := setup(t, authtest.Options{})
	ls, q := login(t, op, p)
	tok, id, err := p.Exchange(context.Background(), ls, q)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	t.Logf("tokens %+v", tok.Scopes)
	t.Logf("identity %+v %s", id, id.UserInfo)
}
