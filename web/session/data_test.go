package session

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSignedIn(t *testing.T) {
	tests := []struct {
		name string
		d    Data
		want bool
	}{
		{"anonymous", Data{}, false},
		{"login pending", Data{Login: json.RawMessage(`{"state":"x"}`)}, false},
		{"oidc with token", Data{Kind: KindOIDC, AccessToken: "eyJ"}, true},
		{"oidc without token", Data{Kind: KindOIDC}, false},
		{"basic", Data{Kind: KindBasic, BasicUser: "oscar", BasicPassword: "pw"}, true},
		{"basic without user", Data{Kind: KindBasic}, false},
		{"unknown kind", Data{Kind: "saml", AccessToken: "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.SignedIn(); got != tt.want {
				t.Fatalf("SignedIn() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFlash(t *testing.T) {
	var d Data
	if got := d.TakeFlash(); got != nil {
		t.Fatalf("TakeFlash on empty = %q, want nil", got)
	}
	d.AddFlash("one")
	d.AddFlash("two")
	if got, want := d.TakeFlash(), []string{"one", "two"}; !slices.Equal(got, want) {
		t.Fatalf("TakeFlash = %q, want %q", got, want)
	}
	if got := d.TakeFlash(); got != nil {
		t.Fatalf("second TakeFlash = %q, want nil", got)
	}
}

func TestRemember(t *testing.T) {
	tests := []struct {
		name       string
		recent     []string
		endpoint   string
		wantActive string
		wantRecent []string
	}{
		{"first", nil, "https://a", "https://a", []string{"https://a"}},
		{"most recent first", []string{"https://a"}, "https://b", "https://b", []string{"https://b", "https://a"}},
		{"dedup moves to front", []string{"https://a", "https://b", "https://c"}, "https://c", "https://c",
			[]string{"https://c", "https://a", "https://b"}},
		{"empty ignored", []string{"https://a"}, "", "", []string{"https://a"}},
		{"capped at 8", []string{"https://1", "https://2", "https://3", "https://4", "https://5", "https://6", "https://7", "https://8"},
			"https://9", "https://9",
			[]string{"https://9", "https://1", "https://2", "https://3", "https://4", "https://5", "https://6", "https://7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Data{RecentEndpoints: slices.Clone(tt.recent)}
			d.Remember(tt.endpoint)
			if d.Endpoint != tt.wantActive {
				t.Errorf("Endpoint = %q, want %q", d.Endpoint, tt.wantActive)
			}
			if !slices.Equal(d.RecentEndpoints, tt.wantRecent) {
				t.Errorf("RecentEndpoints = %q, want %q", d.RecentEndpoints, tt.wantRecent)
			}
		})
	}
}

func TestStringHidesSecrets(t *testing.T) {
	d := realisticData()
	d.BasicUser, d.BasicPassword = "oscar", "basic-password-value"
	d.Login = json.RawMessage(`{"verifier":"pkce-verifier-value","nonce":"nonce-value"}`)
	for _, s := range []string{d.String(), fmt.Sprint(d), fmt.Sprintf("%v", &d)} {
		for _, secret := range []string{d.AccessToken[:20], d.RefreshToken[:20], d.IDToken[:20],
			"basic-password-value", "pkce-verifier-value", "nonce-value", "urn:mace"} {
			if strings.Contains(s, secret) {
				t.Errorf("String() = %q contains %q", s, secret)
			}
		}
		for _, want := range []string{"kind:oidc", "at:true", "rt:true", "idt:true", "bp:true", "email:ada@example.org"} {
			if !strings.Contains(s, want) {
				t.Errorf("String() = %q, want it to contain %q", s, want)
			}
		}
	}
	if got := (Data{}).String(); !strings.Contains(got, "at:false") {
		t.Errorf("String() of empty Data = %q, want at:false", got)
	}
}

func TestDataJSONNames(t *testing.T) {
	// The JSON names are the shared contract (session-data.md); changing one loses stored sessions.
	d := Data{Kind: "oidc", Subject: "s", VOPersonID: "v", AccessToken: "a", RefreshToken: "r", IDToken: "i",
		BasicUser: "u", BasicPassword: "p", RecentEndpoints: []string{"e"}, Login: json.RawMessage(`{}`),
		Expiry: time.Unix(0, 0).UTC(), Created: time.Unix(0, 0).UTC(), LastSeen: time.Unix(0, 0).UTC()}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"kind", "sub", "voperson_id", "at", "rt", "idt", "bu", "bp", "recent", "login", "exp", "created", "seen"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON %s lacks key %q", b, k)
		}
	}
}

func TestRevealIsTakenOnceAndBounded(t *testing.T) {
	var d Data
	d.KeepReveal("juno-a", "pw-a")
	if got := d.TakeReveal("juno-b"); got != "" {
		t.Fatalf("another app's password: %q", got)
	}
	if got := d.TakeReveal("juno-a"); got != "pw-a" {
		t.Fatalf("TakeReveal = %q", got)
	}
	if got := d.TakeReveal("juno-a"); got != "" || d.Reveal != nil {
		t.Fatalf("taken twice: %q, left %v", got, d.Reveal)
	}
	for i := range maxReveal + 1 {
		d.KeepReveal(string(rune('a'+i)), "pw")
	}
	if len(d.Reveal) > maxReveal {
		t.Fatalf("%d passwords kept, want at most %d", len(d.Reveal), maxReveal)
	}
	if d.Reveal[string(rune('a'+maxReveal))] != "pw" {
		t.Fatal("the newest password was dropped")
	}
}
