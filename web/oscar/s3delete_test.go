package oscar_test

import (
	"bytes"
	"encoding/json"
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

// minioRequests returns the requests the fake MinIO received.
func minioRequests(srv *oscartest.Server) []oscartest.Recorded {
	var out []oscartest.Recorded
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/minio/") {
			out = append(out, r)
		}
	}
	return out
}

// TestDeleteObject deletes objects with the MinIO keys OSCAR gives each
// caller: the admin's root keys anywhere, a user's own keys only where
// their MinIO policy lets them.
func TestDeleteObject(t *testing.T) {
	tests := []struct {
		name        string
		creds       oscar.Creds
		bucket, key string
		wantKind    oscar.Kind // when wantErr
		wantErr     bool
		wantMsg     string // in the error's message
		wantDeleted bool
	}{
		{"admin in another user's private bucket", admin(), "alice-private", "out/result.png", 0, false, "", true},
		{"owner", alice(), "alice-private", "out/result.png", 0, false, "", true},
		{"key needing escapes", alice(), "alice-private", "in/a b+c&d=é%?#.txt", 0, false, "", true},
		{"private bucket of another user", bob(), "alice-private", "out/result.png", oscar.Forbidden, true, "may not delete", false},
		{"public bucket of another user", bob(), "alice-public", "out/result.png", oscar.Forbidden, true, "may not delete", false},
		{"restricted bucket listing the user", bob(), "alice-team", "out/result.png", 0, false, "", true},
		{"missing key", alice(), "alice-private", "out/nope.png", oscar.NotFound, true, "does not exist", false},
		{"missing bucket", admin(), "no-such-bucket", "out/result.png", oscar.NotFound, true, "bucket does not exist", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			e := setup(t, oscartest.Options{}, oscar.Options{Policy: testPolicy(), Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			e.srv.AddBucket("alice-private", "alice@egi.eu", "private")
			e.srv.AddBucket("alice-public", "alice@egi.eu", "public")
			e.srv.AddBucket("alice-team", "alice@egi.eu", "restricted")
			if err := e.c.UpdateBucket(e.ctx, e.ep, alice(), &oscar.Bucket{Name: "alice-team", Visibility: "restricted", AllowedUsers: []string{"bob@egi.eu"}}); err != nil {
				t.Fatal(err)
			}
			for _, b := range []string{"alice-private", "alice-public", "alice-team"} {
				if tt.wantKind != oscar.NotFound {
					e.srv.PutObjectData(b, tt.key, []byte("data"))
				}
				e.srv.PutObjectData(b, "out/keep.png", []byte("keep"))
			}
			e.srv.ResetRequests()

			err := e.c.DeleteObject(e.ctx, e.ep, tt.creds, tt.bucket, tt.key)
			if tt.wantErr {
				oe := asError(t, err)
				if oe.Kind != tt.wantKind || !strings.Contains(oe.Message, tt.wantMsg) {
					t.Errorf("DeleteObject = %v (kind %v), want %v saying %q", err, oe.Kind, tt.wantKind, tt.wantMsg)
				}
			} else if err != nil {
				t.Fatalf("DeleteObject = %v", err)
			}
			if _, ok := e.srv.Object(tt.bucket, tt.key); ok == tt.wantDeleted && tt.wantKind != oscar.NotFound {
				t.Errorf("object present after DeleteObject = %v, want %v", ok, !tt.wantDeleted)
			}
			if _, ok := e.srv.Object("alice-private", "out/keep.png"); !ok {
				t.Error("another object was deleted")
			}

			// The S3 requests carry a SigV4 signature, never the OSCAR
			// credentials, and nothing in the query string.
			got := minioRequests(e.srv)
			if len(got) == 0 {
				t.Fatal("no request reached the fake MinIO")
			}
			for _, r := range got {
				if r.Auth != "other" || r.Token != "" || r.Query != "" {
					t.Errorf("MinIO request %s %s: auth %q, query %q; want a SigV4 header only", r.Method, r.Path, r.Auth, r.Query)
				}
			}
			methods := []string{}
			for _, r := range got {
				methods = append(methods, r.Method)
			}
			want := "HEAD,DELETE"
			if tt.wantKind == oscar.NotFound {
				want = "HEAD" // nothing to delete: no DELETE is sent
			}
			if strings.Join(methods, ",") != want {
				t.Errorf("MinIO requests = %v, want %s", methods, want)
			}

			// The MinIO keys are in no error and no log line.
			secrets := []string{oscartest.MinIORootSecretKey, e.srv.MinIOSecret("alice@egi.eu"), e.srv.MinIOSecret("bob@egi.eu")}
			for _, s := range secrets {
				if s == "" {
					continue
				}
				if err != nil && (strings.Contains(err.Error(), s) || strings.Contains(asError(t, err).UserMessage(), s)) {
					t.Errorf("the error %q shows a MinIO secret key", err)
				}
				if strings.Contains(logs.String(), s) {
					t.Error("a MinIO secret key was logged")
				}
			}
			if strings.Contains(logs.String(), "AWS4-HMAC-SHA256") || strings.Contains(logs.String(), "Signature=") {
				t.Error("the S3 signature was logged")
			}
		})
	}
}

// configFault answers GET /system/config with the given minio_provider
// (as a hostile or misconfigured OSCAR would); base fills "{fake}" in the
// endpoint with the fake's URL once it is known.
func configFault(base *string, mp map[string]any) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/system/config" {
			return false
		}
		out := map[string]any{}
		for k, v := range mp {
			if s, ok := v.(string); ok {
				v = strings.ReplaceAll(s, "{fake}", *base)
			}
			out[k] = v
		}
		b, _ := json.Marshal(map[string]any{"config": map[string]any{"name": "oscar", "oidc_groups": []string{""}}, "minio_provider": out, "allowed_image_repositories": []string{}})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return true
	}
}

// TestDeleteObjectBadCredentials: keys MinIO does not accept give a
// Forbidden error in plain words, and nothing is deleted.
func TestDeleteObjectBadCredentials(t *testing.T) {
	tests := []struct {
		name string
		mp   map[string]any
		want string
	}{
		{"wrong secret key", map[string]any{"endpoint": "{fake}/minio", "access_key": oscartest.MinIORootAccessKey, "secret_key": "wrong-secret", "region": "us-east-1"}, "did not accept the credentials"},
		{"unknown access key", map[string]any{"endpoint": "{fake}/minio", "access_key": "nobody", "secret_key": "wrong-secret", "region": "us-east-1"}, "did not accept the credentials"},
		{"no keys", map[string]any{"endpoint": "{fake}/minio", "access_key": "", "secret_key": "", "region": "us-east-1"}, "no storage credentials"},
		{"no endpoint", map[string]any{"endpoint": "", "access_key": "a", "secret_key": "b"}, "no storage address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var base string
			e := setup(t, oscartest.Options{Fault: configFault(&base, tt.mp)}, oscar.Options{})
			base = e.srv.URL()
			e.srv.PutObjectData("data", "k.txt", []byte("x"))
			err := e.c.DeleteObject(e.ctx, e.ep, admin(), "data", "k.txt")
			oe := asError(t, err)
			if oe.Kind != oscar.Forbidden || !strings.Contains(oe.Message, tt.want) {
				t.Errorf("DeleteObject = %v, want Forbidden saying %q", err, tt.want)
			}
			if strings.Contains(err.Error()+oe.UserMessage(), "wrong-secret") {
				t.Errorf("the error %q shows the secret key", err)
			}
			if _, ok := e.srv.Object("data", "k.txt"); !ok {
				t.Error("the object was deleted")
			}
		})
	}
}

// TestDeleteObjectPolicy: the MinIO endpoint OSCAR names passes the
// client's policy like any OSCAR endpoint or presigned URL; nothing
// reaches a refused one.
func TestDeleteObjectPolicy(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	ou, _ := url.Parse(other.URL)
	tests := []struct {
		name     string
		endpoint string
		want     string
	}{
		{"user name and password in the address", "http://user:pw@" + ou.Host, "user name or password"},
		{"not http(s)", "ftp://" + ou.Host, "must start with https://"},
		{"query in the address", other.URL + "/?x=1", "query"},
		{"host not in the allowlist", other.URL, "not in the list"},
		{"IPv4 as a number", "http://2130706433:" + ou.Port(), "not a valid host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var base string
			mp := map[string]any{"endpoint": tt.endpoint, "access_key": oscartest.MinIORootAccessKey, "secret_key": oscartest.MinIORootSecretKey, "region": "us-east-1"}
			// OSCAR itself is reached as "localhost", which the allowlist
			// lists; the MinIO it names is not.
			pol := oscar.Policy{AllowHTTP: true, AllowPrivate: true, Allowed: []string{"localhost"}}
			srv := oscartest.NewT(t, oscartest.Options{Fault: configFault(&base, mp)})
			base = srv.URL()
			ep, err := oscar.ParseEndpoint(strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1), pol)
			if err != nil {
				t.Fatal(err)
			}
			c := oscar.New(oscar.Options{Policy: pol})
			err = c.DeleteObject(t.Context(), ep, admin(), "data", "k.txt")
			oe := asError(t, err)
			if oe.Kind != oscar.Refused || !strings.Contains(oe.Message, tt.want) {
				t.Errorf("DeleteObject = %v, want Refused saying %q", err, tt.want)
			}
			if strings.Contains(oe.Error()+oe.UserMessage(), "pw@") {
				t.Errorf("the error %q repeats the address's password", err)
			}
		})
	}
	t.Run("the fake's own MinIO outside the allowlist", func(t *testing.T) {
		pol := oscar.Policy{AllowHTTP: true, AllowPrivate: true, Allowed: []string{"localhost"}}
		srv := oscartest.NewT(t, oscartest.Options{})
		srv.PutObjectData("data", "k.txt", []byte("x"))
		ep, err := oscar.ParseEndpoint(strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1), pol)
		if err != nil {
			t.Fatal(err)
		}
		err = oscar.New(oscar.Options{Policy: pol}).DeleteObject(t.Context(), ep, admin(), "data", "k.txt")
		if oe := asError(t, err); oe.Kind != oscar.Refused || !strings.Contains(oe.UserMessage(), "127.0.0.1") {
			t.Errorf("DeleteObject = %v, want Refused naming 127.0.0.1", err)
		}
		if n := len(minioRequests(srv)); n != 0 {
			t.Errorf("%d requests reached the fake MinIO", n)
		}
		if _, ok := srv.Object("data", "k.txt"); !ok {
			t.Error("the object was deleted")
		}
	})
	if n := hits.Load(); n != 0 {
		t.Errorf("a refused MinIO endpoint got %d requests", n)
	}
}

// TestDeleteObjectRedirectRefused: a redirect from MinIO, on the HEAD or
// on the DELETE, is an error; its target gets nothing.
func TestDeleteObjectRedirectRefused(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	for _, method := range []string{http.MethodHead, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			e := setup(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != method || !strings.HasPrefix(r.URL.Path, "/minio/") {
					return false
				}
				http.Redirect(w, r, other.URL+"/data/k.txt", http.StatusTemporaryRedirect)
				return true
			}}, oscar.Options{})
			e.srv.PutObjectData("data", "k.txt", []byte("x"))
			err := e.c.DeleteObject(e.ctx, e.ep, admin(), "data", "k.txt")
			if oe := asError(t, err); oe.Kind != oscar.Redirect || strings.Contains(oe.Error()+oe.UserMessage(), other.URL) {
				t.Errorf("DeleteObject = %v, want a Redirect error that does not repeat the target", err)
			}
			if _, ok := e.srv.Object("data", "k.txt"); !ok {
				t.Error("the object was deleted")
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

// TestDeleteObjectTimeout: a MinIO that does not answer gives a Timeout
// error, not a hang.
func TestDeleteObjectTimeout(t *testing.T) {
	e := setup(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/minio/") {
			return false
		}
		<-r.Context().Done()
		return true
	}}, oscar.Options{Policy: testPolicy(), Timeout: 200 * time.Millisecond})
	e.srv.PutObjectData("data", "k.txt", []byte("x"))
	err := e.c.DeleteObject(e.ctx, e.ep, admin(), "data", "k.txt")
	if k := kindOf(t, err); k != oscar.Timeout {
		t.Errorf("DeleteObject = %v, want Timeout", err)
	}
}

// TestDeleteObjectBadNames: names that could reach another path are
// refused before any request, even to OSCAR.
func TestDeleteObjectBadNames(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	e.srv.PutObjectData("data", "k.txt", []byte("x"))
	tests := []struct{ bucket, key string }{
		{"data", ""},
		{"data", "../other/k.txt"},
		{"data", "a/./k.txt"},
		{"data", "a/.."},
		{"data", "/k.txt"},
		{"data", "a//k.txt"},
		{"data", "a\nb"},
		{"data", "bad\xffutf8"},
		{"data", strings.Repeat("k", 1025)},
		{"", "k.txt"},
		{"..", "k.txt"},
		{"data/x", "k.txt"},
		{"data?x", "k.txt"},
	}
	for _, tt := range tests {
		err := e.c.DeleteObject(e.ctx, e.ep, admin(), tt.bucket, tt.key)
		if k := kindOf(t, err); k != oscar.BadInput {
			t.Errorf("DeleteObject(%q, %q) = %v, want BadInput", tt.bucket, tt.key, err)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests were sent for refused names", n)
	}
}
