package authtest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	jose "github.com/go-jose/go-jose/v4"
)

// loginPage is the OP's sign-in form: plain HTML, no JavaScript.
const loginPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test OP: sign in</title></head>
<body>
<h1>Test OpenID Provider</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="id" value="{{.ID}}">
<p><label>Username <input name="username" autocomplete="username" value="{{.Username}}" required></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p>
</form>
</body>
</html>
`

type loginData struct {
	Action, ID, Username, Error string
}

// login is the page an auth request is sent to. With LoginAs set it signs
// in at once; otherwise GET shows the form and POST checks the password.
func (p *OP) login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := r.ParseForm(); err != nil {
		http.Error(w, "authtest: bad form", http.StatusBadRequest)
		return
	}
	id := r.Form.Get("id")
	if id == "" {
		http.Error(w, "authtest: login without an auth request id", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	as := p.loginAs
	p.mu.Unlock()
	switch {
	case as != "":
		p.finishLogin(w, r, id, as)
	case r.Method == http.MethodPost:
		username := r.PostForm.Get("username")
		sub, ok := p.checkPassword(username, r.PostForm.Get("password"))
		if !ok {
			p.renderLogin(w, http.StatusUnauthorized, loginData{ID: id, Username: username, Error: "Wrong username or password."})
			return
		}
		p.finishLogin(w, r, id, sub)
	case r.Method == http.MethodGet:
		p.renderLogin(w, http.StatusOK, loginData{ID: id})
	default:
		http.Error(w, "authtest: method not allowed", http.StatusMethodNotAllowed)
	}
}

func (p *OP) renderLogin(w http.ResponseWriter, status int, d loginData) {
	d.Action = loginPath
	t, err := template.New("login").Parse(loginPage)
	if err != nil {
		http.Error(w, "authtest: template: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = t.Execute(w, d)
}

// checkPassword finds the user by subject, email or preferred_username.
func (p *OP) checkPassword(username, password string) (string, bool) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	for _, u := range p.store.users {
		if username == "" || (username != u.Subject && username != u.Email && username != u.Username()) {
			continue
		}
		if u.Password != "" && subtle.ConstantTimeCompare([]byte(password), []byte(u.Password)) == 1 {
			return u.Subject, true
		}
	}
	return "", false
}

// finishLogin marks the auth request as signed in and sends the browser to
// zitadel's callback, which redirects to the client with the code.
func (p *OP) finishLogin(w http.ResponseWriter, r *http.Request, id, sub string) {
	if err := p.store.completeLogin(id, sub); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, p.callbackPath+"?id="+url.QueryEscape(id), http.StatusSeeOther)
}

// signedOut is the default page after end_session without a registered
// post_logout_redirect_uri.
func (p *OP) signedOut(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = fmt.Fprint(w, "<!doctype html><title>Signed out</title><p>You are signed out of the test OP.</p>\n")
}

// sign signs claims as a JWT with the OP's key.
func (p *OP) sign(claims map[string]any) (string, error) {
	k := p.store.key
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: k.SignatureAlgorithm(), Key: &jose.JSONWebKey{Key: k.key, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("authtest: signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("authtest: claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("authtest: sign: %w", err)
	}
	return jws.CompactSerialize()
}
