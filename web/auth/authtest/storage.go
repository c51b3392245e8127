package authtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is an in-memory op.Storage: one confidential client, the users
// added by the test, auth requests, codes, access and refresh tokens.
type storage struct {
	client *client
	key    *signingKey

	now func() time.Time

	mu       sync.Mutex
	users    map[string]User
	requests map[string]*authRequest // by ID
	codes    map[string]string       // code -> auth request ID
	access   map[string]*accessToken // by ID (the JWT's jti)
	refresh  map[string]*refreshToken
}

// The optional interfaces matter: without them zitadel's op silently skips
// the ID token and access token claims.
var (
	_ op.Storage                        = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)
)

// authRequest implements op.AuthRequest.
type authRequest struct {
	id            string
	clientID      string
	redirectURI   string
	state         string
	nonce         string
	scopes        []string
	responseType  oidc.ResponseType
	responseMode  oidc.ResponseMode
	codeChallenge *oidc.CodeChallenge
	subject       string
	authTime      time.Time
	done          bool
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.codeChallenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

// accessToken is what the OP remembers about an issued access token.
type accessToken struct {
	id       string
	subject  string
	clientID string
	scopes   []string
	expiry   time.Time
	revoked  bool
}

// refreshToken is one refresh token. Tokens of one login share a family;
// presenting a token that was already rotated revokes the whole family
// (refresh-token reuse detection, RFC 9700 §4.14.2).
type refreshToken struct {
	token    string
	family   string
	subject  string
	clientID string
	scopes   []string
	authTime time.Time
	amr      []string
	expiry   time.Time
	used     bool // rotated: presenting it again is reuse
	revoked  bool
}

// refreshRequest implements op.RefreshTokenRequest.
type refreshRequest struct {
	rt     *refreshToken
	scopes []string
}

func (r *refreshRequest) GetAMR() []string                 { return r.rt.amr }
func (r *refreshRequest) GetAudience() []string            { return []string{r.rt.clientID} }
func (r *refreshRequest) GetAuthTime() time.Time           { return r.rt.authTime }
func (r *refreshRequest) GetClientID() string              { return r.rt.clientID }
func (r *refreshRequest) GetScopes() []string              { return r.scopes }
func (r *refreshRequest) GetSubject() string               { return r.rt.subject }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.scopes = scopes }

// notFound marks storage misses (op.StorageNotFoundError).
type notFound struct{ what string }

func (e notFound) Error() string { return "authtest: " + e.what + " not found" }
func (notFound) IsNotFound()     {}

func newID() string { return rand.Text() }

func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	// Like EGI Check-in with PKCE enabled in the registry: no S256
	// challenge, no login.
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("Missing parameter: code_challenge_method")
	}
	scopes := slices.Clone(req.Scopes)
	// Keycloak issues a refresh token on every code flow; zitadel's op only
	// does so for offline_access, so ask for it on the client's behalf.
	if !slices.Contains(scopes, oidc.ScopeOfflineAccess) {
		scopes = append(scopes, oidc.ScopeOfflineAccess)
	}
	a := &authRequest{
		id:            newID(),
		clientID:      req.ClientID,
		redirectURI:   req.RedirectURI,
		state:         req.State,
		nonce:         req.Nonce,
		scopes:        scopes,
		responseType:  req.ResponseType,
		responseMode:  req.ResponseMode,
		codeChallenge: &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod},
	}
	s.mu.Lock()
	s.requests[a.id] = a
	s.mu.Unlock()
	return a, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return nil, notFound{"auth request"}
	}
	return a, nil
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[s.codes[code]]
	if !ok {
		return nil, notFound{"code"}
	}
	return a, nil
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs when a code has been exchanged, so a replayed
// code finds nothing.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// completeLogin marks the auth request as authenticated for subject.
func (s *storage) completeLogin(id, subject string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return notFound{"auth request"}
	}
	if _, ok := s.users[subject]; !ok {
		return notFound{"user"}
	}
	a.subject, a.authTime, a.done = subject, s.now(), true
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.newAccessToken(req.GetSubject(), req.GetScopes())
	return at.id, at.expiry, nil
}

func (s *storage) newAccessToken(subject string, scopes []string) *accessToken {
	at := &accessToken{
		id:       newID(),
		subject:  subject,
		clientID: s.client.id,
		scopes:   slices.Clone(scopes),
		expiry:   s.now().Add(s.client.accessTTL),
	}
	s.access[at.id] = at
	return at
}

// CreateAccessAndRefreshTokens issues an access token and a new refresh
// token. On a refresh it rotates: the presented token becomes used, and a
// second use of it (even concurrent) is refused.
func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	family := newID()
	authTime, amr := s.now(), []string{"pwd"}
	switch r := req.(type) {
	case *authRequest:
		authTime, amr = r.authTime, r.GetAMR()
	case *refreshRequest:
		authTime, amr = r.rt.authTime, r.rt.amr
	}
	if current != "" {
		old, ok := s.refresh[current]
		if !ok || old.revoked || old.used {
			if ok {
				s.revokeFamily(old.family)
			}
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token already used")
		}
		old.used = true
		family = old.family
	}
	at := s.newAccessToken(req.GetSubject(), req.GetScopes())
	rt := &refreshToken{
		token:    "rt." + newID(),
		family:   family,
		subject:  req.GetSubject(),
		clientID: s.client.id,
		scopes:   slices.Clone(req.GetScopes()),
		authTime: authTime,
		amr:      amr,
		expiry:   s.now().Add(s.client.refreshTTL),
	}
	s.refresh[rt.token] = rt
	return at.id, rt.token, at.expiry, nil
}

func (s *storage) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	switch {
	case !ok:
		return nil, notFound{"refresh token"}
	case rt.used:
		s.revokeFamily(rt.family)
		return nil, errors.New("authtest: refresh token reused; its family is revoked")
	case rt.revoked:
		return nil, errors.New("authtest: refresh token revoked")
	case !s.now().Before(rt.expiry):
		return nil, errors.New("authtest: refresh token expired")
	}
	return &refreshRequest{rt: rt, scopes: slices.Clone(rt.scopes)}, nil
}

func (s *storage) revokeFamily(family string) {
	for _, rt := range s.refresh {
		if rt.family == family {
			rt.revoked = true
		}
	}
}

// expireRefreshTokens makes every refresh token issued so far expired.
func (s *storage) expireRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for _, rt := range s.refresh {
		rt.expiry = past
	}
}

// TerminateSession ends the user's session at the OP: like Keycloak, the
// (non-offline) tokens of that session stop working.
func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range s.refresh {
		if rt.subject == userID && (clientID == "" || rt.clientID == clientID) {
			rt.revoked = true
		}
	}
	for _, at := range s.access {
		if at.subject == userID && (clientID == "" || at.clientID == clientID) {
			at.revoked = true
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt, ok := s.refresh[tokenOrID]; ok {
		if rt.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was issued to another client")
		}
		rt.revoked = true
		return nil
	}
	if at, ok := s.access[tokenOrID]; ok {
		if at.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was issued to another client")
		}
		at.revoked = true
	}
	// RFC 7009 §2.2: an unknown token is not an error.
	return nil
}

func (s *storage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok || rt.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.subject, rt.token, nil
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.key, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{s.key.SignatureAlgorithm()}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{&publicKey{s.key}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	if clientID != s.client.id {
		return nil, notFound{"client"}
	}
	return s.client, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, clientID, secret string) error {
	if clientID != s.client.id || subtle.ConstantTimeCompare([]byte(secret), []byte(s.client.secret)) != 1 {
		return errors.New("authtest: wrong client id or secret")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in zitadel's op; SetUserinfoFromRequest
// fills the ID token instead.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's user claims. Like EGI, the
// entitlements are not in the ID token (UserInfo only).
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	s.mu.Lock()
	u, ok := s.users[req.GetSubject()]
	s.mu.Unlock()
	if !ok {
		return notFound{"user"}
	}
	info.Subject = u.Subject
	if slices.Contains(scopes, "voperson_id") || slices.Contains(scopes, "aarc") {
		info.AppendClaims("voperson_id", u.VOPersonID)
	}
	return nil
}

// SetUserinfoFromToken answers UserInfo for a live access token.
func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.access[tokenID]
	if !ok || at.revoked || !s.now().Before(at.expiry) || at.subject != subject {
		return oidc.ErrAccessDenied().WithDescription("access token is not active")
	}
	u, ok := s.users[subject]
	if !ok {
		return notFound{"user"}
	}
	fillUserInfo(info, u, at.scopes)
	return nil
}

// fillUserInfo releases the claims EGI Check-in releases for scopes.
func fillUserInfo(info *oidc.UserInfo, u User, scopes []string) {
	has := func(s ...string) bool {
		for _, x := range s {
			if slices.Contains(scopes, x) {
				return true
			}
		}
		return false
	}
	info.Subject = u.Subject
	if has(oidc.ScopeProfile, "aarc") {
		info.Name = u.Name
		info.PreferredUsername = u.Username()
		given, family, _ := strings.Cut(u.Name, " ")
		info.GivenName, info.FamilyName = given, family
	}
	if has(oidc.ScopeEmail, "aarc") && u.Email != "" {
		info.Email = u.Email
		info.EmailVerified = true
	}
	if has("voperson_id", "aarc") && u.VOPersonID != "" {
		info.AppendClaims("voperson_id", u.VOPersonID)
	}
	if has("entitlements") {
		info.AppendClaims("entitlements", slices.Clone(u.Entitlements))
	}
	if has("eduperson_entitlement") {
		info.AppendClaims("eduperson_entitlement", slices.Clone(u.Entitlements))
	}
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.access[tokenID]
	if !ok || at.revoked || !s.now().Before(at.expiry) {
		return nil // inactive
	}
	u, ok := s.users[subject]
	if !ok {
		return nil
	}
	info := new(oidc.UserInfo)
	fillUserInfo(info, u, at.scopes)
	resp.SetUserInfo(info)
	resp.Active = true
	resp.Scope = at.scopes
	resp.ClientID = at.clientID
	resp.Expiration = oidc.FromTime(at.expiry)
	_ = clientID
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(_ context.Context, userID, _ string, scopes []string) (map[string]any, error) {
	return s.accessTokenClaims(userID, scopes), nil
}

// GetPrivateClaimsFromRequest adds EGI-like claims to the JWT access token:
// scope (the full list, not the one without profile/email zitadel passes
// in) and voperson_id.
func (s *storage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	return s.accessTokenClaims(req.GetSubject(), req.GetScopes()), nil
}

func (s *storage) accessTokenClaims(subject string, scopes []string) map[string]any {
	s.mu.Lock()
	u := s.users[subject]
	s.mu.Unlock()
	claims := map[string]any{"scope": strings.Join(scopes, " ")}
	if u.VOPersonID != "" && (slices.Contains(scopes, "voperson_id") || slices.Contains(scopes, "aarc")) {
		claims["voperson_id"] = u.VOPersonID
	}
	return claims
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("authtest: JWT profile is not supported")
}

func (s *storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (s *storage) Health(context.Context) error { return nil }

// accessTokenActive reports whether the access token with this ID is live.
func (s *storage) accessTokenActive(id, subject string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.access[id]
	if !ok || at.revoked || !s.now().Before(at.expiry) || at.subject != subject {
		return User{}, false
	}
	u, ok := s.users[subject]
	return u, ok
}

// signingKey is the OP's RS256 key.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func newSigningKey() (*signingKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("authtest: generate signing key: %w", err)
	}
	return &signingKey{id: newID(), key: k}, nil
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is the JWKS entry for a signingKey.
type publicKey struct{ k *signingKey }

func (p *publicKey) ID() string                         { return p.k.id }
func (p *publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p *publicKey) Use() string                        { return "sig" }
func (p *publicKey) Key() any                           { return &p.k.key.PublicKey }

// client is the one registered client: confidential, client_secret_basic,
// code flow with refresh tokens, JWT access tokens.
type client struct {
	id, secret             string
	redirectURIs           []string
	postLogoutRedirectURIs []string
	accessTTL, refreshTTL  time.Duration
	idTTL                  time.Duration
}

func (c *client) GetID() string                       { return c.id }
func (c *client) RedirectURIs() []string              { return c.redirectURIs }
func (c *client) PostLogoutRedirectURIs() []string    { return c.postLogoutRedirectURIs }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) LoginURL(id string) string           { return loginPath + "?id=" + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c *client) IDTokenLifetime() time.Duration      { return c.idTTL }
func (c *client) DevMode() bool                       { return false }

// IsScopeAllowed allows the EGI scopes beyond the standard ones.
func (c *client) IsScopeAllowed(scope string) bool {
	switch scope {
	case "entitlements", "eduperson_entitlement", "voperson_id", "aarc":
		return true
	}
	return false
}
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
