package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oscarconsole/oscar-console/web/hub/hubtest"
	"github.com/oscarconsole/oscar-console/web/remote"
	"github.com/oscarconsole/oscar-console/web/remote/remotetest"
)

// hubConfig points the console's Hub at a local fake of GitHub serving the test crates.
type hubConfig struct {
	api, raw string
	sources  []remote.Source
}

// newHubConfig serves the well-behaved test crates (greeter, tagger) as grycap/oscar-hub@main.
func newHubConfig(t *testing.T) hubConfig {
	t.Helper()
	files := map[string]string{}
	for p, body := range hubtest.Files() {
		if strings.HasPrefix(p, "crates/greeter/") || strings.HasPrefix(p, "crates/tagger/") {
			files[p] = body
		}
	}
	gh := remotetest.New(t, map[string]map[string]string{"grycap/oscar-hub@main": files})
	return hubConfig{api: gh.API(), raw: gh.Raw(),
		sources: []remote.Source{{Kind: remote.GitHub, Owner: "grycap", Repo: "oscar-hub", Ref: "main"}}}
}

// TestHub: the catalogue with a search, a crate page (README image served by the console), Deploy
// now and the sample upload starting a job, Deploy through the wizard to a created service, and the
// crate's check; with JavaScript on and off, axe on every screen.
func TestHub(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{Hub: true})
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.hubFlow()
		})
	}
}

func (tb *tab) hubFlow() {
	tb.t.Helper()
	t, c := tb.t, tb.c
	if st := tb.open("/hub"); st != 200 {
		tb.fatalf("GET /hub: status %d", st)
	}
	if n := tb.count(`[data-testid="crate-card"]`); n != 2 {
		t.Errorf("%d crate cards, want 2", n)
	}
	if n := tb.count(`nav a[href="/hub"][aria-current="page"]`); n != 1 {
		t.Errorf("the header links the Hub as the current page %d times, want 1", n)
	}
	if !eval[bool](tb, `Array.from(document.querySelectorAll('.hub-icon')).every(function (i) { return i.complete && i.naturalWidth > 0; })`) {
		t.Error("a crate icon did not load from the console")
	}
	tb.screen("hub")

	// The search is a GET form: it works without JavaScript.
	tb.fill("#hub-q", "API key")
	if st := tb.click(`[data-testid="hub-search"] button`); st != 200 {
		tb.fatalf("search: status %d", st)
	}
	if got := tb.text(`[data-testid="crate-link"]`); got != "Tagger" || tb.count(`[data-testid="crate-card"]`) != 1 {
		t.Errorf("search for an API key shows %q (%d cards)", got, tb.count(`[data-testid="crate-card"]`))
	}
	tb.open("/hub")
	if st := tb.click(`a[href="/hub/grycap-oscar-hub/greeter"]`); st != 200 {
		tb.fatalf("crate page: status %d", st)
	}
	if got := tb.text(`[data-testid="crate-name"]`); got != "Greeter" {
		t.Errorf("crate page heading %q", got)
	}
	if !eval[bool](tb, `(function () { var i = document.querySelector('[data-testid="readme"] img'); return !!i && i.complete && i.naturalWidth > 0; })()`) {
		t.Error("the README's image did not load from the console")
	}
	if got := tb.text(`[data-testid="crate-fdl"]`); !strings.Contains(got, "ghcr.io/example/greeter:1.0") {
		t.Errorf("FDL shown: %q", got)
	}
	tb.screen("hub-crate")

	// Deploy now, then the sample inputs: a job starts.
	if st := tb.click(`[data-testid="deploy-now"] button`); st != 200 {
		tb.fatalf("deploy now: status %d", st)
	}
	if got := tb.text(`[data-testid="flash"]`); !strings.Contains(got, "Service greeter created.") {
		t.Errorf("flash after deploy now: %q", got)
	}
	if got := tb.attr("#f-service", "value"); got != "greeter" {
		t.Errorf("the sample form proposes %q", got)
	}
	if st := tb.click(`[data-testid="upload-samples"] button`); st != 200 {
		tb.fatalf("upload samples: status %d", st)
	}
	if p := tb.path(); p != "/services/greeter/jobs" {
		t.Errorf("after the upload the browser is on %s", p)
	}
	if jobs := c.OSCAR.Jobs("greeter"); len(jobs) != 1 {
		t.Errorf("%d jobs after the sample upload, want 1", len(jobs))
	}

	// Deploy through the wizard: the name is made free, the user creates on Review.
	tb.open("/hub/grycap-oscar-hub/greeter")
	if got := tb.text(`[data-testid="deploy-name"]`); got != "greeter-2" {
		t.Errorf("proposed name %q, want greeter-2", got)
	}
	if st := tb.click(`[data-testid="deploy"] button`); st != 200 {
		tb.fatalf("deploy: status %d", st)
	}
	tb.step("general")
	if got := tb.attr("#f-name", "value"); got != "greeter-2" {
		t.Errorf("the wizard's name is %q", got)
	}
	tb.open("/services/new/review")
	tb.step("review")
	if st := tb.click(`[data-testid="create"]`); st != 200 {
		tb.fatalf("create: status %d", st)
	}
	if p := tb.path(); p != "/services/greeter-2" {
		t.Errorf("after create the browser is on %s", p)
	}

	// The crate's check, and the form to check a zip.
	tb.open("/hub/grycap-oscar-hub/greeter")
	if st := tb.click(`[data-testid="check-link"]`); st != 200 {
		tb.fatalf("check: status %d", st)
	}
	tb.mustSee(`[data-testid="check-ok"]`)
	tb.screen("hub-check")
	tb.open("/hub/validate")
	tb.mustSee(`[data-testid="check-form"]`)
	tb.screen("hub-validate")

	// A zipped crate folder missing its script: the problems are listed.
	files := hubtest.Crate("greeter")
	delete(files, "script.sh")
	zipFile := filepath.Join(t.TempDir(), "greeter.zip")
	if err := os.WriteFile(zipFile, hubtest.Zip(t, files), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.do("choose the zip", chromedp.SetUploadFiles(chromedp.CSS("#f-crate"), []string{zipFile}, chromedp.NodeReady))
	if st := tb.click(`[data-testid="check-form"] button`); st != 200 {
		tb.fatalf("check the zip: status %d", st)
	}
	if got := tb.text(`[data-testid="check-problems"]`); !strings.Contains(got, "The crate has no script.sh") {
		t.Errorf("zip check lists %q", got)
	}
	tb.axe("hub-validate with problems")
}
