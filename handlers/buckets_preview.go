package handlers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/bucket"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Previews of objects. The preview page reads at most bucket.MaxText bytes of a text, JSON or CSV
// object and renders them escaped in the console's page; images and PDFs are shown from openObject,
// which serves inline only the types in bucket.InlineType (under that type, never storage's), with
// nosniff and a CSP sandbox. HTML, SVG and every other type are only ever attachments.

// previewObject handles "GET /buckets/{bucket}/preview?key=": one object shown in the page.
func (p *Pages) previewObject(w http.ResponseWriter, r *http.Request) error {
	name, key, err := bucketObject(r, func(string) (string, error) { return objectKeyQuery(r.URL.Query().Get("key")) })
	if err != nil {
		return err
	}
	folder := folderOf(key)
	props := templates.PreviewProps{
		Bucket: name, Key: key, Name: path.Base(key), Crumbs: crumbs(name, folder),
		BackURL:     withQuery(bucketPath(name), url.Values{"prefix": {folder}}),
		DownloadURL: objectPath(name, key),
		OpenURL:     withQuery(bucketPath(name, "open"), url.Values{"key": {key}}),
	}
	props.Crumbs[len(props.Crumbs)-1].URL = props.BackURL
	props.Crumbs = append(props.Crumbs, templates.Crumb{Label: props.Name})
	if previewKind(key, &props) {
		if err := p.readPreview(r, name, key, &props); err != nil {
			return err
		}
	}
	return p.render(w, r, http.StatusOK, templates.PreviewPage(p.layout(r, props.Name+" in "+name, "buckets"), props))
}

// readPreview reads the head of a text, JSON or CSV object into props.
func (p *Pages) readPreview(r *http.Request, name, key string, props *templates.PreviewProps) error {
	ep, cr := p.creds(r)
	body, size, err := p.fetchObject(r.Context(), ep, cr, name, key)
	if err != nil {
		return err
	}
	defer body.Close()
	if err := fillPreview(body, size, key, props); err != nil {
		return fmt.Errorf("handlers: preview from %q: %w", name, err)
	}
	return nil
}

// previewKind sets props.Kind for the kinds shown without reading the file, and reports whether
// the file's head must be read (fillPreview) for the others.
func previewKind(key string, props *templates.PreviewProps) bool {
	switch bucket.KindOf(key) {
	case bucket.Image:
		props.Kind = "image"
	case bucket.PDF:
		props.Kind = "pdf"
	case bucket.Hostile:
		props.Kind = "hostile"
	case bucket.None:
		props.Kind = "none"
	default:
		return true
	}
	return false
}

// fillPreview reads the head of a text, JSON or CSV file (at most bucket.MaxText bytes of body)
// into props.
func fillPreview(body io.Reader, size int64, key string, props *templates.PreviewProps) error {
	data, cut, err := bucket.ReadHead(body)
	if err != nil {
		return err
	}
	if size >= 0 {
		props.Size = humanBytes(size)
	}
	props.Cut = cut
	props.Limit = humanBytes(bucket.MaxText)
	if bucket.Binary(data) {
		props.Kind = "binary"
		return nil
	}
	switch bucket.KindOf(key) {
	case bucket.JSON:
		if s, ok := bucket.PrettyJSON(data); ok && !cut {
			props.Kind, props.Text = "json", s
			return nil
		}
	case bucket.CSV:
		if h, rows, more, ok := bucket.Table(key, data, cut); ok {
			props.Kind, props.Header, props.Rows, props.More = "csv", h, rows, more
			props.MaxRows = strconv.Itoa(bucket.MaxRows)
			return nil
		}
	}
	props.Kind, props.Text = "text", bucket.AsText(data)
	return nil
}

// openObject handles "GET /buckets/{bucket}/open?key=": an object's bytes for the preview's <img> or
// <iframe>. Only bucket.InlineType's types are served inline, under that type; anything else is an
// attachment, as from downloadObject.
func (p *Pages) openObject(w http.ResponseWriter, r *http.Request) error {
	name, key, err := bucketObject(r, func(string) (string, error) { return objectKeyQuery(r.URL.Query().Get("key")) })
	if err != nil {
		return err
	}
	ctype, inline := bucket.InlineType(key)
	return p.streamObject(w, r, name, key, ctype, inline)
}

// streamObject streams an object from MinIO through a presigned URL. inline (for the safe types of
// bucket.InlineType only) serves it as ctype for the browser to show, framed only by the console
// itself; otherwise it is an octet-stream attachment. Both carry nosniff and a CSP sandbox.
func (p *Pages) streamObject(w http.ResponseWriter, r *http.Request, name, key, ctype string, inline bool) error {
	ep, cr := p.creds(r)
	body, size, err := p.fetchObject(r.Context(), ep, cr, name, key)
	if err != nil {
		return err
	}
	defer body.Close()
	p.serveBody(w, r, body, size, key, ctype, inline)
	return nil
}

// serveBody sends a file's bytes as streamObject describes; key names the file. A stream that
// breaks once the headers are sent aborts the connection.
func (p *Pages) serveBody(w http.ResponseWriter, r *http.Request, body io.Reader, size int64, key, ctype string, inline bool) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if inline {
		h.Set("Content-Type", ctype)
		h.Set("Content-Disposition", "inline; "+strings.TrimPrefix(attachment(path.Base(key)), "attachment; "))
		// The console's own pages may frame it (the PDF preview); nobody else.
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'self'")
		h.Set("X-Frame-Options", "SAMEORIGIN")
	} else {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", attachment(path.Base(key)))
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	}
	if size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, newKeepAlive(body, w)); err != nil {
		if r.Context().Err() == nil {
			p.log.WarnContext(r.Context(), "download interrupted", "err", err)
		}
		// The headers are gone: abort the connection so the browser reports a failed download
		// instead of keeping a short file (net/http's documented way to do it).
		panic(http.ErrAbortHandler)
	}
}

// fetchObject opens an object's bytes from MinIO through a download link OSCAR signs; the caller
// closes the body. size is -1 when MinIO does not say.
func (p *Pages) fetchObject(ctx context.Context, ep oscar.Endpoint, cr oscar.Creds, name, key string) (io.ReadCloser, int64, error) {
	link, err := p.oscar.Presign(ctx, ep, cr, name, oscar.PresignRequest{ObjectKey: key, Operation: oscar.PresignDownload, ExpiresIn: downloadLinkTTL})
	if err != nil {
		return nil, 0, fmt.Errorf("handlers: presign download of %q: %w", name, err)
	}
	body, _, size, err := p.oscar.GetObject(ctx, link.URL)
	if err != nil {
		return nil, 0, fmt.Errorf("handlers: download from %q: %w", name, err)
	}
	return body, size, nil
}
