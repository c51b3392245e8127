package oscar

// Fuzz targets of issue 11: endpoint normalisation, the dial-time address
// check, the decoding of OSCAR's answers and the reduction of its plain-text
// error bodies. Each checks "no panic, no hang, every refusal with a
// message" plus the properties the security design rests on. Run one with
//
//	go test -run '^$' -fuzz '^FuzzParseEndpoint$' -fuzztime 10m ./web/oscar/
//
// (.ci/fuzz runs all of them briefly in CI). Findings are committed under
// testdata/fuzz/<Target>/ so they stay regression tests.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// policyFrom turns fuzzed bits into a Policy, so that every combination
// of the operator switches is explored.
func policyFrom(bits uint8) Policy {
	p := Policy{AllowPrivate: bits&1 != 0, AllowHTTP: bits&2 != 0}
	switch (bits >> 2) & 3 {
	case 1:
		p.Allowed = []string{"oscar.example.eu"}
	case 2:
		p.Allowed = []string{"*.egi.eu"}
	case 3:
		p.Allowed = []string{"*.egi.eu", "127.0.0.1", "[::1]"}
	}
	return p
}

// ssrfOracle is an independent statement of the strict address rules
// (egi-checkin.md §4.6 and R26), written with the standard library's
// classifiers only: it must agree with refusedAddr wherever refusedAddr
// lets an address through.
func ssrfOracle(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	this := netip.MustParsePrefix("0.0.0.0/8")
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() ||
		ip.IsMulticast() || ip.IsUnspecified() || cgnat.Contains(ip) || this.Contains(ip) {
		return false
	}
	if ip.Is6() {
		b := ip.As16()
		// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address
		// that must be judged too.
		if netip.MustParsePrefix("64:ff9b::/96").Contains(ip) {
			return ssrfOracle(netip.AddrFrom4([4]byte(b[12:16])))
		}
		if netip.MustParsePrefix("2002::/16").Contains(ip) {
			return ssrfOracle(netip.AddrFrom4([4]byte(b[2:6])))
		}
		if netip.MustParsePrefix("::/96").Contains(ip) { // IPv4-compatible
			return false
		}
	}
	return true
}

// FuzzParseEndpoint checks ParseEndpoint under every policy: a refusal
// wraps ErrEndpoint and says something; an accepted endpoint is
// normalised (a second parse gives it back unchanged), is usable by the
// Client (which re-parses every endpoint it is given), is https unless
// the policy allows http, has a host and no userinfo, query or fragment,
// respects the allowlist, and is a public address unless private ones are
// allowed.
func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{
		"oscar.example.eu",
		"https://oscar.example.eu/",
		"HTTPS://OSCAR.Example.EU:443/prefix/",
		"http://127.0.0.1:8080",
		"https://[::1]:8443",
		"https://[::ffff:127.0.0.1]",
		"https://169.254.169.254/latest/meta-data",
		"https://10.0.0.1",
		"https://100.64.0.1",
		"https://2130706433",
		"https://0x7f.1",
		"https://user:pass@oscar.example.eu",
		"https://oscar.example.eu@evil.example",
		"https://oscar.example.eu?x=1",
		"https://oscar.example.eu#frag",
		"https://oscar.example.eu/../x",
		"https://oscar.example.eu/%2e%2e/x",
		"https://[fe80::1%25eth0]",
		"https://oscar.example.eu:0",
		"https://oscar.example.eu:65536",
		"https://oscar.example.eu:",
		"javascript:alert(1)",
		"file:///etc/passwd",
		"https://ósc.example",
		"https:///path",
		"oscar.example.eu/" + strings.Repeat("a", 505),
		"https://[64:ff9b::7f00:1]",
		"https://[2002:a9fe:a9fe::1]",
		"https://x.egi.eu",
		"https://egi.eu",
	} {
		for _, bits := range []uint8{0, 3, 4, 8, 15} {
			f.Add(s, bits)
		}
	}
	f.Fuzz(func(t *testing.T, raw string, bits uint8) {
		p := policyFrom(bits)
		ep, err := ParseEndpoint(raw, p)
		if err != nil {
			if !errors.Is(err, ErrEndpoint) {
				t.Fatalf("ParseEndpoint(%q) error %v does not wrap ErrEndpoint", raw, err)
			}
			if msg := strings.TrimPrefix(err.Error(), ErrEndpoint.Error()+": "); strings.TrimSpace(msg) == "" || msg == err.Error() {
				t.Fatalf("ParseEndpoint(%q) refused without a message: %q", raw, err)
			}
			if ep != "" {
				t.Fatalf("ParseEndpoint(%q) returned %q with an error", raw, ep)
			}
			return
		}
		again, err := ParseEndpoint(string(ep), p)
		if err != nil {
			t.Fatalf("ParseEndpoint(%q) = %q, which ParseEndpoint refuses: %v", raw, ep, err)
		}
		if again != ep {
			t.Fatalf("not normalised: ParseEndpoint(%q) = %q, then %q", raw, ep, again)
		}
		c := New(Options{Policy: p})
		if err := c.checkEndpoint("fuzz", ep); err != nil {
			t.Fatalf("ParseEndpoint(%q) = %q, which the Client refuses: %v", raw, ep, err)
		}
		u, err := url.Parse(string(ep))
		if err != nil {
			t.Fatalf("endpoint %q does not parse: %v", ep, err)
		}
		switch {
		case u.Scheme == "http" && !p.AllowHTTP, u.Scheme != "http" && u.Scheme != "https":
			t.Fatalf("endpoint %q has scheme %q under %+v", ep, u.Scheme, p)
		case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "":
			t.Fatalf("endpoint %q has userinfo, query, fragment or opaque part", ep)
		case u.Hostname() == "" || ep.Host() == "":
			t.Fatalf("endpoint %q has no host", ep)
		case strings.HasSuffix(string(ep), "/"):
			t.Fatalf("endpoint %q ends in a slash", ep)
		case strings.ContainsAny(string(ep), " \t\r\n\\\"'<>`"):
			t.Fatalf("endpoint %q contains characters unsafe to show or log", ep)
		}
		if len(p.Allowed) > 0 && !hostAllowed(u.Hostname(), p.Allowed) {
			t.Fatalf("endpoint %q is not in the allowlist %q", ep, p.Allowed)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !p.AllowPrivate && !ssrfOracle(ip) {
			t.Fatalf("endpoint %q is a non-public address under the strict policy", ep)
		}
		// Every path an OSCAR call builds stays on the endpoint's host.
		full, err := url.Parse(buildURL(ep, []string{"system", "services", url.PathEscape("a/../../x")}, nil))
		if err != nil || full.Host != u.Host || full.Scheme != u.Scheme || !strings.HasPrefix(full.EscapedPath(), u.EscapedPath()+"/system/services/") {
			t.Fatalf("buildURL on %q = %v, %v: left the endpoint", ep, full, err)
		}
	})
}

// FuzzDialAddr checks the dial-time address check, which is what stops
// DNS names (and DNS rebinding) that resolve to internal addresses. The
// fuzzer gives either an "ip:port" string as the dialer would, or raw
// address bytes (4 or 16), so that the whole address space is explored.
// Under the strict policy an address is let through only if the
// independent oracle says it is public; every refusal is a *refusedError
// with a reason.
func FuzzDialAddr(f *testing.F) {
	for _, s := range []string{
		"8.8.8.8:443", "127.0.0.1:443", "[::1]:443", "169.254.169.254:80", "10.0.0.1:443",
		"[::ffff:127.0.0.1]:443", "[fe80::1%eth0]:443", "0.0.0.0:443", "100.64.0.1:443",
		"[64:ff9b::7f00:1]:443", "[2002:7f00:1::]:443", "[::7f00:1]:443", "[fd00:ec2::254]:80",
		"224.0.0.1:443", "255.255.255.255:443", "localhost:443", "", ":443", "1.2.3.4", "[::]:0",
	} {
		f.Add(s, []byte(nil))
	}
	for _, b := range [][]byte{
		{127, 0, 0, 1}, {8, 8, 4, 4}, {169, 254, 169, 254}, {100, 127, 255, 255},
		netip.MustParseAddr("::ffff:10.1.2.3").AsSlice(),
		netip.MustParseAddr("2001:db8::1").AsSlice(),
		netip.MustParseAddr("2606:4700::1111").AsSlice(),
	} {
		f.Add("", b)
	}
	f.Fuzz(func(t *testing.T, addr string, raw []byte) {
		if ip, ok := netip.AddrFromSlice(raw); ok {
			addr = netip.AddrPortFrom(ip, 443).String()
		}
		err := checkDialAddr(Policy{}, addr)
		open := checkDialAddr(Policy{AllowPrivate: true}, addr)
		ap, perr := netip.ParseAddrPort(addr)
		if perr != nil {
			// A zone ("fe80::1%eth0") does not parse as AddrPort but as host
			// and IP: it must still be refused under the strict policy.
			if err == nil {
				host, _, _ := strings.Cut(strings.TrimPrefix(addr, "["), "]")
				ip, ierr := netip.ParseAddr(host)
				if ierr != nil || !ssrfOracle(ip) {
					t.Fatalf("checkDialAddr(%q) let an unparsable or non-public address through", addr)
				}
			}
		} else {
			public := ssrfOracle(ap.Addr())
			if err == nil && !public {
				t.Fatalf("checkDialAddr(%q) allowed a non-public address", addr)
			}
			// A zone with characters net.SplitHostPort refuses ("[::%[]:0") is refused even
			// when private addresses are allowed: failing closed is fine, the dialer never
			// produces one.
			if open != nil && ap.Addr().Zone() == "" {
				t.Fatalf("checkDialAddr(%q) with AllowPrivate = %v", addr, open)
			}
		}
		if err != nil {
			var re *refusedError
			if !errors.As(err, &re) || re.why == "" {
				t.Fatalf("checkDialAddr(%q) = %v, want a *refusedError with a reason", addr, err)
			}
			// The client turns it into words for the page.
			oe := transportError("fuzz", "oscar.example", err)
			if oe.Kind != Refused || !strings.Contains(oe.UserMessage(), "not allowed") {
				t.Fatalf("refusal of %q reads %q (kind %v)", addr, oe.UserMessage(), oe.Kind)
			}
		}
	})
}

// FuzzDecodeService decodes arbitrary JSON as a Service (the type the
// wizard edits and PUTs back whole): no panic, and whatever decodes
// encodes again to JSON that decodes to the same encoding, so unknown
// members survive a GET then PUT and nothing is invented or lost on the
// second trip. The other answer types are decoded too, for panics only.
func FuzzDecodeService(f *testing.F) {
	for _, s := range []string{
		`{"name":"grey","image":"ghcr.io/grycap/imagemagick","script":"#!/bin/sh\necho hi","memory":"1Gi","cpu":"1.0"}`,
		`{"name":"x","future_field":{"a":[1,2,3]},"input":[{"storage_provider":"minio.default","path":"b/in","new":true}]}`,
		`{"name":"x","storage_providers":{"minio":{"default":{"endpoint":"https://minio","access_key":"hidden"}},"lakefs":{"k":{}}}}`,
		`{"name":"x","expose":{"min_scale":1,"api_port":8080,"extra":1},"federation":{"group_id":"g","members":[]}}`,
		`{"NAME":"upper","Name":"mixed"}`,
		`{"name":"x","extra":null,"other":"\u003cscript\u003e"}`,
		`null`, `[]`, `{}`, `{"name":1}`, `{"name":"x"`, `"str"`, `{"":""}`, `{"a":1,"a":2}`,
		`{"name":"x","kserve":{"predictor":"p"},"volume":{"size":"1Gi"},"clusters":{"c":{"endpoint":"e"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []any{
			new([]Service), new(Info), new(ConfigForUser), new(JobsResponse), new([]Bucket),
			new(BucketListResponse), new(PresignResponse), new(StatusInfo), new(QuotaResponse),
			new(DeploymentStatus), new(DeploymentLogStream),
		} {
			r := &response{status: 200, body: data}
			if err := decode("fuzz", "https://oscar.example", r, v); err != nil {
				var oe *Error
				if !errors.As(err, &oe) || oe.Kind != Garbage || oe.UserMessage() == "" {
					t.Fatalf("decode error %v is not a Garbage *Error with words", err)
				}
			}
		}
		var s Service
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		first, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("a decoded service does not encode: %v (input %q)", err, data)
		}
		if !json.Valid(first) {
			t.Fatalf("encoding is not JSON: %q (input %q)", first, data)
		}
		var back Service
		if err := json.Unmarshal(first, &back); err != nil {
			t.Fatalf("the encoding does not decode: %v\n%s", err, first)
		}
		second, err := json.Marshal(back)
		if err != nil {
			t.Fatalf("second encoding: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("round trip changed the service:\n first %s\nsecond %s\n input %q", first, second, data)
		}
	})
}

// FuzzErrorBody feeds arbitrary plain-text error bodies (OSCAR sometimes
// glues two messages, or a message and a JSON document) through the
// reduction to one sentence: the result is valid UTF-8, one line without
// control characters, bounded, and the page's wording is never empty.
func FuzzErrorBody(f *testing.F) {
	for _, s := range []string{
		"Error getting credentials for MinIO user: %!(EXTRA string=boom)Error reading buckets",
		`the bucket "x" already existsError deleting service`,
		`'https://evil.example' is not listed as an authorized issuer{"version":"devel"}`,
		"{}Error getting MinIO data usage: connection refused",
		"A service with the provided name already exists",
		"Key: 'Service.Name' Error:Field validation for 'Name' failed on the 'max' tag",
		`error connecting to Onedata's Oneprovider "op.example". Error: timeout`,
		"User alice isn't enrrolled on the vo: vo.example.eu",
		"<html><body><script>alert(1)</script></body></html>",
		"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>",
		"\xff\xfe\x00bad utf8\r\nsecond",
		strings.Repeat("é", 400),
		"", "{}", "null", `""`, "[]",
	} {
		f.Add(500, []byte(s), "svc")
		f.Add(400, []byte(s), "")
	}
	f.Add(403, []byte("bucket quota exceeded"), "b")
	f.Add(302, []byte(""), "")
	f.Fuzz(func(t *testing.T, status int, body []byte, subject string) {
		if len(subject) > 253 {
			subject = subject[:253] // names are validated before any call
		}
		msg := firstMessage(string(body))
		checkLine(t, "firstMessage", msg, maxMessageLen+len("…"))
		plain := plainMessage(status, body, subject)
		checkLine(t, "plainMessage", plain, maxMessageLen+len("…")+2*len(subject)+200)
		e := statusError("fuzz", "oscar.example", status, body, subject)
		um := e.UserMessage()
		if strings.TrimSpace(um) == "" {
			t.Fatalf("UserMessage of status %d body %q is empty", status, body)
		}
		checkLine(t, "UserMessage", um, 2*maxMessageLen+2*len(subject)+300)
		_ = e.Error()
		// The same body from MinIO (XML or text) goes through objectStatus.
		if status >= 400 && status <= 599 {
			resp := &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body)), Header: http.Header{}}
			err := objectStatus("fuzz", "minio.example", resp)
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("objectStatus(%d) = %v", status, err)
			}
			checkLine(t, "objectStatus", oe.Message, maxMessageLen+len("…"))
		}
	})
}

// checkLine fails unless s is valid UTF-8, at most max bytes, on one line
// and free of control characters.
func checkLine(t *testing.T, what, s string, max int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s: invalid UTF-8 %q", what, s)
	}
	if len(s) > max {
		t.Fatalf("%s: %d bytes, want at most %d: %q", what, len(s), max, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			t.Fatalf("%s: control character %U in %q", what, r, s)
		}
	}
}

// roundTrip answers every request with a fixed response, so the whole
// response path of Client.do runs without a network.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzResponse runs arbitrary answers (status, headers, body, possibly cut
// short) through the Client's real request path: every failure is an
// *Error with plain words naming the host, and a redirect's target path
// and query (which may carry tokens) never reach the message.
func FuzzResponse(f *testing.F) {
	f.Add(200, "application/json", []byte(`[{"name":"a","image":"i","script":"s"}]`), false, "")
	f.Add(200, "application/json", []byte(`[{"name":"a","image":`), true, "")
	f.Add(200, "text/html", []byte("<html>login</html>"), false, "")
	f.Add(500, "text/plain", []byte("Error listing servicesError again"), false, "")
	f.Add(401, "text/plain", []byte("invalid token secret-token"), false, "")
	f.Add(302, "", []byte(""), false, "https://evil.example/steal?token=secret-token")
	f.Add(301, "", []byte(""), false, "://bad")
	f.Add(200, "application/json", []byte("null"), false, "")
	f.Add(204, "", []byte(""), false, "")
	f.Add(200, "application/json", bytes.Repeat([]byte("["), 5000), false, "")
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte, truncate bool, location string) {
		if status < 100 || status > 999 {
			status = 200 + (status%800+800)%800
		}
		c := New(Options{MaxBody: 1 << 12})
		rt := roundTrip(func(r *http.Request) (*http.Response, error) {
			h := http.Header{}
			h.Set("Content-Type", contentType)
			if location != "" {
				h.Set("Location", location)
			}
			var rd io.Reader = bytes.NewReader(body)
			if truncate {
				rd = io.MultiReader(rd, errReader{io.ErrUnexpectedEOF})
			}
			return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(rd), Request: r}, nil
		})
		c.fast.Transport, c.slow.Transport = rt, rt
		ep := Endpoint("https://oscar.example.eu")
		cr := Creds{Token: "secret-token"}
		ctx := context.Background()
		_, err := c.Services(ctx, ep, cr, false)
		_, jerr := c.Jobs(ctx, ep, cr, "svc", "")
		_, berr := c.Bucket(ctx, ep, cr, "b", "")
		lerr := c.DeleteService(ctx, ep, cr, "svc")
		for _, err := range []error{err, jerr, berr, lerr} {
			if err == nil {
				continue
			}
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			um := oe.UserMessage()
			if !strings.Contains(um, "oscar.example.eu") && oe.Kind != BadInput {
				t.Fatalf("UserMessage %q does not name the endpoint", um)
			}
			if strings.TrimSpace(um) == "" {
				t.Fatalf("empty UserMessage for %v", err)
			}
			if oe.Kind == Redirect {
				host, _ := strings.CutPrefix(oe.Message, "OSCAR answered with a redirect")
				host, _ = strings.CutPrefix(host, " to ")
				if strings.ContainsAny(host, "/?#") || strings.Contains(um+oe.Error(), "secret-token") {
					t.Fatalf("a redirect's path or query reached the message: %q", oe.Message)
				}
			}
			checkLine(t, "UserMessage", um, 1200)
		}
	})
}

// errReader fails every read, to cut a body short.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
