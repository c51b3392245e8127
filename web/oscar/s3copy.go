package oscar

import (
	"context"
	"errors"
	"net/http"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// opMove is the Op of MoveObject's errors.
const opMove = "move object"

// ErrTargetExists is in the error (errors.Is) of MoveObject when an object already has the new name:
// nothing was changed.
var ErrTargetExists = errors.New("oscar: an object with that name already exists")

// MoveObject renames an object within a bucket: S3 has no rename, so it copies bucket/from to
// bucket/to (CopyObject, a PUT with x-amz-copy-source, done inside MinIO: no bytes pass through the
// console) and then deletes bucket/from. As DeleteObject does, it signs with the caller's MinIO keys
// from GET /system/config, through the same hardened client and endpoint policy. An existing object
// at to is never overwritten (ErrTargetExists). If the copy succeeds and the delete fails, both
// objects exist and the error says the delete failed. MinIO copies at most 5 GiB this way; larger
// objects are refused with MinIO's message.
func (c *Client) MoveObject(ctx context.Context, ep Endpoint, cr Creds, bucket, from, to string) error {
	const op = opMove
	if _, err := segment("bucket name", bucket); err != nil {
		return badName(op, ep, err)
	}
	for _, k := range []string{from, to} {
		if err := checkObjectKey(k); err != nil {
			return badName(op, ep, err)
		}
	}
	cfg, err := c.Config(ctx, ep, cr)
	if err != nil {
		return err
	}
	t, err := c.storageTarget(op, ep, cfg.MinIOProvider)
	if err != nil {
		return err
	}
	src, err := t.objectURL(op, bucket, from)
	if err != nil {
		return err
	}
	dst, err := t.objectURL(op, bucket, to)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 4*c.timeout)
	defer cancel()
	status, code, _, err := c.s3Request(ctx, op, t, http.MethodHead, dst)
	switch {
	case err != nil:
		return err
	case status >= 200 && status <= 299:
		return &Error{Op: op, Kind: BadInput, Host: t.host, Message: "a file with that name already exists", Err: ErrTargetExists}
	case status != http.StatusNotFound:
		return s3Error(op, t.host, status, code, "")
	}
	hdr := http.Header{"X-Amz-Copy-Source": {"/" + s3utils.EncodePath(bucket) + "/" + s3utils.EncodePath(from)}}
	r, err := c.s3DoWith(ctx, op, t, http.MethodPut, dst, nil, hdr)
	if err != nil {
		return err
	}
	if r.status < 200 || r.status > 299 {
		return s3Error(op, t.host, r.status, r.code, r.msg)
	}
	// S3 may answer a copy with 200 and an error document when it fails after it started.
	if code, msg := s3ErrorBody(r.body); code != "" {
		return s3Error(op, t.host, http.StatusInternalServerError, code, msg)
	}
	status, code, msg, err := c.s3Request(ctx, op, t, http.MethodDelete, src)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		e := s3Error(op, t.host, status, code, msg)
		e.Message = "the copy was made but the original could not be deleted: " + e.Message
		return e
	}
	return nil
}
