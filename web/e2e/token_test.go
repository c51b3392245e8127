package e2e

import (
	"testing"
)

// tokenFlow checks the token page of an OIDC session: with JavaScript, Reveal unmasks the token and
// Copy puts it on the clipboard; without, the buttons stay hidden and the token is selectable in the
// <details> textarea. Then "Get a fresh token" replaces it. It returns the tokens it saw.
func (tb *tab) tokenFlow() []string {
	tb.t.Helper()
	t := tb.t
	if st := tb.open("/token"); st != 200 {
		tb.fatalf("GET /token: status %d", st)
	}
	token := eval[string](tb, `document.querySelector("#access-token").value`)
	if sub, _, ok := tb.c.OP.ValidateAccessToken(token); !ok || sub != alice().Subject {
		tb.fatalf("the token page shows a token the provider does not know as Alice's (ok=%v sub=%q)", ok, sub)
	}
	if got := tb.attr("#access-token", "type"); got != "password" {
		t.Errorf("the token field is of type %q before Reveal, want password (masked)", got)
	}
	tb.screen("token")

	if tb.js {
		tb.grantClipboard()
		tb.press(`[data-reveal="#access-token"]`)
		if got := tb.attr("#access-token", "type"); got != "text" {
			t.Errorf("after Reveal the token field is of type %q, want text", got)
		}
		if got := tb.attr(`[data-reveal="#access-token"]`, "aria-pressed"); got != "true" {
			t.Errorf("Reveal button aria-pressed = %q after a click, want true", got)
		}
		tb.screen("token-revealed")
		tb.press(`[data-copy="#access-token"]`)
		if got := eval[string](tb, `new Promise(function (ok) { var n = 0; (function poll() {
				var t = document.getElementById("live").textContent;
				if (t || ++n > 200) { ok(t); } else { setTimeout(poll, 50); } })(); })`); got != "Copied" {
			t.Errorf("live region after Copy = %q, want %q", got, "Copied")
		}
		if got := eval[string](tb, `navigator.clipboard.readText()`); got != token {
			t.Errorf("clipboard after Copy holds %d characters, want the token (%d)", len(got), len(token))
		}
		// Hide again.
		tb.press(`[data-reveal="#access-token"]`)
		if got := tb.attr("#access-token", "type"); got != "password" {
			t.Errorf("after a second click the token field is of type %q, want password", got)
		}
	} else {
		for _, sel := range []string{`[data-reveal="#access-token"]`, `[data-copy="#access-token"]`} {
			if eval[bool](tb, `(function (e) { return !!e && !e.hidden && e.offsetParent !== null; })(document.querySelector(`+jsString(sel)+`))`) {
				t.Errorf("%s is shown without JavaScript, where it cannot work", sel)
			}
		}
		tb.openDetails(`[data-testid="token-text"]`)
		if got := eval[string](tb, `document.querySelector("#access-token-text").value`); got != token {
			t.Errorf("the token textarea holds %d characters, want the token (%d)", len(got), len(token))
		}
		// Selectable: visible, not user-select:none, and a select-all covers the whole token.
		sel := eval[[]int](tb, `(function (e) {
			if (e.offsetParent === null || getComputedStyle(e).userSelect === "none") { return [-1, -1]; }
			e.focus(); e.select(); return [e.selectionStart, e.selectionEnd]; })(document.querySelector("#access-token-text"))`)
		if len(sel) != 2 || sel[0] != 0 || sel[1] != len(token) {
			t.Errorf("selecting the token textarea selects %v, want [0 %d]", sel, len(token))
		}
		tb.screen("token-text")
	}

	// A fresh token replaces the old one (the refresh token stays on the server).
	if st := tb.click(`[data-testid="refresh"]`); st != 200 {
		tb.fatalf("refresh: status %d", st)
	}
	fresh := eval[string](tb, `document.querySelector("#access-token").value`)
	if fresh == "" || fresh == token {
		t.Errorf("after Get a fresh token the page shows the same token (or none)")
	}
	if _, _, ok := tb.c.OP.ValidateAccessToken(fresh); !ok {
		t.Errorf("the fresh token is not valid at the provider")
	}
	return []string{token, fresh}
}

// tokenBasicFlow checks the token page of a basic-auth session: no personal token, advice instead.
func (tb *tab) tokenBasicFlow() {
	tb.t.Helper()
	if st := tb.open("/token"); st != 200 {
		tb.fatalf("GET /token: status %d", st)
	}
	tb.mustSee(`[data-testid="token-basic"]`)
	if n := tb.count("#access-token"); n != 0 {
		tb.t.Errorf("a basic-auth session's token page has a token field")
	}
	tb.screen("token-basic")
}

func TestToken(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)
			tb.signInOIDC()
			tokens := tb.tokenFlow()

			// A basic-auth session has no personal token: the page says so and shows none.
			tb2 := newTab(t, c, m.js)
			tb2.signInBasic()
			tb2.tokenBasicFlow()
			c.assertNoSecretsLogged(t, tokens...)
		})
	}
}
