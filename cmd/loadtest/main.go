// Command loadtest measures OSCAR Console under load: requests per second, page latency percentiles,
// errors, upstream OSCAR calls per page view and the console's own overhead over the upstream call,
// measured in the same run; with the console in this process, that overhead is split into the time
// in the console's handler beyond the upstream calls and the HTTP exchange with the load generator
// (its handler's time is taken per request). A memory mode measures the console's resident memory and the bytes each
// session takes in the store, with thousands of signed-in sessions.
//
// By default it builds a console in this process exactly as cmd/oscar-console does (server.Build:
// a file or Redis session store, the hardened OSCAR client) in front of the project's
// fake OSCAR (web/oscar/oscartest) answering after a fixed latency, both on loopback ports. With
// -target it drives a console that is already running instead; the fake OSCAR still runs here, and
// the users sign in to it. Everything stays on this machine: -target, -redis and the fake's address
// must be loopback. With -redis, the report also says how page views read their sessions: from the
// console's client-side cache or from Redis, and how many copies were read again in the background.
//
// Sign-in (-login): "oidc" (the default) writes one EGI-like OIDC session per user straight through
// the console's session Manager, with an access token shaped like an EGI Check-in JWT that the fake
// OSCAR accepts through its Tokens hook, and a far-future expiry so no refresh happens; "basic" does
// the same with OSCAR basic-auth sessions; "form" signs each user in through the console's own form
// (POST /login/basic), as a browser would. With -target, "oidc" and "basic" need the console's session
// store and key (-session-store, -session-key-file).
//
// With -oscar URL -user NAME -password-file FILE it measures the in-process console in front of a
// real OSCAR instead of the fake, to size a deployment: every call goes through a read-only front
// (GET and HEAD only) that times OSCAR's answers, so the report gives OSCAR's own latency per call
// beside the pages'. The endpoint must be on this machine unless -allow-remote is given, and such a
// run is bounded: 10 users and 1,000 page views by default, at most 50 and 20,000.
//
// With -floor, after the console has served every page once, a bare handler stands in for it for the
// measured run: for each user's page it makes the OSCAR calls the console made (learned from the
// upstream's view of them) and writes a page of the same size, with none of the console's own work.
// Its "console added" is what this machine costs a page (loopback HTTP, goroutine hand-offs, waking
// idle CPUs), the floor under the console's figure.
//
// Run "go run ./cmd/loadtest -h" for the flags; docs/performance.md has the commands and figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "loadtest: %v\n", strings.TrimPrefix(err.Error(), "loadtest: "))
		os.Exit(1)
	}
}

// Bounds on what one run may ask for: this tool runs on shared developer machines.
const (
	maxUsers    = 10000
	maxSessions = 100000
	maxDuration = 10 * time.Minute
	maxServices = 10000
)

// config is the parsed command line.
type config struct {
	target         string
	users          int
	duration       time.Duration
	warmup         time.Duration
	think          time.Duration
	requests       int64
	mix            []mixEntry
	login          string
	redis          string
	sessionStore   string
	sessionKeyFile string
	services       int
	jobs           int
	latency        time.Duration
	cache          bool
	upstreamAddr   string
	sessions       int
	consolePID     int
	metrics        string // memory mode with -target: the console's metrics listener
	concurrency    int
	weight         bool
	floor          bool // -floor: measure the bare floor handler in place of the console
	cpuprofile     string
	traceFile      string
	oscar          string // a real OSCAR's base URL (read-only load through the console)
	oscarUser      string
	passwordFile   string
	allowRemote    bool
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./cmd/loadtest [flags]\n\n"+
			"Drives N simulated users through a mix of console pages for a fixed time and reports requests/s,\n"+
			"latency percentiles, errors, upstream calls per page view and the console's overhead over the\n"+
			"upstream call (with the console in this process: split into the time in its handler and the HTTP\n"+
			"exchange with it). With -sessions N it measures memory with N signed-in sessions instead.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	mix := fs.String("mix", "services=4,service=3,jobs=2,token=1", "page mix: kind=weight for services (list), service, jobs and token")
	fs.StringVar(&c.target, "target", "", "base URL of a running console on this machine (default: start one in this process)")
	fs.IntVar(&c.users, "users", 100, fmt.Sprintf("simulated users, each with its own session, one request at a time (max %d)", maxUsers))
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "measured load time (max "+maxDuration.String()+")")
	fs.DurationVar(&c.warmup, "warmup", 3*time.Second, "load time before measuring (connections, caches)")
	fs.DurationVar(&c.think, "think", 0, "mean pause between a user's requests (uniform from think/2 to 3*think/2); 0: none (closed loop)")
	fs.Int64Var(&c.requests, "requests", 0, "stop after this many measured page views (0: run for -duration)")
	fs.StringVar(&c.login, "login", "oidc", "how users sign in: oidc or basic (sessions written through the session Manager) or form (POST /login/basic)")
	fs.StringVar(&c.redis, "redis", "", "in-process console: keep sessions in this Redis (redis://127.0.0.1:port/db) instead of files")
	fs.StringVar(&c.sessionStore, "session-store", "", "-target with -login oidc/basic: the console's CONSOLE_SESSION_STORE (file:/dir or a loopback redis:// URL)")
	fs.StringVar(&c.sessionKeyFile, "session-key-file", "", "-target with -login oidc/basic: the console's session key file")
	fs.IntVar(&c.services, "services", 100, "services in the fake OSCAR (all public)")
	fs.IntVar(&c.jobs, "jobs", 5, "jobs per user in each of its 5 services")
	fs.DurationVar(&c.latency, "latency", 5*time.Millisecond, "fixed latency of every fake OSCAR answer")
	fs.BoolVar(&c.cache, "cache", true, "replay the fake OSCAR's answers after the first, loading every page each user can ask for once before the run (its contract validation then costs no CPU during the run)")
	fs.StringVar(&c.upstreamAddr, "upstream-addr", "127.0.0.1:0", "loopback address for the fake OSCAR")
	fs.IntVar(&c.sessions, "sessions", 0, "memory mode: create this many signed-in sessions, load two pages with each, report memory and bytes per session")
	fs.StringVar(&c.metrics, "metrics", "http://127.0.0.1:9090", "memory mode with -target: base URL of the console's metrics listener (its CONSOLE_METRICS_ADDR)")
	fs.IntVar(&c.consolePID, "console-pid", 0, "memory mode with -target: the console's process ID, to read VmRSS and VmHWM from /proc/<pid>/status")
	fs.IntVar(&c.concurrency, "concurrency", 100, "memory mode: concurrent page loads while activating the sessions")
	fs.BoolVar(&c.floor, "floor", false, "in-process console: after learning the OSCAR calls and page size of every page, measure a bare handler that makes the same calls and writes pages of the same size in its place: what this machine costs a page before the console's own work")
	fs.BoolVar(&c.weight, "weight", true, "report the page weight of the services page (first view, empty cache)")
	fs.StringVar(&c.traceFile, "trace", "", "write an execution trace of the measured load, for go tool trace (-pprof=sched|syscall|sync|net: where page views wait)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the measured load (in-process console: the console's code is in it)")
	fs.StringVar(&c.oscar, "oscar", "", "a real OSCAR's base URL: the console in this process calls it (read-only: GET only) with -user's account, and the report gives OSCAR's own latency per call beside the pages'")
	fs.StringVar(&c.oscarUser, "user", "", "-oscar: OSCAR basic-auth user")
	fs.StringVar(&c.passwordFile, "password-file", "", "-oscar: file holding that user's password (never a flag value: it would show in ps)")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "-oscar: allow an OSCAR that is not on this machine")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("loadtest: unexpected arguments %q", fs.Args())
	}
	var err error
	if c.mix, err = parseMix(*mix); err != nil {
		return nil, err
	}
	var problems []string
	if c.users < 1 || c.users > maxUsers {
		problems = append(problems, fmt.Sprintf("-users must be 1..%d", maxUsers))
	}
	if c.duration <= 0 || c.duration > maxDuration {
		problems = append(problems, "-duration must be positive and at most "+maxDuration.String())
	}
	if c.warmup < 0 || c.warmup > maxDuration {
		problems = append(problems, "-warmup must be 0.."+maxDuration.String())
	}
	if c.think < 0 || c.think > time.Minute {
		problems = append(problems, "-think must be 0..1m")
	}
	if c.requests < 0 {
		problems = append(problems, "-requests must not be negative")
	}
	if c.services < 1 || c.services > maxServices {
		problems = append(problems, fmt.Sprintf("-services must be 1..%d", maxServices))
	}
	if c.jobs < 0 || c.jobs > 100 {
		problems = append(problems, "-jobs must be 0..100")
	}
	if c.latency < 0 || c.latency > 10*time.Second {
		problems = append(problems, "-latency must be 0..10s")
	}
	if c.sessions < 0 || c.sessions > maxSessions {
		problems = append(problems, fmt.Sprintf("-sessions must be 0..%d", maxSessions))
	}
	if c.consolePID < 0 || (c.consolePID > 0 && c.target == "") {
		problems = append(problems, "-console-pid is for memory mode with -target")
	}
	if c.concurrency < 1 || c.concurrency > 1000 {
		problems = append(problems, "-concurrency must be 1..1000")
	}
	switch c.login {
	case "oidc", "basic", "form":
	default:
		problems = append(problems, "-login must be oidc, basic or form")
	}
	if c.target != "" {
		if _, err := checkLoopbackURL("-target", c.target, "http", "https"); err != nil {
			problems = append(problems, err.Error())
		}
		c.target = strings.TrimSuffix(c.target, "/")
		if _, err := checkLoopbackURL("-metrics", c.metrics, "http", "https"); err != nil {
			problems = append(problems, err.Error())
		}
		c.metrics = strings.TrimSuffix(c.metrics, "/")
		if c.login != "form" && (c.sessionStore == "" || c.sessionKeyFile == "") {
			problems = append(problems, "-target with -login "+c.login+" needs -session-store and -session-key-file (or use -login form)")
		}
		if c.redis != "" {
			problems = append(problems, "-redis is for the in-process console; with -target use -session-store")
		}
		if c.sessions > 0 && c.login == "form" {
			problems = append(problems, "-sessions (memory mode) writes the sessions through the session store; -login form is not supported")
		}
	}
	if c.oscar != "" {
		// Somebody's cluster is on the other end: fewer users and a bounded number of page views by
		// default, and hard caps.
		if !set["users"] {
			c.users = realDefaultUsers
		}
		if !set["requests"] {
			c.requests = realDefaultRequest
		}
		if !set["login"] {
			c.login = "basic"
		}
		if c.users > realMaxUsers {
			problems = append(problems, fmt.Sprintf("-oscar: -users must be at most %d", realMaxUsers))
		}
		if c.requests < 1 || c.requests > realMaxRequests {
			problems = append(problems, fmt.Sprintf("-oscar: -requests must be 1..%d", realMaxRequests))
		}
		if c.login != "basic" {
			problems = append(problems, "-oscar signs users in with -login basic")
		}
		if c.target != "" || c.sessions > 0 {
			problems = append(problems, "-oscar runs the console in this process: no -target, no -sessions")
		}
	} else if c.oscarUser != "" || c.passwordFile != "" || c.allowRemote {
		problems = append(problems, "-user, -password-file and -allow-remote go with -oscar")
	}
	if c.floor && (c.target != "" || c.sessions > 0 || c.oscar != "") {
		problems = append(problems, "-floor replaces the console in this process in front of the fake OSCAR: no -target, -sessions or -oscar")
	}
	if c.traceFile != "" && c.cpuprofile != "" {
		problems = append(problems, "-trace and -cpuprofile: one at a time (each would skew the other)")
	}
	if c.redis != "" {
		if _, err := checkLoopbackURL("-redis", c.redis, "redis"); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if strings.HasPrefix(c.sessionStore, "redis") {
		if _, err := checkLoopbackURL("-session-store", c.sessionStore, "redis"); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, errors.New("loadtest: " + strings.Join(problems, "; "))
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	printMachine(stdout, args)
	if c.sessions > 0 {
		return runMemory(ctx, c, stdout)
	}
	return runLoad(ctx, c, stdout)
}

// printMachine heads every report with what it ran on and how it was started.
func printMachine(w io.Writer, args []string) {
	fmt.Fprintf(w, "loadtest %s\n", strings.Join(args, " "))
	fmt.Fprintf(w, "date %s; %s; GOMAXPROCS %d; %d CPUs; %s; load average %s\n", time.Now().UTC().Format(time.RFC3339), runtime.Version(),
		runtime.GOMAXPROCS(0), runtime.NumCPU(), cpuModel(), loadAverage())
}

// loadAverage is the 1, 5 and 15 minute load average: on a shared machine, other work skews latency.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// runLoad is the load mode.
func runLoad(ctx context.Context, c *config, out io.Writer) error {
	users, up, what, err := startUpstream(ctx, c)
	if err != nil {
		return err
	}
	defer up.close()
	endpoint, err := oscar.ParseEndpoint(up.url, oscar.Policy{AllowPrivate: true, AllowHTTP: true})
	if err != nil {
		return fmt.Errorf("loadtest: fake OSCAR endpoint: %w", err)
	}

	base := c.target
	var con *console
	var mgr *session.Manager
	if base == "" {
		store := "file:"
		if c.redis != "" {
			store = c.redis
		}
		if con, err = newConsole(store, discardLogger()); err != nil {
			return err
		}
		defer con.close()
		base, mgr = con.url, con.sessions
	} else if c.login != "form" {
		m, closeStore, err := openTargetStore(c.sessionStore, c.sessionKeyFile, strings.HasPrefix(base, "https:"))
		if err != nil {
			return err
		}
		defer closeStore()
		mgr = m
	}
	fmt.Fprintf(out, "console %s (%s); %s\n", base, map[bool]string{true: "in this process", false: "running separately"}[con != nil], what)

	hc := newHTTPClient(len(users))
	defer hc.CloseIdleConnections()
	cookies, err := signIn(ctx, c, base, string(endpoint), users, mgr)
	if err != nil {
		return err
	}
	redisOurs := c.redis != "" || strings.HasPrefix(c.sessionStore, "redis")
	if redisOurs && mgr != nil {
		defer func() { _ = destroySessions(context.WithoutCancel(ctx), mgr, cookies) }()
	}
	fmt.Fprintf(out, "signed in %d users (-login %s)\n", len(users), c.login)

	d := newDriver(base, hc, users, cookies, up, c.mix, c.think)
	probes, err := d.probePages(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n== one page view alone (user 0): upstream calls on the first view / on the next\n")
	var mix []mixEntry
	for _, p := range probes {
		fmt.Fprintf(out, "  %-9s %-34s %d, %6d bytes, upstream calls %d / %d", p.kind, p.path, p.status, p.bytes, p.coldCalls, p.warmCalls)
		if p.kind == pageServices && p.status == 200 && !p.listsOwned {
			fmt.Fprintf(out, " (warning: %s is not on the page)", serviceName(0))
		}
		fmt.Fprintln(out)
		if p.status != 200 {
			fmt.Fprintf(out, "  -> %s answers %d: left out of the mix\n", p.kind, p.status)
			continue
		}
		for _, m := range c.mix {
			if m.kind == p.kind {
				mix = append(mix, m)
			}
		}
	}
	if len(mix) == 0 {
		return errors.New("loadtest: no page of the mix answers 200")
	}
	if c.weight {
		w, err := d.pageWeight(ctx, 0, "/services")
		if err != nil {
			return err
		}
		w.print(out)
	}

	d = newDriver(base, hc, users, cookies, up, mix, c.think)
	if con != nil {
		d.handled = con.handled
	}
	if up.cache && up.fake != nil {
		n, err := d.prime(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "primed the fake OSCAR's memo: loaded each of the %d pages the users can ask for once\n", n)
	}
	if c.floor {
		pages, err := d.learnFloor(ctx)
		if err != nil {
			return err
		}
		f := newFloorHandler(pages, up.url)
		defer f.close()
		con.replace(f)
		fmt.Fprintf(out, "FLOOR: learned the OSCAR calls and page size of %d pages; a bare handler that makes the same calls and writes pages of the same size now stands in for the console, so \"console added\" below is what this machine costs a page before the console's own work\n", len(pages))
	}
	var observed *samples
	if con != nil {
		observed = con.observed
		if rb, ok := con.sessions.Backend().(*session.RedisBackend); ok {
			d.sessionCache = rb.CacheStats
		}
	}
	// Only the measured part is recorded: the warm-up's first connections and cold caches stay out.
	// parseFlags lets through one of the two at most.
	for _, rec := range []struct {
		flag, path string
		start      func(io.Writer) error
		stop       func()
	}{{"-cpuprofile", c.cpuprofile, pprof.StartCPUProfile, pprof.StopCPUProfile}, {"-trace", c.traceFile, trace.Start, trace.Stop}} {
		if rec.path == "" {
			continue
		}
		f, err := os.Create(rec.path)
		if err != nil {
			return fmt.Errorf("loadtest: %s: %w", rec.flag, err)
		}
		defer f.Close()
		d.onMeasure = func() error { return rec.start(f) }
		d.onMeasured = rec.stop
	}
	res, err := d.run(ctx, c.warmup, c.duration, c.requests, observed)
	if err != nil {
		return err
	}
	res.print(out, len(users), mix, con != nil)
	fmt.Fprintf(out, "load average after the run: %s\n", loadAverage())
	printOps(out, up.opStats(), up.forward != nil)
	if up.fake != nil {
		if v := up.fake.Violations(); len(v) > 0 {
			fmt.Fprintf(out, "fake OSCAR contract violations: %d (first: %s)\n", len(v), v[0])
		}
	}
	return ctx.Err()
}

// startUpstream starts what the console calls: the fake OSCAR, seeded, or with -oscar the front of a
// real one. It returns the users, the upstream and a line saying what it is.
func startUpstream(ctx context.Context, c *config) ([]simUser, *upstream, string, error) {
	if c.oscar != "" {
		real, err := newRealOSCAR(c.oscar, c.oscarUser, c.passwordFile, c.allowRemote)
		if err != nil {
			return nil, nil, "", err
		}
		names, err := real.serviceNames(ctx)
		if err != nil {
			return nil, nil, "", err
		}
		users := realUsers(c.users, names)
		up, err := newForwardUpstream(c.upstreamAddr, real, len(users), real.auth)
		if err != nil {
			return nil, nil, "", err
		}
		return users, up, fmt.Sprintf("real OSCAR %s through a read-only front %s: %d services visible to %s; at most %d page views",
			real.base.Host, up.url, len(names), c.oscarUser, c.requests), nil
	}
	now := time.Now()
	users := newUsers(c.users, c.services, now)
	up, err := newUpstream(c.upstreamAddr, c.latency, c.cache, tokensOf(users), len(users))
	if err != nil {
		return nil, nil, "", err
	}
	if err := seedServices(up.fake, c.services); err != nil {
		up.close()
		return nil, nil, "", err
	}
	seedJobs(up.fake, users, c.jobs, now)
	return users, up, fmt.Sprintf("fake OSCAR %s: %d services, %d jobs per user in each of its %d services, latency %s, answers replayed: %v",
		up.url, c.services, c.jobs, min(homeServices, c.services), c.latency, c.cache), nil
}

// printOps reports the upstream time of each kind of OSCAR call: with a real OSCAR, its own latency
// for the calls the pages made.
func printOps(w io.Writer, ops map[string]dist, real bool) {
	who := "the fake OSCAR"
	if real {
		who = "OSCAR itself"
	}
	fmt.Fprintf(w, "\n== upstream time per call, as %s answered it (timed at the front)\n", who)
	names := make([]string, 0, len(ops))
	for k := range ops {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %-44s %s\n", k, ops[k])
	}
}

// signIn gives every user a session and returns their cookies.
func signIn(ctx context.Context, c *config, base, endpoint string, users []simUser, mgr *session.Manager) ([]string, error) {
	if c.login == "form" {
		client := newHTTPClient(len(users))
		defer client.CloseIdleConnections()
		cookies := make([]string, len(users))
		err := forEach(ctx, len(users), 8, func(i int) error {
			ck, err := formLogin(ctx, client, base, endpoint, i)
			cookies[i] = ck
			return err
		})
		return cookies, err
	}
	kind := session.KindOIDC
	if c.login == "basic" {
		kind = session.KindBasic
	}
	return storeSessions(ctx, mgr, users, kind, endpoint, 8)
}

// openTargetStore opens the session store of a console running separately, with its keys, so the
// load generator can write sessions that console reads.
func openTargetStore(spec, keyFile string, secure bool) (*session.Manager, func(), error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: session key file: %w", err)
	}
	var keys [][]byte
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			keys = append(keys, []byte(line))
		}
	}
	backend, err := session.OpenBackend(spec, "", discardLogger())
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: session store: %w", err)
	}
	m, err := session.NewManager(backend, session.Options{Keys: keys, Secure: secure})
	if err != nil {
		backend.Close()
		return nil, nil, fmt.Errorf("loadtest: sessions: %w", err)
	}
	return m, func() { backend.Close() }, nil
}
