package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// seedService creates a service in the fake OSCAR through its API, as oscar-cli would (with the
// basic-auth admin account), so its input and output buckets exist like on a real cluster.
func (c *console) seedService(t *testing.T, name string) {
	t.Helper()
	def := map[string]any{
		"name": name, "image": "ghcr.io/grycap/cowsay", "script": "#!/bin/sh\ncat \"$INPUT_FILE_PATH\" | /usr/games/cowsay\n",
		"cpu": "0.5", "memory": "256Mi", "log_level": "INFO",
		"input":       []map[string]any{{"storage_provider": "minio.default", "path": name + "/in"}},
		"output":      []map[string]any{{"storage_provider": "minio.default", "path": name + "/out", "suffix": []string{".txt"}}},
		"environment": map[string]any{"variables": map[string]string{"GREETING": "hello"}},
	}
	b, _ := json.Marshal(def)
	req, _ := http.NewRequest(http.MethodPost, c.Endpoint()+"/system/services", bytes.NewReader(b))
	req.SetBasicAuth(basicUser, basicPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("seed service %s: status %d", name, resp.StatusCode)
	}
}

// TestServiceOperations: the services list, a service's page, invoking it (synchronously and as a
// job), its jobs, a job's log, deleting the job, and deleting the service behind its confirmation
// page.
func TestServiceOperations(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{OSCAR: func(o *oscartest.Options) { o.ServerlessBackend = true }})
			const svc = "cowsay"
			c.seedService(t, svc)
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.operateFlow(svc)
		})
	}
}

func (tb *tab) operateFlow(svc string) {
	tb.t.Helper()
	t, c := tb.t, tb.c
	if st := tb.open("/services"); st != 200 {
		tb.fatalf("GET /services: status %d", st)
	}
	tb.screen("services")
	if st := tb.click(`a[data-testid="service-name"][href$="/` + svc + `"]`); st != 200 {
		tb.fatalf("open service %s: status %d", svc, st)
	}
	if got := tb.text(`[data-testid="service-title"]`); got != svc {
		t.Errorf("service page title = %q, want %q", got, svc)
	}
	tb.screen("service")

	// Synchronous invocation: the echoing fake service answers with what was sent.
	if st := tb.click(`[data-testid="invoke"]`); st != 200 {
		tb.fatalf("invoke page: status %d", st)
	}
	tb.screen("invoke")
	tb.press("#f-mode-run")
	tb.fill("#f-input", "hello from the browser")
	if st := tb.click(`[data-testid="invoke-submit"]`); st != 200 {
		tb.fatalf("synchronous invocation: status %d", st)
	}
	if got := tb.text(`[data-testid="output-text"]`); !strings.Contains(got, "hello from the browser") {
		t.Errorf("synchronous output = %q, want the echoed input", got)
	}
	tb.screen("invoke-output")

	// Asynchronous: a job starts, the console shows where to follow it.
	tb.open("/services/" + svc + "/invoke")
	tb.press("#f-mode-job")
	tb.fill("#f-input", "a job from the browser")
	if st := tb.click(`[data-testid="invoke-submit"]`); st != 200 {
		tb.fatalf("asynchronous invocation: status %d", st)
	}
	jobs := c.OSCAR.Jobs(svc)
	if len(jobs) != 1 {
		tb.fatalf("OSCAR has %d jobs after one invocation, want 1", len(jobs))
	}
	if !jobLogHas(jobs[0].Log, "a job from the browser") {
		t.Errorf("the job's input was not what the user typed: %q", jobs[0].Log)
	}
	// The job finishes (the fake does not run containers), so the jobs page stops reloading itself.
	job := jobs[0]
	job.Status, job.Started, job.Finished = "Succeeded", time.Now().Add(-2*time.Second), time.Now()
	job.Log += "cowsay: done\n"
	c.OSCAR.SetJobs(svc, job)

	if st := tb.open("/services/" + svc + "/jobs"); st != 200 {
		tb.fatalf("jobs: status %d", st)
	}
	if n := tb.count(`[data-testid="job-row"]`); n != 1 {
		t.Errorf("jobs page lists %d jobs, want 1", n)
	}
	tb.screen("jobs")
	if st := tb.click(`[data-testid="job-name"]`); st != 200 {
		tb.fatalf("job log: status %d", st)
	}
	if got := tb.text(`[data-testid="log"]`); !strings.Contains(got, "cowsay: done") {
		t.Errorf("job log = %q, want the job's log", got)
	}
	tb.screen("job-log")

	// Delete the job behind its confirmation page.
	if st := tb.click(`[data-testid="delete"]`); st != 200 {
		tb.fatalf("delete job page: status %d", st)
	}
	tb.screen("job-delete")
	if st := tb.click(`[data-testid="confirm-delete"]`); st != 200 {
		tb.fatalf("delete job: status %d", st)
	}
	if n := len(c.OSCAR.Jobs(svc)); n != 0 {
		t.Errorf("OSCAR still has %d jobs after the delete", n)
	}
	if n := tb.count(`[data-testid="job-row"]`); n != 0 {
		t.Errorf("the jobs page lists %d jobs after the delete, want none", n)
	}

	// Delete the service: a confirmation page naming the buckets that go with it, then the list.
	tb.open("/services/" + svc)
	if st := tb.click(`[data-testid="delete"]`); st != 200 {
		tb.fatalf("delete page: status %d", st)
	}
	if n := tb.count(`[data-testid="delete-list"] [data-testid="bucket"]`); n == 0 {
		t.Errorf("the delete confirmation names no bucket of the service")
	}
	tb.screen("service-delete")
	if st := tb.click(`[data-testid="confirm-delete"]`); st != 200 {
		tb.fatalf("confirm delete: status %d", st)
	}
	if p := tb.path(); p != "/services" {
		t.Errorf("after deleting, the browser is on %s, want /services", p)
	}
	if got := tb.text(`[data-testid="flash"]`); !strings.Contains(got, svc) {
		t.Errorf("flash after delete = %q, want it to name %s", got, svc)
	}
	for _, n := range c.OSCAR.ServiceNames() {
		if n == svc {
			t.Errorf("service %s still exists in OSCAR after the delete", svc)
		}
	}
	tb.screen("services-empty")
}

// jobLogHas reports whether the fake's job log (EVENT: <body>) carries text, as sent or in base64.
func jobLogHas(log, text string) bool {
	return strings.Contains(log, text) || strings.Contains(log, base64.StdEncoding.EncodeToString([]byte(text)))
}

// TestBuckets: create a bucket (after a refused name), upload a file, download it, share a link,
// delete the file and the bucket.
func TestBuckets(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.bucketFlow()
		})
	}
}

func (tb *tab) bucketFlow() {
	tb.t.Helper()
	t, c := tb.t, tb.c
	const bucket = "e2e-data"
	if st := tb.open("/buckets"); st != 200 {
		tb.fatalf("GET /buckets: status %d", st)
	}
	tb.screen("buckets-empty")

	// A name OSCAR would refuse: the same page, the field marked and explained, focus on the problem.
	tb.fill("#f-name", "Not_Valid")
	if st := tb.click(`[data-testid="create-bucket"] button[type="submit"]`); st != 422 {
		t.Errorf("invalid bucket name: status %d, want 422", st)
	}
	tb.checkInvalid("#f-name")
	tb.screen("buckets-invalid")

	tb.fill("#f-name", bucket)
	if st := tb.click(`[data-testid="create-bucket"] button[type="submit"]`); st != 200 {
		tb.fatalf("create bucket: status %d", st)
	}
	if !contains(c.OSCAR.BucketNames(), bucket) {
		tb.fatalf("bucket %s not created in OSCAR (has %v)", bucket, c.OSCAR.BucketNames())
	}
	if p := tb.path(); !strings.HasPrefix(p, "/buckets/"+bucket) {
		tb.open("/buckets/" + bucket)
	}
	tb.screen("bucket-empty")

	// Upload a file: with JavaScript through XMLHttpRequest and a progress bar, without as a plain
	// multipart form post.
	content := []byte("Hello from the browser test.\nLine two.\n")
	file := filepath.Join(tb.t.TempDir(), "hello.txt")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	tb.do("choose file", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}, chromedp.NodeReady))
	if st := tb.click(`[data-testid="upload"] button[type="submit"]`); st != 200 {
		tb.fatalf("upload: status %d", st)
	}
	if got, ok := c.OSCAR.Object(bucket, "hello.txt"); !ok || !bytes.Equal(got, content) {
		tb.fatalf("OSCAR holds %q (found %v) after the upload, want the file's bytes", got, ok)
	}
	if n := tb.count(`[data-testid="object-row"]`); n != 1 {
		t.Errorf("bucket page lists %d objects after the upload, want 1", n)
	}
	tb.screen("bucket")

	// Download it back through the console.
	if got := tb.download(`a[data-testid="object-name"]`); !bytes.Equal(got, content) {
		t.Errorf("downloaded %q, want the uploaded bytes", got)
	}

	// A presigned download link.
	if st := tb.click(`a[aria-label="Share a link to hello.txt"]`); st != 200 {
		tb.fatalf("link page: status %d", st)
	}
	tb.screen("presign")
	if st := tb.click(`[data-testid="presign-form"] button[type="submit"]`); st != 200 {
		tb.fatalf("make link: status %d", st)
	}
	if u := eval[string](tb, `document.querySelector('[data-testid="url"]').value`); !strings.Contains(u, "hello.txt") {
		t.Errorf("presigned link = %q, want a link to hello.txt", u)
	}
	tb.screen("presign-link")

	// Delete the file where OSCAR's API allows it (its delete link says so), then the bucket.
	tb.open("/buckets/" + bucket)
	if tb.count(`a[aria-label="Delete hello.txt"]`) > 0 {
		if st := tb.click(`a[aria-label="Delete hello.txt"]`); st != 200 {
			tb.fatalf("delete file page: status %d", st)
		}
		tb.screen("object-delete")
		if st := tb.click(`[data-testid="confirm-delete"]`); st != 200 {
			tb.fatalf("delete file: status %d", st)
		}
		if _, ok := c.OSCAR.Object(bucket, "hello.txt"); ok {
			t.Errorf("hello.txt still in OSCAR after the delete")
		}
	}
	if st := tb.click(`[data-testid="delete-bucket"]`); st != 200 {
		tb.fatalf("delete bucket page: status %d", st)
	}
	tb.screen("bucket-delete")
	if st := tb.click(`[data-testid="confirm-delete"]`); st != 200 {
		tb.fatalf("delete bucket: status %d", st)
	}
	if contains(c.OSCAR.BucketNames(), bucket) {
		t.Errorf("bucket %s still in OSCAR after the delete", bucket)
	}
}

// download clicks a download link and returns the bytes the browser saved.
func (tb *tab) download(sel string) []byte {
	tb.t.Helper()
	dir := tb.t.TempDir()
	_, err := chromedp.CallBrowser(tb.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir,
		BrowserContextID: tb.bctx, EventsEnabled: new(true),
	})
	if err != nil {
		tb.t.Fatalf("download behaviour: %v", err)
	}
	progress := chromedp.BrowserEvents(tb.ctx, browser.DownloadProgress)
	tb.press(sel)
	for ev, err := range progress {
		if err != nil {
			tb.fatalf("download %s: %v", sel, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			b, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				tb.t.Fatalf("read the download: %v", err)
			}
			return b
		case browser.DownloadProgressStateCanceled:
			tb.fatalf("download %s was canceled", sel)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestCluster: the cluster page.
func TestCluster(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			if st := tb.open("/cluster"); st != 200 {
				tb.fatalf("GET /cluster: status %d", st)
			}
			tb.mustSee("h1")
			tb.screen("cluster")
		})
	}
}

// TestNotFound: the error page a mistyped address gives.
func TestNotFound(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)
			if st := tb.open("/no/such/page"); st != 404 {
				t.Errorf("GET /no/such/page: status %d, want 404", st)
			}
			tb.mustSee(`[data-testid="request-id"]`)
			tb.screen("not-found")
		})
	}
}
