// Package authtest runs a real OpenID Provider in-process for tests: the
// certified op package of zitadel/oidc (discovery, JWKS, code flow with PKCE
// S256, refresh-token rotation with reuse detection, revocation,
// end_session, UserInfo) over an in-memory storage, served by httptest on
// 127.0.0.1 with a plain-http issuer.
//
// It behaves like EGI Check-in where the console cares: one confidential
// client authenticating with client_secret_basic, PKCE required, JWT access
// tokens, ID tokens with nonce and voperson_id but no entitlements, and
// UserInfo with EGI-style entitlements
// (urn:mace:egi.eu:group:<vo>:role=member#aai.egi.eu), voperson_id, name
// and email. A refresh token is issued on every login (as Keycloak does;
// zitadel's op only issues one for offline_access, so the OP adds that scope
// to every request and the granted scope lists it) and rotated on every
// refresh; presenting a rotated token again revokes its whole family.
//
// Go HTTP-client tests call LoginAs so the authorize endpoint signs in
// without a page; otherwise the OP shows a plain HTML login form (no
// JavaScript), so a real browser can sign in too. Counts, hooks,
// ExpireRefreshTokens and SetDown let tests observe and break the OP.
package authtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Paths served next to zitadel's endpoints.
const (
	loginPath     = "/login"
	signedOutPath = "/signed-out"
)

// Options configure an OP. Every field has a default.
type Options struct {
	// ClientID of the one registered client (default "oscar-console").
	ClientID string
	// ClientSecret (default: random).
	ClientSecret string
	// PublicURL is the console's base URL, used for the default redirect
	// URIs (default "http://console.test").
	PublicURL string
	// RedirectURIs registered for the client, matched exactly (default
	// PublicURL + "/auth/callback").
	RedirectURIs []string
	// PostLogoutRedirectURIs registered for the client (default PublicURL +
	// "/logged-out").
	PostLogoutRedirectURIs []string
	// AccessTokenTTL is the access and ID token lifetime (default 5 min).
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the refresh token lifetime (default 1 h).
	RefreshTokenTTL time.Duration
	// IssParameter makes the OP advertise
	// authorization_response_iss_parameter_supported and add iss to the
	// authorization response (RFC 9207).
	IssParameter bool
	// EditDiscovery, if set, edits every discovery document before it is
	// sent, e.g. to drop revocation_endpoint or code_challenge_methods_supported.
	EditDiscovery func(doc map[string]any)
}

func (o Options) withDefaults() Options {
	if o.ClientID == "" {
		o.ClientID = "oscar-console"
	}
	if o.ClientSecret == "" {
		o.ClientSecret = rand.Text()
	}
	if o.PublicURL == "" {
		o.PublicURL = "http://console.test"
	}
	o.PublicURL = strings.TrimSuffix(o.PublicURL, "/")
	if len(o.RedirectURIs) == 0 {
		o.RedirectURIs = []string{o.PublicURL + "/auth/callback"}
	}
	if len(o.PostLogoutRedirectURIs) == 0 {
		o.PostLogoutRedirectURIs = []string{o.PublicURL + "/logged-out"}
	}
	if o.AccessTokenTTL <= 0 {
		o.AccessTokenTTL = 5 * time.Minute
	}
	if o.RefreshTokenTTL <= 0 {
		o.RefreshTokenTTL = time.Hour
	}
	o.RedirectURIs = slices.Clone(o.RedirectURIs)
	o.PostLogoutRedirectURIs = slices.Clone(o.PostLogoutRedirectURIs)
	return o
}

// User is an account at the OP.
type User struct {
	Subject    string // sub, required
	Name       string
	Email      string
	VOPersonID string // voperson_id, e.g. "<opaque>@egi.eu"
	// Entitlements are released as entitlements and eduperson_entitlement.
	Entitlements []string
	// Password for the HTML login form.
	Password string
	// PreferredUsername (default: the part of Email before '@', else Subject).
	PreferredUsername string
}

// Username is the preferred_username released for the user.
func (u User) Username() string {
	if u.PreferredUsername != "" {
		return u.PreferredUsername
	}
	if name, _, ok := strings.Cut(u.Email, "@"); ok && name != "" {
		return name
	}
	return u.Subject
}

// Counts are what the OP has been asked so far.
type Counts struct {
	DiscoveryCalls  int
	AuthorizeCalls  int
	TokenCalls      int // every token endpoint request, any grant
	RefreshCalls    int // token endpoint requests with grant_type=refresh_token
	RevokeCalls     int
	UserInfoCalls   int
	EndSessionCalls int
	// Refused counts requests answered 503 while the OP was down.
	Refused int
	// TokenRequests describe every token endpoint request, in order.
	TokenRequests []TokenRequest
}

// TokenRequest is what the OP saw in one token endpoint request. It holds
// no secret.
type TokenRequest struct {
	GrantType string
	// ClientAuth is "client_secret_basic", "client_secret_post" or "none".
	ClientAuth string
	// CodeVerifier reports whether a PKCE code_verifier was sent.
	CodeVerifier bool
	// Status is the HTTP status the OP answered.
	Status int
}

// OP is a running test OpenID Provider.
type OP struct {
	opts     Options
	srv      *httptest.Server
	issuer   string
	store    *storage
	provider *op.Provider

	tokenPath, userInfoPath, revokePath, endSessionPath string
	authorizePath, callbackPath, discoveryPath          string

	down atomic.Bool

	mu           sync.Mutex
	loginAs      string
	counts       Counts
	idTokenHook  func(claims map[string]any)
	userInfoHook func(claims map[string]any)
}

// New starts an OP and stops it when the test ends. It fails the test if
// the OP cannot start.
func New(t testing.TB, o Options) *OP {
	t.Helper()
	p, err := Start(o)
	if err != nil {
		t.Fatalf("authtest: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// Start starts an OP outside a test (e.g. for a local demo); call Close.
func Start(o Options) (*OP, error) {
	o = o.withDefaults()
	key, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	p := &OP{opts: o}
	p.srv = httptest.NewUnstartedServer(p)
	p.issuer = "http://" + p.srv.Listener.Addr().String()
	p.store = &storage{
		client: &client{
			id:                     o.ClientID,
			secret:                 o.ClientSecret,
			redirectURIs:           o.RedirectURIs,
			postLogoutRedirectURIs: o.PostLogoutRedirectURIs,
			accessTTL:              o.AccessTokenTTL,
			refreshTTL:             o.RefreshTokenTTL,
			idTTL:                  o.AccessTokenTTL,
		},
		key:      key,
		now:      time.Now,
		users:    map[string]User{},
		requests: map[string]*authRequest{},
		codes:    map[string]string{},
		access:   map[string]*accessToken{},
		refresh:  map[string]*refreshToken{},
	}
	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		return nil, fmt.Errorf("authtest: crypto key: %w", err)
	}
	cfg := &op.Config{
		CryptoKey:                cryptoKey,
		DefaultLogoutRedirectURI: signedOutPath,
		CodeMethodS256:           true,
		GrantTypeRefreshToken:    true,
		SupportedScopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess,
			"entitlements", "eduperson_entitlement", "voperson_id", "aarc"},
		SupportedClaims: slices.Concat(op.DefaultSupportedClaims, []string{"voperson_id", "entitlements", "eduperson_entitlement"}),
	}
	p.provider, err = op.NewProvider(cfg, p.store, op.StaticIssuer(p.issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, fmt.Errorf("authtest: new provider: %w", err)
	}
	p.tokenPath = p.provider.TokenEndpoint().Relative()
	p.userInfoPath = p.provider.UserinfoEndpoint().Relative()
	p.revokePath = p.provider.RevocationEndpoint().Relative()
	p.endSessionPath = p.provider.EndSessionEndpoint().Relative()
	p.authorizePath = p.provider.AuthorizationEndpoint().Relative()
	p.callbackPath = p.authorizePath + "/callback"
	p.discoveryPath = oidc.DiscoveryEndpoint
	p.srv.Start()
	return p, nil
}

// Close stops the server.
func (p *OP) Close() { p.srv.Close() }

// Issuer is the OP's issuer, http://127.0.0.1:<port> (no trailing slash).
func (p *OP) Issuer() string { return p.issuer }

// Options returns the options with defaults filled in (client secret
// included, for building the relying party's configuration).
func (p *OP) Options() Options {
	o := p.opts
	o.RedirectURIs = slices.Clone(o.RedirectURIs)
	o.PostLogoutRedirectURIs = slices.Clone(o.PostLogoutRedirectURIs)
	return o
}

// ProviderConfig returns an auth.Config for this OP's client, with the
// first registered redirect and post-logout URIs and the default scopes.
func (p *OP) ProviderConfig() auth.Config {
	return auth.Config{
		ID:                    "egi",
		Name:                  "EGI Check-in (test)",
		Issuer:                p.issuer,
		ClientID:              p.opts.ClientID,
		ClientSecret:          p.opts.ClientSecret,
		RedirectURL:           p.opts.RedirectURIs[0],
		PostLogoutRedirectURL: p.opts.PostLogoutRedirectURIs[0],
	}
}

// AddUser adds or replaces a user.
func (p *OP) AddUser(u User) {
	u.Entitlements = slices.Clone(u.Entitlements)
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.users[u.Subject] = u
}

// LoginAs makes the authorize endpoint sign in as sub without a page, for
// Go HTTP-client tests. An empty sub brings back the HTML login form.
func (p *OP) LoginAs(sub string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loginAs = sub
}

// Counts returns a snapshot of the requests seen so far.
func (p *OP) Counts() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.counts
	c.TokenRequests = slices.Clone(c.TokenRequests)
	return c
}

// ExpireRefreshTokens expires every refresh token issued so far: the next
// refresh with any of them answers invalid_grant.
func (p *OP) ExpireRefreshTokens() { p.store.expireRefreshTokens() }

// SetDown makes every endpoint answer 503 Service Unavailable (true) or
// work again (false).
func (p *OP) SetDown(down bool) { p.down.Store(down) }

// SetIDTokenHook makes the token endpoint pass the claims of every ID token
// it issues through f and sign the result again with the OP's key, so a
// test can send a validly signed token with a wrong iss, aud, nonce or exp.
// nil removes the hook.
func (p *OP) SetIDTokenHook(f func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idTokenHook = f
}

// SetUserInfoHook makes UserInfo pass its answer through f (e.g. to change
// sub). nil removes the hook.
func (p *OP) SetUserInfoHook(f func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.userInfoHook = f
}

// ValidateAccessToken checks an access token as a resource server (a fake
// OSCAR) would: signed by this OP, issuer, not expired, not revoked, for a
// known user. groups are the VOs in the user's entitlements (auth.ParseVOs,
// which picks them as OSCAR does).
func (p *OP) ValidateAccessToken(token string) (sub string, groups []string, ok bool) {
	verifier := op.NewAccessTokenVerifier(p.issuer, &op.OpenIDKeySet{Storage: p.store})
	claims, err := op.VerifyAccessToken[*oidc.AccessTokenClaims](context.Background(), token, verifier)
	if err != nil {
		return "", nil, false
	}
	u, ok := p.store.accessTokenActive(claims.JWTID, claims.Subject)
	if !ok {
		return "", nil, false
	}
	return u.Subject, auth.ParseVOs(map[string]any{"entitlements": u.Entitlements}), true
}

// Authorize follows authURL (from auth.Provider.AuthCodeURL) through the OP,
// signing in as the LoginAs user, and returns the query of the redirect to
// the client's redirect URI: code, state (and iss), or error and
// error_description.
func (p *OP) Authorize(authURL string) (url.Values, error) {
	return p.follow(authURL, nil)
}

// AuthorizeWithPassword is Authorize through the HTML login form with
// username (subject, email or preferred_username) and password. LoginAs
// must be unset.
func (p *OP) AuthorizeWithPassword(authURL, username, password string) (url.Values, error) {
	return p.follow(authURL, url.Values{"username": {username}, "password": {password}})
}

func (p *OP) follow(authURL string, creds url.Values) (url.Values, error) {
	c := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	next, err := url.Parse(authURL)
	if err != nil {
		return nil, fmt.Errorf("authtest: authorize URL: %w", err)
	}
	for range 10 {
		if p.isRedirectURI(next) {
			return next.Query(), nil
		}
		var resp *http.Response
		if next.Path == loginPath && creds != nil {
			form := url.Values{"id": {next.Query().Get("id")}}
			for k, v := range creds {
				form[k] = v
			}
			resp, err = c.PostForm(next.String(), form)
		} else {
			resp, err = c.Get(next.String())
		}
		if err != nil {
			return nil, fmt.Errorf("authtest: authorize: %w", err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return nil, fmt.Errorf("authtest: authorize: %s at %s: %s", resp.Status, next.Path, strings.TrimSpace(string(body)))
		}
		next = loc
	}
	return nil, errors.New("authtest: authorize: too many redirects")
}
