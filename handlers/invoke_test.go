package handlers

import (
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// postMultipart submits a multipart form (fields, then an optional file), as a same-origin browser.
func (h *harness) postMultipart(path string, fields map[string]string, fileField, fileName string, data []byte) *page {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if fileField != "" {
		fw, _ := mw.CreateFormFile(fileField, fileName)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, h.server.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return h.do(req)
}

// tinyPNG is the start of a PNG file: enough for content sniffing.
func tinyPNG() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
}

func TestInvokeForm(t *testing.T) {
	for _, serverless := range []bool{false, true} {
		e := newOpEnv(t, oscartest.Options{ServerlessBackend: serverless}, nil)
		e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
		p := e.get("/services/grey/invoke")
		if p.StatusCode != http.StatusOK {
			t.Fatalf("status = %d", p.StatusCode)
		}
		form := p.Doc.Find("form[data-testid=invoke-form]")
		if enc, _ := form.Attr("enctype"); enc != "multipart/form-data" {
			t.Errorf("enctype = %q", enc)
		}
		if form.Find("textarea[name=input]").Length() != 1 || form.Find("input[type=file][name=file]").Length() != 1 {
			t.Error("the form lacks a text area or a file input")
		}
		run := form.Find("input[name=mode][value=run]")
		if serverless {
			if _, checked := run.Attr("checked"); run.Length() != 1 || !checked {
				t.Error("with /run, synchronous invocation should be offered and chosen")
			}
		} else if run.Length() != 0 || p.Doc.Find("[data-testid=async-only]").Length() != 1 {
			t.Error("without /run, only asynchronous invocation should be offered")
		}
	}
}

func TestInvokeSyncShowsOutputByContent(t *testing.T) {
	tests := []struct {
		name     string
		outType  string
		out      []byte
		wantSel  string
		wantText string
		wantSrc  string // prefix of the image or download data: URL
	}{
		{"text", "text/plain; charset=utf-8", []byte("hello <script>alert(1)</script>\n"), "[data-testid=output-text]", "hello <script>alert(1)</script>\n", "data:application/octet-stream;base64,"},
		{"base64 image", "text/plain", []byte(base64.StdEncoding.EncodeToString(tinyPNG())), "[data-testid=output-image]", "", "data:image/png;base64," + base64.StdEncoding.EncodeToString(tinyPNG())},
		{"base64 text", "application/octet-stream", []byte(base64.StdEncoding.EncodeToString([]byte("decoded words"))), "[data-testid=output-text]", "decoded words", ""},
		{"binary file", "application/zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe"), "[data-testid=output-file]", "", "data:application/octet-stream;base64,"},
		{"nothing", "", nil, "[data-testid=output-empty]", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []byte
			e := newOpEnv(t, oscartest.Options{ServerlessBackend: true, Run: func(_ string, body []byte, _ string) (int, string, []byte) {
				got = body
				return http.StatusOK, tt.outType, tt.out
			}}, nil)
			e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
			p := e.postMultipart("/services/grey/invoke", map[string]string{"mode": "run", "input": "my input", "base64": "1"}, "", "", nil)
			if p.StatusCode != http.StatusOK {
				t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
			}
			if string(got) != base64.StdEncoding.EncodeToString([]byte("my input")) {
				t.Errorf("service got %q, want the input in base64", got)
			}
			reqs := e.requests(http.MethodPost, "/run/grey")
			if len(reqs) != 1 || reqs[0].Token != e.fake.ServiceToken("grey") {
				t.Errorf("/run requests = %+v, want one with the service token (basic auth is refused there)", reqs)
			}
			if strings.Contains(p.Body, "<script>alert(1)") {
				t.Fatal("the output's markup reached the page")
			}
			el := p.Doc.Find(tt.wantSel)
			if el.Length() != 1 {
				t.Fatalf("no %s in the output section: %q", tt.wantSel, p.text("[data-testid=output]"))
			}
			if tt.wantText != "" && el.Text() != tt.wantText {
				t.Errorf("text = %q, want %q", el.Text(), tt.wantText)
			}
			src, _ := el.Attr("src")
			if tt.wantSel == "[data-testid=output-image]" && src != tt.wantSrc {
				t.Errorf("img src = %q, want %q", src, tt.wantSrc)
			}
			dl, ok := p.Doc.Find("[data-testid=output-download]").Attr("href")
			if tt.wantSrc != "" && (!ok || !strings.HasPrefix(dl, tt.wantSrc[:min(len(tt.wantSrc), 30)])) {
				t.Errorf("download = %q, want a data: URL starting %q", dl, tt.wantSrc)
			}
		})
	}
}

func TestInvokeSyncFileWithoutBase64(t *testing.T) {
	var got []byte
	e := newOpEnv(t, oscartest.Options{ServerlessBackend: true, Run: func(_ string, body []byte, _ string) (int, string, []byte) {
		got = body
		return http.StatusOK, "text/plain", []byte("ok")
	}}, nil)
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	p := e.postMultipart("/services/grey/invoke", map[string]string{"mode": "run", "input": "ignored"}, "file", "in.bin", []byte("\x00\x01file bytes"))
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", p.StatusCode)
	}
	if string(got) != "\x00\x01file bytes" {
		t.Errorf("service got %q, want the file as is", got)
	}
}

func TestInvokeSyncServiceFails(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{ServerlessBackend: true, Run: func(string, []byte, string) (int, string, []byte) {
		return http.StatusInternalServerError, "text/plain", []byte("Traceback: it broke")
	}}, nil)
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	p := e.postMultipart("/services/grey/invoke", map[string]string{"mode": "run", "input": "x"}, "", "", nil)
	if p.StatusCode != http.StatusBadGateway {
		t.Fatalf("status = %d, want 502", p.StatusCode)
	}
	if !strings.Contains(p.text("[data-testid=problem]"), "status 500") {
		t.Errorf("problem = %q", p.text("[data-testid=problem]"))
	}
	if got := p.text("[data-testid=output-text]"); got != "Traceback: it broke" {
		t.Errorf("output = %q, want the service's error output", got)
	}
	if got := p.Doc.Find("textarea[name=input]").Text(); got != "x" {
		t.Errorf("input kept = %q", got)
	}
}

func TestInvokeAsyncLinksTheNewJob(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{JobListingLimit: 3}, nil)
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	seedJobs(e, "grey", 7, "Succeeded") // more than one page: the new job may be on any page

	p := e.postMultipart("/services/grey/invoke", map[string]string{"mode": "job", "input": "{\"a\":1}", "base64": "1"}, "", "", nil)
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	jobs := e.fake.Jobs("grey")
	if len(jobs) != 8 {
		t.Fatalf("jobs = %d, want 8", len(jobs))
	}
	var fresh string
	for _, j := range jobs {
		if !strings.HasPrefix(j.Name, "grey-job-") {
			fresh = j.Name
		}
	}
	if want := "/services/grey/jobs/" + fresh; p.location() != want {
		t.Errorf("redirect = %q, want the new job %q", p.location(), want)
	}
	reqs := e.requests(http.MethodPost, "/job/grey")
	if len(reqs) != 1 || reqs[0].Token != e.fake.ServiceToken("grey") || string(reqs[0].Body) != base64.StdEncoding.EncodeToString([]byte(`{"a":1}`)) {
		t.Errorf("/job requests = %+v", reqs)
	}
	log := e.get(p.location())
	if !strings.Contains(log.text("[data-testid=flash]"), fresh) {
		t.Errorf("flash = %q, want the job's name", log.text("[data-testid=flash]"))
	}
}

func TestInvokeOIDCUsesTheUsersToken(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}}, nil)
	e.putService(svcJSON("shared", "img", "1", "1Gi", "public", "bob@egi.eu"))
	e.signInOIDC("alice@egi.eu", "tok-alice")
	p := e.postMultipart("/services/shared/invoke", map[string]string{"mode": "job", "input": "x"}, "", "", nil)
	if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/services/shared/jobs/shared-") {
		t.Fatalf("= %d → %q, want the new job", p.StatusCode, p.location())
	}
	reqs := e.requests(http.MethodPost, "/job/shared")
	if len(reqs) != 1 || reqs[0].Token != "tok-alice" {
		t.Errorf("/job requests = %+v, want alice's own token (her job, in her list)", reqs)
	}
}

func TestInvokeErrors(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	if p := e.get("/services/nope/invoke"); p.StatusCode != http.StatusNotFound {
		t.Errorf("unknown service = %d, want 404", p.StatusCode)
	}
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	e.fake.Close()
	p := e.postMultipart("/services/grey/invoke", map[string]string{"mode": "job", "input": "x"}, "", "", nil)
	if p.StatusCode != http.StatusBadGateway || !strings.Contains(p.text("[data-testid=error]"), strings.TrimPrefix(e.ep, "http://")) {
		t.Errorf("OSCAR down = %d %q, want 502 naming the endpoint", p.StatusCode, p.text("[data-testid=error]"))
	}
}

func TestInvokeInputTooLarge(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	p := e.postMultipart("/services/grey/invoke", map[string]string{"mode": "job"}, "file", "big.bin", bytes.Repeat([]byte("x"), maxInvokeBody+1))
	if p.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", p.StatusCode)
	}
	if n := len(e.requests(http.MethodPost, "/job/grey")); n != 0 {
		t.Errorf("/job called %d times", n)
	}
}

// TestInvokeOutputDownloadNames: the output's download is named from a fixed table of common
// content types (HTML was "output.ehtml", the system MIME database's first choice), else ".bin".
func TestInvokeOutputDownloadNames(t *testing.T) {
	for ct, want := range map[string]string{
		"text/html; charset=utf-8": "output.html", "text/csv": "output.csv", "application/json": "output.json",
		"application/pdf": "output.pdf", "image/svg+xml": "output.svg", "application/x-made-up": "output.bin",
	} {
		t.Run(want, func(t *testing.T) {
			out := []byte("<p>result</p>\n")
			if strings.HasPrefix(ct, "application/pdf") || strings.HasPrefix(ct, "application/x-") {
				out = []byte("%PDF-1.4\x00\x01\x02 binary")
			}
			e := newOpEnv(t, oscartest.Options{ServerlessBackend: true, Run: func(string, []byte, string) (int, string, []byte) {
				return http.StatusOK, ct, out
			}}, nil)
			e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
			p := e.postMultipart("/services/grey/invoke", map[string]string{"mode": "run", "input": "x"}, "", "", nil)
			if p.StatusCode != http.StatusOK {
				t.Fatalf("status = %d", p.StatusCode)
			}
			if got, _ := p.Doc.Find("[data-testid=output-download]").Attr("download"); got != want {
				t.Errorf("%s: download name = %q, want %q", ct, got, want)
			}
		})
	}
}
