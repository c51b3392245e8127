package oscar_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// minioCallNames names the fake MinIO requests ("POST uploads", "PUT part", ...).
func minioCallNames(srv *oscartest.Server) string {
	var out []string
	for _, r := range minioRequests(srv) {
		q, _ := url.ParseQuery(r.Query)
		switch {
		case q.Has("partNumber"):
			out = append(out, "PUT part")
		case q.Has("uploads"):
			out = append(out, "POST uploads")
		case q.Has("uploadId"):
			out = append(out, r.Method+" uploadId")
		default:
			out = append(out, r.Method)
		}
	}
	return strings.Join(out, ",")
}

// TestUploadObject streams bodies of unknown length to storage with the
// MinIO keys OSCAR gives each caller, one part buffer at a time, and keeps
// the keys out of errors and logs.
func TestUploadObject(t *testing.T) {
	buf := make([]byte, oscar.MinPartSize)
	tests := []struct {
		name      string
		creds     oscar.Creds
		bucket    string
		size      int
		wantCalls string
		wantMsg   string // the error's message; "" for success
	}{
		{"admin, three parts", admin(), "alice-private", 2*oscar.MinPartSize + 7, "POST uploads,PUT part,PUT part,PUT part,POST uploadId", ""},
		{"owner, one buffer: a single PUT", alice(), "alice-private", 1000, "PUT", ""},
		{"owner, empty file", alice(), "alice-private", 0, "PUT", ""},
		{"restricted bucket listing the user", bob(), "alice-team", oscar.MinPartSize + 1, "POST uploads,PUT part,PUT part,POST uploadId", ""},
		{"another user's private bucket", bob(), "alice-private", oscar.MinPartSize + 1, "POST uploads", "may not upload files to this bucket"},
		{"missing bucket", admin(), "no-such-bucket", 10, "PUT", "bucket does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			e := setup(t, oscartest.Options{}, oscar.Options{Policy: testPolicy(), Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			e.srv.AddBucket("alice-private", "alice@egi.eu", "private")
			e.srv.AddBucket("alice-team", "alice@egi.eu", "restricted")
			if err := e.c.UpdateBucket(e.ctx, e.ep, alice(), &oscar.Bucket{Name: "alice-team", Visibility: "restricted", AllowedUsers: []string{"bob@egi.eu"}}); err != nil {
				t.Fatal(err)
			}
			data := bytes.Repeat([]byte("0123456789abcdef"), tt.size/16+1)[:tt.size]
			e.srv.ResetRequests()

			n, err := e.c.UploadObject(e.ctx, e.ep, tt.creds, tt.bucket, "in/a b+c.bin", bytes.NewReader(data), buf)

			got, stored := e.srv.Object(tt.bucket, "in/a b+c.bin")
			if tt.wantMsg == "" {
				if err != nil || n != int64(tt.size) || !bytes.Equal(got, data) {
					t.Fatalf("UploadObject = %d, %v; stored %d bytes, intact %v", n, err, len(got), bytes.Equal(got, data))
				}
			} else if oe := asError(t, err); !strings.Contains(oe.UserMessage(), tt.wantMsg) || stored {
				t.Errorf("UploadObject = %v (stored %v), want an error saying %q and nothing stored", err, stored, tt.wantMsg)
			}
			if calls := minioCallNames(e.srv); calls != tt.wantCalls {
				t.Errorf("MinIO calls = %s, want %s", calls, tt.wantCalls)
			}
			for _, r := range minioRequests(e.srv) {
				if r.Auth != "other" || r.Token != "" {
					t.Errorf("MinIO request %s %s: auth %q; want a SigV4 header only", r.Method, r.Path, r.Auth)
				}
				if strings.Contains(r.Query, "partNumber") && len(r.Body) > len(buf) {
					t.Errorf("a part of %d bytes, more than the buffer (%d)", len(r.Body), len(buf))
				}
			}
			if k := e.srv.MultipartUploads(); k != 0 {
				t.Errorf("%d multipart uploads left open", k)
			}
			for _, s := range []string{oscartest.MinIORootSecretKey, e.srv.MinIOSecret("alice@egi.eu"), e.srv.MinIOSecret("bob@egi.eu"), "Signature="} {
				if s != "" && (strings.Contains(logs.String(), s) || err != nil && strings.Contains(err.Error()+asError(t, err).UserMessage(), s)) {
					t.Errorf("a MinIO secret or signature is in the logs or the error")
				}
			}
		})
	}
}

// TestUploadObjectWithoutStorageCredentials: when OSCAR names no keys (or
// no endpoint), UploadObject says so (ErrNoStorageCredentials) before it
// reads anything of the body, so the caller can fall back to a presigned
// PUT.
func TestUploadObjectWithoutStorageCredentials(t *testing.T) {
	for name, mp := range map[string]map[string]any{
		"no keys":     {"endpoint": "{fake}/minio", "access_key": "", "secret_key": "", "region": "us-east-1"},
		"no endpoint": {"endpoint": "", "access_key": "a", "secret_key": "b"},
	} {
		t.Run(name, func(t *testing.T) {
			var base string
			e := setup(t, oscartest.Options{Fault: configFault(&base, mp)}, oscar.Options{})
			base = e.srv.URL()
			body := &countingReader{r: strings.NewReader("data")}
			_, err := e.c.UploadObject(e.ctx, e.ep, admin(), "data", "k", body, make([]byte, oscar.MinPartSize))
			if !errors.Is(err, oscar.ErrNoStorageCredentials) {
				t.Errorf("UploadObject = %v, want ErrNoStorageCredentials", err)
			}
			if body.n.Load() != 0 || len(minioRequests(e.srv)) != 0 {
				t.Errorf("%d bytes read, %d MinIO requests; want none", body.n.Load(), len(minioRequests(e.srv)))
			}
		})
	}
}

// TestUploadObjectAbortsWhenTheBodyFails: a body that fails half way
// gives its own error back, and the multipart upload is aborted: MinIO
// keeps neither the object nor its parts.
func TestUploadObjectAbortsWhenTheBodyFails(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{Policy: testPolicy()})
	e.srv.AddBucket("data", "cluster_admin", "private")
	broken := errors.New("the browser went away")
	body := io.MultiReader(bytes.NewReader(make([]byte, oscar.MinPartSize+10)), iotestErr{broken})
	_, err := e.c.UploadObject(e.ctx, e.ep, admin(), "data", "k", body, make([]byte, oscar.MinPartSize))
	if !errors.Is(err, broken) {
		t.Errorf("UploadObject = %v, want the body's error", err)
	}
	if calls := minioCallNames(e.srv); calls != "POST uploads,PUT part,DELETE uploadId" {
		t.Errorf("MinIO calls = %s, want the first part and an abort", calls)
	}
	if _, ok := e.srv.Object("data", "k"); ok || e.srv.MultipartUploads() != 0 {
		t.Errorf("object stored %v, %d uploads open; want neither", ok, e.srv.MultipartUploads())
	}
	if _, err := e.c.UploadObject(e.ctx, e.ep, admin(), "data", "k", strings.NewReader("x"), make([]byte, 1024)); kindOf(t, err) != oscar.BadInput {
		t.Errorf("UploadObject with a 1 KiB buffer = %v, want BadInput", err)
	}
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

// TestUploadObjectGuards: the MinIO endpoint passes the client's policy
// (nothing is sent to a refused one, nothing of the body is read), and a
// redirect from storage is an error whose target gets nothing.
func TestUploadObjectGuards(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()

	t.Run("the fake's own MinIO outside the allowlist", func(t *testing.T) {
		pol := oscar.Policy{AllowHTTP: true, AllowPrivate: true, Allowed: []string{"localhost"}}
		srv := oscartest.NewT(t, oscartest.Options{})
		ep, err := oscar.ParseEndpoint(strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1), pol)
		if err != nil {
			t.Fatal(err)
		}
		body := &countingReader{r: strings.NewReader("data")}
		_, err = oscar.New(oscar.Options{Policy: pol}).UploadObject(t.Context(), ep, admin(), "data", "k", body, make([]byte, oscar.MinPartSize))
		if kindOf(t, err) != oscar.Refused || body.n.Load() != 0 || len(minioRequests(srv)) != 0 {
			t.Errorf("UploadObject = %v, %d bytes read, %d MinIO requests; want Refused and nothing sent", err, body.n.Load(), len(minioRequests(srv)))
		}
	})
	for _, on := range []string{"uploads", "partNumber", "PUT"} {
		t.Run("redirect on "+on, func(t *testing.T) {
			e := setup(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.HasPrefix(r.URL.Path, "/minio/") || !(strings.Contains(r.URL.RawQuery, on) || on == "PUT" && r.URL.RawQuery == "") {
					return false
				}
				http.Redirect(w, r, other.URL+"/data/k", http.StatusTemporaryRedirect)
				return true
			}}, oscar.Options{Policy: testPolicy()})
			e.srv.AddBucket("data", "cluster_admin", "private")
			size := oscar.MinPartSize + 1
			if on == "PUT" {
				size = 10
			}
			_, err := e.c.UploadObject(e.ctx, e.ep, admin(), "data", "k", bytes.NewReader(make([]byte, size)), make([]byte, oscar.MinPartSize))
			if oe := asError(t, err); oe.Kind != oscar.Redirect || strings.Contains(oe.Error()+oe.UserMessage(), other.URL) {
				t.Errorf("UploadObject = %v, want a Redirect error that does not repeat the target", err)
			}
			if _, ok := e.srv.Object("data", "k"); ok {
				t.Error("the object was stored")
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}
