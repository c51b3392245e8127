package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/session"
)

const (
	// refreshMargin: an access token with less than this left is refreshed before use (R16, R31), so
	// it does not expire on its way to OSCAR.
	refreshMargin = 60 * time.Second
	// refreshLockTTL bounds how long one request may hold a session's refresh lock.
	refreshLockTTL = 30 * time.Second
)

var (
	// errSessionEnded means the session can no longer be used (refresh token refused, token expired
	// without a refresh token, session deleted meanwhile): the user must sign in again.
	errSessionEnded = errors.New("handlers: session ended")
	// errNoRefreshToken means a refresh was asked for but the session has no refresh token.
	errNoRefreshToken = errors.New("handlers: no refresh token")
)

// requireLogin guards the signed-in routes. Visitors without a session go to the login page. An OIDC
// session whose access token has less than a minute left is refreshed first, so every handler holds a
// fresh token; if the refresh token is no longer valid the session ends and the user is sent to sign
// in again, with the page they wanted kept in next=.
func (p *Pages) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := p.session(r)
		if !s.Data.SignedIn() {
			p.fail(w, r, errSignIn)
			return
		}
		if s.Data.Kind == session.KindOIDC && p.expiresSoon(&s.Data) {
			if err := p.refresh(w, r, s, false); err != nil {
				if errors.Is(err, errSessionEnded) {
					err = p.endSession(w, r, returnPath(r))
				}
				if err != nil {
					p.fail(w, r, err)
				}
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// returnPath is where to come back after signing in again: the URL of a GET, the path of a form post
// (a form's page lives at the URL it posts to), as errors.go does for errSignIn.
func returnPath(r *http.Request) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	return r.URL.Path
}

// expiresSoon reports whether the access token has less than refreshMargin left. A session without a
// known expiry is left alone.
func (p *Pages) expiresSoon(d *session.Data) bool {
	return !d.Expiry.IsZero() && p.now().Add(refreshMargin).After(d.Expiry)
}

// expired reports whether the access token is no longer valid.
func (p *Pages) expired(d *session.Data) bool {
	return !d.Expiry.IsZero() && !p.now().Before(d.Expiry)
}

// refresh gets new tokens for the session, one request at a time per session (R16): it takes the
// session's lock, reloads the session, and returns at once if another request refreshed while this
// one waited, so N concurrent requests make one refresh call. The rotated refresh token is saved
// before the lock is released. force refreshes even a token that has time left ("Get a fresh token").
//
// It returns errSessionEnded when the user must sign in again, errNoRefreshToken for a forced
// refresh without a refresh token, and an error wrapping *auth.Error when the provider cannot be
// used (the session is kept). Without force, an unreachable provider is tolerated while the current
// token is still valid: the request goes on with it.
func (p *Pages) refresh(w http.ResponseWriter, r *http.Request, s *session.Session, force bool) error {
	ctx := r.Context()
	before := s.Data.AccessToken
	unlock, err := p.sessions.Lock(ctx, s, refreshLockTTL)
	if err != nil {
		return fmt.Errorf("handlers: refresh: %w", err)
	}
	defer unlock()
	if err := p.sessions.Reload(ctx, s); err != nil {
		if errors.Is(err, session.ErrNotFound) {
			return errSessionEnded // signed out meanwhile, in another tab
		}
		return fmt.Errorf("handlers: refresh: %w", err)
	}
	d := &s.Data
	if d.Kind != session.KindOIDC || !d.SignedIn() {
		return errSessionEnded
	}
	if d.AccessToken != before || (!force && !p.expiresSoon(d)) {
		return nil // another request refreshed while this one waited for the lock
	}
	prov := p.provider(d.Provider)
	if prov == nil || d.RefreshToken == "" {
		switch {
		case force && prov != nil:
			return errNoRefreshToken
		case p.expired(d) || force:
			return errSessionEnded
		}
		return nil // keep using the token until it expires
	}
	toks, err := prov.Refresh(ctx, d.RefreshToken)
	if err != nil {
		var ae *auth.Error
		switch {
		case errors.Is(err, auth.ErrInvalidGrant):
			p.log.InfoContext(ctx, "refresh token no longer valid; session ended", "sub", d.Subject)
			return errSessionEnded
		case !force && errors.As(err, &ae) && ae.Kind == auth.KindUnavailable && !p.expired(d):
			p.log.WarnContext(ctx, "token refresh failed; using the current token until it expires",
				"provider", d.Provider, "err", err)
			return nil
		}
		return fmt.Errorf("handlers: refresh tokens: %w", err)
	}
	d.AccessToken = toks.AccessToken
	if toks.RefreshToken != "" {
		d.RefreshToken = toks.RefreshToken // rotated: the old one is dead now, persist the new one at once
	}
	if toks.IDToken != "" {
		d.IDToken = toks.IDToken
	}
	d.Expiry = toks.Expiry
	if len(toks.Scopes) > 0 {
		d.Scopes = toks.Scopes
	}
	if err := p.sessions.Save(w, r, s); err != nil {
		return fmt.Errorf("handlers: refresh: save: %w", err)
	}
	p.log.InfoContext(ctx, "tokens refreshed", "sub", d.Subject)
	return nil
}

// endSession ends a session that can no longer be used and sends the user to sign in again, with a
// message and the return path kept. The old session is deleted; the message lives in a new one.
func (p *Pages) endSession(w http.ResponseWriter, r *http.Request, next string) error {
	s := p.session(r)
	old := s.Data
	if err := p.sessions.Destroy(w, r, s); err != nil {
		return err
	}
	// The wizard drafts outlive the session (encrypted, server-side, under the new ID), for the same
	// person only: KeepDrafts gives them back at the next sign-in if the owner matches.
	if len(old.Drafts) > 0 {
		s.Data.Drafts, s.Data.DraftOwner = old.Drafts, old.Owner()
	}
	s.Data.AddFlash("Your session ended, sign in again.")
	to := "/login"
	if SafeNext(next) && next != "/" {
		to += "?next=" + url.QueryEscape(next)
	}
	return p.redirect(w, r, to)
}
