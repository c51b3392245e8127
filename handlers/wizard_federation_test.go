package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

const fedPassword = "CLUSTER-PW-SECRET"

// TestFederationRoundTripThroughTheWizard builds a federated service with the forms alone, creates
// it, reads it back on its page, edits it, exports it both ways and imports the export again. No
// page but the complete export (asked for and confirmed) carries the cluster's password.
func TestFederationRoundTripThroughTheWizard(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{CreateDelay: 10 * time.Millisecond})
	var pages []*page
	seen := func(p *page) *page { pages = append(pages, p); return p }

	g := seen(h.get("/services/new/general"))
	p := h.wzSubmit(g, wzForm0, map[string]string{"name": "fedsvc", "image": "ghcr.io/grycap/imagemagick", "script": "#!/bin/sh\necho hi\n"}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
	st := seen(h.get("/services/new/storage"))
	wzExpect(t, h.wzSubmit(st, wzForm0, map[string]string{"federation.topology": "star", "federation.delegation": "random"}, "add=federation.members"), http.StatusSeeOther, "")
	st = seen(h.get("/services/new/storage"))
	wzExpect(t, h.wzSubmit(st, wzForm0, map[string]string{
		"federation.members[0].cluster_id": "oscar-eu", "federation.members[0].service_name": "fedsvc-eu", "federation.members[0].priority": "0",
	}, "add=clusters"), http.StatusSeeOther, "")
	st = seen(h.get("/services/new/storage"))
	// The endpoint is wrong first: the message is next to the field, the rest is kept.
	p = seen(h.wzSubmit(st, wzForm0, map[string]string{
		"clusters[0].id": "oscar-eu", "clusters[0].endpoint": "eu.example.org", "clusters[0].auth_user": "eu-user",
		"clusters[0].auth_password": fedPassword,
	}, "nav=next"))
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if got := p.text("#" + templates.FieldID("clusters[0].endpoint") + "-error"); !strings.Contains(got, "as a URL") {
		t.Errorf("endpoint error = %q", got)
	}
	v := wzForm(t, p, wzForm0)
	if v.Get("clusters[0].endpoint") != "eu.example.org" || v.Get("federation.members[0].service_name") != "fedsvc-eu" || v.Get("clusters[0].auth_password") != "" {
		t.Errorf("the refused step shows %v", v)
	}
	p = h.wzSubmit(p, wzForm0, map[string]string{"clusters[0].endpoint": "https://eu.example.org"}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/inputs")
	for _, step := range []string{"inputs", "outputs", "expose"} {
		p = h.wzSubmit(seen(h.get("/services/new/"+step)), wzForm0, nil, "nav=next")
		wzExpect(t, p, http.StatusSeeOther, "")
	}
	rv := seen(h.get("/services/new/review"))
	wzExpect(t, rv, http.StatusOK, "")
	if rv.Doc.Find("[data-testid=review-problems]").Length() != 0 {
		t.Fatalf("review lists problems: %s", rv.text("[data-testid=review-problems]"))
	}
	wzExpect(t, h.wzSubmit(rv, "[data-testid=create-form]", nil, ""), http.StatusSeeOther, "/services/fedsvc")

	// OSCAR has the federation and the cluster with its password.
	if m := fake.FederationMembers("fedsvc"); len(m) != 1 || m[0]["cluster_id"] != "oscar-eu" || m[0]["service_name"] != "fedsvc-eu" {
		t.Fatalf("OSCAR's members = %v", m)
	}
	var stored oscar.Service
	if err := json.Unmarshal(fake.StoredService("fedsvc"), &stored); err != nil {
		t.Fatal(err)
	}
	if c := stored.Clusters["oscar-eu"]; c.AuthPassword != fedPassword || c.Endpoint != "https://eu.example.org" || !c.SSLVerify {
		t.Errorf("OSCAR's cluster = %+v", c)
	}
	if f := stored.Federation; f == nil || f.Topology != "star" || f.Delegation != "random" {
		t.Errorf("OSCAR's federation = %+v", f)
	}

	// The service page lists the member with its state.
	sp := seen(h.get("/services/fedsvc"))
	row := sp.Doc.Find("[data-testid=federation-members] tbody tr")
	if row.Length() != 1 || !strings.Contains(row.Text(), "fedsvc-eu") || !strings.Contains(row.Text(), "oscar-eu") || !strings.Contains(row.Text(), "unknown") {
		t.Errorf("federation on the service page: %q", row.Text())
	}

	// Edit: the password is kept, not shown.
	ed := seen(h.get("/services/fedsvc/edit/storage"))
	wzExpect(t, ed, http.StatusOK, "")
	if hint := ed.text("#" + templates.FieldID("clusters[0].auth_password") + "-hint"); !strings.Contains(hint, "kept") {
		t.Errorf("password hint = %q, want it said kept", hint)
	}
	wzExpect(t, h.wzSubmit(ed, wzForm0, map[string]string{"federation.members[0].priority": "2"}, "nav=next"), http.StatusSeeOther, "/services/fedsvc/edit/inputs")
	if d := h.wzDraft("edit:fedsvc"); d == nil || d.Build().Clusters["oscar-eu"].AuthPassword != fedPassword || d.Build().Federation.Members[0].Priority != 2 {
		t.Errorf("edit draft lost the password or the change: %+v", d)
	}
	seen(h.get("/services/fedsvc/edit/review"))

	// Sanitised export: federation and cluster endpoint, no credentials.
	ex := seen(h.get("/services/fedsvc/export"))
	wzExpect(t, ex, http.StatusOK, "")
	for _, want := range []string{"federation:", "fedsvc-eu", "oscar-eu", "https://eu.example.org"} {
		if !strings.Contains(ex.Body, want) {
			t.Errorf("sanitised export lacks %q:\n%s", want, ex.Body)
		}
	}
	if strings.Contains(ex.Body, "eu-user") {
		t.Error("the sanitised export carries the cluster's user")
	}
	// Complete export, after the confirmation: the credentials are in it, and it imports back to
	// the same federation and clusters.
	full := h.post("/services/fedsvc/export", url.Values{"complete": {"1"}})
	wzExpect(t, full, http.StatusOK, "")
	if !strings.Contains(full.Body, fedPassword) {
		t.Errorf("the complete export lacks the cluster password:\n%s", full.Body)
	}
	back, err := fdl.Parse([]byte(full.Body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := back.Service(0, map[string]string{"fedsvc.sh": stored.Script})
	if g, w := wzJSON(t, []any{got.Federation, got.Clusters}), wzJSON(t, []any{stored.Federation, stored.Clusters}); g != w {
		t.Errorf("complete export reads back as\n %s\nwant\n %s", g, w)
	}
	imp := seen(h.post("/services/import", url.Values{"fdl": {full.Body}}))
	wzExpect(t, imp, http.StatusSeeOther, "/services/fedsvc/edit/general")
	d := h.wzDraft("edit:fedsvc")
	if d == nil {
		t.Fatal("the import made no edit draft")
	}
	built := d.Build()
	if g, w := wzJSON(t, []any{built.Federation, built.Clusters}), wzJSON(t, []any{stored.Federation, stored.Clusters}); g != w {
		t.Errorf("imported export gives\n %s\nwant\n %s", g, w)
	}
	seen(h.get("/services/fedsvc/edit/storage"))
	seen(h.get("/services/fedsvc/edit/review"))

	for _, p := range pages {
		if strings.Contains(p.Body, fedPassword) {
			t.Errorf("a page (status %d) shows the cluster password", p.StatusCode)
		}
	}
	if strings.Contains(h.logs.String(), fedPassword) {
		t.Error("the logs hold the cluster password")
	}
}
