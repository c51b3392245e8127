package handlers

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/session"
)

// Bounds of the per-session upstream limit (issue 11, R29's per-user rate limit).
const (
	// maxUpstreamPerSession is how many signed-in requests of one session may run at once. Every
	// signed-in page calls OSCAR (or its storage) with the user's credentials, so this bounds the
	// concurrent upstream calls one browser session (or a script holding its cookie) can make: a
	// page's own calls, a few tabs, an upload and a download fit; a flood does not.
	maxUpstreamPerSession = 4
	// upstreamWait is how long a request waits for a free slot before it is refused: long enough
	// that a burst of clicks is served in turn, short enough that a flood is answered quickly.
	upstreamWait = 2 * time.Second
)

// limitUpstream bounds the concurrent signed-in requests of each session (see
// maxUpstreamPerSession). A request that finds no free slot within upstreamWait gets a 429 page
// saying so, with Retry-After; it never reaches OSCAR. Every route shares the one gate that New
// builds (the router applies this middleware once per route), so the bound is per session, whatever
// the pages it asks for; it is per console process, so with several replicas it is per replica.
func (p *Pages) limitUpstream(next http.Handler) http.Handler {
	return p.upstreamLimiter(p.gate, next)
}

// upstreamLimiter is limitUpstream with the gate given, so that tests choose the bounds.
func (p *Pages) upstreamLimiter(g *upstreamGate, next http.Handler) http.Handler {
	limit, wait := g.max, g.wait
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(p.sessions.CookieName())
		id := ""
		if err == nil {
			id = session.CookieID(c.Value) // the ID, without the version tag that changes on writes
		}
		if id == "" {
			// requireLogin runs first, so a signed-in request has its cookie; without one there is
			// no session to count against and nothing upstream to protect.
			next.ServeHTTP(w, r)
			return
		}
		// The session ID is a credential: only its hash is kept as the key.
		key := sha256.Sum256([]byte(id))
		release, ok := g.acquire(r.Context(), key)
		if !ok {
			if r.Context().Err() != nil {
				return // the browser went away while waiting
			}
			p.log.InfoContext(r.Context(), "too many concurrent requests for one session",
				"limit", limit, "method", r.Method)
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Round(time.Second)/time.Second))))
			p.problem(w, r, templates.Problem{
				Status:   http.StatusTooManyRequests,
				Title:    "Too many requests at once",
				Message:  "Your session already has " + strconv.Itoa(limit) + " requests waiting for OSCAR. Wait for them to finish (other tabs, uploads or downloads), then try again. This request was not sent to OSCAR.",
				Endpoint: p.session(r).Data.Endpoint,
				RetryURL: retryURL(r),
			})
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

// upstreamGate holds one counting semaphore per active session. An entry lives only while requests
// of its session are running or waiting, so the map is bounded by the concurrent requests.
type upstreamGate struct {
	max  int
	wait time.Duration

	mu    sync.Mutex
	slots map[[sha256.Size]byte]*sessionSlots
}

func newUpstreamGate(limit int, wait time.Duration) *upstreamGate {
	return &upstreamGate{max: limit, wait: wait, slots: map[[sha256.Size]byte]*sessionSlots{}}
}

type sessionSlots struct {
	sem   chan struct{}
	users int // requests holding or waiting for a slot
}

// acquire takes a slot for key, waiting at most g.wait (or until ctx ends). It returns the release
// function, or false when no slot came free in time.
func (g *upstreamGate) acquire(ctx context.Context, key [sha256.Size]byte) (func(), bool) {
	g.mu.Lock()
	s := g.slots[key]
	if s == nil {
		s = &sessionSlots{sem: make(chan struct{}, g.max)}
		g.slots[key] = s
	}
	s.users++
	g.mu.Unlock()

	leave := func() {
		g.mu.Lock()
		s.users--
		if s.users == 0 {
			delete(g.slots, key)
		}
		g.mu.Unlock()
	}
	select {
	case s.sem <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case s.sem <- struct{}{}:
		case <-t.C:
			leave()
			return nil, false
		case <-ctx.Done():
			leave()
			return nil, false
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-s.sem
			leave()
		})
	}, true
}
