package handlers

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// Issue 15, item 3: a file part without its own length (what browsers send) used to be spooled
// whole to os.TempDir() before a presigned PUT, so one big upload could fill the pod's disk. These
// tests drive the route table in-process (the body is read by the handler as the test writes it)
// and watch the temporary directory, the fake MinIO and the upload budget while the bytes flow.

// testPart is the part size the tests give the console: S3's smallest, to keep files small.
const testPart = oscartest.MinIOMinPartSize

// uploadWatch follows one upload from the browser's side: what was written, and whether a file
// ever appeared in the temporary directory while it was.
type uploadWatch struct {
	tmp     string
	mu      sync.Mutex
	written int64
	spooled []string // entries seen in tmp during the upload
	onChunk func(written int64)
}

// look lists the temporary directory and remembers anything in it.
func (w *uploadWatch) look() {
	entries, _ := os.ReadDir(w.tmp)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range entries {
		if !slices.Contains(w.spooled, e.Name()) {
			w.spooled = append(w.spooled, e.Name())
		}
	}
}

// watchedFile yields n reproducible bytes in 64 KiB reads, looking at the temporary directory
// before each one; the handler has consumed the previous read by then (the body is a pipe).
type watchedFile struct {
	w    *uploadWatch
	rest int64
	src  io.Reader
}

func (f *watchedFile) Read(b []byte) (int, error) {
	f.w.look()
	if f.w.onChunk != nil {
		f.w.onChunk(f.w.written)
	}
	if f.rest == 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), f.rest, 64<<10)]
	n, err := f.src.Read(b)
	f.rest -= int64(n)
	f.w.mu.Lock()
	f.w.written += int64(n)
	f.w.mu.Unlock()
	return n, err
}

// randomFile returns n reproducible pseudo-random bytes and their SHA-256.
func randomFile(t *testing.T, n int64) ([]byte, [32]byte) {
	t.Helper()
	var b bytes.Buffer
	h := sha256.New()
	if err := randomStream(&b, h, n); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return b.Bytes(), sum
}

// chunkedUpload posts data as the file part "name" of an upload form into bucket, the way a
// browser does (the part has no Content-Length), through the route table in-process, and returns
// the answer.
func (e *opEnv) chunkedUpload(bucket, name string, data []byte, w *uploadWatch) *httptest.ResponseRecorder {
	e.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("prefix", "in/")
		fw, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(fw, &watchedFile{w: w, rest: int64(len(data)), src: bytes.NewReader(data)})
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req := httptest.NewRequest(http.MethodPost, e.server.URL+"/buckets/"+bucket+"/upload", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	u, _ := url.Parse(e.server.URL)
	for _, c := range e.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.server.Config.Handler.ServeHTTP(rec, req)
	_ = pr.CloseWithError(io.ErrClosedPipe) // unblock the writer if the handler stopped reading
	w.look()
	return rec
}

// newUploadEnv is an operator's console with the given upload limit and budget, the test part
// size, a bucket "data" of the Basic-auth admin, and the temporary directory moved to a fresh one.
func newUploadEnv(t *testing.T, o oscartest.Options, maxUpload, budget int64) (*opEnv, *uploadWatch) {
	e := newOpEnv(t, o, func(d *Deps) { d.MaxUpload, d.UploadBuffer = maxUpload, budget })
	e.pages.partSize = testPart
	e.fake.AddBucket("data", "cluster_admin", "private")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if os.TempDir() != tmp {
		t.Fatalf("os.TempDir() = %q, want %q", os.TempDir(), tmp)
	}
	return e, &uploadWatch{tmp: tmp}
}

// minioCalls lists the fake MinIO requests as "METHOD query-keys" (parts as "PUT part").
func minioCalls(e *opEnv) []string {
	var out []string
	for _, r := range e.fake.Requests() {
		if !strings.HasPrefix(r.Path, "/minio/") {
			continue
		}
		q, _ := url.ParseQuery(r.Query)
		switch {
		case q.Has("partNumber"):
			out = append(out, "PUT part "+q.Get("partNumber"))
		case q.Has("uploads"):
			out = append(out, "POST uploads")
		case q.Has("uploadId"):
			out = append(out, r.Method+" uploadId")
		default:
			out = append(out, r.Method)
		}
	}
	return out
}

func TestUploadOfUnknownLengthOverTheLimitLeavesNothingOnDisk(t *testing.T) {
	const limit = testPart + testPart/2
	e, w := newUploadEnv(t, oscartest.Options{}, limit, 0)
	data, _ := randomFile(t, 2*testPart)

	rec := e.chunkedUpload("data", "big.bin", data, w)

	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "at most 7.5 MiB") {
		t.Errorf("upload over the limit = %d, want 413 naming the limit\n%s", rec.Code, rec.Body)
	}
	if len(w.spooled) != 0 {
		t.Errorf("the upload wrote %v to the temporary directory", w.spooled)
	}
	if _, ok := e.fake.Object("data", "in/big.bin"); ok {
		t.Error("a file over the limit was stored")
	}
	// The part under the limit had gone to storage already: the upload was aborted, not left behind.
	if got := strings.Join(minioCalls(e), ","); got != "POST uploads,PUT part 1,DELETE uploadId" {
		t.Errorf("MinIO calls = %s, want the first part sent and the upload aborted", got)
	}
	if n := e.fake.MultipartUploads(); n != 0 {
		t.Errorf("%d multipart uploads left open in storage", n)
	}
	if used, _ := e.pages.uploads.usage(); used != 0 {
		t.Errorf("upload budget still holds %d bytes", used)
	}
}

func TestUploadOfUnknownLengthArrivesWholeWithoutTouchingDisk(t *testing.T) {
	e, w := newUploadEnv(t, oscartest.Options{}, 64<<20, 0)
	for _, tc := range []struct {
		name  string
		size  int64
		calls string
	}{
		{"three parts, the last short", 2*testPart + 12345, "POST uploads,PUT part 1,PUT part 2,PUT part 3,POST uploadId"},
		{"exactly two parts", 2 * testPart, "POST uploads,PUT part 1,PUT part 2,POST uploadId"},
		{"smaller than a part", 1000, "PUT"},
		{"empty", 0, "PUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fake.ResetRequests()
			data, sum := randomFile(t, tc.size)
			name := strings.ReplaceAll(tc.name, " ", "-") + ".bin"

			rec := e.chunkedUpload("data", name, data, w)

			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/buckets/data?prefix=in%2F" {
				t.Fatalf("upload = %d → %q, want 303 to the folder\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
			}
			got, ok := e.fake.Object("data", "in/"+name)
			if !ok || sha256.Sum256(got) != sum || int64(len(got)) != tc.size {
				t.Errorf("storage holds %d bytes (present %v), intact %v; want the %d bytes sent", len(got), ok, sha256.Sum256(got) == sum, tc.size)
			}
			if calls := strings.Join(minioCalls(e), ","); calls != tc.calls {
				t.Errorf("MinIO calls = %s, want %s", calls, tc.calls)
			}
			if len(w.spooled) != 0 {
				t.Errorf("the upload wrote %v to the temporary directory", w.spooled)
			}
			if n := e.fake.MultipartUploads(); n != 0 {
				t.Errorf("%d multipart uploads left open", n)
			}
		})
	}
}

func TestUploadOfUnknownLengthHoldsOnePartAtATime(t *testing.T) {
	// A budget of exactly one part: an upload that needed more would be refused.
	e, w := newUploadEnv(t, oscartest.Options{}, 0, testPart)
	data, sum := randomFile(t, 4*testPart+1)
	var ahead int64 // the most the console had read beyond what storage had received
	w.onChunk = func(written int64) {
		var stored int64
		for _, r := range e.fake.Requests() {
			if strings.Contains(r.Query, "partNumber=") {
				stored += int64(len(r.Body))
			}
		}
		ahead = max(ahead, written-stored)
	}

	rec := e.chunkedUpload("data", "four.bin", data, w)

	if rec.Code != http.StatusSeeOther {
		t.Fatalf("upload = %d, want 303\n%s", rec.Code, rec.Body)
	}
	if got, _ := e.fake.Object("data", "in/four.bin"); sha256.Sum256(got) != sum {
		t.Error("the object in storage is not the file sent")
	}
	used, peak := e.pages.uploads.usage()
	if peak != testPart || used != 0 {
		t.Errorf("budget peak, used = %d, %d; want one part (%d), then 0", peak, used, testPart)
	}
	// What the browser has written but storage has not received is in the part buffer (one part),
	// plus what the pipe and the multipart reader hold (one 64 KiB write and a 4 KiB buffer).
	if ahead > testPart+128<<10 {
		t.Errorf("the console held %d bytes not yet in storage, more than one part (%d)", ahead, testPart)
	}
	for _, r := range e.fake.Requests() {
		if strings.Contains(r.Query, "partNumber=") && len(r.Body) > testPart {
			t.Errorf("a part of %d bytes was sent, more than the part size %d", len(r.Body), testPart)
		}
	}
}

func TestConcurrentUploadsCannotExceedTheBudget(t *testing.T) {
	const uploads, budgetParts = 4, 2
	e, _ := newUploadEnv(t, oscartest.Options{}, 0, budgetParts*testPart)
	release := make(chan struct{})
	type result struct {
		name string
		sum  [32]byte
		rec  *httptest.ResponseRecorder
	}
	results := make(chan result, uploads)
	var wg sync.WaitGroup
	for i := range uploads {
		data, sum := randomFile(t, testPart+int64(i)+1)
		name := fmt.Sprintf("f%d.bin", i)
		w := &uploadWatch{tmp: os.TempDir()}
		// Every upload sends its first 64 KiB and then waits: the ones admitted hold their part.
		w.onChunk = func(written int64) {
			if written > 0 {
				<-release
			}
		}
		wg.Go(func() { results <- result{name, sum, e.chunkedUpload("data", name, data, w)} })
	}
	// The refused uploads answer without waiting; the admitted ones wait for release.
	var got []result
	timeout := time.After(30 * time.Second)
	for len(got) < uploads-budgetParts {
		select {
		case r := <-results:
			got = append(got, r)
		case <-timeout:
			t.Fatalf("only %d uploads answered while the others held the budget", len(got))
		}
	}
	if used, _ := e.pages.uploads.usage(); used != budgetParts*testPart {
		t.Errorf("budget used while two uploads wait = %d, want %d", used, budgetParts*testPart)
	}
	close(release)
	wg.Wait()
	close(results)
	for r := range results {
		got = append(got, r)
	}

	var stored, refused int
	for i, r := range got {
		obj, ok := e.fake.Object("data", "in/"+r.name)
		switch {
		case i < uploads-budgetParts || r.rec.Code == http.StatusServiceUnavailable:
			refused++
			if r.rec.Code != http.StatusServiceUnavailable || r.rec.Header().Get("Retry-After") != "30" ||
				!strings.Contains(r.rec.Body.String(), "busy with other uploads") {
				t.Errorf("%s: %d, Retry-After %q, want 503 with Retry-After 30 saying the console is busy\n%s",
					r.name, r.rec.Code, r.rec.Header().Get("Retry-After"), r.rec.Body)
			}
			if ok {
				t.Errorf("%s was refused but stored", r.name)
			}
		default:
			stored++
			if r.rec.Code != http.StatusSeeOther || !ok || sha256.Sum256(obj) != r.sum {
				t.Errorf("%s: %d, stored %v intact %v; want 303 and the file stored whole", r.name, r.rec.Code, ok, sha256.Sum256(obj) == r.sum)
			}
		}
	}
	if stored != budgetParts || refused != uploads-budgetParts {
		t.Errorf("%d stored, %d refused; want %d and %d", stored, refused, budgetParts, uploads-budgetParts)
	}
	if used, peak := e.pages.uploads.usage(); used != 0 || peak > budgetParts*testPart {
		t.Errorf("budget used, peak = %d, %d; want 0 and at most %d", used, peak, budgetParts*testPart)
	}
}

// noKeysConfig answers /system/config with a MinIO endpoint but no keys, as an OSCAR that does not
// hand the console the user's MinIO account.
func noKeysConfig(base *string) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/system/config" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"config":{"name":"oscar","oidc_groups":[""]},"minio_provider":{"endpoint":%q,"access_key":"","secret_key":"","region":"us-east-1"},"allowed_image_repositories":[]}`, *base+"/minio")
		return true
	}
}

func TestUploadWithoutStorageKeysSpoolsWithinTheBudget(t *testing.T) {
	var base string
	const budget = 2 * testPart
	e, w := newUploadEnv(t, oscartest.Options{Fault: noKeysConfig(&base)}, 0, budget)
	base = e.fake.URL()

	data, sum := randomFile(t, 2<<20)
	rec := e.chunkedUpload("data", "small.bin", data, w)
	if got, _ := e.fake.Object("data", "in/small.bin"); rec.Code != http.StatusSeeOther || sha256.Sum256(got) != sum {
		t.Fatalf("upload within the budget = %d, stored intact %v\n%s", rec.Code, sha256.Sum256(got) == sum, rec.Body)
	}
	if calls := strings.Join(minioCalls(e), ","); calls != "PUT" || len(e.requests(http.MethodPost, "/system/buckets/data/presign")) != 1 {
		t.Errorf("MinIO calls = %s, want one presigned PUT", calls)
	}

	*w = uploadWatch{tmp: w.tmp}
	data, _ = randomFile(t, budget+1)
	rec = e.chunkedUpload("data", "big.bin", data, w)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "no storage keys") {
		t.Errorf("upload over the spool budget = %d, want 413 explaining why\n%s", rec.Code, rec.Body)
	}
	if _, ok := e.fake.Object("data", "in/big.bin"); ok {
		t.Error("a file over the spool budget was stored")
	}
	if entries, _ := os.ReadDir(w.tmp); len(entries) != 0 {
		t.Errorf("the spool left %d files behind", len(entries))
	}
	if used, peak := e.pages.uploads.usage(); used != 0 || peak > budget {
		t.Errorf("budget used, peak = %d, %d; want 0 and at most %d", used, peak, budget)
	}
}

func TestUploadFailuresInStorageSayWhatHappened(t *testing.T) {
	t.Run("MinIO refuses the user's keys in that bucket", func(t *testing.T) {
		e, w := newUploadEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}}, 0, 0)
		e.fake.AddBucket("bobs", "bob@egi.eu", "private")
		e.signInOIDC("alice@egi.eu", "tok-alice")
		data, _ := randomFile(t, testPart+1)
		rec := e.chunkedUpload("bobs", "x.bin", data, w)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "may not upload files to this bucket") {
			t.Errorf("upload = %d, want 403 saying the storage account may not upload there\n%s", rec.Code, rec.Body)
		}
	})
	t.Run("MinIO fails a part", func(t *testing.T) {
		e, w := newUploadEnv(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodPut || !strings.Contains(r.URL.RawQuery, "partNumber=2") {
				return false
			}
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `<?xml version="1.0"?><Error><Code>InternalError</Code><Message>We encountered an internal error, please try again.</Message></Error>`)
			return true
		}}, 0, 0)
		data, _ := randomFile(t, 2*testPart+1)
		rec := e.chunkedUpload("data", "x.bin", data, w)
		if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), "internal error") {
			t.Errorf("upload = %d, want 502 with storage's message\n%s", rec.Code, rec.Body)
		}
		if _, ok := e.fake.Object("data", "in/x.bin"); ok || e.fake.MultipartUploads() != 0 {
			t.Errorf("after a failed part: object stored %v, %d uploads open; want none", ok, e.fake.MultipartUploads())
		}
	})
}

func TestUploadKeepsStorageKeysOutOfPagesAndLogs(t *testing.T) {
	e, w := newUploadEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}}, 0, 0)
	e.fake.AddBucket("alices", "alice@egi.eu", "private")
	e.fake.AddBucket("bobs", "bob@egi.eu", "private")
	var pages []string
	for _, tc := range []struct{ bucket, who string }{{"data", "admin"}, {"alices", "alice"}, {"bobs", "alice"}} {
		if tc.who == "alice" {
			e.signInOIDC("alice@egi.eu", "tok-alice")
		}
		data, _ := randomFile(t, testPart+1)
		rec := e.chunkedUpload(tc.bucket, "k.bin", data, w)
		pages = append(pages, rec.Body.String()+fmt.Sprint(rec.Header()))
		if tc.bucket == "bobs" && rec.Code != http.StatusForbidden {
			t.Errorf("upload into another user's bucket = %d, want 403", rec.Code)
		}
		if tc.bucket != "bobs" && rec.Code != http.StatusSeeOther {
			t.Errorf("upload into %s = %d, want 303", tc.bucket, rec.Code)
		}
		pages = append(pages, e.get("/buckets/"+tc.bucket).Body)
	}
	secrets := []string{oscartest.MinIORootSecretKey, e.fake.MinIOSecret("alice@egi.eu")}
	if secrets[1] == "" {
		t.Fatal("the fake provisioned no MinIO key for alice")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "upload object") {
		t.Fatalf("no storage call was logged; the check below would prove nothing:\n%s", logs)
	}
	for _, s := range append(secrets, "AWS4-HMAC-SHA256", "Signature=") {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain %q", s)
		}
		for _, p := range pages {
			if strings.Contains(p, s) {
				t.Errorf("a page contains %q", s)
			}
		}
	}
}
