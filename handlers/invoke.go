package handlers

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// Bounds of an invocation.
const (
	// maxInvokeBody bounds the invocation form (text or one file). Its base64 form (4/3 larger)
	// stays under the OSCAR client's default cap on what it sends (10 MiB); the console's body
	// limit (4 MiB by default) applies first anyway.
	maxInvokeBody = 6 << 20
	// maxInvokeText bounds the output shown as text in the page; the download has all of it.
	maxInvokeText = 1 << 20
	// maxInlineImage bounds an image shown in the page (its data: URL is in the page twice, for the
	// picture and its download); bigger ones are only offered as a download.
	maxInlineImage = 2 << 20
	// maxJobScanPages bounds the job pages read before and after an asynchronous invocation.
	maxJobScanPages = 10
)

// invokeSetup reads what an invocation needs: the service (its token), the cluster's features, and
// why invoking is impossible, if it is.
func (p *Pages) invokeSetup(r *http.Request, name string) (templates.InvokeProps, string, error) {
	ep, cr := p.creds(r)
	s, err := p.oscar.Service(r.Context(), ep, cr, name, false)
	if err != nil {
		return templates.InvokeProps{}, "", fmt.Errorf("handlers: get service %q to invoke: %w", name, err)
	}
	props := templates.InvokeProps{
		Service: name, ServiceURL: servicePath(name), Action: servicePath(name, "invoke"),
		JobsURL: servicePath(name, "jobs"), Mode: "job", Base64: true,
	}
	if f, err := p.oscar.Features(r.Context(), ep, cr); err != nil {
		p.log.InfoContext(r.Context(), "features unavailable", "err", err)
	} else if f.Run {
		props.Sync, props.Mode = true, "run"
	}
	token := invocationToken(&p.session(r).Data, s)
	if token == "" && !cr.Bearer() {
		props.CannotRun = "OSCAR does not accept its admin password for invocations, and it returned no token for this service."
	}
	return props, token, nil
}

// invocationToken picks the bearer for /job and /run: an EGI Check-in user's own token (so the jobs
// are theirs and show in their job list), the service token for OSCAR's basic-auth account, which
// OSCAR refuses there.
func invocationToken(d *session.Data, s *oscar.Service) string {
	if d.Kind == session.KindOIDC {
		return ""
	}
	return s.Token
}

// showInvokeForm handles "GET /services/{name}/invoke".
func (p *Pages) showInvokeForm(w http.ResponseWriter, r *http.Request) error {
	name, err := serviceName(r)
	if err != nil {
		return err
	}
	props, _, err := p.invokeSetup(r, name)
	if err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, templates.InvokePage(p.layout(r, "Invoke "+name, "services"), props))
}

// invokeService handles "POST /services/{name}/invoke": synchronous through /run (the output is shown as
// text, an image or a download), or asynchronous through /job, then a link to the new job.
func (p *Pages) invokeService(w http.ResponseWriter, r *http.Request) error {
	name, err := serviceName(r)
	if err != nil {
		return err
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return &userError{http.StatusRequestEntityTooLarge, "The input is too large",
				fmt.Sprintf("An invocation can carry at most %s. Upload bigger files to the service's input bucket instead.", humanBytes(maxInvokeBody))}
		}
		if err := r.ParseForm(); err != nil {
			return badRequest("The form could not be read. Go back and try again.")
		}
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	props, token, err := p.invokeSetup(r, name)
	if err != nil {
		return err
	}
	props.Input = r.FormValue("input")
	props.Base64 = r.FormValue("base64") == "1"
	if m := r.FormValue("mode"); m == "job" || (m == "run" && props.Sync) {
		props.Mode = m
	}
	layout := p.layout(r, "Invoke "+name, "services")
	if props.CannotRun != "" {
		props.Problem = props.CannotRun
		return p.render(w, r, http.StatusForbidden, templates.InvokePage(layout, props))
	}

	input := []byte(props.Input)
	if f, _, err := r.FormFile("file"); err == nil {
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("handlers: read invocation file: %w", err)
		}
		if len(data) > 0 {
			input = data
		}
	}
	if props.Base64 {
		input = []byte(base64.StdEncoding.EncodeToString(input))
	}

	ep, cr := p.creds(r)
	extendDeadlines(w, 3*time.Minute)
	if props.Mode == "run" {
		res, err := p.oscar.Run(r.Context(), ep, cr, name, token, bytes.NewReader(input), "")
		var oe *oscar.Error
		if err != nil && !errors.As(err, &oe) {
			return fmt.Errorf("handlers: run %q: %w", name, err)
		}
		if res != nil {
			props.Result = invokeResult(res)
		}
		status := http.StatusOK
		if err != nil {
			props.Problem = oe.UserMessage()
			status = http.StatusBadGateway
			if res != nil {
				props.Problem = fmt.Sprintf("The service answered with status %d.", res.Status)
			}
			p.log.InfoContext(r.Context(), "run failed", "service", name, "err", err)
		}
		return p.render(w, r, status, templates.InvokePage(layout, props))
	}

	before, beforeErr := p.jobNames(r, name)
	if err := p.oscar.RunJob(r.Context(), ep, cr, name, token, bytes.NewReader(input)); err != nil {
		var oe *oscar.Error
		if !errors.As(err, &oe) {
			return fmt.Errorf("handlers: start job of %q: %w", name, err)
		}
		p.log.InfoContext(r.Context(), "job not started", "service", name, "err", err)
		props.Problem = "The job was not started. " + oe.UserMessage()
		return p.render(w, r, http.StatusBadGateway, templates.InvokePage(layout, props))
	}
	d := &p.session(r).Data
	if beforeErr != nil {
		d.AddFlash("Job started. OSCAR does not say which one it is: it is the newest in the list.")
		return p.redirect(w, r, servicePath(name, "jobs"))
	}
	after, err := p.jobNames(r, name)
	var fresh []string
	if err == nil {
		for n := range after {
			if !before[n] {
				fresh = append(fresh, n)
			}
		}
	}
	switch len(fresh) {
	case 1:
		d.AddFlash("Job " + fresh[0] + " started.")
		return p.redirect(w, r, servicePath(name, "jobs", fresh[0]))
	case 0:
		d.AddFlash("Job started. It is not in OSCAR's list yet: refresh in a moment.")
	default:
		d.AddFlash(fmt.Sprintf("Job started. %d new jobs appeared meanwhile; yours is one of them.", len(fresh)))
	}
	return p.redirect(w, r, servicePath(name, "jobs"))
}

// jobNames lists the names of a service's jobs, following next_page for at most maxJobScanPages
// pages. OSCAR returns no job name from /job, so the new job is the one that appears.
func (p *Pages) jobNames(r *http.Request, service string) (map[string]bool, error) {
	ep, cr := p.creds(r)
	names := map[string]bool{}
	page := ""
	for range maxJobScanPages {
		jobs, err := p.oscar.Jobs(r.Context(), ep, cr, service, page)
		if err != nil {
			return nil, fmt.Errorf("handlers: list jobs of %q: %w", service, err)
		}
		for n := range jobs.Jobs {
			names[n] = true
		}
		if jobs.NextPage == "" || jobs.NextPage == page {
			return names, nil
		}
		page = jobs.NextPage
	}
	return names, nil
}

// invokeResult decides how to show a service's output: text, an image, or a file to download. OSCAR's
// FaaS supervisor usually answers base64; such an answer is decoded when it decodes to something
// sensible (an image, a known file type or readable text).
func invokeResult(res *oscar.RunResult) *templates.InvokeResult {
	out := &templates.InvokeResult{Status: res.Status, ContentType: res.ContentType, Truncated: res.Truncated,
		Failed: res.Status < 200 || res.Status > 299}
	data := res.Body
	ct, _, _ := mime.ParseMediaType(res.ContentType)
	if dec, ok := decodeBase64Output(data); ok && !res.Truncated {
		data, out.Decoded = dec, true
		ct = ""
	}
	if ct == "" || ct == "application/octet-stream" || (out.Decoded && ct == "text/plain") {
		ct, _, _ = mime.ParseMediaType(http.DetectContentType(data))
	}
	out.Size = humanBytes(int64(len(data)))
	switch {
	case len(data) == 0:
		out.Kind = "empty"
	case (ct == "image/png" || ct == "image/jpeg" || ct == "image/gif" || ct == "image/webp") && len(data) <= maxInlineImage:
		// Raster images only: they are shown from a data: URL, which the CSP allows for images.
		out.Kind = "image"
		out.DataURL = "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(data)
	case isText(ct, data):
		out.Kind = "text"
		t := data
		if len(t) > maxInvokeText {
			t, out.Truncated = t[:maxInvokeText], true
		}
		out.Text = strings.ToValidUTF8(string(t), "�")
	default:
		out.Kind = "file"
	}
	// Every output can be downloaded; as an opaque file, so the browser never renders it in the
	// console's origin.
	if out.Kind != "empty" {
		out.FileName = "output" + extensionFor(ct)
		if out.Kind != "image" {
			out.DataURL = "data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(data)
		}
	}
	return out
}

// decodeBase64Output decodes a base64 answer (optionally a data: URL) when the result looks like a
// file or text; short words that happen to be valid base64 stay as they are.
func decodeBase64Output(b []byte) ([]byte, bool) {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, "data:") {
		if i := strings.Index(s, ";base64,"); i > 0 && i < 200 {
			s = s[i+len(";base64,"):]
		}
	}
	if len(s) < 8 {
		return nil, false
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	dec, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	ct, _, _ := mime.ParseMediaType(http.DetectContentType(dec))
	if ct != "application/octet-stream" && !strings.HasPrefix(ct, "text/") {
		return dec, true // a recognised file type
	}
	if isText(ct, dec) {
		return dec, true
	}
	return nil, false
}

// isText reports whether data is best shown as text.
func isText(ct string, data []byte) bool {
	if strings.HasPrefix(ct, "text/") || ct == "application/json" || ct == "application/xml" || strings.HasSuffix(ct, "+json") {
		return true
	}
	if !utf8.Valid(data) {
		return false
	}
	for _, c := range data[:min(len(data), 4096)] {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// outputExtensions names the download of an invocation's output by its content type. A fixed
// table: the system's MIME database gives odd first choices (text/html is ".ehtml" on Debian).
var outputExtensions = map[string]string{
	"text/plain": ".txt", "text/html": ".html", "text/csv": ".csv", "text/markdown": ".md",
	"text/xml": ".xml", "application/xml": ".xml", "application/json": ".json",
	"application/x-ndjson": ".ndjson", "application/yaml": ".yaml", "text/yaml": ".yaml",
	"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
	"image/svg+xml": ".svg", "image/tiff": ".tif", "image/bmp": ".bmp",
	"application/pdf": ".pdf", "application/zip": ".zip", "application/gzip": ".gz",
	"application/x-tar": ".tar", "application/x-hdf5": ".h5", "application/netcdf": ".nc",
	"audio/mpeg": ".mp3", "audio/wav": ".wav", "video/mp4": ".mp4",
}

// extensionFor picks a file extension for a content type (without parameters): the table's, or
// ".bin".
func extensionFor(ct string) string {
	if ext, ok := outputExtensions[strings.ToLower(ct)]; ok {
		return ext
	}
	return ".bin"
}
