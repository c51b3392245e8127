package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// An oversized sign-in post is refused as too large, not read as an empty form ("The address is
// empty"), and the refusal is the console's page.
func TestOversizedFormIsTooLargeNotEmpty(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.bodyLimited(1 << 20)
	p := e.post("/login/basic", url.Values{"endpoint": {"https://oscar.example.org"}, "username": {"u"},
		"password": {strings.Repeat("x", 2<<20)}})
	if p.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", p.StatusCode)
	}
	if got := p.text("h1"); got != "That form is too large" {
		t.Errorf("h1 = %q", got)
	}
	if strings.Contains(p.Body, "address is empty") {
		t.Error("the oversized form was read as an empty one")
	}
}
