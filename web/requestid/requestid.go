// Package requestid carries a request's ID in its context and adds it to every log line written with
// that context. The shell sets the ID once per request; handlers read it for the error pages, and log
// through a logger whose handler is wrapped by Handler, so no call site adds it by hand.
package requestid

import (
	"context"
	"log/slog"
)

type key struct{}

// Attr is the name of the log attribute that holds the request ID.
const Attr = "request_id"

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// FromContext returns the request ID in ctx, or "".
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// Handler wraps h so that every record logged with a context holding a request ID carries it as
// request_id. Wrapping a handler that is already wrapped returns it unchanged.
func Handler(h slog.Handler) slog.Handler {
	if _, ok := h.(*handler); ok {
		return h
	}
	return &handler{h}
}

// Logger returns log with its handler wrapped by Handler (a discarding logger for nil).
func Logger(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	if _, ok := log.Handler().(*handler); ok {
		return log
	}
	return slog.New(Handler(log.Handler()))
}

type handler struct{ next slog.Handler }

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if id := FromContext(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(Attr, id))
	}
	return h.next.Handle(ctx, r)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler { return &handler{h.next.WithAttrs(as)} }

func (h *handler) WithGroup(name string) slog.Handler { return &handler{h.next.WithGroup(name)} }
