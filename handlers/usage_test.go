package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// usageNow is the handlers' clock in the usage tests: a Monday noon.
var usageNow = time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC)

// newUsageEnv starts the fake with alice's and bob's private services and their requests of
// yesterday (2026-11-15) and of eight days ago (2026-11-08), the pages on usageNow, signed in as
// OSCAR's admin.
func newUsageEnv(t *testing.T, o oscartest.Options) *opEnv {
	t.Helper()
	if o.Tokens == nil {
		o.Tokens, o.OIDCGroups = oidcTokens, []string{"vo.example.eu"}
	}
	e := newOpEnv(t, o, func(d *Deps) { d.Now = func() time.Time { return usageNow } })
	e.putService(`{"name":"alice-svc","image":"i","script":"s","owner":"alice@egi.eu"}`)
	e.putService(`{"name":"bob-gpu","image":"i","script":"s","owner":"bob@egi.eu"}`)
	y := time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC)
	e.fake.AddUsage(
		oscartest.Usage{Service: "alice-svc", User: "alice@egi.eu", Country: "ES", Kind: "async", At: y, CPUHours: 1},
		oscartest.Usage{Service: "alice-svc", User: "carol@egi.eu", Country: "IT", Kind: "sync", At: y.Add(time.Hour), CPUHours: 0.5},
		oscartest.Usage{Service: "bob-gpu", User: "bob@egi.eu", Country: "DE", Kind: "async", At: y.Add(2 * time.Hour), CPUHours: 4, GPUHours: 2},
		oscartest.Usage{Service: "bob-gpu", User: "bob@egi.eu", Country: "DE", Kind: "async", At: y.AddDate(0, 0, -7), CPUHours: 3},
	)
	return e
}

// tableRow returns the cells of the row whose header cell is key, in the table with testid id.
func tableRow(p *page, id, key string) []string {
	var out []string
	p.Doc.Find("[data-testid=table-" + id + "] tbody tr").Each(func(_ int, tr *goquery.Selection) {
		if strings.TrimSpace(tr.Find("th").Text()) == key {
			tr.Find("td").Each(func(_ int, td *goquery.Selection) { out = append(out, strings.TrimSpace(td.Text())) })
		}
	})
	return out
}

// TestUsageAdminSeesCluster: OSCAR's admin sees every service's usage, per day, per service, and
// the totals; each chart is an accessible SVG beside its table; the page's OSCAR calls are one
// summary per day, one for the range, the breakdown and one per busy service.
func TestUsageAdminSeesCluster(t *testing.T) {
	e := newUsageEnv(t, oscartest.Options{})
	p := e.get("/usage")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	if !strings.Contains(p.text("[data-testid=usage-scope]"), "whole cluster") {
		t.Errorf("scope = %q", p.text("[data-testid=usage-scope]"))
	}
	totals := defs(p, "[data-testid=usage-totals]")
	for k, want := range map[string]string{"CPU hours": "8.5", "GPU hours": "2", "Requests": "4", "Jobs": "3", "Active users": "3"} {
		if totals[k] != want {
			t.Errorf("total %s = %q, want %q", k, totals[k], want)
		}
	}
	for id, want := range map[string][]string{"cpu-hours": {"5.5"}, "gpu-hours": {"2"}, "requests": {"3"}, "jobs": {"2"}, "users": {"3"}} {
		if got := tableRow(p, id, "2026-11-15"); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s on 2026-11-15 = %v, want %v", id, got, want)
		}
		svg := p.Doc.Find("[data-testid=chart-" + id + "] svg")
		if role, _ := svg.Attr("role"); role != "img" || svg.Find("title").First().Text() == "" || svg.Find("rect.bar").Length() != 14 {
			t.Errorf("%s chart: role %q, title %q, %d bars", id, role, svg.Find("title").First().Text(), svg.Find("rect.bar").Length())
		}
	}
	if got := tableRow(p, "cpu-hours", "2026-11-08"); len(got) != 1 || got[0] != "3" {
		t.Errorf("cpu hours on 2026-11-08 = %v", got)
	}
	if got := p.Doc.Find("[data-testid=table-cpu-hours] tbody tr").Length(); got != 14 {
		t.Errorf("%d days, want 14", got)
	}
	if got := tableRow(p, "services", "bob-gpu"); strings.Join(got, ",") != "7,2,2,2,1" {
		t.Errorf("bob-gpu = %v", got)
	}
	if got := tableRow(p, "services", "alice-svc"); strings.Join(got, ",") != "1.5,0,2,1,2" {
		t.Errorf("alice-svc = %v", got)
	}
	if got := len(e.requests("GET", "/system/metrics")); got != 15 {
		t.Errorf("%d summaries, want 14 days and the range", got)
	}
	if len(e.requests("GET", "/system/metrics/breakdown")) != 1 || len(e.requests("GET", "/system/metrics/alice-svc")) != 1 || len(e.requests("GET", "/system/metrics/bob-gpu")) != 1 {
		t.Errorf("requests: %+v", e.fake.Requests())
	}
	if p.Doc.Find(`nav[aria-label=Main] a[href="/admin/status"]`).Length() != 1 || p.Doc.Find(`nav[aria-label=Main] a[href="/usage"][aria-current=page]`).Length() != 1 {
		t.Error("the admin's header lacks Usage (current) or Administration")
	}
}

// TestUsageUserSeesOwn: an EGI Check-in user sees the usage of the services they may see only,
// as OSCAR scopes it, and no Administration link.
func TestUsageUserSeesOwn(t *testing.T) {
	e := newUsageEnv(t, oscartest.Options{})
	e.signInOIDC("alice@egi.eu", "tok-alice")
	p := e.get("/usage")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	if totals := defs(p, "[data-testid=usage-totals]"); totals["CPU hours"] != "1.5" || totals["GPU hours"] != "0" || totals["Requests"] != "2" {
		t.Errorf("alice's totals = %v", totals)
	}
	if got := tableRow(p, "services", "bob-gpu"); got != nil {
		t.Errorf("bob's service is on alice's page: %v", got)
	}
	if len(e.requests("GET", "/system/metrics/bob-gpu")) != 0 {
		t.Error("the console asked for the metrics of a service alice may not see")
	}
	if !strings.Contains(p.text("[data-testid=usage-scope]"), "you own") {
		t.Errorf("scope = %q", p.text("[data-testid=usage-scope]"))
	}
	if p.Doc.Find(`a[href^="/admin"]`).Length() != 0 {
		t.Error("a non-admin's header links Administration")
	}
}

// TestUsagePeriodSelector: ?period= picks weeks or months; an unknown value is shown next to the
// selector and the days are shown.
func TestUsagePeriodSelector(t *testing.T) {
	e := newUsageEnv(t, oscartest.Options{})
	for _, tt := range []struct {
		q        string
		rows     int
		selected string
		problem  bool
		row      string
		cpu      string
	}{
		{"?period=week", 12, "week", false, "2026-11-09 to 2026-11-15", "5.5"},
		{"?period=month", 12, "month", false, "2026-11", "8.5"},
		{"?period=year", 14, "day", true, "2026-11-15", "5.5"},
	} {
		p := e.get("/usage" + tt.q)
		if p.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", tt.q, p.StatusCode)
		}
		if got := p.Doc.Find("[data-testid=table-cpu-hours] tbody tr").Length(); got != tt.rows {
			t.Errorf("%s: %d rows, want %d", tt.q, got, tt.rows)
		}
		if v, _ := p.Doc.Find("#period option[selected]").Attr("value"); v != tt.selected {
			t.Errorf("%s: selected %q", tt.q, v)
		}
		if got := p.text("[data-testid=period-error]") != ""; got != tt.problem {
			t.Errorf("%s: period error shown %v", tt.q, got)
		}
		if tt.problem {
			if d, _ := p.Doc.Find("#period").Attr("aria-describedby"); d != "period-error" {
				t.Errorf("the selector is not described by its error: %q", d)
			}
		}
		if got := tableRow(p, "cpu-hours", tt.row); len(got) != 1 || got[0] != tt.cpu {
			t.Errorf("%s: %s = %v, want %s", tt.q, tt.row, got, tt.cpu)
		}
	}
}

// TestUsageCSV: both downloads are CSV attachments with the page's figures; an unknown period is
// refused.
func TestUsageCSV(t *testing.T) {
	e := newUsageEnv(t, oscartest.Options{})
	p := e.get("/usage/periods.csv?period=day")
	if p.StatusCode != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(p.Header.Get("Content-Disposition"), `attachment; filename="usage-per-day.csv"`) {
		t.Fatalf("periods CSV: %d %q %q", p.StatusCode, p.Header.Get("Content-Type"), p.Header.Get("Content-Disposition"))
	}
	lines := strings.Split(strings.TrimSpace(p.Body), "\n")
	if len(lines) != 15 || lines[0] != "period,start,end,cpu_hours,gpu_hours,requests,jobs,active_users" ||
		lines[14] != "2026-11-16,2026-11-16T00:00:00Z,2026-11-16T12:00:00Z,0,0,0,0,0" ||
		lines[13] != "2026-11-15,2026-11-15T00:00:00Z,2026-11-16T00:00:00Z,5.5,2,3,2,3" {
		t.Errorf("periods CSV:\n%s", p.Body)
	}
	p = e.get("/usage/services.csv?period=week")
	if p.StatusCode != http.StatusOK || !strings.Contains(p.Body, "\nbob-gpu,7,2,2,0,2,0,1\n") || !strings.Contains(p.Body, "\nalice-svc,1.5,0,2,1,1,0,2\n") {
		t.Errorf("services CSV: %d\n%s", p.StatusCode, p.Body)
	}
	if p := e.get("/usage/periods.csv?period=decade"); p.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown period: %d", p.StatusCode)
	}
}

// TestUsageOSCARFails: OSCAR failing a metrics call gives a page that says so, without the error's
// text; OSCAR refusing the console's range is a 400 page with OSCAR's words.
func TestUsageOSCARFails(t *testing.T) {
	e := newUsageEnv(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/system/metrics/breakdown" {
			http.Error(w, "prometheus: connection refused", http.StatusInternalServerError)
			return true
		}
		return false
	}})
	p := e.get("/usage")
	if p.StatusCode != http.StatusBadGateway || p.text("[data-testid=error] h1") != "OSCAR did not answer properly" {
		t.Fatalf("= %d %q", p.StatusCode, p.text("[data-testid=error] h1"))
	}
	if !strings.Contains(p.text("[data-testid=error-message]"), "prometheus: connection refused") || strings.Contains(p.Body, "handlers:") {
		t.Errorf("message = %q", p.text("[data-testid=error-message]"))
	}
}

// TestUsageOlderOSCAR: a cluster without /system/metrics gets a page that says so.
func TestUsageOlderOSCAR(t *testing.T) {
	e := newUsageEnv(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/system/metrics") {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return true
		}
		return false
	}})
	for _, path := range []string{"/usage", "/usage/periods.csv"} {
		p := e.get(path)
		if p.StatusCode != http.StatusNotFound || p.text("[data-testid=error] h1") != "No usage metrics on this cluster" {
			t.Errorf("%s = %d %q", path, p.StatusCode, p.text("[data-testid=error] h1"))
		}
	}
}
