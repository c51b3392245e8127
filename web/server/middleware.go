package server

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/oscarconsole/oscar-console/web/requestid"
)

// requestID gives every request a short random ID, kept in its context (web/requestid), where the
// log handler adds it to every line and the error pages read it. An incoming X-Request-Id from a
// proxy is kept when it looks sane.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !saneID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(requestid.NewContext(r.Context(), id)))
	})
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// accessLog writes one line per request: method, route pattern, status, duration (and the request ID,
// added by the log handler). Never the query string, headers, cookies or bodies, which may carry
// secrets. A method the console does not know is counted as "other" and logged cut to a few bytes,
// so made-up methods cannot grow the metrics or the log (the router answers them 405).
func accessLog(log *slog.Logger, m *Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			defer func() {
				status := ww.Status()
				if status == 0 {
					status = http.StatusOK
				}
				route := routePattern(r)
				method := methodLabel(r.Method)
				d := time.Since(start)
				if m != nil {
					m.ObserveRequest(route, method, status, d)
				}
				h := log.Handler()
				if !h.Enabled(r.Context(), slog.LevelInfo) {
					return
				}
				// The record is made here rather than by log.LogAttrs, which looks up its caller
				// (runtime.Callers, about 6 µs a request under load) for a source no handler of the
				// console writes.
				rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
				rec.AddAttrs(
					slog.String("method", method),
					slog.String("route", route),
					slog.Int("status", status),
					slog.Duration("duration", d),
					slog.Int("bytes", ww.BytesWritten()),
				)
				if method == otherMethod {
					rec.AddAttrs(slog.String("method_sent", cut(r.Method, maxLoggedMethod)))
				}
				_ = h.Handle(r.Context(), rec)
			}()
			next.ServeHTTP(ww, r)
		})
	}
}

// otherMethod is the label of every method the console does not know; maxLoggedMethod bounds how
// much of such a method the access log keeps.
const (
	otherMethod     = "other"
	maxLoggedMethod = 16
)

// methodLabel is method when it is one of HTTP's standard methods, otherMethod otherwise.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return otherMethod
}

// cut returns at most n bytes of s, as valid UTF-8.
func cut(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:n], "?") + "..."
}

// routePattern names the route without user data ("/services/{name}"), for logs and metric labels.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	if strings.HasPrefix(r.URL.Path, "/static/") {
		return "/static/*"
	}
	return "unmatched"
}

// recoverer turns a panic into the error page. The stack goes to the log, never to the user.
func recoverer(log *slog.Logger, page func(w http.ResponseWriter, r *http.Request, status int)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				rec := recover()
				if rec == nil {
					return
				}
				if rec == http.ErrAbortHandler {
					panic(rec)
				}
				log.ErrorContext(r.Context(), "panic", slog.Any("panic", rec),
					slog.String("stack", string(debug.Stack())))
				page(w, r, http.StatusInternalServerError)
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// securityHeaders sets the headers every response carries: a strict CSP with no inline script or
// style, no framing, no sniffing, no referrer, and HSTS when the console is served over HTTPS.
func securityHeaders(csp string, hsts bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), clipboard-write=(self)")
			if hsts {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// CSP builds the Content-Security-Policy. formActions lists the identity providers' origins: browsers
// apply form-action to the redirect that follows a form post (sign-in and sign-out go through them).
func CSP(formActions []string) string {
	fa := "'self'"
	for _, o := range formActions {
		if o != "" {
			fa += " " + o
		}
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action " + fa
}
