package oscar

import (
	"context"
	"net/http"
)

// QuotaUpdate is OSCAR's types.QuotaUpdateRequest (PUT /system/quotas/user/{userId}). Every
// field is a Kubernetes quantity as text; an empty field is left as it is. OSCAR parses CPU,
// memory, ephemeral storage and GPU into the user's Kueue ClusterQueue, and only touches the
// queue when CPU, memory or ephemeral storage is given: a GPU alone is refused with 400.
type QuotaUpdate struct {
	CPU              string             `json:"cpu,omitempty"`
	Memory           string             `json:"memory,omitempty"`
	EphemeralStorage string             `json:"ephemeral_storage,omitempty"`
	GPU              string             `json:"gpu,omitempty"`
	MinIO            *MinIOQuotaUpdate  `json:"minio,omitempty"`
	Volumes          *VolumeQuotaUpdate `json:"volumes,omitempty"`
}

// MinIOQuotaUpdate changes a user's MinIO quotas: the number of buckets and the size of each.
type MinIOQuotaUpdate struct {
	Buckets          string `json:"buckets,omitempty"`
	StoragePerBucket string `json:"storage_per_bucket,omitempty"`
}

// VolumeQuotaUpdate changes a user's managed-volume quotas.
type VolumeQuotaUpdate struct {
	Disk             string `json:"disk,omitempty"`
	Volumes          string `json:"volumes,omitempty"`
	MaxDiskPerVolume string `json:"max_disk_per_volume,omitempty"`
	MinDiskPerVolume string `json:"min_disk_per_volume,omitempty"`
}

// ManagerLogs is what GET /system/logs answers (oscar-api.md §0.4 item 3): the OSCAR manager
// pod's access-log lines of POST /run and /job requests, oldest first.
type ManagerLogs struct {
	Logs []ManagerLogEntry `json:"logs"`
}

// ManagerLogEntry is one access-log line of the OSCAR manager, parsed by OSCAR; Raw is the line.
type ManagerLogEntry struct {
	Timestamp string `json:"timestamp"`
	Status    int    `json:"status"`
	Latency   string `json:"latency"`
	ClientIP  string `json:"client_ip"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	User      string `json:"user"`
	Raw       string `json:"raw"`
}

// QuotaOf returns GET /system/quotas/user/{userId}: another user's quotas and usage. OSCAR
// answers it to its Basic-auth account only (anyone else: 403).
func (c *Client) QuotaOf(ctx context.Context, ep Endpoint, cr Creds, user string) (*QuotaResponse, error) {
	const op = "get user quota"
	seg, err := segment("user ID", user)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	return getValue[QuotaResponse](ctx, c, ep, cr, op, []string{"system", "quotas", "user", seg}, nil)
}

// UpdateQuota sends PUT /system/quotas/user/{userId} and returns the quotas OSCAR then reports.
// Basic-auth account only, as QuotaOf.
func (c *Client) UpdateQuota(ctx context.Context, ep Endpoint, cr Creds, user string, u QuotaUpdate) (*QuotaResponse, error) {
	const op = "update user quota"
	seg, err := segment("user ID", user)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	r, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPut, path: []string{"system", "quotas", "user", seg}, subject: user}, u)
	return decoded[QuotaResponse](op, ep, r, err)
}

// ManagerLogs returns GET /system/logs, the OSCAR manager's execution log. The contract lists it
// as /system/logs/ (text), but OSCAR registers /system/logs and answers JSON; it answers the
// Basic-auth account and OIDC users in its USERS_ADMIN (anyone else: 403).
func (c *Client) ManagerLogs(ctx context.Context, ep Endpoint, cr Creds, timestamps bool) (*ManagerLogs, error) {
	v, err := getValue[ManagerLogs](ctx, c, ep, cr, "get manager logs", []string{"system", "logs"}, queryIf(timestamps, "timestamps", "true"))
	if err != nil {
		return nil, err
	}
	if v.Logs == nil {
		v.Logs = []ManagerLogEntry{}
	}
	return v, nil
}
