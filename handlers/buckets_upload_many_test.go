package handlers

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestUploadManyFiles uploads several files and a folder (the folder picker's parts keep their
// relative paths) in one form: the files that cannot be stored do not stop the others, and the
// message sums up what failed and why.
func TestUploadManyFiles(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, func(d *Deps) { d.MaxUpload = 1 << 10 })
	e.fake.AddBucket("data", "cluster_admin", "private")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("prefix", "in/")
	add := func(field, filename, content string) {
		fw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Disposition": {`form-data; name="` + field + `"; filename="` + filename + `"`},
			"Content-Type":        {"application/octet-stream"},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte(content))
	}
	add("file", "one.txt", "1")
	add("file", "big.bin", strings.Repeat("x", 2<<10)) // over the 1 KiB limit
	add("tree", "photos/2026/a.jpg", "a")
	add("tree", "photos/../b.jpg", "b") // a name no key may have
	add("file", "two.txt", "22")
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/buckets/data/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	p := e.do(req)
	if p.StatusCode != http.StatusSeeOther || p.location() != "/buckets/data?prefix=in%2F" {
		t.Fatalf("upload = %d %q\n%s", p.StatusCode, p.location(), p.text("main"))
	}
	for key, want := range map[string]string{"in/one.txt": "1", "in/two.txt": "22", "in/photos/2026/a.jpg": "a"} {
		if got, ok := e.fake.Object("data", key); !ok || string(got) != want {
			t.Errorf("%s = %q %v, want %q", key, got, ok, want)
		}
	}
	for _, key := range []string{"in/big.bin", "in/b.jpg", "b.jpg", "in/photos/b.jpg"} {
		if _, ok := e.fake.Object("data", key); ok {
			t.Errorf("%s stored", key)
		}
	}
	msg := e.get(p.location()).text("[data-testid=flash]")
	for _, want := range []string{"Uploaded 3 files", "2 not uploaded", "big.bin: This console accepts files of at most 1.0 KiB", "photos/../b.jpg: The file name"} {
		if !strings.Contains(msg, want) {
			t.Errorf("summary %q does not say %q", msg, want)
		}
	}
}
