package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/apps"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/remote/remotetest"
	"github.com/oscarconsole/oscar-console/web/server"
)

// appFDL is a small exposed-service template written for these tests.
func appFDL(name string, port int, extra string) string {
	return "functions:\n  oscar:\n  - oscar-cluster:\n      name: " + name + "\n      cpu: '1'\n      memory: 1Gi\n" +
		"      image: ghcr.io/example/" + name + "\n      script: script.sh\n" + extra +
		"      expose:\n        min_scale: 1\n        max_scale: 1\n        api_port: [" + itoa(port) + "]\n"
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// appTemplates serves three kinds' templates from a GitHub fake and the file browser's from a
// directory, and points cfg at them.
func appTemplates(t *testing.T, cfg *server.Config) *remotetest.Server {
	t.Helper()
	script := "#!/bin/sh\nexec app\n"
	gh := remotetest.New(t, map[string]map[string]string{
		"e2e/juno@main":     {"juno.yaml": appFDL("juno", 8888, "      environment:\n        variables:\n          GRANT_SUDO: 'yes'\n"), "script.sh": script},
		"e2e/terminal@main": {"fdl.yml": appFDL("term", 8080, ""), "script.sh": script},
		"e2e/flows@main":    {"flows.yaml": appFDL("flows", 1880, ""), "script.sh": script},
	})
	dir := t.TempDir()
	for name, body := range map[string]string{"fdl.yml": appFDL("files", 80, ""), "script.sh": script} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srcs, err := apps.ParseSources("juno=github:e2e/juno@main,terminal=github:e2e/terminal@main,flows=github:e2e/flows@main,filebrowser=file:"+dir, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AppSources, cfg.GitHubAPI, cfg.GitHubRaw = srcs, gh.API(), gh.Raw()
	return gh
}

// TestApps: the Apps screen empty, a notebook's form refused then sent, its progress until ready
// with its token shown once, then stop, start and delete from the list; a kind whose template
// source is down (before anything is cached); with JavaScript on and off, axe on every screen.
func TestApps(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{Apps: true, OSCAR: func(o *oscartest.Options) { o.DeploymentSettle = 2 }})
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.appsSourceDownFlow()
			tb.appsFlow()
		})
	}
}

func (tb *tab) appsFlow() {
	tb.t.Helper()
	t, c := tb.t, tb.c
	if st := tb.open("/apps"); st != 200 {
		tb.fatalf("GET /apps: status %d", st)
	}
	tb.mustSee(`[data-testid="empty"]`)
	if n := tb.count(`nav a[href="/apps"][aria-current="page"]`); n != 1 {
		t.Errorf("the header links Apps as the current page %d times, want 1", n)
	}
	if n := tb.count(`[data-testid="kind-new"]`); n != 4 {
		t.Errorf("%d kinds offered, want 4", n)
	}
	tb.screen("apps-empty")
	if st := tb.click(`[data-testid="kind-juno"] [data-testid="kind-new"]`); st != 200 {
		tb.fatalf("new notebook: status %d", st)
	}
	name := tb.attr("#f-name", "value")
	if !strings.HasPrefix(name, "juno-") {
		t.Errorf("preset name %q", name)
	}
	if got := tb.attr(`#f-vo option[selected]`, "value"); got != testVO {
		t.Errorf("VO preset %q, want %s", got, testVO)
	}
	tb.screen("app-form")
	// With JavaScript only the chosen workspace's fields show; without it, all of them.
	wantHidden := 0
	if tb.js {
		wantHidden = 1
	}
	if n := tb.count(`[data-workspace-part="new-volume"][hidden]`); n != wantHidden {
		t.Errorf("new-volume fields hidden %d times, want %d (%s)", n, wantHidden, tb.mode())
	}
	if n := tb.count(`[data-workspace-part="bucket"][hidden]`); n != 0 {
		t.Error("the chosen workspace's fields are hidden")
	}
	if tb.js {
		tb.press("#f-workspace-new-volume")
		if n := tb.count(`[data-workspace-part="new-volume"][hidden]`) + tb.count(`[data-workspace-part="bucket"]:not([hidden])`); n != 0 {
			t.Error("choosing a new volume does not show its fields instead of the bucket's")
		}
		tb.press("#f-workspace-bucket")
	}

	// Bad input: the fields marked and explained, the input kept, the token not.
	tb.fill("#f-cpu", "lots")
	tb.fill("#f-secret", "short")
	tb.fill("#f-bucket", "e2e-notes")
	if st := tb.click(`[data-testid="create"]`); st != 422 {
		t.Errorf("invalid form: status %d, want 422", st)
	}
	tb.checkInvalid("#f-cpu")
	tb.checkInvalid("#f-secret")
	if got := tb.attr("#f-bucket", "value"); got != "e2e-notes" {
		t.Errorf("bucket after the refusal %q", got)
	}
	if got := tb.attr("#f-secret", "value"); got != "" {
		t.Error("the token was echoed back")
	}
	tb.screen("app-form-invalid")

	tb.fill("#f-cpu", "0.5")
	tb.fill("#f-secret", "")
	if st := tb.click(`[data-testid="create"]`); st != 200 {
		tb.fatalf("create: status %d", st)
	}
	if p := tb.path(); p != "/apps/"+name {
		t.Errorf("after create the browser is on %s", p)
	}
	token := tb.text(`[data-testid="app-secret-value"]`)
	if len(token) != 32 {
		t.Errorf("token shown %q, want the one the console made", token)
	}
	tb.screen("app-progress")
	tb.waitFor(`[data-testid="app-progress"] [data-testid="app-state"]`, "ready", `[data-testid="app-refresh"]`)
	open := tb.attr(`[data-testid="app-progress"] [data-testid="app-open"]`, "href")
	if open != c.Endpoint()+"/system/services/"+name+"/exposed/" {
		t.Errorf("Open links %q", open)
	}

	tb.open("/apps")
	if got := tb.text(`[data-testid="app-kind"]`); got != "Jupyter notebook" {
		t.Errorf("kind %q", got)
	}
	if body := tb.text("body"); token != "" && strings.Contains(body, token) {
		t.Error("the token is shown again")
	}
	tb.screen("apps")
	if st := tb.click(`[data-testid="app-stop"]`); st != 200 {
		tb.fatalf("stop: status %d", st)
	}
	if got := tb.text(`[data-testid="app-state"]`); got != "stopped" {
		t.Errorf("after stop: %q", got)
	}
	if st := tb.click(`[data-testid="app-start"]`); st != 200 {
		tb.fatalf("start: status %d", st)
	}
	if n := tb.count(`[data-testid="app-stop"]`); n != 1 {
		t.Error("after start the app is still stopped")
	}
	if st := tb.click(`[data-testid="app-delete"]`); st != 200 {
		tb.fatalf("delete page: status %d", st)
	}
	tb.screen("app-delete")
	if st := tb.click(`[data-testid="confirm-delete"]`); st != 200 {
		tb.fatalf("delete: status %d", st)
	}
	tb.mustSee(`[data-testid="empty"]`)
	c.assertNoSecretsLogged(t, token)
}

func (tb *tab) appsSourceDownFlow() {
	tb.t.Helper()
	tb.c.Templates.SetDown(true)
	// Nothing fetched yet: the kinds whose source is down are disabled with a message, the file
	// browser (from a directory) is offered, and the page itself works.
	if st := tb.open("/apps"); st != 200 {
		tb.fatalf("GET /apps with a source down: status %d", st)
	}
	for _, k := range []string{"juno", "terminal", "flows"} {
		if n := tb.count(`[data-testid="kind-` + k + `"] [data-testid="kind-problem"]`); n != 1 {
			tb.t.Errorf("%s is not disabled with a message", k)
		}
	}
	if n := tb.count(`[data-testid="kind-filebrowser"] [data-testid="kind-new"]`); n != 1 {
		tb.t.Error("the file browser (from a directory) is not offered")
	}
	tb.screen("apps-source-down")
	tb.c.Templates.SetDown(false)
}
