package oscar_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

func TestParseEndpointNormalises(t *testing.T) {
	httpOK := oscar.Policy{AllowHTTP: true}
	tests := []struct {
		raw  string
		pol  oscar.Policy
		want oscar.Endpoint
	}{
		{"oscar.example.org", oscar.Policy{}, "https://oscar.example.org"},
		{"  HTTPS://OSCAR.Example.ORG/  ", oscar.Policy{}, "https://oscar.example.org"},
		{"https://oscar.example.org:443/", oscar.Policy{}, "https://oscar.example.org"},
		{"https://oscar.example.org.", oscar.Policy{}, "https://oscar.example.org"},
		{"https://oscar.example.org:8443/api/v1/", oscar.Policy{}, "https://oscar.example.org:8443/api/v1"},
		{"https://oscar.example.org:08443", oscar.Policy{}, "https://oscar.example.org:8443"},
		{"https://oscar-1.sub_domain.example.org/oscar", oscar.Policy{}, "https://oscar-1.sub_domain.example.org/oscar"},
		{"http://oscar.example.org:80", httpOK, "http://oscar.example.org"},
		{"http://oscar.example.org:8080/", httpOK, "http://oscar.example.org:8080"},
		{"https://93.184.216.34", oscar.Policy{}, "https://93.184.216.34"},
		{"https://[2606:4700:4700::1111]:8443/", oscar.Policy{}, "https://[2606:4700:4700::1111]:8443"},
		{"https://[2606:4700:4700:0:0:0:0:1111]", oscar.Policy{}, "https://[2606:4700:4700::1111]"},
		{"http://127.0.0.1:8080", oscar.Policy{AllowHTTP: true, AllowPrivate: true}, "http://127.0.0.1:8080"},
		{"https://a.egi.eu", oscar.Policy{Allowed: []string{"*.egi.eu"}}, "https://a.egi.eu"},
		{"https://OSCAR.example.org", oscar.Policy{Allowed: []string{"oscar.example.org"}}, "https://oscar.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := oscar.ParseEndpoint(tt.raw, tt.pol)
			if err != nil {
				t.Fatalf("ParseEndpoint(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("ParseEndpoint(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			// Normalising is idempotent.
			if again, err := oscar.ParseEndpoint(string(got), tt.pol); err != nil || again != got {
				t.Errorf("ParseEndpoint(%q) = %q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

func TestParseEndpointRefuses(t *testing.T) {
	allow := oscar.Policy{Allowed: []string{"oscar.example.org", "*.egi.eu"}}
	tests := []struct {
		name, raw string
		pol       oscar.Policy
		wantWord  string // in the error message
	}{
		{"empty", "  ", oscar.Policy{}, "empty"},
		{"http without the setting", "http://oscar.example.org", oscar.Policy{}, "only https"},
		{"other scheme", "ftp://oscar.example.org", oscar.Policy{}, "https://"},
		{"javascript", "javascript:alert(1)", oscar.Policy{}, "not a URL"},
		{"userinfo", "https://admin:hunter2@oscar.example.org", oscar.Policy{}, "user name or password"},
		{"query", "https://oscar.example.org/?x=1", oscar.Policy{}, "query"},
		{"empty query", "https://oscar.example.org/?", oscar.Policy{}, "query"},
		{"fragment", "https://oscar.example.org/#top", oscar.Policy{}, "fragment"},
		{"port 0", "https://oscar.example.org:0", oscar.Policy{}, "port"},
		{"port too big", "https://oscar.example.org:65536", oscar.Policy{}, "port"},
		{"empty port", "https://oscar.example.org:", oscar.Policy{}, "port"},
		{"space in host", "https://oscar example.org", oscar.Policy{}, "spaces"},
		{"non-ASCII host", "https://oscär.example.org", oscar.Policy{}, "non-ASCII"},
		{"dot segment", "https://oscar.example.org/a/../b", oscar.Policy{}, "path"},
		{"escaped slash", "https://oscar.example.org/a%2Fb", oscar.Policy{}, "path"},
		{"too long", "https://oscar.example.org/" + strings.Repeat("a", 600), oscar.Policy{}, "longer"},
		{"too long once normalised", "oscar.example.org/" + strings.Repeat("b", 490), oscar.Policy{}, "longer"},
		{"no host", "https://", oscar.Policy{}, "host"},
		{"loopback", "https://127.0.0.1", oscar.Policy{}, "loopback"},
		{"IPv6 loopback", "https://[::1]", oscar.Policy{}, "loopback"},
		{"metadata", "https://169.254.169.254", oscar.Policy{}, "link-local"},
		{"private", "https://10.0.0.1", oscar.Policy{}, "private"},
		{"CGNAT", "https://100.64.1.1", oscar.Policy{}, "carrier-grade NAT"},
		{"mapped loopback", "https://[::ffff:127.0.0.1]", oscar.Policy{}, "loopback"},
		{"mapped private", "https://[::ffff:192.168.1.1]", oscar.Policy{}, "private"},
		{"unspecified", "https://0.0.0.0", oscar.Policy{}, "unspecified"},
		{"decimal IPv4", "https://2130706433", oscar.Policy{}, "not a valid host name"},
		{"hex IPv4", "https://0x7f.1", oscar.Policy{}, "not a valid host name"},
		{"IPv6 zone", "https://[fe80::1%25eth0]", oscar.Policy{AllowPrivate: true}, "zone"},
		{"not allowed host", "https://evil.example", allow, "not in the list"},
		{"suffix alone", "https://egi.eu", allow, "not in the list"},
		{"suffix trick", "https://a.egi.eu.evil.example", allow, "not in the list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oscar.ParseEndpoint(tt.raw, tt.pol)
			if err == nil {
				t.Fatalf("ParseEndpoint(%q) = %q, want an error", tt.raw, got)
			}
			if !errors.Is(err, oscar.ErrEndpoint) {
				t.Errorf("error %v does not wrap ErrEndpoint", err)
			}
			if !strings.Contains(err.Error(), tt.wantWord) {
				t.Errorf("error %q does not say %q", err, tt.wantWord)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q echoes the password", err)
			}
		})
	}
}

func TestParseAllowlistAndHost(t *testing.T) {
	if got, want := oscar.ParseAllowlist(" a.org, *.B.org ,, c.org. "), []string{"a.org", "*.b.org", "c.org"}; !slices.Equal(got, want) {
		t.Errorf("ParseAllowlist = %q, want %q", got, want)
	}
	if got := oscar.ParseAllowlist(""); len(got) != 0 {
		t.Errorf("ParseAllowlist(\"\") = %q, want none", got)
	}
	if got, want := oscar.Endpoint("https://oscar.example.org:8443/api").Host(), "oscar.example.org:8443"; got != want {
		t.Errorf("Host() = %q, want %q", got, want)
	}
}
