package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

func TestBucketsList(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.AddBucket("mine-data", "cluster_admin", "private")
	e.fake.AddBucket("shared-data", "bob@egi.eu", "public")
	p := e.get("/buckets")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	if got := rowNames(p, "[data-testid=bucket-name]"); strings.Join(got, ",") != "mine-data,shared-data" {
		t.Errorf("buckets = %v", got)
	}
	second := p.Doc.Find("[data-testid=bucket-row]").Last().Text()
	if !strings.Contains(second, "bob@egi.eu") || !strings.Contains(second, "public") {
		t.Errorf("row = %q, want owner and visibility", strings.Join(strings.Fields(second), " "))
	}
	if got := rowNames(e.get("/buckets?mine=1"), "[data-testid=bucket-name]"); strings.Join(got, ",") != "mine-data" {
		t.Errorf("mine = %v", got)
	}
	if got := rowNames(e.get("/buckets?q=BOB"), "[data-testid=bucket-name]"); strings.Join(got, ",") != "shared-data" {
		t.Errorf("filter by owner = %v", got)
	}
	if strings.Contains(p.Body, oscartest.MinIORootSecretKey) || strings.Contains(p.Body, oscartest.MinIORootAccessKey) {
		t.Error("MinIO keys reached the browser")
	}
}

func TestBucketsEmptyAndDown(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	if p := e.get("/buckets"); p.StatusCode != http.StatusOK || p.Doc.Find("[data-testid=empty]").Length() != 1 {
		t.Errorf("no buckets (OSCAR's null) = %d, want the empty state", p.StatusCode)
	}
	d := newOpEnv(t, oscartest.Options{MinIODown: true}, nil)
	p := d.get("/buckets")
	if p.StatusCode != http.StatusBadGateway || p.Doc.Find("[data-testid=retry]").Length() != 1 {
		t.Errorf("MinIO down = %d, want 502 with a retry link", p.StatusCode)
	}
	if !strings.Contains(p.text("[data-testid=error]"), strings.TrimPrefix(d.ep, "http://")) {
		t.Error("the error page does not name the endpoint")
	}
}

func TestBucketCreate(t *testing.T) {
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantErrs   []string // fields marked invalid
	}{
		{"valid private", url.Values{"name": {"my-data"}, "visibility": {"private"}}, http.StatusSeeOther, nil},
		{"valid restricted", url.Values{"name": {"team.data"}, "visibility": {"restricted"}, "allowed_users": {"a@egi.eu\nb@egi.eu"}}, http.StatusSeeOther, nil},
		{"short name", url.Values{"name": {"ab"}, "visibility": {"private"}}, http.StatusUnprocessableEntity, []string{"name"}},
		{"upper case", url.Values{"name": {"MyData"}, "visibility": {"private"}}, http.StatusUnprocessableEntity, []string{"name"}},
		{"ip address", url.Values{"name": {"192.168.1.1"}, "visibility": {"public"}}, http.StatusUnprocessableEntity, []string{"name"}},
		{"bad visibility, restricted without users", url.Values{"name": {"ok-name"}, "visibility": {"secret"}}, http.StatusUnprocessableEntity, []string{"visibility"}},
		{"restricted without users", url.Values{"name": {"ok-name"}, "visibility": {"restricted"}}, http.StatusUnprocessableEntity, []string{"allowed_users"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newOpEnv(t, oscartest.Options{}, nil)
			p := e.post("/buckets", tt.form)
			if p.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d\n%s", p.StatusCode, tt.wantStatus, p.Body)
			}
			if tt.wantStatus == http.StatusSeeOther {
				if want := "/buckets/" + tt.form.Get("name"); p.location() != want {
					t.Errorf("redirect = %q, want %q", p.location(), want)
				}
				if strings.Join(e.fake.BucketNames(), ",") != tt.form.Get("name") {
					t.Errorf("buckets = %v", e.fake.BucketNames())
				}
				reqs := e.requests(http.MethodPost, "/system/buckets")
				if len(reqs) != 1 || (tt.form.Get("visibility") == "restricted" && !strings.Contains(string(reqs[0].Body), `"allowed_users":["a@egi.eu","b@egi.eu"]`)) {
					t.Errorf("POST /system/buckets = %+v", reqs)
				}
				return
			}
			if len(e.requests(http.MethodPost, "/system/buckets")) != 0 {
				t.Error("invalid input reached OSCAR")
			}
			for _, f := range tt.wantErrs {
				if v, _ := p.Doc.Find("#f-" + f).Attr("aria-invalid"); v != "true" {
					t.Errorf("field %s not marked invalid", f)
				}
				if p.Doc.Find(fmt.Sprintf("[data-testid=form-errors] a[href='#f-%s']", f)).Length() != 1 {
					t.Errorf("error summary does not link to %s", f)
				}
			}
			if v, _ := p.Doc.Find("#f-name").Attr("value"); v != tt.form.Get("name") {
				t.Errorf("name kept = %q", v)
			}
		})
	}

	t.Run("OSCAR refuses: quota", func(t *testing.T) {
		e := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}, MaxBuckets: 1}, nil)
		e.signInOIDC("alice@egi.eu", "tok-alice")
		if p := e.post("/buckets", url.Values{"name": {"first-one"}, "visibility": {"private"}}); p.StatusCode != http.StatusSeeOther {
			t.Fatalf("first = %d", p.StatusCode)
		}
		p := e.post("/buckets", url.Values{"name": {"second-one"}, "visibility": {"private"}})
		if p.StatusCode != http.StatusUnprocessableEntity || p.text("[data-testid=form-problem]") == "" {
			t.Errorf("over quota = %d %q, want 422 with OSCAR's reason on the form", p.StatusCode, p.text("[data-testid=form-problem]"))
		}
	})
}

func TestBucketDelete(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.AddBucket("old-data", "cluster_admin", "private")
	c := e.get("/buckets/old-data/delete")
	if c.StatusCode != http.StatusOK || !strings.Contains(c.text("[data-testid=confirm]"), "every file in it") {
		t.Fatalf("confirmation = %d %q", c.StatusCode, c.text("[data-testid=confirm]"))
	}
	if len(e.fake.BucketNames()) != 1 {
		t.Fatal("the confirmation page deleted the bucket")
	}
	p := e.post("/buckets/old-data/delete", url.Values{})
	if p.StatusCode != http.StatusSeeOther || p.location() != "/buckets" {
		t.Fatalf("= %d → %q", p.StatusCode, p.location())
	}
	if len(e.fake.BucketNames()) != 0 {
		t.Error("bucket not deleted")
	}
	if p := e.get("/buckets/nope/delete"); p.StatusCode != http.StatusBadGateway {
		// OSCAR answers 500 "The specified bucket does not exist" for an unknown bucket.
		t.Errorf("unknown bucket = %d, want 502", p.StatusCode)
	}
}

func TestBucketFoldersAndPages(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{JobListingLimit: 4}, nil)
	for _, k := range []string{"a/1.txt", "a/2.txt", "a/deep/3.txt", "b/c/d.txt", "root.txt", "<img src=x onerror=alert(1)>.txt"} {
		e.fake.PutObjectData("data", k, []byte("x"))
	}
	p := e.get("/buckets/data")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	if got := rowNames(p, "[data-testid=folder-name]"); strings.Join(got, ",") != "a/,b/" {
		t.Errorf("folders = %v, want a/, b/", got)
	}
	if got := rowNames(p, "[data-testid=object-name]"); strings.Join(got, ",") != "<img src=x onerror=alert(1)>.txt,root.txt" {
		t.Errorf("objects = %v", got)
	}
	if strings.Contains(p.Body, "<img src=x") {
		t.Fatal("an object name's markup reached the page")
	}
	if p.Doc.Find("[data-testid=next]").Length() != 0 {
		t.Error("a folder read to its end has no next page")
	}

	a := e.get("/buckets/data?prefix=a/")
	if got := rowNames(a, "[data-testid=object-name]"); strings.Join(got, ",") != "1.txt,2.txt" {
		t.Errorf("a/ objects = %v", got)
	}
	if got := rowNames(a, "[data-testid=folder-name]"); strings.Join(got, ",") != "deep/" {
		t.Errorf("a/ folders = %v", got)
	}
	if href, _ := a.Doc.Find("[data-testid=object-name]").First().Attr("href"); href != "/buckets/data/objects/a/1.txt" {
		t.Errorf("download link = %q", href)
	}
	if v, _ := a.Doc.Find("form[data-testid=upload] input[name=prefix]").Attr("value"); v != "a/" {
		t.Errorf("upload prefix = %q, want a/", v)
	}
	if crumbs := strings.Join(rowNames(a, "[data-testid=crumbs] li"), " "); crumbs != "data a" {
		t.Errorf("crumbs = %q", crumbs)
	}

	t.Run("pages of a big folder", func(t *testing.T) {
		e := newOpEnv(t, oscartest.Options{JobListingLimit: 70}, nil)
		for i := range 150 {
			e.fake.PutObjectData("big", fmt.Sprintf("f-%03d", i), []byte("x"))
		}
		path, sizes, seen := "/buckets/big", []int{}, map[string]bool{}
		for range 5 {
			p := e.get(path)
			names := rowNames(p, "[data-testid=object-name]")
			sizes = append(sizes, len(names))
			for _, n := range names {
				if seen[n] {
					t.Errorf("%s shown twice", n)
				}
				seen[n] = true
			}
			next, ok := p.Doc.Find("[data-testid=next]").Attr("href")
			if !ok {
				break
			}
			path = next
		}
		if fmt.Sprint(sizes) != "[70 70 10]" || len(seen) != 150 {
			t.Errorf("page sizes = %v (%d objects), want [70 70 10]", sizes, len(seen))
		}
	})
}

// bodyLimited replaces the harness's server by one whose route table bounds forms at limit (the
// upload route streams past it, as in the console).
func (e *opEnv) bodyLimited(limit int64) {
	e.pages.cfg.FormLimit = limit
	e.server = e.serve(e.pages)
}

// streamSink stands in for MinIO's PUT on a server of its own (the fake OSCAR records request
// bodies, which would hide what the console holds in memory): it hashes what arrives without keeping
// it. Its presign answers, given through the fake's Fault hook, point at it.
type streamSink struct {
	srv           *httptest.Server
	mu            sync.Mutex
	sum           []byte
	n             int64
	contentLength int64
	puts          int
}

func newStreamSink(t *testing.T) *streamSink {
	s := &streamSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		s.mu.Lock()
		s.sum, s.n, s.contentLength = h.Sum(nil), n, r.ContentLength
		s.puts++
		s.mu.Unlock()
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// fault answers OSCAR's presign for uploads with a URL of the sink.
func (s *streamSink) fault(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/presign") {
		return false
	}
	var in struct {
		Key string `json:"object_key"`
		Op  string `json:"operation"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Op != "upload" {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object_key": in.Key, "operation": "upload", "method": "PUT",
		"url": s.srv.URL + "/bucket/" + url.PathEscape(in.Key) + "?X-Amz-Signature=test", "expires_at": "2030-01-01T00:00:00Z", "headers": map[string]string{}})
	return true
}

// randomStream writes n reproducible pseudo-random bytes to w in 64 KiB chunks, hashing them into h.
func randomStream(w io.Writer, h hash.Hash, n int64) error {
	rng := rand.New(rand.NewChaCha8([32]byte{7}))
	buf := make([]byte, 64<<10)
	for n > 0 {
		c := buf[:min(int64(len(buf)), n)]
		for i := range c {
			c[i] = byte(rng.Uint32())
		}
		_, _ = h.Write(c)
		if _, err := w.Write(c); err != nil {
			return err
		}
		n -= int64(len(c))
	}
	return nil
}

// allocated reports the bytes allocated on the heap so far.
func allocated() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// bigFile is larger than DefaultFormLimit (4 MiB) and four times the test router's limit.
const bigFile = 16 << 20

func TestUploadStreamsFilesLargerThanTheBodyLimit(t *testing.T) {
	sink := newStreamSink(t)
	e := newOpEnv(t, oscartest.Options{Fault: sink.fault}, nil)
	e.fake.AddBucket("data", "cluster_admin", "private")
	e.bodyLimited(1 << 20)

	t.Run("the router's limit is active for other posts", func(t *testing.T) {
		p := e.post("/buckets", url.Values{"name": {strings.Repeat("x", 2<<20)}, "visibility": {"private"}})
		if p.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("a 2 MiB form = %d, want 413 (body limit)", p.StatusCode)
		}
	})

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	sent := sha256.New()
	go func() {
		_ = mw.WriteField("prefix", "in/")
		fw, err := mw.CreateFormFile("file", "big.bin")
		if err == nil {
			err = randomStream(fw, sent, bigFile)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/buckets/data/upload", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")

	before := allocated()
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	used := allocated() - before

	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/buckets/data?prefix=in%2F" {
		t.Fatalf("upload = %d → %q, want 303 to the folder", resp.StatusCode, resp.Header.Get("Location"))
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.puts != 1 || sink.n != bigFile || !bytes.Equal(sink.sum, sent.Sum(nil)) {
		t.Errorf("storage received %d bytes in %d PUTs, intact %v; want %d bytes intact", sink.n, sink.puts, bytes.Equal(sink.sum, sent.Sum(nil)), bigFile)
	}
	if sink.contentLength != bigFile {
		t.Errorf("PUT Content-Length = %d, want %d (MinIO refuses uploads of unknown length)", sink.contentLength, bigFile)
	}
	// Holding the file in memory anywhere on the way would allocate at least its size.
	if used > bigFile/2 {
		t.Errorf("the upload allocated %d bytes for a %d-byte file: it was buffered in memory", used, bigFile)
	}
	presigns := e.requests(http.MethodPost, "/system/buckets/data/presign")
	if len(presigns) != 1 || !strings.Contains(string(presigns[0].Body), `"object_key":"in/big.bin"`) || !strings.Contains(string(presigns[0].Body), `"operation":"upload"`) {
		t.Errorf("presign requests = %+v", presigns)
	}
}

func TestUploadIntoFoldersAndLimits(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, func(d *Deps) { d.MaxUpload = 10 })
	e.fake.AddBucket("data", "cluster_admin", "private")

	p := e.postMultipart("/buckets/data/upload", map[string]string{"prefix": "a/", "folder": "new"}, "file", `C:\Users\me\hello.txt`, []byte("hello"))
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload = %d\n%s", p.StatusCode, p.Body)
	}
	if got, ok := e.fake.Object("data", "a/new/hello.txt"); !ok || string(got) != "hello" {
		t.Errorf("object a/new/hello.txt = %q, %v", got, ok)
	}
	if flash := e.get(p.location()).text("[data-testid=flash]"); !strings.Contains(flash, "a/new/hello.txt") {
		t.Errorf("flash = %q", flash)
	}

	p = e.postMultipart("/buckets/data/upload", map[string]string{"prefix": ""}, "file", "big.txt", []byte("more than ten bytes"))
	if p.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("over MaxUpload = %d, want 413", p.StatusCode)
	}
	if _, ok := e.fake.Object("data", "big.txt"); ok {
		t.Error("a file over the limit was stored")
	}
	p = e.postMultipart("/buckets/data/upload", map[string]string{"prefix": "../"}, "file", "x.txt", []byte("x"))
	if p.StatusCode != http.StatusBadRequest {
		t.Errorf("prefix ../ = %d, want 400", p.StatusCode)
	}
	p = e.post("/buckets/data/upload", url.Values{"file": {"not multipart"}})
	if p.StatusCode != http.StatusBadRequest {
		t.Errorf("urlencoded upload = %d, want 400", p.StatusCode)
	}
	// A failed script-driven upload leaves the browser on the form's action.
	if g := e.get("/buckets/data/upload"); g.StatusCode != http.StatusSeeOther || g.location() != "/buckets/data" {
		t.Errorf("GET upload = %d → %q, want 303 to the bucket", g.StatusCode, g.location())
	}
	if href, _ := e.get("/buckets/data?prefix=a/").Doc.Find("[data-testid=upload-link]").Attr("href"); href != "/buckets/data/presign?key=a%2F&op=upload" {
		t.Errorf("upload link = %q, want one into the folder", href)
	}
}

func TestDownloadStreamsLargeObjects(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	data := new(bytes.Buffer)
	want := sha256.New()
	if err := randomStream(data, want, bigFile); err != nil {
		t.Fatal(err)
	}
	e.fake.PutObjectData("data", "out/big result.bin", data.Bytes())
	data = nil
	e.bodyLimited(1 << 20)

	p := e.get("/buckets/data?prefix=out/")
	href, _ := p.Doc.Find("[data-testid=object-name]").Attr("href")
	if href != "/buckets/data/objects/out/big%20result.bin" {
		t.Fatalf("download link = %q", href)
	}
	before := allocated()
	resp, err := e.client.Get(e.server.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	n, err := io.Copy(got, resp.Body)
	resp.Body.Close()
	used := allocated() - before
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("download = %d, %v", resp.StatusCode, err)
	}
	if n != bigFile || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Errorf("downloaded %d bytes, intact %v; want %d intact", n, bytes.Equal(got.Sum(nil), want.Sum(nil)), bigFile)
	}
	h := resp.Header
	if h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), `attachment; filename="big result.bin"`) {
		t.Errorf("headers: type %q, disposition %q", h.Get("Content-Type"), h.Get("Content-Disposition"))
	}
	if h.Get("Content-Length") != fmt.Sprint(bigFile) {
		t.Errorf("Content-Length = %q", h.Get("Content-Length"))
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("CSP = %q, want sandbox", h.Get("Content-Security-Policy"))
	}
	if used > bigFile/2 {
		t.Errorf("the download allocated %d bytes for a %d-byte object: it was buffered", used, bigFile)
	}

	t.Run("missing object", func(t *testing.T) {
		p := e.get("/buckets/data/objects/out/nope.bin")
		if p.StatusCode != http.StatusNotFound {
			t.Errorf("status = %d, want 404", p.StatusCode)
		}
	})
}

func TestPresignLinks(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.PutObjectData("data", "out/result.png", []byte("png"))

	f := e.get("/buckets/data/presign?key=out/result.png")
	if v, _ := f.Doc.Find("#f-key").Attr("value"); v != "out/result.png" {
		t.Errorf("key prefilled = %q", v)
	}
	p := e.post("/buckets/data/presign", url.Values{"key": {"out/result.png"}, "operation": {"download"}, "expires": {"86400"}})
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	link, _ := p.Doc.Find("#presigned-url").Attr("value")
	if !strings.HasPrefix(link, e.fake.URL()+"/minio/data/out/result.png?") {
		t.Errorf("link = %q", link)
	}
	if p.Doc.Find("[data-copy='#presigned-url']").Length() != 1 || p.text("[data-testid=expires]") == "" {
		t.Error("no copy button or expiry")
	}
	reqs := e.requests(http.MethodPost, "/system/buckets/data/presign")
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), `"expires_in":86400`) {
		t.Errorf("presign = %+v", reqs)
	}
	if strings.Contains(e.logs.String(), "X-Amz-Signature") {
		t.Error("the presigned URL's signature was logged")
	}
	// The link works without the console.
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "png" {
		t.Errorf("link fetched %q", body)
	}

	bad := e.post("/buckets/data/presign", url.Values{"key": {""}, "operation": {"delete"}, "expires": {"5"}})
	if bad.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid = %d, want 422", bad.StatusCode)
	}
	for _, f := range []string{"key", "operation", "expires"} {
		if bad.Doc.Find(fmt.Sprintf("[data-testid=form-errors] a[href='#f-%s']", f)).Length() != 1 {
			t.Errorf("no error for %s", f)
		}
	}

	up := e.post("/buckets/data/presign", url.Values{"key": {"in/new.txt"}, "operation": {"upload"}, "expires": {"900"}})
	if m := up.text("[data-testid=link]"); !strings.Contains(m, "Method PUT") {
		t.Errorf("upload link page = %q", m)
	}
}
