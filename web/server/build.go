package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/oscarconsole/oscar-console/handlers"
	"github.com/oscarconsole/oscar-console/static"
	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/remote"
	"github.com/oscarconsole/oscar-console/web/requestid"
	"github.com/oscarconsole/oscar-console/web/session"
)

// Config is what the console is built from. cmd/oscar-console fills it from its settings; the load
// generator and the test harnesses fill it directly. Zero values get the console's defaults.
type Config struct {
	Log *slog.Logger

	// SessionStore is "file:" (sessions under DataDir), "file:/path" or a redis:// or rediss:// URL.
	SessionStore string
	DataDir      string
	// SessionKeys encrypt the sessions: the first seals, every one opens (rotation).
	SessionKeys [][]byte
	// SessionIdle and SessionMax end a session after this long without activity, and after sign-in.
	SessionIdle, SessionMax time.Duration

	// OIDC lists the OpenID providers offered at sign-in; their discovery runs in the background,
	// retried while a provider is down. IdPClient calls them (nil: a client with a 15 s timeout).
	OIDC      []auth.Config
	IdPClient *http.Client

	// GitHubAPI and GitHubRaw replace GitHub's API and raw content hosts for the files fetched
	// from catalogues (web/remote); tests point them at a local fake. Empty means GitHub.
	GitHubAPI, GitHubRaw string

	// ObserveUpstream, when set, sees every OSCAR call as the metrics do (the load generator's probe).
	ObserveUpstream func(endpoint, op string, status int, d time.Duration)

	// Settings are the pages' settings (SSRF policy, listed clusters, public URL, limits). The
	// PublicURL's scheme decides more here: https makes the session cookie Secure with the __Host-
	// prefix and adds HSTS; plain http is for localhost only.
	Settings
	Now func() time.Time
}

// Cluster is an OSCAR endpoint the operator lists at sign-in (CONSOLE_OSCAR_ENDPOINTS).
type Cluster = handlers.Cluster

// Settings are the operator's choices the pages follow.
type Settings = handlers.Settings

// Upload bounds (Settings.UploadBuffer): the part buffer of one upload of unknown length, and the
// default budget of all of them.
const (
	UploadPartSize      = handlers.UploadPartSize
	DefaultUploadBuffer = handlers.DefaultUploadBuffer
)

// Console is a built console: its root handler and the parts its owner may need.
type Console struct {
	Handler   http.Handler
	Sessions  *session.Manager
	Metrics   *Metrics
	Providers []*auth.Provider

	close func()
}

// Build wires the console: session store and manager, metrics, the hardened OSCAR client, the
// identity providers, the pages and the root handler. Background work (provider discovery, the file
// store's sweep) runs until ctx ends or Close is called.
func Build(ctx context.Context, c Config) (*Console, error) {
	log := requestid.Logger(c.Log)
	if c.PublicURL == nil {
		return nil, errors.New("server: build: no public URL")
	}
	if c.IdPClient == nil {
		c.IdPClient = &http.Client{Timeout: 15 * time.Second}
	}
	ctx, cancel := context.WithCancel(ctx)
	backend, err := session.OpenBackend(c.SessionStore, c.DataDir, log)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("session store: %w", err)
	}
	stop := func() { cancel(); backend.Close() }
	secure := c.PublicURL.Scheme == "https"
	sessions, err := session.NewManager(backend, session.Options{
		Keys: c.SessionKeys, Secure: secure, IdleTimeout: c.SessionIdle, MaxLifetime: c.SessionMax, Log: log,
	})
	if err != nil {
		stop()
		return nil, fmt.Errorf("sessions: %w", err)
	}
	if r, ok := backend.(interface{ Run(context.Context) }); ok {
		go r.Run(ctx) // sweep expired file sessions
	}
	metrics := NewMetrics(sessions.Count)
	observe := metrics.ObserveUpstream
	if extra := c.ObserveUpstream; extra != nil {
		observe = func(endpoint, op string, status int, d time.Duration) {
			metrics.ObserveUpstream(endpoint, op, status, d)
			extra(endpoint, op, status, d)
		}
	}
	client := oscar.New(oscar.Options{Policy: c.Policy, Logger: log, Observe: observe})

	var providers []*auth.Provider
	var formActions []string
	for _, pc := range c.OIDC {
		p := auth.New(pc, c.IdPClient, log)
		go p.Run(ctx)
		providers = append(providers, p)
		if u, err := url.Parse(pc.Issuer); err == nil {
			formActions = append(formActions, u.Scheme+"://"+u.Host)
		}
	}
	assets, err := static.Default()
	if err != nil {
		stop()
		return nil, fmt.Errorf("static assets: %w", err)
	}
	pages := handlers.New(handlers.Deps{
		Log: log, Sessions: sessions, OSCAR: client, Providers: providers, Settings: c.Settings, Now: c.Now,
		Remote: remote.New(remote.Options{
			Policy: c.Policy, Logger: log, GitHubAPI: c.GitHubAPI, GitHubRaw: c.GitHubRaw,
		}),
	})
	h := newHandler(handlerOptions{
		Log: log, Pages: pages, Assets: assets, Metrics: metrics, HSTS: secure,
		FormActions: formActions, Ready: sessions.Ping,
	})
	return &Console{Handler: h, Sessions: sessions, Metrics: metrics, Providers: providers, close: stop}, nil
}

// MetricsHandler serves the console's Prometheus metrics. It is for a listener of its own
// (CONSOLE_METRICS_ADDR, loopback by default), never the public one: the metrics name routes and
// counts that are nobody else's business.
func (c *Console) MetricsHandler() http.Handler { return c.Metrics.Handler() }

// Close stops the console's background work and closes its session store.
func (c *Console) Close() { c.close() }

// HTTPServer is the http.Server the console ships with: its timeouts, and its error log in log.
// Streamed uploads and downloads extend the read and write deadlines for their own requests.
func (c *Console) HTTPServer(log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           c.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      90 * time.Second, // service creation takes 6 s or more in OSCAR, up to 30 s
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
