package oscar

// JobsResponse is one page of a service's jobs (GET /system/logs/{svc}).
// Pass NextPage to Client.Jobs for the next page; it is empty on the last.
type JobsResponse struct {
	Jobs          map[string]JobInfo `json:"jobs"`
	NextPage      string             `json:"next_page,omitempty"`
	RemainingJobs int                `json:"remaining_jobs"`
}

// JobInfo is the state of one job. Status is the pod phase (Pending,
// Running, Succeeded, Failed, Unknown) or Suspended while no pod exists.
type JobInfo struct {
	Status       string `json:"status"`
	CreationTime string `json:"creation_time,omitempty"`
	StartTime    string `json:"start_time,omitempty"`
	FinishTime   string `json:"finish_time,omitempty"`
}

// Bucket is OSCAR's utils.MinIOBucket. For CreateBucket, Name may be
// "bucket/folder".
type Bucket struct {
	Name         string            `json:"bucket_name"`
	Visibility   string            `json:"visibility,omitempty"` // private | public | restricted
	AllowedUsers []string          `json:"allowed_users,omitempty"`
	Owner        string            `json:"owner,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"` // tags: owner, owner_name, from_service, service
	Objects      []BucketObject    `json:"objects,omitempty"`
	StorageQuota *BucketQuota      `json:"storage_quota,omitempty"`
	StorageUsage *BucketUsage      `json:"storage_usage,omitempty"`
	Attribution  string            `json:"attribution,omitempty"`
}

// BucketObject is one object in a bucket listing.
type BucketObject struct {
	Name         string `json:"object_name"`
	Size         int64  `json:"size_bytes"`
	Owner        string `json:"owner,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// BucketQuota is a bucket's storage quota.
type BucketQuota struct {
	Max      string `json:"max,omitempty"`
	MaxBytes int64  `json:"max_bytes,omitempty"`
	Source   string `json:"source,omitempty"`
}

// BucketUsage is a bucket's storage usage.
type BucketUsage struct {
	Used      string `json:"used,omitempty"`
	UsedBytes int64  `json:"used_bytes"`
	Objects   int64  `json:"objects"`
}

// BucketListResponse is one page of a bucket's objects
// (GET /system/buckets/{bucket}); pass NextPage to Client.Bucket for the
// next page.
type BucketListResponse struct {
	Bucket
	NextPage      string `json:"next_page,omitempty"`
	IsTruncated   bool   `json:"is_truncated"`
	ReturnedItems int    `json:"returned_items"`
}

// Presign operations.
const (
	PresignUpload   = "upload"
	PresignDownload = "download"
)

// PresignRequest asks OSCAR for a presigned MinIO URL.
// ExpiresIn is in seconds (OSCAR: default 900, range 1..604800).
type PresignRequest struct {
	ObjectKey    string            `json:"object_key"`
	Operation    string            `json:"operation"` // PresignUpload | PresignDownload
	ExpiresIn    int               `json:"expires_in,omitempty"`
	ContentType  string            `json:"content_type,omitempty"`
	ExtraHeaders map[string]string `json:"extra_headers,omitempty"`
}

// PresignResponse is a presigned URL. The URL host is OSCAR's MinIO
// endpoint; fetch it with Client.PutObject or Client.GetObject so that the
// same endpoint policy applies.
type PresignResponse struct {
	ObjectKey string            `json:"object_key"`
	Operation string            `json:"operation"`
	Method    string            `json:"method"` // PUT | GET
	URL       string            `json:"url"`
	ExpiresAt string            `json:"expires_at"` // RFC 3339
	Headers   map[string]string `json:"headers,omitempty"`
}
