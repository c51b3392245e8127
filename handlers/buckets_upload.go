package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
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
// file's base name (browsers may send a path), or with tree (a folder picker's file) its relative
// path.
func uploadKey(prefix, folder, filename string, tree bool) (string, string) {
	base := filename
	if tree {
		base = strings.Trim(strings.ReplaceAll(base, `\`, "/"), "/")
		if strings.Contains(base, "//") {
			return "", "The file name " + strconv.Quote(filename) + " cannot be used as an object name."
		}
	} else if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	folder = strings.Trim(strings.TrimSpace(folder), "/")
	key := prefix
	if folder != "" {
		key += folder + "/"
	}
	key += base
	if folder != "" && (strings.Contains(folder, "//") || !validKey(folder)) {
		return "", "The folder name " + strconv.Quote(folder) + " cannot be used: use letters, digits and single slashes."
	}
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

// errUploadBroken is the error of uploadBroken.
var errUploadBroken = &userError{http.StatusBadRequest, "The upload did not complete",
	"The file did not arrive completely. Check your connection and upload it again."}

// uploadBroken means the browser's upload stopped half way (or was not a valid form).
func uploadBroken() error { return errUploadBroken }

// uploadObjects handles "POST /buckets/{bucket}/upload": a multipart form whose file parts are
// streamed to MinIO one at a time, never held whole in memory or on disk (uploadObject). Fields
// before the files ("prefix": the folder shown, "folder": an optional new sub-folder) place them.
// Parts named "file" keep their base name; parts named "tree" (the folder picker) keep the
// relative path the browser sends. A file that cannot be stored (a bad name, over the limit,
// refused by storage) does not stop the others: the flash sums up what was uploaded and what failed
// and why. A broken stream stops the upload with a page. The route table puts this route outside
// the form limit (routes.go); p.cfg.MaxUpload bounds each file instead, and p.uploads what all
// uploads hold at once.
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
	var sum uploadSummary
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadBroken()
		}
		filename := partFileName(part)
		switch {
		case filename == "" && (part.FormName() == "prefix" || part.FormName() == "folder"):
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
		case (part.FormName() == "file" || part.FormName() == "tree") && filename != "":
			key, msg := uploadKey(prefix, folder, filename, part.FormName() == "tree")
			if msg != "" {
				sum.fail(filename, badRequest(msg))
				break
			}
			n, err := p.uploadObject(r.Context(), ep, cr, name, key, part)
			if err != nil && !sum.fail(filename, err) {
				return err
			}
			if err == nil {
				sum.done(key, n)
			}
		default:
			// An empty file input or an unknown field: skip it (bounded).
			if _, err := io.Copy(io.Discard, io.LimitReader(part, 1<<20)); err != nil {
				return uploadBroken()
			}
		}
		_ = part.Close()
	}
	if len(sum.uploaded) == 0 && len(sum.failed) == 1 {
		return sum.firstErr // one file, refused: its page says why, as before
	}
	p.session(r).Data.AddFlash(sum.String())
	return p.redirect(w, r, withQuery(bucketPath(name), url.Values{"prefix": {prefix}}))
}

// partFileName is a file part's name as the browser sent it, folders included (a folder picker
// sends "dir/sub/name"); multipart.Part.FileName would keep only the base name.
func partFileName(part *multipart.Part) string {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil {
		return part.FileName()
	}
	return params["filename"]
}

// uploadSummary is what an upload of several files stored and what it could not.
type uploadSummary struct {
	uploaded []string
	total    int64
	failed   []string // "name: why"
	firstErr error
}

func (s *uploadSummary) done(key string, n int64) {
	s.uploaded = append(s.uploaded, key)
	s.total += n
}

// fail records a file that could not be stored, if err concerns that file only (its name, its size,
// storage refusing it); it reports false for an error that stops the whole upload.
func (s *uploadSummary) fail(filename string, err error) bool {
	why := ""
	var ue *userError
	var oe *oscar.Error
	switch {
	case errors.As(err, &ue):
		if ue == errUploadBroken {
			return false // the stream itself broke: no later file can be read
		}
		why = ue.msg
	case errors.As(err, &oe) && (oe.BadInput() || oe.NotFound() || oe.Kind == oscar.Forbidden):
		why = oe.UserMessage()
	default:
		return false
	}
	if s.firstErr == nil {
		s.firstErr = err
	}
	s.failed = append(s.failed, filename+": "+why)
	return true
}

// String is the flash message.
func (s *uploadSummary) String() string {
	var msg string
	switch len(s.uploaded) {
	case 0:
		if len(s.failed) == 0 {
			return "Choose a file to upload first."
		}
		msg = "No file was uploaded."
	case 1:
		msg = fmt.Sprintf("Uploaded %s (%s).", s.uploaded[0], humanBytes(s.total))
	default:
		msg = fmt.Sprintf("Uploaded %d files (%s).", len(s.uploaded), humanBytes(s.total))
	}
	if len(s.failed) > 0 {
		msg += fmt.Sprintf(" %d not uploaded: %s", len(s.failed), strings.Join(shortList(s.failed, 5), "; "))
	}
	return msg
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

// uploadObject sends one file part to MinIO. A part that declares its Content-Length streams
// straight through a presigned PUT. Browsers do not give a part's length, and MinIO (like S3) needs
// a PUT's length up front, so a part of unknown length goes as an S3 multipart upload signed with
// the user's MinIO keys (oscar.UploadObject), through one part buffer of p.partSize: nothing is
// written to disk and the memory an upload holds is bounded whatever the file's size. The buffers
// of every upload come out of one process-wide budget (p.uploads); an upload that finds none left
// is refused with a 503 page. When OSCAR gives the console no MinIO keys for the user, the part is
// spooled to disk and sent through a presigned PUT instead, its spool counted against the same
// budget.
func (p *Pages) uploadObject(ctx context.Context, ep oscar.Endpoint, cr oscar.Creds, bucket, key string, part *multipart.Part) (int64, error) {
	limit := p.cfg.MaxUpload
	if n, err := strconv.ParseInt(part.Header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		if limit > 0 && n > limit {
			return 0, tooLarge(limit)
		}
		// Ask first, so a refusal (quota, permissions) comes before the bytes.
		link, err := p.presignUpload(ctx, ep, cr, bucket)(key)
		if err != nil {
			return 0, err
		}
		if err := p.oscar.PutObject(ctx, link.URL, link.Headers, part, n); err != nil {
			return 0, fmt.Errorf("handlers: upload %q to %q: %w", key, bucket, err)
		}
		return n, nil
	}

	if !p.uploads.take(p.partSize) {
		return 0, uploadsBusy()
	}
	src := &uploadSource{r: part, limit: limit}
	buf := make([]byte, p.partSize)
	n, err := p.oscar.UploadObject(ctx, ep, cr, bucket, key, src, buf)
	p.uploads.give(p.partSize)
	switch {
	case src.err != nil:
		return 0, src.failure(limit)
	case errors.Is(err, oscar.ErrNoStorageCredentials):
		return p.spoolUpload(ctx, ep, cr, bucket, key, src)
	case err != nil:
		return 0, fmt.Errorf("handlers: upload %q to %q: %w", key, bucket, err)
	}
	return n, nil
}

// presignUpload returns a function that asks OSCAR to sign a PUT of key into bucket.
func (p *Pages) presignUpload(ctx context.Context, ep oscar.Endpoint, cr oscar.Creds, bucket string) func(key string) (*oscar.PresignResponse, error) {
	return func(key string) (*oscar.PresignResponse, error) {
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
}

// spoolUpload is the fallback for a part of unknown length when the console has no MinIO keys to
// sign a multipart upload: the part is spooled to a temporary file, which takes budget from
// p.uploads as it grows (so concurrent spools cannot fill the disk), then sent through a presigned
// PUT with its exact length. A file larger than the whole budget is refused with 413.
func (p *Pages) spoolUpload(ctx context.Context, ep oscar.Endpoint, cr oscar.Creds, bucket, key string, src *uploadSource) (int64, error) {
	presign := p.presignUpload(ctx, ep, cr, bucket)
	// Ask first, so a refusal (quota, permissions) comes before the bytes.
	link, err := presign(key)
	if err != nil {
		return 0, err
	}
	signed := time.Now()
	f, err := os.CreateTemp("", "oscar-console-upload-*")
	if err != nil {
		return 0, fmt.Errorf("handlers: spool upload: %w", err)
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	spool := &spoolWriter{w: f, budget: p.uploads}
	defer spool.release()
	n, err := io.Copy(spool, src)
	switch {
	case src.err != nil:
		return 0, src.failure(p.cfg.MaxUpload)
	case errors.Is(err, errUploadsBusy):
		return 0, uploadsBusy()
	case errors.Is(err, errSpoolTooLarge):
		return 0, &userError{http.StatusRequestEntityTooLarge, "The file is too large",
			"OSCAR gave the console no storage keys for your account, so it can only pass files of up to " + humanBytes(p.uploads.total) + " to storage. Upload larger files with a presigned link."}
	case err != nil:
		return 0, fmt.Errorf("handlers: spool upload: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("handlers: spool upload: %w", err)
	}
	if time.Since(signed) > uploadLinkTTL*time.Second/2 {
		// The file took long to arrive: sign again rather than race the link's expiry.
		if link, err = presign(key); err != nil {
			return 0, err
		}
	}
	// The body is an *os.File wrapped so the transport does not close it under the deferred Close.
	if err := p.oscar.PutObject(ctx, link.URL, link.Headers, io.LimitReader(f, n), n); err != nil {
		return 0, fmt.Errorf("handlers: upload %q to %q: %w", key, bucket, err)
	}
	return n, nil
}

// errPartTooLarge is uploadSource's error once a part passes the console's limit.
var errPartTooLarge = errors.New("handlers: file over the upload limit")

// uploadSource reads one file part for storage: it stops with errPartTooLarge as soon as the part
// passes limit (0: none), and remembers why reading stopped, so that a failed upload can be told
// apart from a failing storage.
type uploadSource struct {
	r     io.Reader
	limit int64
	n     int64
	err   error // the first error but io.EOF
}

func (s *uploadSource) Read(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(b)
	s.n += int64(n)
	if s.limit > 0 && s.n > s.limit {
		s.err = errPartTooLarge
		return 0, s.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
	}
	return n, err
}

// failure is the page for a part that could not be read to the end.
func (s *uploadSource) failure(limit int64) error {
	if errors.Is(s.err, errPartTooLarge) {
		return tooLarge(limit)
	}
	return uploadBroken()
}
