package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/bucket"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestObjectPreview previews each kind of object and checks what reaches the browser.
func TestObjectPreview(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	png := []byte("\x89PNG\r\n\x1a\nfake")
	e.fake.PutObjectData("data", "img/cat.png", png)
	e.fake.PutObjectData("data", "doc.pdf", []byte("%PDF-1.4 fake"))
	e.fake.PutObjectData("data", "run.log", []byte("line 1 <script>alert(1)</script>\nline 2\n"))
	e.fake.PutObjectData("data", "out.json", []byte(`{"score":0.9,"labels":["a","b"]}`))
	e.fake.PutObjectData("data", "bad.json", []byte(`{"score":`))
	e.fake.PutObjectData("data", "t.csv", []byte("name,value\n<b>x</b>,1\ny,2\n"))
	e.fake.PutObjectData("data", "core.log", []byte("\x7fELF\x00\x00\x01"))
	e.fake.PutObjectData("data", "model.h5", []byte("HDF"))

	preview := func(key string) *page {
		t.Helper()
		p := e.get("/buckets/data/preview?key=" + url.QueryEscape(key))
		if p.StatusCode != http.StatusOK {
			t.Fatalf("preview %s = %d\n%s", key, p.StatusCode, p.Body)
		}
		return p
	}
	kind := func(p *page) string { k, _ := p.Doc.Find("[data-testid=preview]").Attr("data-kind"); return k }

	p := preview("img/cat.png")
	src, _ := p.Doc.Find("img[data-testid=preview-image]").Attr("src")
	if kind(p) != "image" || src != "/buckets/data/open?key=img%2Fcat.png" {
		t.Errorf("image: kind %q src %q", kind(p), src)
	}
	if dl, _ := p.Doc.Find("[data-testid=preview-download]").Attr("href"); dl != "/buckets/data/objects/img/cat.png" {
		t.Errorf("download link = %q", dl)
	}
	raw := e.get(src)
	h := raw.Header
	if raw.StatusCode != http.StatusOK || raw.Body != string(png) || h.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "inline;") || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("image bytes: %d %q %v", raw.StatusCode, raw.Body, h)
	}

	p = preview("doc.pdf")
	fr := p.Doc.Find("iframe[data-testid=preview-pdf]")
	if sb, ok := fr.Attr("sandbox"); kind(p) != "pdf" || !ok || sb != "" {
		t.Errorf("pdf: kind %q, frame sandbox %q %v", kind(p), sb, ok)
	}
	src, _ = fr.Attr("src")
	raw = e.get(src)
	if raw.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(raw.Header.Get("Content-Disposition"), "inline;") ||
		!strings.Contains(raw.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'") || raw.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("pdf bytes headers = %v", raw.Header)
	}

	p = preview("run.log")
	if kind(p) != "text" || !strings.Contains(p.text("[data-testid=preview-text]"), "line 1 <script>alert(1)</script>") {
		t.Errorf("log: kind %q text %q", kind(p), p.text("[data-testid=preview-text]"))
	}
	if strings.Contains(p.Body, "<script>alert(1)") {
		t.Error("the log's markup reached the page unescaped")
	}
	if p.Doc.Find("[data-testid=preview-cut]").Length() != 0 {
		t.Error("a short log is marked as cut")
	}

	p = preview("out.json")
	if kind(p) != "json" || p.Doc.Find("[data-testid=preview-text]").Text() != "{\n  \"score\": 0.9,\n  \"labels\": [\n    \"a\",\n    \"b\"\n  ]\n}" {
		t.Errorf("json: kind %q text %q", kind(p), p.Doc.Find("[data-testid=preview-text]").Text())
	}
	if p = preview("bad.json"); kind(p) != "text" || p.text("[data-testid=preview-text]") != `{"score":` {
		t.Errorf("invalid json: kind %q, want it shown as text", kind(p))
	}

	p = preview("t.csv")
	cells := p.Doc.Find("[data-testid=preview-table] tbody td")
	if kind(p) != "csv" || p.Doc.Find("[data-testid=preview-table] th").Length() != 2 || cells.Length() != 4 || cells.First().Text() != "<b>x</b>" {
		t.Errorf("csv: kind %q, %d cells, first %q", kind(p), cells.Length(), cells.First().Text())
	}
	if p = preview("core.log"); kind(p) != "binary" || p.Doc.Find("[data-testid=preview-text]").Length() != 0 {
		t.Errorf("binary .log: kind %q", kind(p))
	}
	if p = preview("model.h5"); kind(p) != "none" || p.Doc.Find("[data-testid=preview-none]").Length() != 1 {
		t.Errorf("no preview: kind %q", kind(p))
	}

	// The folder lists a Preview link for the kinds the console shows.
	folder := e.get("/buckets/data")
	if href, _ := folder.Doc.Find("[aria-label='Preview run.log']").Attr("href"); href != "/buckets/data/preview?key=run.log" {
		t.Errorf("Preview link = %q", href)
	}
	if folder.Doc.Find("[aria-label='Preview model.h5']").Length() != 0 {
		t.Error("a Preview link for a type without preview")
	}
	e.noSecrets(t, "preview", p, oscartest.MinIORootSecretKey, oscartest.MinIORootAccessKey)
}

// TestObjectPreviewHostile checks that HTML and SVG are never rendered by the console: the preview
// page shows neither, the bytes come only as an attachment, and an "image" holding HTML is served
// under its image type with nosniff and a sandbox.
func TestObjectPreviewHostile(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	evil := []byte(`<html><body><script>alert(document.cookie)</script></body></html>`)
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`)
	e.fake.PutObjectData("data", "evil.html", evil)
	e.fake.PutObjectData("data", "pic.svg", svg)
	e.fake.PutObjectData("data", "fake.png", evil)
	for _, key := range []string{"evil.html", "pic.svg"} {
		p := e.get("/buckets/data/preview?key=" + key)
		if k, _ := p.Doc.Find("[data-testid=preview]").Attr("data-kind"); p.StatusCode != http.StatusOK || k != "hostile" {
			t.Errorf("%s: %d kind %q", key, p.StatusCode, k)
		}
		if p.Doc.Find("[data-testid=preview] iframe, [data-testid=preview] img, [data-testid=preview] pre").Length() != 0 || strings.Contains(p.Body, "alert(") {
			t.Errorf("%s: the preview page shows the file", key)
		}
		raw := e.get("/buckets/data/open?key=" + key)
		h := raw.Header
		if h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") ||
			h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s bytes: headers %v, want an octet-stream attachment", key, h)
		}
	}
	raw := e.get("/buckets/data/open?key=fake.png")
	if raw.Header.Get("Content-Type") != "image/png" || raw.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(raw.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("HTML named .png: headers %v", raw.Header)
	}
	if p := e.get("/buckets/data/preview?key=../x"); p.StatusCode != http.StatusBadRequest {
		t.Errorf("bad key = %d, want 400", p.StatusCode)
	}
	if p := e.get("/buckets/data/preview?key=missing.txt"); p.StatusCode != http.StatusNotFound || strings.Contains(p.Body, "NoSuchKey") {
		t.Errorf("missing object = %d", p.StatusCode)
	}
}

// TestObjectPreviewHugeText previews a 3 MiB log: only bucket.MaxText bytes are read and shown.
func TestObjectPreviewHugeText(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	var b strings.Builder
	for i := 0; b.Len() < 3<<20; i++ {
		fmt.Fprintf(&b, "%08d é log line\n", i)
	}
	e.fake.PutObjectData("data", "big.log", []byte(b.String()))
	p := e.get("/buckets/data/preview?key=big.log")
	text := p.Doc.Find("[data-testid=preview-text]").Text()
	if p.StatusCode != http.StatusOK || len(text) > bucket.MaxText || len(text) < bucket.MaxText-32 || !strings.HasPrefix(b.String(), text) {
		t.Errorf("huge log: %d, %d bytes shown (max %d)", p.StatusCode, len(text), bucket.MaxText)
	}
	if p.Doc.Find("[data-testid=preview-cut]").Length() != 1 {
		t.Error("the cut is not said")
	}
	if len(p.Body) > 2*bucket.MaxText {
		t.Errorf("page of %d bytes for a %d-byte preview", len(p.Body), bucket.MaxText)
	}
}
