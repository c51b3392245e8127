// Package oscartest is an in-process fake OSCAR Manager (v4) for tests: an
// httptest.Server with in-memory services, jobs, buckets and objects, a fake
// MinIO for presigned URLs and for HEAD and DELETE requests signed with the
// keys /system/config hands out (AWS Signature Version 4, see minio.go),
// and the behaviours of the real server that a
// client has to cope with (oscar-api.md §1.4): 201 with an empty body on
// create, plain-text errors (some with two messages glued together), PUT as
// a full replace, "bucket already exists" as a 500, per-user visibility for
// bearer callers, Basic auth as the admin, and so on.
//
// Every request and every response is validated against the OSCAR contract
// (testdata/oscar-openapi.yaml, Swagger 2.0 converted to OpenAPI 3 with
// kin-openapi). A request the contract refuses gets 400 and is recorded as a
// violation; a response of the fake that the contract refuses becomes a 500
// and is recorded too. The documented places where the real server and the
// contract disagree (oscar-api.md §0.4) are allowed explicitly, see
// checkResponse. Use NewT in tests: it fails the test if any violation was
// recorded.
//
// The fake listens on 127.0.0.1 over plain http, so a client under test
// needs oscar.Policy{AllowPrivate: true, AllowHTTP: true}. In a handler
// test:
//
//	fake := oscartest.NewT(t, oscartest.Options{Tokens: provider.Tokens, OIDCGroups: []string{"vo.example.eu"}})
//	pol := oscar.Policy{AllowPrivate: true, AllowHTTP: true}
//	ep, _ := oscar.ParseEndpoint(fake.URL(), pol)
//	client := oscar.New(oscar.Options{Policy: pol})
//	_ = fake.PutService(`{"name":"grey","image":"img","script":"echo","owner":"cluster_admin"}`)
//	// ... drive the handler with client and ep, then assert on
//	// fake.Requests(), fake.StoredService("grey"), fake.Jobs("grey") ...
//
// The Basic-auth account is oscar / oscar123 (DefaultBasicUser,
// DefaultBasicPassword) and is the cluster admin; bearer tokens are
// accepted through Options.Tokens. Options.Fault injects failures.
package oscartest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Defaults for Options.
const (
	DefaultBasicUser       = "oscar"
	DefaultBasicPassword   = "oscar123"
	DefaultCreateDelay     = 50 * time.Millisecond
	DefaultJobListingLimit = 70
	// MinIORootAccessKey and MinIORootSecretKey are what /system/config
	// returns to a Basic-auth caller, in clear text as OSCAR does.
	MinIORootAccessKey = "minioadmin"
	MinIORootSecretKey = "minioadmin-secret-key"
)

// Options configure a fake OSCAR. Zero values take the defaults.
type Options struct {
	// BasicUser and BasicPassword are the single admin account
	// (default oscar / oscar123).
	BasicUser, BasicPassword string
	// Tokens accepts bearer tokens: it returns the user's sub and groups
	// (VOs). Nil accepts no bearer token. Tests plug an OIDC test provider
	// in here.
	Tokens func(token string) (sub string, groups []string, ok bool)
	// OIDCGroups are the cluster's OIDC_GROUPS. A bearer user must belong
	// to one of them. Empty means no bearer user gets in, as in OSCAR.
	OIDCGroups []string
	// Admins are the subs in USERS_ADMIN (they see /system/status's admin
	// parts).
	Admins []string
	// ServerlessBackend registers POST /run (as SERVERLESS_BACKEND=knative).
	ServerlessBackend bool
	// Run answers POST /run for a service; nil echoes the body back.
	Run func(service string, body []byte, contentType string) (status int, outType string, out []byte)
	// Latency is added to every request.
	Latency time.Duration
	// CreateDelay is how long POST /system/services takes. Real OSCAR takes
	// 6 s or more (MinIO restart); the fake defaults to 50 ms so that tests
	// stay fast. Negative means no delay.
	CreateDelay time.Duration
	// JobListingLimit is the page size of job and object listings
	// (JOB_LISTING_LIMIT, default 70).
	JobListingLimit int
	// MaxBuckets is the per-user bucket-count quota (0: none). Creating a
	// bucket or a service bucket beyond it gives 403.
	MaxBuckets int
	// MinIODown simulates an OSCAR whose MinIO is unreachable: service
	// creation and the bucket routes fail with 500 as in oscar-api.md §1.4.
	MinIODown bool
	// Fault, if set, sees every request first; when it returns true it has
	// written the response itself and the fake does nothing else (its
	// response is not validated). Use it to inject errors, garbage, slow or
	// huge answers and redirects.
	Fault func(w http.ResponseWriter, r *http.Request) bool
	// Spec is the parsed contract; nil loads it with LoadSpec("").
	Spec *Spec
}

// Recorded is one request the fake received. Token holds the bearer token
// (tests assert which token a call used); Basic auth is recorded by kind
// only.
type Recorded struct {
	Method string
	Path   string
	Query  string
	// Auth is "basic", "bearer", "none" or "other".
	Auth    string
	Token   string
	Headers []string // canonical names of the request headers, sorted
	Body    []byte
}

// Violation is a contract violation: a request or a response that the
// OSCAR contract refuses.
type Violation struct {
	// Request is true for a refused request, false for a refused response
	// of the fake itself.
	Request bool
	Method  string
	Path    string
	Err     string
}

// String describes the violation for a test failure.
func (v Violation) String() string {
	side := "response"
	if v.Request {
		side = "request"
	}
	return fmt.Sprintf("%s %s %s: %s", side, v.Method, v.Path, v.Err)
}

// Server is a running fake OSCAR.
type Server struct {
	ts     *httptest.Server
	opts   Options
	spec   *Spec
	mux    *http.ServeMux
	secret []byte // signs presigned URLs

	mu         sync.Mutex
	services   map[string]*service
	jobs       map[string]map[string]*Job
	buckets    map[string]*bucket
	minioUsers map[string]string // sub -> MinIO secret key
	requests   []Recorded
	violations []Violation
}

// New starts a fake OSCAR. Like httptest.NewServer it panics when it cannot
// start (here: when the contract cannot be loaded); prefer NewT in tests.
func New(o Options) *Server {
	s, err := start(o)
	if err != nil {
		panic(err)
	}
	return s
}

// NewT starts a fake OSCAR for t and registers a cleanup that closes it
// and fails t if any contract violation was recorded.
func NewT(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := start(o)
	if err != nil {
		t.Fatalf("oscartest: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.Violations() {
			t.Errorf("oscartest: OSCAR contract violation: %s", v)
		}
	})
	return s
}

func start(o Options) (*Server, error) {
	if o.BasicUser == "" && o.BasicPassword == "" {
		o.BasicUser, o.BasicPassword = DefaultBasicUser, DefaultBasicPassword
	}
	if o.CreateDelay == 0 {
		o.CreateDelay = DefaultCreateDelay
	}
	if o.JobListingLimit <= 0 {
		o.JobListingLimit = DefaultJobListingLimit
	}
	spec := o.Spec
	if spec == nil {
		var err error
		if spec, err = LoadSpec(""); err != nil {
			return nil, err
		}
	}
	s := &Server{
		opts:       o,
		spec:       spec,
		secret:     []byte(randomHex(32)),
		services:   make(map[string]*service),
		jobs:       make(map[string]map[string]*Job),
		buckets:    make(map[string]*bucket),
		minioUsers: make(map[string]string),
	}
	s.mux = s.routes()
	s.ts = httptest.NewServer(s)
	return s, nil
}

// URL is the fake's base URL (http://127.0.0.1:port).
func (s *Server) URL() string { return s.ts.URL }

// Close shuts the fake down.
func (s *Server) Close() { s.ts.Close() }

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Violations returns the contract violations recorded so far.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// ResetViolations forgets the recorded violations, for tests that send
// invalid requests on purpose.
func (s *Server) ResetViolations() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = nil
}

// routes registers the OSCAR routes. Unknown paths get gin's plain
// "404 page not found".
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { writePlain(w, http.StatusNotFound, "404 page not found") })
	m.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { writePlain(w, http.StatusOK, "Ok") })
	m.HandleFunc("GET /system/info", s.info)
	m.HandleFunc("GET /system/config", s.config)
	m.HandleFunc("GET /system/status", s.status)
	m.HandleFunc("GET /system/quotas/user", s.userQuota)
	m.HandleFunc("GET /system/services", s.listServices)
	m.HandleFunc("POST /system/services", s.createService)
	m.HandleFunc("PUT /system/services", s.updateService)
	m.HandleFunc("GET /system/services/{name}", s.readService)
	m.HandleFunc("DELETE /system/services/{name}", s.deleteService)
	m.HandleFunc("GET /system/services/{name}/deployment", s.deployment)
	m.HandleFunc("GET /system/services/{name}/deployment/logs", s.deploymentLogs)
	m.HandleFunc("GET /system/logs/{name}", s.listJobs)
	m.HandleFunc("DELETE /system/logs/{name}", s.deleteJobs)
	m.HandleFunc("GET /system/logs/{name}/{job}", s.jobLog)
	m.HandleFunc("DELETE /system/logs/{name}/{job}", s.deleteJob)
	m.HandleFunc("POST /job/{name}", s.runJob)
	if s.opts.ServerlessBackend {
		m.HandleFunc("POST /run/{name}", s.run)
	}
	m.HandleFunc("GET /system/buckets", s.listBuckets)
	m.HandleFunc("POST /system/buckets", s.createBucket)
	m.HandleFunc("PUT /system/buckets", s.updateBucket)
	m.HandleFunc("GET /system/buckets/{bucket}", s.readBucket)
	m.HandleFunc("DELETE /system/buckets/{bucket}", s.deleteBucket)
	m.HandleFunc("POST /system/buckets/{bucket}/presign", s.presign)
	m.HandleFunc("PUT /minio/{bucket}/{key...}", s.minioPut)
	m.HandleFunc("GET /minio/{bucket}/{key...}", s.minioGet)
	m.HandleFunc("HEAD /minio/{bucket}/{key...}", s.minioHead)
	m.HandleFunc("DELETE /minio/{bucket}/{key...}", s.minioDelete)
	return m
}

// maxRequestBody bounds what the fake reads of a request.
const maxRequestBody = 64 << 20

// ServeHTTP records the request, applies Latency and Fault, validates the
// request against the contract, serves it, and validates the response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		writePlain(w, http.StatusBadRequest, "oscartest: cannot read body")
		return
	}
	s.record(r, body)
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if s.opts.Fault != nil && s.opts.Fault(w, r) {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	// The fake MinIO is not part of the OSCAR contract.
	if strings.HasPrefix(r.URL.Path, "/minio/") {
		s.mux.ServeHTTP(w, r)
		return
	}
	// Deviation §0.4.6: /run is in the contract but only registered with a
	// serverless backend; otherwise gin answers 404.
	if strings.HasPrefix(r.URL.Path, "/run/") && !s.opts.ServerlessBackend {
		writePlain(w, http.StatusNotFound, "404 page not found")
		return
	}
	route, params, err := s.spec.router.FindRoute(r)
	if err != nil {
		// Not in the contract: gin has no such route either.
		writePlain(w, http.StatusNotFound, "404 page not found")
		return
	}
	invocation := route.Path == "/job/{serviceName}" || route.Path == "/run/{serviceName}"
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			// Deviation: the contract types /job and /run bodies as a JSON
			// string, but OSCAR passes any body (a MinIO event object, a
			// file) to the service untouched.
			ExcludeRequestBody: invocation,
		},
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		s.violate(true, r, err.Error())
		writePlain(w, http.StatusBadRequest, requestErrorText(route.Path, body, err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, r)
	if err := s.checkResponse(r, route, params, rec); err != nil {
		s.violate(false, r, err.Error())
		writePlain(w, http.StatusInternalServerError, "oscartest: the fake's response violates the OSCAR contract: "+err.Error())
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (s *Server) record(r *http.Request, body []byte) {
	rec := Recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: "none", Body: slices.Clone(body)}
	for k := range r.Header {
		rec.Headers = append(rec.Headers, k)
	}
	sort.Strings(rec.Headers)
	if h := r.Header.Get("Authorization"); h != "" {
		switch {
		case strings.HasPrefix(h, "Bearer "):
			rec.Auth, rec.Token = "bearer", strings.TrimPrefix(h, "Bearer ")
		case strings.HasPrefix(h, "Basic "):
			rec.Auth = "basic"
		default:
			rec.Auth = "other"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rec)
}

func (s *Server) violate(request bool, r *http.Request, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, Violation{Request: request, Method: r.Method, Path: r.URL.Path, Err: msg})
}

// extraStatuses are statuses the real server answers that the contract
// does not list (oscar-api.md §0.4 item 2 and §1.2).
func extraStatus(method, path string, status int) bool {
	switch method + " " + path {
	case "POST /system/services":
		return status == http.StatusForbidden || status == http.StatusConflict
	case "GET /system/services/{serviceName}":
		return status == http.StatusBadRequest || status == http.StatusForbidden
	case "POST /job/{serviceName}":
		return status == http.StatusBadRequest || status == http.StatusForbidden || status == http.StatusBadGateway
	case "POST /system/buckets":
		return status == http.StatusForbidden
	case "DELETE /system/logs/{serviceName}/{jobName}":
		return status == http.StatusForbidden
	}
	return false
}

// checkResponse validates one response of the fake against the contract,
// allowing only the documented deviations of the real server.
func (s *Server) checkResponse(r *http.Request, route *routers.Route, params map[string]string, rec *httptest.ResponseRecorder) error {
	status, body := rec.Code, rec.Body.Bytes()
	ct := rec.Header().Get("Content-Type")
	// /run answers with whatever the service's container sends.
	if route.Path == "/run/{serviceName}" {
		return nil
	}
	declared := route.Operation.Responses.Status(status)
	fromMiddleware := rec.Header().Get(middlewareHeader) != ""
	rec.Header().Del(middlewareHeader)
	if status >= 400 {
		// Deviation §0.4.1: error bodies are plain text (or empty), never
		// the JSON the contract's produces lists suggest.
		if len(body) > 0 && !strings.HasPrefix(ct, "text/plain") {
			return fmt.Errorf("error body with Content-Type %q, want text/plain", ct)
		}
		if declared == nil && !fromMiddleware && !extraStatus(r.Method, route.Path, status) {
			return fmt.Errorf("status %d is not in the contract", status)
		}
		return nil
	}
	if declared == nil {
		return fmt.Errorf("status %d is not in the contract", status)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// Deviations §0.4.2 and §0.4.7: 201 with an empty body where the
		// contract names a string; 204s have no body by definition.
		if mt := declared.Value.Content.Get("application/json"); mt == nil || mt.Schema == nil || mt.Schema.Value.Type.Is("string") {
			return nil
		}
		// Deviation §0.4.8: an empty 200 when a bearer caller may not see
		// the service's jobs.
		if r.Method == http.MethodGet && route.Path == "/system/logs/{serviceName}" {
			return nil
		}
		return fmt.Errorf("empty %d body where the contract wants a document", status)
	}
	// Deviation §0.4.5: the bucket list is null when there are none.
	if r.Method == http.MethodGet && route.Path == "/system/buckets" && bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 status,
		Header:                 rec.Header(),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// requestErrorText is the 400 body for a request the contract refuses:
// for service bodies, gin's binding message as OSCAR sends it.
func requestErrorText(path string, body []byte, err error) string {
	if path == "/system/services" {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for _, f := range []string{"name", "image", "script"} {
				if _, ok := m[f]; !ok {
					return ginMessage(f, "required")
				}
			}
			if name, ok := m["name"].(string); ok && len(name) > 39 {
				return ginMessage("name", "max")
			}
			if name, ok := m["name"].(string); ok && name == "" {
				return ginMessage("name", "min")
			}
		}
	}
	return "oscartest: the request does not match the OSCAR contract: " + err.Error()
}

// ginMessage is gin's validation error text for a Service field.
func ginMessage(field, tag string) string {
	f := strings.ToUpper(field[:1]) + field[1:]
	return fmt.Sprintf("Key: 'Service.%s' Error:Field validation for '%s' failed on the '%s' tag", f, f, tag)
}

func writePlain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

// writeRaw writes a plain-text error body as OSCAR handlers that do not
// return after an error do: two texts glued together.
func writeRaw(w http.ResponseWriter, status int, parts ...string) {
	writePlain(w, status, strings.Join(parts, ""))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writePlain(w, http.StatusInternalServerError, "oscartest: encode: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
