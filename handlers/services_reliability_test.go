package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestSlowOSCARAnswersInTime: when OSCAR does not answer, every operate page gives up after the
// client's timeout with a page that names the endpoint and offers a retry, and leaves no goroutine
// behind once the test's servers are gone.
func TestSlowOSCARAnswersInTime(t *testing.T) {
	// Registered first, so it runs after every other cleanup (servers, session store).
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) })

	e := newOpEnv(t, oscartest.Options{Latency: 5 * time.Second}, func(d *Deps) {
		d.OSCAR = oscar.New(oscar.Options{Policy: d.Policy, Logger: d.Log, Timeout: 100 * time.Millisecond, SlowTimeout: 100 * time.Millisecond})
	})
	for _, path := range []string{"/services", "/services/grey", "/services/grey/jobs", "/services/grey/jobs/j1", "/services/grey/invoke",
		"/buckets", "/buckets/data", "/buckets/data/objects/a.txt", "/cluster"} {
		t.Run(path, func(t *testing.T) {
			p := e.get(path)
			if p.StatusCode != http.StatusGatewayTimeout {
				t.Fatalf("status = %d, want 504", p.StatusCode)
			}
			if got := p.text("#error-title"); got != "OSCAR did not answer in time" {
				t.Errorf("title = %q", got)
			}
			if !strings.Contains(p.text("[data-testid=error]"), strings.TrimPrefix(e.ep, "http://")) {
				t.Errorf("the page does not name the endpoint: %q", p.text("[data-testid=error]"))
			}
			if href, _ := p.Doc.Find("[data-testid=retry]").Attr("href"); href != path {
				t.Errorf("retry = %q, want %q", href, path)
			}
		})
	}
}

// TestOperateScreensErrors: every operate screen turns each kind of OSCAR failure into its error
// page, naming the endpoint, with a retry link where trying again can help.
func TestOperateScreensErrors(t *testing.T) {
	paths := []string{"/services", "/services/grey", "/services/grey/delete", "/services/grey/jobs", "/services/grey/jobs/j1",
		"/services/grey/invoke", "/buckets", "/buckets/data", "/buckets/data/delete", "/buckets/data/objects/a.txt", "/cluster"}
	answer := func(status int, body string) func(http.ResponseWriter, *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, body, status)
			return true
		}
	}
	tests := []struct {
		name       string
		fault      func(http.ResponseWriter, *http.Request) bool
		down       bool
		wantStatus int
		wantTitle  string
		wantRetry  bool
	}{
		{"OSCAR down", nil, true, http.StatusBadGateway, "OSCAR did not answer properly", true},
		{"500", answer(http.StatusInternalServerError, "internal error"), false, http.StatusBadGateway, "OSCAR did not answer properly", true},
		{"404", answer(http.StatusNotFound, ""), false, http.StatusNotFound, "Not found on OSCAR", false},
		{"401", answer(http.StatusUnauthorized, ""), false, http.StatusForbidden, "OSCAR did not accept your credentials", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newOpEnv(t, oscartest.Options{Fault: tt.fault}, nil)
			if tt.down {
				e.fake.Close()
			}
			for _, path := range paths {
				p := e.get(path)
				if p.StatusCode != tt.wantStatus {
					t.Errorf("%s: status = %d, want %d", path, p.StatusCode, tt.wantStatus)
					continue
				}
				if got := p.text("#error-title"); got != tt.wantTitle {
					t.Errorf("%s: title = %q, want %q", path, got, tt.wantTitle)
				}
				if !strings.Contains(p.text("[data-testid=error]"), strings.TrimPrefix(e.ep, "http://")) {
					t.Errorf("%s: the page does not name the endpoint", path)
				}
				if got := p.Doc.Find("[data-testid=retry]").Length() == 1; got != tt.wantRetry {
					t.Errorf("%s: retry link %v, want %v", path, got, tt.wantRetry)
				}
				if tt.name == "401" && p.Doc.Find("a[href='/login']").Length() == 0 {
					t.Errorf("%s: no link to sign in again", path)
				}
			}
		})
	}
}
