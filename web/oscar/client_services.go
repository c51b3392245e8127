package oscar

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

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
