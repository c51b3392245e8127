package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The floor (-floor) is what this machine costs a page view before any of the console's own work.
// The console in this process first serves every page the users can ask for once while the upstream
// front records the OSCAR calls it makes for each (learnFloor); then, for the measured run, a bare
// handler takes its place behind the same server and handler meter. For each page it makes the calls
// the console made for that user and page (several at once, as the console does), reads their
// answers whole, and writes a page of the size the console's was, with its length: no session,
// routing, middleware, JSON decoding or templates. Its "console added" is the part of the console's
// that comes from the machine (loopback HTTP, goroutine hand-offs, the scheduler waking idle CPUs)
// rather than from the console's code.

// floorCall is one OSCAR call of a page view, as the console made it.
type floorCall struct{ method, uri, auth string }

// floorKey names one user's page.
type floorKey struct {
	user int
	uri  string
}

// floorPage is what one user's page cost the console: its calls and the size of its page.
type floorPage struct {
	calls []floorCall
	size  int
}

// learnFloor loads every page of the mix for every user once (after prime: the console's caches are
// warm, as in the run) and records what each cost. A user's pages load one at a time, so the calls
// seen between two loads are that page's; users load eight at a time.
func (d *driver) learnFloor(ctx context.Context) (map[floorKey]floorPage, error) {
	d.up.recording.Store(true)
	defer d.up.recording.Store(false)
	var mu sync.Mutex
	pages := map[floorKey]floorPage{}
	err := d.eachPage(ctx, func(i int, path string) error {
		d.up.takeSeen(i)
		d.up.take(i)
		status, n, _, err := d.get(ctx, i, path, false)
		calls := d.up.takeSeen(i)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("loadtest: floor: %s for user %d: status %d", path, i, status)
		}
		for _, c := range calls {
			if c.method != http.MethodGet {
				return fmt.Errorf("loadtest: floor: %s for user %d made a %s call; only GETs can be replayed", path, i, c.method)
			}
		}
		mu.Lock()
		pages[floorKey{i, path}] = floorPage{calls: calls, size: int(n)}
		mu.Unlock()
		return nil
	})
	return pages, err
}

// floorHandler serves the learned pages (see the comment at the top of this file).
type floorHandler struct {
	pages    map[floorKey]floorPage // read-only once serving
	upstream string                 // the front's base URL
	hc       *http.Client
	body     []byte // the page bodies: a prefix of it
}

// newFloorHandler serves pages against the upstream at base. Its client keeps as many idle
// connections as the console's OSCAR client.
func newFloorHandler(pages map[floorKey]floorPage, base string) *floorHandler {
	largest := 0
	for _, p := range pages {
		largest = max(largest, p.size)
	}
	body := make([]byte, largest)
	for i := range body {
		body[i] = 'x'
	}
	t := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute, DisableCompression: true}
	return &floorHandler{pages: pages, upstream: base, hc: &http.Client{Transport: t}, body: body}
}

func (f *floorHandler) close() { f.hc.CloseIdleConnections() }

func (f *floorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(r.Header.Get(userHeader))
	p, ok := f.pages[floorKey{i, r.URL.RequestURI()}]
	if err != nil || !ok {
		http.Error(w, "floor: a page that was not learned", http.StatusNotFound)
		return
	}
	var errs []error
	switch len(p.calls) {
	case 0:
	case 1:
		errs = append(errs, f.call(r.Context(), p.calls[0]))
	default:
		errs = make([]error, len(p.calls))
		var wg sync.WaitGroup
		for k, c := range p.calls {
			wg.Go(func() { errs[k] = f.call(r.Context(), c) })
		}
		wg.Wait()
	}
	if err := errors.Join(errs...); err != nil {
		http.Error(w, "floor: "+err.Error(), http.StatusBadGateway)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(p.size))
	_, _ = w.Write(f.body[:p.size])
}

// call makes one learned call and reads its answer whole.
func (f *floorHandler) call(ctx context.Context, c floorCall) error {
	req, err := http.NewRequestWithContext(ctx, c.method, f.upstream+c.uri, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", c.auth)
	resp, err := f.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", c.uri, resp.StatusCode)
	}
	return nil
}
