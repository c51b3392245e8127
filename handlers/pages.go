// Package handlers holds the console's pages: one Pages struct with every dependency, one file per
// screen, and routes.go listing every route. Handlers return error; one adapter (errors.go) turns an
// error into the right page, so users never see err.Error().
package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/oscarconsole/oscar-console/web/requestid"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/admin"
	"github.com/oscarconsole/oscar-console/web/apps"
	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/lru"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/remote"
	"github.com/oscarconsole/oscar-console/web/session"
)

// Cluster is an OSCAR endpoint listed by the operator (CONSOLE_OSCAR_ENDPOINTS).
type Cluster struct {
	Label    string
	Endpoint oscar.Endpoint
}

// Settings are the operator's choices the pages follow (cmd/oscar-console reads them from its
// configuration; web/server's Build passes them on). Zero values get the defaults.
type Settings struct {
	// Policy guards every OSCAR endpoint a user may choose (SSRF); Clusters are the operator's list.
	Policy   oscar.Policy
	Clusters []Cluster
	// RequiredVOs refuses OIDC sign-in to users in none of them.
	RequiredVOs []string
	// PublicURL is the console's external base URL; Version is shown in the footer.
	PublicURL *url.URL
	Version   string
	// MaxUpload bounds one streamed object upload (bytes); 0 means no bound beyond the disk of MinIO.
	// cmd/oscar-console defaults it to 5 GiB.
	MaxUpload int64
	// UploadBuffer bounds the bytes all object uploads of unknown length hold at once, in part
	// buffers (memory) and fallback spool files (disk) together; 0 means DefaultUploadBuffer.
	UploadBuffer int64
	// LoginRate bounds sign-in attempts per client address per minute; 0 means the default (20).
	LoginRate int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client (rate limits).
	TrustedProxies []netip.Prefix
	// FormLimit bounds a form post's body (bytes); 0 means DefaultFormLimit. The two routes whose
	// bodies stream (object upload, invocation) have limits of their own (routes.go).
	FormLimit int64
	// HubSources are the OSCAR Hub's catalogues (CONSOLE_HUB_SOURCES); none turns the Hub off.
	HubSources []remote.Source
	// AppSources are where each app kind's template comes from (CONSOLE_APP_SOURCES); nil means
	// apps.DefaultSources, and a kind missing from a non-nil map is off.
	AppSources apps.Sources
}

// Deps is everything the pages are built from.
type Deps struct {
	Log       *slog.Logger
	Sessions  *session.Manager
	OSCAR     *oscar.Client
	Providers []*auth.Provider
	// Remote reads files from catalogues the operator names (the Hub, app templates).
	Remote *remote.Fetcher
	Settings
	Now func() time.Time
}

// DefaultFormLimit bounds form posts: an FDL file and its scripts fit easily; uploads stream.
const DefaultFormLimit = 4 << 20

// Pages serves every screen of the console. Its dependencies are fixed by New.
type Pages struct {
	log       *slog.Logger
	sessions  *session.Manager
	oscar     *oscar.Client
	providers []*auth.Provider
	remote    *remote.Fetcher
	cfg       Settings
	now       func() time.Time
	limits    *limiter      // sign-in attempts per client address
	gate      *upstreamGate // concurrent signed-in requests per session, one gate for every route
	uploads   *uploadBudget // bytes held by uploads of unknown length, process-wide
	partSize  int64         // the part buffer of one such upload (UploadPartSize; tests shrink it)
	applies   *applyRuns    // whole-file FDL applies in progress (fdl_apply.go)
	hub       []hubSource   // the OSCAR Hub's catalogues with their URL names (hub.go)
	zipLimit  int64         // the largest zip of a selection (buckets_selection.go; tests shrink it)
	// unfederated holds the services (endpoint and name) last seen without federation members,
	// whose page does not ask the federation API (showService); a bounded count, no user data.
	unfederated *lru.Cache[struct{}]
}

// unfederatedServices bounds Pages.unfederated.
const unfederatedServices = 4096

// New builds the pages. Zero-valued optional dependencies get their defaults.
func New(d Deps) *Pages {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.LoginRate <= 0 {
		d.LoginRate = 20
	}
	if d.AppSources == nil {
		d.AppSources = apps.DefaultSources()
	}
	if d.FormLimit <= 0 {
		d.FormLimit = DefaultFormLimit
	}
	return &Pages{
		log:         requestid.Logger(d.Log),
		sessions:    d.Sessions,
		oscar:       d.OSCAR,
		providers:   d.Providers,
		remote:      d.Remote,
		cfg:         d.Settings,
		now:         d.Now,
		limits:      newLimiter(d.LoginRate, time.Minute, d.Now),
		gate:        newUpstreamGate(maxUpstreamPerSession, upstreamWait),
		uploads:     newUploadBudget(d.UploadBuffer),
		partSize:    UploadPartSize,
		zipLimit:    defaultZipLimit,
		applies:     newApplyRuns(),
		unfederated: lru.New[struct{}](unfederatedServices, unfederatedServices),
		hub:         hubSources(d.HubSources),
	}
}

type ctxKey int

const sessionKey ctxKey = 1

// withSession loads the browser's session once per request and keeps it in the context. A session
// store that cannot be reached gives a 503 page, never a silent sign-out.
func (p *Pages) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := p.sessions.Load(r)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey, s)))
	})
}

// readForm bounds the body to the form limit and parses url-encoded form posts up front, so a body
// over the limit is refused with a 413 page here rather than read by a handler as an empty form.
// Multipart posts (FDL import, wizard scripts) are parsed by their handlers, within the same bound.
func (p *Pages) readForm(next http.Handler) http.Handler {
	limit := p.cfg.FormLimit
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			if err := r.ParseForm(); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					p.fail(w, r, &userError{http.StatusRequestEntityTooLarge, "That form is too large",
						fmt.Sprintf("The console accepts forms of up to %d MiB. Upload large files to a bucket instead.", mbe.Limit>>20)})
					return
				}
				p.fail(w, r, badRequest("The form could not be read."))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody bounds the request body to n bytes, for a route whose handler reads a body larger than a
// form (routes.go).
func limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// session returns the request's session (loaded by withSession).
func (p *Pages) session(r *http.Request) *session.Session {
	s, _ := r.Context().Value(sessionKey).(*session.Session)
	if s == nil {
		return &session.Session{}
	}
	return s
}

// creds returns the active OSCAR endpoint and the credentials to call it with.
func (p *Pages) creds(r *http.Request) (oscar.Endpoint, oscar.Creds) {
	d := &p.session(r).Data
	if d.Kind == "basic" {
		return oscar.Endpoint(d.Endpoint), oscar.Creds{User: d.BasicUser, Password: d.BasicPassword}
	}
	return oscar.Endpoint(d.Endpoint), oscar.Creds{Token: d.AccessToken}
}

// layout fills the page frame for the current user and takes the pending flash messages.
func (p *Pages) layout(r *http.Request, title, nav string) templates.Layout {
	s := p.session(r)
	l := templates.Layout{
		Title:     title,
		Nav:       nav,
		RequestID: requestid.FromContext(r.Context()),
		Version:   p.cfg.Version,
	}
	if r.Method == http.MethodGet && SafeNext(r.URL.RequestURI()) {
		l.Path = r.URL.RequestURI()
	}
	if s.Data.SignedIn() {
		l.SignedIn = true
		l.AuthKind = s.Data.Kind
		l.UserName = displayName(&s.Data)
		l.Endpoint = s.Data.Endpoint
		l.Recent = s.Data.RecentEndpoints
		l.Admin = admin.IsAdmin(s.Data.Kind)
		l.Hub = len(p.hub) > 0
		// The header links Volumes when the cluster is known to offer them, from the features the
		// client last read for this user (no OSCAR call here).
		ep, cr := p.creds(r)
		if f, ok := p.oscar.KnownFeatures(ep, cr); ok {
			l.Volumes = f.Volumes
		}
	}
	l.Flash = s.Data.TakeFlash()
	return l
}

func displayName(d *session.Data) string {
	switch {
	case d.Kind == "basic":
		return d.BasicUser + " (OSCAR account)"
	case d.Name != "":
		return d.Name
	case d.Email != "":
		return d.Email
	default:
		return d.Subject
	}
}

// pageBuffers keeps the buffers pages are rendered into: a page is rendered whole before its
// status is sent (a failure half way gives an error page, not half a page), and growing a fresh
// buffer to a page of 100 KB costs more than the rest of the view.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putPageBuffer returns buf to the pool unless it grew past 1 MiB (a rare page; its memory is let go).
func putPageBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		buf.Reset()
		pageBuffers.Put(buf)
	}
}

// render renders c into a buffer first, so a failing component never leaves half a page behind a 200,
// saves the session (flash taken, activity noted), then writes status and body. Every HTML page is
// no-store: pages carry user data.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer putPageBuffer(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		return err
	}
	if err := p.save(w, r); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The length is known: the page goes out in one piece, without chunked encoding.
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	// Send what the server still buffers (the last few KB of a page) now rather than after the
	// middleware's access log and metrics: the page is complete at the browser that much sooner.
	if err := http.NewResponseController(w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// save writes the request's session back (and its cookie). An anonymous visitor with nothing to keep
// gets no session at all, so crawlers and health checks do not fill the store.
func (p *Pages) save(w http.ResponseWriter, r *http.Request) error {
	if p.sessions == nil {
		return nil
	}
	s, ok := r.Context().Value(sessionKey).(*session.Session)
	if !ok || s == nil {
		return nil // the session could not be loaded (store down): nothing to write back
	}
	d := &s.Data
	worth := d.SignedIn() || len(d.Login) > 0 || len(d.Flash) > 0 || len(d.Drafts) > 0 || d.Endpoint != ""
	if !worth && !p.hasCookie(r) {
		return nil
	}
	return p.sessions.Save(w, r, s)
}

func (p *Pages) hasCookie(r *http.Request) bool {
	_, err := r.Cookie(p.sessions.CookieName())
	return err == nil
}

// redirect saves the session and answers 303 See Other (post/redirect/get). Only same-site paths.
func (p *Pages) redirect(w http.ResponseWriter, r *http.Request, to string) error {
	if !SafeNext(to) {
		to = "/"
	}
	if err := p.save(w, r); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// handle adapts a handler that returns an error.
func (p *Pages) handle(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			p.fail(w, r, err)
		}
	}
}
