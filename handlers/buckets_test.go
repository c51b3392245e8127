package handlers

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
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
