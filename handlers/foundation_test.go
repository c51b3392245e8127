package handlers

import (
	"net/http"
	"testing"
)

func TestNotFoundAndMethodNotAllowedPages(t *testing.T) {
	h := newHarness(t, nil)
	p := h.get("/no/such/page")
	if p.StatusCode != http.StatusNotFound {
		t.Fatalf("status = %d, want 404", p.StatusCode)
	}
	if got := p.text("h1"); got != "Page not found" {
		t.Errorf("h1 = %q", got)
	}
	if p.text("[data-testid=request-id]") == "" {
		t.Error("the error page has no request ID")
	}
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
}

func TestSafeNext(t *testing.T) {
	// Cases after oauth2-proxy's redirect validation table.
	for _, tc := range []struct {
		next string
		ok   bool
	}{
		{"/", true},
		{"/services", true},
		{"/services/new/general?x=1#f", true},
		{"/services/a%20b", true},
		{"", false},
		{"services", false},
		{"//evil.example", false},
		{"///evil.example", false},
		{"/\\evil.example", false},
		{"\\/evil.example", false},
		{"/\t/evil.example", false},
		{"/ /evil.example", false},
		{"https://evil.example/", false},
		{"http:/evil.example", false},
		{"javascript:alert(1)", false},
		{"/%2F/evil.example", false},
		{"/%5Cevil.example", false},
		{"/\x00", false},
		{"/path\r\nLocation: x", false},
		{"/\u2028", false},
		{"//", false},
		{"/evil.example/..//x", true}, // still a path on this site
	} {
		if got := SafeNext(tc.next); got != tc.ok {
			t.Errorf("SafeNext(%q) = %v, want %v", tc.next, got, tc.ok)
		}
	}
}

func TestLimiterBoundsAttemptsPerWindow(t *testing.T) {
	now := fixedClock()
	l := newLimiter(3, 60e9, now.Now)
	for i := range 3 {
		if !l.allow("1.2.3.4") {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if l.allow("1.2.3.4") {
		t.Error("fourth attempt in the window allowed")
	}
	if !l.allow("5.6.7.8") {
		t.Error("another address was limited too")
	}
	now.Advance(61e9)
	if !l.allow("1.2.3.4") {
		t.Error("a new window did not reset the count")
	}
}
