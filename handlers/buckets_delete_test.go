package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// minioCalls counts the requests the fake MinIO received.
func (e *opEnv) minioCalls() int {
	n := 0
	for _, r := range e.fake.Requests() {
		if strings.HasPrefix(r.Path, "/minio/") {
			n++
		}
	}
	return n
}

// noSecrets fails if any of the secrets is in the page or in the logs so far.
func (e *opEnv) noSecrets(t *testing.T, what string, p *page, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			t.Fatalf("%s: empty secret to look for", what)
		}
		if strings.Contains(p.Body, s) || strings.Contains(p.Header.Get("Location"), s) {
			t.Errorf("%s: a MinIO key reached the browser", what)
		}
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("%s: a MinIO key was logged", what)
		}
	}
	if strings.Contains(e.logs.String(), "AWS4-HMAC-SHA256") {
		t.Errorf("%s: an S3 signature was logged", what)
	}
}

// TestObjectDelete walks the delete flow as the admin: the folder's Delete link, a confirmation page
// that changes nothing, the POST that deletes (with the MinIO root keys, on the server), a flash and
// a 303 back to the folder.
func TestObjectDelete(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.PutObjectData("data", "a/x.txt", []byte("x"))
	e.fake.PutObjectData("data", "a/keep.txt", []byte("k"))
	secrets := []string{oscartest.MinIORootSecretKey, oscartest.MinIORootAccessKey}

	folder := e.get("/buckets/data?prefix=" + url.QueryEscape("a/"))
	link, ok := folder.Doc.Find("[aria-label='Delete x.txt']").Attr("href")
	if !ok {
		t.Fatalf("no Delete link for x.txt\n%s", folder.Body)
	}
	e.noSecrets(t, "bucket page", folder, secrets...)

	e.fake.ResetRequests()
	c := e.get(link)
	if c.StatusCode != http.StatusOK {
		t.Fatalf("confirmation = %d\n%s", c.StatusCode, c.Body)
	}
	form := c.Doc.Find("[data-testid=confirm] form[method=post]")
	action, _ := form.Attr("action")
	key, _ := form.Find("input[type=hidden][name=key]").Attr("value")
	if action != "/buckets/data/object-delete" || key != "a/x.txt" || form.Find("[data-testid=confirm-delete]").Length() != 1 {
		t.Errorf("confirmation form: action %q, key %q", action, key)
	}
	if cancel, _ := c.Doc.Find("[data-testid=confirm] a.secondary").Attr("href"); cancel != "/buckets/data?prefix=a%2F" {
		t.Errorf("cancel link = %q", cancel)
	}
	if _, ok := e.fake.Object("data", "a/x.txt"); !ok {
		t.Fatal("the confirmation page deleted the object")
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Errorf("the confirmation page made %d OSCAR or MinIO requests, want none", n)
	}
	e.noSecrets(t, "confirmation", c, secrets...)

	d := e.post(action, url.Values{"key": {key}})
	if d.StatusCode != http.StatusSeeOther || d.location() != "/buckets/data?prefix=a%2F" {
		t.Fatalf("post = %d to %q, want 303 back to the folder\n%s", d.StatusCode, d.location(), d.Body)
	}
	if _, ok := e.fake.Object("data", "a/x.txt"); ok {
		t.Error("the object is still there")
	}
	if _, ok := e.fake.Object("data", "a/keep.txt"); !ok {
		t.Error("another object of the folder was deleted")
	}
	if len(e.requests(http.MethodDelete, "/minio/data/a/x.txt")) != 1 {
		t.Errorf("MinIO got no DELETE for the object; requests: %+v", e.fake.Requests())
	}
	e.noSecrets(t, "post", d, secrets...)

	after := e.get(d.location())
	if got := after.text("[data-testid=flash]"); got != "Deleted a/x.txt." {
		t.Errorf("flash = %q", got)
	}
	if after.Doc.Find("[aria-label='Delete x.txt']").Length() != 0 || after.Doc.Find("[aria-label='Delete keep.txt']").Length() != 1 {
		t.Error("the folder still lists the deleted file, or lost the other one")
	}
	e.noSecrets(t, "folder after the delete", after, secrets...)
}

// TestObjectDeleteOIDC: a signed-in EGI user deletes with their own MinIO keys, which OSCAR gives the
// console and which never reach the browser or the logs; where MinIO refuses (a public bucket of
// someone else) the page says so and the file stays.
func TestObjectDeleteOIDC(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}}, nil)
	e.signInOIDC("alice@egi.eu", "tok-alice")
	e.fake.AddBucket("alice-data", "alice@egi.eu", "private")
	e.fake.AddBucket("bob-public", "bob@egi.eu", "public")
	e.fake.PutObjectData("alice-data", "out.png", []byte("png"))
	e.fake.PutObjectData("bob-public", "shared.txt", []byte("txt"))

	own := e.post("/buckets/alice-data/object-delete", url.Values{"key": {"out.png"}})
	if own.StatusCode != http.StatusSeeOther || own.location() != "/buckets/alice-data" {
		t.Fatalf("own bucket: %d to %q\n%s", own.StatusCode, own.location(), own.Body)
	}
	if _, ok := e.fake.Object("alice-data", "out.png"); ok {
		t.Error("own bucket: the object is still there")
	}
	secret := e.fake.MinIOSecret("alice@egi.eu")
	if secret == "" {
		t.Fatal("OSCAR did not provision alice's MinIO account")
	}
	e.noSecrets(t, "own bucket", own, secret)
	for _, r := range e.fake.Requests() {
		if strings.HasPrefix(r.Path, "/minio/") && r.Auth != "other" {
			t.Errorf("MinIO request %s %s sent %s credentials, want only an S3 signature", r.Method, r.Path, r.Auth)
		}
	}

	other := e.post("/buckets/bob-public/object-delete", url.Values{"key": {"shared.txt"}})
	if other.StatusCode != http.StatusForbidden {
		t.Fatalf("another user's public bucket: status %d, want 403\n%s", other.StatusCode, other.Body)
	}
	if msg := other.text("[data-testid=error]"); !strings.Contains(msg, "may not delete files in this bucket") {
		t.Errorf("error page says %q", msg)
	}
	if _, ok := e.fake.Object("bob-public", "shared.txt"); !ok {
		t.Error("another user's file was deleted")
	}
	e.noSecrets(t, "refused", other, secret)
}

// TestObjectDeleteRefusals: a missing file is a 404 page that says so; invalid keys and GETs never
// reach OSCAR or MinIO; a key that does not exist in the request is refused.
func TestObjectDeleteRefusals(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.PutObjectData("data", "a/x.txt", []byte("x"))

	gone := e.post("/buckets/data/object-delete", url.Values{"key": {"a/nope.txt"}})
	if gone.StatusCode != http.StatusNotFound || !strings.Contains(gone.text("[data-testid=error]"), "does not exist") {
		t.Errorf("missing file: %d %q, want 404 saying it does not exist", gone.StatusCode, gone.text("[data-testid=error]"))
	}
	if e.minioCalls() == 0 {
		t.Error("the missing file was not looked up in MinIO")
	}

	e.fake.ResetRequests()
	for _, key := range []string{"", "a/../../other/x.txt", "a/./x.txt", "a/", "bad\x00key", strings.Repeat("k", 1025)} {
		p := e.post("/buckets/data/object-delete", url.Values{"key": {key}})
		if p.StatusCode != http.StatusBadRequest {
			t.Errorf("key %q: status %d, want 400", key, p.StatusCode)
		}
	}
	for _, path := range []string{"/buckets/data/object-delete?key=a%2Fx.txt&confirm=1", "/buckets/data/object-delete?key=" + url.QueryEscape("a/../x")} {
		if p := e.get(path); p.StatusCode >= 500 {
			t.Errorf("GET %s: status %d", path, p.StatusCode)
		}
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Errorf("%d requests reached OSCAR or MinIO for invalid keys and GETs", n)
	}
	if _, ok := e.fake.Object("data", "a/x.txt"); !ok {
		t.Error("the object was deleted")
	}
	req, _ := http.NewRequest(http.MethodDelete, e.server.URL+"/buckets/data/object-delete?key=a%2Fx.txt", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if p := e.do(req); p.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE on the page: status %d, want 405", p.StatusCode)
	}
	if _, ok := e.fake.Object("data", "a/x.txt"); !ok {
		t.Error("the object was deleted by a request that is not the confirmed POST")
	}
}

// TestObjectDeleteXSSKey: a key carrying markup is shown as text on the folder, the confirmation
// and the flash, and is deleted exactly.
func TestObjectDeleteXSSKey(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	key := "in/" + xssImg + xssSvg + xssAttr + ".txt" // no slash: one object in the folder
	e.fake.PutObjectData("data", key, []byte("x"))
	e.fake.PutObjectData("data", "in/keep.txt", []byte("k"))

	folder := e.get("/buckets/data?prefix=in%2F")
	checkEscaped(t, "folder", folder, true)
	var link string
	folder.Doc.Find("[data-testid=object-row] a[aria-label^='Delete ']").Each(func(_ int, s *goquery.Selection) {
		if l, _ := s.Attr("aria-label"); l == "Delete "+strings.TrimPrefix(key, "in/") {
			link, _ = s.Attr("href")
		}
	})
	if link != "/buckets/data/object-delete?key="+url.QueryEscape(key) {
		t.Fatalf("Delete link = %q, want the key escaped in its query", link)
	}
	c := e.get(link)
	checkEscaped(t, "confirmation", c, true)
	if v, _ := c.Doc.Find("input[name=key]").Attr("value"); v != key {
		t.Fatalf("confirmation key = %q, want %q", v, key)
	}
	d := e.post("/buckets/data/object-delete", url.Values{"key": {key}})
	if d.StatusCode != http.StatusSeeOther {
		t.Fatalf("post = %d\n%s", d.StatusCode, d.Body)
	}
	if _, ok := e.fake.Object("data", key); ok {
		t.Error("the object is still there")
	}
	if _, ok := e.fake.Object("data", "in/keep.txt"); !ok {
		t.Error("another object was deleted")
	}
	after := e.get(d.location())
	checkEscaped(t, "flash", after, true)
	if got := after.text("[data-testid=flash]"); got != "Deleted "+key+"." {
		t.Errorf("flash = %q", got)
	}
}
