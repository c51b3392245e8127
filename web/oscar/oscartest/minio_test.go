package oscartest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// emptyHash is the SHA-256 of an empty body.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// s3Answer is the fake MinIO's answer to one signed request.
type s3Answer struct {
	method string // as sent
	status int
	body   string
	header http.Header
}

// s3Send builds a request for /minio/<bucket>/<key>, lets edit change it
// before signing (edit may be nil), signs it with minio-go's signer (the
// reference the fake is checked against), lets after change it once signed,
// and sends it.
func s3Send(t *testing.T, s *Server, method, bucket, key, access, secret, region string, edit, after func(*http.Request)) s3Answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+"/minio/"+s3utils.EncodePath(bucket)+"/"+s3utils.EncodePath(key), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", emptyHash)
	if edit != nil {
		edit(req)
	}
	req = signer.SignV4(*req, access, secret, "", region)
	if after != nil {
		after(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return s3Answer{method: req.Method, status: resp.StatusCode, body: string(b), header: resp.Header}
}

// code is the S3 error code of an answer: the XML <Code>, or MinIO's header
// for a HEAD.
func (a s3Answer) code() string {
	if _, rest, ok := strings.Cut(a.body, "<Code>"); ok {
		c, _, _ := strings.Cut(rest, "</Code>")
		return c
	}
	return a.header.Get("X-Minio-Error-Code")
}

// TestMinIOSignatureChecked: the fake MinIO accepts a correctly signed
// DELETE and refuses, with MinIO's codes, every way of getting the
// signature wrong; nothing is deleted by a refused request.
func TestMinIOSignatureChecked(t *testing.T) {
	s := NewT(t, Options{})
	const key = "in/a b+c&d=é%.txt" // every escaping rule at once
	tests := []struct {
		name         string
		access       string
		secret       string
		region       string
		edit, after  func(*http.Request)
		wantStatus   int
		wantCode     string
		wantDeletion bool
	}{
		{"root keys", MinIORootAccessKey, MinIORootSecretKey, MinIORegion, nil, nil, http.StatusNoContent, "", true},
		{"wrong secret", MinIORootAccessKey, "not-the-secret", MinIORegion, nil, nil, http.StatusForbidden, "SignatureDoesNotMatch", false},
		{"unknown access key", "nobody", MinIORootSecretKey, MinIORegion, nil, nil, http.StatusForbidden, "InvalidAccessKeyId", false},
		{"wrong region", MinIORootAccessKey, MinIORootSecretKey, "eu-west-1", nil, nil, http.StatusBadRequest, "AuthorizationHeaderMalformed", false},
		{"replayed on another key", MinIORootAccessKey, MinIORootSecretKey, MinIORegion, nil,
			func(r *http.Request) { r.URL.Path = "/minio/data/in/other.txt"; r.URL.RawPath = "" }, http.StatusForbidden, "SignatureDoesNotMatch", false},
		{"replayed as another method", MinIORootAccessKey, MinIORootSecretKey, MinIORegion, nil,
			func(r *http.Request) { r.Method = http.MethodHead }, http.StatusForbidden, "SignatureDoesNotMatch", false},
		{"date changed after signing", MinIORootAccessKey, MinIORootSecretKey, MinIORegion, nil,
			func(r *http.Request) {
				r.Header.Set("X-Amz-Date", time.Now().UTC().Add(time.Minute).Format("20060102T150405Z"))
			}, http.StatusForbidden, "SignatureDoesNotMatch", false},
		{"unsigned x-amz header added", MinIORootAccessKey, MinIORootSecretKey, MinIORegion, nil,
			func(r *http.Request) { r.Header.Set("X-Amz-Bypass-Governance-Retention", "true") }, http.StatusForbidden, "AccessDenied", false},
		{"no payload hash signed", MinIORootAccessKey, MinIORootSecretKey, MinIORegion,
			func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }, nil, http.StatusForbidden, "AccessDenied", false},
		{"payload hash of another body", MinIORootAccessKey, MinIORootSecretKey, MinIORegion, nil,
			func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader("x")); r.ContentLength = 1 }, http.StatusBadRequest, "XAmzContentSHA256Mismatch", false},
		{"no Authorization", MinIORootAccessKey, MinIORootSecretKey, MinIORegion, nil,
			func(r *http.Request) { r.Header.Del("Authorization") }, http.StatusForbidden, "AccessDenied", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.PutObjectData("data", key, []byte("x"))
			a := s3Send(t, s, http.MethodDelete, "data", key, tt.access, tt.secret, tt.region, tt.edit, tt.after)
			if a.status != tt.wantStatus || a.code() != tt.wantCode {
				t.Errorf("DELETE = %d %q, want %d %q\n%s", a.status, a.code(), tt.wantStatus, tt.wantCode, a.body)
			}
			if tt.wantCode != "" && a.method != http.MethodHead && (!strings.HasPrefix(a.header.Get("Content-Type"), "application/xml") || !strings.Contains(a.body, "<Error>")) {
				t.Errorf("error answer %q (%s), want S3 error XML", a.body, a.header.Get("Content-Type"))
			}
			if _, ok := s.Object("data", key); ok == tt.wantDeletion {
				t.Errorf("object present after the request = %v, want %v", ok, !tt.wantDeletion)
			}
		})
	}
}

// TestMinIOClockSkew: a signature made too long ago is refused even when
// it is otherwise right.
func TestMinIOClockSkew(t *testing.T) {
	s := NewT(t, Options{})
	s.PutObjectData("data", "k", []byte("x"))
	old := time.Now().UTC().Add(-time.Hour)
	amzDate, date := old.Format("20060102T150405Z"), old.Format("20060102")
	req, err := http.NewRequestWithContext(t.Context(), http.MethodDelete, s.URL()+"/minio/data/k", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", emptyHash)
	req.Header.Set("X-Amz-Date", amzDate)
	// Signed by hand for the old date (the signer always uses the clock).
	signedHeaders := []string{"host", "x-amz-content-sha256", "x-amz-date"}
	canonical := strings.Join([]string{http.MethodDelete, "/minio/data/k", "", canonicalHeaders(req, signedHeaders), strings.Join(signedHeaders, ";"), emptyHash}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	scope := date + "/" + MinIORegion + "/s3/aws4_request"
	k := hmacSHA256([]byte("AWS4"+MinIORootSecretKey), date)
	k = hmacSHA256(hmacSHA256(hmacSHA256(k, MinIORegion), "s3"), "aws4_request")
	sig := hex.EncodeToString(hmacSHA256(k, "AWS4-HMAC-SHA256\n"+amzDate+"\n"+scope+"\n"+hex.EncodeToString(sum[:])))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+MinIORootAccessKey+"/"+scope+", SignedHeaders="+strings.Join(signedHeaders, ";")+", Signature="+sig)
	req.Host = strings.TrimPrefix(s.URL(), "http://")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if a := (s3Answer{method: req.Method, status: resp.StatusCode, body: string(b), header: resp.Header}); a.status != http.StatusForbidden || a.code() != "RequestTimeTooSkewed" {
		t.Errorf("DELETE signed an hour ago = %d %q, want 403 RequestTimeTooSkewed", a.status, a.code())
	}
	if _, ok := s.Object("data", "k"); !ok {
		t.Error("the object was deleted")
	}
}

// TestMinIOUserRights: a bearer user's MinIO keys (from their first
// /system call) read what they can see and delete only in buckets they own
// or restricted buckets that list them; S3 answers 204 for a missing key
// and 404 NoSuchBucket for a missing bucket.
func TestMinIOUserRights(t *testing.T) {
	s := NewT(t, Options{OIDCGroups: []string{"vo"}, Tokens: func(tok string) (string, []string, bool) {
		return tok + "@egi.eu", []string{"vo"}, tok != ""
	}})
	for _, tok := range []string{"alice", "bob"} {
		if st, _, _ := do(t, s, http.MethodGet, "/system/config", "", "", "Bearer "+tok); st != http.StatusOK {
			t.Fatalf("config for %s = %d", tok, st)
		}
	}
	s.AddBucket("alice-private", "alice@egi.eu", "private")
	s.AddBucket("alice-public", "alice@egi.eu", "public")
	s.AddBucket("alice-team", "alice@egi.eu", "restricted")
	s.mu.Lock()
	s.buckets["alice-team"].allowed = []string{"bob@egi.eu"}
	s.mu.Unlock()
	bob, bobSecret := "bob@egi.eu", s.MinIOSecret("bob@egi.eu")
	alice, aliceSecret := "alice@egi.eu", s.MinIOSecret("alice@egi.eu")
	if bobSecret == "" || aliceSecret == "" {
		t.Fatal("no MinIO secret provisioned")
	}
	tests := []struct {
		name           string
		method         string
		access, secret string
		bucket, key    string
		wantStatus     int
		wantCode       string
		wantGone       bool
	}{
		{"owner deletes", http.MethodDelete, alice, aliceSecret, "alice-private", "f", http.StatusNoContent, "", true},
		{"private bucket of another user", http.MethodDelete, bob, bobSecret, "alice-private", "f", http.StatusForbidden, "AccessDenied", false},
		{"public bucket of another user: delete", http.MethodDelete, bob, bobSecret, "alice-public", "f", http.StatusForbidden, "AccessDenied", false},
		{"public bucket of another user: read", http.MethodHead, bob, bobSecret, "alice-public", "f", http.StatusOK, "", false},
		{"private bucket of another user: read", http.MethodHead, bob, bobSecret, "alice-private", "f", http.StatusForbidden, "AccessDenied", false},
		{"restricted bucket listing the user", http.MethodDelete, bob, bobSecret, "alice-team", "f", http.StatusNoContent, "", true},
		{"another user's secret", http.MethodDelete, bob, aliceSecret, "alice-team", "f", http.StatusForbidden, "SignatureDoesNotMatch", false},
		{"missing key: delete", http.MethodDelete, alice, aliceSecret, "alice-private", "nope", http.StatusNoContent, "", false},
		{"missing key: read", http.MethodHead, alice, aliceSecret, "alice-private", "nope", http.StatusNotFound, "NoSuchKey", false},
		{"missing bucket", http.MethodDelete, MinIORootAccessKey, MinIORootSecretKey, "no-such", "x", http.StatusNotFound, "NoSuchBucket", false},
		{"root in a user's bucket", http.MethodDelete, MinIORootAccessKey, MinIORootSecretKey, "alice-private", "f", http.StatusNoContent, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.key == "f" {
				s.mu.Lock()
				if b := s.buckets[tt.bucket]; b != nil {
					b.objects["f"] = &object{data: []byte("x"), contentType: "text/plain", modified: time.Now()}
				}
				s.mu.Unlock()
			}
			a := s3Send(t, s, tt.method, tt.bucket, tt.key, tt.access, tt.secret, MinIORegion, nil, nil)
			if a.status != tt.wantStatus || a.code() != tt.wantCode {
				t.Errorf("%s = %d %q, want %d %q", tt.method, a.status, a.code(), tt.wantStatus, tt.wantCode)
			}
			if tt.method == http.MethodHead && a.body != "" {
				t.Errorf("HEAD answer has a body %q", a.body)
			}
			if tt.key == "f" {
				if _, ok := s.Object(tt.bucket, "f"); ok == tt.wantGone {
					t.Errorf("object present = %v, want %v", ok, !tt.wantGone)
				}
			}
		})
	}
}
