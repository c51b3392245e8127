package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/session"
)

// A draft typed before the session ended comes back when the same person signs in again, and only
// then: another user signing in from the same browser does not get it.
func TestDraftSurvivesExpiredSessionAndSignInAgain(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/services/new/general", "/services/new/general")
	d := e.sessionData()
	d.Drafts = map[string]json.RawMessage{"new": json.RawMessage(`{"service":{"name":"kept-draft"}}`)}
	e.signIn(d)

	// The refresh token is refused: the session ends, the user is sent to sign in.
	e.op.ExpireRefreshTokens()
	e.clock.fix(d.Expiry.Add(-10 * time.Second))
	p := e.get("/services/new/general")
	if p.StatusCode != http.StatusSeeOther || p.location() != "/login?next="+url.QueryEscape("/services/new/general") {
		t.Fatalf("after invalid_grant: %d to %q", p.StatusCode, p.location())
	}
	if e.signedIn() {
		t.Fatal("still signed in")
	}
	if got := e.sessionData(); got.AccessToken != "" || got.RefreshToken != "" {
		t.Fatal("the ended session kept tokens")
	}

	e.clock.shift(0)
	e.mustLogin("/services/new/general", "/services/new/general")
	if got := string(e.sessionData().Drafts["new"]); got != `{"service":{"name":"kept-draft"}}` {
		t.Errorf("after signing in again the draft is %q, want it kept", got)
	}
}

func TestDraftIsNotHandedToAnotherUser(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	bob := testUser()
	bob.Subject, bob.Name, bob.VOPersonID, bob.Email = "bob-0002", "Bob", "bob@egi.eu", "bob@example.org"
	e.op.AddUser(bob)

	e.mustLogin("/services", "/services")
	d := e.sessionData()
	d.Drafts = map[string]json.RawMessage{"new": json.RawMessage(`{"service":{"name":"alices-secret-draft"}}`)}
	e.signIn(d)
	e.op.ExpireRefreshTokens()
	e.clock.fix(d.Expiry.Add(-10 * time.Second))
	e.get("/services") // ends the session; the draft is parked for Alice

	e.clock.shift(0)
	e.op.LoginAs(bob.Subject)
	e.mustLogin("/services", "/services")
	if got := e.sessionData(); len(got.Drafts) != 0 || got.Subject != bob.Subject {
		t.Errorf("Bob signed in with drafts %v (subject %q), want none", got.Drafts, got.Subject)
	}
}

func TestKeepDraftsOwnerRules(t *testing.T) {
	drafts := map[string]json.RawMessage{"new": json.RawMessage(`{}`)}
	alice := session.Data{Kind: session.KindOIDC, Provider: "egi", Subject: "alice", AccessToken: "x"}
	for _, tc := range []struct {
		name string
		old  session.Data
		now  session.Data
		keep bool
	}{
		{"same OIDC user", session.Data{Kind: session.KindOIDC, Provider: "egi", Subject: "alice", Drafts: drafts}, alice, true},
		{"parked for the same user", session.Data{DraftOwner: alice.Owner(), Drafts: drafts}, alice, true},
		{"parked for someone else", session.Data{DraftOwner: "oidc:egi:bob", Drafts: drafts}, alice, false},
		{"same subject, other provider", session.Data{DraftOwner: "oidc:demo:alice", Drafts: drafts}, alice, false},
		{"anonymous drafts without owner", session.Data{Drafts: drafts}, alice, false},
		{"basic account on another endpoint", session.Data{DraftOwner: "basic:oscar@https://a.example", Drafts: drafts},
			session.Data{Kind: session.KindBasic, BasicUser: "oscar", Endpoint: "https://b.example"}, false},
		{"basic account, same endpoint", session.Data{DraftOwner: "basic:oscar@https://a.example", Drafts: drafts},
			session.Data{Kind: session.KindBasic, BasicUser: "oscar", Endpoint: "https://a.example"}, true},
	} {
		now := tc.now
		now.KeepDrafts(&tc.old)
		if got := len(now.Drafts) > 0; got != tc.keep {
			t.Errorf("%s: kept = %v, want %v", tc.name, got, tc.keep)
		}
	}
}
