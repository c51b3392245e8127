package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// showEndpoint handles "GET /endpoint": the page to type or choose the OSCAR endpoint that receives
// the user's token.
func (p *Pages) showEndpoint(w http.ResponseWriter, r *http.Request) error {
	d := &p.session(r).Data
	props := p.endpointProps(r, d.Endpoint, nextOr(r.URL.Query().Get("next"), ""))
	return p.render(w, r, http.StatusOK, templates.EndpointPage(p.layout(r, "OSCAR endpoint", ""), props))
}

func (p *Pages) endpointProps(r *http.Request, value, next string) templates.EndpointProps {
	d := &p.session(r).Data
	return templates.EndpointProps{
		Current:  d.Endpoint,
		Recent:   d.RecentEndpoints,
		Clusters: p.clusterChoices(),
		Value:    value,
		Next:     next,
		Basic:    d.Kind == session.KindBasic,
	}
}

// switchEndpoint handles "POST /endpoint" (the header's cluster switch and the endpoint page). The
// endpoint is checked against the policy, then, for a token, OSCAR is asked first (/system/config,
// which also provisions the user there): if it refuses, the old endpoint stays and the page explains
// why. A basic-auth session never takes its password to another endpoint.
func (p *Pages) switchEndpoint(w http.ResponseWriter, r *http.Request) error {
	s := p.session(r)
	d := &s.Data
	raw := form.Bound(strings.TrimSpace(r.PostFormValue("endpoint")), oscar.MaxEndpointLen)
	next := nextOr(r.PostFormValue("next"), "")
	props := p.endpointProps(r, raw, next)
	refuse := func(status int, cause error) error {
		p.log.InfoContext(r.Context(), "endpoint switch refused", "status", status, "err", cause)
		return p.render(w, r, status, templates.EndpointPage(p.layout(r, "OSCAR endpoint", ""), props))
	}
	ep, err := oscar.ParseEndpoint(raw, p.cfg.Policy)
	if err != nil {
		props.Errors = templates.FieldErrors{"endpoint": endpointMessage(err)}
		return refuse(http.StatusUnprocessableEntity, err)
	}
	props.Value = string(ep)
	if string(ep) == d.Endpoint {
		return p.redirect(w, r, nextOr(next, defaultNext))
	}
	if d.Kind == session.KindBasic {
		props.Problem = &templates.LoginProblem{Code: "basic-switch", Title: "Sign in on that cluster",
			Message:  "You are signed in with an OSCAR account of " + d.Endpoint + ". The console does not send that account's password to another cluster.",
			Endpoint: string(ep), LinkURL: "/login?endpoint=" + url.QueryEscape(string(ep)), LinkText: "Sign in on " + string(ep)}
		return refuse(http.StatusForbidden, errors.New("handlers: basic-auth session cannot switch endpoint"))
	}
	_, cr := p.creds(r)
	if _, err := p.oscar.Config(r.Context(), ep, cr); err != nil {
		var oe *oscar.Error
		if !errors.As(err, &oe) {
			return fmt.Errorf("handlers: switch endpoint: %w", err)
		}
		name, issuer := "identity provider", ""
		if prov := p.provider(d.Provider); prov != nil {
			c := prov.Config()
			name, issuer = c.Name, c.Issuer
		}
		status, pr, fieldMsg := oscarLoginProblem(oe, string(ep), true, name, d.VOs, issuer)
		if fieldMsg != "" {
			props.Errors = templates.FieldErrors{"endpoint": fieldMsg}
		}
		pr.Message += " You are still using " + d.Endpoint + "."
		props.Problem = pr
		return refuse(status, err)
	}
	d.Remember(string(ep))
	d.AddFlash("Now using " + string(ep) + ". The console sends your token there.")
	p.log.InfoContext(r.Context(), "endpoint switched", "sub", d.Subject, "endpoint", ep.Host())
	return p.redirect(w, r, nextOr(next, defaultNext))
}
