package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// memSnapshot is this process's memory after a full garbage collection.
type memSnapshot struct {
	rss, hwm  int64 // VmRSS, VmHWM
	heapInuse uint64
	heapObj   uint64
}

func measureMemory() (memSnapshot, error) {
	runtime.GC()
	debug.FreeOSMemory() // a second collection, and the freed pages go back to the OS
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, err := statusKB("self", "VmRSS")
	if err != nil {
		return memSnapshot{}, err
	}
	hwm, err := statusKB("self", "VmHWM")
	if err != nil {
		return memSnapshot{}, err
	}
	return memSnapshot{rss: rss, hwm: hwm, heapInuse: ms.HeapInuse, heapObj: ms.HeapObjects}, nil
}

// runMemory is the memory mode: a console with c.sessions signed-in OIDC sessions, each of which has
// loaded one service page and the token page (so every per-user cache of the console, such as the
// cluster features cached per credential, holds an entry for it). It reports the console's resident
// memory before and after, and the store's bytes per session.
//
// In-process (the default), the figures are this process's after a forced GC. The process also holds
// the fake OSCAR and the load generator; the fake replays nothing here (no per-user answers kept) and
// the users have no jobs, so what grows with the sessions besides the console is only the users'
// tokens (in the fake's token table and the generator's user list): the figures are an upper bound of
// the console's own. With -target they are the running console's own, read from its /metrics
// (process_resident_memory_bytes, go_memstats_heap_inuse_bytes) and, with -console-pid, from
// /proc/<pid>/status (VmRSS, VmHWM); no GC is forced there.
func runMemory(ctx context.Context, c *config, out io.Writer) error {
	now := time.Now()
	users := newUsers(c.sessions, c.services, now)
	up, err := newUpstream(c.upstreamAddr, c.latency, false, tokensOf(users), len(users))
	if err != nil {
		return err
	}
	defer up.close()
	if err := seedServices(up.fake, c.services); err != nil {
		return err
	}
	endpoint, err := oscar.ParseEndpoint(up.url, oscar.Policy{AllowPrivate: true, AllowHTTP: true})
	if err != nil {
		return fmt.Errorf("loadtest: fake OSCAR endpoint: %w", err)
	}
	hc := newHTTPClient(c.concurrency)
	defer hc.CloseIdleConnections()

	var (
		base     string
		mgr      *session.Manager
		fileDir  string
		redisURL string
		measure  func() (memSnapshot, error)
		where    string
	)
	if c.target == "" {
		store := "file:"
		if c.redis != "" {
			store = c.redis
		}
		con, err := newConsole(store, discardLogger())
		if err != nil {
			return err
		}
		defer con.close()
		base, mgr, fileDir, redisURL, measure = con.url, con.sessions, con.dir, c.redis, measureMemory
		where = "this process after GC (console + fake OSCAR + load generator)"
	} else {
		m, closeStore, err := openTargetStore(c.sessionStore, c.sessionKeyFile, strings.HasPrefix(c.target, "https:"))
		if err != nil {
			return err
		}
		defer closeStore()
		base, mgr = c.target, m
		if strings.HasPrefix(c.sessionStore, "redis") {
			redisURL = c.sessionStore
		} else {
			fileDir = strings.TrimPrefix(c.sessionStore, "file:")
		}
		measure = func() (memSnapshot, error) { return targetMemory(ctx, hc, c.metrics, c.consolePID) }
		where = "the console at " + base + " (its metrics at " + c.metrics + "/metrics"
		if c.consolePID > 0 {
			where += " and /proc/" + strconv.Itoa(c.consolePID) + "/status"
		}
		where += "; no forced GC)"
	}
	var rdb *redis.Client
	if redisURL != "" {
		opt, err := redis.ParseURL(withoutConsoleParams(redisURL))
		if err != nil {
			return fmt.Errorf("loadtest: redis URL: %w", err)
		}
		rdb = redis.NewClient(opt)
		defer rdb.Close()
	}
	store := "file " + fileDir
	if rdb != nil {
		store = "redis " + redisURL
	}
	fmt.Fprintf(out, "memory mode: %d sessions, store %s, console %s, fake OSCAR %s (%d services, latency %s)\n",
		c.sessions, store, base, up.url, c.services, c.latency)

	redisBefore := int64(0)
	if rdb != nil {
		if redisBefore, err = redisUsedMemory(ctx, rdb); err != nil {
			return err
		}
	}
	var filesBefore fileStats
	if rdb == nil {
		if filesBefore, err = statFiles(fileDir); err != nil {
			return err
		}
	}
	before, err := measure()
	if err != nil {
		return err
	}

	start := time.Now()
	cookies, err := storeSessions(ctx, mgr, users, "oidc", string(endpoint), 8)
	if rdb != nil {
		defer func() { _ = destroySessions(context.WithoutCancel(ctx), mgr, cookies) }()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "stored %d sessions in %.1f s\n", len(cookies), time.Since(start).Seconds())

	// Every session loads two pages, c.concurrency at a time. Not the services list: it keeps nothing
	// per user, and decoding the whole list 10,000 times would only make the run long.
	d := newDriver(base, hc, users, cookies, up, nil, 0)
	var failed atomic.Int64
	start = time.Now()
	err = forEach(ctx, len(users), c.concurrency, func(i int) error {
		for _, p := range []string{"/services/" + users[i].home[0], "/token"} {
			status, _, _, err := d.get(ctx, i, p, false)
			if err != nil {
				return err
			}
			if status != http.StatusOK {
				failed.Add(1)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "loaded 2 pages per session in %.1f s, %d not 200\n", time.Since(start).Seconds(), failed.Load())
	hc.CloseIdleConnections()
	up.forget()

	after, err := measure()
	if err != nil {
		return err
	}
	n := int64(len(users))
	fmt.Fprintf(out, "\n== memory of %s\n", where)
	fmt.Fprintf(out, "  before sessions: VmRSS %s, Go heap in use %s\n", mib(before.rss), mib(int64(before.heapInuse)))
	fmt.Fprintf(out, "  with %d sessions: VmRSS %s, Go heap in use %s", n, mib(after.rss), mib(int64(after.heapInuse)))
	if after.hwm > 0 {
		fmt.Fprintf(out, ", peak VmHWM %s", mib(after.hwm))
	}
	fmt.Fprintf(out, "\n  growth: VmRSS %+.1f MiB (%.0f bytes per session), heap %+.1f MiB\n",
		float64(after.rss-before.rss)/(1<<20), float64(after.rss-before.rss)/float64(n), (float64(after.heapInuse)-float64(before.heapInuse))/(1<<20))

	fmt.Fprintf(out, "\n== session store\n")
	if rdb != nil {
		return reportRedis(ctx, out, rdb, redisBefore, n)
	}
	filesAfter, err := statFiles(fileDir)
	if err != nil {
		return err
	}
	files, size, blocks := filesAfter.files-filesBefore.files, filesAfter.size-filesBefore.size, filesAfter.blocks-filesBefore.blocks
	fmt.Fprintf(out, "  file store: %d new files, %d bytes (%.0f bytes per session), %s on disk (%.0f bytes per session)\n",
		files, size, float64(size)/float64(n), mib(blocks), float64(blocks)/float64(n))
	return nil
}

// targetMemory reads a running console's memory from /metrics on its metrics listener (base) and, if
// pid > 0, /proc/<pid>/status.
func targetMemory(ctx context.Context, hc *http.Client, base string, pid int) (memSnapshot, error) {
	var m memSnapshot
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return m, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return m, fmt.Errorf("loadtest: console metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return m, fmt.Errorf("loadtest: console metrics: %w", err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			m.rss = int64(v)
		case "go_memstats_heap_inuse_bytes":
			m.heapInuse = uint64(v)
		}
	}
	if pid > 0 {
		p := strconv.Itoa(pid)
		if m.rss, err = statusKB(p, "VmRSS"); err != nil {
			return m, err
		}
		if m.hwm, err = statusKB(p, "VmHWM"); err != nil {
			return m, err
		}
	}
	if m.rss == 0 {
		return m, fmt.Errorf("loadtest: console metrics: no process_resident_memory_bytes at %s/metrics", base)
	}
	return m, nil
}

// fileStats is what a file store directory holds.
type fileStats struct{ files, size, blocks int64 }

// statFiles sums the session files of dir: their sizes (bytes written) and allocated blocks (disk
// used; each small file takes at least one filesystem block).
func statFiles(dir string) (fileStats, error) {
	var st fileStats
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		st.files++
		st.size += info.Size()
		if sys, ok := info.Sys().(*syscall.Stat_t); ok {
			st.blocks += sys.Blocks * 512
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("loadtest: session files: %w", err)
	}
	return st, nil
}

// reportRedis prints the Redis store's size: the growth of used_memory divided by the sessions, and
// MEMORY USAGE of a sample of session keys.
func reportRedis(ctx context.Context, out io.Writer, rdb *redis.Client, before, n int64) error {
	after, err := redisUsedMemory(ctx, rdb)
	if err != nil {
		return err
	}
	dbsize, err := rdb.DBSize(ctx).Result()
	if err != nil {
		return fmt.Errorf("loadtest: redis DBSIZE: %w", err)
	}
	var sample, total int64
	iter := rdb.Scan(ctx, 0, "oscar-console:session:*", 200).Iterator()
	for iter.Next(ctx) && sample < 200 {
		u, err := rdb.MemoryUsage(ctx, iter.Val()).Result()
		if err != nil {
			return fmt.Errorf("loadtest: redis MEMORY USAGE: %w", err)
		}
		sample++
		total += u
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("loadtest: redis SCAN: %w", err)
	}
	fmt.Fprintf(out, "  redis: DBSIZE %d; used_memory %s -> %s (%.0f bytes per session)", dbsize, mib(before), mib(after), float64(after-before)/float64(n))
	if sample > 0 {
		fmt.Fprintf(out, "; MEMORY USAGE of %d session keys: %.0f bytes each on average", sample, float64(total)/float64(sample))
	}
	fmt.Fprintln(out)
	return nil
}

func redisUsedMemory(ctx context.Context, rdb *redis.Client) (int64, error) {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, fmt.Errorf("loadtest: redis INFO memory: %w", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("loadtest: redis INFO memory: no used_memory")
}

// withoutConsoleParams removes the console's own parameters (client_cache) from a Redis URL, which
// go-redis, reading it here for DBSIZE and INFO, would refuse.
func withoutConsoleParams(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !u.Query().Has("client_cache") {
		return raw
	}
	q := u.Query()
	q.Del("client_cache")
	u.RawQuery = q.Encode()
	return u.String()
}
