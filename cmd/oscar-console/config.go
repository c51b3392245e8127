package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/web/apps"
	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/remote"
	"github.com/oscarconsole/oscar-console/web/server"
)

// defaultMaxUpload is CONSOLE_MAX_UPLOAD's default: 5 GiB, S3's largest single PUT.
const defaultMaxUpload = 5 << 30

// maxProviders is how many OpenID providers can be configured: CONSOLE_OIDC_* is the first,
// CONSOLE_OIDC2_* and CONSOLE_OIDC3_* the others (for example EGI production and demo).
const maxProviders = 3

// config is the console's whole configuration, read from the environment and flags of the same meaning.
type config struct {
	Addr, PublicURL, DataDir string
	MetricsAddr              string
	LogLevel, LogFormat      string
	TLSCert, TLSKey          string
	SessionKeyFile           string
	SessionStore             string
	SessionIdle, SessionMax  time.Duration
	Providers                [maxProviders]providerConfig
	RequiredVOs              []string
	Endpoints                string // Label=https://url,...
	AllowPrivate, AllowHTTP  bool
	AllowedEndpoints         string
	MaxUpload                int64
	UploadBuffer             int64
	LoginRate                int
	TrustedProxies           []string
	HubSources               string
	AppSources               string

	// Derived by validate.
	publicURL *url.URL
	clusters  []server.Cluster
	policy    oscar.Policy
	proxies   []netip.Prefix
	hub       []remote.Source
	apps      apps.Sources
}

// providerConfig is one OpenID provider.
type providerConfig struct {
	Issuer, ClientID, ClientSecret, ClientSecretFile, Scopes, Name string
}

// setting is one configuration value: its environment variable, its flag, default and help.
type setting struct {
	env, flag, def, help string
	set                  func(c *config, v string) error
}

func str(p func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error { *p(c) = v; return nil }
}

func boolean(p func(*config) *bool) func(*config, string) error {
	return func(c *config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false, not %q", v)
		}
		*p(c) = b
		return nil
	}
}

func duration(p func(*config) *time.Duration) func(*config, string) error {
	return func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("must be a positive duration such as 30m or 12h, not %q", v)
		}
		*p(c) = d
		return nil
	}
}

func list(p func(*config) *[]string) func(*config, string) error {
	return func(c *config, v string) error { *p(c) = splitList(v); return nil }
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// settings lists every setting; --help and the README table are made from it.
func settings() []setting {
	s := []setting{
		{"CONSOLE_ADDR", "addr", "127.0.0.1:8080", "address to listen on (host:port)", str(func(c *config) *string { return &c.Addr })},
		{"CONSOLE_PUBLIC_URL", "public-url", "", "external base URL of the console (default http://<addr>); the OIDC redirect URI is <public url>/auth/callback", str(func(c *config) *string { return &c.PublicURL })},
		{"CONSOLE_DATA_DIR", "data-dir", "", "directory for the session key and file sessions (default: the user's data directory, oscar-console)", str(func(c *config) *string { return &c.DataDir })},
		{"CONSOLE_LOG_LEVEL", "log-level", "info", "log level: debug, info, warn or error", str(func(c *config) *string { return &c.LogLevel })},
		{"CONSOLE_LOG_FORMAT", "log-format", "text", "log format: text or json", str(func(c *config) *string { return &c.LogFormat })},
		{"CONSOLE_TLS_CERT_FILE", "tls-cert-file", "", "serve HTTPS directly with this certificate (PEM); needs the key file too", str(func(c *config) *string { return &c.TLSCert })},
		{"CONSOLE_TLS_KEY_FILE", "tls-key-file", "", "private key (PEM) for the certificate", str(func(c *config) *string { return &c.TLSKey })},
		{"CONSOLE_SESSION_KEY_FILE", "session-key-file", "", "file with 32 or more random bytes that encrypt sessions; several keys, one per line, rotate them (first encrypts). Default: generated once into the data dir", str(func(c *config) *string { return &c.SessionKeyFile })},
		{"CONSOLE_SESSION_STORE", "session-store", "file:", "session store: file: (in the data dir), file:/path, or redis://[user:pass@]host:port/db (rediss:// for TLS; ?client_cache=off turns off Redis client-side caching of page views)", str(func(c *config) *string { return &c.SessionStore })},
		{"CONSOLE_SESSION_IDLE", "session-idle", "1h", "sign out after this long without activity", duration(func(c *config) *time.Duration { return &c.SessionIdle })},
		{"CONSOLE_SESSION_MAX", "session-max", "12h", "sign out this long after sign-in, whatever the activity", duration(func(c *config) *time.Duration { return &c.SessionMax })},
	}
	for i := range maxProviders {
		pre, fl := "CONSOLE_OIDC", "oidc"
		which := "the OpenID provider"
		if i > 0 {
			pre, fl = fmt.Sprintf("CONSOLE_OIDC%d", i+1), fmt.Sprintf("oidc%d", i+1)
			which = fmt.Sprintf("OpenID provider %d (optional)", i+1)
		}
		p := func(c *config) *providerConfig { return &c.Providers[i] }
		issuerDef, nameDef, scopesDef := "", "", ""
		if i == 0 {
			issuerDef, nameDef, scopesDef = "https://aai.egi.eu/auth/realms/egi", "EGI Check-in", strings.Join(auth.DefaultScopes(), " ")
		}
		s = append(s,
			setting{pre + "_ISSUER", fl + "-issuer", issuerDef, "issuer URL of " + which, str(func(c *config) *string { return &p(c).Issuer })},
			setting{pre + "_CLIENT_ID", fl + "-client-id", "", "client ID registered at " + which + "; without it its sign-in button is hidden", str(func(c *config) *string { return &p(c).ClientID })},
			setting{pre + "_CLIENT_SECRET", fl + "-client-secret", "", "client secret for " + which + " (prefer the _FILE form)", str(func(c *config) *string { return &p(c).ClientSecret })},
			setting{pre + "_CLIENT_SECRET_FILE", fl + "-client-secret-file", "", "file holding the client secret for " + which, str(func(c *config) *string { return &p(c).ClientSecretFile })},
			setting{pre + "_SCOPES", fl + "-scopes", scopesDef, "scopes to request from " + which + " (each must be enabled for the client; add offline_access for refresh tokens)", str(func(c *config) *string { return &p(c).Scopes })},
			setting{pre + "_PROVIDER_NAME", fl + "-provider-name", nameDef, "button label for " + which, str(func(c *config) *string { return &p(c).Name })},
		)
	}
	s = append(s,
		setting{"CONSOLE_REQUIRED_VOS", "required-vos", "", "comma-separated VOs; OIDC sign-in is refused unless the user belongs to one of them", list(func(c *config) *[]string { return &c.RequiredVOs })},
		setting{"CONSOLE_OSCAR_ENDPOINTS", "oscar-endpoints", "", "OSCAR clusters offered at sign-in, as Label=https://url,Label2=https://url2 (otherwise the user types one)", str(func(c *config) *string { return &c.Endpoints })},
		setting{"CONSOLE_ALLOWED_ENDPOINTS", "allowed-endpoints", "", "if set, only these OSCAR hosts may be used: comma-separated host names or *.suffix", str(func(c *config) *string { return &c.AllowedEndpoints })},
		setting{"CONSOLE_ALLOW_PRIVATE_ENDPOINTS", "allow-private-endpoints", "false", "allow OSCAR endpoints on loopback, private and link-local addresses (off: SSRF guard)", boolean(func(c *config) *bool { return &c.AllowPrivate })},
		setting{"CONSOLE_ALLOW_HTTP_ENDPOINTS", "allow-http-endpoints", "false", "allow plain-http OSCAR endpoints (development only)", boolean(func(c *config) *bool { return &c.AllowHTTP })},
		setting{"CONSOLE_MAX_UPLOAD", "max-upload", strconv.FormatInt(defaultMaxUpload, 10), "largest object upload in bytes streamed to a bucket (default 5 GiB; 0: no limit)", func(c *config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("must be a number of bytes, not %q", v)
			}
			c.MaxUpload = n
			return nil
		}},
		setting{"CONSOLE_UPLOAD_BUFFER", "upload-buffer", strconv.FormatInt(server.DefaultUploadBuffer, 10), "bytes all uploads of unknown length may hold at once, in 16 MiB part buffers and fallback spool files together (default 64 MiB: four uploads at once); an upload beyond it gets a 503 'busy, try again'", func(c *config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < server.UploadPartSize {
				return fmt.Errorf("must be a number of bytes of at least %d (one upload part), not %q", server.UploadPartSize, v)
			}
			c.UploadBuffer = n
			return nil
		}},
		setting{"CONSOLE_LOGIN_RATE", "login-rate", "20", "sign-in attempts allowed per client address per minute", func(c *config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("must be a positive whole number, not %q", v)
			}
			c.LoginRate = n
			return nil
		}},
		setting{"CONSOLE_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated addresses or CIDRs of reverse proxies (an ingress) whose X-Forwarded-For names the client for rate limits", list(func(c *config) *[]string { return &c.TrustedProxies })},
		setting{"CONSOLE_HUB_SOURCES", "hub-sources", defaultHubSources, "OSCAR Hub catalogues, comma-separated: github:owner/name@branch[//folder], https://base (with index.json) or file:/dir; off (or an empty flag): no Hub", str(func(c *config) *string { return &c.HubSources })},
		setting{"CONSOLE_APP_SOURCES", "app-sources", "", "where the Apps' templates come from: comma-separated kind=source overrides of the grycap repositories, kind one of juno, terminal, filebrowser, flows and source github:owner/name@ref[//folder], https://base (with index.json), file:/dir or off", str(func(c *config) *string { return &c.AppSources })},
		setting{"CONSOLE_METRICS_ADDR", "metrics-addr", "127.0.0.1:9090", "address of the Prometheus /metrics listener, apart from the public one (off: no metrics)", str(func(c *config) *string { return &c.MetricsAddr })},
	)
	return s
}

// defaultHubSources is the public OSCAR Hub.
const defaultHubSources = "github:grycap/oscar-hub@main"

// errHelp is returned when --help was asked for; run prints the usage and exits 0.
var errHelp = flag.ErrHelp

// loadConfig reads the environment, then the flags (a flag wins over its variable), and checks the
// whole configuration, reporting every problem at once.
func loadConfig(args []string, getenv func(string) string, usage io.Writer) (*config, error) {
	c := &config{}
	var problems []error
	all := settings()
	vals := map[string]string{}
	for _, s := range all {
		vals[s.flag] = s.def
		if v := getenv(s.env); v != "" {
			vals[s.flag] = v
		}
	}
	fs := flag.NewFlagSet("oscar-console", flag.ContinueOnError)
	fs.SetOutput(usage)
	for _, s := range all {
		fs.Func(s.flag, s.help+" ($"+s.env+")", func(v string) error { vals[s.flag] = v; return nil })
	}
	fs.Usage = func() { printUsage(usage, all) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " ")))
	}
	for _, s := range all {
		if err := s.set(c, vals[s.flag]); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", s.env, err))
		}
	}
	problems = append(problems, c.validate(getenv)...)
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return c, nil
}

func printUsage(w io.Writer, all []setting) {
	fmt.Fprintf(w, "Usage: oscar-console [flags]\n\nOSCAR Console, a web console for OSCAR serverless clusters.\n"+
		"Every flag has an environment variable of the same meaning; a flag wins over its variable.\n\n")
	for _, s := range all {
		def := ""
		if s.def != "" {
			def = " (default " + s.def + ")"
		}
		fmt.Fprintf(w, "  --%s, $%s%s\n      %s\n", s.flag, s.env, def, s.help)
	}
}

// validate checks the settings together and fills the derived fields.
func (c *config) validate(getenv func(string) string) []error {
	var p []error
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		p = append(p, fmt.Errorf("CONSOLE_ADDR: %q is not host:port (for example 127.0.0.1:8080 or :8080)", c.Addr))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p = append(p, fmt.Errorf("CONSOLE_ADDR: port %q is not a number from 0 to 65535", port))
	}
	if c.MetricsAddr == "off" {
		c.MetricsAddr = ""
	} else {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			p = append(p, fmt.Errorf("CONSOLE_METRICS_ADDR: %q is not host:port (for example 127.0.0.1:9090 or :9090)", c.MetricsAddr))
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			p = append(p, fmt.Errorf("CONSOLE_METRICS_ADDR: port %q is not a number from 0 to 65535", port))
		} else if c.MetricsAddr == c.Addr && n != 0 {
			p = append(p, errors.New("CONSOLE_METRICS_ADDR: must differ from CONSOLE_ADDR (the metrics are not for the public listener)"))
		}
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, fmt.Errorf("CONSOLE_LOG_LEVEL: must be debug, info, warn or error, not %q", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		p = append(p, fmt.Errorf("CONSOLE_LOG_FORMAT: must be text or json, not %q", c.LogFormat))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		p = append(p, errors.New("CONSOLE_TLS_CERT_FILE and CONSOLE_TLS_KEY_FILE: set both or neither"))
	}
	for _, f := range []struct{ env, path string }{{"CONSOLE_TLS_CERT_FILE", c.TLSCert}, {"CONSOLE_TLS_KEY_FILE", c.TLSKey}, {"CONSOLE_SESSION_KEY_FILE", c.SessionKeyFile}} {
		if f.path != "" {
			if _, err := os.ReadFile(f.path); err != nil {
				p = append(p, fmt.Errorf("%s: cannot read %q: %v", f.env, f.path, errors.Unwrap(err)))
			}
		}
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		c.PublicURL = scheme + "://" + c.Addr
		if h, port, err := net.SplitHostPort(c.Addr); err == nil && (h == "" || h == "0.0.0.0" || h == "::") {
			c.PublicURL = scheme + "://localhost:" + port
		}
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		p = append(p, fmt.Errorf("CONSOLE_PUBLIC_URL: %q is not an http(s) URL with a host and no query (for example https://console.example.org)", c.PublicURL))
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/")
		c.publicURL = u
		if u.Scheme == "http" && !isLocalHost(u.Hostname()) {
			p = append(p, fmt.Errorf("CONSOLE_PUBLIC_URL: %q must be https: session cookies are Secure, so plain http only works on localhost", c.PublicURL))
		} else if h, _, err := net.SplitHostPort(c.Addr); u.Scheme == "http" && err == nil && !isLocalHost(h) {
			p = append(p, fmt.Errorf("CONSOLE_ADDR: %q listens beyond this machine while the public URL is plain http (%s): passwords and session cookies would cross the network in clear. "+
				"Behind a TLS-terminating proxy, set CONSOLE_PUBLIC_URL=https://<your host>; or serve HTTPS with CONSOLE_TLS_CERT_FILE; or listen on 127.0.0.1", c.Addr, c.PublicURL))
		}
	}
	if c.DataDir == "" {
		dir, err := os.UserConfigDir()
		if xdg := getenv("XDG_DATA_HOME"); xdg != "" {
			dir, err = xdg, nil
		} else if home := getenv("HOME"); home != "" {
			dir, err = filepath.Join(home, ".local", "share"), nil
		}
		if err != nil {
			p = append(p, errors.New("CONSOLE_DATA_DIR: not set and no per-user data directory is known (set HOME or CONSOLE_DATA_DIR)"))
		}
		c.DataDir = filepath.Join(dir, "oscar-console")
	}
	if c.SessionMax < c.SessionIdle {
		p = append(p, fmt.Errorf("CONSOLE_SESSION_MAX (%s) must not be shorter than CONSOLE_SESSION_IDLE (%s)", c.SessionMax, c.SessionIdle))
	}
	if s := c.SessionStore; s != "" && !strings.HasPrefix(s, "file:") && !strings.HasPrefix(s, "redis://") && !strings.HasPrefix(s, "rediss://") {
		p = append(p, fmt.Errorf("CONSOLE_SESSION_STORE: %q must start with file:, redis:// or rediss://", s))
	}
	for _, tp := range c.TrustedProxies {
		pr, err := netip.ParsePrefix(tp)
		if err != nil {
			a, aerr := netip.ParseAddr(tp)
			if aerr != nil {
				p = append(p, fmt.Errorf("CONSOLE_TRUSTED_PROXIES: %q is not an address or CIDR", tp))
				continue
			}
			pr = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		c.proxies = append(c.proxies, pr.Masked())
	}
	c.policy = oscar.Policy{AllowPrivate: c.AllowPrivate, AllowHTTP: c.AllowHTTP, Allowed: splitList(c.AllowedEndpoints)}
	if v := strings.TrimSpace(c.HubSources); v != "off" && v != "none" {
		hubs, err := remote.ParseSources(v, c.AllowHTTP)
		if err != nil {
			p = append(p, fmt.Errorf("CONSOLE_HUB_SOURCES: %w", err))
		}
		c.hub = hubs
	}
	if srcs, err := apps.ParseSources(c.AppSources, c.AllowHTTP); err != nil {
		p = append(p, fmt.Errorf("CONSOLE_APP_SOURCES: %v", err))
	} else {
		c.apps = srcs
	}
	for _, item := range splitList(c.Endpoints) {
		label, raw, ok := strings.Cut(item, "=")
		if !ok || strings.TrimSpace(label) == "" {
			p = append(p, fmt.Errorf("CONSOLE_OSCAR_ENDPOINTS: %q is not Label=https://url", item))
			continue
		}
		ep, err := oscar.ParseEndpoint(raw, c.policy)
		if err != nil {
			p = append(p, fmt.Errorf("CONSOLE_OSCAR_ENDPOINTS: %s: %v", label, err))
			continue
		}
		c.clusters = append(c.clusters, server.Cluster{Label: strings.TrimSpace(label), Endpoint: ep})
	}
	for i := range c.Providers {
		pc := &c.Providers[i]
		name := "CONSOLE_OIDC"
		if i > 0 {
			name = fmt.Sprintf("CONSOLE_OIDC%d", i+1)
		}
		if pc.ClientSecret != "" && pc.ClientSecretFile != "" {
			p = append(p, fmt.Errorf("%s_CLIENT_SECRET and %s_CLIENT_SECRET_FILE: set one, not both", name, name))
		}
		if pc.ClientSecretFile != "" {
			b, err := os.ReadFile(pc.ClientSecretFile)
			if err != nil {
				p = append(p, fmt.Errorf("%s_CLIENT_SECRET_FILE: cannot read %q: %v", name, pc.ClientSecretFile, errors.Unwrap(err)))
			}
			pc.ClientSecret = strings.TrimSpace(string(b))
		}
		if pc.ClientID == "" {
			continue
		}
		if u, err := url.Parse(pc.Issuer); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && c.AllowHTTP)) || u.Host == "" {
			p = append(p, fmt.Errorf("%s_ISSUER: %q is not an https URL", name, pc.Issuer))
		}
		if pc.ClientSecret == "" {
			p = append(p, fmt.Errorf("%s_CLIENT_SECRET or %s_CLIENT_SECRET_FILE: the client ID is set, so its secret is needed (EGI clients are confidential)", name, name))
		}
		if pc.Name == "" {
			pc.Name = "OpenID provider " + strconv.Itoa(i+1)
		}
	}
	return p
}

// oidcProviders returns the configured providers (those with a client ID) as auth configs.
func (c *config) oidcProviders() []auth.Config {
	var out []auth.Config
	for i, pc := range c.Providers {
		if pc.ClientID == "" {
			continue
		}
		id := "oidc"
		if i > 0 {
			id = fmt.Sprintf("oidc%d", i+1)
		}
		out = append(out, auth.Config{
			ID: id, Name: pc.Name, Issuer: pc.Issuer, ClientID: pc.ClientID, ClientSecret: pc.ClientSecret,
			Scopes:                splitList(pc.Scopes),
			RedirectURL:           c.publicURL.String() + "/auth/callback",
			PostLogoutRedirectURL: c.publicURL.String() + "/logged-out",
		})
	}
	return out
}

// envNames lists every environment variable, sorted, for documentation tests.
func envNames() []string {
	var out []string
	for _, s := range settings() {
		out = append(out, s.env)
	}
	sort.Strings(out)
	return out
}

// isLocalHost reports whether h names this machine, where browsers treat plain http as secure enough
// for development.
func isLocalHost(h string) bool {
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
