package handlers

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/oscar/storagetest"
)

// TestServiceStorage browses a service's WebDAV, Onedata and S3 outputs from its page: folders,
// a preview, a download, never a credential in the browser, and only the declared folders.
func TestServiceStorage(t *testing.T) {
	files := map[string]string{
		"results/run1/out.txt": "result <b>one</b>",
		"results/top.csv":      "a,b\n1,2\n",
		"results/page.html":    "<script>alert(1)</script>",
		"private/keys.txt":     "not for the browser",
	}
	dav := storagetest.NewWebDAV(t, "alice", "dav-pass-123", files)
	cdmi := storagetest.NewCDMI(t, "onedata-token-123", "space1", files)
	s3 := storagetest.NewS3(t, "AKIAEXAMPLE", "eu-west-1", files)
	e := newOpEnv(t, oscartest.Options{}, func(d *Deps) {
		d.OSCAR = oscar.New(oscar.Options{Policy: oscar.Policy{AllowPrivate: true, AllowHTTP: true}, Logger: slog.New(slog.DiscardHandler),
			S3Endpoint: func(string) string { return s3.URL }})
	})
	e.putService(fmt.Sprintf(`{"name":"svc","image":"alpine","script":"echo","cpu":"0.5","memory":"256Mi","visibility":"private","owner":"cluster_admin",
		"storage_providers":{
			"webdav":{"dcache":{"hostname":%q,"login":"alice","password":"dav-pass-123"}},
			"onedata":{"egi":{"oneprovider_host":%q,"token":"onedata-token-123","space":"space1"}},
			"s3":{"aws":{"access_key":"AKIAEXAMPLE","secret_key":"s3-secret-123","region":"eu-west-1"}}},
		"output":[
			{"storage_provider":"webdav.dcache","path":"results"},
			{"storage_provider":"onedata.egi","path":"results"},
			{"storage_provider":"s3.aws","path":"results"}]}`, dav.Host(), cdmi.Host()))
	secrets := []string{"dav-pass-123", "onedata-token-123", "s3-secret-123"}

	svc := e.get("/services/svc")
	for _, id := range []string{"webdav.dcache", "onedata.egi", "s3.aws"} {
		t.Run(id, func(t *testing.T) {
			href, ok := svc.Doc.Find(fmt.Sprintf("[aria-label='Browse %s results']", id)).Attr("href")
			if !ok {
				t.Fatalf("no Browse link on the service page\n%s", svc.Body)
			}
			p := e.get(href)
			if p.StatusCode != http.StatusOK {
				t.Fatalf("browse = %d\n%s", p.StatusCode, p.text("main"))
			}
			if got := rowNames(p, "[data-testid=remote-folder]"); strings.Join(got, ",") != "run1/" {
				t.Errorf("folders = %v", got)
			}
			if got := rowNames(p, "[data-testid=remote-file]"); strings.Join(got, ",") != "page.html,top.csv" {
				t.Errorf("files = %v", got)
			}
			if p.Doc.Find("[aria-label='Preview page.html']").Length() != 0 {
				t.Error("an HTML file offers a preview")
			}
			sub, _ := p.Doc.Find("[data-testid=remote-folder]").Attr("href")
			p2 := e.get(sub)
			file, _ := p2.Doc.Find("[data-testid=remote-file]").Attr("href")
			dl := e.get(file)
			if dl.StatusCode != http.StatusOK || dl.Body != "result <b>one</b>" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment;") ||
				dl.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("download = %d %q %v", dl.StatusCode, dl.Body, dl.Header)
			}
			prev, _ := p2.Doc.Find("[aria-label='Preview out.txt']").Attr("href")
			pv := e.get(prev)
			if pv.text("[data-testid=preview-text]") != "result <b>one</b>" {
				t.Errorf("preview = %d %q", pv.StatusCode, pv.text("[data-testid=preview-text]"))
			}
			// Only the declared folders: not the rest of what the credentials reach.
			out := e.get("/services/svc/storage?" + url.Values{"provider": {id}, "path": {"private"}}.Encode())
			if out.StatusCode != http.StatusBadRequest {
				t.Errorf("an undeclared folder = %d, want 400", out.StatusCode)
			}
			esc := e.get("/services/svc/storage/file?" + url.Values{"provider": {id}, "path": {"results/../private/keys.txt"}}.Encode())
			if esc.StatusCode != http.StatusBadRequest || strings.Contains(esc.Body, "not for the browser") {
				t.Errorf("a path out of the declared folder = %d", esc.StatusCode)
			}
			for _, pg := range []*page{p, p2, pv, svc} {
				e.noSecrets(t, id, pg, secrets...)
			}
		})
	}
	if p := e.get("/services/svc/storage?provider=minio.default&path=x"); p.StatusCode != http.StatusNotFound {
		t.Errorf("MinIO through this page = %d, want 404 (buckets have their own pages)", p.StatusCode)
	}
	if p := e.get("/services/svc/storage?provider=webdav.nope&path=results"); p.StatusCode != http.StatusNotFound {
		t.Errorf("an undeclared provider = %d, want 404", p.StatusCode)
	}
}
