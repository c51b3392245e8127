package oscar_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// answer returns a Fault that answers every request with status and body.
func answer(status int, contentType, body string) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, _ *http.Request) bool {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return true
	}
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name     string
		fault    func(http.ResponseWriter, *http.Request) bool
		opts     oscar.Options
		wantKind oscar.Kind
		wantMsg  string
		status   int
	}{
		{name: "401", fault: answer(401, "", ""), wantKind: oscar.Unauthorized, status: 401},
		{name: "403 with text", fault: answer(403, "text/plain", "User x doesn't have permision to get this service"), wantKind: oscar.Forbidden, status: 403,
			wantMsg: "User x doesn't have permision to get this service"},
		{name: "404 empty", fault: answer(404, "", ""), wantKind: oscar.NotFound, status: 404},
		{name: "400", fault: answer(400, "text/plain", "invalid serviceName"), wantKind: oscar.BadInput, status: 400, wantMsg: "invalid serviceName"},
		{name: "409", fault: answer(409, "text/plain", "secret already exists"), wantKind: oscar.BadInput, status: 409},
		{name: "422", fault: answer(422, "text/plain", "nope"), wantKind: oscar.BadInput, status: 422},
		{name: "500", fault: answer(500, "text/plain", "boom"), wantKind: oscar.Server, status: 500, wantMsg: "boom"},
		{name: "503", fault: answer(503, "", ""), wantKind: oscar.Server, status: 503},
		{name: "418", fault: answer(418, "", ""), wantKind: oscar.Unexpected, status: 418},
		{name: "garbage JSON", fault: answer(200, "application/json", "<html>login page</html>"), wantKind: oscar.Garbage, status: 200},
		{name: "redirect", fault: func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, "https://elsewhere.example/login?token=abc", http.StatusFound)
			return true
		}, wantKind: oscar.Redirect, status: 302, wantMsg: "OSCAR answered with a redirect"},
		{name: "too large", fault: answer(200, "application/json", `[`+strings.Repeat(`{"name":"x","image":"i","script":"s"},`, 100)+`{}]`),
			opts: oscar.Options{MaxBody: 1024}, wantKind: oscar.TooLarge, status: 200},
		{name: "timeout", fault: func(w http.ResponseWriter, r *http.Request) bool {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return true
		}, opts: oscar.Options{Timeout: 100 * time.Millisecond}, wantKind: oscar.Timeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, oscartest.Options{Fault: tt.fault}, tt.opts)
			_, err := e.c.Services(e.ctx, e.ep, admin(), false)
			oe := asError(t, err)
			if oe.Kind != tt.wantKind || oe.Status != tt.status {
				t.Errorf("kind %v status %d, want %v %d (%v)", oe.Kind, oe.Status, tt.wantKind, tt.status, err)
			}
			if tt.wantMsg != "" && oe.Message != tt.wantMsg {
				t.Errorf("message %q, want %q", oe.Message, tt.wantMsg)
			}
			if oe.Op != "list services" || oe.Host != e.ep.Host() {
				t.Errorf("op %q host %q", oe.Op, oe.Host)
			}
			if um := oe.UserMessage(); um == "" || strings.Contains(um, "oscar123") || strings.Contains(um, "token=abc") {
				t.Errorf("UserMessage() = %q", um)
			}
			if strings.Contains(err.Error(), "oscar123") || strings.Contains(err.Error(), "token=abc") {
				t.Errorf("error text leaks a secret: %v", err)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	srv := oscartest.New(oscartest.Options{})
	e := clientFor(t, srv, oscar.Options{})
	srv.Close()
	_, err := e.c.Info(e.ctx, e.ep, admin())
	if k := kindOf(t, err); k != oscar.Unreachable {
		t.Errorf("kind %v, want Unreachable (%v)", k, err)
	}
	if um := asError(t, err).UserMessage(); !strings.Contains(um, e.ep.Host()) {
		t.Errorf("UserMessage() = %q, want the host named", um)
	}
}

func TestCanceled(t *testing.T) {
	e := setup(t, oscartest.Options{Latency: time.Second}, oscar.Options{})
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	_, err := e.c.Info(ctx, e.ep, admin())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
}

// TestOSCARMessages drives the fake into OSCAR's well-known failures and
// checks the plain words the client makes of them.
func TestOSCARMessages(t *testing.T) {
	withInput := func(name, provider, path string) *oscar.Service {
		s := minimal(name)
		s.Input = []oscar.StorageIOConfig{{StorageProvider: provider, Path: path}}
		return s
	}
	tests := []struct {
		name     string
		opts     oscartest.Options
		seed     func(e env)
		call     func(e env) error
		wantKind oscar.Kind
		wantMsg  string
	}{
		{name: "duplicate name",
			seed:     func(e env) { _ = e.c.CreateService(e.ctx, e.ep, admin(), minimal("dup")) },
			call:     func(e env) error { return e.c.CreateService(e.ctx, e.ep, admin(), minimal("dup")) },
			wantKind: oscar.BadInput, wantMsg: `a service named "dup" already exists`},
		{name: "bucket already exists",
			seed: func(e env) { e.srv.AddBucket("wflow", "cluster_admin", "private") },
			call: func(e env) error {
				return e.c.CreateService(e.ctx, e.ep, admin(), withInput("b", "minio.default", "wflow/in"))
			},
			wantKind: oscar.Server, wantMsg: `a bucket named "wflow" already exists; choose another bucket name`},
		{name: "chained service on the same bucket",
			seed: func(e env) {
				a := withInput("a", "minio.default", "wflow/in")
				a.Output = []oscar.StorageIOConfig{{StorageProvider: "minio.default", Path: "wflow/med"}}
				_ = e.c.CreateService(e.ctx, e.ep, admin(), a)
			},
			call: func(e env) error {
				return e.c.CreateService(e.ctx, e.ep, admin(), withInput("b", "minio.default", "wflow/med"))
			},
			wantKind: oscar.Server, wantMsg: `a bucket named "wflow" already exists; choose another bucket name`},
		{name: "onedata input",
			call: func(e env) error {
				return e.c.CreateService(e.ctx, e.ep, admin(), withInput("od", "onedata.x", "space/in"))
			},
			wantKind: oscar.BadInput, wantMsg: "inputs must be MinIO, WebDAV or Rucio storage (S3 and Onedata can only be outputs)"},
		{name: "s3 input",
			call:     func(e env) error { return e.c.CreateService(e.ctx, e.ep, admin(), withInput("s3", "s3.aws", "b/in")) },
			wantKind: oscar.BadInput, wantMsg: "inputs must be MinIO, WebDAV or Rucio storage (S3 and Onedata can only be outputs)"},
		{name: "undefined provider",
			call: func(e env) error {
				s := minimal("wd")
				s.Output = []oscar.StorageIOConfig{{StorageProvider: "onedata.nope", Path: "space/out"}}
				return e.c.CreateService(e.ctx, e.ep, admin(), s)
			},
			wantKind: oscar.Server, wantMsg: `the storage provider "onedata.nope" is not defined; add it under storage providers first`},
		{name: "webdav input accepted",
			call: func(e env) error {
				s := withInput("wd", "webdav.dcache", "folder/in")
				s.StorageProviders = &oscar.StorageProviders{WebDAV: map[string]*oscar.WebDAVProvider{"dcache": {Hostname: "dcache.example.org", Login: "u", Password: "p"}}}
				return e.c.CreateService(e.ctx, e.ep, admin(), s)
			}},
		{name: "invalid bucket name",
			call:     func(e env) error { return e.c.CreateService(e.ctx, e.ep, admin(), withInput("bn", "minio", "wf/in")) },
			wantKind: oscar.Server, wantMsg: "a bucket name is not valid (use 3 to 63 lower-case letters, digits, dots or hyphens)"},
		{name: "empty script",
			call: func(e env) error {
				s := minimal("noscript")
				s.Script = ""
				return e.c.CreateService(e.ctx, e.ep, admin(), s)
			},
			wantKind: oscar.BadInput, wantMsg: "the script is required"},
		{name: "not in the VO",
			call: func(e env) error {
				s := minimal("vo")
				s.VO = "vo.other.eu"
				return e.c.CreateService(e.ctx, e.ep, alice(), s)
			},
			wantKind: oscar.BadInput, wantMsg: "you are not a member of the chosen VO"},
		{name: "bucket quota", opts: oscartest.Options{MaxBuckets: 1},
			seed:     func(e env) { _ = e.c.CreateBucket(e.ctx, e.ep, alice(), &oscar.Bucket{Name: "first"}) },
			call:     func(e env) error { return e.c.CreateBucket(e.ctx, e.ep, alice(), &oscar.Bucket{Name: "second"}) },
			wantKind: oscar.Forbidden, wantMsg: "your quota does not allow this (too many buckets or too much storage)"},
		{name: "MinIO down: two glued messages", opts: oscartest.Options{MinIODown: true},
			call:     func(e env) error { _, err := e.c.Buckets(e.ctx, e.ep, alice()); return err },
			wantKind: oscar.Server, wantMsg: "Error getting credentials for MinIO user"},
		{name: "MinIO down: create", opts: oscartest.Options{MinIODown: true},
			call:     func(e env) error { return e.c.CreateService(e.ctx, e.ep, admin(), minimal("x")) },
			wantKind: oscar.Server, wantMsg: "OSCAR could not register the service with its MinIO storage (MinIO may be down)"},
		{name: "service token on /system",
			call: func(e env) error {
				_, err := e.c.Services(e.ctx, e.ep, oscar.Creds{Token: strings.Repeat("0f", 32)}, false)
				return err
			},
			wantKind: oscar.BadInput, wantMsg: "token is malformed: token contains an invalid number of segments"},
		{name: "wrong password",
			call: func(e env) error {
				_, err := e.c.Info(e.ctx, e.ep, oscar.Creds{User: "oscar", Password: "wrong"})
				return err
			},
			wantKind: oscar.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.opts, oscar.Options{})
			if tt.seed != nil {
				tt.seed(e)
			}
			err := tt.call(e)
			if tt.wantKind == 0 && tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			oe := asError(t, err)
			if oe.Kind != tt.wantKind {
				t.Errorf("kind %v, want %v (%v)", oe.Kind, tt.wantKind, err)
			}
			if oe.Message != tt.wantMsg {
				t.Errorf("message %q, want %q", oe.Message, tt.wantMsg)
			}
		})
	}
}

// TestNameTooLong: the contract caps names at 39 characters; the fake
// refuses the request (and records the client's violation) with gin's
// text, which the client turns into plain words.
func TestNameTooLong(t *testing.T) {
	e := setupLoose(t, oscartest.Options{}, oscar.Options{})
	err := e.c.CreateService(e.ctx, e.ep, admin(), minimal(strings.Repeat("n", 40)))
	oe := asError(t, err)
	if oe.Kind != oscar.BadInput || oe.Message != "the service name must be at most 39 characters" {
		t.Errorf("got %v %q", oe.Kind, oe.Message)
	}
	if v := e.srv.Violations(); len(v) != 1 || !v[0].Request {
		t.Errorf("violations = %v, want the one request violation", v)
	}
	if err := e.c.CreateService(e.ctx, e.ep, admin(), minimal(strings.Repeat("n", 39))); err != nil {
		t.Errorf("a 39-character name: %v", err)
	}
}

func TestBadNamesNeverSent(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	for _, name := range []string{"", ".", "..", "a/b", "../system/config", "a?b", "a#b", "a%2Fb", "a b", "a\nb"} {
		_, err := e.c.Service(e.ctx, e.ep, admin(), name, false)
		if k := kindOf(t, err); k != oscar.BadInput {
			t.Errorf("Service(%q): kind %v, want BadInput", name, k)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests reached OSCAR", n)
	}
}

// TestTransportErrorHidesURL: a failed presigned download must not put the
// URL's signature into the error text (which gets logged).
func TestTransportErrorHidesURL(t *testing.T) {
	srv := oscartest.New(oscartest.Options{})
	e := clientFor(t, srv, oscar.Options{})
	srv.Close()
	_, _, _, err := e.c.GetObject(e.ctx, srv.URL()+"/minio/b/k?X-Amz-Signature=SECRETSIG")
	if k := kindOf(t, err); k != oscar.Unreachable {
		t.Errorf("kind %v, want Unreachable", k)
	}
	if strings.Contains(err.Error(), "SECRETSIG") {
		t.Errorf("error text leaks the signature: %v", err)
	}
}
