package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Refresh redeems refreshToken at the token endpoint with client
// authentication. The returned Tokens carry the new refresh token when the
// provider rotates it (persist it at once) and the old one otherwise, and a
// new ID token when the provider sends one (verified, nonce not required).
// An invalid_grant answer is KindInvalidGrant (errors.Is(err,
// ErrInvalidGrant)): end the session. Unreachable or 5xx is KindUnavailable:
// keep the session and try later.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	d := p.current()
	if d == nil {
		return Tokens{}, p.notReady()
	}
	if refreshToken == "" {
		return Tokens{}, &Error{Kind: KindInvalidGrant, Message: "no refresh token"}
	}
	ctx = p.ctx(ctx)
	// An expired token makes the TokenSource go straight to the refresh.
	ts := d.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)})
	tok, err := ts.Token()
	if err != nil {
		return Tokens{}, tokenError("refresh", err, KindExchange, KindInvalidGrant)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID != "" {
		if _, err := d.verifier.Verify(ctx, rawID); err != nil {
			if isNetwork(err) {
				return Tokens{}, &Error{Kind: KindUnavailable, Message: "fetch signing keys", Err: err}
			}
			return Tokens{}, &Error{Kind: KindIDToken, Message: "refreshed ID token verification failed", Err: err}
		}
	}
	return p.tokens(tok, rawID), nil
}

// UserInfo calls the UserInfo endpoint with accessToken and returns the
// raw JSON object. A refused token is KindUserInfo, an unreachable
// provider KindUnavailable.
func (p *Provider) UserInfo(ctx context.Context, accessToken string) (json.RawMessage, error) {
	d := p.current()
	if d == nil {
		return nil, p.notReady()
	}
	ui, err := d.provider.UserInfo(p.ctx(ctx), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: accessToken, TokenType: "Bearer"}))
	if err != nil {
		return nil, userInfoError(err)
	}
	var raw json.RawMessage
	if err := ui.Claims(&raw); err != nil {
		return nil, &Error{Kind: KindUserInfo, Message: "read UserInfo claims", Err: err}
	}
	return raw, nil
}

// Revoke revokes refreshToken at the provider's revocation_endpoint
// (RFC 7009) with client_secret_basic. It is a no-op returning nil when the
// provider advertises no revocation endpoint or refreshToken is empty.
func (p *Provider) Revoke(ctx context.Context, refreshToken string) error {
	d := p.current()
	if d == nil {
		return p.notReady()
	}
	if d.meta.RevocationEndpoint == "" || refreshToken == "" {
		return nil
	}
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.meta.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("auth: revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: form-encode id and secret before Basic, as x/oauth2 does.
	req.SetBasicAuth(url.QueryEscape(p.cfg.ClientID), url.QueryEscape(p.cfg.ClientSecret))
	resp, err := p.client.Do(req)
	if err != nil {
		return &Error{Kind: KindUnavailable, Message: "revoke: provider unreachable", Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var oe struct {
		Code string `json:"error"`
	}
	_ = json.Unmarshal(body, &oe)
	kind := KindExchange
	if resp.StatusCode >= 500 {
		kind = KindUnavailable
	}
	return &Error{Kind: kind, Message: "revoke refused", Err: fmt.Errorf("revocation endpoint answered %s %q", resp.Status, oe.Code)}
}

// EndSessionURL returns the RP-initiated logout URL (R20): the provider's
// end_session_endpoint with id_token_hint, post_logout_redirect_uri (when
// configured), state and client_id. ok is false when the provider has no
// end_session_endpoint (or is not discovered): then just show the
// signed-out page.
func (p *Provider) EndSessionURL(idTokenHint, state string) (string, bool) {
	d := p.current()
	if d == nil || d.meta.EndSessionEndpoint == "" {
		return "", false
	}
	u, err := url.Parse(d.meta.EndSessionEndpoint)
	if err != nil {
		p.log.Warn("auth: end_session_endpoint is not a URL", "err", err)
		return "", false
	}
	q := u.Query()
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if p.cfg.PostLogoutRedirectURL != "" {
		q.Set("post_logout_redirect_uri", p.cfg.PostLogoutRedirectURL)
	}
	if state != "" {
		q.Set("state", state)
	}
	q.Set("client_id", p.cfg.ClientID)
	u.RawQuery = q.Encode()
	return u.String(), true
}
