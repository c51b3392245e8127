package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's log writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var servingRE = regexp.MustCompile(`msg=serving addr=(\S+)`)

// startConsole runs the real program on a free port and returns its base URL.
func startConsole(t *testing.T, vars map[string]string) (string, *syncBuffer, func() error) {
	t.Helper()
	if vars == nil {
		vars = map[string]string{}
	}
	if vars["CONSOLE_DATA_DIR"] == "" {
		vars["CONSOLE_DATA_DIR"] = t.TempDir()
	}
	if vars["CONSOLE_ADDR"] == "" {
		vars["CONSOLE_ADDR"] = "127.0.0.1:0"
	}
	if _, ok := vars["CONSOLE_METRICS_ADDR"]; !ok {
		vars["CONSOLE_METRICS_ADDR"] = "127.0.0.1:0" // tests run side by side: no fixed port
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, env(vars), out) }()
	var (
		once    sync.Once
		stopErr error
	)
	stop := func() error { // idempotent: the test and its cleanup may both call it
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(20 * time.Second):
				stopErr = errors.New("run did not return after cancel")
			}
		})
		return stopErr
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRE.FindStringSubmatch(out.String()); m != nil {
			t.Cleanup(func() { _ = stop() })
			return "http://" + m[1], out, stop
		}
		select {
		case err := <-done:
			t.Fatalf("run returned before serving: %v\n%s", err, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("console did not start:\n%s", out)
	return "", nil, nil
}

func TestRunStartsWithNoConfiguration(t *testing.T) {
	base, out, stop := startConsole(t, nil)
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("GET /healthz = %d %q, want 200 ok", resp.StatusCode, body)
	}
	resp, err = http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz = %d, want 200", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
	if !strings.Contains(out.String(), "generated a session key") {
		t.Errorf("log does not say a session key was generated:\n%s", out)
	}
}

func TestSessionKeyIsGeneratedOnceAndReused(t *testing.T) {
	dir := t.TempDir()
	_, _, stop := startConsole(t, map[string]string{"CONSOLE_DATA_DIR": dir})
	_ = stop()
	key := filepath.Join(dir, "session.key")
	fi, err := os.Stat(key)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("session key mode = %v, want 0600", fi.Mode().Perm())
	}
	first, _ := os.ReadFile(key)
	_, out, stop := startConsole(t, map[string]string{"CONSOLE_DATA_DIR": dir})
	_ = stop()
	second, _ := os.ReadFile(key)
	if !bytes.Equal(first, second) {
		t.Error("the session key changed on the second start")
	}
	if !strings.Contains(out.String(), "using the session key from the data directory") {
		t.Errorf("second start did not say it reused the key:\n%s", out)
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	base, _, stop := startConsole(t, nil)
	// A form post whose body is still arriving when the stop signal comes: its handler is running
	// (reading the form), so the server must let it finish and answer before run returns.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "username=oscar&password=x&endpoint=ftp%3A%2F%2Fx"
	head := "POST /login/basic HTTP/1.1\r\nHost: localhost\r\nSec-Fetch-Site: same-origin\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head+body[:10]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server start reading the request
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(200 * time.Millisecond) // shutdown is now waiting for this connection
	select {
	case err := <-stopped:
		t.Fatalf("run returned before the in-flight request finished: %v", err)
	default:
	}
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no answer: %v", err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(page), `name="endpoint"`) {
		t.Errorf("in-flight request = %d, want the login page refusing the endpoint (422)", resp.StatusCode)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the console still answers after shutdown")
	}
}

func TestBadSettingsStopTheStartWithOneMessageEach(t *testing.T) {
	keyDir := t.TempDir()
	shortKey := filepath.Join(keyDir, "short")
	if err := os.WriteFile(shortKey, []byte("too-short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"CONSOLE_DATA_DIR":         t.TempDir(),
		"CONSOLE_ADDR":             "not-an-address",
		"CONSOLE_PUBLIC_URL":       "ftp//broken",
		"CONSOLE_SESSION_KEY_FILE": filepath.Join(keyDir, "missing.key"),
		"CONSOLE_LOG_FORMAT":       "xml",
		"CONSOLE_SESSION_IDLE":     "soon",
		"CONSOLE_OSCAR_ENDPOINTS":  "Prod=ftp://oscar.example.org",
		"CONSOLE_OIDC_CLIENT_ID":   "console",
	}
	err := run(context.Background(), nil, env(vars), io.Discard)
	if err == nil {
		t.Fatal("run accepted a broken configuration")
	}
	msg := err.Error()
	for _, want := range []string{"CONSOLE_ADDR", "CONSOLE_PUBLIC_URL", "CONSOLE_SESSION_KEY_FILE", "CONSOLE_LOG_FORMAT",
		"CONSOLE_SESSION_IDLE", "CONSOLE_OSCAR_ENDPOINTS", "CONSOLE_OIDC_CLIENT_SECRET"} {
		if n := strings.Count(msg, want); n < 1 {
			t.Errorf("error does not mention %s:\n%s", want, msg)
		}
	}
	if lines := strings.Count(msg, "\n"); lines < 7 {
		t.Errorf("want one line per problem (7+), got %d:\n%s", lines+1, msg)
	}

	// A key that is too short is refused at start, with its own message.
	vars = map[string]string{"CONSOLE_DATA_DIR": t.TempDir(), "CONSOLE_ADDR": "127.0.0.1:0", "CONSOLE_SESSION_KEY_FILE": shortKey}
	err = run(context.Background(), nil, env(vars), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "32 bytes or more") {
		t.Errorf("short key: err = %v, want a message about 32 bytes", err)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	c, err := loadConfig([]string{"--addr", "127.0.0.1:9999", "--log-format", "json"},
		env(map[string]string{"CONSOLE_ADDR": "127.0.0.1:1", "HOME": t.TempDir()}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.LogFormat != "json" {
		t.Errorf("addr, format = %q, %q; want the flag values", c.Addr, c.LogFormat)
	}
	if got, want := c.publicURL.String(), "http://127.0.0.1:9999"; got != want {
		t.Errorf("default public URL = %q, want %q", got, want)
	}
}

func TestPlainHTTPPublicURLOnlyOnLocalhost(t *testing.T) {
	_, err := loadConfig(nil, env(map[string]string{"CONSOLE_PUBLIC_URL": "http://console.example.org", "HOME": t.TempDir()}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "must be https") {
		t.Errorf("err = %v, want https required off localhost", err)
	}
}

// TestAPublicListenerNeedsHTTPS: listening beyond loopback with a plain-http public URL (the
// container image's CONSOLE_ADDR=:8080 alone) is refused at start; an https public URL (a
// TLS-terminating proxy, as the Helm chart sets) or a loopback address is accepted.
func TestAPublicListenerNeedsHTTPS(t *testing.T) {
	for _, tc := range []struct {
		addr, public string
		ok           bool
	}{
		{":8080", "", false},
		{"0.0.0.0:8080", "http://localhost:8080", false},
		{"[::]:8080", "", false},
		{"192.0.2.10:8080", "http://127.0.0.1:8080", false},
		{":8080", "https://console.example.org", true},
		{"127.0.0.1:8080", "", true},
		{"localhost:8080", "", true},
	} {
		vars := map[string]string{"HOME": t.TempDir(), "CONSOLE_ADDR": tc.addr}
		if tc.public != "" {
			vars["CONSOLE_PUBLIC_URL"] = tc.public
		}
		_, err := loadConfig(nil, env(vars), io.Discard)
		if tc.ok && err != nil {
			t.Errorf("CONSOLE_ADDR=%s CONSOLE_PUBLIC_URL=%q: %v", tc.addr, tc.public, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "CONSOLE_ADDR") || !strings.Contains(err.Error(), "https")) {
			t.Errorf("CONSOLE_ADDR=%s CONSOLE_PUBLIC_URL=%q: err = %v, want a refusal that names CONSOLE_ADDR and https", tc.addr, tc.public, err)
		}
	}
}

var metricsRE = regexp.MustCompile(`msg="serving metrics" addr=(\S+)`)

// TestMetricsHaveTheirOwnListener: /metrics answers on CONSOLE_METRICS_ADDR only, never on the
// public listener; CONSOLE_METRICS_ADDR=off serves no metrics at all.
func TestMetricsHaveTheirOwnListener(t *testing.T) {
	base, out, _ := startConsole(t, nil)
	m := metricsRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", out)
	}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get(base + "/healthz")
	if st, body := get("http://" + m[1] + "/metrics"); st != http.StatusOK || !strings.Contains(body, `console_http_requests_total{code="200",method="GET",route="/healthz"}`) {
		t.Errorf("GET /metrics on the metrics listener: %d\n%.300s", st, body)
	}
	if st, _ := get(base + "/metrics"); st != http.StatusNotFound {
		t.Errorf("GET /metrics on the public listener: %d, want 404", st)
	}
	if st, _ := get("http://" + m[1] + "/healthz"); st != http.StatusNotFound {
		t.Errorf("the metrics listener serves other paths: %d", st)
	}

	_, out2, _ := startConsole(t, map[string]string{"CONSOLE_METRICS_ADDR": "off"})
	if strings.Contains(out2.String(), "serving metrics") {
		t.Errorf("CONSOLE_METRICS_ADDR=off, yet metrics are served:\n%s", out2)
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, env(nil), &out); err != nil {
		t.Fatalf("--help: %v", err)
	}
	for _, name := range envNames() {
		if !strings.Contains(out.String(), "$"+name) {
			t.Errorf("--help does not list %s", name)
		}
	}
}

func TestReadmeDocumentsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range envNames() {
		if !strings.Contains(string(b), "`"+name+"`") {
			t.Errorf("README.md does not document %s", name)
		}
	}
}

func TestSeveralProvidersFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "demo-secret")
	if err := os.WriteFile(secret, []byte("demo-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(nil, env(map[string]string{
		"HOME":                             dir,
		"CONSOLE_PUBLIC_URL":               "https://console.example.org",
		"CONSOLE_OIDC_CLIENT_ID":           "console",
		"CONSOLE_OIDC_CLIENT_SECRET":       "prod-secret",
		"CONSOLE_OIDC2_ISSUER":             "https://aai-demo.egi.eu/auth/realms/egi",
		"CONSOLE_OIDC2_CLIENT_ID":          "console-demo",
		"CONSOLE_OIDC2_CLIENT_SECRET_FILE": secret,
		"CONSOLE_OIDC2_PROVIDER_NAME":      "EGI Check-in demo",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ps := c.oidcProviders()
	if len(ps) != 2 {
		t.Fatalf("%d providers, want 2", len(ps))
	}
	if ps[0].Issuer != "https://aai.egi.eu/auth/realms/egi" || ps[0].Name != "EGI Check-in" || ps[0].ClientSecret != "prod-secret" {
		t.Errorf("first provider = %+v", ps[0])
	}
	if ps[1].ID == ps[0].ID || ps[1].Name != "EGI Check-in demo" || ps[1].ClientSecret != "demo-secret-value" {
		t.Errorf("second provider = %+v", ps[1])
	}
	if ps[1].RedirectURL != "https://console.example.org/auth/callback" || ps[1].PostLogoutRedirectURL != "https://console.example.org/logged-out" {
		t.Errorf("redirect URIs = %q, %q", ps[1].RedirectURL, ps[1].PostLogoutRedirectURL)
	}
}

// TestUploadSettings: uploads are bounded by default (5 GiB per file, 64 MiB of part buffers and
// spool for all uploads at once); CONSOLE_MAX_UPLOAD=0 still means no limit, and a budget smaller
// than one upload part is refused at start.
func TestUploadSettings(t *testing.T) {
	home := t.TempDir()
	c, err := loadConfig(nil, env(map[string]string{"HOME": home}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxUpload != 5<<30 || c.UploadBuffer != 64<<20 {
		t.Errorf("defaults: max upload %d, upload buffer %d; want 5 GiB and 64 MiB", c.MaxUpload, c.UploadBuffer)
	}
	c, err = loadConfig(nil, env(map[string]string{"HOME": home, "CONSOLE_MAX_UPLOAD": "0", "CONSOLE_UPLOAD_BUFFER": "268435456"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxUpload != 0 || c.UploadBuffer != 256<<20 {
		t.Errorf("max upload %d, upload buffer %d; want 0 (no limit) and 256 MiB", c.MaxUpload, c.UploadBuffer)
	}
	for _, v := range []string{"1000", "-1", "lots"} {
		_, err = loadConfig(nil, env(map[string]string{"HOME": home, "CONSOLE_UPLOAD_BUFFER": v}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "CONSOLE_UPLOAD_BUFFER") || !strings.Contains(err.Error(), "16777216") {
			t.Errorf("CONSOLE_UPLOAD_BUFFER=%s: err = %v, want a refusal naming the setting and the part size", v, err)
		}
	}
}

func TestAppSourcesAreCheckedAtStart(t *testing.T) {
	base := map[string]string{"HOME": t.TempDir(), "CONSOLE_ADDR": "127.0.0.1:0"}
	base["CONSOLE_APP_SOURCES"] = "jupyter=file:/srv/x,juno=file:relative"
	_, err := loadConfig(nil, env(base), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CONSOLE_APP_SOURCES") || !strings.Contains(err.Error(), `unknown app "jupyter"`) || !strings.Contains(err.Error(), "file:/absolute/path") {
		t.Fatalf("err = %v, want both problems of CONSOLE_APP_SOURCES", err)
	}
	base["CONSOLE_APP_SOURCES"] = "terminal=file:/srv/apps/terminal,flows=off"
	c, err := loadConfig(nil, env(base), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.apps["terminal"].String() != "file:/srv/apps/terminal" || c.apps["juno"].String() != "github:grycap/oscar-juno@main" {
		t.Errorf("sources = %v", c.apps)
	}
	if _, on := c.apps["flows"]; on {
		t.Error("flows=off left the kind on")
	}
}
