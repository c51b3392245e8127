package handlers

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	p := New(Deps{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	for _, tc := range []struct {
		name, remote, xff, want string
	}{
		{"direct client, header ignored", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"through a trusted proxy", "10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"client forged a hop before the proxy", "10.1.2.3:5000", "1.1.1.1, 198.51.100.1", "198.51.100.1"},
		{"two trusted hops", "10.1.2.3:5000", "198.51.100.1, 10.9.9.9", "198.51.100.1"},
		{"garbage in the header", "10.1.2.3:5000", "not-an-ip", "10.1.2.3"},
		{"no header", "10.1.2.3:5000", "", "10.1.2.3"},
	} {
		r := httptest.NewRequest("POST", "/login/basic", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := p.clientIP(r); got != tc.want {
			t.Errorf("%s: clientIP = %q, want %q", tc.name, got, tc.want)
		}
	}
}
