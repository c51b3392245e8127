package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/server"
	"github.com/oscarconsole/oscar-console/web/session"
)

// console is an OSCAR Console built in this process by server.Build, as cmd/oscar-console builds it
// (a real session store, the hardened OSCAR client, every middleware), served on a loopback port.
type console struct {
	url      string
	sessions *session.Manager
	observed *samples // upstream call latency as the console's OSCAR client saw it
	built    *server.Console
	srv      *http.Server
	dir      string // temporary file-store directory, removed on close
	handled  *handlerMeter
	// serving is the handler behind the handler meter: the console's own, or with -floor, after
	// learning, the bare floor handler.
	serving atomic.Pointer[http.Handler]
}

// replace puts h behind the handler meter in place of the console's handler.
func (c *console) replace(h http.Handler) { c.serving.Store(&h) }

// userHeader names the simulated user of a request, for the in-process console's handlerMeter. The
// console does not read it.
const userHeader = "X-Loadtest-User"

// handlerMeter takes, per simulated user, how long the console's handler (every middleware, the
// session, the OSCAR calls, rendering) took for the user's last request: the part of a page view
// spent inside the console, beside its latency at the load generator.
type handlerMeter struct {
	mu    sync.Mutex
	slots map[int]chan time.Duration
}

// slot is user i's channel (capacity 1: a user makes one request at a time).
func (m *handlerMeter) slot(i int) chan time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.slots[i]
	if c == nil {
		c = make(chan time.Duration, 1)
		m.slots[i] = c
	}
	return c
}

// wrap times h for requests that name their user.
func (m *handlerMeter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		d := time.Since(start)
		if i, err := strconv.Atoi(r.Header.Get(userHeader)); err == nil && i >= 0 {
			select {
			case m.slot(i) <- d:
			default: // a value nobody took (a priming request): keep the older one, dropped by forget
			}
		}
	})
}

// forget drops user i's value, before the user's next request.
func (m *handlerMeter) forget(i int) {
	select {
	case <-m.slot(i):
	default:
	}
}

// take waits for the handler time of user i's request whose answer the load generator has read: the
// handler may return a moment after the last byte left (ok is false after a second without it).
func (m *handlerMeter) take(i int) (time.Duration, bool) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case d := <-m.slot(i):
		return d, true
	case <-t.C:
		return 0, false
	}
}

// newConsole builds and starts a console. storeSpec is "file:" (a temporary directory) or a Redis URL.
// log receives the console's own log (access log included), as in production.
func newConsole(storeSpec string, log *slog.Logger) (*console, error) {
	c := &console{observed: newSamples(), handled: &handlerMeter{slots: map[int]chan time.Duration{}}}
	if storeSpec == "file:" {
		dir, err := os.MkdirTemp("", "loadtest-sessions-")
		if err != nil {
			return nil, fmt.Errorf("loadtest: session directory: %w", err)
		}
		c.dir, storeSpec = dir, "file:"+dir
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.close()
		return nil, fmt.Errorf("loadtest: console listen: %w", err)
	}
	c.url = "http://" + ln.Addr().String()
	public, err := url.Parse(c.url)
	if err != nil {
		ln.Close()
		c.close()
		return nil, fmt.Errorf("loadtest: console URL: %w", err)
	}
	key := make([]byte, 48)
	_, _ = rand.Read(key)
	c.built, err = server.Build(context.Background(), server.Config{
		Log: log, SessionStore: storeSpec, PublicURL: public, Version: "loadtest",
		SessionKeys: [][]byte{[]byte(base64.RawURLEncoding.EncodeToString(key))},
		// Long enough that no session of a run expires, whatever the run's length.
		SessionIdle: 2 * time.Hour, SessionMax: 24 * time.Hour,
		Policy:          oscar.Policy{AllowPrivate: true, AllowHTTP: true},
		ObserveUpstream: func(_, _ string, _ int, d time.Duration) { c.observed.add(d) },
	})
	if err != nil {
		ln.Close()
		c.close()
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	c.sessions = c.built.Sessions
	c.srv = c.built.HTTPServer(log) // the same server limits as cmd/oscar-console
	c.replace(c.srv.Handler)
	c.srv.Handler = c.handled.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*c.serving.Load()).ServeHTTP(w, r)
	}))
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

func (c *console) close() {
	if c.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.srv.Shutdown(ctx)
	}
	if c.built != nil {
		c.built.Close()
	}
	if c.dir != "" {
		_ = os.RemoveAll(c.dir)
	}
}

// discardLogger logs at info level like the console does in production, into io.Discard: the cost of
// building every access-log record stays in the measurement, the terminal stays quiet.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// storeSessions writes one signed-in session per user through m, as a sign-in would leave it, and
// returns each user's cookie ("name=value").
func storeSessions(ctx context.Context, m *session.Manager, users []simUser, kind, endpoint string, workers int) ([]string, error) {
	cookies := make([]string, len(users))
	now := time.Now()
	err := forEach(ctx, len(users), workers, func(i int) error {
		rec := httptest.NewRecorder()
		r := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1/", nil)
		s := &session.Session{Data: sessionData(users[i], kind, endpoint, now)}
		if err := m.Save(rec, r, s); err != nil {
			return fmt.Errorf("loadtest: store session %d: %w", i, err)
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == m.CookieName() && c.Value != "" {
				cookies[i] = c.Name + "=" + c.Value
			}
		}
		if cookies[i] == "" {
			return fmt.Errorf("loadtest: store session %d: no session cookie set", i)
		}
		return nil
	})
	return cookies, err
}

// destroySessions deletes the sessions named by cookies (used on a Redis store, which outlives us).
func destroySessions(ctx context.Context, m *session.Manager, cookies []string) error {
	return forEach(ctx, len(cookies), 8, func(i int) error {
		if cookies[i] == "" {
			return nil
		}
		r := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1/", nil)
		r.Header.Set("Cookie", cookies[i])
		s, err := m.Load(r)
		if err != nil {
			return err
		}
		return m.Destroy(httptest.NewRecorder(), r, s)
	})
}

// formLogin signs user i in through the console's own form (POST /login/basic), as a browser would,
// and returns the session cookie.
func formLogin(ctx context.Context, hc *http.Client, base, endpoint string, i int) (string, error) {
	form := "endpoint=" + url.QueryEscape(endpoint) + "&username=" + basicUserName(i) + "&password=" + basicUserPassword + "&next=%2Fservices"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login/basic", strings.NewReader(form))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("loadtest: sign in user %d: %w", i, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("loadtest: sign in user %d: POST /login/basic answered %d, want a redirect", i, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if (c.Name == session.CookieName || c.Name == session.InsecureCookieName) && c.Value != "" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", errors.New("loadtest: sign in: no session cookie in the answer to POST /login/basic")
}
