// Package web assembles the console's HTTP handler: the chi router, the middleware every request goes
// through, the static assets and the operations endpoints (/healthz, /readyz, /metrics). The pages
// themselves live in package handlers.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/oscarconsole/oscar-console/handlers"
	"github.com/oscarconsole/oscar-console/static"
)

// DefaultBodyLimit bounds form posts (an FDL file and a script fit easily); object uploads stream.
const DefaultBodyLimit = 4 << 20

// Options are the parts the handler is built from.
type Options struct {
	Log     *slog.Logger
	Pages   *handlers.Pages
	Assets  *static.Assets
	Metrics *Metrics
	// HSTS adds Strict-Transport-Security: set when the console is served over HTTPS.
	HSTS bool
	// FormActions are extra origins allowed as form targets (the identity providers).
	FormActions []string
	// BodyLimit caps request bodies except streamed uploads; 0 means DefaultBodyLimit.
	BodyLimit int64
	// Ready reports whether the console can serve users (the session store answers).
	Ready func(context.Context) error
}

// New returns the console's root handler. Middleware order: request ID, access log, panic recovery,
// cross-origin protection, security headers, body limit; then the routes.
func New(o Options) http.Handler {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.BodyLimit == 0 {
		o.BodyLimit = DefaultBodyLimit
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.Pages.Problem(w, r, http.StatusForbidden)
	}))

	r := chi.NewRouter()
	r.Use(requestID, accessLog(o.Log, o.Metrics), recoverer(o.Log, o.Pages.Problem), cop.Handler,
		securityHeaders(CSP(o.FormActions), o.HSTS), bodyLimit(o.BodyLimit, streamedUpload))

	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	r.Get("/readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if o.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := o.Ready(ctx); err != nil {
				o.Log.WarnContext(r.Context(), "not ready", "err", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready: session store unavailable\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	r.Method(http.MethodGet, "/metrics", o.Metrics.Handler())
	if o.Assets != nil {
		// Only the assets are compressed: pages carry tokens next to text the user typed, and
		// compressing those would open them to BREACH-style guessing.
		assets := middleware.Compress(5, "text/css", "text/javascript", "application/javascript", "image/svg+xml")(o.Assets.Handler())
		r.Method(http.MethodGet, static.Prefix+"*", assets)
		r.Method(http.MethodHead, static.Prefix+"*", assets)
	}
	r.Group(o.Pages.Routes)
	return r
}

// streamedUpload reports whether a request carries a body whose handler bounds it itself: an object
// upload (streamed to OSCAR's storage, CONSOLE_MAX_UPLOAD) or a service invocation (its own limit,
// larger than the form limit, since an input file travels base64-encoded).
func streamedUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := r.URL.Path
	return strings.HasPrefix(p, "/buckets/") && strings.HasSuffix(p, "/upload") ||
		strings.HasPrefix(p, "/services/") && strings.HasSuffix(p, "/invoke") && strings.Count(p, "/") == 3
}
