package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestImportWarnsAndConverts: OSCAR's fish-eu example (OSCAR 3 replicas, a cluster with an extra
// key) imports; the first step lists what was converted and what ignored.
func TestImportWarnsAndConverts(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	p := h.post("/services/import", url.Values{"fdl": {wzExamples(t)["fish-eu.yaml"]}})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/general")
	g := h.get("/services/new/general")
	text := g.Doc.Find("main").Text()
	for _, want := range []string{`Line 10: "replicas" is the OSCAR 3 name of "federation.members": converted.`, `Line 26: "memory" is not a field of "oscar-us"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the first step does not say %q:\n%s", want, text)
		}
	}
	d := h.wzDraft("new")
	if f := d.Service.Federation; f == nil || len(f.Members) != 1 || f.Members[0].ClusterID != "oscar-us" {
		t.Errorf("federation = %+v", f)
	}
}

// TestImportUpdatesAnExistingService: a file naming a service of the user opens its edit draft;
// the Review lists each change (secrets by state only); saving keeps the token, the owner and what
// the file does not mention.
func TestImportUpdatesAnExistingService(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	if err := fake.PutService(`{"name":"grey","image":"img:1","script":"echo old","memory":"256Mi","cpu":"0.5","owner":"cluster_admin",
		"environment":{"variables":{"A":"1"},"secrets":{"API_KEY":"old-api-key"}},
		"input":[{"storage_provider":"minio.default","path":"grey/in"}]}`); err != nil {
		t.Fatal(err)
	}
	token := fake.ServiceToken("grey")
	file := "functions:\n  oscar:\n  - c:\n      name: grey\n      image: img:2\n      memory: 1Gi\n      script: |\n        echo new\n      environment:\n        secrets:\n          API_KEY: new-api-key-value\n"
	p := h.post("/services/import", url.Values{"fdl": {file}})
	wzExpect(t, p, http.StatusSeeOther, "/services/grey/edit/general")
	if h.wzDraft("new") != nil {
		t.Error("an update from a file made a new-service draft")
	}
	rv := h.get("/services/grey/edit/review")
	wzExpect(t, rv, http.StatusOK, "")
	rows := map[string]string{}
	rv.Doc.Find("[data-testid=diff] tbody tr").Each(func(_ int, s *goqueryS) {
		var cells []string
		s.Find("td").Each(func(_ int, td *goqueryS) { cells = append(cells, strings.TrimSpace(td.Text())) })
		rows[strings.TrimSpace(s.Find("th").Text())] = strings.Join(cells, " | ")
	})
	for field, want := range map[string]string{
		"image":                       "img:1 | img:2 | changed",
		"memory":                      "256Mi | 1Gi | changed",
		"script":                      "echo old | echo new | changed",
		"environment.secrets.API_KEY": "secret | secret | sent again (OSCAR does not show the current value)",
	} {
		if rows[field] != want {
			t.Errorf("diff row %s = %q, want %q (all %q)", field, rows[field], want, rows)
		}
	}
	if _, ok := rows["cpu"]; ok {
		t.Error("cpu, which the file does not mention, is listed as changed")
	}
	if strings.Contains(rv.Body, "new-api-key-value") || strings.Contains(rv.Body, token) {
		t.Error("a secret or the token reached the page")
	}
	done := h.post("/services/grey/edit/review", url.Values{"nav": {"create"}})
	wzExpect(t, done, http.StatusSeeOther, "/services/grey")
	var stored oscar.Service
	if err := json.Unmarshal(fake.StoredService("grey"), &stored); err != nil {
		t.Fatal(err)
	}
	if stored.Token != token || stored.Owner != "cluster_admin" {
		t.Errorf("token %q owner %q, want %q and cluster_admin kept", stored.Token, stored.Owner, token)
	}
	if stored.Image != "img:2" || stored.Memory != "1Gi" || stored.CPU != "0.5" || len(stored.Input) != 1 || stored.Environment.Variables["A"] != "1" || stored.Environment.Secrets["API_KEY"] != "new-api-key-value" {
		t.Errorf("stored = %+v", stored)
	}
}

// applyWait follows the status page of an apply until it stops running.
func applyWait(t *testing.T, h *harness, status string) *page {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := h.get(status)
		wzExpect(t, p, http.StatusOK, "")
		if p.Doc.Find("[data-testid=apply-running]").Length() == 0 {
			return p
		}
		if p.Doc.Find("[data-testid=apply-refresh]").Length() != 1 {
			t.Fatal("a running apply has no Refresh link")
		}
		if time.Now().After(deadline) {
			t.Fatalf("the apply did not finish:\n%s", p.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// importFile posts a multi-service file and opens its whole-file Review.
func importFile(t *testing.T, h *harness, text string, scripts ...wzFile) *page {
	t.Helper()
	imp := h.get("/services/import")
	files := append([]wzFile{{"fdl_file", "workflow.yaml", text}}, scripts...)
	p := h.wzSubmit(imp, "[data-testid=import-form]", nil, "", files...)
	wzExpect(t, p, http.StatusOK, "")
	link, ok := p.Doc.Find("[data-testid=review-file]").Attr("href")
	if !ok {
		t.Fatalf("no link to the whole-file review:\n%s", p.Body)
	}
	rv := h.get(link)
	wzExpect(t, rv, http.StatusOK, "")
	return rv
}

// TestApplyWorkflowWhole: OSCAR's mask-detector workflow, both services reading from one bucket,
// is applied whole against the fake OSCAR (which refuses a create on an existing bucket).
func TestApplyWorkflowWhole(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	rv := importFile(t, h, wzExamples(t)["mask-detector-workflow.yaml"],
		wzFile{"scripts", "blurry-faces.sh", "echo blur\n"}, wzFile{"scripts", "mask-detector.sh", "echo mask\n"})
	steps := rv.Doc.Find("[data-testid=file-steps] > li")
	if steps.Length() != 2 || !strings.Contains(steps.Eq(0).Text(), "anon-and-split") || !strings.Contains(steps.Eq(1).Text(), "mask-detector") {
		t.Fatalf("steps: %s", steps.Text())
	}
	if a := strings.TrimSpace(steps.Eq(1).Find("[data-testid=action]").Text()); a != "Create" {
		t.Errorf("action = %q", a)
	}
	if !strings.Contains(steps.Eq(1).Text(), "created by anon-and-split") {
		t.Errorf("the second service's note is missing: %s", steps.Eq(1).Text())
	}
	if c := rv.Doc.Find("[data-testid=file-chains]").Text(); !strings.Contains(c, "mask-detector/intermediate: written by anon-and-split, read by mask-detector") {
		t.Errorf("chains = %q", c)
	}
	if c := rv.Doc.Find("[data-testid=file-clusters]").Text(); !strings.Contains(c, "my_oscar") {
		t.Errorf("clusters = %q", c)
	}
	ap := h.wzSubmit(rv, "form[action='/services/import/apply']", nil, "")
	if ap.StatusCode != http.StatusSeeOther || !strings.HasPrefix(ap.location(), "/services/import/apply/") {
		t.Fatalf("apply: %d %s\n%s", ap.StatusCode, ap.location(), ap.Body)
	}
	st := applyWait(t, h, ap.location())
	for _, name := range []string{"anon-and-split", "mask-detector"} {
		li := st.Doc.Find("[data-testid=apply-step-" + name + "]")
		if s, _ := li.Attr("data-state"); s != "done" {
			t.Errorf("%s: state %q (%s)", name, s, li.Text())
		}
		if href, _ := li.Find("a").Attr("href"); href != "/services/"+name {
			t.Errorf("%s: link %q", name, href)
		}
		var stored oscar.Service
		if err := json.Unmarshal(fake.StoredService(name), &stored); err != nil {
			t.Fatalf("%s not on OSCAR: %v", name, err)
		}
		if len(stored.Input) != 1 || len(stored.Output) != 1 {
			t.Errorf("%s stored with input %v output %v, want its whole definition", name, stored.Input, stored.Output)
		}
	}
	if h.get("/services/import/apply").StatusCode != http.StatusBadRequest {
		t.Error("the applied file is still pending")
	}
}

// TestApplyStopsAtTheFailure: the fake fails the second of three creates; the apply stops there,
// says which service and why, and lists the first one as applied with its link.
func TestApplyStopsAtTheFailure(t *testing.T) {
	var creates int
	h, fake := wzSetup(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/system/services" {
			return false
		}
		creates++
		if creates == 2 {
			http.Error(w, "error registering the service's webhook: MinIO is down", http.StatusInternalServerError)
			return true
		}
		return false
	}})
	file := "functions:\n  oscar:\n  - c: {name: one, image: img, script: echo 1}\n  - c: {name: two, image: img, script: echo 2}\n  - c: {name: three, image: img, script: echo 3}\n"
	rv := importFile(t, h, file)
	ap := h.wzSubmit(rv, "form[action='/services/import/apply']", nil, "")
	wzExpect(t, ap, http.StatusSeeOther, "")
	st := applyWait(t, h, ap.location())
	if title := st.Doc.Find("h1").Text(); !strings.Contains(title, "two failed") {
		t.Errorf("title = %q", title)
	}
	for name, want := range map[string]string{"one": "done", "two": "failed", "three": "pending"} {
		if s, _ := st.Doc.Find("[data-testid=apply-step-" + name + "]").Attr("data-state"); s != want {
			t.Errorf("%s: %q, want %q", name, s, want)
		}
	}
	if msg := st.Doc.Find("[data-testid=apply-error]").Text(); !strings.Contains(msg, "MinIO may be down") {
		t.Errorf("the failure does not say why: %q", msg)
	}
	if href, _ := st.Doc.Find("[data-testid=apply-step-one] a").Attr("href"); href != "/services/one" {
		t.Errorf("link to the applied service = %q", href)
	}
	if fake.StoredService("one") == nil || fake.StoredService("three") != nil {
		t.Error("wrong services on OSCAR")
	}
	// Someone else cannot see the apply.
	other, _ := wzSetup(t, oscartest.Options{})
	if p := other.get(ap.location()); p.StatusCode != http.StatusNotFound {
		t.Errorf("another session sees the apply: %d", p.StatusCode)
	}
}

// TestApplyUpdatesAndSkipsUnchanged: a second apply of the same file changes nothing; an edited
// file updates the service, keeping its token.
func TestApplyUpdatesAndSkipsUnchanged(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	file := "functions:\n  oscar:\n  - c: {name: one, image: img, script: echo 1}\n  - c: {name: two, image: img, script: echo 2}\n"
	rv := importFile(t, h, file)
	applyWait(t, h, h.wzSubmit(rv, "form[action='/services/import/apply']", nil, "").location())
	token := fake.ServiceToken("one")
	rv = importFile(t, h, strings.Replace(file, "echo 1", "echo 1b", 1))
	if a := strings.TrimSpace(rv.Doc.Find("[data-testid=file-step-one] [data-testid=action]").Text()); a != "Update" {
		t.Errorf("one: %q", a)
	}
	if a := strings.TrimSpace(rv.Doc.Find("[data-testid=file-step-two] [data-testid=action]").Text()); !strings.HasPrefix(a, "Unchanged") {
		t.Errorf("two: %q", a)
	}
	if d := rv.Doc.Find("[data-testid=file-step-one] [data-testid=diff]").Text(); !strings.Contains(d, "echo 1b") {
		t.Errorf("diff = %q", d)
	}
	st := applyWait(t, h, h.wzSubmit(rv, "form[action='/services/import/apply']", nil, "").location())
	if s, _ := st.Doc.Find("[data-testid=apply-step-two]").Attr("data-state"); s != "skipped" {
		t.Errorf("two: %q", s)
	}
	var stored oscar.Service
	_ = json.Unmarshal(fake.StoredService("one"), &stored)
	if stored.Script != "echo 1b" || stored.Token != token || stored.Owner != "cluster_admin" {
		t.Errorf("one = script %q token kept %v owner %q", stored.Script, stored.Token == token, stored.Owner)
	}
}

// TestApplyRefreshesATokenThatWouldExpireDuringTheRun: an apply runs after its request has ended,
// where no request refreshes the token; an OIDC session whose token has less than the run's bound
// left gets a fresh one before the run starts, and the run uses it.
func TestApplyRefreshesATokenThatWouldExpireDuringTheRun(t *testing.T) {
	e := newOIDCEnv(t, envOptions{})
	e.mustLogin("/services", "/services")
	before := e.sessionData()
	before.Expiry = time.Now().Add(5 * time.Minute) // enough for requireLogin, not for a long run
	e.signIn(before)
	rv := importFile(t, e.harness, "functions:\n  oscar:\n  - c: {name: one, image: img, script: echo 1}\n  - c: {name: two, image: img, script: echo 2}\n")
	ap := e.wzSubmit(rv, "form[action='/services/import/apply']", nil, "")
	if ap.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d\n%s", ap.StatusCode, ap.Body)
	}
	if got := e.op.Counts().RefreshCalls; got != 1 {
		t.Errorf("refresh calls before the run: %d, want 1", got)
	}
	after := e.sessionData()
	if after.AccessToken == before.AccessToken {
		t.Error("the session still holds the token that would expire during the run")
	}
	st := applyWait(t, e.harness, ap.location())
	for _, name := range []string{"one", "two"} {
		if s, _ := st.Doc.Find("[data-testid=apply-step-" + name + "]").Attr("data-state"); s != "done" {
			t.Errorf("%s: state %q", name, s)
		}
	}
}
