package oscar

import (
	"context"
	"net/http"
	"net/url"
)

// Buckets returns GET /system/buckets: the buckets the caller may see.
// OSCAR's "null" for none becomes an empty slice.
func (c *Client) Buckets(ctx context.Context, ep Endpoint, cr Creds) ([]Bucket, error) {
	var v []Bucket
	if err := c.getJSON(ctx, ep, cr, "list buckets", []string{"system", "buckets"}, nil, &v); err != nil {
		return nil, err
	}
	if v == nil {
		v = []Bucket{}
	}
	return v, nil
}

// Bucket returns one page of a bucket's objects
// (GET /system/buckets/{name}); page is "" first, then NextPage.
func (c *Client) Bucket(ctx context.Context, ep Endpoint, cr Creds, name, page string) (*BucketListResponse, error) {
	const op = "get bucket"
	seg, err := segment("bucket name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	var q url.Values
	if page != "" {
		q = url.Values{"page": {page}}
	}
	var v BucketListResponse
	if err := c.getJSON(ctx, ep, cr, op, []string{"system", "buckets", seg}, q, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// CreateBucket creates a bucket (POST /system/buckets); b.Name may be
// "bucket/folder".
func (c *Client) CreateBucket(ctx context.Context, ep Endpoint, cr Creds, b *Bucket) error {
	const op = "create bucket"
	if b == nil {
		return &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: "no bucket given"}
	}
	_, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPost, path: []string{"system", "buckets"}, subject: b.Name}, b)
	return err
}

// UpdateBucket changes a bucket's visibility and allowed users
// (PUT /system/buckets). OSCAR refuses it for service buckets.
func (c *Client) UpdateBucket(ctx context.Context, ep Endpoint, cr Creds, b *Bucket) error {
	const op = "update bucket"
	if b == nil {
		return &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: "no bucket given"}
	}
	_, err := c.sendJSON(ctx, ep, cr, call{op: op, method: http.MethodPut, path: []string{"system", "buckets"}, subject: b.Name}, b)
	return err
}

// DeleteBucket deletes a bucket (DELETE /system/buckets/{name}).
func (c *Client) DeleteBucket(ctx context.Context, ep Endpoint, cr Creds, name string) error {
	const op = "delete bucket"
	seg, err := segment("bucket name", name)
	if err != nil {
		return badName(op, ep, err)
	}
	_, err = c.do(ctx, ep, call{op: op, method: http.MethodDelete, path: []string{"system", "buckets", seg}, auth: cr.authorization(), subject: name})
	return err
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
	if err := decode(op, ep.Host(), r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
