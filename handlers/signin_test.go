package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/auth/authtest"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
)

func TestLoginPage(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	p := e.get("/login?endpoint=https://oscar.example.org&next=/services/x")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", p.StatusCode)
	}
	oidc := p.Doc.Find(`form[action="/auth/login"][method="post"]`)
	if got := oidc.Find(`input[name="endpoint"]`).AttrOr("value", ""); got != "https://oscar.example.org" {
		t.Errorf("endpoint field = %q, want the ?endpoint= value", got)
	}
	if got := oidc.Find(`input[name="next"]`).AttrOr("value", ""); got != "/services/x" {
		t.Errorf("next = %q, want /services/x", got)
	}
	btn := oidc.Find(`button[name="provider"][value="egi"]`)
	if got, want := strings.TrimSpace(btn.Text()), "Sign in with EGI Check-in (test)"; got != want {
		t.Errorf("provider button %q, want %q", got, want)
	}
	if _, disabled := btn.Attr("disabled"); disabled {
		t.Error("the button of a ready provider is disabled")
	}
	basic := p.Doc.Find(`form[action="/login/basic"][method="post"]`)
	for _, name := range []string{"endpoint", "username", "password", "next"} {
		if basic.Find(`[name="`+name+`"]`).Length() != 1 {
			t.Errorf("basic-auth form has no %q field", name)
		}
	}
	if got := basic.Find(`input[name="password"]`).AttrOr("value", ""); got != "" {
		t.Errorf("the password field is prefilled with %q", got)
	}
	// The page says which endpoint receives the token and the password.
	for _, sel := range []string{`[data-testid="endpoint-hint"]`, `[data-testid="basic-endpoint-hint"]`} {
		if got := p.text(sel); !strings.Contains(got, "https://oscar.example.org") {
			t.Errorf("%s = %q, want it to name the endpoint", sel, got)
		}
	}
	// An unsafe next is dropped.
	p = e.get("/login?next=//evil.example/x")
	if got := p.Doc.Find(`input[name="next"]`).AttrOr("value", "x"); got != "" {
		t.Errorf("next for //evil.example/x = %q, want empty", got)
	}
}

func TestHomeSignedOutShowsLoginSignedInGoesToServices(t *testing.T) {
	h := newHarness(t, nil)
	if p := h.get("/"); p.StatusCode != http.StatusOK || p.Doc.Find(`[data-testid="login"]`).Length() != 1 {
		t.Fatalf("GET / signed out: status %d, login page %v", p.StatusCode, p.Doc.Find(`[data-testid="login"]`).Length() == 1)
	}
	h.signInBasic("https://oscar.example.org", "oscar", "oscar123")
	if p := h.get("/"); p.StatusCode != http.StatusSeeOther || p.location() != "/services" {
		t.Fatalf("GET / signed in: %d to %q, want 303 to /services", p.StatusCode, p.location())
	}
}

func TestLoginPageWithoutProvidersAndWithClusters(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		d.Clusters = []Cluster{{Label: "Prod", Endpoint: "https://prod.example.org"}, {Label: "Dev", Endpoint: "https://dev.example.org"}}
	})
	p := h.get("/login?endpoint=https://dev.example.org")
	if n := p.Doc.Find(`button[name="provider"]`).Length(); n != 0 {
		t.Errorf("%d provider buttons without providers, want 0", n)
	}
	if _, open := p.Doc.Find(`[data-testid="basic-section"]`).Attr("open"); !open {
		t.Error("the OSCAR-account form is closed although it is the only way in")
	}
	sel := p.Doc.Find(`form[action="/login/basic"] select[name="endpoint"]`)
	var opts []string
	sel.Find("option").Each(func(_ int, s *goquery.Selection) { opts = append(opts, s.AttrOr("value", "")) })
	if want := []string{"https://prod.example.org", "https://dev.example.org"}; !slices.Equal(opts, want) {
		t.Errorf("cluster options %v, want %v", opts, want)
	}
	if got := sel.Find("option[selected]").AttrOr("value", ""); got != "https://dev.example.org" {
		t.Errorf("selected cluster %q, want the ?endpoint= one", got)
	}
}

// TestOIDCLogin walks the whole sign-in with the zitadel provider: the console ends up signed in
// with the tokens, the identity and the VOs, under a new session ID, and OSCAR saw the token.
func TestOIDCLogin(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	authURL := e.startLogin(e.oscar.URL(), "/token")
	preLogin := e.cookie()
	if preLogin == "" {
		t.Fatal("no session cookie after POST /auth/login (the login state must be kept server-side)")
	}
	u, _ := url.Parse(authURL)
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if u.Query().Get(k) == "" {
			t.Errorf("authorization URL has no %s", k)
		}
	}
	if got := u.Query().Get("code_challenge_method"); got != "S256" {
		t.Errorf("code_challenge_method = %q, want S256", got)
	}
	if d := e.sessionData(); len(d.Login) == 0 || d.SignedIn() {
		t.Fatalf("after POST /auth/login: login state kept %v, signed in %v; want kept, not signed in", len(d.Login) > 0, d.SignedIn())
	}

	p := e.get("/auth/callback?" + e.authorize(authURL).Encode())
	if p.StatusCode != http.StatusSeeOther || p.location() != "/token" {
		t.Fatalf("callback: %d to %q, want 303 to /token; body:\n%s", p.StatusCode, p.location(), p.Body)
	}
	postLogin := e.cookie()
	if postLogin == "" || postLogin == preLogin {
		t.Errorf("session ID did not change at sign-in")
	}
	if resp := e.getWithCookie("/token", preLogin); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the pre-login session ID still works: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	d := e.sessionData()
	if d.Kind != session.KindOIDC || !d.SignedIn() || d.Provider != "egi" || d.Subject != testSubject {
		t.Fatalf("session after sign-in = %v", d)
	}
	if want := []string{testVO, testVO2}; !slices.Equal(d.VOs, want) {
		t.Errorf("VOs = %v, want %v (capabilities ignored)", d.VOs, want)
	}
	if d.VOPersonID != "a1b2c3d4@egi.eu" || d.Name != "Alice Example" || d.Email != "alice@example.org" {
		t.Errorf("identity = %q %q %q", d.VOPersonID, d.Name, d.Email)
	}
	if d.RefreshToken == "" || d.IDToken == "" || d.Expiry.IsZero() || len(d.UserInfo) == 0 {
		t.Errorf("tokens not all kept: rt %v idt %v exp %v userinfo %v", d.RefreshToken != "", d.IDToken != "", !d.Expiry.IsZero(), len(d.UserInfo) > 0)
	}
	if len(d.Login) != 0 {
		t.Error("the login state survived the callback")
	}
	if d.Endpoint != e.oscar.URL() || !slices.Equal(d.RecentEndpoints, []string{e.oscar.URL()}) {
		t.Errorf("endpoint %q recent %v, want %s", d.Endpoint, d.RecentEndpoints, e.oscar.URL())
	}
	// OSCAR was asked with the token (which also provisions the user there).
	var sawConfig bool
	for _, rq := range e.oscar.Requests() {
		if rq.Path == "/system/config" && rq.Auth == "bearer" && rq.Token == d.AccessToken {
			sawConfig = true
		}
	}
	if !sawConfig {
		t.Error("the console did not call /system/config with the new token")
	}
	c := e.op.Counts()
	if len(c.TokenRequests) != 1 || c.TokenRequests[0].ClientAuth != "client_secret_basic" || !c.TokenRequests[0].CodeVerifier {
		t.Errorf("token requests %+v, want one with client_secret_basic and a code_verifier", c.TokenRequests)
	}
	assertNoSecrets(t, "the log", e.logs.String(), map[string]string{
		"access token": d.AccessToken, "refresh token": d.RefreshToken, "ID token": d.IDToken,
		"client secret": e.op.Options().ClientSecret, "session ID": postLogin,
	})
}

// TestOIDCLoginWithoutJavaScript signs in the way a browser without JavaScript does: a cookie jar,
// redirects followed, the login form read from the page and the provider's own HTML login form.
func TestOIDCLoginWithoutJavaScript(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.op.LoginAs("") // the provider shows its HTML form
	browser := &http.Client{Jar: newJar(), Transport: sameOriginPosts{e.server.URL}}

	get := func(u string) *goquery.Document {
		t.Helper()
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		doc, _ := goquery.NewDocumentFromReader(resp.Body)
		return doc
	}
	// submit fills a form of doc (found by sel) like a browser: its fields, the button's name/value.
	submit := func(base string, doc *goquery.Document, sel string, fill url.Values, button *goquery.Selection) *http.Response {
		t.Helper()
		form := doc.Find(sel).First()
		if form.Length() == 0 {
			t.Fatalf("no form %s on the page", sel)
		}
		vals := url.Values{}
		form.Find("input[name]").Each(func(_ int, in *goquery.Selection) {
			vals.Set(in.AttrOr("name", ""), in.AttrOr("value", ""))
		})
		for k, v := range fill {
			vals[k] = v
		}
		if button != nil {
			vals.Set(button.AttrOr("name", ""), button.AttrOr("value", ""))
		}
		action, _ := url.Parse(form.AttrOr("action", ""))
		b, _ := url.Parse(base)
		resp, err := browser.PostForm(b.ResolveReference(action).String(), vals)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	login := get(e.server.URL + "/login?next=/token")
	btn := login.Find(`form[action="/auth/login"] button[name="provider"]`).First()
	resp := submit(e.server.URL, login, `form[action="/auth/login"]`, url.Values{"endpoint": {e.oscar.URL()}}, btn)
	opPage, _ := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Request.URL.String(), e.op.Issuer()) {
		t.Fatalf("after the provider button the browser is at %s, want the provider's login page", resp.Request.URL)
	}
	resp = submit(resp.Request.URL.String(), opPage, "form", url.Values{"username": {testSubject}, "password": {testPassword}}, nil)
	defer resp.Body.Close()
	final, _ := goquery.NewDocumentFromReader(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/token" {
		t.Fatalf("after the provider's form: %d at %s, want 200 at /token", resp.StatusCode, resp.Request.URL)
	}
	if final.Find(`[data-testid="access-token"]`).AttrOr("value", "") == "" {
		t.Error("the token page shows no token after the no-JS sign-in")
	}
}

// sameOriginPosts adds Sec-Fetch-Site: same-origin to the browser's posts to the console, as a browser
// does for a form on the console's own page.
type sameOriginPosts struct{ console string }

func (s sameOriginPosts) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.String(), s.console) {
		r = r.Clone(r.Context())
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestOIDCLoginRequiredVO(t *testing.T) {
	e := newOIDCEnv(t, envOptions{edit: func(d *Deps) { d.RequiredVOs = []string{"vo.required.eu"} }})
	p := e.login("/token")
	if p.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403", p.StatusCode)
	}
	if got := p.Doc.Find(`[data-testid="login-problem"]`).AttrOr("data-problem", ""); got != "vo" {
		t.Errorf("problem %q, want vo", got)
	}
	if got := p.text(`[data-testid="user-vos"]`); !strings.Contains(got, testVO) || !strings.Contains(got, testVO2) {
		t.Errorf("user VOs column %q, want both VOs", got)
	}
	if got := p.text(`[data-testid="accepted-vos"]`); !strings.Contains(got, "vo.required.eu") {
		t.Errorf("accepted VOs column %q, want vo.required.eu", got)
	}
	if e.signedIn() {
		t.Error("signed in despite the required VO")
	}
	if got := e.op.Counts().RevokeCalls; got != 1 {
		t.Errorf("revoke calls %d, want 1 (the unused refresh token is revoked)", got)
	}
	// The endpoint and next are kept on the page.
	if got := p.Doc.Find(`form[action="/auth/login"] input[name="endpoint"]`).AttrOr("value", ""); got != e.oscar.URL() {
		t.Errorf("endpoint kept = %q, want %q", got, e.oscar.URL())
	}
	if got := p.Doc.Find(`form[action="/auth/login"] input[name="next"]`).AttrOr("value", ""); got != "/token" {
		t.Errorf("next kept = %q, want /token", got)
	}
}

func TestOIDCLoginOSCARRefusesToken(t *testing.T) {
	e := newOIDCEnv(t, envOptions{oscar: oscartest.Options{OIDCGroups: []string{"vo.other.eu"}}})
	p := e.login("")
	if p.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403; body:\n%s", p.StatusCode, p.Body)
	}
	if got := p.Doc.Find(`[data-testid="login-problem"]`).AttrOr("data-problem", ""); got != "oscar-denied" {
		t.Errorf("problem %q, want oscar-denied", got)
	}
	if got := p.text(`[data-testid="problem-endpoint"]`); got != e.oscar.URL() {
		t.Errorf("problem endpoint %q, want %q", got, e.oscar.URL())
	}
	if got := p.text(`[data-testid="user-vos"]`); !strings.Contains(got, testVO) {
		t.Errorf("user VOs %q, want %s", got, testVO)
	}
	if p.Doc.Find(`[data-testid="accepted-vos"]`).Length() != 1 {
		t.Error("no column for the cluster's VOs")
	}
	if e.signedIn() {
		t.Error("signed in although OSCAR refused the token")
	}
}

func TestOIDCLoginProviderError(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	for _, tc := range []struct {
		name       string
		goodState  bool
		wantDetail bool
	}{
		{"this browser's state", true, true},
		{"a crafted link", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			authURL := e.startLogin(e.oscar.URL(), "/token")
			u, _ := url.Parse(authURL)
			state := u.Query().Get("state")
			if !tc.goodState {
				state = "not-this-browsers-state"
			}
			q := url.Values{"error": {"access_denied"}, "error_description": {"Call +1 555 0100 to unlock"}, "state": {state}}
			p := e.get("/auth/callback?" + q.Encode())
			if p.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", p.StatusCode)
			}
			if got := p.Doc.Find(`[data-testid="login-problem"]`).AttrOr("data-problem", ""); got != "provider" {
				t.Errorf("problem %q, want provider", got)
			}
			if got := strings.Contains(p.Body, "Call +1 555 0100"); got != tc.wantDetail {
				t.Errorf("provider's description shown: %v, want %v", got, tc.wantDetail)
			}
			if got := p.Doc.Find(`form[action="/auth/login"] input[name="endpoint"]`).AttrOr("value", ""); got != e.oscar.URL() {
				t.Errorf("endpoint kept = %q, want %q", got, e.oscar.URL())
			}
		})
	}
	if got := e.op.Counts().TokenCalls; got != 0 {
		t.Errorf("token calls %d, want 0", got)
	}
}

// TestCallbackStateMismatchReplayAndSingleUse: a wrong state is refused before any token request,
// the login state is used up by that failure, and a callback that already signed in cannot be
// replayed, in this browser or another.
func TestCallbackStateMismatchReplayAndSingleUse(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	q := e.authorize(e.startLogin(e.oscar.URL(), "/token"))
	bad := url.Values{"code": {q.Get("code")}, "state": {"wrong-" + q.Get("state")}}
	p := e.get("/auth/callback?" + bad.Encode())
	if p.StatusCode != http.StatusBadRequest || p.Doc.Find(`[data-problem="state"]`).Length() != 1 {
		t.Fatalf("state mismatch: status %d, want 400 with the state problem", p.StatusCode)
	}
	if got := e.op.Counts().TokenCalls; got != 0 {
		t.Fatalf("token calls after a state mismatch: %d, want 0", got)
	}
	// The failed callback used the login state up: the right state no longer works either.
	p = e.get("/auth/callback?" + q.Encode())
	if d := e.sessionData(); p.StatusCode != http.StatusBadRequest || d.SignedIn() {
		t.Fatalf("callback after a failed one: status %d, signed in %v; want 400, not signed in", p.StatusCode, d.SignedIn())
	}
	if got := e.op.Counts().TokenCalls; got != 0 {
		t.Fatalf("token calls: %d, want 0", got)
	}

	// A successful callback, replayed.
	q = e.authorize(e.startLogin(e.oscar.URL(), "/token"))
	if p := e.get("/auth/callback?" + q.Encode()); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: status %d, want 303", p.StatusCode)
	}
	calls := e.op.Counts().TokenCalls
	token := e.sessionData().AccessToken
	if p := e.get("/auth/callback?" + q.Encode()); p.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback: status %d, want 400", p.StatusCode)
	}
	other := newJar()
	saved := e.client.Jar
	e.client.Jar = other
	if p := e.get("/auth/callback?" + q.Encode()); p.StatusCode != http.StatusBadRequest {
		t.Errorf("callback replayed in another browser: status %d, want 400", p.StatusCode)
	}
	e.client.Jar = saved
	if got := e.op.Counts().TokenCalls; got != calls {
		t.Errorf("replays made %d token calls, want 0", got-calls)
	}
	if d := e.sessionData(); !d.SignedIn() || d.AccessToken != token {
		t.Error("a replayed callback changed the signed-in session")
	}
}

// TestCallbackForeignIssWithoutRFC9207 (issue 15, item 7): the test OP does not advertise RFC 9207,
// and a callback carrying another issuer's iss is refused with the state problem before any token
// request; the browser is not signed in, and the login state is used up.
func TestCallbackForeignIssWithoutRFC9207(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	q := e.authorize(e.startLogin(e.oscar.URL(), "/token"))
	if q.Has("iss") {
		t.Fatalf("the test OP sent iss %q; this test needs one that does not advertise RFC 9207", q.Get("iss"))
	}
	q.Set("iss", "https://evil.example")
	p := e.get("/auth/callback?" + q.Encode())
	if p.StatusCode != http.StatusBadRequest || p.Doc.Find(`[data-problem="state"]`).Length() != 1 {
		t.Fatalf("callback with a foreign iss: status %d, want 400 with the state problem; body:\n%s", p.StatusCode, p.Body)
	}
	if d := e.sessionData(); d.SignedIn() || d.AccessToken != "" || len(d.Login) != 0 {
		t.Errorf("after a foreign-iss callback: signed in %v, access token kept %v, login state kept %v; want none",
			d.SignedIn(), d.AccessToken != "", len(d.Login) != 0)
	}
	if got := e.op.Counts().TokenCalls; got != 0 {
		t.Errorf("token calls after a foreign-iss callback: %d, want 0", got)
	}
}

// TestNextOpenRedirect runs oauth2-proxy's open-redirect cases through the real sign-in: an unsafe
// next never leaves the site.
func TestNextOpenRedirect(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	for _, tc := range []struct{ next, want string }{
		{"/token", "/token"},
		{"/services/my-svc?tab=jobs", "/services/my-svc?tab=jobs"},
		{"", "/services"},
		{"//redirect", "/services"},
		{"/\\evil.com", "/services"},
		{"/ /evil.com", "/services"},
		{"/ \\evil.com", "/services"},
		{"/\t/evil.com", "/services"},
		{"/\v\\evil.com", "/services"},
		{"/\n/evil.com", "/services"},
		{"/\r\\evil.com", "/services"},
		{"/\t\t/\t\t\\evil.com", "/services"},
		{"/./\\evil.com", "/services"},
		{"/./../../\\evil.com", "/services"},
		{"/%2F%2Fevil.com", "/services"},
		{"/%5Cevil.com", "/services"},
		{"http://foo.bar.evil.corp/redirect", "/services"},
		{"https://evil.corp/redirect?rd=foo.bar", "/services"},
		{"https://" + strings.TrimPrefix(e.server.URL, "http://") + ":8443/redirect", "/services"},
		{"foo.bar/redirect", "/services"},
		{"javascript:alert(1)", "/services"},
	} {
		t.Run(tc.next, func(t *testing.T) {
			lp := e.get("/login?next=" + url.QueryEscape(tc.next))
			shown := lp.Doc.Find(`form[action="/auth/login"] input[name="next"]`).AttrOr("value", "")
			if tc.want == "/services" && shown != "" {
				t.Errorf("login page keeps unsafe next %q", shown)
			}
			e.mustLogin(tc.next, tc.want)
		})
	}
}

func TestRefreshRotationConcurrentRequestsMakeOneCall(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/token", "/token")
	// The session's token has 30 s left, so every request wants a refresh; the new token has the
	// provider's full lifetime, so a request that starts after the refresh does not.
	before := e.sessionData()
	before.Expiry = time.Now().Add(30 * time.Second)
	e.signIn(before)

	const n = 8
	var wg sync.WaitGroup
	tokens := make([]string, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.client.Get(e.server.URL + "/token")
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("status %d", resp.StatusCode)
				return
			}
			doc, _ := goquery.NewDocumentFromReader(resp.Body)
			tokens[i] = doc.Find(`[data-testid="access-token"]`).AttrOr("value", "")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := e.op.Counts().RefreshCalls; got != 1 {
		t.Fatalf("refresh calls for %d concurrent requests: %d, want 1", n, got)
	}
	after := e.sessionData()
	if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken {
		t.Fatalf("tokens not rotated: access changed %v, refresh changed %v", after.AccessToken != before.AccessToken, after.RefreshToken != before.RefreshToken)
	}
	for i, tok := range tokens {
		if tok != after.AccessToken {
			t.Errorf("request %d showed a token that is not the session's new one", i)
		}
	}
	// The next OSCAR call uses the new token, which OSCAR accepts.
	if _, _, ok := e.op.ValidateAccessToken(after.AccessToken); !ok {
		t.Error("the refreshed access token is not valid at the provider")
	}
	assertNoSecrets(t, "the log", e.logs.String(), map[string]string{
		"old refresh token": before.RefreshToken, "new refresh token": after.RefreshToken,
		"old access token": before.AccessToken, "new access token": after.AccessToken,
	})
}

func TestRefreshInvalidGrantEndsSession(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/token", "/token")
	old := e.cookie()
	d := e.sessionData()
	e.op.ExpireRefreshTokens()
	e.clock.fix(d.Expiry.Add(-10 * time.Second))

	p := e.get("/token?tab=claims")
	if want := "/login?next=" + url.QueryEscape("/token?tab=claims"); p.StatusCode != http.StatusSeeOther || p.location() != want {
		t.Fatalf("after invalid_grant: %d to %q, want 303 to %q", p.StatusCode, p.location(), want)
	}
	if e.signedIn() {
		t.Fatal("still signed in after invalid_grant")
	}
	if resp := e.getWithCookie("/token", old); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the ended session's ID still works: %d", resp.StatusCode)
	}
	lp := e.get(p.location())
	if got := lp.text(`[data-testid="flash"]`); got != "Your session ended, sign in again." {
		t.Errorf("flash on the login page %q", got)
	}
	if got := lp.Doc.Find(`form[action="/auth/login"] input[name="next"]`).AttrOr("value", ""); got != "/token?tab=claims" {
		t.Errorf("next on the login page %q, want /token?tab=claims", got)
	}
	// Without a refresh token, an expired token ends the session the same way.
	e.clock.shift(0)
	e.mustLogin("/token", "/token")
	d = e.sessionData()
	d.RefreshToken = ""
	e.signIn(d)
	e.clock.fix(d.Expiry.Add(time.Second))
	if p := e.get("/token"); p.StatusCode != http.StatusSeeOther || p.location() != "/login?next=%2Ftoken" {
		t.Errorf("expired token without refresh token: %d to %q", p.StatusCode, p.location())
	}
}

func TestRefreshProviderDown(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/token", "/token")
	d := e.sessionData()
	e.op.SetDown(true)

	// Still valid: the page works with the current token.
	e.clock.fix(d.Expiry.Add(-30 * time.Second))
	if p := e.get("/token"); p.StatusCode != http.StatusOK {
		t.Errorf("provider down, token valid 30 s more: status %d, want 200", p.StatusCode)
	}
	// Expired: an error page, and the session is kept.
	e.clock.fix(d.Expiry.Add(time.Minute))
	p := e.get("/token")
	if p.StatusCode < 500 || p.Doc.Find(`[data-testid="error"]`).Length() != 1 {
		t.Fatalf("provider down, token expired: status %d, want an error page (5xx)", p.StatusCode)
	}
	if !e.signedIn() {
		t.Fatal("the session ended because the provider was down")
	}
	e.op.SetDown(false)
	if p := e.get("/token"); p.StatusCode != http.StatusOK {
		t.Errorf("provider back: status %d, want 200", p.StatusCode)
	}
	if got := e.op.Counts().RefreshCalls; got != 1 {
		t.Errorf("refresh calls %d, want 1 (after the provider came back)", got)
	}
}

func TestLogout(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/token", "/token")
	d := e.sessionData()
	old := e.cookie()

	p := e.post("/logout", nil)
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: status %d, want 303", p.StatusCode)
	}
	u, err := url.Parse(p.location())
	if err != nil || !strings.HasPrefix(p.location(), e.op.Issuer()) {
		t.Fatalf("logout redirects to %q, want the provider's end_session_endpoint", p.location())
	}
	q := u.Query()
	if q.Get("id_token_hint") != d.IDToken {
		t.Error("end_session URL has not the session's ID token as id_token_hint")
	}
	if got, want := q.Get("post_logout_redirect_uri"), e.server.URL+"/logged-out"; got != want {
		t.Errorf("post_logout_redirect_uri = %q, want %q", got, want)
	}
	if q.Get("state") == "" {
		t.Error("end_session URL has no state")
	}
	if got := e.op.Counts().RevokeCalls; got != 1 {
		t.Errorf("revoke calls %d, want 1", got)
	}
	if _, err := e.prov.Refresh(context.Background(), d.RefreshToken); !errors.Is(err, auth.ErrInvalidGrant) {
		t.Errorf("refresh with the revoked token: %v, want invalid_grant", err)
	}
	var expired bool
	for _, c := range p.Cookies() {
		if c.Name == e.pages.sessions.CookieName() && c.MaxAge < 0 {
			expired = true
		}
	}
	if !expired {
		t.Error("logout did not expire the session cookie")
	}
	if resp := e.getWithCookie("/token", old); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the old session ID still works after logout: %d", resp.StatusCode)
	}

	// The provider sends the browser back to /logged-out, which does not start a new login.
	resp, err := (&http.Client{Jar: e.client.Jar}).Get(p.location())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/logged-out" || resp.StatusCode != http.StatusOK {
		t.Fatalf("after end_session the browser is at %s (%d), want /logged-out", resp.Request.URL, resp.StatusCode)
	}
	lo := e.get("/logged-out")
	if lo.StatusCode != http.StatusOK || lo.Doc.Find(`a[href="/login"][data-testid="sign-in-again"]`).Length() != 1 {
		t.Errorf("signed-out page: status %d, link to sign in again %v", lo.StatusCode, lo.Doc.Find(`a[href="/login"]`).Length() > 0)
	}
	if lo.Doc.Find(`meta[http-equiv], form[action="/auth/login"]`).Length() != 0 {
		t.Error("the signed-out page could start a new sign-in by itself")
	}
	if got := e.op.Counts().AuthorizeCalls; got != 1 {
		t.Errorf("authorize calls %d, want 1 (no new login after logout)", got)
	}
}

func TestLogoutBasicSession(t *testing.T) {
	h := newHarness(t, nil)
	h.signInBasic("https://oscar.example.org", "oscar", "oscar123")
	old := h.cookie()
	p := h.post("/logout", nil)
	if p.StatusCode != http.StatusSeeOther || p.location() != "/logged-out" {
		t.Fatalf("logout: %d to %q, want 303 to /logged-out", p.StatusCode, p.location())
	}
	if resp := h.getWithCookie("/token", old); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("old session still works: %d", resp.StatusCode)
	}
}

func TestProviderDownAtStart(t *testing.T) {
	e := newOIDCEnv(t, envOptions{down: true})
	p := e.get("/login")
	btn := p.Doc.Find(`[data-testid="provider-egi"]`)
	if _, disabled := btn.Attr("disabled"); !disabled {
		t.Error("the button of an undiscovered provider is not disabled")
	}
	if got := strings.TrimSpace(btn.Text()); got != "Sign in with EGI Check-in (test) (unavailable)" {
		t.Errorf("disabled button says %q", got)
	}
	if got := p.text(`[data-testid="providers-unavailable"]`); !strings.Contains(got, "unavailable") {
		t.Errorf("page does not say the provider is unavailable: %q", got)
	}
	if _, open := p.Doc.Find(`[data-testid="basic-section"]`).Attr("open"); !open {
		t.Error("the OSCAR-account form is closed while the provider is unavailable")
	}
	lp := e.post("/auth/login", url.Values{"endpoint": {e.oscar.URL()}, "provider": {"egi"}})
	if lp.StatusCode != http.StatusServiceUnavailable || lp.Doc.Find(`[data-problem="unavailable"]`).Length() != 1 {
		t.Errorf("POST /auth/login to an undiscovered provider: status %d, want 503 with the problem", lp.StatusCode)
	}
	// Basic auth still works.
	bp := e.post("/login/basic", url.Values{"endpoint": {e.oscar.URL()}, "username": {"oscar"}, "password": {"oscar123"}})
	if bp.StatusCode != http.StatusSeeOther || bp.location() != "/services" {
		t.Fatalf("basic sign-in while the provider is down: %d to %q", bp.StatusCode, bp.location())
	}
	// Discovery succeeds later: the button works.
	if err := e.prov.Discover(context.Background()); err != nil {
		t.Fatal(err)
	}
	p = e.get("/login")
	if _, disabled := p.Doc.Find(`button[name="provider"][value="egi"]`).Attr("disabled"); disabled || p.Doc.Find(`button[name="provider"]`).Length() != 1 {
		t.Error("the provider button is not enabled once discovery succeeded")
	}
}

// TestSessionCookieFlags checks the cookie set at sign-in by a Manager built as in production.
func TestSessionCookieFlags(t *testing.T) {
	var mgr *session.Manager
	e := newOIDCEnv(t, envOptions{edit: func(d *Deps) {
		backend, err := session.NewFileBackend(t.TempDir(), d.Log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { backend.Close() })
		mgr, err = session.NewManager(backend, session.Options{Keys: [][]byte{[]byte("0123456789abcdef0123456789abcdef-test")}, Secure: true})
		if err != nil {
			t.Fatal(err)
		}
		d.Sessions = mgr
	}})
	check := func(where string, resp *http.Response) *http.Cookie {
		t.Helper()
		var found *http.Cookie
		for _, raw := range resp.Header.Values("Set-Cookie") {
			c, err := http.ParseSetCookie(raw)
			if err != nil {
				t.Fatalf("%s: Set-Cookie %q: %v", where, raw, err)
			}
			if c.Name != session.CookieName {
				continue
			}
			found = c
			if !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 {
				t.Errorf("%s: cookie flags %q, want Secure HttpOnly Path=/ SameSite=Lax, no Domain, a Max-Age", where, raw)
			}
			if !strings.HasPrefix(c.Name, "__Host-") {
				t.Errorf("%s: cookie name %q has no __Host- prefix", where, c.Name)
			}
			if len(raw) >= 200 {
				t.Errorf("%s: Set-Cookie is %d bytes, want < 200 (only an ID and a version tag)", where, len(raw))
			}
		}
		if found == nil {
			t.Fatalf("%s: no session cookie set", where)
		}
		return found
	}
	// The jar keeps Secure cookies away from http://, so the cookie is carried by hand here.
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/auth/login",
		strings.NewReader(url.Values{"endpoint": {e.oscar.URL()}, "provider": {"egi"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	pre := check("POST /auth/login", resp)
	q := e.authorize(resp.Header.Get("Location"))
	req, _ = http.NewRequest(http.MethodGet, e.server.URL+"/auth/callback?"+q.Encode(), nil)
	req.AddCookie(&http.Cookie{Name: pre.Name, Value: pre.Value})
	resp, err = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: status %d, want 303", resp.StatusCode)
	}
	post := check("callback", resp)
	if session.CookieID(post.Value) == session.CookieID(pre.Value) {
		t.Error("session ID did not change at sign-in")
	}
	// Basic auth sets the same kind of cookie.
	req, _ = http.NewRequest(http.MethodPost, e.server.URL+"/login/basic",
		strings.NewReader(url.Values{"endpoint": {e.oscar.URL()}, "username": {"oscar"}, "password": {"oscar123"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err = e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("POST /login/basic", resp)
}

func TestBasicLogin(t *testing.T) {
	fake := oscartest.NewT(t, oscartest.Options{})
	h := newHarness(t, nil)

	p := h.post("/login/basic", url.Values{"endpoint": {fake.URL()}, "username": {"oscar"}, "password": {"wrong-password-42"}, "next": {"/token"}})
	if p.StatusCode != http.StatusForbidden || p.Doc.Find(`[data-problem="credentials"]`).Length() != 1 {
		t.Fatalf("wrong password: status %d, want 403 with the credentials problem", p.StatusCode)
	}
	if strings.Contains(p.Body, "wrong-password-42") {
		t.Error("the page echoes the password")
	}
	basic := p.Doc.Find(`form[action="/login/basic"]`)
	if got := basic.Find(`input[name="username"]`).AttrOr("value", ""); got != "oscar" {
		t.Errorf("user name kept = %q, want oscar", got)
	}
	if got := basic.Find(`input[name="endpoint"]`).AttrOr("value", ""); got != fake.URL() {
		t.Errorf("endpoint kept = %q, want %q", got, fake.URL())
	}
	if got := basic.Find(`input[name="next"]`).AttrOr("value", ""); got != "/token" {
		t.Errorf("next kept = %q, want /token", got)
	}
	if h.signedIn() {
		t.Fatal("signed in with a wrong password")
	}

	p = h.post("/login/basic", url.Values{"endpoint": {fake.URL()}, "username": {"oscar"}, "password": {"oscar123"}, "next": {"/token"}})
	if p.StatusCode != http.StatusSeeOther || p.location() != "/token" {
		t.Fatalf("good credentials: %d to %q, want 303 to /token", p.StatusCode, p.location())
	}
	d := h.sessionData()
	if d.Kind != session.KindBasic || d.BasicUser != "oscar" || d.BasicPassword != "oscar123" || d.Endpoint != fake.URL() {
		t.Fatalf("session = %v", d)
	}
	if tp := h.get("/token"); strings.Contains(tp.Body, "oscar123") {
		t.Error("a page shows the password")
	}
	assertNoSecrets(t, "the log", h.logs.String(), map[string]string{"password": "oscar123", "wrong password": "wrong-password-42"})
}

func TestBasicLoginFieldErrorsAndUnreachable(t *testing.T) {
	h := newHarness(t, nil)
	p := h.post("/login/basic", url.Values{"endpoint": {"ftp://x"}, "username": {""}, "password": {""}})
	if p.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.StatusCode)
	}
	for _, id := range []string{"f-basic-endpoint", "f-username", "f-password"} {
		if got := p.Doc.Find("#"+id).AttrOr("aria-invalid", ""); got != "true" {
			t.Errorf("#%s aria-invalid = %q, want true", id, got)
		}
		if p.Doc.Find(`[data-testid="form-errors"] a[href="#`+id+`"]`).Length() != 1 {
			t.Errorf("error summary does not link #%s", id)
		}
	}
	// Nothing listens on port 1.
	p = h.post("/login/basic", url.Values{"endpoint": {"http://127.0.0.1:1"}, "username": {"oscar"}, "password": {"oscar123"}})
	if p.StatusCode != http.StatusBadGateway || p.Doc.Find(`[data-problem="unreachable"]`).Length() != 1 {
		t.Fatalf("unreachable endpoint: status %d, want 502 with the unreachable problem", p.StatusCode)
	}
	if got := p.Doc.Find(`form[action="/login/basic"] input[name="endpoint"]`).AttrOr("value", ""); got != "http://127.0.0.1:1" {
		t.Errorf("endpoint kept = %q", got)
	}
}

// TestSSRFRefusedEndpoints uses the strict default policy: https only, public addresses only.
func TestSSRFRefusedEndpoints(t *testing.T) {
	e := newOIDCEnv(t, envOptions{edit: func(d *Deps) {
		d.Policy = oscar.Policy{}
		d.OSCAR = oscar.New(oscar.Options{Policy: d.Policy, Logger: d.Log})
	}})
	for _, ep := range []string{"http://oscar.example.org", "https://127.0.0.1", "https://[::1]", "https://169.254.169.254", "https://10.0.0.1", "https://localhost:1"} {
		t.Run(ep, func(t *testing.T) {
			for _, path := range []string{"/login/basic", "/auth/login"} {
				p := e.post(path, url.Values{"endpoint": {ep}, "username": {"oscar"}, "password": {"oscar123"}, "provider": {"egi"}})
				if p.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("%s: status %d, want 422", path, p.StatusCode)
					continue
				}
				if p.Doc.Find(`[aria-invalid="true"][name="endpoint"]`).Length() != 1 {
					t.Errorf("%s: the endpoint field is not marked invalid", path)
				}
			}
		})
	}
	if got := e.op.Counts().AuthorizeCalls; got != 0 {
		t.Errorf("authorize calls %d, want 0", got)
	}
}

func TestSignInRateLimit(t *testing.T) {
	e := newOIDCEnv(t, envOptions{edit: func(d *Deps) { d.LoginRate = 2 }})
	form := url.Values{"endpoint": {e.oscar.URL()}, "username": {"oscar"}, "password": {"nope"}}
	for i := range 2 {
		if p := e.post("/login/basic", form); p.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	p := e.post("/login/basic", form)
	if p.StatusCode != http.StatusTooManyRequests || p.Doc.Find(`[data-problem="rate"]`).Length() != 1 {
		t.Errorf("third attempt: status %d, want 429 with the rate problem on the login page", p.StatusCode)
	}
	if p := e.post("/auth/login", url.Values{"endpoint": {e.oscar.URL()}, "provider": {"egi"}}); p.StatusCode != http.StatusTooManyRequests {
		t.Errorf("provider sign-in over the limit: status %d, want 429", p.StatusCode)
	}
}

func TestSwitchEndpoint(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/token", "/token")
	first := e.oscar.URL()
	refusing := oscartest.NewT(t, oscartest.Options{Tokens: e.op.ValidateAccessToken, OIDCGroups: []string{"vo.nobody.eu"}})
	accepting := oscartest.NewT(t, oscartest.Options{Tokens: e.op.ValidateAccessToken, OIDCGroups: []string{testVO2}})

	p := e.post("/endpoint", url.Values{"endpoint": {refusing.URL()}})
	if p.StatusCode != http.StatusForbidden || p.Doc.Find(`[data-problem="oscar-denied"]`).Length() != 1 {
		t.Fatalf("switch to a refusing cluster: status %d, want 403 with the explanation", p.StatusCode)
	}
	if got := p.text(`[data-testid="user-vos"]`); !strings.Contains(got, testVO) {
		t.Errorf("user VOs %q", got)
	}
	if got := e.sessionData().Endpoint; got != first {
		t.Fatalf("endpoint after a refused switch = %q, want the old %q", got, first)
	}

	p = e.post("/endpoint", url.Values{"endpoint": {accepting.URL()}, "next": {"/token"}})
	if p.StatusCode != http.StatusSeeOther || p.location() != "/token" {
		t.Fatalf("switch: %d to %q, want 303 to /token", p.StatusCode, p.location())
	}
	d := e.sessionData()
	if d.Endpoint != accepting.URL() || !slices.Equal(d.RecentEndpoints, []string{accepting.URL(), first}) {
		t.Errorf("endpoint %q recent %v", d.Endpoint, d.RecentEndpoints)
	}
	if p := e.post("/endpoint", url.Values{"endpoint": {"https://exa mple"}}); p.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("invalid endpoint: status %d, want 422", p.StatusCode)
	}
	if p := e.post("/endpoint", url.Values{"endpoint": {first}, "next": {"//evil.example"}}); p.location() != "/services" {
		t.Errorf("unsafe next after a switch: to %q, want /services", p.location())
	}

	// A basic-auth session never takes its password elsewhere.
	h := newHarness(t, nil)
	h.signInBasic(first, "oscar", "oscar123")
	p = h.post("/endpoint", url.Values{"endpoint": {accepting.URL()}})
	if p.StatusCode != http.StatusForbidden || p.Doc.Find(`[data-problem="basic-switch"]`).Length() != 1 {
		t.Errorf("basic session switch: status %d, want 403", p.StatusCode)
	}
	for _, rq := range accepting.Requests() {
		if rq.Auth == "basic" {
			t.Error("the basic-auth password was sent to another cluster")
		}
	}
}

func TestEndpointRoutesNeedSignIn(t *testing.T) {
	h := newHarness(t, nil)
	if p := h.get("/endpoint"); p.StatusCode != http.StatusSeeOther || p.location() != "/login?next=%2Fendpoint" {
		t.Errorf("GET /endpoint signed out: %d to %q", p.StatusCode, p.location())
	}
	if p := h.post("/endpoint", url.Values{"endpoint": {"https://oscar.example.org"}}); p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
		t.Errorf("POST /endpoint signed out: %d to %q", p.StatusCode, p.location())
	}
}

// TestNoSecretsInLogsAcrossFlows runs sign-in, refresh and sign-out and searches the log for every
// secret that passed through.
func TestNoSecretsInLogsAcrossFlows(t *testing.T) {
	e := newOIDCEnv(t, envOptions{op: authtest.Options{ClientSecret: "client-secret-value-123"}})
	e.mustLogin("/token", "/token")
	first := e.sessionData()
	if p := e.post("/token/refresh", nil); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("refresh: status %d", p.StatusCode)
	}
	second := e.sessionData()
	e.post("/logout", nil)
	e.post("/login/basic", url.Values{"endpoint": {e.oscar.URL()}, "username": {"oscar"}, "password": {"oscar123"}})
	logs := e.logs.String()
	if !strings.Contains(logs, "signed in") {
		t.Fatal("the log has no sign-in record: is logging wired?")
	}
	secrets := map[string]string{"client secret": "client-secret-value-123", "password": "oscar123"}
	for i, d := range []session.Data{first, second} {
		secrets[fmt.Sprint("access token ", i)] = d.AccessToken
		secrets[fmt.Sprint("refresh token ", i)] = d.RefreshToken
		secrets[fmt.Sprint("ID token ", i)] = d.IDToken
	}
	assertNoSecrets(t, "the log", logs, secrets)
	if bytes.Contains([]byte(logs), []byte("Bearer ")) {
		t.Error("the log contains an Authorization value")
	}
}

// TestCallbackRefusesForgedIdentity: an ID token for another nonce, audience or issuer, or a
// UserInfo answer about someone else, never signs anyone in, and each gets its own message.
func TestCallbackRefusesForgedIdentity(t *testing.T) {
	for _, tc := range []struct {
		name     string
		idToken  func(map[string]any)
		userInfo func(map[string]any)
		status   int
	}{
		{"nonce of another login", func(c map[string]any) { c["nonce"] = "another-login" }, nil, http.StatusBadRequest},
		{"another audience", func(c map[string]any) { c["aud"] = []string{"someone-else"} }, nil, http.StatusBadGateway},
		{"another issuer", func(c map[string]any) { c["iss"] = "https://evil.example" }, nil, http.StatusBadGateway},
		{"UserInfo of another subject", nil, func(c map[string]any) { c["sub"] = "mallory" }, http.StatusBadGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newOIDCEnv(t, envOptions{})
			if tc.idToken != nil {
				e.op.SetIDTokenHook(tc.idToken)
			}
			if tc.userInfo != nil {
				e.op.SetUserInfoHook(tc.userInfo)
			}
			p := e.login("/token")
			if p.StatusCode != tc.status {
				t.Errorf("status %d, want %d", p.StatusCode, tc.status)
			}
			if got := p.Doc.Find(`[data-testid="login-problem"]`).AttrOr("data-problem", ""); got != "token" {
				t.Errorf("problem %q, want token", got)
			}
			if e.signedIn() {
				t.Error("signed in with a forged identity")
			}
			if got := p.Doc.Find(`form[action="/auth/login"] input[name="endpoint"]`).AttrOr("value", ""); got != e.oscar.URL() {
				t.Errorf("endpoint kept = %q", got)
			}
		})
	}
}

// TestSignInAgainRevokesReplacedTokens: signing in over a signed-in OIDC session revokes the refresh
// token the console forgets.
func TestSignInAgainRevokesReplacedTokens(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/token", "/token")
	first := e.sessionData()
	e.mustLogin("/token", "/token")
	if got := e.op.Counts().RevokeCalls; got != 1 {
		t.Errorf("revoke calls after signing in again: %d, want 1", got)
	}
	if _, err := e.prov.Refresh(context.Background(), first.RefreshToken); !errors.Is(err, auth.ErrInvalidGrant) {
		t.Errorf("the replaced refresh token still works: %v", err)
	}
	if d := e.sessionData(); !slices.Equal(d.RecentEndpoints, first.RecentEndpoints) {
		t.Errorf("recent endpoints %v, want %v kept for the same user", d.RecentEndpoints, first.RecentEndpoints)
	}
	p := e.post("/login/basic", url.Values{"endpoint": {e.oscar.URL()}, "username": {"oscar"}, "password": {"oscar123"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("basic sign-in over an OIDC session: status %d", p.StatusCode)
	}
	if got := e.op.Counts().RevokeCalls; got != 2 {
		t.Errorf("revoke calls after a basic sign-in over an OIDC session: %d, want 2", got)
	}
}
