package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeNext checks the return-path validator (R23): anything it accepts
// parses as a relative path with no scheme, host or userinfo, stays on the
// console's host when a browser resolves it, and still does after a proxy
// unescapes it or after http.Redirect (which p.redirect uses) cleans it.
// nextOr never returns a refused value.
func FuzzSafeNext(f *testing.F) {
	// oauth2-proxy's redirect table (egi-checkin.md §4.4) and friends.
	for _, s := range []string{
		"/", "/services", "/services/new/general?x=1#f", "/services/a%20b",
		"//redirect", "/\\evil.com", "/ /evil.com", "/ \\evil.com", "/\t/evil.com", "/\v\\evil.com",
		"/\n/evil.com", "/\r\\evil.com", "/\t\t/\t\t\\evil.com", "/./\\evil.com", "/./../../\\evil.com",
		"http://foo.bar.evil.corp/redirect", "https://evil.corp/redirect?rd=foo.bar", "foo.bar/redirect",
		"/%2F/evil.example", "/%5Cevil.example", "/%2f%2fevil", "/.//evil.example", "/..//evil.example",
		"/x/../..//evil", "/@evil.example", "/?next=//evil", "/#//evil", "javascript:alert(1)",
		"/\u2028", "/\u3000/evil", "/%E3%80%80/evil", "/%0d%0aSet-Cookie:x", "\\\\evil",
	} {
		f.Add(s)
	}
	base, _ := url.Parse("https://console.example:8443/services/x")
	f.Fuzz(func(t *testing.T, next string) {
		ok := SafeNext(next)
		if got := nextOr(next, "/"); ok && got != next || !ok && got != "/" {
			t.Fatalf("nextOr(%q) = %q (SafeNext %v)", next, got, ok)
		}
		if !ok {
			return
		}
		u, err := url.Parse(next)
		if err != nil {
			t.Fatalf("SafeNext accepted %q, which does not parse: %v", next, err)
		}
		if u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(next, "/") ||
			strings.HasPrefix(next, "//") {
			t.Fatalf("SafeNext accepted %q: scheme %q host %q", next, u.Scheme, u.Host)
		}
		if r := base.ResolveReference(u); r.Host != base.Host || r.Scheme != base.Scheme {
			t.Fatalf("SafeNext accepted %q, which a browser resolves to %s", next, r)
		}
		// A browser treats '\' as '/' and drops tabs and newlines.
		browser := strings.NewReplacer("\\", "/", "\t", "", "\n", "", "\r", "").Replace(next)
		if bu, err := url.Parse(browser); err != nil || bu.Host != "" || strings.HasPrefix(browser, "//") {
			t.Fatalf("SafeNext accepted %q, which a browser reads as %q", next, browser)
		}
		if dec, err := url.PathUnescape(u.Path); err == nil {
			if du, err := url.Parse(dec); err == nil && (du.Host != "" || du.Scheme != "") {
				t.Fatalf("SafeNext accepted %q, whose unescaped path %q has a host", next, dec)
			}
		}
		// What p.redirect sends.
		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest(http.MethodPost, base.String(), nil), next, http.StatusSeeOther)
		loc := rec.Header().Get("Location")
		lu, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("Location %q for %q does not parse: %v", loc, next, err)
		}
		if r := base.ResolveReference(lu); r.Host != base.Host || strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\r\n") {
			t.Fatalf("SafeNext accepted %q; the redirect goes to %q (%s)", next, loc, r)
		}
	})
}
