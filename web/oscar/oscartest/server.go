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
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
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
	// NoVolumes turns managed volumes off (VOLUME_ENABLE=false): /system/config says so and the
	// /system/volumes routes do not exist.
	NoVolumes bool
	// MinIODown simulates an OSCAR whose MinIO is unreachable: service
	// creation and the bucket routes fail with 500 as in oscar-api.md §1.4.
	MinIODown bool
	// HTTPRoute is EXPOSED_SERVICES_ROUTE_KIND=httproute: exposed services may use forward auth.
	HTTPRoute bool
	// DeploymentSettle is how many reads of a deployment state a /start or /restart takes to
	// become ready (default DefaultDeploymentSettle; negative: ready on the first read after it).
	DeploymentSettle int
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
	volumes    map[string]map[string]*volume // namespace -> name -> volume
	jobs       map[string]map[string]*Job
	buckets    map[string]*bucket
	minioUsers map[string]string           // sub -> MinIO secret key
	uploads    map[string]*multipartUpload // S3 multipart uploads in progress, by upload ID
	usage      []Usage                     // what /system/metrics reports (metrics.go)
	quotas     map[string]*Quota           // users' ClusterQueues and MinIO quotas (admin.go)
	managerLog []string                    // the OSCAR manager pod's log (admin.go)
	nodes      []Node                      // the cluster's nodes (status.go)
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
		volumes:    make(map[string]map[string]*volume),
		jobs:       make(map[string]map[string]*Job),
		buckets:    make(map[string]*bucket),
		minioUsers: make(map[string]string),
		uploads:    make(map[string]*multipartUpload),
		quotas:     make(map[string]*Quota),
		nodes:      []Node{DefaultNode},
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
func (s *Server) Requests() []Recorded { return cloneLocked(&s.mu, &s.requests) }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { resetLocked(&s.mu, &s.requests) }

// Violations returns the contract violations recorded so far.
func (s *Server) Violations() []Violation { return cloneLocked(&s.mu, &s.violations) }

// ResetViolations forgets the recorded violations, for tests that send
// invalid requests on purpose.
func (s *Server) ResetViolations() { resetLocked(&s.mu, &s.violations) }

// cloneLocked copies *list under mu.
func cloneLocked[T any](mu *sync.Mutex, list *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(*list)
}

// resetLocked empties *list under mu.
func resetLocked[T any](mu *sync.Mutex, list *[]T) {
	mu.Lock()
	defer mu.Unlock()
	*list = nil
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
	m.HandleFunc("POST /system/services", s.createService)
	m.HandleFunc("POST /job/{name}", s.runJob)
	m.HandleFunc("POST /system/buckets/{bucket}/presign", s.presign)
	m.HandleFunc("PUT /minio/{bucket}/{key...}", s.minioPut)
	m.HandleFunc("GET /minio/{bucket}/{key...}", s.minioGet)
	m.HandleFunc("HEAD /minio/{bucket}/{key...}", s.minioHead)
	m.HandleFunc("DELETE /minio/{bucket}/{key...}", s.minioDelete)
	m.HandleFunc("POST /minio/{bucket}/{key...}", s.minioPost)
	// The routes served for an authenticated caller with s.mu held.
	for pattern, h := range map[string]callerHandler{
		"GET /system/services":                        s.listServices,
		"PUT /system/services":                        s.updateService,
		"GET /system/services/{name}":                 s.readService,
		"DELETE /system/services/{name}":              s.deleteService,
		"GET /system/services/{name}/deployment":      s.deployment,
		"GET /system/services/{name}/deployment/logs": s.deploymentLogs,
		"POST /system/services/{name}/stop":           s.lifecycle("stop"),
		"POST /system/services/{name}/start":          s.lifecycle("start"),
		"POST /system/services/{name}/restart":        s.lifecycle("restart"),
		"GET /system/logs/{name}":                     s.listJobs,
		"DELETE /system/logs/{name}":                  s.deleteJobs,
		"GET /system/logs/{name}/{job}":               s.jobLog,
		"DELETE /system/logs/{name}/{job}":            s.deleteJob,
		"GET /system/volumes":                         s.listVolumes,
		"POST /system/volumes":                        s.createVolume,
		"GET /system/volumes/{name}":                  s.readVolume,
		"DELETE /system/volumes/{name}":               s.deleteVolume,
		"GET /system/metrics":                         s.metricsSummary,
		"GET /system/metrics/breakdown":               s.metricsBreakdown,
		"GET /system/metrics/{name}":                  s.serviceMetrics,
		"GET /system/quotas/user/{user}":              s.adminQuota,
		"PUT /system/quotas/user/{user}":              s.adminQuota,
		"GET /system/logs":                            s.managerLogs,
		"GET /system/federation/{name}":               s.readFederation,
		"POST /system/federation/{name}":              s.changeFederation(addMembers),
		"PUT /system/federation/{name}":               s.changeFederation(updateMembers),
		"DELETE /system/federation/{name}":            s.changeFederation(removeMembers),
	} {
		m.HandleFunc(pattern, s.asCaller(h))
	}
	// The same for bucket routes, which fail while MinIO is down.
	for pattern, h := range map[string]callerHandler{
		"GET /system/buckets":             s.listBuckets,
		"POST /system/buckets":            s.createBucket,
		"PUT /system/buckets":             s.updateBucket,
		"GET /system/buckets/{bucket}":    s.readBucket,
		"DELETE /system/buckets/{bucket}": s.deleteBucket,
	} {
		m.HandleFunc(pattern, s.asBucketCaller(h))
	}
	if s.opts.ServerlessBackend {
		m.HandleFunc("POST /run/{name}", s.run)
	}
	return m
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
