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
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/oscarconsole/oscar-console/web/lru"
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

// checkedEndpoints bounds the endpoints a Client remembers as checked.
const checkedEndpoints = 256

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
	// S3Endpoint, if set, replaces Amazon S3's endpoint for a region
	// (https://s3.<region>.amazonaws.com) when browsing a service's S3
	// storage; tests point it at a fake. The policy applies to its answer.
	S3Endpoint func(region string) string
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
	s3URL       func(region string) string

	lists *listCache // summaries of recent service lists (ServiceSummaries)
	// checked holds endpoints that checkEndpoint found normalised and within the policy (which does
	// not change), so that a call does not parse its endpoint again.
	checked *lru.Cache[struct{}]

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
		s3URL:       o.S3Endpoint,
		fast:        newHTTPClient(pol, o.ConnectTimeout, o.Timeout),
		slow:        newHTTPClient(pol, o.ConnectTimeout, o.SlowTimeout),
		now:         time.Now,
		features:    make(map[string]featuresEntry),
		lists:       newListCache(),
		checked:     lru.New[struct{}](checkedEndpoints, checkedEndpoints),
	}
}

// HardenedHTTPClient is the transport of every outbound call the console
// makes beyond OSCAR (the Hub, app templates): the same address checks,
// no proxy, TLS verification, no redirects and bounded waits as OSCAR
// calls get. connect bounds connecting and the TLS handshake, headers the
// wait for response headers.
func HardenedHTTPClient(p Policy, connect, headers time.Duration) *http.Client {
	p.Allowed = append([]string(nil), p.Allowed...)
	return newHTTPClient(p, connect, headers)
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
