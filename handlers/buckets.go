package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/bucket"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// listBuckets handles "GET /buckets".
func (p *Pages) listBuckets(w http.ResponseWriter, r *http.Request) error {
	props := templates.BucketsProps{Form: templates.BucketForm{Visibility: "private"}}
	return p.renderBuckets(w, r, http.StatusOK, props)
}

// renderBuckets lists the buckets (one OSCAR call) around the create form in props.
func (p *Pages) renderBuckets(w http.ResponseWriter, r *http.Request, status int, props templates.BucketsProps) error {
	ep, cr := p.creds(r)
	all, err := p.oscar.Buckets(r.Context(), ep, cr)
	if err != nil {
		return fmt.Errorf("handlers: list buckets: %w", err)
	}
	q := r.URL.Query()
	props.Query = strings.TrimSpace(q.Get("q"))
	props.Mine = q.Get("mine") == "1"
	props.Total = len(all)
	props.ClearURL = "/buckets"
	props.Rows = bucketRows(all, props.Query, props.Mine, &p.session(r).Data)
	return p.render(w, r, status, templates.BucketsPage(p.layout(r, "Buckets", "buckets"), props))
}

// bucketOwner is a bucket's owner as OSCAR reports it (the field, else the owner tag).
func bucketOwner(b *oscar.Bucket) string {
	return cmp.Or(b.Owner, b.Metadata["owner"])
}

// bucketRows filters and sorts the buckets by name.
func bucketRows(all []oscar.Bucket, query string, mine bool, me *session.Data) []templates.BucketRow {
	needle := strings.ToLower(query)
	rows := make([]templates.BucketRow, 0, len(all))
	for i := range all {
		b := &all[i]
		owner := bucketOwner(b)
		isMine := ownerIsMe(me, owner)
		if mine && !isMine {
			continue
		}
		svc := cmp.Or(b.Metadata["from_service"], b.Metadata["service"])
		if svc == "true" || svc == "false" {
			svc = "" // the "service" tag is a flag on some OSCAR versions
		}
		if needle != "" && !strings.Contains(strings.ToLower(b.Name+" "+owner+" "+b.Metadata["owner_name"]+" "+svc), needle) {
			continue
		}
		row := templates.BucketRow{
			Name: b.Name, URL: bucketPath(b.Name), DeleteURL: bucketPath(b.Name, "delete"),
			Owner: cmp.Or(b.Metadata["owner_name"], owner), Mine: isMine,
			Visibility: cmp.Or(b.Visibility, "private"), Service: svc,
		}
		if svc != "" && validName(svc) {
			row.ServiceURL = servicePath(svc)
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b templates.BucketRow) int { return strings.Compare(a.Name, b.Name) })
	return rows
}

// bucketFieldOrder is the create form's field order, for the error summary.
func bucketFieldOrder() []string { return []string{"name", "visibility", "allowed_users"} }

// createBucket handles "POST /buckets": validates the form, then asks OSCAR to create the bucket.
// Invalid input, or OSCAR refusing it, re-renders the list with the form and its messages (422).
func (p *Pages) createBucket(w http.ResponseWriter, r *http.Request) error {
	form, err := formValues(r)
	if err != nil {
		return err
	}
	f := templates.BucketForm{
		Name:         strings.TrimSpace(form.Get("name")),
		Visibility:   strings.TrimSpace(form.Get("visibility")),
		AllowedUsers: form.Get("allowed_users"),
	}
	users, errs := bucket.CheckVisibility(f.Visibility, f.AllowedUsers)
	if msg := checkBucketName(f.Name); msg != "" {
		errs["name"] = msg
	}
	props := templates.BucketsProps{Form: f, Errors: templates.FieldErrors(errs)}
	if len(errs) > 0 {
		return p.renderBuckets(w, r, http.StatusUnprocessableEntity, props)
	}
	b := &oscar.Bucket{Name: f.Name, Visibility: f.Visibility, AllowedUsers: users}
	ep, cr := p.creds(r)
	if err := p.oscar.CreateBucket(r.Context(), ep, cr, b); err != nil {
		var oe *oscar.Error
		if !errors.As(err, &oe) || !(oe.BadInput() || oe.Kind == oscar.Forbidden) {
			return fmt.Errorf("handlers: create bucket %q: %w", f.Name, err)
		}
		// OSCAR's words (a quota, a name taken) belong next to the form.
		props.Problem = oe.UserMessage()
		return p.renderBuckets(w, r, http.StatusUnprocessableEntity, props)
	}
	p.session(r).Data.AddFlash("Bucket " + f.Name + " created.")
	return p.redirect(w, r, bucketPath(f.Name))
}

// checkBucketName applies the S3 bucket naming rules that MinIO enforces; "" means valid.
func checkBucketName(name string) string {
	switch {
	case name == "":
		return "Enter a bucket name."
	case len(name) < 3 || len(name) > 63:
		return "A bucket name has 3 to 63 characters."
	case strings.HasPrefix(name, "xn--") || strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3"):
		return "A bucket name cannot start with xn-- or end with -s3alias."
	case strings.Contains(name, ".."):
		return "A bucket name cannot have two dots in a row."
	case net.ParseIP(name) != nil:
		return "A bucket name cannot look like an IP address."
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-'
		if !ok {
			return "Use only lower-case letters, digits, dots and hyphens."
		}
		if (i == 0 || i == len(name)-1) && (c == '.' || c == '-') {
			return "A bucket name starts and ends with a letter or a digit."
		}
	}
	return ""
}

// bucketName reads and checks the {bucket} path value.
func bucketName(r *http.Request) (string, error) {
	b := r.PathValue("bucket")
	if !validName(b) {
		return "", notFound("There is no bucket with that name.")
	}
	return b, nil
}

// confirmDeleteBucket handles "GET /buckets/{bucket}/delete".
func (p *Pages) confirmDeleteBucket(w http.ResponseWriter, r *http.Request) error {
	name, err := bucketName(r)
	if err != nil {
		return err
	}
	ep, cr := p.creds(r)
	b, err := p.oscar.Bucket(r.Context(), ep, cr, name, "")
	if err != nil {
		return fmt.Errorf("handlers: get bucket %q to delete: %w", name, err)
	}
	svc := cmp.Or(b.Metadata["from_service"], b.Metadata["service"])
	if svc == "true" || svc == "false" {
		svc = ""
	}
	props := templates.BucketDeleteProps{Bucket: name, Service: svc, Action: bucketPath(name, "delete"), CancelURL: bucketPath(name)}
	return p.render(w, r, http.StatusOK, templates.BucketDeletePage(p.layout(r, "Delete bucket "+name, "buckets"), props))
}

// deleteBucket handles "POST /buckets/{bucket}/delete".
func (p *Pages) deleteBucket(w http.ResponseWriter, r *http.Request) error {
	name, err := bucketName(r)
	if err != nil {
		return err
	}
	if _, err := formValues(r); err != nil {
		return err
	}
	ep, cr := p.creds(r)
	if err := p.oscar.DeleteBucket(r.Context(), ep, cr, name); err != nil {
		return fmt.Errorf("handlers: delete bucket %q: %w", name, err)
	}
	p.session(r).Data.AddFlash("Bucket " + name + " deleted.")
	return p.redirect(w, r, "/buckets")
}
