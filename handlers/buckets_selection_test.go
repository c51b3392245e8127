package handlers

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestObjectsZip zips a selection of objects and a folder from the bucket page's form.
func TestObjectsZip(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{JobListingLimit: 2}, nil) // several OSCAR pages to expand from
	files := map[string]string{"a/1.txt": "one", "a/b/2.txt": "two", "c.txt": "three", "other.txt": "four", "ab.txt": "five"}
	for k, v := range files {
		e.fake.PutObjectData("data", k, []byte(v))
	}
	e.fake.PutObjectData("data", "a/", nil) // a folder marker: no entry of its own

	page := e.get("/buckets/data")
	if page.Doc.Find("form[data-testid=selection] input[name=folder][value='a/']").Length() != 1 ||
		page.Doc.Find("form[data-testid=selection] input[name=key][value='c.txt']").Length() != 1 {
		t.Fatalf("no check boxes for the folder and the object\n%s", page.Body)
	}
	action, _ := page.Doc.Find("form[data-testid=selection]").Attr("action")
	p := e.post(action, url.Values{"prefix": {""}, "key": {"c.txt"}, "folder": {"a/"}})
	if p.StatusCode != http.StatusOK || p.Header.Get("Content-Type") != "application/zip" ||
		!strings.HasPrefix(p.Header.Get("Content-Disposition"), `attachment; filename="data.zip"`) {
		t.Fatalf("zip = %d %v", p.StatusCode, p.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(p.Body)), int64(len(p.Body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, _ := f.Open()
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != files[f.Name] {
			t.Errorf("%s = %q, want %q", f.Name, got, files[f.Name])
		}
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "a/1.txt,a/b/2.txt,c.txt" {
		t.Errorf("entries = %v", names)
	}

	// From a folder, entries are named below it.
	p = e.post(action, url.Values{"prefix": {"a/"}, "key": {"a/1.txt"}, "folder": {"a/b/"}})
	zr, err = zip.NewReader(bytes.NewReader([]byte(p.Body)), int64(len(p.Body)))
	if err != nil || len(zr.File) != 2 || zr.File[0].Name != "1.txt" || zr.File[1].Name != "b/2.txt" {
		t.Errorf("zip of folder a/: err %v %d entries", err, len(zr.File))
	}
	if !strings.Contains(p.Header.Get("Content-Disposition"), `filename="data-a.zip"`) {
		t.Errorf("zip name = %q", p.Header.Get("Content-Disposition"))
	}

	// Nothing selected: back to the folder with a message.
	p = e.post(action, url.Values{"prefix": {"a/"}})
	if p.StatusCode != http.StatusSeeOther || p.location() != "/buckets/data?prefix=a%2F" {
		t.Errorf("empty selection = %d %q", p.StatusCode, p.location())
	}
	if f := e.get(p.location()); !strings.Contains(f.Body, "Select files or folders to download first.") {
		t.Error("no message for an empty selection")
	}
	if p := e.post(action, url.Values{"key": {"../x"}}); p.StatusCode != http.StatusBadRequest {
		t.Errorf("bad key = %d", p.StatusCode)
	}
}

// TestObjectsZipLimit refuses, before sending anything, a selection larger than the zip limit.
func TestObjectsZipLimit(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.pages.zipLimit = 10 << 20
	e.fake.PutGeneratedObject("data", "big/1.bin", 6<<20)
	e.fake.PutGeneratedObject("data", "big/2.bin", 6<<20)
	e.fake.ResetRequests()
	p := e.post("/buckets/data/selection/zip", url.Values{"folder": {"big/"}})
	if p.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(p.Body, "12.0 MiB") || !strings.Contains(p.Body, "10.0 MiB") {
		t.Errorf("over the limit = %d\n%s", p.StatusCode, p.text("main"))
	}
	if e.minioCalls() != 0 || len(e.requests(http.MethodPost, "/system/buckets/data/presign")) != 0 {
		t.Error("objects were read for a zip refused up front")
	}
}

// TestObjectsZipMemoryFlat zips 200 MiB of objects that the fake MinIO makes on the fly and checks
// that the heap (console and fake share the process) grows by far less than that while the zip
// streams: the console holds no object and no zip whole.
func TestObjectsZipMemoryFlat(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	const each, count = 50 << 20, 4
	form := url.Values{}
	for i := range count {
		key := "run/" + string(rune('a'+i)) + ".bin"
		e.fake.PutGeneratedObject("data", key, each)
		form.Add("key", key)
	}
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/buckets/data/selection/zip", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("zip = %d", resp.StatusCode)
	}
	var peak uint64
	var total int64
	var tail []byte
	buf := make([]byte, 256<<10)
	next := int64(0)
	for {
		n, err := resp.Body.Read(buf)
		total += int64(n)
		tail = append(tail, buf[:n]...)
		if len(tail) > 4096 {
			tail = tail[len(tail)-4096:]
		}
		if total >= next {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			next += 8 << 20
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if total < count*each {
		t.Fatalf("zip of %d bytes, want at least %d", total, count*each)
	}
	if !bytes.Contains(tail, []byte("PK\x05\x06")) {
		t.Error("the zip has no end of central directory: it is cut")
	}
	growth := int64(peak) - int64(before)
	t.Logf("zip of %d MiB: heap grew by at most %.1f MiB", total>>20, float64(growth)/(1<<20))
	if growth > 24<<20 {
		t.Errorf("heap grew by %d MiB while zipping %d MiB: the zip is not streamed", growth>>20, total>>20)
	}
}

// TestObjectsDeleteSelection deletes a selection: a confirmation page that lists every file (the
// folder expanded) and changes nothing, then the confirmed POST.
func TestObjectsDeleteSelection(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	for _, k := range []string{"a/", "a/1.txt", "a/b/2.txt", "c.txt", "keep.txt", "ab.txt"} {
		e.fake.PutObjectData("data", k, []byte("x"))
	}
	page := e.get("/buckets/data")
	formaction, _ := page.Doc.Find("[data-testid=delete-selected]").Attr("formaction")
	e.fake.ResetRequests()
	p := e.post(formaction, url.Values{"prefix": {""}, "key": {"c.txt"}, "folder": {"a/"}})
	if p.StatusCode != http.StatusOK {
		t.Fatalf("confirm = %d\n%s", p.StatusCode, p.Body)
	}
	var listed []string
	p.Doc.Find("[data-testid=delete-keys] li").Each(func(_ int, s *goquery.Selection) { listed = append(listed, s.Text()) })
	if strings.Join(listed, ",") != "a/,a/1.txt,a/b/2.txt,c.txt" {
		t.Errorf("listed = %v", listed)
	}
	if e.minioCalls() != 0 || len(e.fake.BucketNames()) != 1 {
		t.Error("the confirmation page touched storage")
	}
	if _, ok := e.fake.Object("data", "c.txt"); !ok {
		t.Fatal("deleted before confirming")
	}
	action, _ := p.Doc.Find("[data-testid=confirm] form").Attr("action")
	form := url.Values{"prefix": {""}}
	p.Doc.Find("[data-testid=confirm] form input[name=key]").Each(func(_ int, s *goquery.Selection) {
		form.Add("key", s.AttrOr("value", ""))
	})
	p = e.post(action, form)
	if p.StatusCode != http.StatusSeeOther || p.location() != "/buckets/data" {
		t.Fatalf("delete = %d %q", p.StatusCode, p.location())
	}
	for _, k := range []string{"a/", "a/1.txt", "a/b/2.txt", "c.txt"} {
		if _, ok := e.fake.Object("data", k); ok {
			t.Errorf("%s not deleted", k)
		}
	}
	for _, k := range []string{"keep.txt", "ab.txt"} {
		if _, ok := e.fake.Object("data", k); !ok {
			t.Errorf("%s deleted, not selected", k)
		}
	}
	if f := e.get("/buckets/data"); !strings.Contains(f.Body, "Deleted 4 of 4 files.") {
		t.Errorf("no summary: %s", f.text("main"))
	}
	e.noSecrets(t, "bulk delete", p, oscartest.MinIORootSecretKey, oscartest.MinIORootAccessKey)
}

// TestObjectsDeleteSelectionRefused: a user who may not delete in another user's public bucket gets
// the error page, and nothing is deleted.
func TestObjectsDeleteSelectionRefused(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}}, nil)
	e.fake.AddBucket("shared", "bob@egi.eu", "public")
	e.fake.PutObjectData("shared", "x.txt", []byte("x"))
	e.signInOIDC("alice@egi.eu", "tok-alice")
	p := e.post("/buckets/shared/selection/delete/confirmed", url.Values{"key": {"x.txt"}})
	if p.StatusCode != http.StatusForbidden {
		t.Errorf("refused delete = %d\n%s", p.StatusCode, p.text("main"))
	}
	if _, ok := e.fake.Object("shared", "x.txt"); !ok {
		t.Error("deleted anyway")
	}
}
