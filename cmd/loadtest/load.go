package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oscarconsole/oscar-console/web/session"
)

// Page kinds of the mix.
const (
	pageServices = "services" // GET /services: the list
	pageService  = "service"  // GET /services/{name}: one of the user's services
	pageJobs     = "jobs"     // GET /services/{name}/jobs
	pageToken    = "token"    // GET /token
)

var pageKinds = []string{pageServices, pageService, pageJobs, pageToken}

// mixEntry is one page kind and its weight in the mix.
type mixEntry struct {
	kind   string
	weight int
}

// parseMix reads "services=4,service=3,jobs=2,token=1".
func parseMix(s string) ([]mixEntry, error) {
	var mix []mixEntry
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("loadtest: -mix: %q is not kind=weight", part)
		}
		if !slices.Contains(pageKinds, k) {
			return nil, fmt.Errorf("loadtest: -mix: unknown page %q (want %s)", k, strings.Join(pageKinds, ", "))
		}
		if seen[k] {
			return nil, fmt.Errorf("loadtest: -mix: %q given twice", k)
		}
		seen[k] = true
		w, err := strconv.Atoi(v)
		if err != nil || w < 0 || w > 1000 {
			return nil, fmt.Errorf("loadtest: -mix: weight of %q must be 0..1000", k)
		}
		if w > 0 {
			mix = append(mix, mixEntry{k, w})
		}
	}
	if len(mix) == 0 {
		return nil, errors.New("loadtest: -mix: no page with a positive weight")
	}
	return mix, nil
}

// pick chooses a page kind by weight.
func pick(mix []mixEntry, rnd *rand.Rand) string {
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	n := rnd.IntN(total)
	for _, m := range mix {
		if n < m.weight {
			return m.kind
		}
		n -= m.weight
	}
	return mix[len(mix)-1].kind
}

// pagePath is the URL path of a page of the given kind for user u.
func pagePath(kind string, u simUser, rnd *rand.Rand) string {
	svc := serviceName(0)
	switch len(u.home) {
	case 0:
	case 1:
		svc = u.home[0]
	default:
		svc = u.home[rnd.IntN(len(u.home))]
	}
	switch kind {
	case pageService:
		return "/services/" + url.PathEscape(svc)
	case pageJobs:
		return "/services/" + url.PathEscape(svc) + "/jobs"
	case pageToken:
		return "/token"
	}
	return "/services"
}

// kindStats are the measurements of one page kind (or of all of them).
type kindStats struct {
	latency  *samples // page latency at the load generator
	upstream *samples // upstream time of the page view: the critical path of its calls
	sum      *samples // the sum of its calls' times (equal to upstream when they run one at a time)
	added    *samples // latency minus upstream time (critical path), per page view
	inside   *samples // in-process console: handler time minus upstream time, per page view
	outside  *samples // in-process console: latency minus handler time, per page view
	views    atomic.Int64
	calls    atomic.Int64
	bytes    atomic.Int64
}

func newKindStats() *kindStats {
	return &kindStats{latency: newSamples(), upstream: newSamples(), sum: newSamples(), added: newSamples(),
		inside: newSamples(), outside: newSamples()}
}

// driver runs the simulated users against a console.
type driver struct {
	base    string
	hc      *http.Client
	users   []simUser
	cookies []string
	up      *upstream
	mix     []mixEntry
	think   time.Duration
	handled *handlerMeter // the in-process console's handler times; nil for -target

	recording atomic.Bool
	all       *kindStats
	byKind    map[string]*kindStats
	errMu     sync.Mutex
	errs      map[string]int
	requests  atomic.Int64 // recorded requests, for -requests

	// onMeasure and onMeasured, if set, run when the measured part starts and ends (a CPU profile).
	onMeasure  func() error
	onMeasured func()
	// sessionCache, if set, reads the Redis session store's client-side cache counts (in-process
	// console with -redis); the run reports how they moved while measured.
	sessionCache func() (session.CacheStats, bool)
}

// newHTTPClient is the load generator's client: keep-alive connections for every user, no redirects
// followed (a redirect to the login page is an error to report, not a page to load).
func newHTTPClient(users int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns: users + 16, MaxIdleConnsPerHost: users + 16, IdleConnTimeout: 90 * time.Second,
			DisableCompression: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

func newDriver(base string, hc *http.Client, users []simUser, cookies []string, up *upstream, mix []mixEntry, think time.Duration) *driver {
	d := &driver{base: base, hc: hc, users: users, cookies: cookies, up: up, mix: mix, think: think,
		all: newKindStats(), byKind: map[string]*kindStats{}, errs: map[string]int{}}
	for _, m := range mix {
		d.byKind[m.kind] = newKindStats()
	}
	return d
}

// get fetches one page as user i and returns status, body size and the body when keep is set.
func (d *driver) get(ctx context.Context, i int, path string, keep bool) (int, int64, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+path, nil)
	if err != nil {
		return 0, 0, nil, err
	}
	req.Header.Set("Cookie", d.cookies[i])
	if d.handled != nil {
		// Only then: the meter keeps a slot per user it is told of, which the memory mode, with
		// thousands of users, would count as the console's memory.
		req.Header.Set(userHeader, strconv.Itoa(i))
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	defer resp.Body.Close()
	if keep {
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, int64(len(b)), b, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, n, nil, err
}

// pagesOf returns every page of the mix user i can ask for.
func (d *driver) pagesOf(i int) []string {
	homes := d.users[i].home
	if len(homes) == 0 {
		homes = []string{serviceName(0)}
	}
	var paths []string
	for _, m := range d.mix {
		switch m.kind {
		case pageService, pageJobs:
			for _, svc := range homes {
				paths = append(paths, pagePath(m.kind, simUser{home: []string{svc}}, nil))
			}
		default:
			paths = append(paths, pagePath(m.kind, simUser{}, nil)) // no service in the path
		}
	}
	return paths
}

// prime loads every page the users can ask for once (not recorded), so that with -cache the fake
// OSCAR has checked and memoised each answer before the run: otherwise the first views of each user's
// services, spread over the measured part, would spend CPU on the fake's contract validation, next to
// the console it measures. It returns how many pages it loaded.
func (d *driver) prime(ctx context.Context) (int, error) {
	n := 0
	for i := range d.users {
		n += len(d.pagesOf(i))
	}
	err := d.eachPage(ctx, func(i int, path string) error {
		status, _, _, err := d.get(ctx, i, path, false)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("loadtest: priming %s for user %d: status %d", path, i, status)
		}
		return err
	})
	return n, err
}

// eachPage calls fn for every page of the mix of every user (pagesOf), eight users at a time and
// each user's pages one after another, then clears the upstream's meters and samples (these loads
// are not measured). It returns the first error fn returned, or the context's.
func (d *driver) eachPage(ctx context.Context, fn func(i int, path string) error) error {
	work := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				for _, path := range d.pagesOf(i) {
					if err := fn(i, path); err != nil {
						mu.Lock()
						firstErr = cmp.Or(firstErr, err)
						mu.Unlock()
					}
				}
			}
		})
	}
	for i := range d.users {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	d.up.forget()
	return cmp.Or(firstErr, ctx.Err())
}

// user is one simulated user's loop: pick a page, load it, note what it cost, think, repeat.
func (d *driver) user(ctx context.Context, i int, maxRequests int64, stop func()) {
	rnd := rand.New(rand.NewPCG(uint64(i), 0x10ad7e57))
	u := d.users[i]
	for ctx.Err() == nil {
		kind := pick(d.mix, rnd)
		// Only page views that start and end while recording count: one that straddles the start
		// would have part of its upstream time reset away.
		recorded := d.recording.Load()
		if d.handled != nil {
			d.handled.forget(i)
		}
		start := time.Now()
		status, n, _, err := d.get(ctx, i, pagePath(kind, u, rnd), false)
		lat := time.Since(start)
		calls, upTime, upSum := d.up.take(i)
		handler := time.Duration(-1)
		if d.handled != nil && err == nil {
			if h, ok := d.handled.take(i); ok {
				handler = h
			}
		}
		if ctx.Err() != nil {
			return // stopped mid-request: not a page view
		}
		if recorded && d.recording.Load() {
			d.note(kind, status, n, err, lat, calls, upTime, upSum, handler)
			if maxRequests > 0 && d.requests.Add(1) >= maxRequests {
				stop()
				return
			}
		}
		if d.think > 0 {
			t := time.NewTimer(d.think/2 + rand.N(d.think))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// note records one page view; handler is the console's handler time, or negative if not known.
func (d *driver) note(kind string, status int, n int64, err error, lat time.Duration, calls int64, upTime, upSum, handler time.Duration) {
	if err != nil || status != http.StatusOK {
		what := kind + ": "
		if err != nil {
			what += "transport error"
		} else {
			what += strconv.Itoa(status) + " " + http.StatusText(status)
		}
		d.errMu.Lock()
		d.errs[what]++
		d.errMu.Unlock()
		return
	}
	for _, s := range []*kindStats{d.all, d.byKind[kind]} {
		s.latency.add(lat)
		s.upstream.add(upTime)
		s.sum.add(upSum)
		s.added.add(lat - upTime)
		if handler >= 0 {
			s.inside.add(handler - upTime)
			s.outside.add(lat - handler)
		}
		s.views.Add(1)
		s.calls.Add(calls)
		s.bytes.Add(n)
	}
}

// loadResult is what one load run measured.
type loadResult struct {
	Elapsed     time.Duration
	Views       int64
	Errors      map[string]int
	All         pageResult
	ByKind      map[string]pageResult
	UpstreamRaw dist // every upstream call, timed at the upstream
	Calls       int64
	Conns       int64 // connections the console opened to the upstream
	Observed    dist  // every upstream call, timed by the console's OSCAR client (in-process only)
	CPU         time.Duration
	// SessionCache is how the Redis session cache's counts moved while measured (nil: no such cache).
	SessionCache *session.CacheStats
}

// pageResult summarises one page kind.
type pageResult struct {
	Views         int64
	CallsPerView  float64
	BytesPerView  float64
	Latency       dist
	UpstreamTime  dist // the critical path of the view's upstream calls
	UpstreamSum   dist // the sum of their times
	Added         dist
	Inside        dist    // handler time minus upstream time (in-process console only)
	Outside       dist    // latency minus handler time (in-process console only)
	RatioOfMedian float64 // median page latency / median upstream time
}

func (s *kindStats) result() pageResult {
	r := pageResult{Views: s.views.Load(), Latency: summarize(s.latency.snapshot()),
		UpstreamTime: summarize(s.upstream.snapshot()), UpstreamSum: summarize(s.sum.snapshot()),
		Added: summarize(s.added.snapshot()), Inside: summarize(s.inside.snapshot()), Outside: summarize(s.outside.snapshot())}
	if r.Views > 0 {
		r.CallsPerView = float64(s.calls.Load()) / float64(r.Views)
		r.BytesPerView = float64(s.bytes.Load()) / float64(r.Views)
	}
	if r.UpstreamTime.P50 > 0 {
		r.RatioOfMedian = float64(r.Latency.P50) / float64(r.UpstreamTime.P50)
	}
	return r
}

// run drives all users for warmup (not recorded) and then duration, or until maxRequests page views
// are recorded, whichever ends first. observed, if not nil, is reset with the recording.
func (d *driver) run(ctx context.Context, warmup, duration time.Duration, maxRequests int64, observed *samples) (loadResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i := range d.users {
		wg.Go(func() { d.user(ctx, i, maxRequests, cancel) })
	}
	sleepCtx(ctx, warmup)
	d.up.forget()
	if observed != nil {
		observed.reset()
	}
	var measureErr error
	if d.onMeasure != nil {
		measureErr = d.onMeasure()
	}
	var cache0 session.CacheStats
	cacheOn := false
	if d.sessionCache != nil {
		cache0, cacheOn = d.sessionCache()
	}
	cpu0 := processCPU()
	start := time.Now()
	d.recording.Store(true)
	sleepCtx(ctx, duration)
	d.recording.Store(false)
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	var cacheMoved *session.CacheStats
	if cacheOn {
		c1, _ := d.sessionCache()
		cacheMoved = &session.CacheStats{Hits: c1.Hits - cache0.Hits, Misses: c1.Misses - cache0.Misses, Refreshes: c1.Refreshes - cache0.Refreshes}
	}
	calls, conns := d.up.calls.Load(), d.up.conns.Load()
	if d.onMeasured != nil && measureErr == nil {
		d.onMeasured()
	}
	cancel()
	wg.Wait()

	res := loadResult{Elapsed: elapsed, Views: d.all.views.Load(), Errors: d.errs, All: d.all.result(),
		ByKind: map[string]pageResult{}, UpstreamRaw: summarize(d.up.samples.snapshot()), CPU: cpu, Calls: calls, Conns: conns, SessionCache: cacheMoved}
	for k, s := range d.byKind {
		res.ByKind[k] = s.result()
	}
	if observed != nil {
		res.Observed = summarize(observed.snapshot())
	}
	return res, measureErr
}

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// errorCount is the total of a run's errors.
func (r loadResult) errorCount() int {
	n := 0
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// print writes the report of a run.
func (r loadResult) print(w io.Writer, users int, mix []mixEntry, inProcess bool) {
	secs := r.Elapsed.Seconds()
	fmt.Fprintf(w, "\n== load: %d users, %.1f s measured\n", users, secs)
	fmt.Fprintf(w, "page views: %d (%.1f/s), errors: %d\n", r.Views, float64(r.Views)/secs, r.errorCount())
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  error %s: %d\n", k, r.Errors[k])
	}
	if r.Views > 0 && r.CPU > 0 {
		who := "load generator, console and upstream together"
		if !inProcess {
			who = "load generator and fake OSCAR only: the console runs in another process"
		}
		fmt.Fprintf(w, "process CPU: %.2f s (%.0f%% of one core), %.3f ms per page view (%s)\n",
			r.CPU.Seconds(), 100*r.CPU.Seconds()/secs, float64(r.CPU)/float64(time.Millisecond)/float64(r.Views), who)
	}
	fmt.Fprintf(w, "upstream: %d calls on %d new connections from the console\n", r.Calls, r.Conns)
	if c := r.SessionCache; c != nil {
		fmt.Fprintf(w, "session reads of page views (Redis client-side cache): %d from the cached copy, %d from Redis; %d copies read again in the background\n",
			c.Hits, c.Misses, c.Refreshes)
	}
	fmt.Fprintf(w, "upstream calls, timed at the upstream:            %s\n", r.UpstreamRaw)
	if r.Observed.N > 0 {
		fmt.Fprintf(w, "upstream calls, timed by the console's client:    %s\n", r.Observed)
	}
	printPage := func(name string, p pageResult) {
		fmt.Fprintf(w, "-- %s: %d views, %.2f upstream calls/view, %.0f bytes/view\n", name, p.Views, p.CallsPerView, p.BytesPerView)
		fmt.Fprintf(w, "   page latency:                %s\n", p.Latency)
		fmt.Fprintf(w, "   upstream critical path/view: %s\n", p.UpstreamTime)
		fmt.Fprintf(w, "   upstream sum of calls/view:  %s\n", p.UpstreamSum)
		fmt.Fprintf(w, "   console added/view:          %s\n", p.Added)
		if p.Inside.N > 0 {
			fmt.Fprintf(w, "     in its handler:            %s\n", p.Inside)
			fmt.Fprintf(w, "     HTTP to and from it:       %s\n", p.Outside)
		}
		if p.RatioOfMedian > 0 {
			fmt.Fprintf(w, "   ratio page p50 / upstream p50: %.2f\n", p.RatioOfMedian)
		}
	}
	printPage("all pages", r.All)
	for _, m := range mix {
		if p, ok := r.ByKind[m.kind]; ok {
			printPage(m.kind, p)
		}
	}
}
