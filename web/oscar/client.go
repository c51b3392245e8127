// Package oscar is the typed client for the OSCAR Manager REST API
// (grycap/oscar v4) that every screen of the console goes through.
//
// Users type the OSCAR endpoint themselves, so this package is the console's
// main security boundary against server-side request forgery: endpoints are
// parsed and normalised by ParseEndpoint under an operator Policy, and the
// Client's transport checks every resolved address when it dials (loopback,
// private, link-local and cloud-metadata, CGNAT, multicast and unspecified
// addresses are refused unless the operator allows private endpoints), never
// uses a proxy from the environment, never follows redirects, verifies TLS,
// bounds every wait and caps every response. Requests only go to the fixed
// set of OSCAR paths, carry only the Authorization, Accept and Content-Type
// headers, and credentials are passed per call (Creds) and never logged.
//
// Errors are *Error values classified by Kind, with OSCAR's plain-text error
// bodies reduced to plain words (see Error.UserMessage).
package oscar

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Creds are the credentials of one call: a bearer token (an EGI Check-in
// access token) when Token is set, otherwise HTTP Basic auth with User and
// Password (OSCAR's single admin account). They are never logged: String,
// GoString and LogValue hide the secrets.
type Creds struct {
	Token    string
	User     string
	Password string
}

// Bearer reports whether the credentials are a bearer token.
func (c Creds) Bearer() bool { return c.Token != "" }

// String describes the credentials without their secrets.
func (c Creds) String() string {
	switch {
	case c.Token != "":
		return "oscar.Creds{bearer}"
	case c.User != "" || c.Password != "":
		return fmt.Sprintf("oscar.Creds{basic user %q}", c.User)
	}
	return "oscar.Creds{none}"
}

// GoString is String, so that %#v does not print secrets either.
func (c Creds) GoString() string { return c.String() }

// LogValue keeps secrets out of slog output.
func (c Creds) LogValue() slog.Value { return slog.StringValue(c.String()) }

// authorization returns the Authorization header value, or "".
func (c Creds) authorization() string {
	if c.Token != "" {
		return "Bearer " + c.Token
	}
	if c.User != "" || c.Password != "" {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.User+":"+c.Password))
	}
	return ""
}

// identity is a one-way key for caches: it separates callers without
// keeping their secrets in memory in clear.
func (c Creds) identity() string {
	switch {
	case c.Token != "":
		return "bearer:" + hashString(c.Token)
	case c.User != "" || c.Password != "":
		return "basic:" + hashString(c.User+"\x00"+c.Password)
	}
	return "none"
}

// Defaults for Options.
const (
	DefaultMaxBody        = 10 << 20
	DefaultConnectTimeout = 5 * time.Second
	DefaultTimeout        = 15 * time.Second
	DefaultSlowTimeout    = 30 * time.Second
)

// Options configure a Client. Zero values take the defaults.
type Options struct {
	// Policy is the operator's endpoint policy.
	Policy Policy
	// Logger gets one Debug record per request (host, method, path,
	// status, duration; never credentials or query strings). Nil discards.
	Logger *slog.Logger
	// Observe, if set, is called after every request, for metrics. status
	// is 0 when no response arrived.
	Observe func(endpoint, op string, status int, d time.Duration)
	// MaxBody caps every buffered response (default 10 MiB).
	MaxBody int64
	// ConnectTimeout bounds connecting and the TLS handshake (default 5 s).
	ConnectTimeout time.Duration
	// Timeout bounds the wait for response headers (default 15 s).
	Timeout time.Duration
	// SlowTimeout replaces Timeout for creating, updating and deleting
	// services, which take 6 s or more in OSCAR (default 30 s).
	SlowTimeout time.Duration
}

// Client calls OSCAR endpoints. It is safe for concurrent use; build one
// with New and share it.
type Client struct {
	policy      Policy
	log         *slog.Logger
	observe     func(endpoint, op string, status int, d time.Duration)
	maxBody     int64
	timeout     time.Duration
	slowTimeout time.Duration
	fast        *http.Client
	slow        *http.Client
	now         func() time.Time

	mu       sync.Mutex
	features map[string]featuresEntry
}

// New builds a Client with a hardened transport.
func New(o Options) *Client {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.SlowTimeout <= 0 {
		o.SlowTimeout = DefaultSlowTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	pol := o.Policy
	pol.Allowed = append([]string(nil), o.Policy.Allowed...)
	return &Client{
		policy:      pol,
		log:         o.Logger,
		observe:     o.Observe,
		maxBody:     o.MaxBody,
		timeout:     o.Timeout,
		slowTimeout: o.SlowTimeout,
		fast:        newHTTPClient(pol, o.ConnectTimeout, o.Timeout),
		slow:        newHTTPClient(pol, o.ConnectTimeout, o.SlowTimeout),
		now:         time.Now,
		features:    make(map[string]featuresEntry),
	}
}

// newHTTPClient builds the hardened http.Client: addresses are checked at
// dial time (after DNS resolution, so a name that resolves to a private
// address is refused too), no proxy, TLS verification on, no redirects.
func newHTTPClient(p Policy, connect, headers time.Duration) *http.Client {
	d := &net.Dialer{
		Timeout:   connect,
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			return checkDialAddr(p, address)
		},
	}
	t := &http.Transport{
		Proxy:                  nil, // never HTTP(S)_PROXY: it would bypass the address checks
		DialContext:            d.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    connect,
		ResponseHeaderTimeout:  headers,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true, // no Accept-Encoding header, no decompression bombs
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    64,
		IdleConnTimeout:        60 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport: t,
		// A redirect is reported as an error (Kind Redirect): following one
		// would let an endpoint send the console, with the user's
		// credentials, anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// call describes one request to an OSCAR endpoint.
type call struct {
	op          string   // for errors, logs and metrics: "list services"
	method      string   // HTTP method
	path        []string // fixed path segments and validated names
	query       url.Values
	body        []byte // nil: no body
	contentType string
	auth        string // Authorization header value
	slow        bool   // use the SlowTimeout
	subject     string // the service or bucket the call is about
	accept      string
}

// response is a buffered response.
type response struct {
	status      int
	contentType string
	body        []byte
}

// checkEndpoint re-validates ep: an Endpoint built by conversion instead of
// ParseEndpoint must not bypass the policy.
func (c *Client) checkEndpoint(op string, ep Endpoint) error {
	norm, err := ParseEndpoint(string(ep), c.policy)
	if err != nil {
		return &Error{Op: op, Kind: Refused, Host: ep.Host(), Message: strings.TrimPrefix(err.Error(), ErrEndpoint.Error()+": "), Err: err}
	}
	if norm != ep {
		return &Error{Op: op, Kind: Refused, Host: ep.Host(), Message: "the endpoint is not normalised (use ParseEndpoint)"}
	}
	return nil
}

// segment validates a name used as one path segment (service, job or
// bucket name) and escapes it. Names with slashes or dot segments could
// reach other OSCAR paths.
func segment(what, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%s is empty", what)
	}
	if len(name) > 253 {
		return "", fmt.Errorf("%s is too long", what)
	}
	if name == "." || name == ".." {
		return "", fmt.Errorf("%s %q is not valid", what, name)
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || r == '/' || r == '\\' || r == '?' || r == '#' || r == '%' {
			return "", fmt.Errorf("%s %q contains characters that are not allowed", what, name)
		}
	}
	return url.PathEscape(name), nil
}

// badName returns the *Error for a name segment refusal: no request is made.
func badName(op string, ep Endpoint, err error) *Error {
	return &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: err.Error()}
}

// buildURL joins the endpoint and the (already escaped) segments.
func buildURL(ep Endpoint, segs []string, q url.Values) (*url.URL, error) {
	s, err := url.JoinPath(string(ep), segs...)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// do performs a call against ep and buffers the response (at most
// MaxBody). Non-2xx statuses become *Error values.
func (c *Client) do(ctx context.Context, ep Endpoint, k call) (*response, error) {
	if err := c.checkEndpoint(k.op, ep); err != nil {
		return nil, err
	}
	u, err := buildURL(ep, k.path, k.query)
	if err != nil {
		return nil, &Error{Op: k.op, Kind: Refused, Host: ep.Host(), Message: "the request URL could not be built", Err: err}
	}
	timeout, hc := c.timeout, c.fast
	if k.slow {
		timeout, hc = c.slowTimeout, c.slow
	}
	// The transport bounds the wait for headers; this bounds the body too.
	ctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()

	var body io.Reader
	if k.body != nil {
		body = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), body)
	if err != nil {
		return nil, &Error{Op: k.op, Kind: Refused, Host: ep.Host(), Message: "the request could not be built", Err: err}
	}
	setHeaders(req, k.auth, k.accept, k.contentType)

	start := c.now()
	resp, err := hc.Do(req)
	if err != nil {
		c.record(ctx, ep, k.op, req, 0, start)
		return nil, transportError(k.op, ep.Host(), err)
	}
	defer resp.Body.Close()
	data, tooLarge, rerr := readCapped(resp.Body, c.maxBody)
	c.record(ctx, ep, k.op, req, resp.StatusCode, start)
	if rerr != nil {
		return nil, transportError(k.op, ep.Host(), rerr)
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, redirectError(k.op, ep.Host(), resp)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if tooLarge {
			data = data[:min(len(data), 4096)]
		}
		return nil, statusError(k.op, ep.Host(), resp.StatusCode, data, k.subject)
	}
	if tooLarge {
		return nil, &Error{Op: k.op, Kind: TooLarge, Status: resp.StatusCode, Host: ep.Host(),
			Message: fmt.Sprintf("the answer is larger than %d bytes", c.maxBody)}
	}
	return &response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: data}, nil
}

// setHeaders sets the only request headers the client sends. The empty
// User-Agent makes net/http omit its default one.
func setHeaders(req *http.Request, auth, accept, contentType string) {
	req.Header = http.Header{}
	req.Header["User-Agent"] = []string{""}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
}

// record logs and observes one finished request. The path is logged
// without the query string (presigned URLs carry signatures there).
func (c *Client) record(ctx context.Context, ep Endpoint, op string, req *http.Request, status int, start time.Time) {
	d := c.now().Sub(start)
	c.log.DebugContext(ctx, "oscar request", "host", req.URL.Host, "method", req.Method,
		"path", req.URL.EscapedPath(), "op", op, "status", status, "duration", d)
	if c.observe != nil {
		c.observe(string(ep), op, status, d)
	}
}

// readCapped reads at most limit bytes; tooLarge reports that more were
// available.
func readCapped(r io.Reader, limit int64) (data []byte, tooLarge bool, err error) {
	data, err = io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(data)) > limit {
		return data[:limit], true, err
	}
	return data, false, err
}

// transportError classifies an error from http.Client.Do or from reading
// a body.
func transportError(op, host string, err error) *Error {
	// *url.Error repeats the full URL, and a presigned URL carries its
	// signature in the query: keep only the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	e := &Error{Op: op, Host: host, Err: err, Kind: Unreachable}
	var ref *refusedError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var netErr net.Error
	switch {
	case errors.As(err, &ref):
		e.Kind = Refused
		e.Message = ref.why + " addresses are not allowed (" + ref.addr + ")"
	case errors.Is(err, context.Canceled):
		e.Message = "the request was cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind = Timeout
		e.Message = "no answer in time"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = Timeout
		e.Message = "no answer in time"
	case errors.As(err, &dnsErr):
		e.Message = "the host name could not be resolved"
	case errors.As(err, &certErr):
		e.Message = "its TLS certificate is not valid"
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Message = "the connection was refused"
	default:
		e.Message = "the connection failed"
	}
	return e
}

// redirectError reports a 3xx answer. The Location is not repeated: it
// may carry tokens, and it is not somewhere the console will go.
func redirectError(op, host string, resp *http.Response) *Error {
	return &Error{Op: op, Kind: Redirect, Status: resp.StatusCode, Host: host, Message: "OSCAR answered with a redirect"}
}

// decode unmarshals a JSON response body.
func decode(op, host string, r *response, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return &Error{Op: op, Kind: Garbage, Status: r.status, Host: host, Message: "the answer is not the expected JSON", Err: err}
	}
	return nil
}

// getJSON performs a GET and decodes the JSON answer into v.
func (c *Client) getJSON(ctx context.Context, ep Endpoint, cr Creds, op string, path []string, q url.Values, v any) error {
	r, err := c.do(ctx, ep, call{op: op, method: http.MethodGet, path: path, query: q, auth: cr.authorization(), accept: "application/json"})
	if err != nil {
		return err
	}
	return decode(op, ep.Host(), r, v)
}

// sendJSON performs a request with a JSON body and ignores the answer's
// body.
func (c *Client) sendJSON(ctx context.Context, ep Endpoint, cr Creds, k call, v any) (*response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &Error{Op: k.op, Kind: BadInput, Host: ep.Host(), Message: "the request could not be encoded", Err: err}
	}
	k.body, k.contentType, k.auth = b, "application/json", cr.authorization()
	if k.accept == "" {
		k.accept = "application/json"
	}
	return c.do(ctx, ep, k)
}

// Info returns GET /system/info.
func (c *Client) Info(ctx context.Context, ep Endpoint, cr Creds) (*Info, error) {
	var v Info
	if err := c.getJSON(ctx, ep, cr, "get info", []string{"system", "info"}, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Config returns GET /system/config. Its MinIOProvider holds MinIO
// credentials in clear text: never cache, log or show them casually. A
// bearer caller's first call provisions their MinIO account on OSCAR.
func (c *Client) Config(ctx context.Context, ep Endpoint, cr Creds) (*ConfigForUser, error) {
	var v ConfigForUser
	if err := c.getJSON(ctx, ep, cr, "get config", []string{"system", "config"}, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func includeQuery(includeDeployment bool) url.Values {
	if !includeDeployment {
		return nil
	}
	return url.Values{"include": {"deployment"}}
}

// Services returns GET /system/services: every service the caller may see
// (a bearer caller only sees the services their visibility allows).
func (c *Client) Services(ctx context.Context, ep Endpoint, cr Creds, includeDeployment bool) ([]Service, error) {
	var v []Service
	if err := c.getJSON(ctx, ep, cr, "list services", []string{"system", "services"}, includeQuery(includeDeployment), &v); err != nil {
		return nil, err
	}
	if v == nil {
		v = []Service{}
	}
	return v, nil
}

// Service returns GET /system/services/{name}.
func (c *Client) Service(ctx context.Context, ep Endpoint, cr Creds, name string, includeDeployment bool) (*Service, error) {
	const op = "get service"
	seg, err := segment("service name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	var v Service
	if err := c.getJSON(ctx, ep, cr, op, []string{"system", "services", seg}, includeQuery(includeDeployment), &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// CreateService creates a service (POST /system/services). OSCAR answers
// 201 with an empty body after 6 s or more; the SlowTimeout applies.
func (c *Client) CreateService(ctx context.Context, ep Endpoint, cr Creds, s *Service) error {
	const op = "create service"
	if s == nil {
		return &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: "no service given"}
	}
	_, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPost, path: []string{"system", "services"}, slow: true, subject: s.Name}, s)
	return err
}

// UpdateService replaces a service (PUT /system/services). OSCAR's PUT is
// a full replace, not a patch: pass the Service returned by Client.Service
// with the edits applied, so that owner, token and unknown fields are kept
// (a Basic-auth PUT without owner leaves the service without one). Note
// that GET blanks Environment.Secrets; sending them back blank sets them
// blank. The SlowTimeout applies.
func (c *Client) UpdateService(ctx context.Context, ep Endpoint, cr Creds, s *Service) error {
	const op = "update service"
	if s == nil {
		return &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: "no service given"}
	}
	_, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPut, path: []string{"system", "services"}, slow: true, subject: s.Name}, s)
	return err
}

// DeleteService deletes a service (DELETE /system/services/{name}),
// including its input and output buckets and their contents. It may
// restart OSCAR's MinIO, so the SlowTimeout applies.
func (c *Client) DeleteService(ctx context.Context, ep Endpoint, cr Creds, name string) error {
	const op = "delete service"
	seg, err := segment("service name", name)
	if err != nil {
		return badName(op, ep, err)
	}
	_, err = c.do(ctx, ep, call{op: op, method: http.MethodDelete, path: []string{"system", "services", seg}, auth: cr.authorization(), slow: true, subject: name})
	return err
}

// Deployment returns GET /system/services/{name}/deployment.
func (c *Client) Deployment(ctx context.Context, ep Endpoint, cr Creds, name string) (*DeploymentStatus, error) {
	const op = "get deployment"
	seg, err := segment("service name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	var v DeploymentStatus
	if err := c.getJSON(ctx, ep, cr, op, []string{"system", "services", seg, "deployment"}, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// DeploymentLogs returns GET /system/services/{name}/deployment/logs.
// tailLines <= 0 uses OSCAR's default (200).
func (c *Client) DeploymentLogs(ctx context.Context, ep Endpoint, cr Creds, name string, tailLines int, timestamps bool) (*DeploymentLogStream, error) {
	const op = "get deployment logs"
	seg, err := segment("service name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	q := url.Values{}
	if tailLines > 0 {
		q.Set("tailLines", strconv.Itoa(tailLines))
	}
	if timestamps {
		q.Set("timestamps", "true")
	}
	var v DeploymentLogStream
	if err := c.getJSON(ctx, ep, cr, op, []string{"system", "services", seg, "deployment", "logs"}, q, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Jobs returns one page of a service's jobs (GET /system/logs/{svc}); page
// is "" for the first page, then JobsResponse.NextPage. A bearer caller
// only sees their own jobs. OSCAR answers 200 with an empty body when the
// caller may not see the service; that becomes a Forbidden *Error.
func (c *Client) Jobs(ctx context.Context, ep Endpoint, cr Creds, svc, page string) (*JobsResponse, error) {
	const op = "list jobs"
	seg, err := segment("service name", svc)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	var q url.Values
	if page != "" {
		q = url.Values{"page": {page}}
	}
	r, err := c.do(ctx, ep, call{op: op, method: http.MethodGet, path: []string{"system", "logs", seg}, query: q, auth: cr.authorization(), accept: "application/json", subject: svc})
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil, &Error{Op: op, Kind: Forbidden, Status: r.status, Host: ep.Host(), Message: "you may not see the jobs of this service"}
	}
	var v JobsResponse
	if err := decode(op, ep.Host(), r, &v); err != nil {
		return nil, err
	}
	if v.Jobs == nil {
		v.Jobs = map[string]JobInfo{}
	}
	return &v, nil
}

// JobLog returns the plain-text log of one job
// (GET /system/logs/{svc}/{job}), at most Options.MaxBody bytes.
func (c *Client) JobLog(ctx context.Context, ep Endpoint, cr Creds, svc, job string, timestamps bool) (string, error) {
	const op = "get job log"
	s1, err := segment("service name", svc)
	if err != nil {
		return "", badName(op, ep, err)
	}
	s2, err := segment("job name", job)
	if err != nil {
		return "", badName(op, ep, err)
	}
	var q url.Values
	if timestamps {
		q = url.Values{"timestamps": {"true"}}
	}
	r, err := c.do(ctx, ep, call{op: op, method: http.MethodGet, path: []string{"system", "logs", s1, s2}, query: q, auth: cr.authorization(), accept: "text/plain"})
	if err != nil {
		return "", err
	}
	return string(r.body), nil
}

// DeleteJob deletes one job and its pod (DELETE /system/logs/{svc}/{job}).
func (c *Client) DeleteJob(ctx context.Context, ep Endpoint, cr Creds, svc, job string) error {
	const op = "delete job"
	s1, err := segment("service name", svc)
	if err != nil {
		return badName(op, ep, err)
	}
	s2, err := segment("job name", job)
	if err != nil {
		return badName(op, ep, err)
	}
	_, err = c.do(ctx, ep, call{op: op, method: http.MethodDelete, path: []string{"system", "logs", s1, s2}, auth: cr.authorization()})
	return err
}

// DeleteJobs deletes a service's jobs (DELETE /system/logs/{svc}). With
// all false OSCAR deletes only the succeeded jobs; with all true it deletes
// every job, including pending, running and failed ones.
func (c *Client) DeleteJobs(ctx context.Context, ep Endpoint, cr Creds, svc string, all bool) error {
	const op = "delete jobs"
	seg, err := segment("service name", svc)
	if err != nil {
		return badName(op, ep, err)
	}
	var q url.Values
	if all {
		q = url.Values{"all": {"true"}}
	}
	_, err = c.do(ctx, ep, call{op: op, method: http.MethodDelete, path: []string{"system", "logs", seg}, query: q, auth: cr.authorization()})
	return err
}

// invocationAuth picks the bearer token for /job and /run: the service
// token if given, else the user's OIDC token. OSCAR refuses Basic auth
// there, and the admin password must not be sent where it is useless.
func invocationAuth(op string, ep Endpoint, cr Creds, serviceToken string) (string, error) {
	tok := serviceToken
	if tok == "" {
		tok = cr.Token
	}
	if tok == "" {
		return "", &Error{Op: op, Kind: Unauthorized, Host: ep.Host(),
			Message: "invoking a service needs its token or an EGI Check-in sign-in; OSCAR does not accept the admin password here"}
	}
	return "Bearer " + tok, nil
}

// invocationBody buffers an invocation body (at most MaxBody) and picks a
// content type OSCAR accepts (JSON or octet-stream).
func (c *Client) invocationBody(op string, ep Endpoint, body io.Reader, contentType string) ([]byte, string, error) {
	var data []byte
	if body != nil {
		var tooLarge bool
		var err error
		data, tooLarge, err = readCapped(body, c.maxBody)
		if err != nil {
			return nil, "", &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: "the input could not be read", Err: err}
		}
		if tooLarge {
			return nil, "", &Error{Op: op, Kind: TooLarge, Host: ep.Host(), Message: fmt.Sprintf("the input is larger than %d bytes", c.maxBody)}
		}
	}
	if data == nil {
		data = []byte{}
	}
	if contentType != "" {
		mt, params, err := mime.ParseMediaType(contentType)
		if err != nil {
			return nil, "", &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: "the content type is not valid"}
		}
		return data, mime.FormatMediaType(mt, params), nil
	}
	if len(data) > 0 && json.Valid(data) {
		return data, "application/json", nil
	}
	return data, "application/octet-stream", nil
}

// RunJob invokes a service asynchronously (POST /job/{svc}): OSCAR creates
// a job and answers 201 without its name (poll Jobs and compare). The
// bearer token is serviceToken if not empty, else cr.Token; Basic auth is
// never sent here. body (at most MaxBody) becomes the job's EVENT.
func (c *Client) RunJob(ctx context.Context, ep Endpoint, cr Creds, svc, serviceToken string, body io.Reader) error {
	const op = "run job"
	seg, err := segment("service name", svc)
	if err != nil {
		return badName(op, ep, err)
	}
	auth, err := invocationAuth(op, ep, cr, serviceToken)
	if err != nil {
		return err
	}
	data, ct, err := c.invocationBody(op, ep, body, "")
	if err != nil {
		return err
	}
	_, err = c.do(ctx, ep, call{op: op, method: http.MethodPost, path: []string{"job", seg}, body: data, contentType: ct, auth: auth, subject: svc})
	return err
}

// RunResult is the answer of a synchronous invocation: the service's own
// status, content type and output (at most MaxBody bytes; Truncated tells
// that there was more).
type RunResult struct {
	Status      int
	ContentType string
	Body        []byte
	Truncated   bool
}

// Run invokes a service synchronously (POST /run/{svc}, only on clusters
// with a serverless backend: see Features.Run) and returns the service's
// answer. The bearer token is token if not empty, else cr.Token; Basic auth
// is never sent here. contentType "" picks JSON or octet-stream from body.
// For a non-2xx status Run returns both the result and an *Error.
func (c *Client) Run(ctx context.Context, ep Endpoint, cr Creds, svc, token string, body io.Reader, contentType string) (*RunResult, error) {
	const op = "run service"
	seg, err := segment("service name", svc)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	if err := c.checkEndpoint(op, ep); err != nil {
		return nil, err
	}
	auth, err := invocationAuth(op, ep, cr, token)
	if err != nil {
		return nil, err
	}
	data, ct, err := c.invocationBody(op, ep, body, contentType)
	if err != nil {
		return nil, err
	}
	u, err := buildURL(ep, []string{"run", seg}, nil)
	if err != nil {
		return nil, &Error{Op: op, Kind: Refused, Host: ep.Host(), Message: "the request URL could not be built", Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*c.slowTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(data))
	if err != nil {
		return nil, &Error{Op: op, Kind: Refused, Host: ep.Host(), Message: "the request could not be built", Err: err}
	}
	setHeaders(req, auth, "*/*", ct)
	start := c.now()
	// A synchronous service may take a while to answer (cold start).
	resp, err := c.slow.Do(req)
	if err != nil {
		c.record(ctx, ep, op, req, 0, start)
		return nil, transportError(op, ep.Host(), err)
	}
	defer resp.Body.Close()
	out, truncated, rerr := readCapped(resp.Body, c.maxBody)
	c.record(ctx, ep, op, req, resp.StatusCode, start)
	if rerr != nil {
		return nil, transportError(op, ep.Host(), rerr)
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, redirectError(op, ep.Host(), resp)
	}
	res := &RunResult{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: out, Truncated: truncated}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return res, statusError(op, ep.Host(), resp.StatusCode, out[:min(len(out), 4096)], svc)
	}
	return res, nil
}

// Buckets returns GET /system/buckets: the buckets the caller may see.
// OSCAR's "null" for none becomes an empty slice.
func (c *Client) Buckets(ctx context.Context, ep Endpoint, cr Creds) ([]Bucket, error) {
	var v []Bucket
	if err := c.getJSON(ctx, ep, cr, "list buckets", []string{"system", "buckets"}, nil, &v); err != nil {
		return nil, err
	}
	if v == nil {
		v = []Bucket{}
	}
	return v, nil
}

// Bucket returns one page of a bucket's objects
// (GET /system/buckets/{name}); page is "" first, then NextPage.
func (c *Client) Bucket(ctx context.Context, ep Endpoint, cr Creds, name, page string) (*BucketListResponse, error) {
	const op = "get bucket"
	seg, err := segment("bucket name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	var q url.Values
	if page != "" {
		q = url.Values{"page": {page}}
	}
	var v BucketListResponse
	if err := c.getJSON(ctx, ep, cr, op, []string{"system", "buckets", seg}, q, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// CreateBucket creates a bucket (POST /system/buckets); b.Name may be
// "bucket/folder".
func (c *Client) CreateBucket(ctx context.Context, ep Endpoint, cr Creds, b *Bucket) error {
	const op = "create bucket"
	if b == nil {
		return &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: "no bucket given"}
	}
	_, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPost, path: []string{"system", "buckets"}, subject: b.Name}, b)
	return err
}

// UpdateBucket changes a bucket's visibility and allowed users
// (PUT /system/buckets). OSCAR refuses it for service buckets.
func (c *Client) UpdateBucket(ctx context.Context, ep Endpoint, cr Creds, b *Bucket) error {
	const op = "update bucket"
	if b == nil {
		return &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: "no bucket given"}
	}
	_, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPut, path: []string{"system", "buckets"}, subject: b.Name}, b)
	return err
}

// DeleteBucket deletes a bucket (DELETE /system/buckets/{name}).
func (c *Client) DeleteBucket(ctx context.Context, ep Endpoint, cr Creds, name string) error {
	const op = "delete bucket"
	seg, err := segment("bucket name", name)
	if err != nil {
		return badName(op, ep, err)
	}
	_, err = c.do(ctx, ep, call{op: op, method: http.MethodDelete, path: []string{"system", "buckets", seg}, auth: cr.authorization(), subject: name})
	return err
}

// Presign asks OSCAR for a presigned MinIO URL
// (POST /system/buckets/{bucket}/presign). Use PutObject or GetObject with
// the answer.
func (c *Client) Presign(ctx context.Context, ep Endpoint, cr Creds, bucket string, pr PresignRequest) (*PresignResponse, error) {
	const op = "presign"
	seg, err := segment("bucket name", bucket)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	r, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPost, path: []string{"system", "buckets", seg, "presign"}, subject: bucket}, pr)
	if err != nil {
		return nil, err
	}
	var v PresignResponse
	if err := decode(op, ep.Host(), r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Status returns GET /system/status.
func (c *Client) Status(ctx context.Context, ep Endpoint, cr Creds) (*StatusInfo, error) {
	var v StatusInfo
	if err := c.getJSON(ctx, ep, cr, "get status", []string{"system", "status"}, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// UserQuota returns GET /system/quotas/user, the caller's quotas. OSCAR
// only answers it for bearer callers (Basic gives 401).
func (c *Client) UserQuota(ctx context.Context, ep Endpoint, cr Creds) (*QuotaResponse, error) {
	var v QuotaResponse
	if err := c.getJSON(ctx, ep, cr, "get quota", []string{"system", "quotas", "user"}, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
