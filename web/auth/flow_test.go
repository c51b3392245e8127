package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/auth/authtest"
)

// aliceEntitlements are EGI-style values: VO membership, an extra role, a
// subgroup, a capability and a GOCDB role.
func aliceEntitlements() []string {
	return []string{
		"urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu",
		"urn:mace:egi.eu:group:vo.example.eu:role=vm_operator#aai.egi.eu",
		"urn:mace:egi.eu:group:demo.fedcloud.egi.eu:members:role=member#aai.egi.eu",
		"urn:mace:egi.eu:res:rcauth#aai.egi.eu",
		"urn:mace:egi.eu:goc.egi.eu:100453G0:CESGA:Site+Administrator@egi.eu",
	}
}

func alice() authtest.User {
	return authtest.User{
		Subject:      "3f1c9a2e7d@egi.eu",
		Name:         "Alice Example",
		Email:        "alice@example.org",
		VOPersonID:   "3f1c9a2e7d@egi.eu",
		Entitlements: aliceEntitlements(),
		Password:     "correct horse",
	}
}

// setup starts an OP where alice signs in without a page, and a discovered
// Provider for its client whose log goes to the returned buffer.
func setup(t *testing.T, o authtest.Options) (*authtest.OP, *auth.Provider, *bytes.Buffer) {
	t.Helper()
	op := authtest.New(t, o)
	op.AddUser(alice())
	op.LoginAs(alice().Subject)
	var logs bytes.Buffer
	p := auth.New(op.ProviderConfig(), nil, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err := p.Discover(t.Context()); err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return op, p, &logs
}

// login runs AuthCodeURL and follows the OP's redirects; it returns the
// login state and the callback query.
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

// signIn is a whole successful login.
func signIn(t *testing.T, op *authtest.OP, p *auth.Provider) (auth.Tokens, auth.Identity) {
	t.Helper()
	ls, q := login(t, op, p)
	tok, id, err := p.Exchange(t.Context(), ls, q)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	return tok, id
}

// kindOf returns the Kind of an *auth.Error, or 0.
func kindOf(err error) auth.Kind {
	var ae *auth.Error
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return 0
}

func wantKind(t *testing.T, err error, want auth.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want kind %v", want)
	}
	if got := kindOf(err); got != want {
		t.Fatalf("kind = %v, want %v (err: %v)", got, want, err)
	}
}

func TestLogin(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	tok, id := signIn(t, op, p)

	u := alice()
	if id.Subject != u.Subject || id.VOPersonID != u.VOPersonID || id.Key() != u.VOPersonID {
		t.Errorf("subject, voperson_id, key = %q, %q, %q; want %q, %q, %q", id.Subject, id.VOPersonID, id.Key(), u.Subject, u.VOPersonID, u.VOPersonID)
	}
	if id.Name != u.Name || id.Email != u.Email || id.PreferredUsername != "alice" {
		t.Errorf("name, email, preferred_username = %q, %q, %q", id.Name, id.Email, id.PreferredUsername)
	}
	if id.Issuer != op.Issuer() {
		t.Errorf("issuer = %q, want %q", id.Issuer, op.Issuer())
	}
	if want := []string{"demo.fedcloud.egi.eu", "vo.example.eu"}; !slices.Equal(id.VOs, want) {
		t.Errorf("VOs = %q, want %q", id.VOs, want)
	}
	var ui map[string]any
	if err := json.Unmarshal(id.UserInfo, &ui); err != nil {
		t.Fatalf("UserInfo is not JSON: %v", err)
	}
	if ui["sub"] != u.Subject || ui["entitlements"] == nil {
		t.Errorf("UserInfo = %s, want sub and entitlements", id.UserInfo)
	}

	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken == "" {
		t.Fatalf("tokens missing: access %t, refresh %t, id %t", tok.AccessToken != "", tok.RefreshToken != "", tok.IDToken != "")
	}
	if !tok.Expiry.After(time.Now()) {
		t.Errorf("expiry %v is not in the future", tok.Expiry)
	}
	if !slices.Contains(tok.Scopes, "entitlements") || !slices.Contains(tok.Scopes, "openid") {
		t.Errorf("scopes = %q, want openid and entitlements", tok.Scopes)
	}

	// The access token is a JWT the token page can decode and a fake OSCAR
	// can accept.
	_, claims, err := auth.Claims(tok.AccessToken)
	if err != nil {
		t.Fatalf("Claims(access token): %v", err)
	}
	if claims["iss"] != op.Issuer() || claims["sub"] != u.Subject || claims["exp"] == nil {
		t.Errorf("access token claims = %v", claims)
	}
	sub, groups, ok := op.ValidateAccessToken(tok.AccessToken)
	if !ok || sub != u.Subject || !slices.Equal(groups, id.VOs) {
		t.Errorf("ValidateAccessToken = %q, %q, %t; want %q, %q, true", sub, groups, ok, u.Subject, id.VOs)
	}
	if _, _, ok := op.ValidateAccessToken(tok.AccessToken + "x"); ok {
		t.Error("ValidateAccessToken accepted a tampered token")
	}
}

// R1: the authorization request carries code, S256 challenge, state and
// nonce; the token request uses Basic client auth and the verifier.
func TestPKCEAndClientAuth(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	ls, raw, err := p.AuthCodeURL("/next", "https://oscar.example.org")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	cfg := op.ProviderConfig()
	for k, want := range map[string]string{
		"response_type":         "code",
		"code_challenge_method": "S256",
		"code_challenge":        oauth2.S256ChallengeFromVerifier(ls.Verifier),
		"state":                 ls.State,
		"nonce":                 ls.Nonce,
		"client_id":             cfg.ClientID,
		"redirect_uri":          cfg.RedirectURL,
		"scope":                 strings.Join(auth.DefaultScopes(), " "),
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if q.Has("client_secret") || q.Has("code_verifier") {
		t.Error("authorization URL carries a secret")
	}
	if ls.Provider != cfg.ID || ls.Next != "/next" || ls.Endpoint != "https://oscar.example.org" || ls.Created.IsZero() {
		t.Errorf("login state = %+v", ls)
	}

	cb, err := op.Authorize(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Exchange(t.Context(), ls, cb); err != nil {
		t.Fatal(err)
	}
	reqs := op.Counts().TokenRequests
	want := []authtest.TokenRequest{{GrantType: "authorization_code", ClientAuth: "client_secret_basic", CodeVerifier: true, Status: http.StatusOK}}
	if !slices.Equal(reqs, want) {
		t.Errorf("token requests = %+v, want %+v", reqs, want)
	}
}

// R3: every login gets its own state, nonce and verifier.
func TestLoginStatesDiffer(t *testing.T) {
	_, p, _ := setup(t, authtest.Options{})
	a, _, err := p.AuthCodeURL("/", "")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := p.AuthCodeURL("/", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.State == b.State || a.Nonce == b.Nonce || a.Verifier == b.Verifier {
		t.Errorf("two logins share a value: %+v, %+v", a, b)
	}
	// rand.Text gives 26 base32 characters (130 bits); the verifier is 43.
	if len(a.State) < 26 || len(a.Nonce) < 26 || len(a.Verifier) < 43 {
		t.Errorf("short values: state %d, nonce %d, verifier %d characters", len(a.State), len(a.Nonce), len(a.Verifier))
	}
	if a.State == a.Nonce {
		t.Error("state equals nonce")
	}
	var back auth.LoginState
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &back); err != nil || back.State != a.State || !back.Created.Equal(a.Created) {
		t.Errorf("LoginState JSON round trip = %+v, %v", back, err)
	}
}

// R4: a callback that does not belong to the login fails before any token
// request.
func TestCallbackStateChecks(t *testing.T) {
	tests := []struct {
		name string
		edit func(ls *auth.LoginState, q url.Values)
		now  time.Duration // clock offset at the callback
	}{
		{name: "state missing", edit: func(_ *auth.LoginState, q url.Values) { q.Del("state") }},
		{name: "state differs", edit: func(_ *auth.LoginState, q url.Values) { q.Set("state", q.Get("state")+"x") }},
		{name: "state of another login", edit: func(ls *auth.LoginState, _ url.Values) { ls.State = "AAAAAAAAAAAAAAAAAAAAAAAAAA" }},
		{name: "no login state", edit: func(ls *auth.LoginState, _ url.Values) { *ls = auth.LoginState{} }},
		{name: "other provider", edit: func(ls *auth.LoginState, _ url.Values) { ls.Provider = "other" }},
		{name: "expired", now: 11 * time.Minute},
		{name: "no verifier", edit: func(ls *auth.LoginState, _ url.Values) { ls.Verifier = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, p, _ := setup(t, authtest.Options{})
			ls, q := login(t, op, p)
			if tt.edit != nil {
				tt.edit(&ls, q)
			}
			auth.SetNow(p, func() time.Time { return time.Now().Add(tt.now) })
			_, _, err := p.Exchange(t.Context(), ls, q)
			wantKind(t, err, auth.KindState)
			if n := op.Counts().TokenCalls; n != 0 {
				t.Errorf("token calls = %d, want 0", n)
			}
		})
	}
}

// The OP's error answer at the callback is KindProvider with its
// description, and no token request is made.
func TestProviderError(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	ls, raw, err := p.AuthCodeURL("/", "")
	if err != nil {
		t.Fatal(err)
	}
	// Without PKCE the OP refuses the request as EGI does.
	u, _ := url.Parse(raw)
	q := u.Query()
	q.Del("code_challenge")
	q.Del("code_challenge_method")
	u.RawQuery = q.Encode()
	cb, err := op.Authorize(u.String())
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = p.Exchange(t.Context(), ls, cb)
	wantKind(t, err, auth.KindProvider)
	var ae *auth.Error
	errors.As(err, &ae)
	if ae.Message != "Missing parameter: code_challenge_method" {
		t.Errorf("message = %q", ae.Message)
	}
	if n := op.Counts().TokenCalls; n != 0 {
		t.Errorf("token calls = %d, want 0", n)
	}

	// A user who cancels: only the error code.
	_, _, err = p.Exchange(t.Context(), ls, url.Values{"error": {"access_denied"}, "state": {ls.State}})
	wantKind(t, err, auth.KindProvider)
	if errors.As(err, &ae); ae.Message != "access_denied" {
		t.Errorf("message = %q, want access_denied", ae.Message)
	}
}

func TestReplayedCode(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	ls, q := login(t, op, p)
	if _, _, err := p.Exchange(t.Context(), ls, q); err != nil {
		t.Fatal(err)
	}
	_, _, err := p.Exchange(t.Context(), ls, q)
	wantKind(t, err, auth.KindExchange)
}

// The OP checks the PKCE verifier: a code injected into another login
// (right state, other verifier) is refused.
func TestWrongVerifier(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	ls, q := login(t, op, p)
	ls.Verifier = oauth2.GenerateVerifier()
	_, _, err := p.Exchange(t.Context(), ls, q)
	wantKind(t, err, auth.KindExchange)
}

func TestMissingCode(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	ls, q := login(t, op, p)
	q.Del("code")
	_, _, err := p.Exchange(t.Context(), ls, q)
	wantKind(t, err, auth.KindExchange)
	if n := op.Counts().TokenCalls; n != 0 {
		t.Errorf("token calls = %d, want 0", n)
	}
}

func TestNonceMismatch(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	ls, q := login(t, op, p)
	ls.Nonce = "BBBBBBBBBBBBBBBBBBBBBBBBBB"
	_, _, err := p.Exchange(t.Context(), ls, q)
	wantKind(t, err, auth.KindNonce)
}

// ID tokens signed with the OP's own key but wrong in one claim.
func TestIDTokenRejected(t *testing.T) {
	tests := []struct {
		name string
		edit func(claims map[string]any)
		want auth.Kind
	}{
		{"other issuer", func(c map[string]any) { c["iss"] = "https://aai-dev.egi.eu/auth/realms/egi" }, auth.KindIDToken},
		{"issuer with trailing slash", func(c map[string]any) { c["iss"] = c["iss"].(string) + "/" }, auth.KindIDToken},
		{"other audience", func(c map[string]any) { c["aud"] = []string{"another-client"} }, auth.KindIDToken},
		{"expired", func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }, auth.KindIDToken},
		{"at_hash of another token", func(c map[string]any) { c["at_hash"] = "bm90LXRoZS1oYXNo" }, auth.KindIDToken},
		{"nonce missing", func(c map[string]any) { delete(c, "nonce") }, auth.KindNonce},
		{"nonce changed", func(c map[string]any) { c["nonce"] = "CCCCCCCCCCCCCCCCCCCCCCCCCC" }, auth.KindNonce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, p, _ := setup(t, authtest.Options{})
			op.SetIDTokenHook(tt.edit)
			ls, q := login(t, op, p)
			_, _, err := p.Exchange(t.Context(), ls, q)
			wantKind(t, err, tt.want)
			if n := op.Counts().UserInfoCalls; n != 0 {
				t.Errorf("UserInfo calls = %d, want 0", n)
			}
		})
	}
}

// An ID token from a second OP (its own issuer and key) is rejected.
func TestIDTokenFromAnotherOP(t *testing.T) {
	other := authtest.New(t, authtest.Options{})
	other.AddUser(alice())
	other.LoginAs(alice().Subject)
	po := auth.New(other.ProviderConfig(), nil, nil)
	if err := po.Discover(t.Context()); err != nil {
		t.Fatal(err)
	}
	foreign, _ := signIn(t, other, po)

	op, p, _ := setup(t, authtest.Options{})
	op.SetIDTokenHook(func(c map[string]any) {
		// Replace every claim with the foreign token's; the signature
		// stays this OP's, so only iss and aud can give it away.
		_, fc, _ := auth.Claims(foreign.IDToken)
		clear(c)
		for k, v := range fc {
			c[k] = v
		}
	})
	ls, q := login(t, op, p)
	_, _, err := p.Exchange(t.Context(), ls, q)
	wantKind(t, err, auth.KindIDToken)
}

// R5: UserInfo must be about the ID token's subject.
func TestUserInfoSubMismatch(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	op.SetUserInfoHook(func(c map[string]any) { c["sub"] = "mallory@egi.eu" })
	ls, q := login(t, op, p)
	_, _, err := p.Exchange(t.Context(), ls, q)
	wantKind(t, err, auth.KindUserInfo)

	op.SetUserInfoHook(func(c map[string]any) { delete(c, "sub") })
	ls, q = login(t, op, p)
	_, _, err = p.Exchange(t.Context(), ls, q)
	wantKind(t, err, auth.KindUserInfo)
}

// RFC 9207: when the OP advertises the iss parameter, the callback must
// carry this issuer, checked before the code is spent.
func TestIssParameter(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{IssParameter: true})
	ls, q := login(t, op, p)
	if q.Get("iss") != op.Issuer() {
		t.Fatalf("callback iss = %q, want %q", q.Get("iss"), op.Issuer())
	}
	for _, iss := range []string{"", "https://evil.example"} {
		bad := url.Values{}
		for k, v := range q {
			bad[k] = v
		}
		if iss == "" {
			bad.Del("iss")
		} else {
			bad.Set("iss", iss)
		}
		_, _, err := p.Exchange(t.Context(), ls, bad)
		wantKind(t, err, auth.KindState)
	}
	if n := op.Counts().TokenCalls; n != 0 {
		t.Errorf("token calls = %d, want 0", n)
	}
	if _, _, err := p.Exchange(t.Context(), ls, q); err != nil {
		t.Errorf("Exchange with the right iss: %v", err)
	}
}

// TestForeignIssWithoutRFC9207 (issue 15, item 7): an OP that does not advertise RFC 9207 need not
// send iss, but an iss that is present must be this issuer all the same. A foreign one is refused as
// a state error before the code is spent, so no tokens (and no session) come of it; an absent iss
// and the right one still sign in.
func TestForeignIssWithoutRFC9207(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	if _, q := login(t, op, p); q.Has("iss") {
		t.Fatalf("the OP without IssParameter sent iss %q; this test needs one that does not", q.Get("iss"))
	}
	for _, iss := range [][]string{
		{"https://evil.example"},
		{op.Issuer() + "/"},
		{""},
		{"https://evil.example", op.Issuer()},
		{op.Issuer(), "https://evil.example"},
	} {
		ls, q := login(t, op, p)
		q["iss"] = iss
		tok, id, err := p.Exchange(t.Context(), ls, q)
		if kindOf(err) != auth.KindState {
			t.Errorf("callback with iss %q from an OP without RFC 9207: err %v, want a state error", iss, err)
		}
		if tok.AccessToken != "" || tok.IDToken != "" || id.Subject != "" {
			t.Errorf("callback with iss %q gave tokens or an identity", iss)
		}
	}
	if n := op.Counts().TokenCalls; n != 0 {
		t.Errorf("token calls after foreign-iss callbacks = %d, want 0 (the code must not be spent)", n)
	}
	ls, q := login(t, op, p)
	if _, _, err := p.Exchange(t.Context(), ls, q); err != nil {
		t.Errorf("Exchange without iss from an OP without RFC 9207: %v", err)
	}
	ls, q = login(t, op, p)
	q.Set("iss", op.Issuer())
	if _, _, err := p.Exchange(t.Context(), ls, q); err != nil {
		t.Errorf("Exchange with the right iss from an OP without RFC 9207: %v", err)
	}
}

// R16: refresh rotates the refresh token; reusing a rotated token fails
// with invalid_grant and (reuse detection) kills the newer one too.
func TestRefreshRotation(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	tok, _ := signIn(t, op, p)

	next, err := p.Refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken {
		t.Errorf("refresh token not rotated")
	}
	if next.AccessToken == "" || next.AccessToken == tok.AccessToken {
		t.Errorf("no new access token")
	}
	if next.IDToken == "" || !slices.Contains(next.Scopes, "entitlements") {
		t.Errorf("refreshed tokens: id token %t, scopes %q", next.IDToken != "", next.Scopes)
	}
	if _, _, ok := op.ValidateAccessToken(next.AccessToken); !ok {
		t.Error("new access token not accepted")
	}

	_, err = p.Refresh(t.Context(), tok.RefreshToken)
	if !errors.Is(err, auth.ErrInvalidGrant) {
		t.Fatalf("reuse of the old refresh token: err = %v, want ErrInvalidGrant", err)
	}
	_, err = p.Refresh(t.Context(), next.RefreshToken)
	if !errors.Is(err, auth.ErrInvalidGrant) {
		t.Errorf("after reuse, the newer token: err = %v, want ErrInvalidGrant", err)
	}

	c := op.Counts()
	if c.RefreshCalls != 3 {
		t.Errorf("refresh calls = %d, want 3", c.RefreshCalls)
	}
	for _, r := range c.TokenRequests {
		if r.ClientAuth != "client_secret_basic" {
			t.Errorf("%s request used %s", r.GrantType, r.ClientAuth)
		}
	}
}

func TestExpiredRefreshToken(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	tok, _ := signIn(t, op, p)
	op.ExpireRefreshTokens()
	_, err := p.Refresh(t.Context(), tok.RefreshToken)
	if !errors.Is(err, auth.ErrInvalidGrant) {
		t.Fatalf("err = %v, want ErrInvalidGrant", err)
	}
	wantKind(t, err, auth.KindInvalidGrant)
	if strings.Contains(err.Error(), tok.RefreshToken) {
		t.Error("error message contains the refresh token")
	}
	_, err = p.Refresh(t.Context(), "")
	if !errors.Is(err, auth.ErrInvalidGrant) {
		t.Errorf("empty refresh token: err = %v, want ErrInvalidGrant", err)
	}
}

// A provider that is down is not an invalid grant: the session stays.
func TestRefreshProviderDown(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	tok, _ := signIn(t, op, p)
	op.SetDown(true)
	_, err := p.Refresh(t.Context(), tok.RefreshToken)
	wantKind(t, err, auth.KindUnavailable)
	if errors.Is(err, auth.ErrInvalidGrant) {
		t.Error("provider down reported as invalid_grant")
	}
	op.SetDown(false)
	if _, err := p.Refresh(t.Context(), tok.RefreshToken); err != nil {
		t.Errorf("Refresh once up again: %v", err)
	}

	// Nothing listening at all: a transport error.
	op.Close()
	_, err = p.Refresh(t.Context(), tok.RefreshToken)
	wantKind(t, err, auth.KindUnavailable)
}

func TestUserInfo(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	tok, id := signIn(t, op, p)
	raw, err := p.UserInfo(t.Context(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if got := auth.ParseVOs(m); m["sub"] != id.Subject || !slices.Equal(got, id.VOs) {
		t.Errorf("UserInfo sub %v, VOs %q; want %q, %q", m["sub"], got, id.Subject, id.VOs)
	}
	_, err = p.UserInfo(t.Context(), "not-a-token")
	wantKind(t, err, auth.KindUserInfo)
	op.SetDown(true)
	_, err = p.UserInfo(t.Context(), tok.AccessToken)
	if err == nil {
		t.Error("UserInfo with the provider down: err = nil")
	}
}

// R20: the refresh token is revoked at the OP.
func TestRevoke(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	tok, _ := signIn(t, op, p)
	if err := p.Revoke(t.Context(), tok.RefreshToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if n := op.Counts().RevokeCalls; n != 1 {
		t.Errorf("revoke calls = %d, want 1", n)
	}
	_, err := p.Refresh(t.Context(), tok.RefreshToken)
	if !errors.Is(err, auth.ErrInvalidGrant) {
		t.Errorf("refresh after revoke: err = %v, want ErrInvalidGrant", err)
	}
	if err := p.Revoke(t.Context(), ""); err != nil {
		t.Errorf("Revoke(\"\") = %v, want nil", err)
	}
}

func TestRevokeWithoutEndpoint(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{EditDiscovery: func(d map[string]any) { delete(d, "revocation_endpoint") }})
	tok, _ := signIn(t, op, p)
	if err := p.Revoke(t.Context(), tok.RefreshToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if n := op.Counts().RevokeCalls; n != 0 {
		t.Errorf("revoke calls = %d, want 0", n)
	}
}

// R20: RP-initiated logout URL; the OP accepts it and sends the browser to
// the registered post-logout URI with the state.
func TestEndSessionURL(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	tok, _ := signIn(t, op, p)
	raw, ok := p.EndSessionURL(tok.IDToken, "logout-state")
	if !ok {
		t.Fatal("EndSessionURL: ok = false")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg := op.ProviderConfig()
	q := u.Query()
	for k, want := range map[string]string{
		"id_token_hint":            tok.IDToken,
		"post_logout_redirect_uri": cfg.PostLogoutRedirectURL,
		"state":                    "logout-state",
		"client_id":                cfg.ClientID,
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if !strings.HasPrefix(raw, op.Issuer()+"/") {
		t.Errorf("URL %q is not at the OP", raw)
	}

	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(raw)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("end_session answered %s without a redirect", resp.Status)
	}
	if got, want := loc.String(), cfg.PostLogoutRedirectURL+"?state=logout-state"; got != want {
		t.Errorf("end_session redirect = %q, want %q", got, want)
	}
	if n := op.Counts().EndSessionCalls; n != 1 {
		t.Errorf("end_session calls = %d, want 1", n)
	}
	// The session's tokens die with it, as at Keycloak.
	if _, err := p.Refresh(t.Context(), tok.RefreshToken); !errors.Is(err, auth.ErrInvalidGrant) {
		t.Errorf("refresh after end_session: err = %v, want ErrInvalidGrant", err)
	}
}

func TestEndSessionURLWithoutEndpoint(t *testing.T) {
	_, p, _ := setup(t, authtest.Options{EditDiscovery: func(d map[string]any) { delete(d, "end_session_endpoint") }})
	if u, ok := p.EndSessionURL("id-token", "s"); ok || u != "" {
		t.Errorf("EndSessionURL = %q, %t; want \"\", false", u, ok)
	}
}

// R2: discovery must succeed, match the issuer exactly and advertise S256.
func TestDiscoverFails(t *testing.T) {
	tests := []struct {
		name string
		opts authtest.Options
		edit func(cfg *auth.Config)
		down bool
	}{
		{name: "provider down", down: true},
		{name: "issuer differs", edit: func(c *auth.Config) { c.Issuer += "/" }},
		{name: "no S256", opts: authtest.Options{EditDiscovery: func(d map[string]any) { d["code_challenge_methods_supported"] = []string{"plain"} }}},
		{name: "no client id", edit: func(c *auth.Config) { c.ClientID = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := authtest.New(t, tt.opts)
			op.SetDown(tt.down)
			cfg := op.ProviderConfig()
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			p := auth.New(cfg, nil, nil)
			err := p.Discover(t.Context())
			if err == nil {
				t.Fatal("Discover: err = nil")
			}
			// Only an unreachable provider is worth retrying as an outage.
			if got := kindOf(err) == auth.KindUnavailable; got != tt.down {
				t.Errorf("Discover error %q: KindUnavailable %t, want %t", err, got, tt.down)
			}
			if p.Ready() {
				t.Error("Ready after a failed discovery")
			}
			_, _, err = p.AuthCodeURL("/", "")
			wantKind(t, err, auth.KindUnavailable)
			_, _, err = p.Exchange(t.Context(), auth.LoginState{}, url.Values{})
			if err == nil {
				t.Error("Exchange before discovery: err = nil")
			}
			_, err = p.Refresh(t.Context(), "rt")
			wantKind(t, err, auth.KindUnavailable)
			if _, ok := p.EndSessionURL("", ""); ok {
				t.Error("EndSessionURL before discovery: ok = true")
			}
		})
	}
}

// Provider down at start: Discover fails, Run keeps retrying, and the
// Provider becomes Ready once the OP is up.
func TestRunRetriesUntilUp(t *testing.T) {
	op := authtest.New(t, authtest.Options{})
	op.AddUser(alice())
	op.LoginAs(alice().Subject)
	op.SetDown(true)
	p := auth.New(op.ProviderConfig(), nil, nil)
	auth.SetRetry(p, time.Millisecond, 5*time.Millisecond)
	if err := p.Discover(t.Context()); err == nil {
		t.Fatal("Discover with the OP down: err = nil")
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(t.Context())
	}()
	waitFor(t, "several refused discovery attempts", func() bool { return op.Counts().Refused >= 4 })
	if p.Ready() {
		t.Fatal("Ready while the OP is down")
	}
	op.SetDown(false)
	<-done
	if !p.Ready() {
		t.Fatal("Run returned but the provider is not Ready")
	}
	signIn(t, op, p)
}

func TestRunStopsWithContext(t *testing.T) {
	op := authtest.New(t, authtest.Options{})
	op.SetDown(true)
	p := auth.New(op.ProviderConfig(), nil, nil)
	auth.SetRetry(p, time.Millisecond, 5*time.Millisecond)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	waitFor(t, "a refused discovery attempt", func() bool { return op.Counts().Refused >= 1 })
	cancel()
	<-done
	if p.Ready() {
		t.Error("Ready although the OP never came up")
	}
}

// waitFor polls cond until it holds; the deadline only guards against a
// hung test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// The HTML login form, as a browser would use it.
func TestPasswordLogin(t *testing.T) {
	op, p, _ := setup(t, authtest.Options{})
	op.LoginAs("")
	_, raw, err := p.AuthCodeURL("/", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.AuthorizeWithPassword(raw, "alice@example.org", "wrong"); err == nil {
		t.Error("wrong password accepted")
	}
	ls, raw, err := p.AuthCodeURL("/", "")
	if err != nil {
		t.Fatal(err)
	}
	q, err := op.AuthorizeWithPassword(raw, "alice@example.org", alice().Password)
	if err != nil {
		t.Fatal(err)
	}
	_, id, err := p.Exchange(t.Context(), ls, q)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != alice().Subject {
		t.Errorf("subject = %q", id.Subject)
	}
}

// R17: no token or secret in the log of a whole login, refresh and logout,
// nor in error messages.
func TestNoSecretsInLogs(t *testing.T) {
	op, p, logs := setup(t, authtest.Options{})
	ls, q := login(t, op, p)
	tok, _, err := p.Exchange(t.Context(), ls, q)
	if err != nil {
		t.Fatal(err)
	}
	next, err := p.Refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	_, reuseErr := p.Refresh(t.Context(), tok.RefreshToken)
	_, _, replayErr := p.Exchange(t.Context(), ls, q)
	if err := p.Revoke(t.Context(), next.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged; the test would prove nothing")
	}
	secrets := map[string]string{
		"access token": tok.AccessToken, "refresh token": tok.RefreshToken, "ID token": tok.IDToken,
		"new access token": next.AccessToken, "new refresh token": next.RefreshToken,
		"client secret": op.Options().ClientSecret, "code": q.Get("code"), "verifier": ls.Verifier,
	}
	for name, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("log contains the %s", name)
		}
		for _, e := range []error{reuseErr, replayErr} {
			if strings.Contains(e.Error(), s) {
				t.Errorf("error %q contains the %s", e, name)
			}
		}
	}
}
