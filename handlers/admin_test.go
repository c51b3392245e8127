package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/admin"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestAdminRefusedToOthers: every administration page answers 403 with a plain page to a user
// OSCAR does not treat as its administrator, even one in USERS_ADMIN, and asks OSCAR nothing.
func TestAdminRefusedToOthers(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}, Admins: []string{"alice@egi.eu"}}, nil)
	e.fake.SetQuota("bob@egi.eu", oscartest.DefaultQuota)
	e.signInOIDC("alice@egi.eu", "tok-alice")
	e.fake.ResetRequests()
	for _, tt := range []struct{ method, path string }{
		{"GET", "/admin/status"}, {"GET", "/admin/quotas"}, {"GET", "/admin/quotas?user=bob@egi.eu"}, {"GET", "/admin/quotas/bob@egi.eu"},
		{"POST", "/admin/quotas/bob@egi.eu"}, {"POST", "/admin/quotas/bob@egi.eu/update"}, {"GET", "/admin/logs"}, {"GET", "/admin/logs/download"},
	} {
		var p *page
		if tt.method == "POST" {
			p = e.post(tt.path, url.Values{admin.FieldCPU: {"64"}})
		} else {
			p = e.get(tt.path)
		}
		if p.StatusCode != http.StatusForbidden || p.text("[data-testid=error] h1") != "For the cluster's administrator only" {
			t.Errorf("%s %s = %d %q", tt.method, tt.path, p.StatusCode, p.text("[data-testid=error] h1"))
		}
	}
	if reqs := e.fake.Requests(); len(reqs) != 0 {
		t.Errorf("OSCAR was asked %d things, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
	if q, _ := e.fake.QuotaOf("bob@egi.eu"); q.CPU != oscartest.DefaultQuota.CPU {
		t.Errorf("bob's quota changed: %+v", q)
	}
}

// TestAdminStatus: each node with its CPU and memory bars, GPUs and conditions; MinIO and the
// manager from /system/status.
func TestAdminStatus(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.SetNodes(
		oscartest.Node{Name: "cpu-1", Ready: true, CPUCapacity: 8000, CPURequest: 6000, MemCapacity: 32 << 30, MemRequest: 8 << 30},
		oscartest.Node{Name: "gpu-1", Ready: false, GPU: 2, CPUCapacity: 16000, CPURequest: 2000, MemCapacity: 64 << 30, MemRequest: 60 << 30, MemoryPressure: true},
	)
	e.fake.AddBucket("data", "cluster_admin", "private")
	p := e.get("/admin/status")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	nodes := p.Doc.Find("[data-testid=node]")
	if nodes.Length() != 2 {
		t.Fatalf("%d nodes", nodes.Length())
	}
	gpu := nodes.Eq(1)
	if got := strings.TrimSpace(gpu.Find("[data-testid=node-status]").Text()); got != "NotReady" {
		t.Errorf("gpu-1 status = %q", got)
	}
	if got := gpu.Find("[data-testid=node-conditions] .badge.bad").Length(); got != 2 {
		t.Errorf("gpu-1 has %d bad conditions, want 2 (not Ready, memory pressure)", got)
	}
	if got := strings.TrimSpace(nodes.Eq(0).Find("[data-testid=meter]").First().Find("[data-testid=meter-free]").Text()); got != "2 cores" {
		t.Errorf("cpu-1 CPU free = %q", got)
	}
	if svg := gpu.Find("svg[role=img]"); svg.Length() != 2 {
		t.Errorf("gpu-1 has %d bars, want CPU and memory", svg.Length())
	}
	if got := p.text("[data-testid=total-gpus]"); got != "2" {
		t.Errorf("GPUs = %q", got)
	}
	if got := defs(p, "[data-testid=minio-status]")["Buckets"]; got != "1" {
		t.Errorf("MinIO buckets = %q", got)
	}
	if p.Doc.Find(`nav[aria-label=Main] a[href="/admin/status"][aria-current=page]`).Length() != 1 {
		t.Error("Administration is not the current header entry")
	}
}

// TestAdminQuotasList: every user with services or requests, their quota as used of max, read
// concurrently; a user OSCAR keeps no queue for gets a note, not an error page.
func TestAdminQuotasList(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(`{"name":"a","image":"i","script":"s","owner":"alice@egi.eu"}`)
	e.putService(`{"name":"b","image":"i","script":"s","owner":"bob@egi.eu"}`)
	e.putService(`{"name":"c","image":"i","script":"s","owner":"cluster_admin"}`)
	e.fake.AddUsage(oscartest.Usage{Service: "a", User: "carol@egi.eu", Kind: "sync", At: time.Now().Add(-time.Hour)})
	e.fake.SetQuota("alice@egi.eu", oscartest.Quota{CPU: 4000, CPUUsed: 1500, Memory: 8 << 30, GPU: 1, StoragePerBucket: "1Gi", Buckets: 5})
	p := e.get("/admin/quotas")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	if got := strings.Join(rowNames(p, "[data-testid=quota-row] th"), ","); got != "alice@egi.eu,bob@egi.eu,carol@egi.eu" {
		t.Errorf("users = %q", got)
	}
	row := p.Doc.Find("[data-testid=quota-row]").First()
	var cells []string
	row.Find("td.num").Each(func(_ int, s *goquery.Selection) { cells = append(cells, s.Text()) })
	if strings.Join(cells, "|") != "1500m of 4|0 of 8Gi|0 of 1|0 of 0|0 of 5|1Gi" {
		t.Errorf("alice's row = %q", cells)
	}
	if href, _ := row.Find("a").Attr("href"); href != "/admin/quotas/alice@egi.eu" {
		t.Errorf("edit link = %q", href)
	}
	if got := p.Doc.Find("[data-testid=quota-row]").Eq(2).Text(); !strings.Contains(got, "OSCAR did not report this user's quota") {
		t.Errorf("carol's row = %q", got)
	}
	if n := len(e.requests("GET", "/system/quotas/user/alice@egi.eu")); n != 1 {
		t.Errorf("alice's quota read %d times", n)
	}
}

// TestAdminQuotaLookup: the look-up goes to the user's page; an empty or impossible ID is shown
// next to the field, kept.
func TestAdminQuotaLookup(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	if p := e.get("/admin/quotas?user=+dave%40egi.eu+"); p.StatusCode != http.StatusSeeOther || p.location() != "/admin/quotas/dave@egi.eu" {
		t.Errorf("look-up = %d %q", p.StatusCode, p.location())
	}
	for _, bad := range []string{"", "a/b"} {
		p := e.get("/admin/quotas?user=" + url.QueryEscape(bad))
		if p.StatusCode != http.StatusUnprocessableEntity || p.text("#lookup-error") == "" {
			t.Errorf("look-up %q = %d, error %q", bad, p.StatusCode, p.text("#lookup-error"))
		}
		if v, _ := p.Doc.Find("#lookup").Attr("value"); v != bad {
			t.Errorf("look-up %q not kept: %q", bad, v)
		}
	}
	if p := e.get("/admin/quotas/dave@egi.eu"); p.StatusCode != http.StatusNotFound || !strings.Contains(p.text("[data-testid=error-message]"), "keeps no quota for dave@egi.eu") {
		t.Errorf("a user without a queue = %d %q", p.StatusCode, p.text("[data-testid=error-message]"))
	}
}

func quotaForm(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// TestAdminQuotaEdit: the form shows the quota as it stands; bad values come back next to their
// fields with everything typed kept; good ones go through a confirmation, then one PUT.
func TestAdminQuotaEdit(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.SetQuota("alice@egi.eu", oscartest.Quota{CPU: 4000, Memory: 8 << 30, StoragePerBucket: "1Gi", Buckets: 5})
	p := e.get("/admin/quotas/alice@egi.eu")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	for name, want := range map[string]string{admin.FieldCPU: "4", admin.FieldMemory: "8Gi", admin.FieldGPU: "0", admin.FieldBuckets: "5", admin.FieldStoragePerBucket: "1Gi", admin.FieldEphemeral: "0"} {
		if v, _ := p.Doc.Find("#" + templates.FieldID(name)).Attr("value"); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}

	// Bad input: 422, each message next to its field, what was typed kept, nothing sent.
	bad := quotaForm(admin.FieldCPU, "lots", admin.FieldMemory, "16Gi", admin.FieldGPU, "0.5", admin.FieldBuckets, "5", admin.FieldStoragePerBucket, "1Gi")
	p = e.post("/admin/quotas/alice@egi.eu", bad)
	if p.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad input = %d", p.StatusCode)
	}
	for _, f := range []string{admin.FieldCPU, admin.FieldGPU} {
		id := templates.FieldID(f)
		if p.text("#"+id+"-error") == "" {
			t.Errorf("no message next to %s", f)
		}
		if inv, _ := p.Doc.Find("#" + id).Attr("aria-invalid"); inv != "true" {
			t.Errorf("%s not marked invalid", f)
		}
	}
	for name, want := range map[string]string{admin.FieldCPU: "lots", admin.FieldMemory: "16Gi", admin.FieldGPU: "0.5"} {
		if v, _ := p.Doc.Find("#" + templates.FieldID(name)).Attr("value"); v != want {
			t.Errorf("%s not kept: %q", name, v)
		}
	}
	if p.text("#"+templates.FieldID(admin.FieldMemory)+"-error") != "" {
		t.Error("a valid field got a message")
	}

	// Nothing changed.
	same := quotaForm(admin.FieldCPU, "4000m", admin.FieldMemory, "8Gi")
	if p = e.post("/admin/quotas/alice@egi.eu", same); p.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(p.text("[data-testid=form-problem]"), "Nothing changes") {
		t.Errorf("no change = %d %q", p.StatusCode, p.text("[data-testid=form-problem]"))
	}

	// A valid change: a confirmation first, OSCAR untouched.
	good := quotaForm(admin.FieldCPU, "6", admin.FieldMemory, "8Gi", admin.FieldGPU, "1", admin.FieldStoragePerBucket, "2Gi")
	p = e.post("/admin/quotas/alice@egi.eu", good)
	if p.StatusCode != http.StatusOK || p.Doc.Find("[data-testid=quota-changes] tbody tr").Length() != 3 {
		t.Fatalf("confirmation = %d\n%s", p.StatusCode, p.text("[data-testid=confirm]"))
	}
	if got := p.Doc.Find("[data-testid=quota-changes] tbody tr").First().Text(); !strings.Contains(got, "4") || !strings.Contains(got, "6") {
		t.Errorf("CPU change row = %q", got)
	}
	if len(e.requests("PUT", "/system/quotas/user/alice@egi.eu")) != 0 {
		t.Fatal("the quota was sent before the confirmation")
	}
	hidden := url.Values{}
	p.Doc.Find("[data-testid=confirm] form input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		n, _ := s.Attr("name")
		v, _ := s.Attr("value")
		hidden.Set(n, v)
	})
	action, _ := p.Doc.Find("[data-testid=confirm] form").Attr("action")
	p = e.post(action, hidden)
	if p.StatusCode != http.StatusSeeOther || p.location() != "/admin/quotas/alice@egi.eu" {
		t.Fatalf("update = %d %q\n%s", p.StatusCode, p.location(), p.Body)
	}
	puts := e.requests("PUT", "/system/quotas/user/alice@egi.eu")
	if len(puts) != 1 {
		t.Fatalf("%d PUTs", len(puts))
	}
	var sent map[string]any
	_ = json.Unmarshal(puts[0].Body, &sent)
	if fmt.Sprint(sent) != "map[cpu:6 gpu:1 minio:map[storage_per_bucket:2Gi]]" {
		t.Errorf("PUT body = %s", puts[0].Body)
	}
	if q, _ := e.fake.QuotaOf("alice@egi.eu"); q.CPU != 6000 || q.GPU != 1 || q.StoragePerBucket != "2Gi" || q.Memory != 8<<30 {
		t.Errorf("stored quota = %+v", q)
	}
	p = e.get(p.location())
	if !strings.Contains(p.text("[data-testid=flash]"), "Quota of alice@egi.eu changed") {
		t.Errorf("flash = %q", p.text("[data-testid=flash]"))
	}
	if v, _ := p.Doc.Find("#" + templates.FieldID(admin.FieldCPU)).Attr("value"); v != "6" {
		t.Errorf("the form after the change shows CPU %q", v)
	}
}

// TestAdminQuotaGPUAlone: a GPU change alone goes with the CPU quota as it stands, said on the
// confirmation, since OSCAR refuses a GPU alone.
func TestAdminQuotaGPUAlone(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.SetQuota("alice@egi.eu", oscartest.Quota{CPU: 2500, Memory: 8 << 30, StoragePerBucket: "1Gi"})
	p := e.post("/admin/quotas/alice@egi.eu", quotaForm(admin.FieldGPU, "2"))
	if p.StatusCode != http.StatusOK || !strings.Contains(p.text("[data-testid=confirm-note]"), "2500m") {
		t.Fatalf("confirmation = %d %q", p.StatusCode, p.text("[data-testid=confirm-note]"))
	}
	if p = e.post("/admin/quotas/alice@egi.eu/update", quotaForm(admin.FieldGPU, "2")); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("update = %d\n%s", p.StatusCode, p.text("main"))
	}
	if q, _ := e.fake.QuotaOf("alice@egi.eu"); q.GPU != 2 || q.CPU != 2500 {
		t.Errorf("stored = %+v", q)
	}
}

// TestAdminQuotaRefusedAndFailing: OSCAR refusing a value shows its words next to the field, the
// input kept; OSCAR failing otherwise gives a page saying so.
func TestAdminQuotaRefusedAndFailing(t *testing.T) {
	var answer string
	e := newOpEnv(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && answer != "" {
			http.Error(w, answer, http.StatusInternalServerError)
			return true
		}
		return false
	}}, nil)
	e.fake.SetQuota("alice@egi.eu", oscartest.Quota{CPU: 4000, Memory: 8 << 30, StoragePerBucket: "1Gi"})
	answer = "invalid memory quantity: quantities must match the regular expression"
	p := e.post("/admin/quotas/alice@egi.eu/update", quotaForm(admin.FieldMemory, "9Gi"))
	id := templates.FieldID(admin.FieldMemory)
	if p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.text("#"+id+"-error"), "invalid memory quantity") {
		t.Errorf("refusal = %d %q", p.StatusCode, p.text("#"+id+"-error"))
	}
	if v, _ := p.Doc.Find("#" + id).Attr("value"); v != "9Gi" {
		t.Errorf("memory not kept: %q", v)
	}
	answer = "Kueue client is not initialized"
	p = e.post("/admin/quotas/alice@egi.eu/update", quotaForm(admin.FieldMemory, "9Gi"))
	if p.StatusCode != http.StatusBadGateway || !strings.Contains(p.text("[data-testid=error-message]"), "Kueue client is not initialized") || strings.Contains(p.Body, "handlers:") {
		t.Errorf("failure = %d %q", p.StatusCode, p.text("[data-testid=error-message]"))
	}
}

// TestAdminManagerLogs: the last 100 lines by default, 500 or 1000 on request, an unknown choice
// shown next to the selector; the download has every line.
func TestAdminManagerLogs(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	for i := range 150 {
		e.fake.AddManagerLog(oscartest.ExecutionLogLine(t0.Add(time.Duration(i)*time.Second), 201, "POST", fmt.Sprintf("/job/svc-%03d", i), "alice@egi.eu"))
		e.fake.AddManagerLog("[GIN] noise that is not an execution line")
	}
	p := e.get("/admin/logs")
	rows := p.Doc.Find("[data-testid=table-manager-log] tbody tr")
	if p.StatusCode != http.StatusOK || rows.Length() != 100 {
		t.Fatalf("= %d, %d rows", p.StatusCode, rows.Length())
	}
	if got := strings.TrimSpace(rows.First().Find("td").Eq(1).Text()); got != "POST /job/svc-050" {
		t.Errorf("first row = %q, want the 51st line", got)
	}
	if got := strings.TrimSpace(rows.First().Find("th").Text()); got != "2026-11-02 08:00:50" {
		t.Errorf("first time = %q", got)
	}
	if !strings.Contains(p.text("[data-testid=log-count]"), "of 150") {
		t.Errorf("count = %q", p.text("[data-testid=log-count]"))
	}
	if p = e.get("/admin/logs?lines=500"); p.Doc.Find("[data-testid=table-manager-log] tbody tr").Length() != 150 {
		t.Error("500 lines did not show all 150")
	}
	p = e.get("/admin/logs?lines=7")
	if p.StatusCode != http.StatusOK || p.text("[data-testid=lines-error]") == "" || p.Doc.Find("[data-testid=table-manager-log] tbody tr").Length() != 100 {
		t.Errorf("lines=7: %d, error %q", p.StatusCode, p.text("[data-testid=lines-error]"))
	}
	d := e.get("/admin/logs/download")
	if d.StatusCode != http.StatusOK || !strings.HasPrefix(d.Header.Get("Content-Type"), "text/plain") || !strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download = %d %q %q", d.StatusCode, d.Header.Get("Content-Type"), d.Header.Get("Content-Disposition"))
	}
	if lines := strings.Split(strings.TrimSpace(d.Body), "\n"); len(lines) != 150 || !strings.Contains(lines[0], "/job/svc-000") {
		t.Errorf("download has %d lines", len(lines))
	}
	for _, r := range e.fake.Requests() {
		if strings.HasPrefix(r.Path, "/system/logs") && r.Path != "/system/logs" {
			t.Errorf("asked OSCAR %s", r.Path)
		}
	}
}

// TestAdminStatusFails: OSCAR down gives a page naming it.
func TestAdminStatusFails(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.Close()
	for _, path := range []string{"/admin/status", "/admin/quotas", "/admin/logs", "/usage"} {
		p := e.get(path)
		if p.StatusCode != http.StatusBadGateway || !strings.Contains(p.text("[data-testid=error]"), strings.TrimPrefix(e.ep, "http://")) {
			t.Errorf("%s = %d %q", path, p.StatusCode, p.text("[data-testid=error] h1"))
		}
	}
}
