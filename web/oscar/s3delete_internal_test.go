package oscar

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestDeleteObjectStrictPolicy: under the strict policy the MinIO leg of
// DeleteObject is refused for loopback, private and metadata addresses,
// whether the address is written as an IP (refused before dialling) or as
// a name that resolves to it (refused by the transport's dial-time check,
// which only the shared hardened client applies). OSCAR itself cannot be
// reached from a test under the strict policy, so this drives the step
// after GET /system/config directly.
func TestDeleteObjectStrictPolicy(t *testing.T) {
	var hits atomic.Int32
	minio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer minio.Close()
	u, _ := url.Parse(minio.URL)
	tests := []struct {
		name     string
		pol      Policy
		endpoint string
		why      string
	}{
		{"loopback IP", Policy{AllowHTTP: true}, minio.URL, "loopback"},
		{"name resolving to loopback", Policy{AllowHTTP: true}, "http://localhost:" + u.Port(), "resolves to is not allowed"},
		{"cluster-internal private address", Policy{AllowHTTP: true}, "http://10.43.0.9:9000", "private"},
		{"cloud metadata", Policy{AllowHTTP: true}, "http://169.254.169.254", "link-local"},
		{"IPv4-mapped loopback", Policy{AllowHTTP: true}, "http://[::ffff:127.0.0.1]:" + u.Port(), "loopback"},
		{"plain http without the setting", Policy{AllowPrivate: true}, minio.URL, "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{Policy: tt.pol, ConnectTimeout: 500 * time.Millisecond})
			mp := &MinIOProvider{Endpoint: tt.endpoint, AccessKey: "minioadmin", SecretKey: "secret-key-value", Region: "us-east-1"}
			err := c.deleteObjectWith(t.Context(), Endpoint("https://oscar.example.org"), mp, "data", "k.txt")
			oe, ok := err.(*Error)
			if !ok || oe.Kind != Refused || !strings.Contains(oe.Message, tt.why) {
				t.Fatalf("delete = %v, want Refused (%s)", err, tt.why)
			}
			if !strings.Contains(oe.UserMessage(), "not allowed") || strings.Contains(oe.Error()+oe.UserMessage(), "secret-key-value") {
				t.Errorf("UserMessage() = %q, Error() = %q", oe.UserMessage(), oe.Error())
			}
		})
	}
	t.Run("allowed when the operator allows private endpoints", func(t *testing.T) {
		c := New(Options{Policy: Policy{AllowHTTP: true, AllowPrivate: true}})
		mp := &MinIOProvider{Endpoint: "http://localhost:" + u.Port(), AccessKey: "minioadmin", SecretKey: "secret-key-value"}
		before := hits.Load()
		if err := c.deleteObjectWith(t.Context(), Endpoint("https://oscar.example.org"), mp, "data", "k.txt"); err != nil {
			t.Fatalf("delete = %v", err)
		}
		if got := hits.Load() - before; got != 2 {
			t.Errorf("MinIO got %d requests, want 2 (HEAD, DELETE)", got)
		}
	})
	if n := hits.Load(); n != 2 {
		t.Errorf("MinIO got %d requests in all, want only the 2 of the allowed case", n)
	}
}

// TestS3TargetHidesKeys: the signing target prints without its keys.
func TestS3TargetHidesKeys(t *testing.T) {
	c := New(Options{Policy: Policy{AllowHTTP: true, AllowPrivate: true}})
	tg, err := c.storageTarget("delete object", "", &MinIOProvider{Endpoint: "http://minio.example.org:9000", AccessKey: "access-key-value", SecretKey: "secret-key-value"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{tg.String(), tg.GoString()} {
		if strings.Contains(s, "key-value") || !strings.Contains(s, "minio.example.org:9000") {
			t.Errorf("target prints as %q", s)
		}
	}
	if tg.region != "us-east-1" {
		t.Errorf("region = %q, want MinIO's default us-east-1", tg.region)
	}
}
