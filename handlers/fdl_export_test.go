package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestExportWorkflow: services selected on the list export as one FDL file, sanitised; the
// complete file only after the confirmation page's POST. Both import back to the same services.
func TestExportWorkflow(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	for _, def := range []string{
		`{"name":"first","image":"img","script":"echo 1","owner":"cluster_admin","input":[{"storage_provider":"minio.default","path":"wf/in"}],"output":[{"storage_provider":"s3.aws","path":"out/x"}],"storage_providers":{"s3":{"aws":{"access_key":"AKIDEXAMPLE","secret_key":"s3-secret-value","region":"eu-west-1"}}}}`,
		`{"name":"second","image":"img2","script":"echo 2","owner":"cluster_admin"}`,
		`{"name":"other","image":"img3","script":"echo 3","owner":"cluster_admin"}`,
	} {
		if err := fake.PutService(def); err != nil {
			t.Fatal(err)
		}
	}
	list := h.get("/services")
	wzExpect(t, list, http.StatusOK, "")
	if list.Doc.Find("[data-testid=bulk-export]").Length() != 1 {
		t.Fatal("no export button on the services list")
	}
	q := url.Values{"name": {"first", "second"}}
	ex := h.get("/services/export?" + q.Encode())
	wzExpect(t, ex, http.StatusOK, "")
	if cd := ex.Header.Get("Content-Disposition"); !strings.Contains(cd, "workflow.yaml") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	for _, secret := range []string{"s3-secret-value", "AKIDEXAMPLE", fake.ServiceToken("first"), "cluster_admin"} {
		if strings.Contains(ex.Body, secret) {
			t.Errorf("the sanitised workflow holds %q", secret)
		}
	}
	f, err := fdl.Parse([]byte(ex.Body))
	if err != nil {
		t.Fatalf("the export does not parse: %v\n%s", err, ex.Body)
	}
	if len(f.Functions) != 2 || f.Functions[0].Service.Name != "first" || f.Functions[1].Service.Name != "second" {
		t.Fatalf("functions = %+v", f.Functions)
	}
	if s, _ := f.Service(1, nil); s.Script != "echo 2" {
		t.Errorf("script = %q, want it inline", s.Script)
	}

	conf := h.get("/services/export?" + q.Encode() + "&complete=1")
	wzExpect(t, conf, http.StatusOK, "")
	if strings.Contains(conf.Body, "s3-secret-value") {
		t.Error("the confirmation page holds a secret")
	}
	full := h.wzSubmit(conf, "[data-testid=export-confirm] form", nil, "")
	wzExpect(t, full, http.StatusOK, "")
	if !strings.Contains(full.Body, "s3-secret-value") || !strings.Contains(full.Body, "name: second") || strings.Contains(full.Body, "name: other") {
		t.Errorf("complete workflow:\n%s", full.Body)
	}
	if p := h.post("/services/export", q); p.StatusCode != http.StatusBadRequest {
		t.Errorf("a POST without complete=1: %d", p.StatusCode)
	}
}
