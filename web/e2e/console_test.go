package e2e

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/auth/authtest"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/remote/remotetest"
	"github.com/oscarconsole/oscar-console/web/server"
)

// The test accounts. Alice signs in at the OpenID Provider; the OSCAR account is the fake's admin.
const (
	aliceUser     = "alice"
	alicePassword = "correct horse battery"
	aliceName     = "Alice Example"
	testVO        = "vo.example.eu"
	basicUser     = oscartest.DefaultBasicUser
	basicPassword = oscartest.DefaultBasicPassword
)

func alice() authtest.User {
	return authtest.User{
		Subject:           "3f1c9a2e7d@egi.eu",
		PreferredUsername: aliceUser,
		Name:              aliceName,
		Email:             "alice@example.org",
		VOPersonID:        "3f1c9a2e7d@egi.eu",
		Entitlements:      []string{"urn:mace:egi.eu:group:" + testVO + ":role=member#aai.egi.eu"},
		Password:          alicePassword,
	}
}

// console is the real console on 127.0.0.1 with its test OpenID Provider and fake OSCAR.
type console struct {
	URL   string // http://127.0.0.1:port, no trailing slash
	OP    *authtest.OP
	OSCAR *oscartest.Server
	// Templates is the GitHub fake serving app templates (consoleOptions.Apps), else nil.
	Templates *remotetest.Server
	logs      *lockedBuffer
}

// consoleOptions change the wiring of one console.
type consoleOptions struct {
	// Clusters lists the fake OSCAR at sign-in (CONSOLE_OSCAR_ENDPOINTS) instead of letting the user
	// type its URL.
	Clusters bool
	// OSCAR edits the fake OSCAR's options.
	OSCAR func(*oscartest.Options)
	// Hub turns the OSCAR Hub on, reading test crates from a local fake of GitHub (hub_test.go).
	Hub bool
	// Apps serves the app templates from a local GitHub fake and a directory (apps_test.go).
	Apps bool
}

// newConsole builds the console as cmd/oscar-console does (file sessions, SSRF-guarded OSCAR client
// allowed to reach loopback over http, an OIDC provider, the static assets and the router with every
// middleware) and serves it on 127.0.0.1 until the test ends.
func newConsole(t *testing.T, o consoleOptions) *console {
	t.Helper()
	if suite.specErr != nil {
		t.Fatalf("OSCAR contract: %v", suite.specErr)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	public, _ := url.Parse(base)

	op := authtest.New(t, authtest.Options{PublicURL: base})
	op.AddUser(alice())

	fo := oscartest.Options{Tokens: op.ValidateAccessToken, OIDCGroups: []string{testVO}, Spec: suite.spec}
	if o.OSCAR != nil {
		o.OSCAR(&fo)
	}
	fake := oscartest.NewT(t, fo)

	policy := oscar.Policy{AllowPrivate: true, AllowHTTP: true}
	var clusters []server.Cluster
	if o.Clusters {
		ep, err := oscar.ParseEndpoint(fake.URL(), policy)
		if err != nil {
			t.Fatal(err)
		}
		clusters = []server.Cluster{{Label: "Test cluster", Endpoint: ep}}
	}
	cfg := server.Config{
		Log: log, SessionStore: "file:" + t.TempDir(),
		SessionKeys: [][]byte{[]byte("e2e-session-key-0123456789abcdef0123456789")},
		OIDC:        []auth.Config{op.ProviderConfig()}, Policy: policy, Clusters: clusters,
		RequiredVOs: []string{testVO}, PublicURL: public, Version: "e2e",
	}
	if o.Hub {
		hubCfg := newHubConfig(t)
		cfg.GitHubAPI, cfg.GitHubRaw, cfg.HubSources = hubCfg.api, hubCfg.raw, hubCfg.sources
	}
	var templates *remotetest.Server
	if o.Apps {
		if o.Hub {
			t.Fatal("consoleOptions: Hub and Apps each fake GitHub; use one per console")
		}
		templates = appTemplates(t, &cfg)
	}
	built, err := server.Build(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(built.Close)
	// Discovery runs in the background as in production; the tests sign in at once, so wait for it.
	if err := built.Providers[0].Discover(t.Context()); err != nil {
		t.Fatalf("discover the test OP: %v", err)
	}
	srv := built.HTTPServer(log)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // close at once: the browser tab is gone by now
		_ = srv.Shutdown(ctx)
		_ = srv.Close()
		if t.Failed() {
			t.Logf("console log:\n%s", logs.String())
		}
	})
	return &console{URL: base, OP: op, OSCAR: fake, Templates: templates, logs: logs}
}

// Endpoint is the fake OSCAR's URL as the user types it.
func (c *console) Endpoint() string { return c.OSCAR.URL() }

// assertNoSecretsLogged fails if a password or token of the test accounts reached the console's log.
func (c *console) assertNoSecretsLogged(t *testing.T, secrets ...string) {
	t.Helper()
	logs := c.logs.String()
	for _, s := range append([]string{alicePassword, basicPassword}, secrets...) {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the console logged a secret (%d characters)", len(s))
		}
	}
}

// lockedBuffer collects log output written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
