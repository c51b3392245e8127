package handlers

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

func TestCheckBucketName(t *testing.T) {
	valid := []string{"abc", "my-data", "team.data.2026", strings.Repeat("a", 63)}
	invalid := []string{"", "ab", strings.Repeat("a", 64), "MyData", "my_data", "-data", "data-", "a..b", "10.0.0.1", "xn--abc", "data-s3alias", "da ta"}
	for _, n := range valid {
		if msg := checkBucketName(n); msg != "" {
			t.Errorf("checkBucketName(%q) = %q, want valid", n, msg)
		}
	}
	for _, n := range invalid {
		if checkBucketName(n) == "" {
			t.Errorf("checkBucketName(%q) accepted an invalid name", n)
		}
	}
}

func TestAttachmentHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"job.log", `attachment; filename="job.log"; filename*=UTF-8''job.log`},
		{"a\"b;c.txt", `attachment; filename="a_b_c.txt"; filename*=UTF-8''a%22b%3Bc.txt`},
		{"résumé.pdf", `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`},
		{"evil\r\nSet-Cookie: x", `attachment; filename="evil__Set-Cookie: x"; filename*=UTF-8''evil__Set-Cookie%3A%20x`},
		{"", `attachment; filename="download"; filename*=UTF-8''download`},
	}
	for _, tt := range tests {
		if got := attachment(tt.in); got != tt.want {
			t.Errorf("attachment(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(attachment(tt.in), "\r\n") {
			t.Errorf("attachment(%q) has a line break", tt.in)
		}
	}
}

func TestUploadKeyAndPrefix(t *testing.T) {
	keys := []struct {
		prefix, folder, file, want string
		ok                         bool
	}{
		{"", "", "a.txt", "a.txt", true},
		{"in/", "", "a.txt", "in/a.txt", true},
		{"in/", "/batch 1/", `C:\fakepath\a.txt`, "in/batch 1/a.txt", true},
		{"", "x/../y", "a.txt", "", false},
		{"", "", "dir/", "", false},
		{"", "", "a\x00b", "", false},
	}
	for _, tt := range keys {
		got, msg := uploadKey(tt.prefix, tt.folder, tt.file, false)
		if (msg == "") != tt.ok || got != tt.want {
			t.Errorf("uploadKey(%q, %q, %q) = %q, %q; want %q ok=%v", tt.prefix, tt.folder, tt.file, got, msg, tt.want, tt.ok)
		}
	}
	prefixes := map[string]string{"": "", "a": "a/", "/a/b": "a/b/", "a/b/": "a/b/"}
	for in, want := range prefixes {
		if got, ok := cleanPrefix(in); !ok || got != want {
			t.Errorf("cleanPrefix(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"../", "a/./b", "a\nb"} {
		if _, ok := cleanPrefix(bad); ok {
			t.Errorf("cleanPrefix(%q) accepted", bad)
		}
	}
}

func TestInvokeResultKinds(t *testing.T) {
	tests := []struct {
		name     string
		ct       string
		body     []byte
		wantKind string
		decoded  bool
	}{
		{"plain text", "text/plain", []byte("hello world"), "text", false},
		{"json", "application/json", []byte(`{"a":1}`), "text", false},
		{"a short word that is valid base64 stays", "text/plain", []byte("test"), "text", false},
		{"base64 of binary noise stays text", "", []byte("abcdefgh"), "text", false},
		{"base64 text", "", []byte(base64.StdEncoding.EncodeToString([]byte("result: 42\n"))), "text", true},
		{"data URL of a png", "text/plain", []byte("data:image/png;base64," + base64.StdEncoding.EncodeToString(tinyPNG())), "image", true},
		{"raw png", "image/png", tinyPNG(), "image", false},
		{"svg is never an image here", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "text", false},
		{"binary", "application/octet-stream", []byte{0, 1, 2, 3, 0xff, 0xfe}, "file", false},
		{"empty", "text/plain", nil, "empty", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeResult(&oscar.RunResult{Status: 200, ContentType: tt.ct, Body: tt.body})
			if r.Kind != tt.wantKind || r.Decoded != tt.decoded {
				t.Errorf("kind %q decoded %v, want %q %v", r.Kind, r.Decoded, tt.wantKind, tt.decoded)
			}
			if r.Kind != "image" && r.DataURL != "" && !strings.HasPrefix(r.DataURL, "data:application/octet-stream;base64,") {
				t.Errorf("download URL %q is not an opaque file", r.DataURL[:40])
			}
		})
	}
}

func TestServiceAndJobNamesEscaped(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	name := `<b>x<i>`
	e.putService(svcJSON(name, "img", "1", "1Gi", "private", "cluster_admin"))
	e.fake.SetJobs(name, oscartest.Job{Name: `<script>alert(1)<b>`, Status: "Succeeded", Log: "ok"})
	for _, path := range []string{"/services/%3Cb%3Ex%3Ci%3E", "/services/%3Cb%3Ex%3Ci%3E/jobs", "/services/%3Cb%3Ex%3Ci%3E/invoke", "/services/%3Cb%3Ex%3Ci%3E/delete"} {
		p := e.get(path)
		if p.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, p.StatusCode)
		}
		if strings.Contains(p.Body, "<b>x") || strings.Contains(p.Body, "<script>alert") {
			t.Errorf("%s: a name's markup reached the page", path)
		}
		if !strings.Contains(p.Doc.Find("main").Text(), name) {
			t.Errorf("%s: the name is not shown as text", path)
		}
	}
	p := e.get("/services/%3Cb%3Ex%3Ci%3E/jobs")
	if got := p.text("[data-testid=job-name]"); got != `<script>alert(1)<b>` {
		t.Errorf("job name = %q", got)
	}
	if href, _ := p.Doc.Find("[data-testid=job-name]").Attr("href"); href != "/services/%3Cb%3Ex%3Ci%3E/jobs/%3Cscript%3Ealert%281%29%3Cb%3E" {
		t.Errorf("job link = %q", href)
	}
	if l := e.get("/services/%3Cb%3Ex%3Ci%3E/jobs/%3Cscript%3Ealert%281%29%3Cb%3E"); l.StatusCode != http.StatusOK || l.text("[data-testid=log]") != "ok" {
		t.Errorf("job log through the escaped link = %d %q", l.StatusCode, l.text("[data-testid=log]"))
	}
}
