package oscar

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Uploading an object whose length is not known up front (a browser's
// multipart form part). A presigned PUT needs the length first, so the
// console used to spool such a file whole to disk. UploadObject instead
// does what a MinIO client does with a stream: an S3 multipart upload, one
// bounded part buffer at a time, signed on the server with the caller's
// MinIO keys from GET /system/config, exactly as DeleteObject is (same
// target checks, same hardened http.Client, keys never logged or put in an
// error). A file that fits in one buffer is sent as one signed PUT.
//
// S3 rules the client keeps: every part but the last is at least
// MinPartSize, at most maxParts parts, the parts are listed in ascending
// order when the upload is completed, and an upload that fails half way is
// aborted so that MinIO keeps no orphan parts.

// opUpload is the Op of UploadObject's errors.
const opUpload = "upload object"

// MinPartSize is S3's smallest part of a multipart upload, except the
// last: UploadObject's buffer must be at least this long.
const MinPartSize = 5 << 20

// maxParts is S3's largest number of parts in one multipart upload.
const maxParts = 10000

// partRate is the slowest rate, in bytes per second, at which storage may
// take a part before the console gives up on it.
const partRate = 256 << 10

// UploadObject stores what body yields at bucket/key on the caller's MinIO
// and returns its length. It reads body into buf, at most len(buf) bytes at
// a time, and holds nothing else of it: the memory an upload takes is
// len(buf), whatever the file's size. len(buf) must be at least
// MinPartSize; a file of more than maxParts buffers is refused.
//
// It reads the caller's MinIO credentials from GET /system/config first:
// when OSCAR gives none, the error is ErrNoStorageCredentials (errors.Is)
// and nothing of body has been read. If reading body fails, the error
// wraps body's error (errors.Is) and nothing is stored. S3 refusals are
// *Error values as for DeleteObject.
func (c *Client) UploadObject(ctx context.Context, ep Endpoint, cr Creds, bucket, key string, body io.Reader, buf []byte) (int64, error) {
	const op = opUpload
	if _, err := segment("bucket name", bucket); err != nil {
		return 0, badName(op, ep, err)
	}
	if err := checkObjectKey(key); err != nil {
		return 0, badName(op, ep, err)
	}
	if len(buf) < MinPartSize {
		return 0, &Error{Op: op, Kind: BadInput, Host: ep.Host(), Message: fmt.Sprintf("the part buffer is smaller than %d bytes", MinPartSize)}
	}
	cfg, err := c.Config(ctx, ep, cr)
	if err != nil {
		return 0, err
	}
	t, err := c.storageTarget(op, ep, cfg.MinIOProvider)
	if err != nil {
		return 0, err
	}
	return c.uploadObjectTo(ctx, t, bucket, key, body, buf)
}

// uploadObjectTo is UploadObject once the target is known.
func (c *Client) uploadObjectTo(ctx context.Context, t *s3Target, bucket, key string, body io.Reader, buf []byte) (int64, error) {
	const op = opUpload
	u, err := url.Parse(t.base + "/" + s3utils.EncodePath(bucket) + "/" + s3utils.EncodePath(key))
	if err != nil {
		return 0, &Error{Op: op, Kind: Refused, Host: t.host, Message: "the storage URL could not be built", Err: err}
	}
	n, rerr := io.ReadFull(body, buf)
	switch {
	case errors.Is(rerr, io.EOF), errors.Is(rerr, io.ErrUnexpectedEOF):
		// The whole file is in buf: one PUT.
		if _, err := c.s3Call(ctx, op, t, http.MethodPut, u, buf[:n]); err != nil {
			return 0, err
		}
		return int64(n), nil
	case rerr != nil:
		return 0, readError(op, t.host, rerr)
	}
	return c.multipartUpload(ctx, t, u, body, buf)
}

// completePart is one <Part> of CompleteMultipartUpload.
type completePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
}

// multipartUpload sends body as an S3 multipart upload; buf is full with
// its first part. On any failure the upload is aborted.
func (c *Client) multipartUpload(ctx context.Context, t *s3Target, u *url.URL, body io.Reader, buf []byte) (total int64, err error) {
	const op = opUpload
	r, err := c.s3Call(ctx, op, t, http.MethodPost, withQuery(u, url.Values{"uploads": {""}}), nil)
	if err != nil {
		return 0, err
	}
	var created struct {
		UploadID string `xml:"UploadId"`
	}
	if xml.Unmarshal(r.body, &created) != nil || created.UploadID == "" {
		return 0, &Error{Op: op, Kind: Garbage, Host: t.host, Message: "the storage did not start the upload"}
	}
	id := created.UploadID
	defer func() {
		if err != nil {
			c.abortUpload(ctx, t, u, id)
		}
	}()

	var parts []completePart
	n, last := len(buf), false
	for num := 1; ; num++ {
		if num > maxParts {
			return 0, &Error{Op: op, Kind: BadInput, Host: t.host, Message: "the file is larger than the storage accepts in one upload"}
		}
		q := url.Values{"partNumber": {strconv.Itoa(num)}, "uploadId": {id}}
		r, err := c.s3Call(ctx, op, t, http.MethodPut, withQuery(u, q), buf[:n])
		if err != nil {
			return 0, err
		}
		if r.etag == "" {
			return 0, &Error{Op: op, Kind: Garbage, Host: t.host, Message: "the storage did not confirm a part of the file"}
		}
		parts = append(parts, completePart{PartNumber: num, ETag: r.etag})
		total += int64(n)
		if last {
			break
		}
		var rerr error
		n, rerr = io.ReadFull(body, buf)
		if errors.Is(rerr, io.EOF) {
			break // the file ended with the part just sent
		}
		if errors.Is(rerr, io.ErrUnexpectedEOF) {
			last = true // a short part: the last one, sent next turn
		} else if rerr != nil {
			return 0, readError(op, t.host, rerr)
		}
	}

	doc, err := xml.Marshal(struct {
		XMLName xml.Name       `xml:"CompleteMultipartUpload"`
		Parts   []completePart `xml:"Part"`
	}{Parts: parts})
	if err != nil {
		return 0, &Error{Op: op, Kind: Refused, Host: t.host, Message: "the request could not be built", Err: err}
	}
	r, err = c.s3Call(ctx, op, t, http.MethodPost, withQuery(u, url.Values{"uploadId": {id}}), doc)
	if err != nil {
		return 0, err
	}
	// S3 may answer 200 and then report a failure in the body.
	if code, msg := s3ErrorBody(r.body); code != "" {
		return 0, s3Error(op, t.host, http.StatusInternalServerError, code, msg)
	}
	return total, nil
}

// abortUpload tells MinIO to drop an unfinished upload's parts. It runs
// even when the request was cancelled (the browser went away), with a
// bound of its own; its failure is logged, not returned: MinIO's own
// cleanup of stale uploads is the last resort.
func (c *Client) abortUpload(ctx context.Context, t *s3Target, u *url.URL, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	r, err := c.s3Do(ctx, opUpload, t, http.MethodDelete, withQuery(u, url.Values{"uploadId": {id}}), nil)
	if err == nil && (r.status < 200 || r.status > 299) && r.code != "NoSuchUpload" {
		err = s3Error(opUpload, t.host, r.status, r.code, r.msg)
	}
	if err != nil {
		c.log.WarnContext(ctx, "storage upload not aborted", "host", t.host, "err", err)
	}
}

// s3Call is s3Do with a deadline fit for the payload (the slow timeout
// plus one second per partRate bytes), a non-2xx answer turned into an
// error.
func (c *Client) s3Call(ctx context.Context, op string, t *s3Target, method string, u *url.URL, body []byte) (*s3Reply, error) {
	wait := c.slowTimeout + time.Duration(len(body)/partRate)*time.Second
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	r, err := c.s3Do(ctx, op, t, method, u, body)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return nil, s3Error(op, t.host, r.status, r.code, r.msg)
	}
	return r, nil
}

// withQuery returns a copy of u with the query q.
func withQuery(u *url.URL, q url.Values) *url.URL {
	v := *u
	v.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return &v
}

// readError is the error of a body that could not be read: it wraps the
// reader's error so that the caller can tell its own reasons apart.
func readError(op, host string, err error) *Error {
	return &Error{Op: op, Kind: BadInput, Host: host, Message: "the file could not be read to the end", Err: err}
}
