package e2e

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// pageWeightBudget is the most a first view of the services page may transfer (issue 10), in bytes:
// HTML, CSS, JavaScript and images together, headers included, as the browser counts them.
const pageWeightBudget = 60_000

// TestPageWeight loads the services page as a first view (browser cache disabled) with the DevTools
// network domain recording, sums the bytes of every response, and counts the calls the console made
// to OSCAR for it. docs/performance.md cites the numbers this test logs.
func TestPageWeight(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			for _, name := range []string{"cowsay", "grayify", "plants"} {
				c.seedService(t, name)
			}
			tb := newTab(t, c, m.js)
			tb.signInBasic()

			if _, err := chromedp.Call(tb.ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
				t.Fatal(err)
			}
			rec := &netRecorder{reqs: map[network.RequestID]*netRequest{}}
			if err := chromedp.Listen(tb.ctx, rec.event); err != nil {
				t.Fatal(err)
			}
			c.OSCAR.ResetRequests()
			if st := tb.open("/services"); st != 200 {
				tb.fatalf("GET /services: status %d", st)
			}
			rec.waitIdle(tb.ctx)

			total, lines := rec.summary(c.URL)
			t.Logf("first view of /services (%s): %d bytes in %d responses:\n  %s", tb.mode(), total, len(lines), strings.Join(lines, "\n  "))
			if total == 0 {
				t.Fatal("no response recorded")
			}
			if total >= pageWeightBudget {
				t.Errorf("first view of /services transfers %d bytes, want under %d", total, pageWeightBudget)
			}
			var calls []string
			for _, r := range c.OSCAR.Requests() {
				calls = append(calls, r.Method+" "+r.Path)
			}
			t.Logf("OSCAR calls for the page view: %d %v", len(calls), calls)
			if len(calls) != 1 {
				t.Errorf("the services page made %d OSCAR calls %v, want 1", len(calls), calls)
			}
		})
	}
}

// netRecorder collects the network events of a page load, in order.
type netRecorder struct {
	mu   sync.Mutex
	reqs map[network.RequestID]*netRequest
}

type netRequest struct {
	url   string
	typ   network.ResourceType
	bytes float64
	done  bool
}

func (r *netRecorder) event(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if q, ok := r.reqs[ev.RequestID]; ok { // a redirect: same id, new URL
			q.url = ev.Request.URL
			return
		}
		r.reqs[ev.RequestID] = &netRequest{url: ev.Request.URL, typ: ev.Type}
	case *network.EventLoadingFinished:
		if q, ok := r.reqs[ev.RequestID]; ok {
			q.bytes, q.done = ev.EncodedDataLength, true
		}
	case *network.EventLoadingFailed:
		if q, ok := r.reqs[ev.RequestID]; ok {
			q.done = true
		}
	}
}

// waitIdle waits until every request seen has finished (the favicon comes after the load event).
func (r *netRecorder) waitIdle(ctx context.Context) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(200 * time.Millisecond)
		r.mu.Lock()
		idle := true
		for _, q := range r.reqs {
			idle = idle && q.done
		}
		r.mu.Unlock()
		if idle {
			return
		}
	}
}

// summary returns the total bytes and one line per response, largest first.
func (r *netRecorder) summary(base string) (int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var list []*netRequest
	total := 0.0
	for _, q := range r.reqs {
		if !q.done || strings.HasPrefix(q.url, "data:") {
			continue
		}
		list = append(list, q)
		total += q.bytes
	}
	sort.Slice(list, func(i, j int) bool { return list[i].bytes > list[j].bytes })
	var lines []string
	for _, q := range list {
		name := q.url
		if u, err := url.Parse(q.url); err == nil && strings.HasPrefix(q.url, base) {
			name = u.Path
		}
		lines = append(lines, fmt.Sprintf("%6.0f  %-10s %s", q.bytes, q.typ, name))
	}
	return int(total), lines
}
