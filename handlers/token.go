package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// egiIssuer is used in the oidc-agent advice of a console without identity providers.
const egiIssuer = "https://aai.egi.eu/auth/realms/egi"

// showToken handles "GET /token": the access token (masked until revealed), its expiry, issuer,
// subject, scopes and VOs (and which of them the cluster accepts), its decoded claims, the UserInfo
// answer, and commands that use it. Never the refresh token, the ID token or the client secret.
func (p *Pages) showToken(w http.ResponseWriter, r *http.Request) error {
	// The page holds a bearer token: no caching (render sets no-store) and no Referer to any link.
	w.Header().Set("Referrer-Policy", "no-referrer")
	d := &p.session(r).Data
	l := p.layout(r, "Your token", "token")
	if d.Kind != session.KindOIDC {
		return p.render(w, r, http.StatusOK, templates.TokenPage(l, p.basicTokenProps()))
	}
	props, err := p.tokenProps(r.Context(), d)
	if err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, templates.TokenPage(l, props))
}

// tokenProps builds the token page of an OIDC session.
func (p *Pages) tokenProps(ctx context.Context, d *session.Data) (templates.TokenProps, error) {
	ep := oscar.Endpoint(d.Endpoint)
	props := templates.TokenProps{
		Endpoint:     d.Endpoint,
		ProviderName: "your identity provider",
		AccessToken:  d.AccessToken,
		Subject:      d.Subject,
		VOPersonID:   d.VOPersonID,
		Scopes:       d.Scopes,
		CanRefresh:   d.RefreshToken != "",
		AgentAccount: "egi",
	}
	issuer := ""
	prov := p.provider(d.Provider)
	if prov != nil {
		c := prov.Config()
		props.ProviderName, issuer, props.AgentAccount = c.Name, c.Issuer, c.ID
	}
	if !d.Expiry.IsZero() {
		left := d.Expiry.Sub(p.now())
		props.ExpiresAt = d.Expiry.UTC().Format("2006-01-02 15:04:05 UTC")
		props.ExpiresISO = d.Expiry.UTC().Format(time.RFC3339)
		props.Expired = left <= 0
		props.MinutesLeft = max(0, int(left/time.Minute))
	}

	// The token's parts are shown as the token has them, indented; only its issuer is decoded.
	header, payload, err := auth.ClaimsJSON(d.AccessToken)
	if err != nil {
		props.ClaimsNote = "This access token is not a JWT, so there is nothing to decode: only the identity provider can read it."
	} else {
		props.HeaderJSON, props.PayloadJSON = indentJSON(header), indentJSON(payload)
		var claims struct {
			Issuer any `json:"iss"`
		}
		_ = json.Unmarshal(payload, &claims) // valid JSON (ClaimsJSON checked); iss of any type
		if iss, ok := claims.Issuer.(string); ok && iss != "" {
			issuer = iss // the token's own issuer is what OSCAR checks
		}
	}
	props.Issuer = issuer
	if len(d.UserInfo) > 0 {
		props.UserInfoJSON = indentJSON(d.UserInfo)
	}

	// Which of the user's VOs the cluster accepts: its OIDC groups, when OSCAR tells them.
	if f, err := p.oscar.Features(ctx, ep, oscar.Creds{Token: d.AccessToken}); err == nil {
		props.ClusterVOs, props.ClusterVOsKnown = f.VOs, true
	} else if errors.Is(err, context.Canceled) {
		return props, err
	} else {
		p.log.InfoContext(ctx, "token page: cluster VOs unknown", "endpoint", ep.Host(), "err", err)
	}
	for _, vo := range d.VOs {
		props.VOs = append(props.VOs, templates.TokenVO{Name: vo, Accepted: slices.Contains(props.ClusterVOs, vo)})
	}

	props.ExportSnippet = "export OIDC_TOKEN='" + d.AccessToken + "'"
	props.InfoSnippet = `curl -H "Authorization: Bearer $OIDC_TOKEN" ` + d.Endpoint + "/system/info"
	props.UserInfoSnippet = userInfoSnippet(prov, issuer)
	p.agentSnippets(&props, issuer)
	props.CLISnippet = "oscar-cli cluster add " + clusterID(ep) + " " + d.Endpoint + " --oidc-account-name " + props.AgentAccount
	return props, nil
}

// basicTokenProps is the token page of a basic-auth session: how to get a personal token instead.
func (p *Pages) basicTokenProps() templates.TokenProps {
	props := templates.TokenProps{Basic: true, AgentAccount: "egi"}
	issuer := egiIssuer
	if len(p.providers) > 0 {
		c := p.providers[0].Config()
		issuer, props.AgentAccount = c.Issuer, c.ID
	}
	p.agentSnippets(&props, issuer)
	return props
}

// agentSnippets fills the oidc-agent commands and the token portal link for issuer.
func (p *Pages) agentSnippets(props *templates.TokenProps, issuer string) {
	if issuer == "" {
		issuer = egiIssuer
	}
	props.AgentGenSnippet = "oidc-gen --pub --issuer " + issuer + " " + props.AgentAccount
	props.AgentTokSnippet = "oidc-token " + props.AgentAccount
	if isEGI(issuer) {
		if u, err := url.Parse(issuer); err == nil {
			props.TokenPortalURL = "https://" + u.Host + "/token"
		}
	}
}

// userInfoSnippet is the curl command that asks the provider's UserInfo endpoint about the token.
// The endpoint comes from the provider when it tells it; Keycloak (EGI Check-in) has a fixed path;
// otherwise the command looks it up in the discovery document.
func userInfoSnippet(prov *auth.Provider, issuer string) string {
	const curl = `curl -H "Authorization: Bearer $OIDC_TOKEN" `
	if prov != nil {
		if u, ok := any(prov).(interface{ UserInfoURL() string }); ok && u.UserInfoURL() != "" {
			return curl + u.UserInfoURL()
		}
	}
	if issuer == "" {
		issuer = egiIssuer
	}
	issuer = strings.TrimSuffix(issuer, "/")
	if strings.Contains(issuer, "/realms/") {
		return curl + issuer + "/protocol/openid-connect/userinfo"
	}
	return curl + `"$(curl -s ` + issuer + `/.well-known/openid-configuration | jq -r .userinfo_endpoint)"`
}

// clusterID suggests an oscar-cli cluster identifier from the endpoint's host name.
func clusterID(ep oscar.Endpoint) string {
	host := ep.Host()
	var b strings.Builder
	for _, c := range strings.ToLower(host) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	if id := strings.Trim(b.String(), "-"); id != "" {
		return id
	}
	return "oscar"
}

// indentJSON indents a JSON value (valid: the caller checked) for display.
func indentJSON(b []byte) string {
	var buf bytes.Buffer
	buf.Grow(len(b) + len(b)/4)
	if json.Indent(&buf, b, "", "  ") != nil {
		return ""
	}
	return buf.String()
}

// refreshToken handles "POST /token/refresh" ("Get a fresh token"): refresh now, then show the page
// again with the new token.
func (p *Pages) refreshToken(w http.ResponseWriter, r *http.Request) error {
	s := p.session(r)
	if s.Data.Kind != session.KindOIDC {
		s.Data.AddFlash("This session has no personal token to refresh.")
		return p.redirect(w, r, "/token")
	}
	err := p.refresh(w, r, s, true)
	switch {
	case errors.Is(err, errSessionEnded):
		return p.endSession(w, r, "/token")
	case errors.Is(err, errNoRefreshToken):
		s.Data.AddFlash("The console cannot get a new token for this session (your identity provider gave it no refresh token). Sign out and in again for a new one.")
		return p.redirect(w, r, "/token")
	case err != nil:
		return err
	}
	s.Data.AddFlash("You have a fresh token, valid until " + s.Data.Expiry.UTC().Format("15:04 UTC") + ".")
	return p.redirect(w, r, "/token")
}
