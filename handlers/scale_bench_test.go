package handlers

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// replay stands between the console and the fake OSCAR: the first time it sees a request it asks
// the fake (which checks it against the contract) and keeps the answer; after that it answers from
// memory. A benchmark then counts the console's work per page view, not the fake's.
type replay struct {
	fake http.Handler
	mu   sync.Mutex
	seen map[string]*httptest.ResponseRecorder
}

func (r *replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	key := req.Method + " " + req.URL.RequestURI()
	r.mu.Lock()
	rec := r.seen[key]
	r.mu.Unlock()
	if rec == nil {
		rec = httptest.NewRecorder()
		r.fake.ServeHTTP(rec, req)
		r.mu.Lock()
		r.seen[key] = rec
		r.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// BenchmarkPageViewsAtScale is one signed-in page view through the route table (session, limits,
// the OSCAR client over loopback HTTP, decoding, rendering) on a cluster with 10, 100 and 1,000
// services, and the jobs page of a service with 10,000 jobs. OSCAR's answers are replayed, so the
// allocations and time are the console's (plus the loopback HTTP both sides share). The figures are
// in docs/performance.md.
func BenchmarkPageViewsAtScale(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		fake := oscartest.NewT(b, oscartest.Options{CreateDelay: -1, Latency: 0})
		for i := range n {
			def := fmt.Sprintf(`{"name":"svc-%04d","image":"ghcr.io/grycap/cowsay:1.%d","script":"#!/bin/sh\necho %d","cpu":"0.5","memory":"512Mi","visibility":"private","owner":"cluster_admin","log_level":"INFO","input":[{"storage_provider":"minio.default","path":"svc-%04d/input"}],"output":[{"storage_provider":"minio.default","path":"svc-%04d/output"}],"environment":{"variables":{"MODEL":"m%d"}},"labels":{"team":"t%d"}}`, i, i%10, i, i, i, i, i%7)
			if err := fake.PutService([]byte(def)); err != nil {
				b.Fatal(err)
			}
		}
		jobs := make([]oscartest.Job, 10000)
		t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		for j := range jobs {
			c := t0.Add(time.Duration(j) * time.Second)
			jobs[j] = oscartest.Job{Name: fmt.Sprintf("svc-0000-job-%05d", j), Status: "Succeeded", Log: "done\n", Created: c, Started: c, Finished: c.Add(time.Second)}
		}
		fake.SetJobs("svc-0000", jobs...)
		up := httptest.NewServer(&replay{fake: fake, seen: map[string]*httptest.ResponseRecorder{}})
		b.Cleanup(up.Close)

		// The harness logs at debug level into memory; a deployment logs at info level.
		h := newHarness(b, func(d *Deps) {
			d.Log = slog.New(slog.DiscardHandler)
			d.OSCAR = oscar.New(oscar.Options{Policy: d.Policy})
		})
		ep, err := oscar.ParseEndpoint(up.URL, h.pages.cfg.Policy)
		if err != nil {
			b.Fatal(err)
		}
		h.signInBasic(string(ep), oscartest.DefaultBasicUser, oscartest.DefaultBasicPassword)
		for _, pg := range []struct{ name, path string }{
			{"services", "/services"},
			{"service", "/services/svc-0000"},
			{"jobs10000", "/services/svc-0000/jobs"},
		} {
			b.Run(fmt.Sprintf("%s/%d", pg.name, n), func(b *testing.B) {
				get := func() int {
					req, _ := http.NewRequest(http.MethodGet, h.server.URL+pg.path, nil)
					resp, err := h.client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					var buf bytes.Buffer
					_, _ = io.Copy(&buf, resp.Body)
					resp.Body.Close()
					return resp.StatusCode
				}
				if code := get(); code != http.StatusOK { // also fills the replay
					b.Fatalf("%s: %d", pg.path, code)
				}
				b.ReportAllocs()
				for b.Loop() {
					if code := get(); code != http.StatusOK {
						b.Fatalf("%s: %d", pg.path, code)
					}
				}
			})
		}
	}
}
