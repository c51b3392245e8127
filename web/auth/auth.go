// Package auth is OSCAR Console's OpenID Connect relying party: it discovers
// the provider (EGI Check-in by default), builds the authorization request
// with state, nonce and PKCE S256, and turns the callback into verified tokens
// and an Identity (ID token checked, UserInfo fetched and its subject
// matched, VOs parsed from the EGI entitlements).
//
// It is built on coreos/go-oidc and golang.org/x/oauth2 and knows no routes,
// sessions or templates: the handlers keep the LoginState and the Tokens
// server-side and decide what to show. Nothing here logs or returns a token
// in an error message.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// DefaultName is the provider label used when Config.Name is empty.
const DefaultName = "EGI Check-in"

// DefaultID is the provider slug used when Config.ID is empty.
const DefaultID = "egi"

// DefaultScopes returns the scopes requested when Config.Scopes is empty:
// openid profile email entitlements eduperson_entitlement voperson_id.
// Every scope must be enabled for the client at EGI, or Keycloak refuses
// the request with invalid_scope. It is a function, not a variable, so no
// caller can change the default for everyone.
func DefaultScopes() []string {
	return []string{oidc.ScopeOpenID, "profile", "email", "entitlements", "eduperson_entitlement", "voperson_id"}
}

// Config describes one OpenID provider and this console's client there.
type Config struct {
	// ID is a short slug used in forms and URLs, e.g. "egi" (default DefaultID).
	ID string
	// Name is the label on the sign-in button (default DefaultName).
	Name string
	// Issuer is the exact issuer, e.g. https://aai.egi.eu/auth/realms/egi
	// (no trailing slash for EGI). Every endpoint comes from its discovery
	// document.
	Issuer       string
	ClientID     string
	ClientSecret string
	// Scopes requested at login (default DefaultScopes()).
	Scopes []string
	// RedirectURL is <public url>/auth/callback, registered exactly at the OP.
	RedirectURL string
	// PostLogoutRedirectURL is <public url>/logged-out, registered at the OP.
	PostLogoutRedirectURL string
}

// withDefaults fills in ID, Name and Scopes.
func (c Config) withDefaults() Config {
	if c.ID == "" {
		c.ID = DefaultID
	}
	if c.Name == "" {
		c.Name = DefaultName
	}
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes()
	} else {
		c.Scopes = slices.Clone(c.Scopes)
	}
	return c
}

// Retry intervals for Run: short at first so a provider that was briefly
// down at start is found quickly, capped so a long outage is not hammered.
const (
	defaultRetryMin = time.Second
	defaultRetryMax = time.Minute
)

// loginStateTTL is how long a LoginState is accepted at the callback.
const loginStateTTL = 10 * time.Minute

// Provider is the relying party for one OpenID provider. It is safe for
// concurrent use. Until Discover succeeds, every method that needs the
// provider's metadata answers an *Error of KindUnavailable.
type Provider struct {
	cfg    Config
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	retryMin, retryMax time.Duration

	mu   sync.RWMutex
	disc *discovered // nil until Discover succeeds
}

// discovered is what one successful discovery produced.
type discovered struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    *oauth2.Config
	meta     metadata
}

// metadata holds the discovery fields that go-oidc does not expose directly.
type metadata struct {
	EndSessionEndpoint            string   `json:"end_session_endpoint"`
	RevocationEndpoint            string   `json:"revocation_endpoint"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	IssParameterSupported         bool     `json:"authorization_response_iss_parameter_supported"`
}

// New returns a Provider for cfg. It does no network I/O: call Discover
// (once, e.g. at start) or Run (retries in the background) before use.
// client is used for every request to the provider (discovery, JWKS, token,
// UserInfo, revocation); nil means a client with a 15 s timeout. log nil
// discards log output.
func New(cfg Config, client *http.Client, log *slog.Logger) *Provider {
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Provider{
		cfg:      cfg,
		client:   client,
		log:      log.With("provider", cfg.ID),
		now:      time.Now,
		retryMin: defaultRetryMin,
		retryMax: defaultRetryMax,
	}
}

// Config returns the provider's configuration with defaults filled in and
// ClientSecret left empty: nothing outside this package needs the secret,
// and a page can then never show it (R19).
func (p *Provider) Config() Config {
	c := p.cfg
	c.Scopes = slices.Clone(c.Scopes)
	c.ClientSecret = ""
	return c
}

// Ready reports whether discovery has succeeded.
func (p *Provider) Ready() bool {
	return p.current() != nil
}

func (p *Provider) current() *discovered {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.disc
}

// ctx attaches the provider's HTTP client for go-oidc and x/oauth2 (both
// read it from the same context key).
func (p *Provider) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, p.client)
}

// Discover makes one attempt to fetch the discovery document. It fails if
// the provider cannot be reached, if the document's issuer is not exactly
// Config.Issuer, or if PKCE S256 is not advertised (R2). On success the
// Provider is Ready.
func (p *Provider) Discover(ctx context.Context) error {
	if p.cfg.Issuer == "" || p.cfg.ClientID == "" {
		return fmt.Errorf("auth: discover %s: issuer and client id are required", p.cfg.ID)
	}
	op, err := oidc.NewProvider(p.ctx(ctx), p.cfg.Issuer)
	var mismatch *oidc.IssuerMismatchError
	switch {
	case errors.As(err, &mismatch):
		// A configuration error (e.g. a trailing slash), not an outage.
		return fmt.Errorf("auth: discover %s: %w", p.cfg.Issuer, err)
	case err != nil:
		return &Error{Kind: KindUnavailable, Message: "discovery failed", Err: fmt.Errorf("discover %s: %w", p.cfg.Issuer, err)}
	}
	var meta metadata
	if err := op.Claims(&meta); err != nil {
		return fmt.Errorf("auth: discover %s: read metadata: %w", p.cfg.Issuer, err)
	}
	if !slices.Contains(meta.CodeChallengeMethodsSupported, "S256") {
		return fmt.Errorf("auth: discover %s: provider does not advertise PKCE S256 (code_challenge_methods_supported)", p.cfg.Issuer)
	}
	d := &discovered{
		provider: op,
		// Issuer, audience (client ID), expiry and signature; the nonce is
		// compared in Exchange because go-oidc does not check it.
		verifier: op.Verifier(&oidc.Config{ClientID: p.cfg.ClientID}),
		oauth: &oauth2.Config{
			ClientID:     p.cfg.ClientID,
			ClientSecret: p.cfg.ClientSecret,
			Endpoint:     op.Endpoint(),
			RedirectURL:  p.cfg.RedirectURL,
			Scopes:       slices.Clone(p.cfg.Scopes),
		},
		meta: meta,
	}
	// client_secret_basic, as registered at EGI; no auto-detection, which
	// would retry the secret in the body after a failure.
	d.oauth.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	p.mu.Lock()
	p.disc = d
	p.mu.Unlock()
	p.log.Info("auth: provider discovered", "issuer", p.cfg.Issuer,
		"revocation", meta.RevocationEndpoint != "", "end_session", meta.EndSessionEndpoint != "")
	return nil
}

// Run calls Discover until it succeeds or ctx ends, waiting longer after
// each failure (1 s doubling up to 1 min). It returns at once if the
// Provider is already Ready. Run it in its own goroutine at start so the
// console starts even when the provider is down.
func (p *Provider) Run(ctx context.Context) {
	wait := p.retryMin
	for !p.Ready() {
		err := p.Discover(ctx)
		if err == nil {
			return
		}
		p.log.Warn("auth: provider discovery failed, will retry", "issuer", p.cfg.Issuer, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, p.retryMax)
	}
}
