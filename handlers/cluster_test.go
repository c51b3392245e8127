package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// defs reads the definition lists under sel as term → description.
func defs(p *page, sel string) map[string]string {
	out := map[string]string{}
	p.Doc.Find(sel + " dt").Each(func(_ int, dt *goquery.Selection) {
		out[strings.TrimSpace(dt.Text())] = strings.TrimSpace(dt.Next().Text())
	})
	return out
}

func TestClusterPageAdmin(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{OIDCGroups: []string{"vo.example.eu", "vo.other.eu"}}, nil)
	p := e.get("/cluster")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	checks := map[string]string{
		"[data-testid=version]":        "v4.1.2",
		"[data-testid=backend]":        "Kubernetes (jobs only)",
		"[data-testid=minio-endpoint]": e.fake.URL() + "/minio",
		"[data-testid=gpus]":           "0",
	}
	for sel, want := range checks {
		if got := p.text(sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if got := strings.Join(rowNames(p, "[data-testid=vos] li"), ","); got != "vo.example.eu,vo.other.eu" {
		t.Errorf("VOs = %q", got)
	}
	features := defs(p, "[data-testid=features]")
	for k, want := range map[string]string{"Synchronous invocation (/run)": "no", "Kueue queues": "yes", "Managed volumes": "yes", "GPUs": "no"} {
		if features[k] != want {
			t.Errorf("feature %q = %q, want %q", k, features[k], want)
		}
	}

	if strings.Contains(p.Body, oscartest.MinIORootSecretKey) || strings.Contains(p.Body, oscartest.MinIORootAccessKey) {
		t.Fatal("MinIO keys are in the page before the user asked for them")
	}
	if p.Doc.Find("[data-testid=keys-hidden]").Length() != 1 {
		t.Error("the keys are not marked hidden")
	}
	show, _ := p.Doc.Find("[data-testid=show-keys]").Attr("href")
	k := e.get(show)
	if v, _ := k.Doc.Find("[data-testid=secret-key]").Attr("value"); v != oscartest.MinIORootSecretKey {
		t.Errorf("revealed secret key = %q", v)
	}
	if typ, _ := k.Doc.Find("[data-testid=secret-key]").Attr("type"); typ != "password" {
		t.Errorf("secret key input type = %q, want password (reveal with the button)", typ)
	}
	if !strings.Contains(k.text("[data-testid=minio]"), "root keys") {
		t.Error("no warning that basic auth gets the root keys")
	}
	if strings.Contains(e.logs.String(), oscartest.MinIORootSecretKey) {
		t.Error("the MinIO secret key was logged")
	}

	meters := p.Doc.Find("[data-testid=resources] [data-testid=meter]")
	if meters.Length() != 2 {
		t.Fatalf("meters = %d, want CPU and memory", meters.Length())
	}
	cpu := strings.Join(strings.Fields(meters.First().Text()), " ")
	if !strings.Contains(cpu, "6.8 cores free of 8 cores") {
		t.Errorf("CPU = %q, want 6.8 of 8 cores free (OSCAR reports millicores)", cpu)
	}
	mem := strings.Join(strings.Fields(meters.Last().Text()), " ")
	if !strings.Contains(mem, "14.0 GiB free of 16.0 GiB") {
		t.Errorf("memory = %q", mem)
	}
	seg := meters.First().Find("svg rect[data-testid=bar-segment]")
	if w, _ := seg.Attr("width"); w != "45.00" {
		t.Errorf("CPU bar width = %q, want 45.00 (1.2 of 8 cores in use on a 300-unit bar)", w)
	}
	if label, _ := meters.First().Find("svg").Attr("aria-label"); !strings.Contains(label, "1.2 cores of 8 cores in use") {
		t.Errorf("bar label = %q", label)
	}
	if p.Doc.Find("[style]").Length() != 0 {
		t.Error("inline style attributes break the CSP")
	}
	if !strings.Contains(p.text("[data-testid=quota-note]"), "admin account") {
		t.Errorf("quota note = %q", p.text("[data-testid=quota-note]"))
	}
	if n := len(e.requests(http.MethodGet, "/system/quotas/user")); n != 0 {
		t.Errorf("quota asked %d times with basic auth (OSCAR answers 401)", n)
	}
}

func TestClusterPageServerless(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{ServerlessBackend: true}, nil)
	p := e.get("/cluster")
	if got := p.text("[data-testid=backend]"); got != "knative 1.18.0" {
		t.Errorf("backend = %q", got)
	}
	if p.Doc.Find("[data-testid=no-vos]").Length() != 1 {
		t.Error(`OSCAR's [""] groups should read as no VOs`)
	}
}

func TestClusterPageOIDCUser(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}}, nil)
	e.signInOIDC("alice@egi.eu", "tok-alice")
	p := e.get("/cluster?show=keys")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", p.StatusCode)
	}
	if v, _ := p.Doc.Find("[data-testid=access-key]").Attr("value"); v != "alice@egi.eu" {
		t.Errorf("access key = %q, want the user's own", v)
	}
	if v, _ := p.Doc.Find("[data-testid=secret-key]").Attr("value"); v == "" || v != e.fake.MinIOSecret("alice@egi.eu") {
		t.Errorf("secret key = %q, want alice's", v)
	}
	quota := p.Doc.Find("[data-testid=quota] [data-testid=meter]")
	if quota.Length() != 3 {
		t.Fatalf("quota meters = %d, want CPU, memory, buckets", quota.Length())
	}
	text := strings.Join(strings.Fields(quota.Text()), " ")
	for _, want := range []string{"4 cores free of 4 cores", "8.0 GiB free of 8.0 GiB", "100 free of 100"} {
		if !strings.Contains(text, want) {
			t.Errorf("quota %q lacks %q", text, want)
		}
	}
}

func TestClusterPageDegradesAndFails(t *testing.T) {
	t.Run("status and quota unavailable", func(t *testing.T) {
		e := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}, Fault: func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/system/status" || r.URL.Path == "/system/quotas/user" {
				http.Error(w, "metrics server unavailable", http.StatusInternalServerError)
				return true
			}
			return false
		}}, nil)
		e.signInOIDC("alice@egi.eu", "tok-alice")
		p := e.get("/cluster")
		if p.StatusCode != http.StatusOK {
			t.Fatalf("status = %d, want the page without the resources", p.StatusCode)
		}
		if !strings.Contains(p.text("[data-testid=status-problem]"), "metrics server unavailable") {
			t.Errorf("status problem = %q", p.text("[data-testid=status-problem]"))
		}
		if p.text("[data-testid=quota-note]") == "" {
			t.Error("no quota note")
		}
	})
	t.Run("OSCAR down", func(t *testing.T) {
		e := newOpEnv(t, oscartest.Options{}, nil)
		e.fake.Close()
		p := e.get("/cluster")
		if p.StatusCode != http.StatusBadGateway || !strings.Contains(p.text("[data-testid=error]"), strings.TrimPrefix(e.ep, "http://")) {
			t.Errorf("= %d %q", p.StatusCode, p.text("[data-testid=error]"))
		}
	})
	t.Run("credentials refused", func(t *testing.T) {
		e := newOpEnv(t, oscartest.Options{}, nil)
		e.signInBasic(e.ep, "oscar", "nope")
		if p := e.get("/cluster"); p.StatusCode != http.StatusForbidden {
			t.Errorf("= %d, want 403", p.StatusCode)
		}
	})
}
