package oscar

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// Deleting one object. OSCAR's API cannot do it: presign only signs uploads
// and downloads. So the console does what a MinIO client would, on the
// server: it asks OSCAR for the caller's MinIO credentials
// (GET /system/config, minio_provider: the user's own keys for a bearer
// caller, the root keys for the Basic-auth admin) and sends MinIO an S3
// request signed with them (AWS Signature Version 4, computed by
// minio-go's signer on a plain *http.Request).
//
// The S3 requests go through the same hardened http.Client as every OSCAR
// call (dial-time address checks, no proxy, no redirects, TLS verified,
// bounded waits), and the MinIO endpoint OSCAR names passes the same
// policy checks as a presigned URL (scheme, IP literal rules, operator
// allowlist): an OSCAR endpoint cannot make the console call an address
// the operator did not allow. The keys live only for the call; they are
// never cached, logged or put in an error.

// emptySHA256 is the SHA-256 of an empty payload, the x-amz-content-sha256
// of a request without a body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// defaultRegion is MinIO's region when OSCAR reports none.
const defaultRegion = "us-east-1"

// maxObjectKey is S3's limit on object keys, in bytes.
const maxObjectKey = 1024

// ErrNoStorageCredentials is in the error (errors.Is) of DeleteObject and
// UploadObject when OSCAR's /system/config names no MinIO endpoint or no
// keys for the caller: the console cannot sign for them, and nothing was
// sent to storage.
var ErrNoStorageCredentials = errors.New("oscar: no storage credentials from OSCAR")

// s3Target is a MinIO endpoint with the credentials to sign for it. Its
// String hides the keys.
type s3Target struct {
	base   string // normalised endpoint URL (ParseEndpoint), with an optional path prefix
	host   string
	access string
	secret string
	region string
}

// String describes the target without its keys.
func (t *s3Target) String() string { return "oscar.s3Target{" + t.host + "}" }

// GoString is String, so that %#v does not print the keys either.
func (t *s3Target) GoString() string { return t.String() }

// DeleteObject deletes one object from a bucket. OSCAR's API has no such
// call, so DeleteObject reads the caller's MinIO credentials from
// GET /system/config and sends MinIO a HEAD and then a DELETE for
// /<bucket>/<key>, signed with AWS Signature Version 4. MinIO, like S3,
// answers 204 to the DELETE of a key that does not exist; the HEAD first
// lets DeleteObject report a missing object as NotFound instead of a
// success.
//
// The MinIO endpoint must pass the client's Policy as OSCAR endpoints do
// (a cluster-internal MinIO address is refused under the strict policy),
// and TLS is always verified whatever minio_provider.verify says. S3
// errors become *Error values: NoSuchKey and NoSuchBucket are NotFound,
// AccessDenied and refused credentials are Forbidden.
func (c *Client) DeleteObject(ctx context.Context, ep Endpoint, cr Creds, bucket, key string) error {
	const op = "delete object"
	if _, err := segment("bucket name", bucket); err != nil {
		return badName(op, ep, err)
	}
	if err := checkObjectKey(key); err != nil {
		return badName(op, ep, err)
	}
	cfg, err := c.Config(ctx, ep, cr)
	if err != nil {
		return err
	}
	return c.deleteObjectWith(ctx, ep, cfg.MinIOProvider, bucket, key)
}

// checkObjectKey refuses keys that cannot travel safely in a URL path: dot
// segments and empty segments could be rewritten by a proxy into another
// object's (or another bucket's) path.
func checkObjectKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("the object name is empty")
	case len(key) > maxObjectKey:
		return fmt.Errorf("the object name is longer than %d bytes", maxObjectKey)
	case !utf8.ValidString(key):
		return fmt.Errorf("the object name is not valid UTF-8")
	case strings.HasPrefix(key, "/") || strings.Contains(key, "//"):
		return fmt.Errorf("the object name %q has an empty folder name", key)
	}
	for _, r := range key {
		if unicode.IsControl(r) {
			return fmt.Errorf("the object name %q contains control characters", key)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("the object name %q contains a %q folder", key, seg)
		}
	}
	return nil
}

// storageTarget checks the minio_provider OSCAR returned and builds the
// signing target. ep is only used to name OSCAR in errors.
func (c *Client) storageTarget(op string, ep Endpoint, mp *MinIOProvider) (*s3Target, error) {
	if mp == nil || strings.TrimSpace(mp.Endpoint) == "" {
		return nil, &Error{Op: op, Kind: Forbidden, Host: ep.Host(), Message: "it gave the console no storage address for your account", Err: ErrNoStorageCredentials}
	}
	if mp.AccessKey == "" || mp.SecretKey == "" {
		return nil, &Error{Op: op, Kind: Forbidden, Host: ep.Host(), Message: "it gave the console no storage credentials for your account", Err: ErrNoStorageCredentials}
	}
	base, err := ParseEndpoint(mp.Endpoint, c.policy)
	if err != nil {
		host := ""
		if u, perr := url.Parse(strings.TrimSpace(mp.Endpoint)); perr == nil {
			host = u.Host // never the userinfo
		}
		msg := strings.TrimPrefix(err.Error(), ErrEndpoint.Error()+": ")
		return nil, &Error{Op: op, Kind: Refused, Host: host, Message: msg, Err: err}
	}
	region := strings.TrimSpace(mp.Region)
	if region == "" {
		region = defaultRegion
	}
	return &s3Target{base: string(base), host: base.Host(), access: mp.AccessKey, secret: mp.SecretKey, region: region}, nil
}

// objectURL is the path-style URL of bucket/key on the target, each byte outside S3's unreserved
// set escaped exactly as the signer canonicalises it.
func (t *s3Target) objectURL(op, bucket, key string) (*url.URL, error) {
	u, err := url.Parse(t.base + "/" + s3utils.EncodePath(bucket) + "/" + s3utils.EncodePath(key))
	if err != nil {
		return nil, &Error{Op: op, Kind: Refused, Host: t.host, Message: "the storage URL could not be built", Err: err}
	}
	return u, nil
}

// deleteObjectWith deletes bucket/key on the MinIO that mp describes.
func (c *Client) deleteObjectWith(ctx context.Context, ep Endpoint, mp *MinIOProvider, bucket, key string) error {
	const op = "delete object"
	t, err := c.storageTarget(op, ep, mp)
	if err != nil {
		return err
	}
	u, err := t.objectURL(op, bucket, key)
	if err != nil {
		return err
	}
	// The transport bounds each wait for headers; this bounds the pair.
	ctx, cancel := context.WithTimeout(ctx, 2*c.timeout)
	defer cancel()

	status, code, _, err := c.s3Request(ctx, op, t, http.MethodHead, u)
	if err != nil {
		return err
	}
	if status == http.StatusNotFound {
		if code == "" {
			code = "NoSuchKey" // a HEAD answer has no body to say which
		}
		return s3Error(op, t.host, status, code, "")
	}
	// Any other HEAD answer (a 403 when the caller may delete but not
	// read, a 5xx) is left to the DELETE to confirm or refuse.
	status, code, msg, err := c.s3Request(ctx, op, t, http.MethodDelete, u)
	if err != nil {
		return err
	}
	if status >= 200 && status <= 299 {
		return nil
	}
	return s3Error(op, t.host, status, code, msg)
}

// maxS3Reply caps what is read of an S3 answer: error documents and the
// small XML results of the multipart calls fit easily.
const maxS3Reply = 64 << 10

// s3Reply is MinIO's answer to one signed request. For an error status,
// code and msg are the S3 error code and message (from the XML body, or
// from MinIO's X-Minio-Error-* headers on a HEAD); for a success, body is
// the answer (at most maxS3Reply bytes) and etag its ETag header.
type s3Reply struct {
	status    int
	code, msg string
	etag      string
	body      []byte
}

// s3Request sends one signed request without a body. err is a transport
// problem or a redirect, which is never followed.
func (c *Client) s3Request(ctx context.Context, op string, t *s3Target, method string, u *url.URL) (status int, code, msg string, err error) {
	r, err := c.s3Do(ctx, op, t, method, u, nil)
	if err != nil {
		return 0, "", "", err
	}
	return r.status, r.code, r.msg, nil
}

// s3Do sends one request signed with AWS Signature Version 4, with body
// (nil: none) as its payload, whose SHA-256 is signed too. It goes through
// the client's hardened http.Client (dial-time address checks, no proxy,
// no redirects, bounded waits). err is a transport problem or a redirect,
// which is never followed.
func (c *Client) s3Do(ctx context.Context, op string, t *s3Target, method string, u *url.URL, body []byte) (*s3Reply, error) {
	return c.s3DoWith(ctx, op, t, method, u, body, nil)
}

// s3DoWith is s3Do with extra headers (x-amz-* headers are signed with the rest).
func (c *Client) s3DoWith(ctx context.Context, op string, t *s3Target, method string, u *url.URL, body []byte, extra http.Header) (*s3Reply, error) {
	var payload io.Reader
	hash := emptySHA256
	var guard *guardedBody
	if body != nil {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
		guard = &guardedBody{r: bytes.NewReader(body)}
		payload = guard
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), payload)
	if err != nil {
		return nil, &Error{Op: op, Kind: Refused, Host: t.host, Message: "the request could not be built", Err: err}
	}
	if body != nil {
		req.ContentLength = int64(len(body))
		if len(body) == 0 {
			req.Body = http.NoBody
		}
	}
	setHeaders(req, "", "", "")
	for k, vs := range extra {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	// SignV4 adds X-Amz-Date and Authorization; it signs every header but
	// User-Agent (empty here, so not sent), and the host.
	req = signer.SignV4(*req, t.access, t.secret, "", t.region)
	start := c.now()
	resp, err := c.fast.Do(req)
	if guard != nil {
		// The transport may still hold the body after Do returns (an early
		// answer); from here on it reads nothing more of the caller's buffer.
		guard.close()
	}
	if err != nil {
		c.record(ctx, Endpoint(t.base), op, req, 0, start)
		return nil, transportError(op, t.host, err)
	}
	defer resp.Body.Close()
	data, _, rerr := readCapped(resp.Body, maxS3Reply)
	c.record(ctx, Endpoint(t.base), op, req, resp.StatusCode, start)
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, &Error{Op: op, Kind: Redirect, Status: resp.StatusCode, Host: t.host, Message: "the storage answered with a redirect"}
	}
	if rerr != nil {
		return nil, transportError(op, t.host, rerr)
	}
	r := &s3Reply{status: resp.StatusCode}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		r.body, r.etag = data, resp.Header.Get("ETag")
		return r, nil
	}
	r.code, r.msg = s3ErrorBody(data)
	if r.code == "" {
		r.code = resp.Header.Get("X-Minio-Error-Code")
	}
	return r, nil
}

// guardedBody is a request body over the caller's buffer that reads
// nothing once closed, so the buffer can be reused (or released) as soon
// as the request is answered.
type guardedBody struct {
	mu     sync.Mutex
	r      *bytes.Reader
	closed bool
}

func (g *guardedBody) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return 0, io.ErrClosedPipe
	}
	return g.r.Read(p)
}

func (g *guardedBody) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// s3ErrorBody reads an S3 error document (<Error><Code/><Message/></Error>).
// A body that is not XML is kept as the message.
func s3ErrorBody(data []byte) (code, msg string) {
	var doc struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	text := strings.TrimSpace(string(data))
	if !strings.HasPrefix(text, "<") {
		return "", text
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return "", ""
	}
	return strings.TrimSpace(doc.Code), doc.Message
}

// s3Error words an S3 error for the user. Well-known codes get plain
// words and the Kind they mean whatever the status; other codes keep
// MinIO's message.
func s3Error(op, host string, status int, code, msg string) *Error {
	e := statusError(op, host, status, nil, "")
	verb := "delete files in"
	switch op {
	case opUpload:
		verb = "upload files to"
	case opMove:
		verb = "move files in"
	}
	switch code {
	case "NoSuchKey":
		e.Kind, e.Message = NotFound, "the file does not exist (it may have been deleted already)"
	case "NoSuchBucket":
		e.Kind, e.Message = NotFound, "the bucket does not exist in storage"
	case "AccessDenied", "AllAccessDisabled":
		e.Kind, e.Message = Forbidden, "your storage account may not "+verb+" this bucket"
	case "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken", "ExpiredToken":
		e.Kind, e.Message = Forbidden, "the storage did not accept the credentials OSCAR gave for your account"
	case "NoSuchUpload":
		e.Kind, e.Message = NotFound, "the storage no longer knows this upload (it may have been cancelled); upload the file again"
	case "EntityTooLarge":
		e.Kind, e.Message = BadInput, "the file is larger than the storage accepts"
	case "RequestTimeTooSkewed":
		e.Kind, e.Message = Forbidden, "the clocks of the console and the storage differ too much"
	default:
		e.Message = firstMessage(msg)
	}
	return e
}
