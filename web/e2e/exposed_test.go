package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// The exposed service of these flows: a notebook on port 8888.
const exService = "notebook"

// seedExposed creates an exposed service in the fake OSCAR through its API, with deployment logs.
func (c *console) seedExposed(t *testing.T) {
	t.Helper()
	def := map[string]any{
		"name": exService, "image": "quay.io/jupyter/base-notebook", "script": "#!/bin/sh\nstart-notebook.sh\n",
		"expose": map[string]any{"api_port": []int{8888}, "min_scale": 1, "max_scale": 2, "cpu_threshold": 80, "health_path": "/api"},
	}
	b, _ := json.Marshal(def)
	req, _ := http.NewRequest(http.MethodPost, c.Endpoint()+"/system/services", bytes.NewReader(b))
	req.SetBasicAuth(basicUser, basicPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("seed %s: status %d", exService, resp.StatusCode)
	}
	var lines []string
	for i := range 150 {
		lines = append(lines, "[I 2026-01-01 00:00:"+string(rune('0'+i%10))+"] Jupyter Server is running <at> http://127.0.0.1:8888/")
	}
	c.OSCAR.SetDeploymentLogs(exService, lines...)
}

// exposedConsole is a console on a Knative cluster with an exposed service.
func exposedConsole(t *testing.T) *console {
	c := newConsole(t, consoleOptions{OSCAR: func(o *oscartest.Options) { o.ServerlessBackend = true; o.DeploymentSettle = 2 }})
	c.seedExposed(t)
	return c
}

// TestExposedService: an exposed service's page (state, URL, health), stopping it behind its
// confirmation, starting it and watching it settle (the script refreshes the panel; without it, the
// Refresh link), the list's kind filter, and its deployment logs (tail, timestamps, follow).
func TestExposedService(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := exposedConsole(t)
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.lifecycleFlow()
			tb.deploymentLogsFlow()
		})
	}
}

// TestWizardExposedService: a new exposed service through the wizard, with a refused Expose step.
func TestWizardExposedService(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := exposedConsole(t)
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.wizardExposeFlow()
		})
	}
}

// waitFor re-reads sel's text until it is want: with JavaScript the panel refreshes itself; without
// it the user follows the Refresh link. It fails after a generous bound, which is not a speed claim.
func (tb *tab) waitFor(sel, want, refresh string) {
	tb.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if got := tb.text(sel); got == want {
			return
		} else if time.Now().After(deadline) {
			tb.fatalf("%s is %q, want %q (%s)", sel, got, want, tb.mode())
		}
		if tb.js {
			time.Sleep(200 * time.Millisecond)
		} else if st := tb.click(refresh); st != 200 {
			tb.fatalf("refresh: status %d", st)
		}
	}
}

func (tb *tab) lifecycleFlow() {
	tb.t.Helper()
	t, c := tb.t, tb.c
	if st := tb.open("/services?kind=exposed"); st != 200 {
		tb.fatalf("GET /services?kind=exposed: status %d", st)
	}
	if got := tb.text(`[data-testid="service-kind"]`); got != "exposed" || tb.count(`[data-testid="service-row"]`) != 1 {
		t.Errorf("kind filter: %d rows, kind %q", tb.count(`[data-testid="service-row"]`), got)
	}
	if st := tb.click(`a[data-testid="service-name"]`); st != 200 {
		tb.fatalf("open %s: status %d", exService, st)
	}
	tb.waitFor(`[data-testid="deployment-state"]`, "ready", `[data-testid="deployment-refresh"]`)
	if got := tb.attr(`[data-testid="exposed-url"]`, "href"); got != c.Endpoint()+"/system/services/"+exService+"/exposed/" {
		t.Errorf("exposed URL = %q", got)
	}
	if got := tb.text(`[data-testid="health"]`); !strings.Contains(got, "GET /api") || !strings.Contains(got, "passing on every instance") {
		t.Errorf("health = %q", got)
	}
	tb.screen("service-exposed")

	if st := tb.click(`[data-testid="stop"]`); st != 200 {
		tb.fatalf("stop: status %d", st)
	}
	tb.mustSee(`[data-testid="confirm-stop"]`)
	if c.OSCAR.Stopped(exService) {
		t.Fatal("the confirmation page stopped the service")
	}
	tb.screen("service-stop")
	if st := tb.click(`[data-testid="confirm-stop"]`); st != 200 {
		tb.fatalf("confirm stop: status %d", st)
	}
	if !c.OSCAR.Stopped(exService) {
		t.Fatal("OSCAR was not asked to stop the service")
	}
	if got := tb.text(`[data-testid="deployment-state"]`); got != "stopped" {
		t.Errorf("state after stop = %q", got)
	}
	if got := tb.text(`[data-testid="flash"]`); !strings.Contains(got, "Stopping "+exService) {
		t.Errorf("flash = %q", got)
	}
	tb.screen("service-stopped")

	if st := tb.click(`[data-testid="start"]`); st != 200 {
		tb.fatalf("start: status %d", st)
	}
	if got := tb.text(`[data-testid="deployment-state"]`); got != "pending" {
		t.Errorf("state right after start = %q, want pending", got)
	}
	tb.mustSee(`[data-testid="settling"]`)
	tb.waitFor(`[data-testid="deployment-state"]`, "ready", `[data-testid="deployment-refresh"]`)
	if tb.count(`[data-testid="settling"]`) != 0 {
		t.Error("a settled state still says it is changing")
	}
	if c.OSCAR.Stopped(exService) {
		t.Error("the service is still stopped")
	}
}

func (tb *tab) deploymentLogsFlow() {
	tb.t.Helper()
	t, c := tb.t, tb.c
	tb.open("/services/" + exService)
	if st := tb.click(`[data-testid="deployment-logs"]`); st != 200 {
		tb.fatalf("deployment logs: status %d", st)
	}
	log := tb.text(`[data-testid="log"]`)
	if n := strings.Count(log, "\n") + 1; n != 100 {
		t.Errorf("%d lines shown, want the last 100", n)
	}
	if !strings.Contains(log, "<at>") {
		t.Error("the log's markup-like text is not shown as text")
	}
	tb.screen("deployment-logs")
	if st := tb.click(`[data-testid="tail-500"]`); st != 200 {
		tb.fatalf("tail 500: status %d", st)
	}
	if n := strings.Count(tb.text(`[data-testid="log"]`), "\n") + 1; n != 150 {
		t.Errorf("tail 500 shows %d lines, want all 150", n)
	}
	if st := tb.click(`[data-testid="timestamps"]`); st != 200 {
		tb.fatalf("timestamps: status %d", st)
	}
	if !strings.HasPrefix(tb.text(`[data-testid="log"]`), "2026-01-01T") {
		t.Error("timestamps are not shown")
	}
	follow := `[data-follow-control]`
	visible := eval[bool](tb, `!document.querySelector("[data-follow-control]").hidden`)
	if visible != tb.js {
		t.Errorf("Follow offered %v %s", visible, tb.mode())
	}
	if !tb.js {
		return
	}
	tb.press(follow + " input")
	c.OSCAR.SetDeploymentLogs(exService, "a new line after following")
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(tb.text(`[data-testid="log"]`), "a new line after following") {
		if time.Now().After(deadline) {
			tb.fatalf("Follow did not show the new line")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (tb *tab) wizardExposeFlow() {
	tb.t.Helper()
	t := tb.t
	if st := tb.open("/services/new/general"); st != 200 {
		tb.fatalf("wizard: status %d", st)
	}
	tb.fill("#f-name", "webapp")
	tb.fill("#f-image", "ghcr.io/grycap/webapp")
	tb.set("#f-script", "#!/bin/sh\nexec python -m http.server 8080\n")
	tb.mustSee(`[data-testid="execution"]`)
	tb.fill(`#f-ephemeral_storage_request`, "1Gi")
	tb.screen("wizard-general-execution")
	for _, st := range []string{"storage", "inputs", "outputs", "expose"} {
		if code := tb.next(); code != 200 {
			tb.fatalf("Next to %s: status %d", st, code)
		}
		tb.step(st)
	}
	tb.mustSee(`[data-testid="kserve"]`) // a Knative cluster: KServe is offered
	tb.press(`#f-expose-enabled`)
	tb.fill(`#f-expose-api_port`, "80a")
	tb.fill(`#f-expose-cpu_threshold`, "120")
	if st := tb.next(); st != 422 {
		tb.fatalf("Next with bad ports: status %d, want 422", st)
	}
	tb.step("expose")
	if got := tb.text(`#f-expose-api_port-error`); !strings.Contains(got, "not a list of port numbers") {
		t.Errorf("port error = %q", got)
	}
	if got := tb.attr(`#f-expose-api_port`, "aria-invalid"); got != "true" {
		t.Error("the bad port field is not marked invalid")
	}
	tb.screen("wizard-expose-invalid")
	tb.fill(`#f-expose-api_port`, "8080")
	tb.fill(`#f-expose-cpu_threshold`, "75")
	tb.screen("wizard-expose")
	if st := tb.next(); st != 200 {
		tb.fatalf("Next from Expose: status %d", st)
	}
	tb.step("review")
	if got := tb.text(`[data-testid="review-exposed-url"]`); !strings.Contains(got, tb.c.Endpoint()+"/system/services/webapp/exposed/") {
		t.Errorf("review URL line = %q", got)
	}
	if st := tb.click(`[data-testid="create"]`); st != 200 {
		tb.fatalf("create: status %d", st)
	}
	sv := tb.storedService("webapp")
	ex, _ := sv["expose"].(map[string]any)
	if ports, _ := ex["api_port"].([]any); len(ports) != 1 || ports[0] != float64(8080) || ex["cpu_threshold"] != float64(75) {
		t.Errorf("OSCAR received expose %v", ex)
	}
	if sv["ephemeral_storage_request"] != "1Gi" {
		t.Errorf("OSCAR received ephemeral storage %v", sv["ephemeral_storage_request"])
	}
}
