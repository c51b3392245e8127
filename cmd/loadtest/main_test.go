package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session/redistest"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    []mixEntry
		wantErr bool
	}{
		{in: "services=4,service=3,jobs=2,token=1", want: []mixEntry{{"services", 4}, {"service", 3}, {"jobs", 2}, {"token", 1}}},
		{in: " services=1 , token=0 ", want: []mixEntry{{"services", 1}}},
		{in: "services=1,services=2", wantErr: true},
		{in: "buckets=1", wantErr: true},
		{in: "services", wantErr: true},
		{in: "services=-1", wantErr: true},
		{in: "services=0", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseMix(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseMix(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !slicesEqual(got, tt.want) {
			t.Errorf("parseMix(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func slicesEqual(a, b []mixEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 51, 3 * time.Millisecond},
		{ms(1, 2, 3, 4), 100, 4 * time.Millisecond},
		{hundred, 50, 50 * time.Millisecond},
		{hundred, 95, 95 * time.Millisecond},
		{hundred, 99, 99 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
		}
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true}, {"LOCALHOST", true}, {"127.0.0.1", true}, {"127.9.9.9", true}, {"::1", true}, {"[::1]", true},
		{"10.0.0.1", false}, {"192.168.1.2", false}, {"example.org", false}, {"localhost.example.org", false}, {"", false}, {"0.0.0.0", false},
	}
	for _, tt := range tests {
		if got := isLoopbackHost(tt.host); got != tt.want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestParseFlagsRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // part of the error
	}{
		{"remote target", []string{"-target", "http://example.org:8080"}, "loopback"},
		{"remote redis", []string{"-redis", "redis://10.1.2.3:6379/0"}, "loopback"},
		{"too many users", []string{"-users", "10001"}, "-users"},
		{"too long", []string{"-duration", "11m"}, "-duration"},
		{"target without store", []string{"-target", "http://127.0.0.1:8080"}, "-session-store"},
		{"memory with form login", []string{"-target", "http://127.0.0.1:8080", "-login", "form", "-sessions", "10"}, "-sessions"},
		{"pid without target", []string{"-console-pid", "1"}, "-console-pid"},
		{"bad login", []string{"-login", "magic"}, "-login"},
		{"stray argument", []string{"extra"}, "unexpected"},
		{"oscar too many users", []string{"-oscar", "http://127.0.0.1:1", "-users", "51"}, "-users"},
		{"oscar unbounded", []string{"-oscar", "http://127.0.0.1:1", "-requests", "0"}, "-requests"},
		{"oscar with oidc", []string{"-oscar", "http://127.0.0.1:1", "-login", "oidc"}, "-login basic"},
		{"oscar with target", []string{"-oscar", "http://127.0.0.1:1", "-target", "http://127.0.0.1:8080", "-login", "basic"}, "-target"},
		{"user without oscar", []string{"-user", "x"}, "-oscar"},
		{"floor with target", []string{"-floor", "-target", "http://127.0.0.1:8080", "-login", "form"}, "-floor"},
		{"floor in memory mode", []string{"-floor", "-sessions", "10"}, "-floor"},
		{"trace and profile", []string{"-trace", "t.out", "-cpuprofile", "c.out"}, "-trace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseFlags(%q): error %v, want one mentioning %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestUpstreamOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", ":0"} {
		if _, err := newUpstream(addr, 0, false, nil, 0); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("newUpstream(%q): error %v, want a loopback refusal", addr, err)
		}
	}
}

// TestUpstreamChargesCallsToUsers checks the front of the fake OSCAR: a call with a user's token or
// basic-auth account is charged to that user, a basic-auth account reaches the fake as its admin, and
// take resets the meter.
func TestUpstreamChargesCallsToUsers(t *testing.T) {
	now := time.Now()
	users := newUsers(3, 10, now)
	for _, cache := range []bool{false, true} {
		t.Run("cache="+strconv.FormatBool(cache), func(t *testing.T) {
			up, err := newUpstream("127.0.0.1:0", time.Millisecond, cache, tokensOf(users), len(users))
			if err != nil {
				t.Fatal(err)
			}
			defer up.close()
			if err := seedServices(up.fake, 10); err != nil {
				t.Fatal(err)
			}
			get := func(auth string) int {
				req, _ := http.NewRequest(http.MethodGet, up.url+"/system/services", nil)
				req.Header.Set("Authorization", auth)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			for range 2 {
				if got := get("Bearer " + users[1].token); got != http.StatusOK {
					t.Fatalf("bearer call: status %d, want 200", got)
				}
			}
			if got := get(basicHeader(basicUserName(2), basicUserPassword)); got != http.StatusOK {
				t.Fatalf("basic call as %s: status %d, want 200", basicUserName(2), got)
			}
			if got := get(basicHeader(basicUserName(2), "wrong")); got != http.StatusUnauthorized {
				t.Fatalf("basic call with a wrong password: status %d, want 401", got)
			}
			for i, want := range []int64{0, 2, 1} {
				calls, d, sum := up.take(i)
				if calls != want {
					t.Errorf("user %d: %d calls charged, want %d", i, calls, want)
				}
				if want > 0 && (d <= 0 || sum < d) {
					t.Errorf("user %d: upstream critical path %v, sum %v; want 0 < path <= sum", i, d, sum)
				}
			}
			if calls, _, _ := up.take(1); calls != 0 {
				t.Errorf("after take: %d calls, want 0", calls)
			}
			if got := up.calls.Load(); got != 4 {
				t.Errorf("upstream calls: %d, want 4", got)
			}
			if v := up.fake.Violations(); len(v) > 0 {
				t.Errorf("contract violations: %v", v)
			}
		})
	}
}

// inProcessRig starts what a load run against the in-process console needs: nUsers users with
// nServices services in the fake OSCAR (memoised, 1 ms latency) and jobs of each, and a console with
// file sessions. Both stop when the test ends.
func inProcessRig(t *testing.T, nUsers, nServices, jobs int) ([]simUser, *upstream, oscar.Endpoint, *console) {
	t.Helper()
	now := time.Now()
	users := newUsers(nUsers, nServices, now)
	up, err := newUpstream("127.0.0.1:0", time.Millisecond, true, tokensOf(users), len(users))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.close)
	if err := seedServices(up.fake, nServices); err != nil {
		t.Fatal(err)
	}
	seedJobs(up.fake, users, jobs, now)
	ep, err := oscar.ParseEndpoint(up.url, oscar.Policy{AllowPrivate: true, AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	con, err := newConsole("file:", discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(con.close)
	return users, up, ep, con
}

// TestLoadAgainstInProcessConsole runs the whole tool briefly: users sign in, every page of the mix
// answers 200, the services list costs one upstream call, and the run records page views without
// errors.
func TestLoadAgainstInProcessConsole(t *testing.T) {
	ctx := context.Background()
	users, up, ep, con := inProcessRig(t, 4, 12, 3)

	for _, kind := range []string{"oidc", "basic"} {
		t.Run(kind, func(t *testing.T) {
			cookies, err := storeSessions(ctx, con.sessions, users, kind, string(ep), 2)
			if err != nil {
				t.Fatal(err)
			}
			mix, _ := parseMix("services=1,service=1,jobs=1")
			hc := newHTTPClient(len(users))
			defer hc.CloseIdleConnections()
			d := newDriver(con.url, hc, users, cookies, up, mix, 0)
			probes, err := d.probePages(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range probes {
				if p.status != http.StatusOK {
					t.Errorf("%s: status %d, want 200", p.path, p.status)
				}
				if p.kind == pageServices {
					if p.warmCalls != 1 {
						t.Errorf("services list: %d upstream calls, want 1", p.warmCalls)
					}
					if !p.listsOwned {
						t.Errorf("services list does not show %s", serviceName(0))
					}
				}
			}
			d.handled = con.handled
			w, err := d.pageWeight(ctx, 0, "/services")
			if err != nil {
				t.Fatal(err)
			}
			if raw, _ := w.total(); raw <= w.html || len(w.assets) == 0 {
				t.Errorf("page weight: %d bytes in all, %d of HTML, %d assets; want the stylesheet and script counted", raw, w.html, len(w.assets))
			}
			res, err := d.run(ctx, 0, time.Minute, 40, con.observed)
			if err != nil {
				t.Fatal(err)
			}
			if res.errorCount() != 0 {
				t.Errorf("errors: %v", res.Errors)
			}
			if res.Views < 30 {
				t.Errorf("page views: %d, want at least 30 of the 40 requested", res.Views)
			}
			if got := res.ByKind[pageServices].CallsPerView; res.ByKind[pageServices].Views > 0 && got != 1 {
				t.Errorf("services list: %.2f upstream calls per view, want 1", got)
			}
			// The console's handler time splits each view's added time in two: in the handler
			// beyond the upstream calls, and the HTTP exchange with the load generator.
			a := res.All
			if a.Inside.N != int(a.Views) || a.Outside.N != int(a.Views) {
				t.Errorf("handler times for %d and %d of %d views", a.Inside.N, a.Outside.N, a.Views)
			}
			if a.Inside.P50 <= 0 || a.Outside.P50 <= 0 {
				t.Errorf("in the handler %v, outside it %v: want both positive", a.Inside, a.Outside)
			}
			if diff := a.Inside.Mean + a.Outside.Mean - a.Added.Mean; diff < -2 || diff > 2 {
				t.Errorf("in the handler %v + outside %v != added %v", a.Inside.Mean, a.Outside.Mean, a.Added.Mean)
			}
			var buf bytes.Buffer
			res.print(&buf, len(users), mix, true)
			if !regexp.MustCompile(`page views: \d+ \([0-9.]+/s\), errors: 0`).Match(buf.Bytes()) {
				t.Errorf("report lacks the page-view line:\n%s", buf.String())
			}
			if !strings.Contains(buf.String(), "in its handler:") || !strings.Contains(buf.String(), "HTTP to and from it:") {
				t.Errorf("report lacks the split of the added time:\n%s", buf.String())
			}
		})
	}
}

// TestFloorReplaysTheConsolesCalls learns the floor from the in-process console and checks that the
// bare handler standing in for it makes, for every page, exactly the OSCAR calls the console made (by
// method, path and query, and credentials) and answers a page of the console's size; a page it did
// not learn is a 404, and a short run through it has no errors.
func TestFloorReplaysTheConsolesCalls(t *testing.T) {
	ctx := context.Background()
	users, up, ep, con := inProcessRig(t, 3, 9, 2)
	cookies, err := storeSessions(ctx, con.sessions, users, "oidc", string(ep), 2)
	if err != nil {
		t.Fatal(err)
	}
	mix, _ := parseMix("services=1,service=1,jobs=1,token=1")
	hc := newHTTPClient(len(users))
	defer hc.CloseIdleConnections()
	d := newDriver(con.url, hc, users, cookies, up, mix, 0)
	d.handled = con.handled
	if _, err := d.prime(ctx); err != nil {
		t.Fatal(err)
	}
	pages, err := d.learnFloor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range users {
		want += len(d.pagesOf(i))
	}
	if len(pages) != want {
		t.Fatalf("learned %d pages, want %d", len(pages), want)
	}
	wantCalls := map[string]int{pageServices: 1, pageService: 2, pageJobs: 1, pageToken: 0}
	for k, p := range pages {
		kind := pageServices
		switch {
		case k.uri == "/token":
			kind = pageToken
		case strings.HasSuffix(k.uri, "/jobs"):
			kind = pageJobs
		case strings.HasPrefix(k.uri, "/services/"):
			kind = pageService
		}
		if len(p.calls) != wantCalls[kind] || p.size < 1000 {
			t.Errorf("user %d, %s: learned %d calls and %d bytes; want %d calls and a page", k.user, k.uri, len(p.calls), p.size, wantCalls[kind])
		}
	}

	f := newFloorHandler(pages, up.url)
	defer f.close()
	con.replace(f)
	up.recording.Store(true)
	for k, p := range pages {
		up.takeSeen(k.user)
		up.take(k.user)
		status, n, _, err := d.get(ctx, k.user, k.uri, false)
		if err != nil || status != http.StatusOK || n != int64(p.size) {
			t.Errorf("floor: user %d, %s: %d, %d bytes, %v; want 200 and %d bytes", k.user, k.uri, status, n, err, p.size)
		}
		seen := up.takeSeen(k.user)
		slices.SortFunc(seen, func(a, b floorCall) int { return strings.Compare(a.uri, b.uri) })
		learned := slices.SortedFunc(slices.Values(p.calls), func(a, b floorCall) int { return strings.Compare(a.uri, b.uri) })
		if !slices.Equal(seen, learned) {
			t.Errorf("floor: user %d, %s: calls %v, want the console's %v", k.user, k.uri, seen, learned)
		}
	}
	up.recording.Store(false)
	if status, _, _, _ := d.get(ctx, 0, "/services?page=2", false); status != http.StatusNotFound {
		t.Errorf("floor: a page it did not learn answers %d, want 404", status)
	}

	res, err := d.run(ctx, 0, time.Minute, 30, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.errorCount() != 0 || res.Views < 20 {
		t.Errorf("run through the floor: %d views, errors %v", res.Views, res.Errors)
	}
	// The service, its jobs; no federation call for a service seen without federation members.
	if got := res.ByKind[pageService]; got.Views > 0 && got.CallsPerView != 2 {
		t.Errorf("service page through the floor: %.2f calls per view, want 2", got.CallsPerView)
	}
}

// TestMemoryMode runs the memory mode with a few sessions and checks it reports the store.
func TestMemoryMode(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-sessions", "12", "-services", "5", "-latency", "0s", "-concurrency", "4"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"loaded 2 pages per session", ", 0 not 200", "file store: 12 new files", "with 12 sessions: VmRSS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTargetMemoryReadsMetrics(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"+
			"process_resident_memory_bytes 5.24288e+07\ngo_memstats_heap_inuse_bytes 1.048576e+07\n")
	}))
	defer srv.Close()
	m, err := targetMemory(context.Background(), srv.Client(), srv.URL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.rss != 50<<20 || m.heapInuse != 10<<20 {
		t.Errorf("rss %d, heap %d; want %d and %d", m.rss, m.heapInuse, 50<<20, 10<<20)
	}
	if _, err := targetMemory(context.Background(), srv.Client(), srv.URL+"/nothing", 0); err == nil {
		t.Error("no metrics: want an error")
	}
}

func TestCoveredIsTheCriticalPath(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	at := func(a, b int) span {
		return span{t0.Add(time.Duration(a) * time.Millisecond), t0.Add(time.Duration(b) * time.Millisecond)}
	}
	for _, c := range []struct {
		name  string
		spans []span
		want  time.Duration
	}{
		{"none", nil, 0},
		{"one", []span{at(0, 5)}, 5 * time.Millisecond},
		{"one after another: the sum", []span{at(0, 5), at(6, 11)}, 10 * time.Millisecond},
		{"together: the longest", []span{at(0, 5), at(0, 7), at(1, 3)}, 7 * time.Millisecond},
		{"overlapping chain", []span{at(4, 9), at(0, 5)}, 9 * time.Millisecond},
		{"two groups", []span{at(0, 5), at(1, 6), at(10, 12)}, 8 * time.Millisecond},
	} {
		if got := covered(c.spans); got != c.want {
			t.Errorf("%s: covered = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRealOSCARModeIsReadOnlyAndBounded(t *testing.T) {
	spec, err := oscartest.LoadSpec("")
	if err != nil {
		t.Fatal(err)
	}
	real := oscartest.New(oscartest.Options{Spec: spec, CreateDelay: -1})
	defer real.Close()
	if err := seedServices(real, 3); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(oscartest.DefaultBasicPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(real.URL())
	remote := "http://oscar.example.org:" + u.Port()
	if _, err := newRealOSCAR(remote, "oscar", pw, false); err == nil || !strings.Contains(err.Error(), "-allow-remote") {
		t.Errorf("a remote OSCAR without -allow-remote: %v", err)
	}
	if _, err := newRealOSCAR(real.URL(), "oscar", "", false); err == nil {
		t.Error("no password file was accepted")
	}

	var out bytes.Buffer
	args := []string{"-oscar", real.URL(), "-user", oscartest.DefaultBasicUser, "-password-file", pw,
		"-users", "2", "-requests", "30", "-warmup", "0s", "-weight=false", "-think", "0s"}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	report := out.String()
	t.Log(report)
	for _, want := range []string{"3 services visible", "errors: 0", "OSCAR itself", "GET /system/services ", "upstream critical path/view"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if m := regexp.MustCompile(`page views: (\d+)`).FindStringSubmatch(report); m == nil || m[1] != "30" {
		t.Errorf("page views not bounded by -requests 30: %v", m)
	}
	for _, r := range real.Requests() {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			t.Errorf("the load test sent %s %s to the real OSCAR", r.Method, r.Path)
		}
	}
	if v := real.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %v", v)
	}
	// The front refuses anything but reads.
	ro, err := newRealOSCAR(real.URL(), "oscar", pw, false)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	ro.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/system/services/svc-0000", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE through the front: %d", rec.Code)
	}
}

func TestOpName(t *testing.T) {
	for in, want := range map[string]string{
		"/system/services":                "GET /system/services",
		"/system/services/svc-1":          "GET /system/services/{}",
		"/system/logs/svc-1":              "GET /system/logs/{}",
		"/system/logs/svc-1/job-2":        "GET /system/logs/{}/{}",
		"/system/services/svc-1/exposed/": "GET /system/services/{}/exposed",
		"/system/info":                    "GET /system/info",
	} {
		if got := opName("GET", in); got != want {
			t.Errorf("opName(%q) = %q, want %q", in, got, want)
		}
	}
}

// With -redis the report says how page views read their sessions: from the client-side cache, once
// every page has been loaded before the run.
func TestLoadWithRedisReportsSessionReads(t *testing.T) {
	url, _, _ := redistest.Start(t)
	var out bytes.Buffer
	err := run(context.Background(), []string{"-redis", url, "-users", "3", "-services", "5", "-jobs", "2",
		"-latency", "1ms", "-think", "20ms", "-warmup", "100ms", "-duration", "1s", "-weight=false"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`session reads of page views \(Redis client-side cache\): (\d+) from the cached copy, (\d+) from Redis; (\d+) copies read again`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("report lacks the session reads:\n%s", out.String())
	}
	if hits, _ := strconv.Atoi(m[1]); hits < 10 || m[2] != "0" {
		t.Errorf("session reads: %s from the copy, %s from Redis; want every page view's from the copy", m[1], m[2])
	}
}

// -trace writes an execution trace of the measured part that go tool trace reads: it holds the
// console's handler goroutines (its page views ran while tracing).
func TestTraceOfTheMeasuredLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.out")
	var out bytes.Buffer
	err := run(context.Background(), []string{"-trace", path, "-users", "2", "-services", "3", "-jobs", "1",
		"-latency", "1ms", "-think", "10ms", "-warmup", "100ms", "-duration", "500ms", "-weight=false"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The trace's header names the format; its string table names every function on a traced stack.
	if !bytes.HasPrefix(data, []byte("go 1.")) || !bytes.Contains(data[:16], []byte(" trace")) {
		t.Fatalf("not an execution trace: %q", data[:min(len(data), 16)])
	}
	if !bytes.Contains(data, []byte("oscar-console/handlers.(*Pages)")) {
		t.Error("the trace holds no frame of the console's handlers")
	}
}
