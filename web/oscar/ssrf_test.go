package oscar_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestSSRF is the SSRF table of issue 3: each target is refused with a
// clear error under the strict policy and reachable only when the
// operator allows private endpoints. The fake listens on 127.0.0.1, so
// the loopback rows reach it when allowed; the unroutable rows are only
// checked not to be refused by the policy.
func TestSSRF(t *testing.T) {
	srv := oscartest.NewT(t, oscartest.Options{})
	port := srv.URL()[strings.LastIndex(srv.URL(), ":")+1:]
	tests := []struct {
		name      string
		raw       string
		why       string // in the strict error
		reachable bool   // the fake answers there when allowed
	}{
		{"IPv4 loopback", "http://127.0.0.1:" + port, "loopback", true},
		{"IPv6 loopback", "http://[::1]:" + port, "loopback", false},
		{"cloud metadata", "http://169.254.169.254", "link-local", false},
		{"private network", "http://10.0.0.1", "private", false},
		{"name resolving to loopback", "http://localhost:" + port, "loopback", true},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port, "loopback", false},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/refused", func(t *testing.T) {
			strict := oscar.Policy{AllowHTTP: true}
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c := oscar.New(oscar.Options{Policy: strict, ConnectTimeout: 500 * time.Millisecond, Logger: log})
			before := len(srv.Requests())
			ep, perr := oscar.ParseEndpoint(tt.raw, strict)
			if perr == nil {
				// Only host names get here: the dial-time check must refuse
				// the address they resolve to, without saying which address
				// or what kind it is (an internal-DNS oracle otherwise).
				_, err := c.Info(t.Context(), ep, admin())
				oe := asError(t, err)
				if oe.Kind != oscar.Refused || oe.Message != "the address it resolves to is not allowed" {
					t.Fatalf("Info(%s) = %v, want Refused without the address", ep, err)
				}
				for _, leak := range []string{"127.0.0.1", "::1", tt.why} {
					if strings.Contains(err.Error(), leak) || strings.Contains(oe.UserMessage(), leak) {
						t.Errorf("the refusal names %q: %v / %q", leak, err, oe.UserMessage())
					}
				}
				if !strings.Contains(oe.UserMessage(), "not allowed") {
					t.Errorf("UserMessage() = %q", oe.UserMessage())
				}
				if l := logs.String(); !strings.Contains(l, "level=DEBUG") || !(strings.Contains(l, "address=127.0.0.1") || strings.Contains(l, "address=::1")) {
					t.Errorf("the refused address is not logged at debug level:\n%s", l)
				}
			} else if !strings.Contains(perr.Error(), tt.why) {
				t.Fatalf("ParseEndpoint(%q) = %v, want it to say %q", tt.raw, perr, tt.why)
			}
			// An Endpoint made by conversion does not bypass the policy.
			_, err := c.Info(t.Context(), oscar.Endpoint(strings.TrimSuffix(tt.raw, "/")), admin())
			if k := kindOf(t, err); k != oscar.Refused {
				t.Errorf("Info(Endpoint(%q)) kind = %v, want Refused", tt.raw, k)
			}
			if after := len(srv.Requests()); after != before {
				t.Errorf("%d requests reached the fake", after-before)
			}
		})
		t.Run(tt.name+"/allowed", func(t *testing.T) {
			open := oscar.Policy{AllowHTTP: true, AllowPrivate: true}
			c := oscar.New(oscar.Options{Policy: open, ConnectTimeout: 300 * time.Millisecond, Timeout: time.Second})
			ep, err := oscar.ParseEndpoint(tt.raw, open)
			if err != nil {
				t.Fatalf("ParseEndpoint(%q) with AllowPrivate: %v", tt.raw, err)
			}
			_, err = c.Info(t.Context(), ep, admin())
			if tt.reachable {
				if err != nil {
					t.Fatalf("Info(%s) with AllowPrivate: %v", ep, err)
				}
				return
			}
			if err != nil {
				if k := kindOf(t, err); k == oscar.Refused {
					t.Errorf("Info(%s) with AllowPrivate was refused by the policy: %v", ep, err)
				}
			}
		})
	}
}

// TestRedirectNotFollowed: a redirect to another host is an error under
// every policy, and the other host gets nothing (nor the credentials).
func TestRedirectNotFollowed(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	u, _ := url.Parse(other.URL)
	target := "http://localhost:" + u.Port() + "/system/info" // another host name
	for _, pol := range []oscar.Policy{{AllowHTTP: true, AllowPrivate: true}, {AllowHTTP: true, AllowPrivate: true, Allowed: []string{"127.0.0.1", "localhost"}}} {
		e := setup(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, target, http.StatusTemporaryRedirect)
			return true
		}}, oscar.Options{Policy: pol})
		_, err := e.c.Info(e.ctx, e.ep, admin())
		oe := asError(t, err)
		if oe.Kind != oscar.Redirect || strings.Contains(oe.Error()+oe.UserMessage(), "/system/info") {
			t.Errorf("Info = %v, want a Redirect error that does not repeat the target", err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

func TestTLSVerified(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"version":"v4"}`))
	}))
	defer ts.Close()
	pol := oscar.Policy{AllowPrivate: true}
	ep, err := oscar.ParseEndpoint(ts.URL, pol)
	if err != nil {
		t.Fatal(err)
	}
	c := oscar.New(oscar.Options{Policy: pol})
	_, err = c.Info(t.Context(), ep, admin())
	oe := asError(t, err)
	if oe.Kind != oscar.Unreachable || !strings.Contains(oe.Message, "certificate") {
		t.Errorf("Info against a self-signed certificate = %v, want Unreachable about the certificate", err)
	}
}

// TestPresignedURLPolicy: PutObject and GetObject apply the same policy to
// the presigned URL that OSCAR returned.
func TestPresignedURLPolicy(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	e.srv.AddBucket("data", "cluster_admin", "private")
	pr, err := e.c.Presign(e.ctx, e.ep, admin(), "data", oscar.PresignRequest{ObjectKey: "a.txt", Operation: oscar.PresignUpload})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(pr.URL)
	localhost := strings.Replace(pr.URL, "127.0.0.1", "localhost", 1)
	tests := []struct {
		name string
		pol  oscar.Policy
		url  string
		why  string
	}{
		{"private address", oscar.Policy{AllowHTTP: true}, pr.URL, "loopback"},
		{"name resolving to loopback", oscar.Policy{AllowHTTP: true}, localhost, "resolves to is not allowed"},
		{"http without the setting", oscar.Policy{AllowPrivate: true}, pr.URL, "https"},
		{"host not in the allowlist", oscar.Policy{AllowHTTP: true, AllowPrivate: true, Allowed: []string{"oscar.example.org"}}, pr.URL, "not in the list"},
		{"userinfo", oscar.Policy{AllowHTTP: true, AllowPrivate: true}, "http://user:pw@" + u.Host + u.RequestURI(), "user name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := oscar.New(oscar.Options{Policy: tt.pol})
			err := c.PutObject(e.ctx, tt.url, nil, strings.NewReader("x"), 1)
			if oe := asError(t, err); oe.Kind != oscar.Refused || !strings.Contains(oe.Message, tt.why) {
				t.Errorf("PutObject = %v, want Refused (%s)", err, tt.why)
			}
			_, _, _, err = c.GetObject(e.ctx, tt.url)
			if oe := asError(t, err); oe.Kind != oscar.Refused || !strings.Contains(oe.Message, tt.why) {
				t.Errorf("GetObject = %v, want Refused (%s)", err, tt.why)
			}
		})
	}
	if _, ok := e.srv.Object("data", "a.txt"); ok {
		t.Error("a refused upload reached the fake MinIO")
	}
}
