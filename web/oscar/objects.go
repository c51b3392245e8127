package oscar

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// checkPresigned applies the endpoint policy to a presigned MinIO URL:
// scheme, host syntax, IP literal rules and the operator allowlist (so with
// CONSOLE_ALLOWED_ENDPOINTS set, the MinIO host must be listed too). The
// dial-time address check applies as for OSCAR calls.
func (c *Client) checkPresigned(op, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 8192 {
		return nil, &Error{Op: op, Kind: Refused, Message: "the presigned URL is not valid"}
	}
	if u.User != nil {
		return nil, &Error{Op: op, Kind: Refused, Host: u.Host, Message: "the presigned URL must not contain a user name or password"}
	}
	if u.Fragment != "" || u.Opaque != "" {
		return nil, &Error{Op: op, Kind: Refused, Host: u.Host, Message: "the presigned URL is not valid"}
	}
	if _, err := ParseEndpoint(u.Scheme+"://"+u.Host, c.policy); err != nil {
		msg := strings.TrimPrefix(err.Error(), ErrEndpoint.Error()+": ")
		return nil, &Error{Op: op, Kind: Refused, Host: u.Host, Message: msg, Err: err}
	}
	return u, nil
}

// objectHeader reports whether a presign response header may be sent to
// MinIO: only content headers and x-amz-* signing headers, never
// Authorization or hop-by-hop headers.
func objectHeader(name string) bool {
	n := http.CanonicalHeaderKey(name)
	switch n {
	case "Content-Type", "Content-Md5", "Content-Disposition", "Content-Encoding", "Cache-Control":
		return true
	}
	return strings.HasPrefix(n, "X-Amz-")
}

// PutObject uploads body to a presigned URL (from Presign with
// PresignUpload), streaming it. headers are the presign response's
// headers; only content and x-amz-* headers are sent. size is the body
// length, or -1 if unknown.
func (c *Client) PutObject(ctx context.Context, presignedURL string, headers map[string]string, body io.Reader, size int64) error {
	const op = "upload object"
	u, err := c.checkPresigned(op, presignedURL)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), body)
	if err != nil {
		return &Error{Op: op, Kind: Refused, Host: u.Host, Message: "the request could not be built", Err: err}
	}
	setHeaders(req, "", "", "")
	for k, v := range headers {
		if !objectHeader(k) {
			return &Error{Op: op, Kind: BadInput, Host: u.Host, Message: fmt.Sprintf("header %q may not be sent to storage", k)}
		}
		req.Header.Set(k, v)
	}
	if size >= 0 {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	start := c.now()
	resp, err := c.fast.Do(req)
	if err != nil {
		c.record(ctx, Endpoint(u.Scheme+"://"+u.Host), op, req, 0, start)
		return transportError(op, u.Host, err)
	}
	defer resp.Body.Close()
	c.record(ctx, Endpoint(u.Scheme+"://"+u.Host), op, req, resp.StatusCode, start)
	return objectStatus(op, u.Host, resp)
}

// GetObject downloads from a presigned URL (from Presign with
// PresignDownload). The body is not capped: the caller streams it and must
// close it. size is -1 if unknown.
func (c *Client) GetObject(ctx context.Context, presignedURL string) (io.ReadCloser, string, int64, error) {
	const op = "download object"
	u, err := c.checkPresigned(op, presignedURL)
	if err != nil {
		return nil, "", 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", 0, &Error{Op: op, Kind: Refused, Host: u.Host, Message: "the request could not be built", Err: err}
	}
	setHeaders(req, "", "*/*", "")
	start := c.now()
	resp, err := c.fast.Do(req)
	if err != nil {
		c.record(ctx, Endpoint(u.Scheme+"://"+u.Host), op, req, 0, start)
		return nil, "", 0, transportError(op, u.Host, err)
	}
	c.record(ctx, Endpoint(u.Scheme+"://"+u.Host), op, req, resp.StatusCode, start)
	if err := objectStatus(op, u.Host, resp); err != nil {
		resp.Body.Close()
		return nil, "", 0, err
	}
	return resp.Body, resp.Header.Get("Content-Type"), resp.ContentLength, nil
}

// objectStatus turns a storage answer into nil or an *Error. MinIO errors
// are XML documents; their <Message> is kept.
func objectStatus(op, host string, resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return redirectError(op, host, resp)
	}
	data, _, _ := readCapped(resp.Body, 4096)
	e := statusError(op, host, resp.StatusCode, nil, "")
	if m := regexp.MustCompile(`<Message>([^<]{1,300})</Message>`).FindSubmatch(data); m != nil {
		e.Message = firstMessage(string(m[1]))
	} else if !strings.HasPrefix(strings.TrimSpace(string(data)), "<") {
		e.Message = firstMessage(string(data))
	}
	return e
}
