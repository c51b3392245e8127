package authtest

import (
	"context"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

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
