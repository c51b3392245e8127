package oscar

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

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
	// stream, when set, reads a successful answer straight from the connection (within MaxBody)
	// instead of it being buffered: long lists are decoded as they arrive.
	stream func(io.Reader) error
}

// response is a buffered response.
type response struct {
	status      int
	contentType string
	body        []byte
	truncated   bool // the answer was longer than MaxBody; body holds its start
	decoded     bool // a successful answer went to call.stream; body is empty
}

// checkEndpoint re-validates ep: an Endpoint built by conversion instead of
// ParseEndpoint must not bypass the policy.
func (c *Client) checkEndpoint(op string, ep Endpoint) error {
	if _, ok := c.checked.Get(string(ep)); ok {
		return nil
	}
	norm, err := ParseEndpoint(string(ep), c.policy)
	if err != nil {
		return &Error{Op: op, Kind: Refused, Host: ep.Host(), Message: strings.TrimPrefix(err.Error(), ErrEndpoint.Error()+": "), Err: err}
	}
	if norm != ep {
		return &Error{Op: op, Kind: Refused, Host: ep.Host(), Message: "the endpoint is not normalised (use ParseEndpoint)"}
	}
	c.checked.Put(string(ep), struct{}{}, 1)
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

// queryIf returns the query key=value when on, else no query.
func queryIf(on bool, key, value string) url.Values {
	if !on {
		return nil
	}
	return url.Values{key: {value}}
}

// buildURL joins the endpoint (normalised: no trailing slash, no query) and the segments, each a
// constant or a name that segment validated and escaped, so the path cannot climb out of the
// endpoint's prefix. It returns a string: http.NewRequestWithContext parses it once.
func buildURL(ep Endpoint, segs []string, q url.Values) string {
	var b strings.Builder
	n := len(ep)
	for _, s := range segs {
		n += 1 + len(s)
	}
	b.Grow(n)
	b.WriteString(string(ep))
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(s)
	}
	if len(q) > 0 {
		b.WriteByte('?')
		b.WriteString(q.Encode())
	}
	return b.String()
}

// do performs a call against ep and buffers the response (at most
// MaxBody). Non-2xx statuses become *Error values.
func (c *Client) do(ctx context.Context, ep Endpoint, k call) (*response, error) {
	if err := c.checkEndpoint(k.op, ep); err != nil {
		return nil, err
	}
	r, err := c.exchange(ctx, ep, k)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		data := r.body
		if r.truncated {
			data = data[:min(len(data), 4096)]
		}
		return nil, statusError(k.op, ep.Host(), r.status, data, k.subject)
	}
	if r.truncated {
		return nil, &Error{Op: k.op, Kind: TooLarge, Status: r.status, Host: ep.Host(),
			Message: fmt.Sprintf("the answer is larger than %d bytes", c.maxBody)}
	}
	return r, nil
}

// exchange sends k to ep, which the caller has checked, and buffers at most
// MaxBody bytes of the answer (truncated reports that there was more). A
// failed connection or a redirect becomes an *Error; any other status is
// returned for the caller to judge.
func (c *Client) exchange(ctx context.Context, ep Endpoint, k call) (*response, error) {
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
	req, err := http.NewRequestWithContext(ctx, k.method, buildURL(ep, k.path, k.query), body)
	if err != nil {
		return nil, &Error{Op: k.op, Kind: Refused, Host: ep.Host(), Message: "the request could not be built", Err: err}
	}
	setHeaders(req, k.auth, k.accept, k.contentType)

	start := c.now()
	resp, err := hc.Do(req)
	if err != nil {
		c.record(ctx, ep, k.op, req, 0, start)
		c.logRefused(ctx, ep.Host(), err)
		return nil, transportError(k.op, ep.Host(), err)
	}
	defer resp.Body.Close()
	if k.stream != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return c.decodeStream(ctx, ep, k, req, resp, start)
	}
	data, tooLarge, rerr := readCappedSized(resp.Body, resp.ContentLength, c.maxBody)
	c.record(ctx, ep, k.op, req, resp.StatusCode, start)
	if rerr != nil {
		return nil, transportError(k.op, ep.Host(), rerr)
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, redirectError(k.op, ep.Host(), resp)
	}
	return &response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: data, truncated: tooLarge}, nil
}

// decodeStream hands a successful answer to k.stream as it arrives, within MaxBody.
func (c *Client) decodeStream(ctx context.Context, ep Endpoint, k call, req *http.Request, resp *http.Response, start time.Time) (*response, error) {
	rr := &readRecorder{r: resp.Body}
	lr := &io.LimitedReader{R: rr, N: c.maxBody + 1}
	err := k.stream(lr)
	if err == nil {
		// What follows the value (a newline) is read so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(lr, 4096))
	}
	c.record(ctx, ep, k.op, req, resp.StatusCode, start)
	switch {
	case lr.N <= 0:
		return nil, &Error{Op: k.op, Kind: TooLarge, Status: resp.StatusCode, Host: ep.Host(),
			Message: fmt.Sprintf("the answer is larger than %d bytes", c.maxBody)}
	case rr.err != nil:
		// The connection failed before the value was whole.
		return nil, transportError(k.op, ep.Host(), rr.err)
	case err != nil:
		return nil, &Error{Op: k.op, Kind: Garbage, Status: resp.StatusCode, Host: ep.Host(), Message: "the answer is not the expected JSON", Err: err}
	}
	return &response{status: resp.StatusCode, decoded: true}, nil
}

// readRecorder keeps the first error other than io.EOF its reader returned.
type readRecorder struct {
	r   io.Reader
	err error
}

func (r *readRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
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
	if c.log.Enabled(ctx, slog.LevelDebug) { // the arguments cost allocations even when not logged
		c.log.DebugContext(ctx, "oscar request", "host", req.URL.Host, "method", req.Method,
			"path", req.URL.EscapedPath(), "op", op, "status", status, "duration", d)
	}
	if c.observe != nil {
		c.observe(string(ep), op, status, d)
	}
}

// readCapped reads at most limit bytes; tooLarge reports that more were
// available.
func readCapped(r io.Reader, limit int64) (data []byte, tooLarge bool, err error) {
	return readCappedSized(r, -1, limit)
}

// readCappedSized is readCapped for an answer that says its length (size, -1 if it does not): a
// length within the limit is read into one buffer of that size instead of a growing one. The
// length is only a hint; what arrives is still capped at limit.
func readCappedSized(r io.Reader, size, limit int64) (data []byte, tooLarge bool, err error) {
	if size < 0 || size > limit {
		data, err = io.ReadAll(io.LimitReader(r, limit+1))
	} else {
		buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
		_, err = buf.ReadFrom(io.LimitReader(r, limit+1))
		data = buf.Bytes()
	}
	if int64(len(data)) > limit {
		return data[:limit], true, err
	}
	return data, false, err
}

// errRefusedAddress stands in an *Error for the dialer's refusal, which names the address.
var errRefusedAddress = errors.New("oscar: the endpoint policy refused the resolved address")

// logRefused logs, at debug level only, which address the endpoint policy refused for host.
func (c *Client) logRefused(ctx context.Context, host string, err error) {
	var ref *refusedError
	if c.log != nil && errors.As(err, &ref) {
		c.log.DebugContext(ctx, "oscar: endpoint policy refused an address", "host", host, "address", ref.addr, "kind", ref.why)
	}
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
		// Neither the address nor its kind: the page would tell an anonymous visitor what an
		// internal name resolves to. The caller logs the detail at debug level (logRefused).
		e.Kind = Refused
		e.Message = "the address it resolves to is not allowed"
		e.Err = errRefusedAddress
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
func decode(op string, ep Endpoint, r *response, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		// ep.Host parses the URL: only for the error.
		return &Error{Op: op, Kind: Garbage, Status: r.status, Host: ep.Host(), Message: "the answer is not the expected JSON", Err: err}
	}
	return nil
}

// getJSON performs a GET and decodes the JSON answer into v.
func (c *Client) getJSON(ctx context.Context, ep Endpoint, cr Creds, op string, path []string, q url.Values, v any) error {
	r, err := c.do(ctx, ep, call{op: op, method: http.MethodGet, path: path, query: q, auth: cr.authorization(), accept: "application/json"})
	if err != nil {
		return err
	}
	return decode(op, ep, r, v)
}

// streamList performs a GET of a JSON array and decodes its elements one by one as they arrive, so
// that a long list never sits in memory twice (raw and decoded). Members of T are matched exactly
// and others skipped without being built.
func streamList[T any](ctx context.Context, c *Client, ep Endpoint, cr Creds, op string, path []string, q url.Values) ([]T, error) {
	var out []T
	_, err := c.do(ctx, ep, call{op: op, method: http.MethodGet, path: path, query: q, auth: cr.authorization(), accept: "application/json",
		stream: func(r io.Reader) (err error) {
			out, err = decodeList[T](r)
			return err
		}})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeList reads a JSON array (or null) of T from r element by element. Duplicate member names
// and invalid UTF-8 are let through, as encoding/json v1 does.
func decodeList[T any](r io.Reader) ([]T, error) {
	out := []T{}
	dec := jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	tok, err := dec.ReadToken()
	switch {
	case err != nil:
		return nil, err
	case tok.Kind() == 'n': // null: no elements
		return out, nil
	case tok.Kind() != '[':
		return nil, errors.New("not a JSON array")
	}
	for dec.PeekKind() != ']' {
		var v T
		if err := jsonv2.UnmarshalDecode(dec, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	return out, nil
}

// getValue performs a GET and returns the decoded JSON answer.
func getValue[T any](ctx context.Context, c *Client, ep Endpoint, cr Creds, op string, path []string, q url.Values) (*T, error) {
	var v T
	if err := c.getJSON(ctx, ep, cr, op, path, q, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// getList performs a GET of a JSON array; OSCAR's "null" for none becomes
// an empty slice.
func getList[T any](ctx context.Context, c *Client, ep Endpoint, cr Creds, op string, path []string, q url.Values) ([]T, error) {
	var v []T
	if err := c.getJSON(ctx, ep, cr, op, path, q, &v); err != nil {
		return nil, err
	}
	if v == nil {
		v = []T{}
	}
	return v, nil
}

// sendNamed sends v, a service or bucket (what) that name(v) names, as the
// JSON body of k. A nil v is refused without a request.
func sendNamed[T any](ctx context.Context, c *Client, ep Endpoint, cr Creds, k call, what string, v *T, name func(*T) string) error {
	if v == nil {
		return &Error{Op: k.op, Kind: BadInput, Host: ep.Host(), Message: "no " + what + " given"}
	}
	k.subject = name(v)
	_, err := c.sendJSON(ctx, ep, cr, k, v)
	return err
}

// deleteNamed deletes one named thing: a DELETE of k.path followed by name,
// validated as one segment (what names it in a refusal: "service name").
func (c *Client) deleteNamed(ctx context.Context, ep Endpoint, cr Creds, k call, what, name string) error {
	seg, err := segment(what, name)
	if err != nil {
		return badName(k.op, ep, err)
	}
	k.method, k.path, k.auth = http.MethodDelete, append(k.path, seg), cr.authorization()
	_, err = c.do(ctx, ep, k)
	return err
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
