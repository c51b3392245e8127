package handlers

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// exposedSvc is alice's exposed notebook on port 8888, health checked on /api.
const exposedSvc = `{"name":"nb","image":"jupyter","script":"start","owner":"alice@egi.eu","visibility":"public",
	"expose":{"api_port":[8888],"min_scale":2,"max_scale":3,"cpu_threshold":80,"health_path":"/api"}}`

func newLifecycleEnv(t *testing.T, o oscartest.Options) *opEnv {
	t.Helper()
	o.Tokens, o.OIDCGroups = oidcTokens, []string{"vo.example.eu"}
	e := newOpEnv(t, o, nil)
	e.putService(exposedSvc)
	e.putService(svcJSON("batch", "img", "0.5", "1Gi", "public", "alice@egi.eu"))
	return e
}

func TestServicePageShowsDeployment(t *testing.T) {
	e := newLifecycleEnv(t, oscartest.Options{})
	e.fake.ResetRequests()
	pg := e.get("/services/nb")
	if pg.StatusCode != http.StatusOK {
		t.Fatalf("status %d", pg.StatusCode)
	}
	for sel, want := range map[string]string{
		`[data-testid="deployment-state"]`:  "ready",
		`[data-testid="instances"]`:         "2 of 2 ready",
		`[data-testid="deployment-reason"]`: "Deployment is ready. (2026-01-01 00:00:00 UTC)",
		`[data-testid="health"]`:            "GET /api — passing on every instance.",
	} {
		if got := strings.Join(strings.Fields(pg.text(sel)), " "); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if href, _ := pg.Doc.Find(`[data-testid="exposed-url"]`).Attr("href"); href != e.ep+"/system/services/nb/exposed/" {
		t.Errorf("exposed URL = %q", href)
	}
	for _, sel := range []string{`[data-testid="restart"]`, `[data-testid="stop"]`, `[data-testid="deployment-logs"]`, `[data-testid="deployment-refresh"]`} {
		if pg.Doc.Find(sel).Length() != 1 {
			t.Errorf("%s missing", sel)
		}
	}
	if pg.Doc.Find(`[data-testid="start"]`).Length() != 0 {
		t.Error("a running service offers Start")
	}
	if poll, _ := pg.Doc.Find("#deployment").Attr("data-poll"); poll != "/services/nb/deployment" {
		t.Errorf("data-poll = %q", poll)
	}
	// One call for the service and its state: the service read with ?include=deployment.
	if n := len(e.requests("GET", "/system/services/nb/deployment")); n != 0 {
		t.Errorf("%d deployment calls, want none", n)
	}
	if reads := e.requests("GET", "/system/services/nb"); len(reads) != 1 || reads[0].Query != "include=deployment" {
		t.Errorf("service reads %+v, want one with include=deployment", reads)
	}

	// An event-driven service has no deployment panel.
	pg = e.get("/services/batch")
	if pg.Doc.Find("#deployment").Length() != 0 {
		t.Error("an event-driven service shows a deployment panel")
	}
}

// TestServicePageCallsRunConcurrently holds every OSCAR call of the service page until all of them
// have arrived: run one after the other, they never would, and the page would fail.
func TestServicePageCallsRunConcurrently(t *testing.T) {
	var (
		mu      sync.Mutex
		arrived = map[string]bool{}
		all     = make(chan struct{})
	)
	// The deployment state comes with the service (?include=deployment): no call of its own.
	watch := map[string]bool{"/system/services/nb": true, "/system/logs/nb": true, "/system/config": true}
	fault := func(w http.ResponseWriter, r *http.Request) bool {
		if !watch[r.URL.Path] {
			return false
		}
		mu.Lock()
		arrived[r.URL.Path] = true
		if len(arrived) == len(watch) {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			return false
		case <-time.After(10 * time.Second):
			http.Error(w, "the calls did not overlap", http.StatusInternalServerError)
			return true
		}
	}
	e := newLifecycleEnv(t, oscartest.Options{Fault: fault})
	pg := e.get("/services/nb")
	if pg.StatusCode != http.StatusOK || pg.text(`[data-testid="deployment-state"]`) != "ready" {
		t.Fatalf("status %d, state %q: the page's calls did not run at once (%v)", pg.StatusCode, pg.text(`[data-testid="deployment-state"]`), arrived)
	}
}

// When OSCAR cannot read the deployment's state, it fails GET .../deployment and, as the real
// server's read handler does, the service's GET with ?include=deployment too: the page asks for the
// service alone and shows it, saying the state is not available.
func TestServicePageWithoutDeploymentState(t *testing.T) {
	var plain atomic.Int32
	fault := func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/deployment") || r.URL.Query().Get("include") == "deployment" {
			http.Error(w, "kubernetes is down", http.StatusInternalServerError)
			return true
		}
		if r.URL.Path == "/system/services/nb" {
			plain.Add(1)
		}
		return false
	}
	e := newLifecycleEnv(t, oscartest.Options{Fault: fault})
	pg := e.get("/services/nb")
	if pg.StatusCode != http.StatusOK {
		t.Fatalf("status %d: a failing /deployment must not hide the service", pg.StatusCode)
	}
	if got := pg.text(`[data-testid="deployment-problem"]`); !strings.Contains(got, "not available") {
		t.Errorf("problem = %q", got)
	}
	if pg.Doc.Find(`[data-testid="stop"]`).Length() != 0 {
		t.Error("actions offered without a known state")
	}
	if plain.Load() == 0 {
		t.Error("the service was not asked for without ?include=deployment")
	}
}

// The service page takes the deployment state from the service's own GET, in one call; an OSCAR
// that answers that GET without the summary (one from before ?include=deployment) gets the state's
// call of its own.
func TestServicePageTakesTheStateWithTheService(t *testing.T) {
	for _, tt := range []struct {
		name      string
		include   bool // OSCAR honours ?include=deployment
		wantCalls int32
	}{{"with the service", true, 0}, {"OSCAR without include", false, 1}} {
		t.Run(tt.name, func(t *testing.T) {
			var stateCalls atomic.Int32
			fault := func(w http.ResponseWriter, r *http.Request) bool {
				if strings.HasSuffix(r.URL.Path, "/nb/deployment") {
					stateCalls.Add(1)
				}
				if !tt.include && r.URL.Query().Has("include") {
					r.URL.RawQuery = "" // as an OSCAR that ignores the parameter
				}
				return false
			}
			e := newLifecycleEnv(t, oscartest.Options{Fault: fault})
			pg := e.get("/services/nb")
			if pg.StatusCode != http.StatusOK || pg.text(`[data-testid="deployment-state"]`) != "ready" {
				t.Fatalf("status %d, state %q", pg.StatusCode, pg.text(`[data-testid="deployment-state"]`))
			}
			if got := stateCalls.Load(); got != tt.wantCalls {
				t.Errorf("GET .../deployment made %d times, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestStopStartRestartSettle(t *testing.T) {
	e := newLifecycleEnv(t, oscartest.Options{DeploymentSettle: 1})
	e.signInOIDC("alice@egi.eu", "tok-alice")

	pg := e.get("/services/nb/stop")
	if pg.StatusCode != http.StatusOK || pg.Doc.Find(`form[action="/services/nb/stop"][method="post"] [data-testid="confirm-stop"]`).Length() != 1 {
		t.Fatalf("confirmation: status %d, no POST form", pg.StatusCode)
	}
	if e.fake.Stopped("nb") {
		t.Fatal("showing the confirmation stopped the service")
	}
	pg = e.post("/services/nb/stop", url.Values{})
	if pg.StatusCode != http.StatusSeeOther || pg.location() != "/services/nb#deployment" {
		t.Fatalf("stop: status %d to %q", pg.StatusCode, pg.location())
	}
	if !e.fake.Stopped("nb") {
		t.Fatal("OSCAR was not asked to stop the service")
	}
	pg = e.get("/services/nb")
	if got := pg.text(`[data-testid="deployment-state"]`); got != "stopped" {
		t.Errorf("state after stop = %q", got)
	}
	if !strings.Contains(pg.Body, "Stopping nb: OSCAR scales it to zero instances. State now: stopped.") {
		t.Error("no flash after stop")
	}
	if pg.Doc.Find(`[data-testid="start"]`).Length() != 1 || pg.Doc.Find(`[data-testid="stop"]`).Length() != 0 {
		t.Error("a stopped service should offer Start only")
	}
	if got := strings.Join(strings.Fields(pg.text(`[data-testid="health"]`)), " "); !strings.Contains(got, "no instance is running") {
		t.Errorf("health of a stopped service = %q", got)
	}

	pg = e.post("/services/nb/start", url.Values{})
	if pg.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: status %d", pg.StatusCode)
	}
	// The panel alone, as the script polls it: pending (polling quickly) until it settles.
	var states []string
	for range 3 {
		pg = e.get("/services/nb/deployment")
		states = append(states, pg.text(`[data-testid="deployment-state"]`)+"/"+attr(pg, "#deployment", "data-poll-every"))
	}
	if got, want := strings.Join(states, " "), "pending/3 ready/15 ready/15"; got != want {
		t.Errorf("states polled after start = %q, want %q", got, want)
	}

	pg = e.post("/services/nb/restart", url.Values{})
	if pg.StatusCode != http.StatusSeeOther {
		t.Fatalf("restart: status %d", pg.StatusCode)
	}
	if got := e.get("/services/nb/deployment").text(`[data-testid="deployment-state"]`); got != "pending" {
		t.Errorf("state after restart = %q, want pending", got)
	}
	if n := len(e.requests("POST", "/system/services/nb/restart")); n != 1 {
		t.Errorf("%d restart calls", n)
	}
}

func TestLifecycleErrors(t *testing.T) {
	e := newLifecycleEnv(t, oscartest.Options{})
	e.putService(`{"name":"bobs","image":"img","script":"echo","owner":"bob@egi.eu","visibility":"public","expose":{"api_port":[80]}}`)
	e.signInOIDC("alice@egi.eu", "tok-alice")
	tests := []struct {
		name, path string
		status     int
		words      string
	}{
		{"someone else's service", "/services/bobs/stop", http.StatusForbidden, "manage this service"},
		{"unknown service", "/services/ghost/start", http.StatusNotFound, ""},
		{"not exposed", "/services/batch/restart", http.StatusConflict, "not exposed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg := e.post(tt.path, url.Values{})
			if pg.StatusCode != tt.status {
				t.Errorf("status %d, want %d", pg.StatusCode, tt.status)
			}
			if tt.words != "" && !strings.Contains(pg.Body, tt.words) {
				t.Errorf("the page does not say %q", tt.words)
			}
		})
	}
	if e.fake.Stopped("bobs") {
		t.Error("alice stopped bob's service")
	}
	// A GET never changes anything.
	if pg := e.get("/services/nb/start"); pg.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET start: status %d, want 405", pg.StatusCode)
	}
}

func TestDeploymentLogs(t *testing.T) {
	e := newLifecycleEnv(t, oscartest.Options{})
	var lines []string
	for i := range 1200 {
		lines = append(lines, "line "+strings.Repeat("x", i%3))
	}
	lines = append(lines, `<script>alert("x")</script>`)
	e.fake.SetDeploymentLogs("nb", lines...)

	tests := []struct {
		query      string
		wantQuery  string
		wantLines  int
		timestamps bool
	}{
		{"", "tailLines=100", 100, false},
		{"?tail=500", "tailLines=500", 500, false},
		{"?tail=1000&timestamps=1", "tailLines=1000&timestamps=true", 1000, true},
		{"?tail=7", "tailLines=100", 100, false}, // only the offered tails
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e.fake.ResetRequests()
			pg := e.get("/services/nb/deployment/logs" + tt.query)
			if pg.StatusCode != http.StatusOK {
				t.Fatalf("status %d", pg.StatusCode)
			}
			reqs := e.requests("GET", "/system/services/nb/deployment/logs")
			if len(reqs) != 1 || reqs[0].Query != tt.wantQuery {
				t.Errorf("OSCAR asked %+v, want one call with %q", reqs, tt.wantQuery)
			}
			log := pg.Doc.Find(`[data-testid="log"]`).Text()
			if n := strings.Count(log, "\n"); n != tt.wantLines {
				t.Errorf("%d lines shown, want %d", n, tt.wantLines)
			}
			if got := strings.HasPrefix(log, "2026-01-01T"); got != tt.timestamps {
				t.Errorf("timestamps shown = %v, want %v", got, tt.timestamps)
			}
			if !strings.Contains(log, `<script>alert("x")</script>`) || strings.Contains(pg.Body, `<script>alert(`) {
				t.Error("the log line is not shown as escaped text")
			}
		})
	}

	pg := e.get("/services/nb/deployment/logs?tail=500&timestamps=1&download=1")
	if ct := pg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("download Content-Type %q", ct)
	}
	if cd := pg.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="nb-deployment.log"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if n := strings.Count(pg.Body, "\n"); n != 500 || !strings.HasSuffix(pg.Body, "</script>\n") {
		t.Errorf("download has %d lines", n)
	}

	// No logs yet: OSCAR's message, no empty log box.
	e.fake.SetDeploymentLogs("nb")
	pg = e.get("/services/nb/deployment/logs")
	if got := pg.text(`[data-testid="logs-message"]`); got != "Deployment logs are not yet available." {
		t.Errorf("message = %q", got)
	}
	if _, hidden := pg.Doc.Find(`[data-testid="log"]`).Attr("hidden"); !hidden {
		t.Error("an empty log box is shown")
	}
	// Someone else's private service: OSCAR's 403.
	e.putService(svcJSON("secret", "img", "0.5", "1Gi", "private", "bob@egi.eu"))
	e.signInOIDC("alice@egi.eu", "tok-alice")
	if pg := e.get("/services/secret/deployment/logs"); pg.StatusCode != http.StatusForbidden {
		t.Errorf("someone else's logs: status %d, want 403", pg.StatusCode)
	}
}

func attr(pg *page, sel, name string) string {
	v, _ := pg.Doc.Find(sel).Attr(name)
	return v
}

func TestServicesListKindsAndStopped(t *testing.T) {
	e := newLifecycleEnv(t, oscartest.Options{})
	e.putService(`{"name":"model","image":"kserve","script":"serve","owner":"alice@egi.eu","visibility":"public",
		"kserve":{"type":"inference","storage_uri":"s3://models/m","inference":{"model_format":"onnx"}}}`)
	if pg := e.post("/services/nb/stop", url.Values{}); pg.StatusCode != http.StatusSeeOther {
		t.Fatalf("stop: %d", pg.StatusCode)
	}
	e.fake.ResetRequests()
	pg := e.get("/services")
	if n := len(e.requests("GET", "/system/services")); n != 1 || e.requests("GET", "/system/services")[0].Query != "include=deployment" {
		t.Errorf("the list took %d calls, want one with include=deployment", n)
	}
	if got := pg.text(`[data-testid="stopped-count"]`); !strings.HasPrefix(got, "1 stopped") {
		t.Errorf("stopped count = %q", got)
	}
	kinds := map[string]string{}
	pg.Doc.Find(`[data-testid="service-row"]`).Each(func(_ int, row *goquery.Selection) {
		kinds[strings.TrimSpace(row.Find(`[data-testid="service-name"]`).Text())] = strings.TrimSpace(row.Find(`[data-testid="service-kind"]`).Text()) +
			"/" + strings.TrimSpace(row.Find(".badge.off").Text())
	})
	if want := map[string]string{"batch": "/", "model": "KServe/", "nb": "exposed/stopped"}; !maps.Equal(kinds, want) {
		t.Errorf("rows (kind/stopped) = %v, want %v", kinds, want)
	}
	for kind, want := range map[string]string{"event": "batch", "exposed": "nb", "kserve": "model", "bogus": "batch model nb"} {
		pg := e.get("/services?kind=" + kind)
		if got := strings.Join(rowNames(pg, `[data-testid="service-name"]`), " "); got != want {
			t.Errorf("kind=%s lists %q, want %q", kind, got, want)
		}
	}
}

func TestServicePageNamesRuntimeSettings(t *testing.T) {
	e := newLifecycleEnv(t, oscartest.Options{})
	pg := e.get("/services/nb")
	general := strings.Join(strings.Fields(pg.text(`section[aria-labelledby="general-title"]`)), " ")
	for _, want := range []string{"API ports8888", "Instances2 to 3, one more above 80% CPU"} {
		if !strings.Contains(general, want) {
			t.Errorf("General section lacks %q: %s", want, general)
		}
	}
}
