package handlers

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/hub"
	"github.com/oscarconsole/oscar-console/web/hub/hubtest"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/remote"
	"github.com/oscarconsole/oscar-console/web/remote/remotetest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// hubEnv is a signed-in console whose Hub reads the test crates from a fake GitHub (remotetest)
// and, when asked, from a file: directory too, on a clock the test moves.
type hubEnv struct {
	*opEnv
	gh    *remotetest.Server
	clock atomic.Int64 // seconds added to start
	start time.Time
}

const hubRepo = "grycap/oscar-hub@main"

func newHubEnv(t *testing.T, extra ...string) *hubEnv {
	t.Helper()
	return newHubEnvWith(t, oscartest.Options{}, extra...)
}

func newHubEnvWith(t *testing.T, o oscartest.Options, extra ...string) *hubEnv {
	t.Helper()
	e := &hubEnv{gh: remotetest.New(t, map[string]map[string]string{hubRepo: hubtest.Files()}), start: time.Now()}
	now := func() time.Time { return e.start.Add(time.Duration(e.clock.Load()) * time.Second) }
	srcs := []remote.Source{{Kind: remote.GitHub, Owner: "grycap", Repo: "oscar-hub", Ref: "main"}}
	for _, s := range extra {
		src, err := remote.ParseSource(s, true)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, src)
	}
	e.opEnv = newOpEnv(t, o, func(d *Deps) {
		d.HubSources = srcs
		d.Now = now
		d.Remote = remote.New(remote.Options{Policy: oscar.Policy{AllowPrivate: true, AllowHTTP: true},
			GitHubAPI: e.gh.API(), GitHubRaw: e.gh.Raw(), Now: now, TTL: time.Minute})
	})
	return e
}

func (e *hubEnv) advance(d time.Duration) { e.clock.Add(int64(d / time.Second)) }

const greeterURL = "/hub/grycap-oscar-hub/greeter"

func cardNames(p *page) []string {
	var out []string
	p.Doc.Find("[data-testid=crate-link]").Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

func TestHubListsCratesOfEverySourceWithSearchAndType(t *testing.T) {
	local := hubtest.WriteDir(t, map[string]string{
		"crates/greeter/ro-crate-metadata.json": hubtest.Files()["crates/greeter/ro-crate-metadata.json"],
		"crates/greeter/fdl.yml":                hubtest.GreeterFDL,
		"crates/greeter/script.sh":              "#!/bin/sh\n",
	})
	e := newHubEnv(t, "file:"+local)
	p := e.get("/hub")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", p.StatusCode, p.Body)
	}
	got := strings.Join(cardNames(p), "|")
	want := "Greeter (grycap/oscar-hub)|Hostile <b>crate</b>|Tagger|Vector|Greeter (" + local[strings.LastIndex(local, "/")+1:] + ")"
	if got != want {
		t.Errorf("cards = %q, want %q", got, want)
	}
	first := p.Doc.Find("[data-testid=crate-card]").First()
	if src, _ := first.Find("img").Attr("src"); src != greeterURL+"/icon" {
		t.Errorf("icon src %q: the browser must get icons from the console", src)
	}
	if typ := strings.TrimSpace(first.Find("[data-testid=crate-type]").Text()); typ != "synchronous" {
		t.Errorf("type %q", typ)
	}
	for _, want := range []string{"1 vCPU", "256 MiB", "version 1.2.0", "Greets whoever sends a line of text."} {
		if !strings.Contains(first.Text(), want) {
			t.Errorf("the greeter card lacks %q: %s", want, first.Text())
		}
	}
	if n := p.Doc.Find(`[data-testid=crate-card] img[src="/hub/grycap-oscar-hub/vector/icon"]`).Length(); n != 0 {
		t.Error("the card of a crate with an SVG icon links it")
	}
	if strings.Contains(p.Body, "<b>crate</b>") {
		t.Error("a crate's name was not escaped")
	}
	if p.Doc.Find(`nav a[href="/hub"][aria-current=page]`).Length() != 1 {
		t.Error("the header does not link the Hub as the current page")
	}
	for _, tc := range []struct{ q, want string }{
		{"?q=API+key", "Tagger"},
		{"?type=exposed", "Hostile <b>crate</b>"},
		{"?q=greets&type=asynchronous", ""},
		{"?type=bogus&q=vector", "Vector"},
	} {
		p := e.get("/hub" + tc.q)
		if got := strings.Join(cardNames(p), "|"); got != tc.want {
			t.Errorf("%s: cards %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestHubOffAnswersNotFound(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	for _, path := range []string{"/hub", "/hub/validate", greeterURL, greeterURL + "/icon"} {
		if p := e.get(path); p.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, p.StatusCode)
		}
	}
	if p := e.get("/services"); p.Doc.Find(`nav a[href="/hub"]`).Length() != 0 {
		t.Error("the header links the Hub while it is off")
	}
}

func TestHubCacheRevalidatesAndShowsTheLastGoodCopy(t *testing.T) {
	e := newHubEnv(t, "github:nobody/missing@main")
	tree := "/api/repos/grycap/oscar-hub/git/trees/main"
	p := e.get("/hub")
	if n := len(cardNames(p)); n != 4 {
		t.Fatalf("%d cards, want 4\n%s", n, p.Body)
	}
	if got := p.text("[data-testid=source-problem]"); !strings.Contains(got, "nobody/missing could not be read") {
		t.Errorf("the source never reached is not named: %q", got)
	}
	e.get("/hub")
	if n := e.gh.Requests(tree); n != 1 {
		t.Errorf("tree fetched %d times within the TTL, want 1", n)
	}
	e.advance(2 * time.Minute)
	e.get("/hub")
	if n := e.gh.Requests(tree); n != 2 || e.gh.NotModified() == 0 {
		t.Errorf("after the TTL: %d tree requests, %d answered 304; want a revalidation", n, e.gh.NotModified())
	}
	if c := e.get(greeterURL); c.StatusCode != http.StatusOK {
		t.Fatalf("crate page: %d", c.StatusCode)
	}
	e.gh.SetDown(true)
	e.advance(10 * time.Minute)
	p = e.get("/hub")
	if n := len(cardNames(p)); n != 4 {
		t.Errorf("source down: %d cards, want the last good copy's 4", n)
	}
	if got := p.text("[data-testid=source-stale]"); !strings.Contains(got, "grycap/oscar-hub did not answer") || !strings.Contains(got, "10 minutes ago") {
		t.Errorf("stale notice %q", got)
	}
	c := e.get(greeterURL)
	if c.StatusCode != http.StatusOK || !strings.Contains(c.text("[data-testid=source-stale]"), "minutes ago") {
		t.Errorf("crate page with the source down: %d %q", c.StatusCode, c.text("[data-testid=source-stale]"))
	}
	// A crate whose files were never read has no copy to show: a page says so.
	if h := e.get("/hub/grycap-oscar-hub/hostile"); h.StatusCode != http.StatusBadGateway || !strings.Contains(h.Body, "grycap/oscar-hub could not be read") {
		t.Errorf("uncached crate with the source down: %d", h.StatusCode)
	}
	if p := e.get("/hub/grycap-oscar-hub/never-seen"); p.StatusCode != http.StatusNotFound {
		t.Errorf("unknown crate: %d", p.StatusCode)
	}
}

func TestCratePageRendersSafelyAndServesFilesThroughTheConsole(t *testing.T) {
	e := newHubEnv(t)
	p := e.get(greeterURL)
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", p.StatusCode, p.Body)
	}
	readme := p.Doc.Find("[data-testid=readme]")
	img, _ := readme.Find("img").Attr("src")
	if img != greeterURL+"/images/diagram.png" {
		t.Errorf("README image src %q", img)
	}
	if rel, _ := readme.Find(`a[href^="https://docs.oscar"]`).Attr("rel"); !strings.Contains(rel, "nofollow") || !strings.Contains(rel, "noopener") {
		t.Errorf("README link rel %q", rel)
	}
	if got := p.text("[data-testid=crate-fdl]"); !strings.Contains(got, "image: ghcr.io/example/greeter:1.0") {
		t.Errorf("FDL shown: %q", got)
	}
	details := p.text("[data-testid=crate-details]")
	for _, want := range []string{"MIT License", "Test Crate Team", "1.2.0", "synchronous"} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q: %s", want, details)
		}
	}
	p.Doc.Find("img").Each(func(_ int, s *goquery.Selection) {
		if src, _ := s.Attr("src"); !strings.HasPrefix(src, "/") {
			t.Errorf("an image the browser would fetch elsewhere: %q", src)
		}
	})

	icon := e.get(greeterURL + "/icon")
	if icon.StatusCode != http.StatusOK || icon.Header.Get("Content-Type") != "image/png" ||
		icon.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(icon.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("icon: %d %v", icon.StatusCode, icon.Header)
	}
	if d := e.get(img); d.StatusCode != http.StatusOK || d.Header.Get("Content-Type") != "image/png" {
		t.Errorf("README image: %d %s", d.StatusCode, d.Header.Get("Content-Type"))
	}
	sample := e.get(greeterURL + "/files/input.txt")
	if sample.StatusCode != http.StatusOK || sample.Body != hubtest.Sample ||
		!strings.HasPrefix(sample.Header.Get("Content-Disposition"), "attachment") || sample.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("sample download: %d %q %v", sample.StatusCode, sample.Body, sample.Header)
	}
	for _, path := range []string{
		"/hub/grycap-oscar-hub/hostile/icon",                 // 350 KiB: over the cap
		"/hub/grycap-oscar-hub/vector/icon",                  // SVG
		"/hub/grycap-oscar-hub/hostile/images/logo.svg",      // SVG in a README
		"/hub/grycap-oscar-hub/hostile/images/..%2F..%2Fetc", // traversal
		greeterURL + "/files/script.sh",                      // not a sample input
		greeterURL + "/images/input.txt",                     // not an image
		"/hub/other-source/greeter",
	} {
		if r := e.get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, r.StatusCode)
		}
	}

	h := e.get("/hub/grycap-oscar-hub/hostile")
	if h.StatusCode != http.StatusOK {
		t.Fatalf("hostile crate page: %d", h.StatusCode)
	}
	readmeHTML, _ := h.Doc.Find("[data-testid=readme]").Html()
	if !strings.Contains(readmeHTML, "Hostile") {
		t.Fatalf("the hostile README is not shown (it is outside hasPart): %q", readmeHTML)
	}
	for _, banned := range []string{"<script", "onerror", "onclick", "style=", "javascript:", "evil.example", "logo.svg"} {
		if strings.Contains(readmeHTML, banned) {
			t.Errorf("the hostile README kept %q", banned)
		}
	}
	if strings.Contains(h.Body, "<script>alert(1)</script>") {
		t.Error("the hostile script.sh was not escaped")
	}
}

// createFromWizard presses Create on the wizard's Review step.
func (e *hubEnv) createFromWizard(t *testing.T) *page {
	t.Helper()
	return e.post("/services/new/review", url.Values{"nav": {"create"}})
}

func TestDeployLoadsTheCrateIntoTheWizardWithAFreeName(t *testing.T) {
	e := newHubEnv(t)
	e.putService(`{"name":"greeter","image":"x","script":"echo","owner":"cluster_admin"}`)
	e.fake.AddBucket("greeter", "cluster_admin", "private") // the first deploy's bucket
	p := e.get(greeterURL)
	if got := p.text("[data-testid=deploy-name]"); got != "greeter-2" {
		t.Fatalf("proposed name %q, want greeter-2 (greeter is taken)", got)
	}
	d := e.post(greeterURL+"/deploy", url.Values{"name": {"greeter-2"}})
	if d.StatusCode != http.StatusSeeOther || d.location() != "/services/new/general" {
		t.Fatalf("deploy: %d %q\n%s", d.StatusCode, d.location(), d.Body)
	}
	g := e.get("/services/new/general")
	if v, _ := g.Doc.Find("#f-name").Attr("value"); v != "greeter-2" {
		t.Errorf("wizard name %q", v)
	}
	if !strings.Contains(g.Body, "Loaded Greeter from the OSCAR Hub") {
		t.Error("no flash says where the draft came from")
	}
	c := e.createFromWizard(t)
	if c.StatusCode != http.StatusSeeOther || c.location() != "/services/greeter-2" {
		t.Fatalf("create: %d %q\n%s", c.StatusCode, c.location(), c.Body)
	}
	if !slices.Contains(e.fake.BucketNames(), "greeter-2") {
		t.Error("the second deploy's buckets were not renamed after the service")
	}
	svc := e.get("/services/greeter-2")
	if svc.StatusCode != http.StatusOK || !strings.Contains(svc.Body, "ghcr.io/example/greeter:1.0") {
		t.Errorf("created service page: %d", svc.StatusCode)
	}
	if v := e.fake.Violations(); len(v) != 0 {
		t.Errorf("contract violations: %v", v)
	}
}

func TestDeployNowCreatesAndSamplesStartAJob(t *testing.T) {
	e := newHubEnv(t)
	d := e.post(greeterURL+"/deploy-now", url.Values{"name": {"greeter"}})
	want := greeterURL + "?deployed=greeter#samples-title"
	if d.StatusCode != http.StatusSeeOther || d.location() != want {
		t.Fatalf("deploy now: %d %q, want %q\n%s", d.StatusCode, d.location(), want, d.Body)
	}
	p := e.get(greeterURL + "?deployed=greeter")
	if !strings.Contains(p.Body, "Service greeter created.") {
		t.Error("no flash says the service was created")
	}
	if v, _ := p.Doc.Find("#f-service").Attr("value"); v != "greeter" {
		t.Errorf("sample form proposes %q", v)
	}
	again := e.post(greeterURL+"/deploy-now", url.Values{"name": {"greeter"}})
	if again.StatusCode == http.StatusSeeOther && strings.HasPrefix(again.location(), greeterURL) {
		t.Error("a second click created the service again")
	}

	u := e.post(greeterURL+"/samples", url.Values{"service": {"greeter"}})
	if u.StatusCode != http.StatusSeeOther || u.location() != "/services/greeter/jobs" {
		t.Fatalf("samples: %d %q\n%s", u.StatusCode, u.location(), u.Body)
	}
	if b, ok := e.fake.Object("greeter", "in/input.txt"); !ok || string(b) != hubtest.Sample {
		t.Errorf("sample in the input bucket: %q %v", b, ok)
	}
	if jobs := e.fake.Jobs("greeter"); len(jobs) != 1 {
		t.Errorf("%d jobs after the sample upload, want 1", len(jobs))
	}
	if v := e.fake.Violations(); len(v) != 0 {
		t.Errorf("contract violations: %v", v)
	}

	bad := e.post(greeterURL+"/samples", url.Values{"service": {"nope"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.text("#f-service-error"), "no service nope") {
		t.Errorf("unknown service: %d %q", bad.StatusCode, bad.text("#f-service-error"))
	}
	if v, _ := bad.Doc.Find("#f-service").Attr("value"); v != "nope" {
		t.Errorf("the typed name was not kept: %q", v)
	}
}

func TestDeployNowOfACrateWithParametersOpensTheWizard(t *testing.T) {
	e := newHubEnv(t)
	p := e.get("/hub/grycap-oscar-hub/tagger")
	if p.Doc.Find("[data-testid=deploy-now]").Length() != 0 {
		t.Error("Deploy now is offered for a crate that needs parameters")
	}
	if got := p.text("[data-testid=crate-params]"); !strings.Contains(got, "variable API_KEY") {
		t.Errorf("params %q", got)
	}
	d := e.post("/hub/grycap-oscar-hub/tagger/deploy-now", url.Values{"name": {"tagger"}})
	if d.StatusCode != http.StatusSeeOther || d.location() != "/services/new/general" {
		t.Errorf("deploy now with parameters: %d %q", d.StatusCode, d.location())
	}
	if n := len(e.requests(http.MethodPost, "/system/services")); n != 0 {
		t.Errorf("%d creates for a crate that needs parameters", n)
	}
}

func zipUpload(t *testing.T, e *hubEnv, name string, body []byte) *page {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("crate", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(body)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/hub/validate", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(req)
}

func TestCheckCrates(t *testing.T) {
	e := newHubEnv(t)
	if p := e.get(greeterURL + "/check"); p.Doc.Find("[data-testid=check-ok]").Length() != 1 {
		t.Errorf("the good crate does not pass:\n%s", p.text("[data-testid=check-problems]"))
	}
	h := e.get("/hub/grycap-oscar-hub/hostile/check").text("[data-testid=check-problems]")
	for _, want := range []string{"leads outside the crate", "The icon is 3"} {
		if !strings.Contains(h, want) {
			t.Errorf("hostile check lacks %q: %s", want, h)
		}
	}

	good := zipUpload(t, e, "greeter.zip", hubtest.Zip(t, hubtest.Crate("greeter")))
	if good.StatusCode != http.StatusOK || good.Doc.Find("[data-testid=check-ok]").Length() != 1 {
		t.Errorf("good zip: %d %s", good.StatusCode, good.text("[data-testid=check-problems]"))
	}
	badFiles := hubtest.Crate("greeter")
	delete(badFiles, hub.ScriptFile)
	badFiles["../../escape.sh"] = []byte("x")
	bad := zipUpload(t, e, "bad.zip", hubtest.Zip(t, badFiles))
	got := bad.text("[data-testid=check-problems]")
	for _, want := range []string{"leads outside the crate", "The crate has no script.sh"} {
		if !strings.Contains(got, want) {
			t.Errorf("bad zip lacks %q: %s", want, got)
		}
	}
	notZip := zipUpload(t, e, "x.zip", []byte("plain text"))
	if notZip.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(notZip.text("#f-crate-error"), "not a zip") {
		t.Errorf("not a zip: %d %q", notZip.StatusCode, notZip.text("#f-crate-error"))
	}
	huge := zipUpload(t, e, "huge.zip", bytes.Repeat([]byte{1}, hub.MaxZip+1))
	if huge.StatusCode == http.StatusOK {
		t.Errorf("an oversized upload was read: %d", huge.StatusCode)
	}
}

func TestCrateOfAnInvokedServiceFindsItsReadmeAndOffersNoUpload(t *testing.T) {
	e := newHubEnv(t)
	p := e.get("/hub/grycap-oscar-hub/vector")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status %d", p.StatusCode)
	}
	if got := p.text("[data-testid=readme]"); !strings.Contains(got, "its README is not in hasPart") {
		t.Errorf("README not found outside hasPart: %q", got)
	}
	if p.Doc.Find("[data-testid=upload-samples]").Length() != 0 || p.Doc.Find("[data-testid=samples-invoke]").Length() != 1 {
		t.Error("a service without a MinIO input is offered the sample upload")
	}
	if p.Doc.Find(`[data-testid=samples] a[href="/hub/grycap-oscar-hub/vector/files/input.txt"]`).Length() != 1 {
		t.Error("the sample is not downloadable")
	}
}

func TestDeployPresetsTheUsersVOAndCreatesAsThem(t *testing.T) {
	e := newHubEnvWith(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.other.eu", "vo.example.eu"}})
	e.signIn(session.Data{Kind: session.KindOIDC, Subject: "alice@egi.eu", Name: "Alice", AccessToken: "tok-alice",
		VOs: []string{"vo.example.eu"}, Endpoint: e.ep, RecentEndpoints: []string{e.ep}})
	if d := e.post(greeterURL+"/deploy", url.Values{"name": {"greeter"}}); d.StatusCode != http.StatusSeeOther {
		t.Fatalf("deploy: %d\n%s", d.StatusCode, d.Body)
	}
	c := e.createFromWizard(t)
	if c.StatusCode != http.StatusSeeOther || c.location() != "/services/greeter" {
		t.Fatalf("create: %d %q\n%s", c.StatusCode, c.location(), c.Body)
	}
	creates := e.requests(http.MethodPost, "/system/services")
	if len(creates) != 1 {
		t.Fatalf("%d creates, want 1", len(creates))
	}
	if body := string(creates[0].Body); !strings.Contains(body, `"vo":"vo.example.eu"`) {
		t.Errorf("the service was not created with the user's VO: %s", body)
	}
	if v := e.fake.Violations(); len(v) != 0 {
		t.Errorf("contract violations: %v", v)
	}
}

func TestHubReadsAnHTTPSIndexSource(t *testing.T) {
	site := remotetest.New(t, map[string]map[string]string{"mirror/hub@main": {
		"crates/tagger/ro-crate-metadata.json": hubtest.Files()["crates/tagger/ro-crate-metadata.json"],
		"crates/tagger/fdl.yml":                hubtest.Files()["crates/tagger/fdl.yml"],
		"crates/tagger/script.sh":              hubtest.Files()["crates/tagger/script.sh"],
	}})
	e := newHubEnv(t, site.Site("mirror/hub@main"))
	p := e.get("/hub?q=tagger")
	links := p.Doc.Find("[data-testid=crate-link]")
	if links.Length() != 2 {
		t.Fatalf("%d Tagger cards, want one per source: %q", links.Length(), cardNames(p))
	}
	href, _ := links.Last().Attr("href")
	if !strings.HasPrefix(href, "/hub/http-127-0-0-1-") || !strings.HasSuffix(href, "/tagger") {
		t.Errorf("the https source's crate is at %q", href)
	}
	c := e.get(href)
	if c.StatusCode != http.StatusOK || !strings.Contains(c.text("[data-testid=crate-fdl]"), "ghcr.io/example/tagger:2") {
		t.Errorf("crate page of the https source: %d", c.StatusCode)
	}
	if site.Requests("/site/mirror/hub@main/index.json") != 1 {
		t.Errorf("index.json read %d times, want 1", site.Requests("/site/mirror/hub@main/index.json"))
	}
}

func TestCrateWithABrokenFDLOffersNoDeploy(t *testing.T) {
	files := hubtest.Files()
	local := hubtest.WriteDir(t, map[string]string{
		"crates/broken/ro-crate-metadata.json": files["crates/greeter/ro-crate-metadata.json"],
		"crates/broken/fdl.yml":                "functions: [unclosed\n",
		"crates/broken/script.sh":              "#!/bin/sh\n",
	})
	e := newHubEnv(t, "file:"+local)
	slug := "/hub/" + hub.Slugs([]string{"", local[strings.LastIndex(local, "/")+1:]})[1] + "/broken"
	p := e.get(slug)
	if p.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", slug, p.StatusCode)
	}
	if p.Doc.Find("[data-testid=deploy], [data-testid=deploy-now]").Length() != 0 {
		t.Error("a crate whose fdl.yml does not parse offers deploy")
	}
	if !strings.Contains(p.Body, "cannot be deployed") {
		t.Error("the page does not say why the crate cannot be deployed")
	}
	if d := e.post(slug+"/deploy-now", url.Values{"name": {"broken"}}); d.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("deploy now of a broken crate: %d, want 422", d.StatusCode)
	}
}
