package oscar

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRefusedAddr(t *testing.T) {
	tests := []struct {
		ip   string
		want string // "" = allowed
	}{
		{"8.8.8.8", ""},
		{"93.184.216.34", ""},
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.0.0.1", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"::ffff:10.0.0.1", "private"},
		{"169.254.169.254", "link-local (cloud metadata)"},
		{"::ffff:169.254.169.254", "link-local (cloud metadata)"},
		{"fe80::1", "link-local (cloud metadata)"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.254", "carrier-grade NAT"},
		{"100.128.0.1", ""},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"255.255.255.255", "reserved"},
		{"240.0.0.1", "reserved"},
		{"198.18.0.1", "reserved"},
		{"fec0::1", "site-local"},
		{"::7f00:1", "reserved"},                             // IPv4-compatible
		{"64:ff9b::7f00:1", "loopback"},                      // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", ""},                             // NAT64 of 8.8.8.8
		{"2002:a9fe:a9fe::1", "link-local (cloud metadata)"}, // 6to4 of 169.254.169.254
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			if got := refusedAddr(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("refusedAddr(%s) = %q, want %q", tt.ip, got, tt.want)
			}
		})
	}
}

func TestCheckDialAddr(t *testing.T) {
	strict, open := Policy{}, Policy{AllowPrivate: true}
	for _, addr := range []string{"127.0.0.1:443", "[::1]:443", "169.254.169.254:80", "10.0.0.1:443", "[::ffff:127.0.0.1]:443"} {
		err := checkDialAddr(strict, addr)
		var re *refusedError
		if !errors.As(err, &re) {
			t.Errorf("checkDialAddr(strict, %s) = %v, want a refusal", addr, err)
		}
		if err := checkDialAddr(open, addr); err != nil {
			t.Errorf("checkDialAddr(AllowPrivate, %s) = %v, want nil", addr, err)
		}
	}
	if err := checkDialAddr(strict, "93.184.216.34:443"); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	if err := checkDialAddr(open, "not-an-address"); err == nil {
		t.Error("an unparsable dial address was accepted")
	}
}

func TestTransportHardening(t *testing.T) {
	c := New(Options{})
	for name, hc := range map[string]*http.Client{"fast": c.fast, "slow": c.slow} {
		tr, ok := hc.Transport.(*http.Transport)
		if !ok {
			t.Fatalf("%s transport is %T", name, hc.Transport)
		}
		if tr.Proxy != nil {
			t.Errorf("%s transport uses a proxy", name)
		}
		if tr.TLSClientConfig == nil || tr.TLSClientConfig.InsecureSkipVerify {
			t.Errorf("%s transport does not verify TLS", name)
		}
		if !tr.DisableCompression {
			t.Errorf("%s transport asks for compression", name)
		}
		if hc.CheckRedirect == nil {
			t.Errorf("%s client follows redirects", name)
		}
	}
	if got := c.fast.Transport.(*http.Transport).ResponseHeaderTimeout; got != DefaultTimeout {
		t.Errorf("fast header timeout = %v, want %v", got, DefaultTimeout)
	}
	if got := c.slow.Transport.(*http.Transport).ResponseHeaderTimeout; got != DefaultSlowTimeout {
		t.Errorf("slow header timeout = %v, want %v", got, DefaultSlowTimeout)
	}
}

func TestFirstMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  invalid serviceName\n", "invalid serviceName"},
		{`""`, ""},
		{"{}Error getting MinIO data usage: connection refused", "Error getting MinIO data usage: connection refused"},
		{"Error getting credentials for MinIO user: %!(EXTRA string=boom)Error reading buckets", "Error getting credentials for MinIO user"},
		{`'https://evil.example' is not listed as an authorized issuer{"version":"devel"}`, "'https://evil.example' is not listed as an authorized issuer"},
		{`the bucket "x" already existsError deleting service`, `the bucket "x" already exists`},
		{`{"error":"json only"}`, ""},
		{"first line\nsecond line", "first line"},
		{"tab\tand\x00control", "tabandcontrol"},
		{strings.Repeat("é", 400), strings.Repeat("é", 150) + "…"},
	}
	for _, tt := range tests {
		if got := firstMessage(tt.in); got != tt.want {
			t.Errorf("firstMessage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPlainMessage(t *testing.T) {
	tests := []struct {
		status  int
		body    string
		subject string
		want    string
	}{
		{500, `the bucket "wflow" already exists`, "", `a bucket named "wflow" already exists; choose another bucket name`},
		{400, "A service with the provided name already exists", "grey", `a service named "grey" already exists`},
		{500, `the StorageProvider "onedata.x" is not defined`, "", `the storage provider "onedata.x" is not defined; add it under storage providers first`},
		{400, "unrecognized input (valid inputs are MinIO and dCache)", "", "inputs must be MinIO, WebDAV or Rucio storage (S3 and Onedata can only be outputs)"},
		{403, "bucket quota exceeded", "", "your quota does not allow this (too many buckets or too much storage)"},
		{400, "Key: 'Service.Image' Error:Field validation for 'Image' failed on the 'required' tag", "", "the image is required"},
		{400, "Key: 'Service.Name' Error:Field validation for 'Name' failed on the 'max' tag", "", "the service name must be at most 39 characters"},
		{500, `error connecting to Onedata's Oneprovider "op.example". Error: timeout`, "", `OSCAR could not reach the Onedata provider "op.example"`},
		{400, "volume updates are not supported after service creation", "", "a service's volume cannot be changed after it is created"},
		{500, "something else", "", "something else"},
	}
	for _, tt := range tests {
		if got := plainMessage(tt.status, []byte(tt.body), tt.subject); got != tt.want {
			t.Errorf("plainMessage(%d, %q) = %q, want %q", tt.status, tt.body, got, tt.want)
		}
	}
}

func TestFeaturesCacheExpires(t *testing.T) {
	var calls atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/system/info":
			_, _ = w.Write([]byte(`{"version":"v4.1.2"}`))
		case "/system/config":
			_, _ = w.Write([]byte(`{"config":{"oidc_groups":[""],"kueue_enable":true},"minio_provider":{"access_key":"AK","secret_key":"SK"}}`))
		}
	}))
	defer ts.Close()
	pol := Policy{AllowHTTP: true, AllowPrivate: true}
	ep, err := ParseEndpoint(ts.URL, pol)
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{Policy: pol})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	cr := Creds{Token: "t"}
	ctx := context.Background()
	f, err := c.Features(ctx, ep, cr)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.VOs) != 0 || !f.Kueue || f.Version != "v4.1.2" {
		t.Errorf("Features = %+v", f)
	}
	b, _ := json.Marshal(c.features)
	if strings.Contains(string(b), "SK") || strings.Contains(string(b), "AK") {
		t.Error("the cache holds MinIO credentials")
	}
	now = now.Add(FeaturesTTL - time.Second)
	_, _ = c.Features(ctx, ep, cr)
	if got := calls.Load(); got != 2 {
		t.Errorf("calls within the TTL = %d, want 2", got)
	}
	now = now.Add(2 * time.Second)
	_, _ = c.Features(ctx, ep, cr)
	if got := calls.Load(); got != 4 {
		t.Errorf("calls after the TTL = %d, want 4", got)
	}
}

func TestExtraRoundTrip(t *testing.T) {
	in := `{"name":"a","image":"i","script":"s","NEW":1,"Image2":"x","input":[{"storage_provider":"minio","path":"a/b","z":null}]}`
	var s Service
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Extra) != 2 || string(s.Extra["NEW"]) != "1" || len(s.Input[0].Extra) != 1 {
		t.Errorf("Extra = %v, input Extra = %v", s.Extra, s.Input[0].Extra)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	_ = json.Unmarshal([]byte(in), &a)
	_ = json.Unmarshal(out, &b)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("round trip\n got %s\nwant %s", jb, ja)
	}
	// A known member with other case is not duplicated from Extra.
	var s2 Service
	_ = json.Unmarshal([]byte(`{"NAME":"x","image":"i","script":"s"}`), &s2)
	if s2.Name != "x" || len(s2.Extra) != 0 {
		t.Errorf("case-insensitive known member: Name %q, Extra %v", s2.Name, s2.Extra)
	}
	// Extra on an otherwise empty object.
	p := StorageProviders{Extra: map[string]json.RawMessage{"rustfs": json.RawMessage(`{}`)}}
	if got, _ := json.Marshal(p); string(got) != `{"rustfs":{}}` {
		t.Errorf("Marshal = %s", got)
	}
}

// readCappedSized caps what it reads whatever length the answer announced.
func TestReadCappedSized(t *testing.T) {
	body := strings.Repeat("x", 100)
	for _, tt := range []struct {
		size, limit int64
		want        int
		tooLarge    bool
	}{
		{100, 1000, 100, false},  // honest length
		{-1, 1000, 100, false},   // no length
		{10, 1000, 100, false},   // a length that lies low: all is read, within the cap
		{5000, 1000, 100, false}, // a length over the cap: read as with none
		{100, 100, 100, false},   // exactly the cap
		{100, 99, 99, true},      // one byte over
		{-1, 50, 50, true},
	} {
		data, tooLarge, err := readCappedSized(strings.NewReader(body), tt.size, tt.limit)
		if err != nil || len(data) != tt.want || tooLarge != tt.tooLarge {
			t.Errorf("size %d limit %d: %d bytes, tooLarge %v, %v; want %d, %v", tt.size, tt.limit, len(data), tooLarge, err, tt.want, tt.tooLarge)
		}
	}
}

// checkEndpoint remembers the endpoints it accepted, never one it refused: an endpoint outside the
// policy, or not normalised, is refused on every call.
func TestCheckEndpointRemembersOnlyAccepted(t *testing.T) {
	c := New(Options{})
	good, err := ParseEndpoint("https://oscar.example.org", c.policy)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := c.checkEndpoint("t", good); err != nil {
			t.Fatalf("checkEndpoint(%s): %v", good, err)
		}
	}
	if _, ok := c.checked.Get(string(good)); !ok {
		t.Error("an accepted endpoint was not remembered")
	}
	for _, bad := range []Endpoint{"http://127.0.0.1:8080", "https://169.254.169.254", "https://OSCAR.example.org/", "https://oscar.example.org/?x=1"} {
		for range 2 {
			var oe *Error
			if err := c.checkEndpoint("t", bad); !errors.As(err, &oe) || oe.Kind != Refused {
				t.Fatalf("checkEndpoint(%s): %v, want Refused", bad, err)
			}
		}
		if _, ok := c.checked.Get(string(bad)); ok {
			t.Errorf("refused endpoint %s remembered", bad)
		}
	}
}
