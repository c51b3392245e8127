package authtest

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"sync"
	"time"

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
