package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/bucket"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Objects of a bucket: listing with folders and pages, streamed upload and download, deletion and
// presigned links. OSCAR's API lists a bucket's objects (all of them, flat, 70 a page) and signs
// MinIO URLs for one object; the console reads and writes object bytes through those URLs with the
// OSCAR client (PutObject, GetObject), which applies the same SSRF policy as every OSCAR call.
// OSCAR cannot delete an object, so the client's DeleteObject sends MinIO an S3 DELETE signed on the
// server with the user's MinIO keys from OSCAR's config, under the same policy.

const (
	// objectsPerView is how many entries a bucket page aims to show.
	objectsPerView = 70
	// maxBucketScan bounds the OSCAR pages read for one bucket page: OSCAR has no prefix filter, so a
	// folder's entries are found by reading the flat listing.
	maxBucketScan = 10
	// uploadLinkTTL is the lifetime (seconds) of the presigned URL the console uploads through.
	uploadLinkTTL = 3600
	// downloadLinkTTL is the lifetime (seconds) of the presigned URL the console downloads through.
	downloadLinkTTL = 300
	// maxKeyLen is S3's limit on object keys (bytes).
	maxKeyLen = 1024
	// streamIdle is how long a streamed upload or download may stall before the server gives up.
	streamIdle = 2 * time.Minute
)

// showBucket handles "GET /buckets/{bucket}": one folder (?prefix=) of a bucket, from the position
// ?page= (OSCAR's continuation token) in its listing.
func (p *Pages) showBucket(w http.ResponseWriter, r *http.Request) error {
	name, err := bucketName(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	prefix, ok := cleanPrefix(q.Get("prefix"))
	if !ok {
		return badRequest("That folder name is not valid.")
	}
	token := q.Get("page")
	if len(token) > 4096 {
		return badRequest("That page link is not valid.")
	}
	return p.renderBucket(w, r, http.StatusOK, name, prefix, token, nil)
}

// renderBucket renders one folder of a bucket from token on; edit (if any) adds a form's values and
// messages to the page (the bucket page's forms re-render it with status 422).
func (p *Pages) renderBucket(w http.ResponseWriter, r *http.Request, status int, name, prefix, token string, edit func(*templates.BucketProps)) error {
	ep, cr := p.creds(r)
	props, err := p.scanBucket(r.Context(), ep, cr, name, prefix, token)
	if err != nil {
		return err
	}
	if edit != nil {
		edit(&props)
	}
	return p.render(w, r, status, templates.BucketPage(p.layout(r, "Bucket "+name, "buckets"), props))
}

// scanBucket reads OSCAR's listing from token on and keeps the entries under prefix: objects, and
// folders (the next path segment of deeper keys). It stops after objectsPerView entries, at the end
// of the listing, or after maxBucketScan pages; NextURL then continues from there.
func (p *Pages) scanBucket(ctx context.Context, ep oscar.Endpoint, cr oscar.Creds, name, prefix, token string) (templates.BucketProps, error) {
	props := templates.BucketProps{
		Name: name, Prefix: prefix, UploadAction: bucketPath(name, "upload"), LinkAction: bucketPath(name, "presign"),
		UploadLinkURL: withQuery(bucketPath(name, "presign"), url.Values{"op": {oscar.PresignUpload}, "key": {prefix}}),
		DeleteURL:     bucketPath(name, "delete"),
		ZipAction:     bucketPath(name, "selection", "zip"), SelectDeleteAction: bucketPath(name, "selection", "delete"),
		FolderAction: bucketPath(name, "folders"), VisibilityAction: bucketPath(name, "visibility"),
	}
	if p.cfg.MaxUpload > 0 {
		props.MaxUpload = humanBytes(p.cfg.MaxUpload)
	}
	props.Crumbs = crumbs(name, prefix)
	seen := map[string]bool{}
	next := ""
	for i := 0; i < maxBucketScan; i++ {
		page, err := p.oscar.Bucket(ctx, ep, cr, name, token)
		if err != nil {
			return props, fmt.Errorf("handlers: list bucket %q: %w", name, err)
		}
		props.Scanned++
		if i == 0 {
			props.Visibility = cmp.Or(page.Visibility, "private")
			props.VisForm = templates.BucketForm{Visibility: props.Visibility, AllowedUsers: strings.Join(page.AllowedUsers, "\n")}
			props.ServiceBucket = page.Metadata["service"] == "true"
			props.Owner = cmp.Or(page.Metadata["owner_name"], bucketOwner(&page.Bucket))
			if u := page.StorageUsage; u != nil {
				props.Usage = fmt.Sprintf("%s in %d objects", humanBytes(u.UsedBytes), u.Objects)
			}
		}
		for _, o := range page.Objects {
			rest, ok := strings.CutPrefix(o.Name, prefix)
			if !ok || rest == "" {
				continue
			}
			if dir, _, deeper := strings.Cut(rest, "/"); deeper {
				if !seen[dir] {
					seen[dir] = true
					props.Folders = append(props.Folders, templates.FolderRow{
						Name: dir + "/", Prefix: prefix + dir + "/", URL: withQuery(bucketPath(name), url.Values{"prefix": {prefix + dir + "/"}}),
					})
				}
				continue
			}
			row := templates.ObjectRow{
				Name: rest, Key: o.Name, Size: humanBytes(o.Size), Modified: showTime(o.LastModified),
				DownloadURL: objectPath(name, o.Name),
				LinkURL:     withQuery(bucketPath(name, "presign"), url.Values{"key": {o.Name}}),
				DeleteURL:   withQuery(bucketPath(name, "object-delete"), url.Values{"key": {o.Name}}),
				MoveURL:     withQuery(bucketPath(name, "move"), url.Values{"key": {o.Name}}),
			}
			if k := bucket.KindOf(o.Name); k != bucket.None && k != bucket.Hostile {
				row.PreviewURL = withQuery(bucketPath(name, "preview"), url.Values{"key": {o.Name}})
			}
			props.Objects = append(props.Objects, row)
		}
		if page.NextPage == "" || page.NextPage == token {
			next = ""
			break
		}
		token, next = page.NextPage, page.NextPage
		if len(props.Objects)+len(props.Folders) >= objectsPerView {
			break
		}
	}
	if next != "" {
		props.NextURL = withQuery(bucketPath(name), url.Values{"prefix": {prefix}, "page": {next}})
	}
	slices.SortFunc(props.Folders, func(a, b templates.FolderRow) int { return strings.Compare(a.Name, b.Name) })
	return props, nil
}

// crumbs builds the breadcrumb of a folder: the bucket, then each folder down to the current one.
func crumbs(bucket, prefix string) []templates.Crumb {
	out := []templates.Crumb{{Label: bucket, URL: bucketPath(bucket)}}
	acc := ""
	for _, seg := range strings.Split(strings.TrimSuffix(prefix, "/"), "/") {
		if seg == "" {
			continue
		}
		acc += seg + "/"
		out = append(out, templates.Crumb{Label: seg, URL: withQuery(bucketPath(bucket), url.Values{"prefix": {acc}})})
	}
	out[len(out)-1].URL = ""
	return out
}

// cleanPrefix normalises a folder prefix ("a/b" → "a/b/"); ok is false for something no key has.
func cleanPrefix(s string) (string, bool) {
	s = strings.TrimLeft(s, "/")
	if s == "" {
		return "", true
	}
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s, validKey(s)
}

// validKey reports whether s can be an object key the console handles: S3's length limit, UTF-8,
// no control characters, no "." or ".." segments (they would not survive a URL path).
func validKey(s string) bool {
	if s == "" || len(s) > maxKeyLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// bucketForm reads and checks the {bucket} path value, and reads the posted form.
func bucketForm(r *http.Request) (string, url.Values, error) {
	name, err := bucketName(r)
	if err != nil {
		return "", nil, err
	}
	form, err := formValues(r)
	return name, form, err
}

// bucketFormKey reads and checks the {bucket} path value, the posted form and its object key.
func bucketFormKey(r *http.Request) (string, url.Values, string, error) {
	name, form, err := bucketForm(r)
	if err != nil {
		return "", nil, "", err
	}
	key, err := objectKeyQuery(form.Get("key"))
	return name, form, key, err
}

// bucketObject reads and checks the {bucket} path value, then the object key that keyOf finds for it.
func bucketObject(r *http.Request, keyOf func(bucket string) (string, error)) (string, string, error) {
	name, err := bucketName(r)
	if err != nil {
		return "", "", err
	}
	key, err := keyOf(name)
	if err != nil {
		return "", "", err
	}
	return name, key, nil
}

// objectKeyParam reads the object key of a download path (/buckets/{bucket}/objects/<key>).
func objectKeyParam(r *http.Request, bucket string) (string, error) {
	key, ok := strings.CutPrefix(r.URL.Path, "/buckets/"+bucket+"/objects/")
	if !ok {
		k, err := url.PathUnescape(r.PathValue("*"))
		if err != nil {
			return "", notFound("There is no object with that name.")
		}
		key = k
	}
	if !validKey(key) || strings.HasSuffix(key, "/") {
		return "", notFound("There is no object with that name.")
	}
	return key, nil
}

// downloadObject handles "GET /buckets/{bucket}/objects/{key...}": the object streamed from MinIO
// through a presigned URL, always as an attachment (never rendered in the console's origin).
func (p *Pages) downloadObject(w http.ResponseWriter, r *http.Request) error {
	name, key, err := bucketObject(r, func(bucket string) (string, error) { return objectKeyParam(r, bucket) })
	if err != nil {
		return err
	}
	return p.streamObject(w, r, name, key, "", false)
}

// objectKeyQuery reads the ?key= (or form key=) of an object page.
func objectKeyQuery(v string) (string, error) {
	if !validKey(v) || strings.HasSuffix(v, "/") {
		return "", badRequest("That object name is not valid.")
	}
	return v, nil
}

// confirmDeleteObject handles "GET /buckets/{bucket}/object-delete?key=".
func (p *Pages) confirmDeleteObject(w http.ResponseWriter, r *http.Request) error {
	name, key, err := bucketObject(r, func(string) (string, error) { return objectKeyQuery(r.URL.Query().Get("key")) })
	if err != nil {
		return err
	}
	// Nothing is asked of OSCAR or MinIO here: the page only confirms, and a GET changes nothing.
	props := templates.ObjectDeleteProps{Bucket: name, Key: key, Action: bucketPath(name, "object-delete"),
		CancelURL: withQuery(bucketPath(name), url.Values{"prefix": {folderOf(key)}})}
	return p.render(w, r, http.StatusOK, templates.ObjectDeletePage(p.layout(r, "Delete "+path.Base(key), "buckets"), props))
}

// folderOf is the folder prefix of a key ("a/b/c.txt" → "a/b/").
func folderOf(key string) string {
	if i := strings.LastIndex(key, "/"); i >= 0 {
		return key[:i+1]
	}
	return ""
}

// deleteObject handles "POST /buckets/{bucket}/object-delete": the confirmed deletion of one object.
// OSCAR's API cannot delete objects, so the OSCAR client signs the S3 DELETE on the server with the
// user's MinIO keys from OSCAR's config (web/oscar DeleteObject); the keys never reach the browser or
// the logs.
func (p *Pages) deleteObject(w http.ResponseWriter, r *http.Request) error {
	name, _, key, err := bucketFormKey(r)
	if err != nil {
		return err
	}
	ep, cr := p.creds(r)
	if err := p.oscar.DeleteObject(r.Context(), ep, cr, name, key); err != nil {
		return fmt.Errorf("handlers: delete object in %q: %w", name, err)
	}
	p.session(r).Data.AddFlash("Deleted " + key + ".")
	return p.redirect(w, r, withQuery(bucketPath(name), url.Values{"prefix": {folderOf(key)}}))
}

// presignLifetimes are the link lifetimes offered, in seconds (OSCAR allows up to 7 days).
func presignLifetimes() []int { return []int{900, 3600, 86400, 604800} }

// showPresignForm handles "GET /buckets/{bucket}/presign?key=&op=": the form for a presigned link.
func (p *Pages) showPresignForm(w http.ResponseWriter, r *http.Request) error {
	name, err := bucketName(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	props := templates.PresignProps{Bucket: name, BucketURL: bucketPath(name), Key: q.Get("key"),
		Operation: q.Get("op"), Expires: "3600", Action: bucketPath(name, "presign")}
	if props.Operation != oscar.PresignUpload {
		props.Operation = oscar.PresignDownload
	}
	if len(props.Key) > maxKeyLen {
		props.Key = ""
	}
	return p.render(w, r, http.StatusOK, templates.PresignPage(p.layout(r, "Share a link", "buckets"), props))
}

// presignObject handles "POST /buckets/{bucket}/presign": asks OSCAR to sign a download or upload URL and
// shows it with its expiry.
func (p *Pages) presignObject(w http.ResponseWriter, r *http.Request) error {
	name, form, err := bucketForm(r)
	if err != nil {
		return err
	}
	props := templates.PresignProps{Bucket: name, BucketURL: bucketPath(name), Key: strings.TrimLeft(form.Get("key"), "/"),
		Operation: form.Get("operation"), Expires: form.Get("expires"), Action: bucketPath(name, "presign"), Errors: templates.FieldErrors{}}
	if !validKey(props.Key) || strings.HasSuffix(props.Key, "/") {
		props.Errors["key"] = "Enter the object's name, with its folders (for example results/out.png)."
	}
	if props.Operation != oscar.PresignDownload && props.Operation != oscar.PresignUpload {
		props.Errors["operation"] = "Choose download or upload."
	}
	secs, _ := strconv.Atoi(props.Expires)
	if !slices.Contains(presignLifetimes(), secs) {
		props.Errors["expires"] = "Choose how long the link works."
	}
	layout := p.layout(r, "Share a link", "buckets")
	if len(props.Errors) > 0 {
		return p.render(w, r, http.StatusUnprocessableEntity, templates.PresignPage(layout, props))
	}
	ep, cr := p.creds(r)
	res, err := p.oscar.Presign(r.Context(), ep, cr, name, oscar.PresignRequest{ObjectKey: props.Key, Operation: props.Operation, ExpiresIn: secs})
	if err != nil {
		var oe *oscar.Error
		if errors.As(err, &oe) && (oe.BadInput() || oe.NotFound()) {
			props.Problem = oe.UserMessage()
			return p.render(w, r, http.StatusUnprocessableEntity, templates.PresignPage(layout, props))
		}
		return fmt.Errorf("handlers: presign %s in %q: %w", props.Operation, name, err)
	}
	props.URL, props.Method = res.URL, cmp.Or(res.Method, "GET")
	props.ExpiresAt = showTime(res.ExpiresAt)
	if u, err := url.Parse(res.URL); err == nil {
		props.Host = u.Host
	}
	for _, k := range slices.Sorted(maps.Keys(res.Headers)) {
		props.Headers = append(props.Headers, templates.KV{Key: k, Value: res.Headers[k]})
	}
	return p.render(w, r, http.StatusOK, templates.PresignPage(layout, props))
}
