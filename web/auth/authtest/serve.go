package authtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// ServeHTTP serves the login page and zitadel's endpoints, counting
// requests and applying the hooks.
func (p *OP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.down.Load() {
		p.count(func(c *Counts) { c.Refused++ })
		w.Header().Set("Retry-After", "1")
		http.Error(w, "authtest: provider is down", http.StatusServiceUnavailable)
		return
	}
	p.countCall(r.URL.Path)
	switch r.URL.Path {
	case loginPath:
		p.login(w, r)
	case signedOutPath:
		p.signedOut(w, r)
	case p.discoveryPath:
		p.serveEdited(w, r, p.editDiscovery)
	case p.authorizePath, p.callbackPath:
		p.serveRedirect(w, r)
	case p.tokenPath:
		p.serveToken(w, r)
	case p.userInfoPath:
		p.serveEdited(w, r, p.editUserInfo)
	default:
		p.provider.ServeHTTP(w, r)
	}
}

// countCall counts a request to the discovery, authorize, UserInfo, revoke
// or end-session endpoint (the token endpoint counts in serveToken).
func (p *OP) countCall(path string) {
	p.count(func(c *Counts) {
		switch path {
		case p.discoveryPath:
			c.DiscoveryCalls++
		case p.authorizePath:
			c.AuthorizeCalls++
		case p.userInfoPath:
			c.UserInfoCalls++
		case p.revokePath:
			c.RevokeCalls++
		case p.endSessionPath:
			c.EndSessionCalls++
		}
	})
}

func (p *OP) count(f func(*Counts)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.counts)
}

// serveToken records the request, then serves it, re-signing the ID token
// when a hook is set.
func (p *OP) serveToken(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "authtest: read body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	tr := TokenRequest{
		GrantType:    form.Get("grant_type"),
		ClientAuth:   "none",
		CodeVerifier: form.Get("code_verifier") != "",
	}
	if _, _, ok := r.BasicAuth(); ok {
		tr.ClientAuth = "client_secret_basic"
	} else if form.Get("client_secret") != "" {
		tr.ClientAuth = "client_secret_post"
	}
	status := p.serveEdited(w, r, p.editTokenResponse)
	tr.Status = status
	p.count(func(c *Counts) {
		c.TokenCalls++
		if tr.GrantType == string(oidc.GrantTypeRefreshToken) {
			c.RefreshCalls++
		}
		c.TokenRequests = append(c.TokenRequests, tr)
	})
}

// serveEdited runs zitadel's handler into a recorder, lets edit change a
// 200 JSON answer, and writes the result. It returns the status.
func (p *OP) serveEdited(w http.ResponseWriter, r *http.Request, edit func(map[string]any) (bool, error)) int {
	rec := httptest.NewRecorder()
	p.provider.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err == nil {
			changed, err := edit(doc)
			if err != nil {
				http.Error(w, "authtest: "+err.Error(), http.StatusInternalServerError)
				return http.StatusInternalServerError
			}
			if changed {
				if body, err = json.Marshal(doc); err != nil {
					http.Error(w, "authtest: "+err.Error(), http.StatusInternalServerError)
					return http.StatusInternalServerError
				}
			}
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
	return rec.Code
}

func (p *OP) editDiscovery(doc map[string]any) (bool, error) {
	if p.opts.IssParameter {
		doc["authorization_response_iss_parameter_supported"] = true
	}
	if p.opts.EditDiscovery != nil {
		p.opts.EditDiscovery(doc)
	}
	return p.opts.IssParameter || p.opts.EditDiscovery != nil, nil
}

func (p *OP) editUserInfo(doc map[string]any) (bool, error) {
	p.mu.Lock()
	hook := p.userInfoHook
	p.mu.Unlock()
	if hook == nil {
		return false, nil
	}
	hook(doc)
	return true, nil
}

func (p *OP) editTokenResponse(doc map[string]any) (bool, error) {
	p.mu.Lock()
	hook := p.idTokenHook
	p.mu.Unlock()
	raw, _ := doc["id_token"].(string)
	if hook == nil || raw == "" {
		return false, nil
	}
	_, claims, err := auth.Claims(raw)
	if err != nil {
		return false, err
	}
	hook(claims)
	signed, err := p.sign(claims)
	if err != nil {
		return false, err
	}
	doc["id_token"] = signed
	return true, nil
}

// serveRedirect serves the authorize endpoints and, with IssParameter,
// adds iss to redirects that go back to the client.
func (p *OP) serveRedirect(w http.ResponseWriter, r *http.Request) {
	if !p.opts.IssParameter {
		p.provider.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	p.provider.ServeHTTP(rec, r)
	if loc := rec.Header().Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil && p.isRedirectURI(u) {
			q := u.Query()
			q.Set("iss", p.issuer)
			u.RawQuery = q.Encode()
			rec.Header().Set("Location", u.String())
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// isRedirectURI reports whether u points at one of the client's redirect URIs.
func (p *OP) isRedirectURI(u *url.URL) bool {
	bare := *u
	bare.RawQuery, bare.Fragment = "", ""
	return slices.Contains(p.opts.RedirectURIs, bare.String())
}
