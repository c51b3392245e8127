package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// uploadKey builds an uploaded file's key: the folder shown, an optional new sub-folder, and the
// file's base name (browsers may send a path).
func uploadKey(prefix, folder, filename string) (string, string) {
	base := filename
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	folder = strings.Trim(strings.TrimSpace(folder), "/")
	key := prefix
	if folder != "" {
		key += folder + "/"
	}
	key += base
	if base == "" || !validKey(key) {
		return "", "The file name " + strconv.Quote(filename) + " cannot be used as an object name."
	}
	return key, ""
}

// keepAlive extends the connection's read and write deadlines while bytes flow through r, so a big
// upload or download is bounded by stalls (streamIdle), not by the server's overall timeouts.
type keepAlive struct {
	r    io.Reader
	rc   *http.ResponseController
	last time.Time
}

func newKeepAlive(r io.Reader, w http.ResponseWriter) *keepAlive {
	return &keepAlive{r: r, rc: http.NewResponseController(w)}
}

func (k *keepAlive) Read(b []byte) (int, error) {
	// Wall-clock time: these are network deadlines.
	if now := time.Now(); now.Sub(k.last) >= time.Second {
		k.last = now
		_ = k.rc.SetReadDeadline(now.Add(streamIdle))
		_ = k.rc.SetWriteDeadline(now.Add(streamIdle))
	}
	return k.r.Read(b)
}

// tooLarge is the error for an upload over the console's limit.
func tooLarge(limit int64) error {
	return &userError{http.StatusRequestEntityTooLarge, "The file is too large",
		"This console accepts files of at most " + humanBytes(limit) + ". Ask the operator, or upload it with a presigned link."}
}

// uploadBroken means the browser's upload stopped half way (or was not a valid form).
func uploadBroken() error {
	return &userError{http.StatusBadRequest, "The upload did not complete",
		"The file did not arrive completely. Check your connection and upload it again."}
}

// uploadObjects handles "POST /buckets/{bucket}/upload": a multipart form whose file parts are
// streamed, one at a time and never held in memory, to presigned MinIO URLs. Fields before the files
// ("prefix": the folder shown, "folder": an optional new sub-folder) place them. The route table
// puts this route outside the form limit (routes.go); p.cfg.MaxUpload bounds each file instead.
func (p *Pages) uploadObjects(w http.ResponseWriter, r *http.Request) error {
	name, err := bucketName(r)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(newKeepAlive(r.Body, w))
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("Choose a file to upload, then press Upload.")
	}
	ep, cr := p.creds(r)
	var prefix, folder string
	var done []string
	var total int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadBroken()
		}
		switch {
		case part.FileName() == "" && (part.FormName() == "prefix" || part.FormName() == "folder"):
			v, err := io.ReadAll(io.LimitReader(part, maxKeyLen+1))
			if err != nil {
				return uploadBroken()
			}
			if part.FormName() == "folder" {
				folder = string(v)
				break
			}
			var ok bool
			if prefix, ok = cleanPrefix(string(v)); !ok {
				return badRequest("That folder name is not valid.")
			}
		case part.FormName() == "file" && part.FileName() != "":
			key, msg := uploadKey(prefix, folder, part.FileName())
			if msg != "" {
				return badRequest(msg)
			}
			n, err := p.uploadObject(r.Context(), ep, cr, name, key, part)
			if err != nil {
				return err
			}
			done = append(done, key)
			total += n
		default:
			// An empty file input or an unknown field: skip it (bounded).
			if _, err := io.Copy(io.Discard, io.LimitReader(part, 1<<20)); err != nil {
				return uploadBroken()
			}
		}
		_ = part.Close()
	}
	d := &p.session(r).Data
	dest := withQuery(bucketPath(name), url.Values{"prefix": {prefix}})
	switch len(done) {
	case 0:
		d.AddFlash("Choose a file to upload first.")
	case 1:
		d.AddFlash(fmt.Sprintf("Uploaded %s (%s).", done[0], humanBytes(total)))
	default:
		d.AddFlash(fmt.Sprintf("Uploaded %d files (%s).", len(done), humanBytes(total)))
	}
	return p.redirect(w, r, dest)
}

// redirectUploadToBucket handles "GET /buckets/{bucket}/upload": there is nothing to show there, but a
// browser lands on it when a script-driven upload fails and follows the form's action; send it to
// the bucket instead of a "method not allowed" page.
func (p *Pages) redirectUploadToBucket(w http.ResponseWriter, r *http.Request) error {
	name, err := bucketName(r)
	if err != nil {
		return err
	}
	return p.redirect(w, r, bucketPath(name))
}

// uploadObject sends one file part to MinIO through a presigned URL. MinIO (like S3) needs the
// length of a PUT up front and browsers do not give a part's length, so the part is spooled to a
// temporary file first (disk, not memory), unless the part declares its Content-Length, in which
// case it streams straight through.
func (p *Pages) uploadObject(ctx context.Context, ep oscar.Endpoint, cr oscar.Creds, bucket, key string, part *multipart.Part) (int64, error) {
	presign := func() (*oscar.PresignResponse, error) {
		pr := oscar.PresignRequest{ObjectKey: key, Operation: oscar.PresignUpload, ExpiresIn: uploadLinkTTL}
		res, err := p.oscar.Presign(ctx, ep, cr, bucket, pr)
		if err != nil {
			return nil, fmt.Errorf("handlers: presign upload to %q: %w", bucket, err)
		}
		if res.Method != "" && !strings.EqualFold(res.Method, http.MethodPut) {
			return nil, fmt.Errorf("handlers: presign upload to %q: OSCAR signed a %s, not a PUT", bucket, res.Method)
		}
		return res, nil
	}
	// Ask first, so a refusal (quota, permissions) comes before the bytes.
	link, err := presign()
	if err != nil {
		return 0, err
	}
	signed := time.Now()
	limit := p.cfg.MaxUpload

	if n, err := strconv.ParseInt(part.Header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		if limit > 0 && n > limit {
			return 0, tooLarge(limit)
		}
		if err := p.oscar.PutObject(ctx, link.URL, link.Headers, part, n); err != nil {
			return 0, fmt.Errorf("handlers: upload %q to %q: %w", key, bucket, err)
		}
		return n, nil
	}

	f, err := os.CreateTemp("", "oscar-console-upload-*")
	if err != nil {
		return 0, fmt.Errorf("handlers: spool upload: %w", err)
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	var src io.Reader = part
	if limit > 0 {
		src = io.LimitReader(part, limit+1)
	}
	n, err := io.Copy(f, src)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return 0, fmt.Errorf("handlers: spool upload: %w", err)
		}
		return 0, uploadBroken()
	}
	if limit > 0 && n > limit {
		return 0, tooLarge(limit)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("handlers: spool upload: %w", err)
	}
	if time.Since(signed) > uploadLinkTTL*time.Second/2 {
		// The file took long to arrive: sign again rather than race the link's expiry.
		if link, err = presign(); err != nil {
			return 0, err
		}
	}
	// The body is an *os.File wrapped so the transport does not close it under the deferred Close.
	if err := p.oscar.PutObject(ctx, link.URL, link.Headers, io.LimitReader(f, n), n); err != nil {
		return 0, fmt.Errorf("handlers: upload %q to %q: %w", key, bucket, err)
	}
	return n, nil
}
