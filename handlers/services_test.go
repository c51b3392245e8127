package handlers

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// opEnv is a harness signed in to a fake OSCAR.
type opEnv struct {
	*harness
	fake *oscartest.Server
	ep   string
}

// newOpEnv starts a fake OSCAR with o and signs the harness's browser in with OSCAR's basic
// account (the cluster admin).
func newOpEnv(t *testing.T, o oscartest.Options, edit func(*Deps)) *opEnv {
	t.Helper()
	fake := oscartest.NewT(t, o)
	h := newHarness(t, edit)
	ep, err := oscar.ParseEndpoint(fake.URL(), h.pages.cfg.Policy)
	if err != nil {
		t.Fatal(err)
	}
	h.signInBasic(string(ep), oscartest.DefaultBasicUser, oscartest.DefaultBasicPassword)
	return &opEnv{harness: h, fake: fake, ep: string(ep)}
}

// signInOIDC signs the browser in as an EGI Check-in user with token tok.
func (e *opEnv) signInOIDC(sub, tok string) {
	e.signIn(session.Data{Kind: session.KindOIDC, Subject: sub, Name: "Alice", AccessToken: tok, Endpoint: e.ep, RecentEndpoints: []string{e.ep}})
}

// oidcTokens accepts "tok-<user>" as the bearer token of "<user>@egi.eu" in vo.example.eu.
func oidcTokens(tok string) (string, []string, bool) {
	u, ok := strings.CutPrefix(tok, "tok-")
	if !ok {
		return "", nil, false
	}
	return u + "@egi.eu", []string{"vo.example.eu"}, true
}

// requests returns the fake's recorded requests with this method and path.
func (e *opEnv) requests(method, path string) []oscartest.Recorded {
	var out []oscartest.Recorded
	for _, r := range e.fake.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// putService seeds a service, failing the test on error.
func (e *opEnv) putService(def string) {
	e.t.Helper()
	if err := e.fake.PutService(def); err != nil {
		e.t.Fatal(err)
	}
}

func svcJSON(name, image, cpu, memory, visibility, owner string) string {
	return fmt.Sprintf(`{"name":%q,"image":%q,"script":"echo","cpu":%q,"memory":%q,"visibility":%q,"owner":%q}`,
		name, image, cpu, memory, visibility, owner)
}

// rowNames lists the names in the services table, in order.
func rowNames(p *page, sel string) []string {
	var out []string
	p.Doc.Find(sel).Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

func TestServicesListColumnsOneCall(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(svcJSON("grey", "ghcr.io/grycap/imagemagick", "0.5", "512Mi", "public", "cluster_admin"))
	e.putService(svcJSON("cowsay", "ghcr.io/grycap/cowsay", "1", "1Gi", "private", "someone@egi.eu"))
	e.fake.ResetRequests()

	p := e.get("/services")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200\n%s", p.StatusCode, p.Body)
	}
	if got, want := rowNames(p, "[data-testid=service-name]"), []string{"cowsay", "grey"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("rows = %v, want %v", got, want)
	}
	row := p.Doc.Find("[data-testid=service-row]").Last()
	for _, want := range []string{"ghcr.io/grycap/imagemagick", "0.5", "512Mi", "public", "cluster_admin", "you"} {
		if !strings.Contains(row.Text(), want) {
			t.Errorf("grey's row %q lacks %q", strings.Join(strings.Fields(row.Text()), " "), want)
		}
	}
	if row.Find(".badge").Last().Text() == "" {
		t.Error("no deployment state badge")
	}
	reqs := e.requests(http.MethodGet, "/system/services")
	if len(reqs) != 1 {
		t.Fatalf("GET /system/services calls = %d, want 1 per page view", len(reqs))
	}
	if reqs[0].Query != "include=deployment" {
		t.Errorf("query = %q, want include=deployment", reqs[0].Query)
	}
	for _, r := range e.fake.Requests() {
		if strings.HasPrefix(r.Path, "/system/services/") {
			t.Errorf("a per-row request was made: %s %s", r.Method, r.Path)
		}
	}
}

func TestServicesListFilterSortPages(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	for i := range 60 {
		owner := "cluster_admin"
		if i%2 == 1 {
			owner = "bob@egi.eu"
		}
		e.putService(svcJSON(fmt.Sprintf("svc-%02d", i), "img", "0.1", fmt.Sprintf("%dMi", 100+i), "private", owner))
	}
	e.putService(svcJSON("zeta", "special/image", "2", "64Mi", "public", "bob@egi.eu"))

	tests := []struct {
		name      string
		path      string
		wantRows  int
		wantFirst string
		wantNext  bool
		wantPrev  bool
	}{
		{"first page", "/services", 25, "svc-00", true, false},
		{"third page", "/services?page=3", 11, "svc-50", false, true},
		{"page beyond the end shows the last", "/services?page=99", 11, "svc-50", false, true},
		{"text filter", "/services?q=SPECIAL", 1, "zeta", false, false},
		{"mine", "/services?mine=1", 25, "svc-00", true, false},
		{"mine page 2", "/services?mine=1&page=2", 5, "svc-50", false, true},
		{"sort by memory descending", "/services?sort=memory&dir=desc", 25, "svc-59", true, false},
		{"sort by cpu descending", "/services?sort=cpu&dir=desc", 25, "zeta", true, false},
		{"unknown sort is by name", "/services?sort=evil&dir=sideways", 25, "svc-00", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.get(tt.path)
			names := rowNames(p, "[data-testid=service-name]")
			if len(names) != tt.wantRows {
				t.Fatalf("rows = %d, want %d", len(names), tt.wantRows)
			}
			if names[0] != tt.wantFirst {
				t.Errorf("first row = %q, want %q", names[0], tt.wantFirst)
			}
			if got := p.Doc.Find("[data-testid=next]").Length() > 0; got != tt.wantNext {
				t.Errorf("next link = %v, want %v", got, tt.wantNext)
			}
			if got := p.Doc.Find("[data-testid=prev]").Length() > 0; got != tt.wantPrev {
				t.Errorf("prev link = %v, want %v", got, tt.wantPrev)
			}
		})
	}

	t.Run("next link keeps the filter and sort", func(t *testing.T) {
		p := e.get("/services?mine=1&sort=memory&dir=desc")
		next, _ := p.Doc.Find("[data-testid=next]").Attr("href")
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if q.Get("mine") != "1" || q.Get("sort") != "memory" || q.Get("dir") != "desc" || q.Get("page") != "2" {
			t.Errorf("next = %q, want mine, sort, dir kept and page=2", next)
		}
		p2 := e.get(next)
		for _, n := range rowNames(p2, "[data-testid=service-name]") {
			if n == "zeta" {
				t.Errorf("page 2 of mine shows bob's service zeta")
			}
		}
	})

	t.Run("header link flips the direction", func(t *testing.T) {
		p := e.get("/services")
		th := p.Doc.Find("th[aria-sort=ascending]")
		if th.Length() != 1 || !strings.Contains(th.Text(), "Name") {
			t.Fatalf("aria-sort ascending on %q, want Name", th.Text())
		}
		href, _ := th.Find("a").Attr("href")
		if !strings.Contains(href, "dir=desc") {
			t.Errorf("name header links to %q, want dir=desc", href)
		}
	})
}

func TestServicesListMineForOIDCUser(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}}, nil)
	e.putService(svcJSON("alices", "img", "1", "1Gi", "public", "alice@egi.eu"))
	e.putService(svcJSON("bobs", "img", "1", "1Gi", "public", "bob@egi.eu"))
	e.signInOIDC("alice@egi.eu", "tok-alice")
	p := e.get("/services?mine=1")
	if got := rowNames(p, "[data-testid=service-name]"); len(got) != 1 || got[0] != "alices" {
		t.Errorf("mine = %v, want [alices]", got)
	}
	if reqs := e.requests(http.MethodGet, "/system/services"); len(reqs) != 1 || reqs[0].Token != "tok-alice" {
		t.Errorf("services requests = %+v, want one with alice's token", reqs)
	}
}

func TestServicesEmptyState(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	p := e.get("/services")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", p.StatusCode)
	}
	empty := p.Doc.Find("[data-testid=empty]")
	if empty.Length() != 1 {
		t.Fatal("no empty state")
	}
	for _, href := range []string{"/services/new/general", "/services/import"} {
		if empty.Find(fmt.Sprintf("a[href=%q]", href)).Length() != 1 {
			t.Errorf("empty state does not link to %s", href)
		}
	}
}

func TestServicesNamesAreEscaped(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	evil := `<script>alert(1)</script>`
	e.putService(svcJSON(evil, `"><img src=x onerror=alert(2)>`, "1", "1Gi", "private", "cluster_admin"))
	p := e.get("/services")
	if strings.Contains(p.Body, "<script>alert(1)") || strings.Contains(p.Body, "<img src=x") {
		t.Fatalf("raw markup from OSCAR in the page:\n%s", p.Body)
	}
	if got := p.text("[data-testid=service-name]"); got != evil {
		t.Errorf("name shown = %q, want %q as text", got, evil)
	}
}

func TestServicesErrors(t *testing.T) {
	tests := []struct {
		name       string
		opts       oscartest.Options
		user, pass string
		closed     bool
		wantStatus int
		wantTitle  string
		wantRetry  bool
	}{
		{name: "OSCAR down", closed: true, wantStatus: http.StatusBadGateway, wantTitle: "OSCAR did not answer properly", wantRetry: true},
		{name: "OSCAR fails", opts: oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}}, wantStatus: http.StatusBadGateway, wantTitle: "OSCAR did not answer properly", wantRetry: true},
		{name: "credentials refused", user: "oscar", pass: "wrong", wantStatus: http.StatusForbidden, wantTitle: "OSCAR did not accept your credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newOpEnv(t, tt.opts, nil)
			if tt.user != "" {
				e.signInBasic(e.ep, tt.user, tt.pass)
			}
			if tt.closed {
				e.fake.Close()
			}
			p := e.get("/services")
			if p.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d\n%s", p.StatusCode, tt.wantStatus, p.Body)
			}
			if got := p.text("#error-title"); got != tt.wantTitle {
				t.Errorf("title = %q, want %q", got, tt.wantTitle)
			}
			host := strings.TrimPrefix(e.ep, "http://")
			if !strings.Contains(p.text("[data-testid=error]"), host) {
				t.Errorf("the error page does not name the endpoint %s: %q", host, p.text("[data-testid=error]"))
			}
			retry, ok := p.Doc.Find("[data-testid=retry]").Attr("href")
			if ok != tt.wantRetry || (ok && retry != "/services") {
				t.Errorf("retry link = %q (%v), want present=%v to /services", retry, ok, tt.wantRetry)
			}
			if strings.Contains(e.logs.String(), "oscar123") || strings.Contains(p.Body, "oscar123") {
				t.Error("the password leaked into the logs or the page")
			}
		})
	}
}

// detailService is a service with every kind of secret OSCAR returns in clear.
const detailService = `{"name":"grey","image":"ghcr.io/grycap/imagemagick","script":"#!/bin/sh\necho hi","cpu":"0.5","memory":"512Mi",
"visibility":"restricted","allowed_users":["bob@egi.eu"],"owner":"cluster_admin","token":"svc-token-0123456789abcdef",
"input":[{"storage_provider":"minio.default","path":"grey/in","suffix":["jpg"]}],
"output":[{"storage_provider":"minio.default","path":"out"},{"storage_provider":"onedata.hub","path":"space/res"}],
"storage_providers":{"minio":{"default":{"endpoint":"https://minio.example.org","verify":true,"access_key":"hidden","secret_key":"hidden","region":"us-east-1"}},
 "onedata":{"hub":{"oneprovider_host":"op.example.org","token":"ONEDATA-SECRET-TOKEN","space":"space"}},
 "webdav":{"dc":{"hostname":"dcache.example.org","login":"WEBDAV-LOGIN","password":"WEBDAV-SECRET-PASSWORD"}}},
"clusters":{"other":{"endpoint":"https://other.example.org","auth_user":"oscar","auth_password":"FED-SECRET-PASSWORD","ssl_verify":true}},
"environment":{"variables":{"OUTPUT_FORMAT":"png"},"secrets":{"API_KEY":"LEAKED-SECRET-VALUE"}}}`

func TestServicePageSections(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(detailService)
	e.fake.SetJobs("grey",
		oscartest.Job{Name: "grey-1", Status: "Succeeded"}, oscartest.Job{Name: "grey-2", Status: "Succeeded"},
		oscartest.Job{Name: "grey-3", Status: "Failed"}, oscartest.Job{Name: "grey-4", Status: "Running"})
	e.fake.ResetRequests()

	p := e.get("/services/grey")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	for _, secret := range []string{"ONEDATA-SECRET-TOKEN", "WEBDAV-SECRET-PASSWORD", "WEBDAV-LOGIN", "FED-SECRET-PASSWORD", "LEAKED-SECRET-VALUE"} {
		if strings.Contains(p.Body, secret) {
			t.Errorf("the page shows the secret %q", secret)
		}
	}
	if got := p.Doc.Find("[data-testid=providers] [data-testid=masked]").Length(); got < 5 {
		t.Errorf("masked provider credentials = %d, want at least 5", got)
	}
	env := p.text("[data-testid=environment]")
	if !strings.Contains(env, "OUTPUT_FORMAT") || !strings.Contains(env, "png") || !strings.Contains(env, "API_KEY") {
		t.Errorf("environment section = %q, want the variable with its value and the secret's name", env)
	}
	if got := p.Doc.Find("[data-testid=inputs] tbody tr").Length(); got != 1 {
		t.Errorf("inputs = %d, want 1", got)
	}
	if got := p.Doc.Find("[data-testid=outputs] tbody tr").Length(); got != 2 {
		t.Errorf("outputs = %d, want 2", got)
	}

	tok := p.Doc.Find("#svc-token")
	if typ, _ := tok.Attr("type"); typ != "password" {
		t.Errorf("token input type = %q, want password (masked)", typ)
	}
	if v, _ := tok.Attr("value"); v != "svc-token-0123456789abcdef" {
		t.Errorf("token value = %q", v)
	}
	for _, sel := range []string{"[data-copy='#svc-token']", "[data-reveal='#svc-token']"} {
		if p.Doc.Find(sel).Length() != 1 {
			t.Errorf("no %s button", sel)
		}
	}
	curl := p.text("[data-testid=curl-job]")
	if !strings.Contains(curl, "$OSCAR_SERVICE_TOKEN") || strings.Contains(curl, "svc-token-0123456789abcdef") {
		t.Errorf("curl snippet = %q, want $OSCAR_SERVICE_TOKEN and not the token", curl)
	}
	if got, want := p.text("[data-testid=job-url]"), e.ep+"/job/grey"; got != want {
		t.Errorf("job URL = %q, want %q", got, want)
	}
	if p.Doc.Find("[data-testid=run-url]").Length() != 0 || p.Doc.Find("[data-testid=no-run]").Length() != 1 {
		t.Error("a cluster without a serverless backend should not offer /run")
	}
	links := map[string]string{"edit": "/services/grey/edit/general", "export": "/services/grey/export", "jobs": "/services/grey/jobs",
		"invoke": "/services/grey/invoke", "delete": "/services/grey/delete"}
	for id, want := range links {
		if got, _ := p.Doc.Find("[data-testid=" + id + "]").Attr("href"); got != want {
			t.Errorf("%s link = %q, want %q", id, got, want)
		}
	}

	counts := map[string]string{"succeeded": "2", "failed": "1", "running": "1", "pending": "0"}
	for id, want := range counts {
		if got := p.text("[data-testid=summary] [data-testid=" + id + "]"); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if got := p.Doc.Find("[data-testid=summary] svg [data-testid=bar-segment]").Length(); got != 3 {
		t.Errorf("bar segments = %d, want 3 (succeeded, failed, running)", got)
	}
	if p.Doc.Find("[style]").Length() != 0 {
		t.Error("inline style attributes break the CSP")
	}
	if n := len(e.requests(http.MethodGet, "/system/logs/grey")); n != 1 {
		t.Errorf("job list calls = %d, want 1 for the summary", n)
	}

	t.Run("show the token without JavaScript", func(t *testing.T) {
		p := e.get("/services/grey?show=token")
		if typ, _ := p.Doc.Find("#svc-token").Attr("type"); typ != "text" {
			t.Errorf("type = %q, want text", typ)
		}
	})
}

func TestServicePageRunWhenServerless(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{ServerlessBackend: true}, nil)
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	p := e.get("/services/grey")
	if got, want := p.text("[data-testid=run-url]"), e.ep+"/run/grey"; got != want {
		t.Errorf("run URL = %q, want %q", got, want)
	}
	if curl := p.text("[data-testid=curl-run]"); !strings.Contains(curl, "$OSCAR_SERVICE_TOKEN") {
		t.Errorf("run snippet = %q", curl)
	}
}

func TestServicePageNotFound(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	p := e.get("/services/nope")
	if p.StatusCode != http.StatusNotFound {
		t.Fatalf("status = %d, want 404", p.StatusCode)
	}
	if got := p.text("#error-title"); got != "Not found on OSCAR" {
		t.Errorf("title = %q", got)
	}
}

func TestServiceDelete(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(detailService)

	p := e.get("/services/grey/delete")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("confirm status = %d", p.StatusCode)
	}
	if !strings.Contains(p.text("[data-testid=confirm]"), "every file in them") {
		t.Error("the confirmation does not warn that the buckets' files go too")
	}
	var buckets []string
	p.Doc.Find("[data-testid=bucket]").Each(func(_ int, s *goquery.Selection) { buckets = append(buckets, s.Text()) })
	if strings.Join(buckets, ",") != "grey" {
		t.Errorf("buckets listed = %v, want [grey] (grey/in and grey/out)", buckets)
	}
	if len(e.requests(http.MethodDelete, "/system/services/grey")) != 0 {
		t.Fatal("the confirmation page deleted the service")
	}
	if action, _ := p.Doc.Find("form[method=post]").Last().Attr("action"); action != "/services/grey/delete" {
		t.Errorf("form action = %q", action)
	}

	p = e.post("/services/grey/delete", url.Values{"confirm": {"1"}})
	if p.StatusCode != http.StatusSeeOther || p.location() != "/services" {
		t.Fatalf("post = %d → %q, want 303 → /services", p.StatusCode, p.location())
	}
	if names := e.fake.ServiceNames(); len(names) != 0 {
		t.Errorf("services left = %v", names)
	}
	if got := e.get("/services").text("[data-testid=flash]"); !strings.Contains(got, "grey deleted") {
		t.Errorf("flash = %q", got)
	}
}

func TestServicesBulkDelete(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	for _, n := range []string{"a1", "b2", "c3"} {
		e.putService(svcJSON(n, "img", "1", "1Gi", "private", "cluster_admin"))
	}
	list := e.get("/services")
	if action, _ := list.Doc.Find("form[data-testid=bulk]").Attr("action"); action != "/services/delete" {
		t.Fatalf("bulk form action = %q", action)
	}
	if list.Doc.Find("form[data-testid=bulk] input[type=checkbox][name=name]").Length() != 3 {
		t.Fatal("no checkbox per service")
	}

	p := e.post("/services/delete", url.Values{"name": {"a1", "c3", "gone"}})
	if p.StatusCode != http.StatusOK {
		t.Fatalf("confirm status = %d\n%s", p.StatusCode, p.Body)
	}
	items := p.text("[data-testid=delete-list]")
	for _, n := range []string{"a1", "c3", "gone"} {
		if !strings.Contains(items, n) {
			t.Errorf("confirmation does not list %s: %q", n, items)
		}
	}
	if len(e.fake.ServiceNames()) != 3 {
		t.Fatal("the confirmation page deleted something")
	}
	var hidden []string
	for _, n := range p.Doc.Find("form input[type=hidden][name=name]").Nodes {
		for _, a := range n.Attr {
			if a.Key == "value" {
				hidden = append(hidden, a.Val)
			}
		}
	}
	form := url.Values{"name": hidden, "confirm": {"1"}}
	p = e.post("/services/delete", form)
	if p.StatusCode != http.StatusSeeOther || p.location() != "/services" {
		t.Fatalf("delete = %d → %q", p.StatusCode, p.location())
	}
	if got := strings.Join(e.fake.ServiceNames(), ","); got != "b2" {
		t.Errorf("services left = %q, want b2", got)
	}
	flash := e.get("/services").Doc.Find("[data-testid=flash]").Text()
	if !strings.Contains(flash, "Deleted a1, c3") || !strings.Contains(flash, "Not deleted: gone") {
		t.Errorf("flash = %q", flash)
	}

	t.Run("nothing selected", func(t *testing.T) {
		p := e.post("/services/delete", url.Values{"confirm": {"1"}})
		if p.StatusCode != http.StatusSeeOther || p.location() != "/services" {
			t.Errorf("= %d → %q, want 303 back to the list", p.StatusCode, p.location())
		}
	})
}

func TestServiceDeleteRequiresPost(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(svcJSON("keep", "img", "1", "1Gi", "private", "cluster_admin"))
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/services/keep/delete", strings.NewReader("confirm=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	p := e.do(req)
	if p.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post = %d, want 403", p.StatusCode)
	}
	if len(e.fake.ServiceNames()) != 1 {
		t.Error("a cross-site post deleted the service")
	}
}

// BenchmarkServicesPage builds and renders the services list for 10, 100 and 1000 services (the
// work of one page view after OSCAR answered).
func BenchmarkServicesPage(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			all := make([]oscar.ServiceSummary, n)
			for i := range all {
				all[i] = oscar.SummaryOf(&oscar.Service{Name: fmt.Sprintf("service-%04d", n-i), Image: "ghcr.io/grycap/imagemagick:" + fmt.Sprint(i%7),
					CPU: fmt.Sprintf("%d.%d", i%4, i%10), Memory: fmt.Sprintf("%dMi", 128+i%512), Visibility: "private",
					Owner: "cluster_admin", Deployment: &oscar.DeploymentSummary{State: "ready"}})
			}
			me := &session.Data{Kind: session.KindBasic, BasicUser: "oscar"}
			l := templates.Layout{Title: "Services", Nav: "services", SignedIn: true}
			q := serviceQuery{sort: "memory", dir: "desc", page: 2, q: "service"}
			b.ReportAllocs()
			for b.Loop() {
				props := buildServicesList(all, q, me)
				if err := templates.ServicesPage(l, props).Render(b.Context(), io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSortServicesByQuantity: CPU and memory sort by value whatever the unit, unknown values last in
// either direction, equal values by name.
func TestSortServicesByQuantity(t *testing.T) {
	mk := func(name, cpu, mem string) *oscar.ServiceSummary {
		s := oscar.SummaryOf(&oscar.Service{Name: name, CPU: cpu, Memory: mem})
		return &s
	}
	rows := []*oscar.ServiceSummary{
		mk("a", "1", "1G"), mk("b", "500m", "1Gi"), mk("c", "bogus", "1000Mi"),
		mk("d", "1.5", ""), mk("e", "1000m", "512Mi"), mk("f", "", "lots"),
	}
	names := func() string {
		var n []string
		for _, r := range rows {
			n = append(n, r.Name)
		}
		return strings.Join(n, ",")
	}
	for _, tc := range []struct {
		key  string
		desc bool
		want string
	}{
		{"memory", true, "b,c,a,e,d,f"},
		{"memory", false, "e,a,c,b,d,f"},
		{"cpu", false, "b,a,e,d,c,f"},
		{"cpu", true, "d,a,e,b,c,f"},
	} {
		sortServices(rows, tc.key, tc.desc)
		if got := names(); got != tc.want {
			t.Errorf("sort by %s (desc %t): %s, want %s", tc.key, tc.desc, got, tc.want)
		}
	}
}
