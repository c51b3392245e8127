package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// probe is what one page view of a kind costs, measured alone before the load starts.
type probe struct {
	kind       string
	path       string
	status     int
	bytes      int64
	coldCalls  int64 // upstream calls of the user's first view (the cluster's features are not cached yet)
	warmCalls  int64 // upstream calls of the view right after
	listsOwned bool  // services page only: the first seeded service is on it
}

// probePages loads each page of the mix twice as user 0, alone, and counts its upstream calls.
func (d *driver) probePages(ctx context.Context) ([]probe, error) {
	var out []probe
	u := d.users[0]
	for _, m := range d.mix {
		p := probe{kind: m.kind}
		switch m.kind {
		case pageServices:
			p.path = "/services"
		case pageService:
			p.path = "/services/" + u.home[0]
		case pageJobs:
			p.path = "/services/" + u.home[0] + "/jobs"
		case pageToken:
			p.path = "/token"
		}
		d.up.take(0)
		status, n, body, err := d.get(ctx, 0, p.path, true)
		if err != nil {
			return nil, fmt.Errorf("loadtest: probe %s: %w", p.path, err)
		}
		p.status, p.bytes = status, n
		p.coldCalls, _, _ = d.up.take(0)
		if _, _, _, err := d.get(ctx, 0, p.path, false); err != nil {
			return nil, fmt.Errorf("loadtest: probe %s: %w", p.path, err)
		}
		p.warmCalls, _, _ = d.up.take(0)
		if m.kind == pageServices {
			p.listsOwned = bytes.Contains(body, []byte(serviceName(0)))
		}
		out = append(out, p)
	}
	return out, nil
}

// weight is the first view of a page: its HTML and every same-origin asset it loads.
type weight struct {
	page    string
	html    int
	htmlGz  int
	headers int // approximate response header bytes, all responses
	assets  []assetWeight
}

type assetWeight struct {
	path  string
	bytes int
	gz    int
}

func (w weight) total() (raw, gz int) {
	raw, gz = w.html, w.htmlGz
	for _, a := range w.assets {
		raw += a.bytes
		gz += a.gz
	}
	return raw, gz
}

var (
	// assetRefRE finds same-origin references in HTML: stylesheets, scripts, images, icons.
	assetRefRE = regexp.MustCompile(`(?i)(?:href|src)\s*=\s*"(/[^"/][^"]*)"`)
	// cssURLRE finds url(...) references in CSS (fonts, images).
	cssURLRE = regexp.MustCompile(`url\(\s*['"]?([^'")]+)['"]?\s*\)`)
)

// isAsset reports whether a same-origin path is something a browser fetches to show the page (not a
// link to another page).
func isAsset(p string) bool {
	p, _, _ = strings.Cut(p, "?")
	for _, ext := range []string{".css", ".js", ".mjs", ".svg", ".png", ".ico", ".jpg", ".webp", ".woff", ".woff2", ".ttf", ".webmanifest"} {
		if strings.HasSuffix(strings.ToLower(p), ext) {
			return true
		}
	}
	return false
}

// pageWeight fetches page as user i the way a browser with an empty cache would: the HTML, then every
// asset it references, then what the stylesheets reference. Sizes are response bodies as sent (the
// console does not compress); gz is what gzip at the default level makes of each, the size a
// compressing proxy would send.
func (d *driver) pageWeight(ctx context.Context, i int, page string) (weight, error) {
	w := weight{page: page}
	body, hdr, err := d.fetch(ctx, i, page)
	if err != nil {
		return w, err
	}
	w.html, w.htmlGz, w.headers = len(body), gzSize(body), hdr
	var queue []string
	for _, m := range assetRefRE.FindAllSubmatch(body, -1) {
		if p := string(m[1]); isAsset(p) && !slices.Contains(queue, p) {
			queue = append(queue, p)
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		b, h, err := d.fetch(ctx, i, p)
		if err != nil {
			return w, err
		}
		w.headers += h
		w.assets = append(w.assets, assetWeight{path: p, bytes: len(b), gz: gzSize(b)})
		if strings.HasSuffix(strings.SplitN(p, "?", 2)[0], ".css") {
			base, _ := url.Parse(p)
			for _, m := range cssURLRE.FindAllSubmatch(b, -1) {
				ref, err := url.Parse(string(m[1]))
				if err != nil || ref.Scheme == "data" || ref.IsAbs() {
					continue
				}
				rp := base.ResolveReference(ref).String()
				if !slices.Contains(queue, rp) && !slices.ContainsFunc(w.assets, func(a assetWeight) bool { return a.path == rp }) {
					queue = append(queue, rp)
				}
			}
		}
	}
	return w, nil
}

// fetch GETs path as user i and returns the body and the approximate size of the status line and
// headers.
func (d *driver) fetch(ctx context.Context, i int, path string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+path, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Cookie", d.cookies[i])
	resp, err := d.hc.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("loadtest: page weight: %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, fmt.Errorf("loadtest: page weight: %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("loadtest: page weight: %s answered %d", path, resp.StatusCode)
	}
	h := len("HTTP/1.1 200 OK\r\n") + 2
	for k, vs := range resp.Header {
		for _, v := range vs {
			h += len(k) + 2 + len(v) + 2
		}
	}
	return b, h, nil
}

func gzSize(b []byte) int {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Len()
}

func (w weight) print(out io.Writer) {
	raw, gz := w.total()
	fmt.Fprintf(out, "\n== page weight: first view of %s, empty browser cache\n", w.page)
	fmt.Fprintf(out, "  %-60s %8d bytes (gzip %d)\n", "HTML "+w.page, w.html, w.htmlGz)
	for _, a := range w.assets {
		fmt.Fprintf(out, "  %-60s %8d bytes (gzip %d)\n", a.path, a.bytes, a.gz)
	}
	fmt.Fprintf(out, "  total bodies: %d bytes = %.1f KB as sent (%.1f KB if gzipped); response headers about %d bytes more; %d requests\n",
		raw, float64(raw)/1000, float64(gz)/1000, w.headers, 1+len(w.assets))
}
