package oscar

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
)

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
	r, err := c.do(ctx, ep, call{op: op, method: http.MethodGet, path: []string{"system", "logs", seg}, query: queryIf(page != "", "page", page), auth: cr.authorization(), accept: "application/json", subject: svc})
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil, &Error{Op: op, Kind: Forbidden, Status: r.status, Host: ep.Host(), Message: "you may not see the jobs of this service"}
	}
	var v JobsResponse
	if err := decode(op, ep, r, &v); err != nil {
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
	r, err := c.do(ctx, ep, call{op: op, method: http.MethodGet, path: []string{"system", "logs", s1, s2}, query: queryIf(timestamps, "timestamps", "true"), auth: cr.authorization(), accept: "text/plain"})
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
	return c.deleteNamed(ctx, ep, cr, call{op: "delete jobs", path: []string{"system", "logs"}, query: queryIf(all, "all", "true")}, "service name", svc)
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
	// A synchronous service may take a while to answer (cold start).
	r, err := c.exchange(ctx, ep, call{op: op, method: http.MethodPost, path: []string{"run", seg}, body: data, contentType: ct, auth: auth, slow: true, accept: "*/*"})
	if err != nil {
		return nil, err
	}
	res := &RunResult{Status: r.status, ContentType: r.contentType, Body: r.body, Truncated: r.truncated}
	if r.status < 200 || r.status > 299 {
		return res, statusError(op, ep.Host(), r.status, r.body[:min(len(r.body), 4096)], svc)
	}
	return res, nil
}
