package handlers

// Fault injection of issue 11 at the page level: what the user sees when OSCAR, the identity
// provider or the session store fails, that no goroutine outlives the request, and that the wizard
// draft survives.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// shortClient is an OSCAR client with short waits, so that "OSCAR hangs" tests end quickly. One
// second, not less: under the race detector on a loaded 2-core machine a prompt answer from the fake
// has taken over 300 ms, and was then reported as a time-out.
func shortClient(d *Deps) {
	d.OSCAR = oscar.New(oscar.Options{Policy: d.Policy, Logger: d.Log, Timeout: time.Second,
		SlowTimeout: time.Second, ConnectTimeout: time.Second, MaxBody: 256 << 10})
}

// faultCase is one way OSCAR misbehaves.
type faultCase struct {
	name   string
	fault  func(w http.ResponseWriter, r *http.Request) bool
	closed bool // nothing listens at the endpoint
	status int  // the page's status
	title  string
	words  string // in the page's message
}

func oscarFaults(evilURL string) []faultCase {
	hang := func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return true
	}
	return []faultCase{
		{name: "refuses connections", closed: true, status: http.StatusBadGateway,
			title: "OSCAR did not answer properly", words: "could not be reached"},
		{name: "hangs past the timeout", fault: hang, status: http.StatusGatewayTimeout,
			title: "OSCAR did not answer in time", words: "did not answer in time"},
		{name: "answers 500 with a doubled body", fault: func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "Error getting MinIO data usage: dial tcp: refused%!(EXTRA string=x)Error again", http.StatusInternalServerError)
			return true
		}, status: http.StatusBadGateway, title: "OSCAR did not answer properly", words: "failed. OSCAR said: Error getting MinIO data usage"},
		{name: "answers garbage", fault: func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("<!doctype html><title>Proxy login</title>"))
			return true
		}, status: http.StatusBadGateway, title: "OSCAR did not answer properly", words: "could not read"},
		{name: "answers truncated JSON", fault: func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "4000")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`[{"name":"grey","image":"i`))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, status: http.StatusBadGateway, title: "OSCAR did not answer properly", words: "could not be reached"},
		{name: "answers a huge body", fault: func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte(strings.Repeat(`{"name":"x","image":"i","script":"s"},`, 200))
			_, _ = w.Write([]byte("["))
			for i := 0; i < 10000 && r.Context().Err() == nil; i++ {
				if _, err := w.Write(chunk); err != nil {
					break
				}
			}
			return true
		}, status: http.StatusBadGateway, title: "OSCAR did not answer properly", words: "too large"},
		{name: "redirects to another host", fault: func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, evilURL+"/steal", http.StatusFound)
			return true
		}, status: http.StatusBadGateway, title: "OSCAR did not answer properly", words: "redirect"},
	}
}

// TestFault_OSCARFaultsOnEveryScreen: for each way OSCAR can fail and each screen that reads from
// it, the user gets an error page with the right status and title, plain words naming the endpoint,
// a retry link, no secret, and no goroutine is left behind.
func TestFault_OSCARFaultsOnEveryScreen(t *testing.T) {
	var evilHits atomic.Int32
	evil := newCountingServer(t, &evilHits)
	screens := []string{"/services", "/services/grey", "/services/grey/jobs", "/services/grey/jobs/grey-job1",
		"/buckets", "/buckets/grey", "/services/grey/edit/general", "/services/grey/invoke", "/cluster",
		"/volumes", "/volumes/grey", "/apps", "/apps/grey/delete"}
	for _, fc := range oscarFaults(evil) {
		t.Run(fc.name, func(t *testing.T) {
			secNoLeak(t)
			var broken atomic.Bool
			o := oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
				if !broken.Load() || fc.fault == nil {
					return false
				}
				return fc.fault(w, r)
			}}
			e := newSecEnv(t, o, shortClient)
			seedGrey(t, e)
			broken.Store(true)
			if fc.closed {
				e.fake.Close()
			}
			host := strings.TrimPrefix(e.ep, "http://")
			for _, path := range screens {
				if fc.name == "answers garbage" && strings.Contains(path, "/jobs/") {
					continue // a job log is plain text: any bytes are a valid log, shown escaped
				}
				p := e.get(path)
				if p.StatusCode != fc.status || p.text("#error-title") != fc.title {
					t.Errorf("%s: status %d title %q, want %d %q", path, p.StatusCode, p.text("#error-title"), fc.status, fc.title)
					continue
				}
				msg := p.text("[data-testid=error]")
				if !strings.Contains(msg, host) || !strings.Contains(msg, fc.words) {
					t.Errorf("%s: message %q, want the endpoint %s and %q", path, msg, host, fc.words)
				}
				if href, _ := p.Doc.Find("[data-testid=retry]").Attr("href"); href != path {
					t.Errorf("%s: retry link %q", path, href)
				}
				if strings.Contains(p.Body, oscartest.DefaultBasicPassword) || strings.Contains(p.Body, "/steal") {
					t.Errorf("%s: the page shows a secret or the redirect target's path", path)
				}
			}
			if strings.Contains(e.logs.String(), oscartest.DefaultBasicPassword) {
				t.Error("the password reached the logs")
			}
		})
	}
	if n := evilHits.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

// seedGrey stores a service "grey" with a job and a bucket on the fake, for the screens to read.
func seedGrey(t *testing.T, e *secEnv) {
	t.Helper()
	if err := e.fake.PutService(map[string]any{"name": "grey", "image": "ghcr.io/grycap/imagemagick", "script": "#!/bin/sh\necho hi\n",
		"input": []any{map[string]any{"storage_provider": "minio.default", "path": "grey/in"}}}); err != nil {
		t.Fatal(err)
	}
	e.fake.AddJob("grey", "grey-job1", "Succeeded")
	e.fake.PutObjectData("grey", "in/a.txt", []byte("hello"))
}

// newCountingServer is a server that only counts the requests it gets (a redirect target that must
// never be reached).
func newCountingServer(t *testing.T, n *atomic.Int32) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String()
}

// TestFault_CreateFailsDraftKept: when OSCAR fails while creating the service, the user comes back
// to the wizard with OSCAR's words, and the whole draft is still there to try again.
func TestFault_CreateFailsDraftKept(t *testing.T) {
	for _, fc := range oscarFaults("http://127.0.0.1:9") {
		if fc.closed || fc.name == "answers garbage" {
			continue // creating answers with a status only: any 2xx body is success
		}
		t.Run(fc.name, func(t *testing.T) {
			secNoLeak(t)
			var broken atomic.Bool
			e := newSecEnv(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
				if broken.Load() && r.Method == http.MethodPost && r.URL.Path == "/system/services" {
					return fc.fault(w, r)
				}
				return false
			}}, shortClient)
			p := wzGeneral(t, e.harness, map[string]string{"name": "keepme", "memory": "1Gi"})
			wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
			broken.Store(true)
			rev := e.get("/services/new/review")
			if rev.StatusCode != http.StatusOK {
				t.Fatalf("review: %d", rev.StatusCode)
			}
			p = e.wzSubmit(rev, wzForm0, nil, "nav=create")
			if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/services/new/") {
				t.Fatalf("create with OSCAR failing: %d to %q, want 303 back to the wizard", p.StatusCode, p.location())
			}
			d := e.wzDraft("new")
			if d == nil || d.Service.Name != "keepme" || d.Service.Memory != "1Gi" {
				t.Fatalf("draft after the failed create = %+v, want it kept", d)
			}
			back := e.get(p.location())
			if back.StatusCode != http.StatusOK || !strings.Contains(back.Body, strings.TrimPrefix(e.ep, "http://")) &&
				!strings.Contains(strings.ToLower(back.Body), "oscar") {
				t.Errorf("the wizard does not say what OSCAR did (%d)", back.StatusCode)
			}
			if v := wzForm(t, back, wzForm0); back.Doc.Find(wzForm0).Length() == 1 && v.Get("name") != "" && v.Get("name") != "keepme" {
				t.Errorf("the form shows name %q, want keepme", v.Get("name"))
			}
		})
	}
}

// TestFault_IdentityProviderDownAtLogin: the provider goes down between the user's sign-in there and
// the code exchange. The login page says the provider did not answer; nobody is signed in.
func TestFault_IdentityProviderDownAtLogin(t *testing.T) {
	secNoLeak(t)
	e := newOIDCEnv(t, envOptions{})
	q := e.authorize(e.startLogin(e.oscar.URL(), "/services"))
	e.op.SetDown(true)
	p := e.get("/auth/callback?" + q.Encode())
	if p.StatusCode < 500 || p.StatusCode > 504 {
		t.Fatalf("callback with the provider down: status %d, want 502-504\n%s", p.StatusCode, p.Body)
	}
	if !strings.Contains(strings.ToLower(p.Body), "identity provider") && !strings.Contains(p.Body, "EGI Check-in") {
		t.Errorf("the page does not say the identity provider failed:\n%s", p.text("main"))
	}
	if e.signedIn() {
		t.Error("signed in although the code exchange failed")
	}
	e.op.SetDown(false)
	e.mustLogin("/services", "/services") // and it works again afterwards
}

// TestFault_IdentityProviderDownAtRefresh: the token is about to expire and the provider is down.
// While the token is still valid the user carries on; once it has expired the page says the
// identity provider did not answer, and the session and the draft being edited are kept for when it
// is back.
func TestFault_IdentityProviderDownAtRefresh(t *testing.T) {
	secNoLeak(t)
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/services/new/general", "/services/new/general")
	p := wzGeneral(t, e.harness, map[string]string{"name": "survivor"})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
	exp := e.sessionData().Expiry
	e.op.SetDown(true)

	e.clock.fix(exp.Add(-30 * time.Second)) // inside the refresh margin, still valid
	if p := e.get("/services/new/general"); p.StatusCode != http.StatusOK {
		t.Errorf("token still valid, provider down: status %d, want the page", p.StatusCode)
	}
	e.clock.fix(exp.Add(time.Minute)) // expired, cannot refresh
	p = e.get("/services/new/general")
	if p.StatusCode != http.StatusBadGateway || !strings.Contains(p.text("#error-title"), "identity provider") {
		t.Fatalf("expired token, provider down: status %d title %q, want 502 naming the identity provider", p.StatusCode, p.text("#error-title"))
	}
	e.op.SetDown(false)
	e.clock.shift(0)
	d := e.sessionData()
	if !d.SignedIn() {
		t.Fatal("a provider outage ended the session")
	}
	if dr := e.wzDraft("new"); dr == nil || dr.Service.Name != "survivor" {
		t.Errorf("draft after the outage = %+v, want it kept", dr)
	}
	if p := e.get("/services/new/general"); p.StatusCode != http.StatusOK {
		t.Errorf("after the provider came back: status %d", p.StatusCode)
	}
}

// TestFault_IdentityProviderDownAtLogout: signing out works with the provider down: the session is
// deleted (its cookie no longer works), the failed revocation is logged without the token, and the
// browser is sent on.
func TestFault_IdentityProviderDownAtLogout(t *testing.T) {
	secNoLeak(t)
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/services", "/services")
	d := e.sessionData()
	old := e.cookie()
	e.op.SetDown(true)
	p := e.post("/logout", url.Values{})
	if p.StatusCode != http.StatusSeeOther || p.location() == "" {
		t.Fatalf("logout with the provider down: %d to %q, want 303", p.StatusCode, p.location())
	}
	if resp := e.getWithCookie("/services", old); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the old session still works after logout: %d", resp.StatusCode)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "revoke") {
		t.Error("the failed revocation was not logged")
	}
	assertNoSecrets(t, "logs", logs, map[string]string{"refresh token": d.RefreshToken, "access token": d.AccessToken, "ID token": d.IDToken})
	assertNoSecrets(t, "redirect", p.location(), map[string]string{"refresh token": d.RefreshToken, "access token": d.AccessToken})
}

// flakyBackend is a session backend whose writes (and, if asked, reads) fail on demand, the way a
// full disk, a read-only data directory or an unreachable Redis make them fail.
type flakyBackend struct {
	session.Backend
	failSet atomic.Pointer[error]
	failGet atomic.Pointer[error]
}

func (f *flakyBackend) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if e := f.failSet.Load(); e != nil {
		return *e
	}
	return f.Backend.Set(ctx, key, val, ttl)
}

func (f *flakyBackend) Get(ctx context.Context, key string) ([]byte, error) {
	if e := f.failGet.Load(); e != nil {
		return nil, *e
	}
	return f.Backend.Get(ctx, key)
}

func (f *flakyBackend) breakWrites(cause error) {
	err := fmt.Errorf("session: file store: write: %w: %w", session.ErrUnavailable, cause)
	f.failSet.Store(&err)
}

// flakySessions replaces the harness's session store by one over a flakyBackend.
func flakySessions(t *testing.T, fb **flakyBackend, dir *string) func(*Deps) {
	return func(d *Deps) {
		*dir = t.TempDir()
		b, err := session.NewFileBackend(*dir, d.Log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		*fb = &flakyBackend{Backend: b}
		d.Sessions, err = session.NewManager(*fb, session.Options{Keys: [][]byte{[]byte("0123456789abcdef0123456789abcdef-flaky")}, Log: d.Log})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestFault_SessionStoreFullOrReadOnly: when the store cannot write (disk full, read-only), a page
// that has nothing to write still works (the session store only writes what changed), every request
// that must change the session answers 503 saying the store is unavailable, OSCAR gets no
// state-changing call, and once the store works again the user is still signed in with the draft as
// it was last saved.
func TestFault_SessionStoreFullOrReadOnly(t *testing.T) {
	for _, cause := range []error{syscall.ENOSPC, syscall.EROFS} {
		t.Run(cause.Error(), func(t *testing.T) {
			secNoLeak(t)
			var fb *flakyBackend
			var dir string
			e := newSecEnv(t, oscartest.Options{}, flakySessions(t, &fb, &dir))
			p := wzGeneral(t, e.harness, map[string]string{"name": "saved-draft"})
			wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
			storage := e.get("/services/new/storage")

			fb.breakWrites(cause)
			for _, path := range []string{"/services", "/services/new/general", "/buckets"} {
				if p := e.get(path); p.StatusCode != http.StatusOK {
					t.Errorf("GET %s with nothing to write: status %d, want 200", path, p.StatusCode)
				}
			}
			before := len(e.fake.Requests())
			p = e.wzSubmit(storage, wzForm0, nil, "nav=next")
			checkStoreDown(t, "POST storage step", p)
			if p := e.post("/buckets", url.Values{"name": {"newbucket"}}); p.StatusCode < 400 {
				t.Errorf("POST /buckets while the store cannot write: status %d, want a refusal", p.StatusCode)
			}
			for _, r := range e.fake.Requests()[before:] {
				if r.Method != http.MethodGet {
					t.Errorf("OSCAR got %s %s while the session could not be saved", r.Method, r.Path)
				}
			}

			fb.failSet.Store(nil)
			if d := e.sessionData(); !d.SignedIn() || d.Endpoint != e.ep {
				t.Errorf("after the store recovered: signed in %v endpoint %q", d.SignedIn(), d.Endpoint)
			}
			if d := e.wzDraft("new"); d == nil || d.Service.Name != "saved-draft" {
				t.Errorf("after the store recovered the draft is %+v, want the saved one", d)
			}
			if p := e.get("/services"); p.StatusCode != http.StatusOK {
				t.Errorf("after the store recovered: /services %d", p.StatusCode)
			}
		})
	}
}

// TestFault_SessionStoreReadOnlyDirectory makes the real file store's directory read-only (chmod
// for an ordinary user; the immutable attribute for root, whom chmod does not stop).
func TestFault_SessionStoreReadOnlyDirectory(t *testing.T) {
	secNoLeak(t)
	var fb *flakyBackend
	var dir string
	e := newSecEnv(t, oscartest.Options{}, flakySessions(t, &fb, &dir))
	p := wzGeneral(t, e.harness, map[string]string{"name": "saved-draft"})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
	undo := readOnlyDir(t, dir)
	probe, err := os.CreateTemp(dir, "probe")
	if err == nil {
		probe.Close()
		os.Remove(probe.Name())
		undo()
		t.Fatalf("could not make %s read-only for this test", dir)
	}
	storage := e.get("/services/new/storage")
	if storage.StatusCode != http.StatusOK {
		t.Errorf("GET storage step with nothing to write: status %d, want 200", storage.StatusCode)
	}
	p = e.wzSubmit(storage, wzForm0, nil, "nav=next")
	checkStoreDown(t, "POST storage step with a read-only store", p)
	undo()
	if d := e.wzDraft("new"); d == nil || d.Service.Name != "saved-draft" {
		t.Errorf("after the directory became writable the draft is %+v", d)
	}
	if p := e.get("/services"); p.StatusCode != http.StatusOK {
		t.Errorf("after the directory became writable: /services %d", p.StatusCode)
	}
}

// readOnlyDir makes dir read-only and returns the function that undoes it (also run at cleanup).
func readOnlyDir(t *testing.T, dir string) func() {
	t.Helper()
	var undo func()
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
			t.Fatalf("chattr +i %s: %v: %s (root ignores file modes, so the test needs chattr)", dir, err, out)
		}
		undo = func() { _ = exec.Command("chattr", "-i", dir).Run() }
	} else {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		undo = func() { _ = os.Chmod(dir, 0o700) }
	}
	t.Cleanup(undo)
	return undo
}

// checkStoreDown checks the answer while the session store cannot be written: 503 in plain words.
func checkStoreDown(t *testing.T, what string, p *page) {
	t.Helper()
	if p.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("%s: status %d, want 503", what, p.StatusCode)
		return
	}
	if !strings.Contains(p.Body, "briefly unavailable") {
		t.Errorf("%s: the page does not say the console is briefly unavailable:\n%s", what, p.Body)
	}
	// The whole page, not a plain-text fallback: it tells the user their draft is safe.
	if p.Doc.Find(`[data-testid="error-message"]`).Length() != 1 || !strings.Contains(p.Body, "your draft is safe") {
		t.Errorf("%s: not the console's error page saying the draft is safe:\n%s", what, p.Body)
	}
	if p.Header.Get("Set-Cookie") != "" && strings.Contains(p.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("%s: the session cookie was cleared", what)
	}
}

// TestFault_SessionStoreUnreachable: the store cannot even be read (Redis down). The user is not
// treated as signed out: 503, the cookie kept, and signed in again once the store is back.
func TestFault_SessionStoreUnreachable(t *testing.T) {
	secNoLeak(t)
	var fb *flakyBackend
	var dir string
	e := newSecEnv(t, oscartest.Options{}, flakySessions(t, &fb, &dir))
	down := fmt.Errorf("session: redis store: get: %w: %w", session.ErrUnavailable, errors.New("dial tcp: connection refused"))
	fb.failGet.Store(&down)
	fb.breakWrites(syscall.ECONNREFUSED)
	p := e.get("/services")
	checkStoreDown(t, "GET /services with the store unreachable", p)
	if p := e.post("/logout", url.Values{}); p.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("logout with the store unreachable: %d, want 503 (the session could not be deleted)", p.StatusCode)
	}
	fb.failGet.Store(nil)
	fb.failSet.Store(nil)
	if !e.signedIn() {
		t.Error("signed out by a store outage")
	}
}
