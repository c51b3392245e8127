package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// LoginState is what one login attempt must remember between AuthCodeURL
// and the callback. The caller keeps it server-side (never in the URL),
// hands it to Exchange exactly once and deletes it (R3). It is plain data
// and serialises to JSON.
type LoginState struct {
	Provider string    `json:"provider"` // Config.ID of the provider that made it
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"` // PKCE code_verifier
	Next     string    `json:"next"`     // return path, validated by the caller
	Endpoint string    `json:"endpoint"` // OSCAR endpoint chosen at login
	Created  time.Time `json:"created"`
}

// Tokens are the provider's tokens for one session. Keep them server-side.
type Tokens struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	IDToken      string    `json:"id_token,omitempty"`
	Expiry       time.Time `json:"expiry"`
	Scopes       []string  `json:"scopes,omitempty"`
}

// Identity is the signed-in user as the ID token and UserInfo describe them.
type Identity struct {
	// Subject is the ID token's sub (equal to UserInfo's sub).
	Subject string `json:"sub"`
	// VOPersonID is EGI's community identifier (voperson_id), if released.
	VOPersonID        string `json:"voperson_id,omitempty"`
	Name              string `json:"name,omitempty"`
	Email             string `json:"email,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Issuer            string `json:"iss"`
	// VOs are parsed from UserInfo by ParseVOs.
	VOs []string `json:"vos,omitempty"`
	// UserInfo is the raw UserInfo response, for the token page.
	UserInfo json.RawMessage `json:"userinfo,omitempty"`
}

// Key is the user's stable key: voperson_id, falling back to sub (R6).
// Never the email or preferred_username.
func (i Identity) Key() string {
	if i.VOPersonID != "" {
		return i.VOPersonID
	}
	return i.Subject
}

// AuthCodeURL starts a login: it returns a fresh LoginState (state and
// nonce of 130 random bits from crypto/rand, a PKCE verifier) and the
// authorization URL to redirect the browser to, with response_type=code,
// the S256 challenge, state and nonce (R1, R3). next and endpoint are only
// carried in the LoginState; validate them before calling.
func (p *Provider) AuthCodeURL(next, endpoint string) (LoginState, string, error) {
	d := p.current()
	if d == nil {
		return LoginState{}, "", p.notReady()
	}
	ls := LoginState{
		Provider: p.cfg.ID,
		State:    rand.Text(),
		Nonce:    rand.Text(),
		Verifier: oauth2.GenerateVerifier(),
		Next:     next,
		Endpoint: endpoint,
		Created:  p.now(),
	}
	u := d.oauth.AuthCodeURL(ls.State, oauth2.S256ChallengeOption(ls.Verifier), oidc.Nonce(ls.Nonce))
	return ls, u, nil
}

// Exchange finishes a login from the callback's query q, in this order
// (R4, R5): the OP's error parameter (KindProvider); state present and equal
// in constant time, login state for this provider and under 10 minutes old,
// and iss equal to the issuer when present (required when the OP advertises
// RFC 9207) (all KindState, before any token request); code exchange with the PKCE verifier
// and client_secret_basic (KindExchange); ID token verification
// (KindIDToken); nonce (KindNonce); UserInfo and its sub (KindUserInfo).
// Network failures and 5xx answers are KindUnavailable.
func (p *Provider) Exchange(ctx context.Context, ls LoginState, q url.Values) (Tokens, Identity, error) {
	if code := q.Get("error"); code != "" {
		msg := q.Get("error_description")
		if msg == "" {
			msg = code
		}
		return Tokens{}, Identity{}, &Error{Kind: KindProvider, Message: msg, Err: fmt.Errorf("authorization error %q", code)}
	}
	if err := p.checkState(ls, q); err != nil {
		return Tokens{}, Identity{}, err
	}
	d := p.current()
	if d == nil {
		return Tokens{}, Identity{}, p.notReady()
	}
	// RFC 9207 mix-up defence, checked before the code is spent. An iss that is present must be this
	// issuer whether or not the OP advertises the parameter: a foreign one says the response came from
	// (or was meant for) another provider. Only an OP that advertises it must send it.
	if iss, present := q["iss"]; present || d.meta.IssParameterSupported {
		if len(iss) != 1 || iss[0] != p.cfg.Issuer {
			return Tokens{}, Identity{}, &Error{Kind: KindState, Message: "callback iss does not match the issuer"}
		}
	}
	code := q.Get("code")
	if code == "" {
		return Tokens{}, Identity{}, &Error{Kind: KindExchange, Message: "callback has no code"}
	}

	ctx = p.ctx(ctx)
	tok, err := d.oauth.Exchange(ctx, code, oauth2.VerifierOption(ls.Verifier))
	if err != nil {
		return Tokens{}, Identity{}, tokenError("code exchange", err, KindExchange, 0)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return Tokens{}, Identity{}, &Error{Kind: KindIDToken, Message: "token response has no id_token"}
	}
	idt, err := d.verifier.Verify(ctx, rawID)
	if err != nil {
		if isNetwork(err) {
			return Tokens{}, Identity{}, &Error{Kind: KindUnavailable, Message: "fetch signing keys", Err: err}
		}
		return Tokens{}, Identity{}, &Error{Kind: KindIDToken, Message: "ID token verification failed", Err: err}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(ls.Nonce)) != 1 {
		return Tokens{}, Identity{}, &Error{Kind: KindNonce, Message: "ID token nonce does not match this login"}
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Tokens{}, Identity{}, &Error{Kind: KindIDToken, Message: "access token does not match the ID token's at_hash", Err: err}
		}
	}

	ui, err := d.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return Tokens{}, Identity{}, userInfoError(err)
	}
	if ui.Subject == "" || subtle.ConstantTimeCompare([]byte(ui.Subject), []byte(idt.Subject)) != 1 {
		return Tokens{}, Identity{}, &Error{Kind: KindUserInfo, Message: "UserInfo sub does not match the ID token's sub"}
	}
	var raw json.RawMessage
	if err := ui.Claims(&raw); err != nil {
		return Tokens{}, Identity{}, &Error{Kind: KindUserInfo, Message: "read UserInfo claims", Err: err}
	}
	id, err := identity(idt, raw)
	if err != nil {
		return Tokens{}, Identity{}, err
	}
	p.log.Info("auth: login", "sub", id.Subject, "vos", len(id.VOs))
	return p.tokens(tok, rawID), id, nil
}

// checkState validates the login state against the callback before any
// request is made to the provider.
func (p *Provider) checkState(ls LoginState, q url.Values) error {
	got := q.Get("state")
	if got == "" || ls.State == "" {
		return &Error{Kind: KindState, Message: "callback has no state or there is no login in progress"}
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(ls.State)) != 1 {
		return &Error{Kind: KindState, Message: "callback state does not match this login"}
	}
	if ls.Provider != p.cfg.ID {
		return &Error{Kind: KindState, Message: "login was started with another provider"}
	}
	age := p.now().Sub(ls.Created)
	if ls.Created.IsZero() || age > loginStateTTL || age < -time.Minute {
		return &Error{Kind: KindState, Message: "login took too long, please sign in again"}
	}
	if ls.Nonce == "" || ls.Verifier == "" {
		return &Error{Kind: KindState, Message: "login state is incomplete"}
	}
	return nil
}

// identity builds the Identity from the verified ID token and the raw
// UserInfo claims; UserInfo wins where both carry a claim.
func identity(idt *oidc.IDToken, raw json.RawMessage) (Identity, error) {
	type profile struct {
		VOPersonID        string `json:"voperson_id"`
		Name              string `json:"name"`
		Email             string `json:"email"`
		PreferredUsername string `json:"preferred_username"`
	}
	var fromID, fromUI profile
	// A malformed optional claim in the ID token is not worth failing for.
	_ = idt.Claims(&fromID)
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return Identity{}, &Error{Kind: KindUserInfo, Message: "UserInfo is not a JSON object", Err: err}
	}
	// Claims of unexpected types are ignored field by field.
	fromUI.VOPersonID, _ = claims["voperson_id"].(string)
	fromUI.Name, _ = claims["name"].(string)
	fromUI.Email, _ = claims["email"].(string)
	fromUI.PreferredUsername, _ = claims["preferred_username"].(string)
	return Identity{
		Subject:           idt.Subject,
		VOPersonID:        first(fromUI.VOPersonID, fromID.VOPersonID),
		Name:              first(fromUI.Name, fromID.Name),
		Email:             first(fromUI.Email, fromID.Email),
		PreferredUsername: first(fromUI.PreferredUsername, fromID.PreferredUsername),
		Issuer:            idt.Issuer,
		VOs:               ParseVOs(claims),
		UserInfo:          raw,
	}, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tokens converts an oauth2.Token. Scopes come from the response's scope
// field; when it is absent the granted scopes equal the requested ones
// (RFC 6749 §5.1).
func (p *Provider) tokens(tok *oauth2.Token, rawID string) Tokens {
	t := Tokens{
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		IDToken:      rawID,
		Expiry:       tok.Expiry,
	}
	if s, _ := tok.Extra("scope").(string); strings.TrimSpace(s) != "" {
		t.Scopes = strings.Fields(s)
	} else {
		t.Scopes = append([]string(nil), p.cfg.Scopes...)
	}
	return t
}

// userInfoError classifies a UserInfo failure.
func userInfoError(err error) *Error {
	if isNetwork(err) {
		return &Error{Kind: KindUnavailable, Message: "UserInfo: provider unreachable", Err: err}
	}
	return &Error{Kind: KindUserInfo, Message: "UserInfo request failed", Err: err}
}
