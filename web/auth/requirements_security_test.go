package auth_test

// Tests named after the requirements of egi-checkin.md §4.8 that the flow tests do not already
// cover by name (issue 11).

import (
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/auth/authtest"
)

// TestR6_UserKeyIsVOPersonIDElseSubNeverEmail: the key that identifies a user is voperson_id,
// falling back to sub; e-mail and preferred_username, which users can change or share, never are.
func TestR6_UserKeyIsVOPersonIDElseSubNeverEmail(t *testing.T) {
	tests := []struct {
		id   auth.Identity
		want string
	}{
		{auth.Identity{Subject: "sub-1", VOPersonID: "vp-1@egi.eu", Email: "a@example.org", PreferredUsername: "alice"}, "vp-1@egi.eu"},
		{auth.Identity{Subject: "sub-1", Email: "a@example.org", PreferredUsername: "alice"}, "sub-1"},
		{auth.Identity{Subject: "sub-2", VOPersonID: "", Email: "sub-1"}, "sub-2"},
	}
	for _, tt := range tests {
		if got := tt.id.Key(); got != tt.want {
			t.Errorf("%+v.Key() = %q, want %q", tt.id, got, tt.want)
		}
	}
	// Through a real login: the key follows voperson_id even when the e-mail changes.
	op, p, _ := setup(t, authtest.Options{})
	u := alice()
	u.Email = "changed@example.org"
	op.AddUser(u)
	_, id := signIn(t, op, p)
	if id.Key() != u.VOPersonID {
		t.Errorf("Key() after a login = %q, want voperson_id %q", id.Key(), u.VOPersonID)
	}
}

// TestR7_ScopesConfigurableWithoutOfflineAccess: the authorization request asks for the default
// scopes (no offline_access, which would mint long-lived tokens), or exactly the configured ones.
func TestR7_ScopesConfigurableWithoutOfflineAccess(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	scopes := func(p *auth.Provider) []string {
		t.Helper()
		_, u, err := p.AuthCodeURL("/", "https://oscar.example.org")
		if err != nil {
			t.Fatal(err)
		}
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(pu.Query().Get("scope"))
	}
	got := scopes(p)
	if !slices.Equal(got, auth.DefaultScopes()) {
		t.Errorf("default scope parameter = %q, want %q", got, auth.DefaultScopes())
	}
	if slices.Contains(got, "offline_access") || slices.Contains(auth.DefaultScopes(), "offline_access") {
		t.Error("offline_access is requested by default")
	}
	for _, want := range []string{"openid", "voperson_id", "entitlements"} {
		if !slices.Contains(got, want) {
			t.Errorf("default scopes lack %q", want)
		}
	}
	cfg := op.ProviderConfig()
	cfg.Scopes = []string{"openid", "email"}
	custom := auth.New(cfg, nil, slog.New(slog.DiscardHandler))
	if err := custom.Discover(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := scopes(custom); !slices.Equal(got, []string{"openid", "email"}) {
		t.Errorf("configured scope parameter = %q, want openid email", got)
	}
}
