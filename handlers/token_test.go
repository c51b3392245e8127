package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

func TestTokenPage(t *testing.T) {
	e := newOIDCEnv(t, envOptions{oscar: oscartest.Options{OIDCGroups: []string{testVO, "vo.cluster-only.eu"}}})
	e.mustLogin("/token", "/token")
	d := e.sessionData()
	e.clock.fix(d.Expiry.Add(-(3*time.Minute + 30*time.Second)))

	p := e.get("/token")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", p.StatusCode)
	}
	if got := p.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	if got := p.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy %q, want no-referrer", got)
	}

	in := p.Doc.Find(`input#access-token`)
	if got := in.AttrOr("value", ""); got != d.AccessToken {
		t.Fatal("the token shown is not the session's access token")
	}
	if got := in.AttrOr("type", ""); got != "password" {
		t.Errorf("token input type %q, want password (masked)", got)
	}
	if _, ro := in.Attr("readonly"); !ro {
		t.Error("token input is not read-only")
	}
	for _, sel := range []string{`[data-reveal="#access-token"]`, `[data-copy="#access-token"]`} {
		if p.Doc.Find(sel).Length() != 1 {
			t.Errorf("no %s button", sel)
		}
	}
	// Without JavaScript: a closed <details> with a read-only textarea holding the token.
	det := p.Doc.Find(`details[data-testid="token-text"]`)
	if _, open := det.Attr("open"); open || strings.TrimSpace(det.Find("textarea[readonly]").Text()) != d.AccessToken {
		t.Error("no closed <details> with the token in a read-only textarea")
	}
	// Masked: the token is in no visible text, only in the masked inputs and the closed details.
	visible := p.Doc.Clone()
	visible.Find("details, input, textarea, script").Remove()
	if strings.Contains(visible.Text(), d.AccessToken) {
		t.Error("the token is visible in the page text")
	}

	// Expiry, identity, scopes.
	if got := p.Doc.Find(`[data-testid="expiry"] time`).AttrOr("datetime", ""); got != d.Expiry.UTC().Format(time.RFC3339) {
		t.Errorf("expiry datetime %q, want %q", got, d.Expiry.UTC().Format(time.RFC3339))
	}
	if got := p.text(`[data-testid="expiry"] time`); got != d.Expiry.UTC().Format("2006-01-02 15:04:05 UTC") {
		t.Errorf("expiry shown %q", got)
	}
	if got := p.text(`[data-testid="minutes-left"]`); got != "(3 minutes left)" {
		t.Errorf("time left %q, want (3 minutes left)", got)
	}
	if got := p.text(`[data-testid="issuer"]`); got != e.op.Issuer() {
		t.Errorf("issuer %q, want %q", got, e.op.Issuer())
	}
	if got := p.text(`[data-testid="subject"]`); got != testSubject {
		t.Errorf("subject %q", got)
	}
	if got := p.text(`[data-testid="voperson-id"]`); got != "a1b2c3d4@egi.eu" {
		t.Errorf("voperson_id %q", got)
	}
	if got := p.text(`[data-testid="scopes"]`); !strings.Contains(got, "entitlements") || !strings.Contains(got, "openid") {
		t.Errorf("scopes %q", got)
	}

	// VOs, and which the cluster accepts.
	accepted := map[string]bool{}
	p.Doc.Find(`tr[data-testid="vo"]`).Each(func(_ int, s *goquery.Selection) {
		accepted[s.AttrOr("data-vo", "")] = s.Find(`[data-testid="vo-accepted"]`).Length() == 1
	})
	if len(accepted) != 2 || !accepted[testVO] || accepted[testVO2] {
		t.Errorf("VOs accepted = %v, want %s accepted and %s not", accepted, testVO, testVO2)
	}
	if got := p.text(`[data-testid="cluster-vos"]`); !strings.Contains(got, "vo.cluster-only.eu") {
		t.Errorf("cluster VOs %q", got)
	}

	// Claims and UserInfo.
	if got := p.text(`[data-testid="token-payload"]`); !strings.Contains(got, `"sub": "`+testSubject+`"`) {
		t.Errorf("decoded payload does not show the subject: %q", got)
	}
	if got := p.text(`[data-testid="token-header"]`); !strings.Contains(got, `"alg"`) {
		t.Errorf("decoded header %q", got)
	}
	if got := p.text(`[data-testid="userinfo"]`); !strings.Contains(got, "urn:mace:egi.eu:group:"+testVO) {
		t.Errorf("UserInfo does not show the entitlements: %q", got)
	}

	// Snippets: only the export line has the token.
	if got := p.Doc.Find(`input#snippet-export`).AttrOr("value", ""); got != "export OIDC_TOKEN='"+d.AccessToken+"'" {
		t.Error("the export snippet does not set OIDC_TOKEN to the token")
	}
	if got := p.Doc.Find(`input#snippet-export`).AttrOr("type", ""); got != "password" {
		t.Errorf("export snippet type %q, want password (masked)", got)
	}
	for id, want := range map[string]string{
		"snippet-info":       `curl -H "Authorization: Bearer $OIDC_TOKEN" ` + e.oscar.URL() + "/system/info",
		"snippet-userinfo":   `curl -H "Authorization: Bearer $OIDC_TOKEN" `,
		"snippet-oidc-gen":   "oidc-gen --pub --issuer " + e.op.Issuer() + " egi",
		"snippet-oidc-token": "oidc-token egi",
		"snippet-oscar-cli":  "oscar-cli cluster add 127-0-0-1-",
	} {
		code := p.Doc.Find("code#" + id)
		if !strings.HasPrefix(code.Text(), want) {
			t.Errorf("%s = %q, want it to start with %q", id, code.Text(), want)
		}
		if strings.Contains(code.Text(), d.AccessToken) {
			t.Errorf("%s contains the token", id)
		}
		if p.Doc.Find(`button[data-copy="#`+id+`"]`).Length() != 1 {
			t.Errorf("%s has no copy button", id)
		}
	}
	if got := p.text(`code#snippet-oscar-cli`); !strings.HasSuffix(got, e.oscar.URL()+" --oidc-account-name egi") {
		t.Errorf("oscar-cli snippet %q", got)
	}

	// Never the refresh token, the ID token or the client secret.
	assertNoSecrets(t, "the token page", p.Body, map[string]string{
		"refresh token": d.RefreshToken, "ID token": d.IDToken, "client secret": e.op.Options().ClientSecret,
	})
}

func TestTokenRefreshButtonRotates(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/token", "/token")
	before := e.sessionData()
	if e.get("/token").Doc.Find(`form[action="/token/refresh"][method="post"] button`).Length() != 1 {
		t.Fatal("no Get a fresh token button")
	}
	p := e.post("/token/refresh", nil)
	if p.StatusCode != http.StatusSeeOther || p.location() != "/token" {
		t.Fatalf("refresh: %d to %q, want 303 to /token", p.StatusCode, p.location())
	}
	after := e.sessionData()
	if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken {
		t.Fatal("the refresh did not rotate the tokens")
	}
	if got := e.op.Counts().RefreshCalls; got != 1 {
		t.Errorf("refresh calls %d, want 1", got)
	}
	page := e.get("/token")
	if got := page.Doc.Find(`input#access-token`).AttrOr("value", ""); got != after.AccessToken {
		t.Error("the page does not show the new token")
	}
	if !strings.HasPrefix(page.text(`[data-testid="flash"]`), "You have a fresh token") {
		t.Errorf("flash %q", page.text(`[data-testid="flash"]`))
	}
	assertNoSecrets(t, "the token page", page.Body, map[string]string{
		"old refresh token": before.RefreshToken, "new refresh token": after.RefreshToken, "ID token": after.IDToken,
	})

	// invalid_grant from the button ends the session, back to the token page after sign-in.
	e.op.ExpireRefreshTokens()
	p = e.post("/token/refresh", nil)
	if p.StatusCode != http.StatusSeeOther || p.location() != "/login?next=%2Ftoken" {
		t.Errorf("refresh with an expired refresh token: %d to %q, want the login page with next=/token", p.StatusCode, p.location())
	}
}

func TestTokenPageBasicSession(t *testing.T) {
	h := newHarness(t, nil)
	h.signInBasic("https://oscar.example.org", "oscar", "oscar123")
	p := h.get("/token")
	if p.StatusCode != http.StatusOK || p.Doc.Find(`[data-testid="token-basic"]`).Length() != 1 {
		t.Fatalf("status %d, basic explanation %v", p.StatusCode, p.Doc.Find(`[data-testid="token-basic"]`).Length() == 1)
	}
	if p.Doc.Find(`input#access-token`).Length() != 0 || strings.Contains(p.Body, "oscar123") {
		t.Error("a basic-auth session's page shows a token field or the password")
	}
	if !strings.Contains(p.Body, "oidc-gen --pub --issuer https://aai.egi.eu/auth/realms/egi") {
		t.Error("the page does not say how to get a token with oidc-agent")
	}
	if got := p.Doc.Find(`[data-testid="token-portal"]`).AttrOr("href", ""); got != "https://aai.egi.eu/token" {
		t.Errorf("token portal link %q", got)
	}
	if p.Doc.Find(`a[href="/services"]`).Length() == 0 {
		t.Error("no pointer to the services, where the service tokens are")
	}
	if got := p.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy %q", got)
	}
	if p := h.post("/token/refresh", nil); p.StatusCode != http.StatusSeeOther || p.location() != "/token" {
		t.Errorf("refresh in a basic session: %d to %q", p.StatusCode, p.location())
	}
}

func TestTokenPageNeedsSignIn(t *testing.T) {
	h := newHarness(t, nil)
	if p := h.get("/token"); p.StatusCode != http.StatusSeeOther || p.location() != "/login?next=%2Ftoken" {
		t.Errorf("GET /token signed out: %d to %q", p.StatusCode, p.location())
	}
}
