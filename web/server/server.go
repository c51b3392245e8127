// Package server is the console's HTTP shell, the layer above the pages: it builds the whole console
// from its configuration (Build: session store, OSCAR client, identity providers, pages, metrics) and
// assembles the root handler (the middleware every request goes through, the static assets, the
// operations endpoints /healthz, /readyz and /metrics, then the pages' route table). cmd/oscar-console,
// cmd/loadtest and the test harnesses all build the console here, so the server under test is the one
// that ships. Imports point one way: cmd → server → handlers → domain (web/oscar, web/auth,
// web/session, web/fdl, web/wizard) → templates, static.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/oscarconsole/oscar-console/handlers"
	"github.com/oscarconsole/oscar-console/static"
	"github.com/oscarconsole/oscar-console/web/requestid"
)

// handlerOptions are the parts the root handler is assembled from (Build fills them).
type handlerOptions struct {
	Log     *slog.Logger
	Pages   *handlers.Pages
	Assets  *static.Assets
	Metrics *Metrics
	// HSTS adds Strict-Transport-Security: set when the console is served over HTTPS.
	HSTS bool
	// FormActions are extra origins allowed as form targets (the identity providers).
	FormActions []string
	// Ready reports whether the console can serve users (the session store answers).
	Ready func(context.Context) error
}

// newHandler returns the console's root handler. Middleware order: request ID, access log, panic
// recovery, security headers (before anything can answer, so refusals carry them too), cross-origin
// protection, HEAD as GET; then the routes. Body limits are the route table's (handlers/routes.go),
// since they depend on the route. /metrics is not here: it has a listener of its own
// (Console.MetricsHandler, CONSOLE_METRICS_ADDR), never the public one.
func newHandler(o handlerOptions) http.Handler {
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	o.Log = requestid.Logger(o.Log)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.Pages.Problem(w, r, http.StatusForbidden)
	}))

	r := chi.NewRouter()
	r.Use(requestID, accessLog(o.Log, o.Metrics), recoverer(o.Log, o.Pages.Problem),
		securityHeaders(CSP(o.FormActions), o.HSTS), cop.Handler, middleware.GetHead)

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
	if o.Assets != nil {
		// Only the assets are compressed: pages carry tokens next to text the user typed, and
		// compressing those would open them to BREACH-style guessing.
		assets := middleware.Compress(5, "text/css", "text/javascript", "application/javascript", "image/svg+xml")(o.Assets.Handler())
		r.Method(http.MethodGet, static.Prefix+"*", assets)
	}
	r.Group(o.Pages.Routes)
	return r
}
