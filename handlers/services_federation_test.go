package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

const fedService = `{"name":"fed","image":"img","script":"echo","owner":"cluster_admin",
"cluster_id":"oscar-here",
"clusters":{"oscar-eu":{"endpoint":"https://eu.example.org","auth_user":"FED-USER","auth_password":"FED-SECRET-PASSWORD","ssl_verify":true}},
"federation":{"group_id":"grp-1","topology":"star","delegation":"random","rescheduler_threshold":45,
"members":[{"type":"oscar","cluster_id":"oscar-eu","service_name":"fed-eu","ssl_verify":true,"priority":0},
{"type":"oscar","cluster_id":"oscar-us","service_name":"fed-us","ssl_verify":true,"priority":1}]}}`

func TestServicePageFederation(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(fedService)
	e.fake.ResetRequests()

	p := e.get("/services/fed")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d\n%s", p.StatusCode, p.Body)
	}
	if n := len(e.requests(http.MethodGet, "/system/federation/fed")); n != 1 {
		t.Errorf("federation API calls = %d, want 1", n)
	}
	sec := p.text("[data-testid=federation]")
	for _, want := range []string{"star", "grp-1", "random", "45 s"} {
		if !strings.Contains(sec, want) {
			t.Errorf("federation section %q lacks %q", sec, want)
		}
	}
	rows := p.Doc.Find("[data-testid=federation-members] tbody tr")
	if rows.Length() != 2 {
		t.Fatalf("member rows = %d, want 2", rows.Length())
	}
	first := rows.First().Text()
	for _, want := range []string{"oscar-eu", "https://eu.example.org", "fed-eu", "unknown"} {
		if !strings.Contains(first, want) {
			t.Errorf("first member %q lacks %q", first, want)
		}
	}
	if p.Doc.Find("[data-testid=federation-problem]").Length() != 0 {
		t.Error("a problem is shown though the federation API answered")
	}
	for _, secret := range []string{"FED-SECRET-PASSWORD"} {
		if strings.Contains(p.Body, secret) {
			t.Errorf("the page shows %q", secret)
		}
	}

	t.Run("no federation, no section", func(t *testing.T) {
		e.putService(svcJSON("plain", "img", "1", "1Gi", "private", "cluster_admin"))
		if p := e.get("/services/plain"); p.Doc.Find("[data-testid=federation]").Length() != 0 {
			t.Error("a service without federation shows a federation section")
		}
	})
}

func TestServicePageFederationAPIFails(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/system/federation/") {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("INTERNAL-DETAIL kube exploded"))
			return true
		}
		return false
	}}, nil)
	e.putService(fedService)
	p := e.get("/services/fed")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want the page despite the federation API", p.StatusCode)
	}
	if got := p.text("[data-testid=federation-problem]"); !strings.Contains(got, "did not answer") {
		t.Errorf("problem = %q, want a message in the section", got)
	}
	if strings.Contains(p.Body, "INTERNAL-DETAIL") {
		t.Error("the page shows OSCAR's error text")
	}
	if n := p.Doc.Find("[data-testid=federation-members] tbody tr").Length(); n != 2 {
		t.Errorf("member rows = %d, want the definition's 2", n)
	}
	if got := p.text("[data-testid=member-state]"); !strings.Contains(got, "unknown") {
		t.Errorf("state = %q, want unknown", got)
	}
}

// The federation API answers the stored definition's federation, so the page asks it about a
// service only while the service has federation members: once seen without members, a service is
// not asked about again until its definition has some, and then the same view shows them.
func TestServicePageAsksTheFederationAPIOnlyForMembers(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(svcJSON("plain", "img", "1", "1Gi", "private", "cluster_admin"))
	view := func(step string, wantCalls, wantRows int) {
		t.Helper()
		e.fake.ResetRequests()
		p := e.get("/services/plain")
		if p.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", step, p.StatusCode)
		}
		if n := len(e.requests(http.MethodGet, "/system/federation/plain")); n != wantCalls {
			t.Errorf("%s: federation API calls = %d, want %d", step, n, wantCalls)
		}
		if n := p.Doc.Find("[data-testid=federation-members] tbody tr").Length(); n != wantRows {
			t.Errorf("%s: member rows = %d, want %d", step, n, wantRows)
		}
	}
	view("first view, nothing known", 1, 0)
	view("second view, no members last time", 0, 0)
	e.putService(strings.Replace(fedService, `"name":"fed"`, `"name":"plain"`, 1))
	view("members since the last view", 1, 2)
	view("a federated service", 1, 2)
	e.putService(svcJSON("plain", "img", "1", "1Gi", "private", "cluster_admin"))
	view("members gone", 1, 0)
	view("without members again", 0, 0)
}
