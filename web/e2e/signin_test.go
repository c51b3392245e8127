package e2e

import (
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// signInOIDC signs in as Alice through the OpenID Provider's HTML login form, typing the fake OSCAR's
// endpoint on the console's sign-in page.
func (tb *tab) signInOIDC() {
	tb.t.Helper()
	if st := tb.open("/login"); st != 200 {
		tb.fatalf("GET /login: status %d", st)
	}
	tb.screen("sign-in")
	tb.chooseEndpoint("#f-endpoint")
	if st := tb.click(`[data-testid="provider-egi"]`); st != 200 {
		tb.fatalf("provider button: status %d", st)
	}
	if !strings.HasPrefix(eval[string](tb, `location.href`), tb.c.OP.Issuer()) {
		tb.fatalf("the provider button did not lead to the identity provider")
	}
	tb.fill(`input[name="username"]`, aliceUser)
	tb.fill(`input[name="password"]`, alicePassword)
	if st := tb.click(`button[type="submit"]`); st != 200 {
		tb.fatalf("sign in at the provider: status %d", st)
	}
	tb.assertSignedIn(aliceName)
}

// signInBasic signs in with the fake OSCAR's basic-auth account through the <details> form.
func (tb *tab) signInBasic() {
	tb.t.Helper()
	if st := tb.open("/login"); st != 200 {
		tb.fatalf("GET /login: status %d", st)
	}
	tb.openDetails(`[data-testid="basic-section"]`)
	tb.chooseEndpoint("#f-basic-endpoint")
	tb.fill("#f-username", basicUser)
	tb.fill("#f-password", basicPassword)
	if st := tb.click(`[data-testid="basic-submit"]`); st != 200 {
		tb.fatalf("basic sign-in: status %d", st)
	}
	tb.assertSignedIn(basicUser + " (OSCAR account)")
}

// chooseEndpoint types the fake OSCAR's URL, or picks it when the field is a list of clusters.
func (tb *tab) chooseEndpoint(sel string) {
	tb.t.Helper()
	if eval[string](tb, `document.querySelector("`+sel+`").tagName`) == "SELECT" {
		tb.set(sel, tb.c.Endpoint())
		return
	}
	tb.fill(sel, tb.c.Endpoint())
}

// openDetails opens a <details> element by clicking its summary, as a user does.
func (tb *tab) openDetails(sel string) {
	tb.t.Helper()
	if tb.attr(sel, "open") == "" && !eval[bool](tb, `document.querySelector('`+sel+`').open`) {
		tb.press(sel + " > summary")
	}
	if !eval[bool](tb, `document.querySelector('`+sel+`').open`) {
		tb.fatalf("%s did not open", sel)
	}
}

// assertSignedIn checks the header names the user and the endpoint the console calls.
func (tb *tab) assertSignedIn(user string) {
	tb.t.Helper()
	if got := tb.text(`[data-testid="user"]`); got != user {
		tb.fatalf("signed-in user = %q, want %q", got, user)
	}
	if got := tb.text(`[data-testid="endpoint"]`); got != tb.c.Endpoint() {
		tb.fatalf("endpoint in the header = %q, want %q", got, tb.c.Endpoint())
	}
}

// signOut uses the header's Sign out button and checks the session is gone.
func (tb *tab) signOut() {
	tb.t.Helper()
	if st := tb.click(`form[action="/logout"] button`); st != 200 {
		tb.fatalf("sign out: status %d", st)
	}
	tb.mustSee(`[data-testid="logged-out"]`)
	tb.screen("signed-out")
	// The session is gone: a signed-in page sends the browser back to the sign-in page.
	tb.open("/services")
	if p := tb.path(); !strings.HasPrefix(p, "/login") {
		tb.fatalf("after sign-out, /services ended on %s, want the sign-in page", p)
	}
}

// signInBasicRefused tries a wrong password: the same page comes back with an error status, the
// user name kept and the password not.
func (tb *tab) signInBasicRefused() {
	tb.t.Helper()
	t := tb.t
	tb.open("/login")
	tb.openDetails(`[data-testid="basic-section"]`)
	tb.chooseEndpoint("#f-basic-endpoint")
	tb.fill("#f-username", basicUser)
	tb.fill("#f-password", "wrong password")
	if st := tb.click(`[data-testid="basic-submit"]`); st < 400 {
		t.Errorf("wrong password: status %d, want an error status", st)
	}
	tb.mustSee(`[data-testid="login-problem"]`)
	tb.screen("sign-in-refused")
	if got := eval[string](tb, `document.querySelector("#f-username").value`); got != basicUser {
		t.Errorf("user name after a failed sign-in = %q, want it kept", got)
	}
	if got := eval[string](tb, `document.querySelector("#f-password").value`); got != "" {
		t.Errorf("the password came back in the page")
	}
}

// switchCluster opens the endpoint page from the header and, when other is set, moves the session
// to that OSCAR endpoint (the console first checks that it accepts the user's token).
func (tb *tab) switchCluster(other string) {
	tb.t.Helper()
	if st := tb.click(`header a[href="/endpoint"]`); st != 200 {
		tb.fatalf("endpoint page: status %d", st)
	}
	tb.mustSee(`[data-testid="endpoint-page"]`)
	tb.screen("endpoint")
	if other == "" {
		return
	}
	tb.fill("#f-endpoint", other)
	if st := tb.click(`[data-testid="endpoint-form"] button[type="submit"]`); st != 200 {
		tb.fatalf("switch endpoint: status %d", st)
	}
	if got := tb.text(`[data-testid="endpoint"]`); got != other {
		tb.fatalf("after the switch the header names %q, want %q", got, other)
	}
}

func TestSignInOIDC(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)
			tb.signInOIDC()
			if p := tb.path(); p != "/services" {
				t.Errorf("after sign-in the browser is on %s, want /services", p)
			}
			// The browser holds one cookie, the session's, and it is HttpOnly: no token in the page's
			// reach.
			if got := eval[string](tb, `document.cookie`); got != "" {
				t.Errorf("document.cookie = %q, want nothing readable by scripts", got)
			}
			// Another cluster that accepts the same identity provider: the token goes there now.
			other := oscartest.NewT(t, oscartest.Options{Tokens: c.OP.ValidateAccessToken, OIDCGroups: []string{testVO}, Spec: suite.spec})
			tb.switchCluster(other.URL())
			if st := tb.open("/services"); st != 200 {
				t.Errorf("services on the other cluster: status %d", st)
			}
			if n := len(other.Requests()); n == 0 {
				t.Errorf("the other cluster was never called")
			}
			tb.signOut()
			c.assertNoSecretsLogged(t)
		})
	}
}

func TestSignInBasic(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)

			tb.signInBasicRefused()
			tb.signInBasic()
			tb.signOut()
			c.assertNoSecretsLogged(t)
		})
	}
}
