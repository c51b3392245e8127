package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// defaultNext is where a sign-in lands when no return path was given.
const defaultNext = "/services"

// showHome handles "GET /": the services of a signed-in user, the login page otherwise.
func (p *Pages) showHome(w http.ResponseWriter, r *http.Request) error {
	if p.session(r).Data.SignedIn() {
		return p.redirect(w, r, defaultNext)
	}
	return p.showLogin(w, r)
}

// showLogin handles "GET /login".
func (p *Pages) showLogin(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	endpoint := form.Bound(strings.TrimSpace(q.Get("endpoint")), oscar.MaxEndpointLen)
	if d := &p.session(r).Data; endpoint == "" && d.SignedIn() {
		endpoint = d.Endpoint
	}
	props := p.loginProps(r, endpoint, nextOr(q.Get("next"), ""))
	return p.renderLogin(w, r, http.StatusOK, props)
}

// loginProps fills what every rendering of the login page shows.
func (p *Pages) loginProps(r *http.Request, endpoint, next string) templates.LoginProps {
	props := templates.LoginProps{Endpoint: endpoint, Next: next, Clusters: p.clusterChoices()}
	for _, pr := range p.providers {
		c := pr.Config()
		props.Providers = append(props.Providers, templates.ProviderChoice{ID: c.ID, Name: c.Name, Ready: pr.Ready()})
	}
	if d := &p.session(r).Data; d.SignedIn() {
		props.SignedInAs = displayName(d)
	}
	return props
}

func (p *Pages) clusterChoices() []templates.ClusterChoice {
	var out []templates.ClusterChoice
	for _, c := range p.cfg.Clusters {
		out = append(out, templates.ClusterChoice{Label: c.Label, Endpoint: string(c.Endpoint)})
	}
	return out
}

// renderLogin shows the login page with status (an error status when props.Problem says why).
func (p *Pages) renderLogin(w http.ResponseWriter, r *http.Request, status int, props templates.LoginProps) error {
	return p.render(w, r, status, templates.LoginPage(p.layout(r, "Sign in", ""), props))
}

// refuseLogin logs why a sign-in attempt failed (never a secret) and shows it on the login page.
func (p *Pages) refuseLogin(w http.ResponseWriter, r *http.Request, status int, props templates.LoginProps, cause error) error {
	code := ""
	if props.Problem != nil {
		code = props.Problem.Code
	}
	args := []any{"status", status, "reason", code}
	if cause != nil {
		args = append(args, "err", cause)
	}
	if status >= 500 {
		p.log.WarnContext(r.Context(), "sign-in failed", args...)
	} else {
		p.log.InfoContext(r.Context(), "sign-in refused", args...)
	}
	return p.renderLogin(w, r, status, props)
}

// startLogin handles "POST /auth/login": it checks the endpoint (policy, then that an OSCAR answers
// there), keeps a fresh login state (state, nonce, PKCE verifier, next, endpoint) in the server-side
// session and sends the browser to the identity provider.
func (p *Pages) startLogin(w http.ResponseWriter, r *http.Request) error {
	raw := form.Bound(strings.TrimSpace(r.PostFormValue("endpoint")), oscar.MaxEndpointLen)
	next := nextOr(r.PostFormValue("next"), "")
	props := p.loginProps(r, raw, next)
	if !p.limits.allow(p.clientIP(r)) {
		props.Problem = rateProblem()
		return p.refuseLogin(w, r, http.StatusTooManyRequests, props, nil)
	}
	prov := p.provider(r.PostFormValue("provider"))
	if prov == nil {
		props.Problem = &templates.LoginProblem{Code: "provider", Title: "Unknown identity provider",
			Message: "This console does not offer that identity provider. Choose one of the buttons below."}
		return p.refuseLogin(w, r, http.StatusBadRequest, props, nil)
	}
	ep, err := oscar.ParseEndpoint(raw, p.cfg.Policy)
	if err != nil {
		props.Errors = templates.FieldErrors{"endpoint": endpointMessage(err)}
		return p.refuseLogin(w, r, http.StatusUnprocessableEntity, props, err)
	}
	props.Endpoint = string(ep)
	// Ask the endpoint first, without credentials (OSCAR answers 401), so that an address the
	// console may not reach, or where no OSCAR answers, is reported before the user signs in at
	// the provider rather than after.
	if _, err := p.oscar.Info(r.Context(), ep, oscar.Creds{}); err != nil {
		var oe *oscar.Error
		if !errors.As(err, &oe) {
			return fmt.Errorf("handlers: start login: probe endpoint: %w", err)
		}
		if oe.Kind != oscar.Unauthorized && oe.Kind != oscar.Forbidden {
			status, pr, fieldMsg := oscarLoginProblem(oe, string(ep), true, prov.Config().Name, nil, "")
			if fieldMsg != "" {
				props.Errors = templates.FieldErrors{"endpoint": fieldMsg}
			}
			props.Problem = pr
			return p.refuseLogin(w, r, status, props, err)
		}
	}
	ls, authURL, err := prov.AuthCodeURL(next, string(ep))
	if err != nil {
		props.Problem = unavailableProblem(prov.Config().Name)
		return p.refuseLogin(w, r, http.StatusServiceUnavailable, props, err)
	}
	b, err := json.Marshal(ls)
	if err != nil {
		return fmt.Errorf("handlers: start login: %w", err)
	}
	p.session(r).Data.Login = b
	if err := p.save(w, r); err != nil {
		return err
	}
	// The provider's URL is absolute, so not p.redirect (which only allows same-site paths).
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, authURL, http.StatusSeeOther)
	return nil
}

// finishLogin handles "GET /auth/callback", where the identity provider sends the browser back. The login
// state is taken out of the session and the deletion saved before anything else, so a callback can be
// used once, even when it fails. Then: code exchange with every check of auth.Provider.Exchange (state
// first, before any token request), the console's required VOs, and OSCAR's own verdict on the
// token (/system/config, which also provisions the user there). Only then does the session become
// signed in, under a new ID.
func (p *Pages) finishLogin(w http.ResponseWriter, r *http.Request) error {
	s := p.session(r)
	q := r.URL.Query()
	var ls auth.LoginState
	pending := len(s.Data.Login) > 0
	if pending {
		if err := json.Unmarshal(s.Data.Login, &ls); err != nil {
			ls = auth.LoginState{} // unreadable: treated as no login in progress
		}
		s.Data.Login = nil
		if err := p.save(w, r); err != nil {
			return err
		}
	}
	props := p.loginProps(r, ls.Endpoint, nextOr(ls.Next, ""))
	prov := p.provider(ls.Provider)
	if !pending || prov == nil {
		props.Problem = stateProblem()
		return p.refuseLogin(w, r, http.StatusBadRequest, props, errors.New("handlers: callback without a login in progress"))
	}
	name := prov.Config().Name
	toks, id, err := prov.Exchange(r.Context(), ls, q)
	if err != nil {
		status, pr, ok := authProblem(err, name, q, stateMatches(q, ls))
		if !ok {
			return fmt.Errorf("handlers: callback: %w", err)
		}
		props.Problem = pr
		return p.refuseLogin(w, r, status, props, err)
	}

	if !auth.IsVOMember(id.VOs, p.cfg.RequiredVOs) {
		p.revoke(r, prov, toks.RefreshToken)
		props.Problem = requiredVOProblem(id.VOs, p.cfg.RequiredVOs, id.Issuer)
		return p.refuseLogin(w, r, http.StatusForbidden, props, fmt.Errorf("handlers: callback: %s is in none of the required VOs", id.Subject))
	}

	ep, err := oscar.ParseEndpoint(ls.Endpoint, p.cfg.Policy)
	if err != nil { // the policy changed during the sign-in
		p.revoke(r, prov, toks.RefreshToken)
		props.Errors = templates.FieldErrors{"endpoint": endpointMessage(err)}
		return p.refuseLogin(w, r, http.StatusUnprocessableEntity, props, err)
	}
	if _, err := p.oscar.Config(r.Context(), ep, oscar.Creds{Token: toks.AccessToken}); err != nil {
		var oe *oscar.Error
		if !errors.As(err, &oe) {
			return fmt.Errorf("handlers: callback: check token with OSCAR: %w", err)
		}
		p.revoke(r, prov, toks.RefreshToken)
		status, pr, fieldMsg := oscarLoginProblem(oe, string(ep), true, name, id.VOs, id.Issuer)
		if fieldMsg != "" {
			props.Errors = templates.FieldErrors{"endpoint": fieldMsg}
		}
		props.Problem = pr
		return p.refuseLogin(w, r, status, props, err)
	}

	old := s.Data
	p.dropTokens(r, old)
	s.Data = session.Data{
		Kind:         session.KindOIDC,
		Provider:     prov.Config().ID,
		Subject:      id.Subject,
		VOPersonID:   id.VOPersonID,
		Name:         id.Name,
		Email:        id.Email,
		VOs:          id.VOs,
		AccessToken:  toks.AccessToken,
		RefreshToken: toks.RefreshToken,
		IDToken:      toks.IDToken,
		Expiry:       toks.Expiry,
		Scopes:       toks.Scopes,
		UserInfo:     id.UserInfo,
	}
	if old.Kind == session.KindOIDC && old.Provider == s.Data.Provider && old.Subject == id.Subject {
		s.Data.RecentEndpoints = old.RecentEndpoints // the same person signing in again
	}
	s.Data.KeepDrafts(&old) // a wizard draft survives an expired session and a fresh sign-in
	return p.signedIn(w, r, s, ep, ls.Next)
}

// signedIn finishes a sign-in: the endpoint becomes the active one, the session moves to a new ID
// (R11: an ID planted before the login is worthless), and the browser goes to next.
func (p *Pages) signedIn(w http.ResponseWriter, r *http.Request, s *session.Session, ep oscar.Endpoint, next string) error {
	s.Data.Remember(string(ep))
	s.Data.AddFlash("Signed in as " + displayName(&s.Data) + ". The console sends your credentials to " + string(ep) + ".")
	if err := p.sessions.Renew(w, r, s); err != nil {
		return err
	}
	p.log.InfoContext(r.Context(), "signed in", "kind", s.Data.Kind, "provider", s.Data.Provider,
		"sub", s.Data.Subject, "user", s.Data.BasicUser, "endpoint", ep.Host())
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, nextOr(next, defaultNext), http.StatusSeeOther)
	return nil
}

// loginWithPassword handles "POST /login/basic": OSCAR's own account. The credentials are checked with
// GET /system/info on the endpoint; the password is then kept only in the server-side session
// (encrypted by the store) and never sent back to the browser, not even on error.
func (p *Pages) loginWithPassword(w http.ResponseWriter, r *http.Request) error {
	raw := form.Bound(strings.TrimSpace(r.PostFormValue("endpoint")), oscar.MaxEndpointLen)
	user := strings.TrimSpace(r.PostFormValue("username"))
	pass := r.PostFormValue("password")
	props := p.loginProps(r, raw, nextOr(r.PostFormValue("next"), ""))
	props.Username = form.Bound(user, 256)
	props.BasicOpen = true
	if !p.limits.allow(p.clientIP(r)) {
		props.Problem = rateProblem()
		return p.refuseLogin(w, r, http.StatusTooManyRequests, props, nil)
	}
	errs := templates.FieldErrors{}
	ep, err := oscar.ParseEndpoint(raw, p.cfg.Policy)
	if err != nil {
		errs["basic-endpoint"] = endpointMessage(err)
	}
	if user == "" {
		errs["username"] = "Enter the OSCAR user name."
	}
	if pass == "" {
		errs["password"] = "Enter the password."
	}
	if len(errs) > 0 {
		props.BasicErrors = errs
		return p.refuseLogin(w, r, http.StatusUnprocessableEntity, props, err)
	}
	props.Endpoint = string(ep)
	if _, err := p.oscar.Info(r.Context(), ep, oscar.Creds{User: user, Password: pass}); err != nil {
		var oe *oscar.Error
		if !errors.As(err, &oe) {
			return fmt.Errorf("handlers: basic sign-in: %w", err)
		}
		status, pr, fieldMsg := oscarLoginProblem(oe, string(ep), false, "", nil, "")
		if fieldMsg != "" {
			props.BasicErrors = templates.FieldErrors{"basic-endpoint": fieldMsg}
		}
		props.Problem = pr
		return p.refuseLogin(w, r, status, props, err)
	}
	s := p.session(r)
	p.dropTokens(r, s.Data)
	old := s.Data
	s.Data = session.Data{Kind: session.KindBasic, BasicUser: user, BasicPassword: pass, Endpoint: string(ep)}
	s.Data.KeepDrafts(&old)
	return p.signedIn(w, r, s, ep, props.Next)
}

// logout handles "POST /logout": the refresh token is revoked where the provider offers revocation,
// the session is deleted (its ID can never be used again) and its cookie expired, and the browser goes
// to the provider's end_session_endpoint (RP-initiated logout, R20) or straight to /logged-out.
func (p *Pages) logout(w http.ResponseWriter, r *http.Request) error {
	s := p.session(r)
	d := s.Data
	to := "/logged-out"
	if d.Kind == session.KindOIDC {
		if prov := p.provider(d.Provider); prov != nil {
			p.revoke(r, prov, d.RefreshToken)
			if u, ok := prov.EndSessionURL(d.IDToken, rand.Text()); ok {
				to = u
			}
		}
	}
	if err := p.sessions.Destroy(w, r, s); err != nil {
		return err
	}
	if d.SignedIn() {
		p.log.InfoContext(r.Context(), "signed out", "kind", d.Kind, "sub", d.Subject, "user", d.BasicUser)
	}
	// Not p.redirect: saving would start a new, empty session; and the target may be the provider.
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// revoke revokes a refresh token that the console will not keep. A failure is logged, not shown:
// the session is gone either way.
func (p *Pages) revoke(r *http.Request, prov *auth.Provider, refreshToken string) {
	if refreshToken == "" {
		return
	}
	if err := prov.Revoke(r.Context(), refreshToken); err != nil {
		p.log.WarnContext(r.Context(), "could not revoke the refresh token", "provider", prov.Config().ID, "err", err)
	}
}

// dropTokens revokes the refresh token of a session that a new sign-in replaces: the console
// forgets it, so nobody should be able to use it any more.
func (p *Pages) dropTokens(r *http.Request, old session.Data) {
	if old.Kind != session.KindOIDC || old.RefreshToken == "" {
		return
	}
	if prov := p.provider(old.Provider); prov != nil {
		p.revoke(r, prov, old.RefreshToken)
	}
}

// showLoggedOut handles "GET /logged-out", the registered post_logout_redirect_uri. It only says so and
// offers a link: it must never start a new sign-in by itself (R21).
func (p *Pages) showLoggedOut(w http.ResponseWriter, r *http.Request) error {
	return p.render(w, r, http.StatusOK, templates.LoggedOutPage(p.layout(r, "Signed out", "")))
}

// provider returns the configured provider with the given ID, or nil.
func (p *Pages) provider(id string) *auth.Provider {
	if id == "" {
		return nil
	}
	for _, pr := range p.providers {
		if pr.Config().ID == id {
			return pr
		}
	}
	return nil
}

// clientIP is the address that sign-in attempts are counted against: the peer's IP, or, when the peer
// is one of the operator's trusted proxies (CONSOLE_TRUSTED_PROXIES), the nearest address in
// X-Forwarded-For that is not a trusted proxy. Untrusted peers cannot choose their address by
// setting the header.
func (p *Pages) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !p.trusted(host) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(h); err != nil {
			break // garbage: stop at the last address we could trust
		}
		if !p.trusted(h) {
			return h
		}
	}
	return host
}

// trusted reports whether addr is one of the operator's reverse proxies.
func (p *Pages) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, pr := range p.cfg.TrustedProxies {
		if pr.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// stateMatches reports whether the callback carries this browser's state, so that the provider's
// error description can be trusted to come from the provider and not from a crafted link.
func stateMatches(q map[string][]string, ls auth.LoginState) bool {
	got := ""
	if v := q["state"]; len(v) > 0 {
		got = v[0]
	}
	return got != "" && ls.State != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ls.State)) == 1
}

// endpointMessage turns an oscar.ParseEndpoint error into a sentence for the endpoint field.
func endpointMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), oscar.ErrEndpoint.Error()+": ")
	return sentence(msg)
}

// sentence upper-cases the first letter and ends with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
