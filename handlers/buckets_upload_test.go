package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"hash"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// Object uploads (buckets_upload.go). The tests of issue 15's bounded uploads are in
// buckets_upload_bounds_test.go.

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
		// The part declares its length, so it streams through a presigned PUT (parts without one
		// go as a multipart upload: TestUploadOfUnknownLength*).
		fw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Disposition": {`form-data; name="file"; filename="big.bin"`},
			"Content-Type":        {"application/octet-stream"},
			"Content-Length":      {strconv.Itoa(bigFile)},
		})
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
