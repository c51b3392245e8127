package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// upstream is the OSCAR the console under test talks to: the project's fake OSCAR (oscartest) behind a
// thin front that
//
//   - knows the simulated users: their bearer tokens, and basic-auth accounts "loadNNNN" that it maps
//     to the fake's single admin account, so that every upstream call can be charged to the user (and
//     so to the page view) that caused it;
//   - times every call from the moment it arrives to the last byte written: that is the upstream
//     latency the console's overhead is measured against, in the same run;
//   - optionally memoises the fake's GET answers (cache). The fake checks every request and answer
//     against the OSCAR contract with kin-openapi and rebuilds each service's JSON on every call; with
//     100 services that costs milliseconds of CPU per list, on the same two cores as the console. A
//     real OSCAR spends that CPU on another machine, so by default each distinct answer is computed by
//     the fake once and then replayed, after the same fixed latency.
type upstream struct {
	fake     *oscartest.Server // nil when forward is set
	forward  http.Handler      // -oscar: a real OSCAR behind the front (realOSCAR)
	latency  time.Duration
	cache    bool
	srv      *http.Server
	ln       net.Listener
	url      string
	basicHdr string // the fake's admin account, as an Authorization header

	users map[string]int // Authorization header value -> user index; read-only once serving

	memoMu sync.RWMutex
	memo   map[string]*memoAnswer

	calls atomic.Int64
	conns atomic.Int64 // connections opened by the console
	// recording makes each user's meter also keep the calls themselves (learnFloor).
	recording atomic.Bool
	byUser    []userMeter
	samples   *samples // every call's upstream time

	opsMu sync.Mutex
	ops   map[string]*samples // upstream time per operation (opName)
}

// userMeter accumulates the upstream calls of one simulated user's current page view. A user makes one
// request at a time, so what accumulates between two takes belongs to one page view. A page may make
// its calls concurrently, so the meter keeps each call's interval: the page's upstream time is the
// time covered by at least one call (the critical path), not the sum of the calls.
type userMeter struct {
	mu    sync.Mutex
	spans []span
	seen  []floorCall // while recording: the calls, as the console made them
	_     [40]byte    // keep meters of different users off one cache line
}

// span is one upstream call, from its arrival to its last byte.
type span struct{ start, end time.Time }

// covered returns the time covered by the union of spans (sorted in place): for calls made one
// after another it is their sum, for calls made together the longest chain of them.
func covered(spans []span) time.Duration {
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	var total time.Duration
	var cur span
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case !s.start.After(cur.end):
			if s.end.After(cur.end) {
				cur.end = s.end
			}
		default:
			total += cur.end.Sub(cur.start)
			cur = s
		}
	}
	if len(spans) > 0 {
		total += cur.end.Sub(cur.start)
	}
	return total
}

type memoAnswer struct {
	header http.Header
	status int
	body   []byte
}

// basicUserPassword is the password of every simulated basic-auth account. It only opens the
// throw-away fake OSCAR of this process.
const basicUserPassword = "loadtest-password"

// basicUserName is the basic-auth account of simulated user i.
func basicUserName(i int) string { return fmt.Sprintf("load%04d", i) }

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// newUpstream starts the fake OSCAR and its front on addr (a loopback address; port 0 picks one).
func newUpstream(addr string, latency time.Duration, cache bool, tokens map[string]tokenOwner, nUsers int) (*upstream, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("loadtest: upstream address %q: %w", addr, err)
	}
	if !isLoopbackHost(host) {
		return nil, fmt.Errorf("loadtest: upstream address %q: only loopback addresses are allowed", addr)
	}
	spec, err := oscartest.LoadSpec("")
	if err != nil {
		return nil, fmt.Errorf("loadtest: OSCAR contract for the fake (set %s): %w", oscartest.SpecEnv, err)
	}
	fake := oscartest.New(oscartest.Options{
		Tokens: func(tok string) (string, []string, bool) {
			o, ok := tokens[tok]
			return o.sub, o.groups, ok
		},
		OIDCGroups:  []string{seedVO},
		Latency:     latency,
		CreateDelay: -1,
		Spec:        spec,
	})
	u := &upstream{
		fake:     fake,
		latency:  latency,
		cache:    cache,
		basicHdr: basicHeader(oscartest.DefaultBasicUser, oscartest.DefaultBasicPassword),
		users:    make(map[string]int, 2*nUsers),
		memo:     make(map[string]*memoAnswer),
		byUser:   make([]userMeter, nUsers),
		samples:  newSamples(),
	}
	for tok, o := range tokens {
		u.users["Bearer "+tok] = o.index
	}
	for i := range nUsers {
		u.users[basicHeader(basicUserName(i), basicUserPassword)] = i
	}
	if err := u.listen(addr); err != nil {
		fake.Close()
		return nil, err
	}
	return u, nil
}

// newForwardUpstream starts the front on addr with a real OSCAR (realOSCAR) behind it instead of the
// fake.
func newForwardUpstream(addr string, forward http.Handler, nUsers int, realAuth string) (*upstream, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !isLoopbackHost(host) {
		return nil, fmt.Errorf("loadtest: upstream address %q: only loopback addresses are allowed", addr)
	}
	u := &upstream{
		forward:  forward,
		basicHdr: realAuth,
		users:    make(map[string]int, nUsers),
		byUser:   make([]userMeter, nUsers),
		samples:  newSamples(),
	}
	for i := range nUsers {
		u.users[basicHeader(basicUserName(i), basicUserPassword)] = i
	}
	return u, u.listen(addr)
}

// listen serves the front on addr.
func (u *upstream) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("loadtest: upstream listen: %w", err)
	}
	u.ln = ln
	u.url = "http://" + ln.Addr().String()
	u.srv = &http.Server{Handler: u, ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				u.conns.Add(1)
			}
		}}
	go func() { _ = u.srv.Serve(ln) }()
	return nil
}

// close stops the front and the fake.
func (u *upstream) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = u.srv.Shutdown(ctx)
	if u.fake != nil {
		u.fake.Close()
	}
}

// ServeHTTP serves one OSCAR call: charge it to its user, answer from the memo or the fake, time it.
func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	auth := r.Header.Get("Authorization")
	user, known := u.users[auth]
	if known && strings.HasPrefix(auth, "Basic ") {
		r.Header.Set("Authorization", u.basicHdr)
	}
	u.answer(w, r)
	end := time.Now()
	u.calls.Add(1)
	u.samples.add(end.Sub(start))
	u.op(opName(r.Method, r.URL.Path)).add(end.Sub(start))
	if known {
		m := &u.byUser[user]
		m.mu.Lock()
		m.spans = append(m.spans, span{start, end})
		if u.recording.Load() {
			m.seen = append(m.seen, floorCall{method: r.Method, uri: r.URL.RequestURI(), auth: auth})
		}
		m.mu.Unlock()
	}
}

// answer serves r from the memo or the fake. Memo keys hold the Authorization header as the fake sees
// it: answers depend on the caller (per-user visibility), and every simulated basic-auth user is the
// fake's admin.
func (u *upstream) answer(w http.ResponseWriter, r *http.Request) {
	if u.forward != nil {
		u.forward.ServeHTTP(w, r)
		return
	}
	if !u.cache || r.Method != http.MethodGet {
		u.fake.ServeHTTP(w, r)
		return
	}
	key := r.URL.RequestURI() + "\x00" + r.Header.Get("Authorization")
	u.memoMu.RLock()
	m := u.memo[key]
	u.memoMu.RUnlock()
	if m == nil {
		rec := httptest.NewRecorder()
		u.fake.ServeHTTP(rec, r) // the fake waits the latency itself
		m = &memoAnswer{header: rec.Header().Clone(), status: rec.Code, body: bytes.Clone(rec.Body.Bytes())}
		if rec.Code == http.StatusOK {
			u.memoMu.Lock()
			u.memo[key] = m
			u.memoMu.Unlock()
		}
	} else {
		t := time.NewTimer(u.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	for k, v := range m.header {
		w.Header()[k] = v
	}
	w.WriteHeader(m.status)
	_, _ = w.Write(m.body)
}

// take returns and clears user i's upstream calls since the last take: how many, the time they
// covered together (the critical path) and the sum of their times.
func (u *upstream) take(i int) (calls int64, critical, sum time.Duration) {
	m := &u.byUser[i]
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.spans {
		sum += s.end.Sub(s.start)
	}
	calls, critical = int64(len(m.spans)), covered(m.spans)
	m.spans = m.spans[:0]
	return calls, critical, sum
}

// takeSeen returns and clears the calls user i made while recording.
func (u *upstream) takeSeen(i int) []floorCall {
	m := &u.byUser[i]
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := m.seen
	m.seen = nil
	return seen
}

// forget drops the fake's request log (it keeps every request; a long run would grow it without
// bound) and the latency samples.
func (u *upstream) forget() {
	if u.fake != nil {
		u.fake.ResetRequests()
	}
	u.samples.reset()
	u.opsMu.Lock()
	u.ops = nil
	u.opsMu.Unlock()
	u.calls.Store(0)
	u.conns.Store(0)
	for i := range u.byUser {
		u.take(i)
	}
}

// op returns the samples of one operation.
func (u *upstream) op(name string) *samples {
	u.opsMu.Lock()
	defer u.opsMu.Unlock()
	if u.ops == nil {
		u.ops = map[string]*samples{}
	}
	s := u.ops[name]
	if s == nil {
		s = newSamples()
		u.ops[name] = s
	}
	return s
}

// opStats summarises the upstream time of each operation.
func (u *upstream) opStats() map[string]dist {
	u.opsMu.Lock()
	defer u.opsMu.Unlock()
	out := make(map[string]dist, len(u.ops))
	for k, s := range u.ops {
		out[k] = summarize(s.snapshot())
	}
	return out
}
