// Command oscar-console serves OSCAR Console, a web console for OSCAR serverless clusters: sign-in
// with EGI Check-in (or any OpenID provider) or an OSCAR account, and every screen to define, run and
// watch OSCAR services, with all credentials kept on the server.
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oscarconsole/oscar-console/web/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "oscar-console: %v\n", err)
		os.Exit(1)
	}
}

// shutdownGrace bounds how long in-flight requests may take to finish after SIGINT/SIGTERM.
const shutdownGrace = 15 * time.Second

// run starts the console and serves until ctx ends. It is main without the process: tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(args, getenv, stdout)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(cfg, stdout)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (metrics): %w", cfg.MetricsAddr, err)
		}
	}
	app, err := build(ctx, cfg, log)
	if err != nil {
		ln.Close()
		if metricsLn != nil {
			metricsLn.Close()
		}
		return err
	}
	defer app.Close()

	srv := app.HTTPServer(log)
	// In-flight requests must outlive the stop signal: their context is not the cancelled one.
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	if cfg.TLSCert != "" {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	errc := make(chan error, 2)
	var metricsSrv *http.Server
	if metricsLn != nil {
		// The metrics have a listener of their own, loopback unless the operator says otherwise
		// (the Helm chart opens it to the cluster, never to the Ingress).
		metricsSrv = &http.Server{Handler: metricsOnly(app.MetricsHandler()), ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() {
			log.Info("serving metrics", "addr", metricsLn.Addr().String(), "path", "/metrics")
			errc <- metricsSrv.Serve(metricsLn)
		}()
	}
	go func() {
		log.Info("serving", "addr", ln.Addr().String(), "public_url", cfg.publicURL.String(), "tls", cfg.TLSCert != "")
		if cfg.TLSCert != "" {
			errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(sctx)
	}
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// metricsOnly serves h at GET /metrics and answers 404 elsewhere.
func metricsOnly(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return mux
}

// build wires the console from its configuration (server.Build): session keys from the data
// directory, the session store, the OSCAR client, the identity providers, the pages and the router.
func build(ctx context.Context, cfg *config, log *slog.Logger) (*server.Console, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	keys, err := sessionKeys(cfg, log)
	if err != nil {
		return nil, err
	}
	// go-redis logs connection trouble through a package-level logger; send it to ours so every line
	// the console writes has one format.
	redis.SetLogger(redisLog{log})
	if cfg.publicURL.Scheme != "https" {
		log.Warn("the public URL is plain http on localhost: the session cookie is not Secure and has no __Host- prefix; use https anywhere else", "public_url", cfg.publicURL.String())
	}
	oidc := cfg.oidcProviders()
	if len(oidc) == 0 {
		log.Info("no OpenID provider configured (CONSOLE_OIDC_CLIENT_ID unset): only OSCAR basic-auth sign-in is offered")
	}
	return server.Build(ctx, server.Config{
		Log: log, SessionStore: cfg.SessionStore, DataDir: cfg.DataDir, SessionKeys: keys,
		SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax, OIDC: oidc, RequiredVOs: cfg.RequiredVOs,
		Policy: cfg.policy, Clusters: cfg.clusters, PublicURL: cfg.publicURL, Version: version(),
		MaxUpload: cfg.MaxUpload, UploadBuffer: cfg.UploadBuffer, LoginRate: cfg.LoginRate, TrustedProxies: cfg.proxies,
		HubSources: cfg.hub,
		AppSources: cfg.apps,
	})
}

// sessionKeys reads the session keys, or creates one in the data directory on first start.
func sessionKeys(cfg *config, log *slog.Logger) ([][]byte, error) {
	path := cfg.SessionKeyFile
	if path == "" {
		path = filepath.Join(cfg.DataDir, "session.key")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			var b [48]byte
			if _, err := rand.Read(b[:]); err != nil {
				return nil, fmt.Errorf("session key: %w", err)
			}
			if err := os.WriteFile(path, []byte(base64.RawURLEncoding.EncodeToString(b[:])+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("session key: %w", err)
			}
			log.Info("generated a session key; set CONSOLE_SESSION_KEY_FILE to share one between replicas", "path", path)
		} else {
			log.Info("using the session key from the data directory", "path", path)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	var keys [][]byte
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if len(line) < 32 {
				return nil, fmt.Errorf("session key file %s: each key must be 32 bytes or more (for example: openssl rand -base64 48)", path)
			}
			keys = append(keys, []byte(line))
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("session key file %s holds no key", path)
	}
	return keys, nil
}

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redisLog adapts slog to go-redis's logger. go-redis prints addresses, never passwords.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// version is the module version the binary was built from, or "dev".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
