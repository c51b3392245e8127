package oscar

import (
	"context"
	"net/http"
)

// Buckets returns GET /system/buckets: the buckets the caller may see.
// OSCAR's "null" for none becomes an empty slice.
func (c *Client) Buckets(ctx context.Context, ep Endpoint, cr Creds) ([]Bucket, error) {
	return getList[Bucket](ctx, c, ep, cr, "list buckets", []string{"system", "buckets"}, nil)
}

// Bucket returns one page of a bucket's objects
// (GET /system/buckets/{name}); page is "" first, then NextPage.
func (c *Client) Bucket(ctx context.Context, ep Endpoint, cr Creds, name, page string) (*BucketListResponse, error) {
	const op = "get bucket"
	seg, err := segment("bucket name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	return getValue[BucketListResponse](ctx, c, ep, cr, op, []string{"system", "buckets", seg}, queryIf(page != "", "page", page))
}

// CreateBucket creates a bucket (POST /system/buckets); b.Name may be
// "bucket/folder".
func (c *Client) CreateBucket(ctx context.Context, ep Endpoint, cr Creds, b *Bucket) error {
	return sendNamed(ctx, c, ep, cr, call{op: "create bucket", method: http.MethodPost, path: []string{"system", "buckets"}}, "bucket", b, bucketName)
}

// UpdateBucket changes a bucket's visibility and allowed users
// (PUT /system/buckets). OSCAR refuses it for service buckets.
func (c *Client) UpdateBucket(ctx context.Context, ep Endpoint, cr Creds, b *Bucket) error {
	return sendNamed(ctx, c, ep, cr, call{op: "update bucket", method: http.MethodPut, path: []string{"system", "buckets"}}, "bucket", b, bucketName)
}

func bucketName(b *Bucket) string { return b.Name }

// DeleteBucket deletes a bucket (DELETE /system/buckets/{name}).
func (c *Client) DeleteBucket(ctx context.Context, ep Endpoint, cr Creds, name string) error {
	return c.deleteNamed(ctx, ep, cr, call{op: "delete bucket", path: []string{"system", "buckets"}, subject: name}, "bucket name", name)
}

// Presign asks OSCAR for a presigned MinIO URL
// (POST /system/buckets/{bucket}/presign). Use PutObject or GetObject with
// the answer.
func (c *Client) Presign(ctx context.Context, ep Endpoint, cr Creds, bucket string, pr PresignRequest) (*PresignResponse, error) {
	const op = "presign"
	seg, err := segment("bucket name", bucket)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	r, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPost, path: []string{"system", "buckets", seg, "presign"}, subject: bucket}, pr)
	if err != nil {
		return nil, err
	}
	var v PresignResponse
	if err := decode(op, ep, r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
