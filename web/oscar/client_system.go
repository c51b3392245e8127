package oscar

import (
	"context"
)

// Info returns GET /system/info.
func (c *Client) Info(ctx context.Context, ep Endpoint, cr Creds) (*Info, error) {
	return getValue[Info](ctx, c, ep, cr, "get info", []string{"system", "info"}, nil)
}

// Config returns GET /system/config. Its MinIOProvider holds MinIO
// credentials in clear text: never cache, log or show them casually. A
// bearer caller's first call provisions their MinIO account on OSCAR.
func (c *Client) Config(ctx context.Context, ep Endpoint, cr Creds) (*ConfigForUser, error) {
	return getValue[ConfigForUser](ctx, c, ep, cr, "get config", []string{"system", "config"}, nil)
}

// Status returns GET /system/status.
func (c *Client) Status(ctx context.Context, ep Endpoint, cr Creds) (*StatusInfo, error) {
	return getValue[StatusInfo](ctx, c, ep, cr, "get status", []string{"system", "status"}, nil)
}

// UserQuota returns GET /system/quotas/user, the caller's quotas. OSCAR
// only answers it for bearer callers (Basic gives 401).
func (c *Client) UserQuota(ctx context.Context, ep Endpoint, cr Creds) (*QuotaResponse, error) {
	return getValue[QuotaResponse](ctx, c, ep, cr, "get quota", []string{"system", "quotas", "user"}, nil)
}
