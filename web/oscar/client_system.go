package oscar

import (
	"context"
)

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
