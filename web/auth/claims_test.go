package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/oscarconsole/oscar-console/web/auth"
)

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestClaims(t *testing.T) {
	jwt := seg(`{"alg":"RS256","kid":"k1","typ":"JWT"}`) + "." +
		seg(`{"iss":"https://aai.egi.eu/auth/realms/egi","sub":"abc@egi.eu","exp":1767225600,"scope":"openid entitlements"}`) + ".c2ln"
	h, p, err := auth.Claims(jwt)
	if err != nil {
		t.Fatal(err)
	}
	if h["alg"] != "RS256" || h["kid"] != "k1" {
		t.Errorf("header = %v", h)
	}
	if p["iss"] != "https://aai.egi.eu/auth/realms/egi" || p["sub"] != "abc@egi.eu" {
		t.Errorf("payload = %v", p)
	}
	// exp stays an integer for display.
	if got, want := p["exp"], json.Number("1767225600"); got != want {
		t.Errorf("exp = %#v, want %#v", got, want)
	}

	// Padded segments, as some issuers send them, are accepted.
	if _, _, err := auth.Claims(seg(`{"alg":"none"}`) + "==." + seg(`{"a":1}`) + "."); err != nil {
		t.Errorf("padded: %v", err)
	}
}

func TestClaimsErrors(t *testing.T) {
	for name, jwt := range map[string]string{
		"empty":           "",
		"opaque token":    "2YotnFZFEjr1zCsicMWpAA",
		"two parts":       seg(`{}`) + "." + seg(`{}`),
		"bad base64":      "!!!." + seg(`{}`) + ".x",
		"payload not obj": seg(`{}`) + "." + seg(`[1,2]`) + ".x",
		"payload null":    seg(`{}`) + "." + seg(`null`) + ".x",
		"trailing data":   seg(`{}`) + "." + seg(`{} {}`) + ".x",
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := auth.Claims(jwt); err == nil {
				t.Errorf("Claims(%q): err = nil", jwt)
			}
		})
	}
}

func TestError(t *testing.T) {
	cause := errors.New("boom")
	e := &auth.Error{Kind: auth.KindInvalidGrant, Message: "refresh: grant no longer valid", Err: cause}
	if !errors.Is(e, auth.ErrInvalidGrant) || !errors.Is(e, cause) {
		t.Errorf("errors.Is: ErrInvalidGrant %t, cause %t", errors.Is(e, auth.ErrInvalidGrant), errors.Is(e, cause))
	}
	if got, want := e.Error(), "auth: invalid_grant: refresh: grant no longer valid: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	other := &auth.Error{Kind: auth.KindUnavailable}
	if errors.Is(other, auth.ErrInvalidGrant) {
		t.Error("KindUnavailable matches ErrInvalidGrant")
	}
}

func TestConfigDefaults(t *testing.T) {
	p := auth.New(auth.Config{Issuer: "https://aai.egi.eu/auth/realms/egi", ClientID: "c", ClientSecret: "s3cret"}, nil, nil)
	cfg := p.Config()
	if cfg.ClientSecret != "" {
		t.Error("Config() returns the client secret")
	}
	if cfg.ID != auth.DefaultID || cfg.Name != auth.DefaultName {
		t.Errorf("ID, Name = %q, %q", cfg.ID, cfg.Name)
	}
	want := []string{"openid", "profile", "email", "entitlements", "eduperson_entitlement", "voperson_id"}
	if len(cfg.Scopes) != len(want) {
		t.Fatalf("scopes = %q, want %q", cfg.Scopes, want)
	}
	for i := range want {
		if cfg.Scopes[i] != want[i] {
			t.Errorf("scopes = %q, want %q", cfg.Scopes, want)
		}
	}
	cfg.Scopes[0] = "changed"
	if p.Config().Scopes[0] != "openid" {
		t.Error("Config() shares its scopes slice")
	}
	if p.Ready() {
		t.Error("Ready before Discover")
	}
}

// TestClaimsJSON: the parts come back as the token has them (key order and all), and anything that is
// not one JSON object per part is refused, as Claims refuses it.
func TestClaimsJSON(t *testing.T) {
	payload := `{"sub":"abc@egi.eu","iss":"https://aai.egi.eu/auth/realms/egi","exp":1767225600}`
	h, p, err := auth.ClaimsJSON(seg(` {"typ":"JWT","alg":"RS256"}`) + "." + seg(payload) + ".c2ln")
	if err != nil {
		t.Fatal(err)
	}
	if string(h) != ` {"typ":"JWT","alg":"RS256"}` || string(p) != payload {
		t.Errorf("ClaimsJSON = %s, %s", h, p)
	}
	for name, jwt := range map[string]string{
		"opaque token":    "2YotnFZFEjr1zCsicMWpAA",
		"payload not obj": seg(`{}`) + "." + seg(`[1,2]`) + ".x",
		"payload null":    seg(`{}`) + "." + seg(`null`) + ".x",
		"trailing data":   seg(`{}`) + "." + seg(`{} {}`) + ".x",
		"broken json":     seg(`{"a":`) + "." + seg(`{}`) + ".x",
	} {
		if _, _, err := auth.ClaimsJSON(jwt); err == nil {
			t.Errorf("%s: ClaimsJSON(%q): err = nil", name, jwt)
		}
	}
}
