package handlers

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/session"
)

// Small helpers shared by the operate screens (services, jobs, invocation, buckets, cluster).

// servicePath is the console path of a service page, or of one of its sub-pages.
func servicePath(name string, sub ...string) string { return namedPath("/services/", name, sub...) }

// namedPath is root followed by name and the sub-pages, each escaped as one path segment.
func namedPath(root, name string, sub ...string) string {
	p := root + url.PathEscape(name)
	for _, s := range sub {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// bucketPath is the console path of a bucket page, or of one of its sub-pages.
func bucketPath(name string, sub ...string) string { return namedPath("/buckets/", name, sub...) }

// objectPath is the download path of an object: each key segment is escaped, the slashes kept.
func objectPath(bucket, key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return bucketPath(bucket) + "/objects/" + strings.Join(segs, "/")
}

// withQuery appends q to path, leaving out empty values.
func withQuery(path string, q url.Values) string {
	clean := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			if v != "" {
				clean.Add(k, v)
			}
		}
	}
	if len(clean) == 0 {
		return path
	}
	return path + "?" + clean.Encode()
}

// ownerIsMe reports whether a service or bucket owner is the signed-in user: the OIDC subject, or
// "cluster_admin" for OSCAR's basic-auth account (OSCAR's owner for everything the admin creates).
func ownerIsMe(d *session.Data, owner string) bool {
	if owner == "" {
		return false
	}
	if d.Kind == session.KindBasic {
		return owner == "cluster_admin"
	}
	return d.Subject != "" && owner == d.Subject
}

// humanBytes writes a byte count the way people read it (binary units).
func humanBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n)
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// showTime formats an OSCAR (Kubernetes) timestamp for people; anything unparsable is shown as is.
func showTime(s string) string {
	t, ok := parseTime(s)
	return formatTime(t, ok, s)
}

// timeLayouts are the forms OSCAR and the storage providers write times in. RFC 3339 with or without
// fractional seconds is the first (Parse accepts both with RFC3339Nano).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05 -0700 MST", "2006-01-02T15:04:05"}

// parseTime reads a time written in one of timeLayouts; ok is false for "" or any other form.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// formatTime shows t (read from s by parseTime) in UTC; s as it is when it was not read.
func formatTime(t time.Time, ok bool, s string) string {
	if !ok {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// shellQuote quotes s for a POSIX shell snippet.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// stateClass maps an OSCAR deployment state or a job status to a badge class.
func stateClass(state string) string {
	switch strings.ToLower(state) {
	case "ready", "succeeded":
		return "ok"
	case "pending", "degraded", "running", "suspended":
		return "warn"
	case "failed", "unknown":
		return "bad"
	case "stopped":
		return "off"
	}
	return ""
}

// bar builds an SVG bar from values, each drawn with its class; total is the full width (values
// beyond it are clipped). A zero total gives an empty bar.
func bar(label string, total float64, parts ...barPart) templates.Bar {
	b := templates.Bar{Label: label}
	if total <= 0 || math.IsNaN(total) {
		return b
	}
	x := 0.0
	for _, p := range parts {
		if p.value <= 0 || math.IsNaN(p.value) {
			continue
		}
		w := p.value / total * templates.BarWidth
		if x+w > templates.BarWidth {
			w = templates.BarWidth - x
		}
		if w <= 0 {
			break
		}
		b.Segments = append(b.Segments, templates.BarSegment{
			Class: p.class, X: strconv.FormatFloat(x, 'f', 2, 64), Width: strconv.FormatFloat(w, 'f', 2, 64), Title: p.title,
		})
		x += w
	}
	return b
}

type barPart struct {
	value float64
	class string
	title string
}

// formValues reads an urlencoded form within the request's body limit; a body that is too large or
// not a form is the user's problem, not a server error.
func formValues(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		return nil, badRequest("The form could not be read. Go back and try again.")
	}
	return r.PostForm, nil
}

// validName reports whether s can be a service, job or bucket name in a console path: OSCAR's own
// rules are stricter, this only keeps out what could never be one.
func validName(s string) bool {
	if s == "" || len(s) > 253 || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '/' || r == '\\' || r == '?' || r == '#' || r == '%' {
			return false
		}
	}
	return true
}

// extendDeadlines gives a long-running request (a bulk delete, a big upload or download) more time
// than the server's read and write timeouts; errors mean the writer cannot (a test recorder). Network
// deadlines are wall-clock time, so this uses time.Now, not the injected clock.
func extendDeadlines(w http.ResponseWriter, d time.Duration) {
	rc := http.NewResponseController(w)
	t := time.Now().Add(d)
	_ = rc.SetReadDeadline(t)
	_ = rc.SetWriteDeadline(t)
}
