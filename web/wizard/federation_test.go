package wizard

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// fedService is a federated service as OSCAR returns it, with a cluster password in clear and a
// member header that may hold a credential.
func fedService() oscar.Service {
	return oscar.Service{Name: "fed", Image: "img", Script: "echo", Owner: "cluster_admin", ClusterID: "oscar-here",
		Clusters: map[string]oscar.Cluster{
			"oscar-eu":   {Endpoint: "https://eu.example.org", AuthUser: "eu-user", AuthPassword: "EU-SECRET-PASSWORD", SSLVerify: true},
			"oscar-here": {Endpoint: "https://here.example.org", AuthUser: "u", AuthPassword: "HERE-SECRET"},
		},
		Federation: &oscar.Federation{GroupID: "g", Topology: "star", Delegation: "random", ReschedulerThreshold: 20,
			Members: []oscar.Replica{{Type: "oscar", ClusterID: "oscar-eu", ServiceName: "fed-eu", SSLVerify: true, Priority: 1,
				Headers: map[string]string{"X-Key": "HEADER-SECRET"}}},
			Extra: map[string]json.RawMessage{"future": json.RawMessage(`true`)}},
	}
}

// storageForm is what the browser posts back for the Storage step as shown.
func storageForm(t *testing.T, d *Draft) url.Values {
	t.Helper()
	props, err := Props(Ref{Mode: d.Mode, Name: d.Service.Name}, d, Storage, Env{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := props.Storage.Federation
	v := url.Values{"cluster_id": {f.ClusterID}, "federation.group_id": {f.GroupID}, "federation.rescheduler_threshold": {f.Threshold}}
	for _, o := range f.Topologies {
		if o.Selected {
			v.Set("federation.topology", o.Value)
		}
	}
	for _, o := range f.Delegations {
		if o.Selected {
			v.Set("federation.delegation", o.Value)
		}
	}
	for _, m := range f.Members {
		v.Set(m.Prefix+".row", itoa(m.Row))
		for _, o := range m.Types {
			if o.Selected {
				v.Set(m.Prefix+".type", o.Value)
			}
		}
		v.Set(m.Prefix+".cluster_id", m.ClusterID)
		v.Set(m.Prefix+".service_name", m.ServiceName)
		v.Set(m.Prefix+".url", m.URL)
		v.Set(m.Prefix+".priority", m.Priority)
	}
	for _, c := range f.Clusters {
		v.Set(c.Prefix+".row", itoa(c.Row))
		v.Set(c.Prefix+".id", c.ID)
		v.Set(c.Prefix+".endpoint", c.Endpoint)
		v.Set(c.Prefix+".auth_user", c.User)
		v.Set(c.Prefix+".auth_password", "") // the browser never has it
		if c.SSLVerify {
			v.Set(c.Prefix+".ssl_verify", "true")
		}
	}
	return v
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestFederationEditKeepsWhatOSCARReturned(t *testing.T) {
	d := FromService(fedService(), ModeEdit)
	v := storageForm(t, d)
	for _, secret := range []string{"EU-SECRET-PASSWORD", "HERE-SECRET", "HEADER-SECRET"} {
		props, _ := Props(Ref{Mode: ModeEdit, Name: "fed"}, d, Storage, Env{}, nil)
		b, _ := json.Marshal(props)
		if strings.Contains(string(b), secret) {
			t.Errorf("the Storage step holds %s", secret)
		}
		rv, _ := Props(Ref{Mode: ModeEdit, Name: "fed"}, d, Review, Env{}, nil)
		if b, _ := json.Marshal(rv); strings.Contains(string(b), secret) {
			t.Errorf("the Review step holds %s", secret)
		}
	}
	if pr := ParseStep(d, Storage, Form{Values: v}, Env{}); !pr.Empty() {
		t.Fatalf("parse: %v", pr.errs)
	}
	if pr := Validate(d, Storage, Env{}); !pr.Empty() {
		t.Fatalf("the service as OSCAR returned it does not validate: %v", pr.errs)
	}
	got := d.Build()
	want := fedService()
	if got.ClusterID != want.ClusterID {
		t.Errorf("cluster_id = %q", got.ClusterID)
	}
	gb, _ := json.Marshal(got.Federation)
	wb, _ := json.Marshal(want.Federation)
	if string(gb) != string(wb) {
		t.Errorf("federation after a save of the step as shown:\n got %s\nwant %s", gb, wb)
	}
	gc, _ := json.Marshal(got.Clusters)
	wc, _ := json.Marshal(want.Clusters)
	if string(gc) != string(wc) {
		t.Errorf("clusters after a save:\n got %s\nwant %s (passwords kept though the form sent none)", gc, wc)
	}
}

func TestFederationRowsAddRemoveAndValidate(t *testing.T) {
	d := New()
	if _, ok := RowAction(d, Storage, url.Values{"add": {"federation.members"}}); !ok {
		t.Fatal("add member refused")
	}
	if _, ok := RowAction(d, Storage, url.Values{"add": {"clusters"}}); !ok {
		t.Fatal("add cluster refused")
	}
	if len(d.Members) != 1 || len(d.Clusters) != 1 {
		t.Fatalf("rows = %d members, %d clusters", len(d.Members), len(d.Clusters))
	}
	// A blank new row shows no problem until filled in.
	if pr := WithoutBlankRows(d, Validate(d, Storage, Env{})); !pr.Empty() {
		t.Errorf("blank rows report %v", pr.errs)
	}
	set := map[string]string{
		"federation.topology": "mesh", "federation.rescheduler_threshold": "soon",
		"federation.members[0].row": itoa(d.Members[0].Row), "federation.members[0].type": "oscar",
		"federation.members[0].cluster_id": "oscar-us", "federation.members[0].service_name": "Bad Name", "federation.members[0].priority": "-1",
		"federation.members[1].type": "endpoint", "federation.members[1].url": "ftp://x",
		"clusters[0].row": itoa(d.Clusters[0].Row), "clusters[0].id": "oscar eu", "clusters[0].endpoint": "eu.example.org",
		"clusters[0].auth_password": "pw",
	}
	post(d, Storage, set)
	pr := Validate(d, Storage, Env{})
	for field, want := range map[string]string{
		"cluster_id":                         "mesh",
		"federation.rescheduler_threshold":   "“soon”",
		"federation.members[0].cluster_id":   "Add the cluster oscar-us",
		"federation.members[0].service_name": "lower-case",
		"federation.members[0].priority":     "“-1”",
		"federation.members[1].url":          "as a URL",
		"clusters[0].id":                     "letters, digits",
		"clusters[0].endpoint":               "as a URL",
		"clusters[0].auth_user":              "user that goes with",
	} {
		if got := pr.errs[field]; !strings.Contains(got, want) {
			t.Errorf("%s: problem %q, want %q", field, got, want)
		}
		if stepOfField(field) != Storage {
			t.Errorf("%s belongs to %s, want storage", field, stepOfField(field))
		}
	}
	// The input is kept as typed.
	props, _ := Props(Ref{Mode: ModeNew}, d, Storage, Env{}, pr)
	f := props.Storage.Federation
	if f.Threshold != "soon" || f.Members[0].ServiceName != "Bad Name" || f.Clusters[0].Endpoint != "eu.example.org" || !f.Clusters[0].Kept {
		t.Errorf("typed input not kept: %+v", f)
	}

	if _, ok := RowAction(d, Storage, url.Values{"remove": {"federation.members[0]"}}); !ok {
		t.Fatal("remove member refused")
	}
	if len(d.Members) != 1 || d.Members[0].Type != "endpoint" {
		t.Errorf("after remove: %+v", d.Members)
	}
	if _, ok := RowAction(d, Storage, url.Values{"remove": {"clusters[0]"}}); !ok || len(d.Clusters) != 0 || d.Service.Clusters != nil {
		t.Errorf("after removing the cluster: %+v, service clusters %v", d.Clusters, d.Service.Clusters)
	}
}

func TestFederationNewServiceBuild(t *testing.T) {
	d := New()
	post(d, Storage, map[string]string{
		"federation.topology": "star", "federation.delegation": "static",
		"federation.members[0].type": "oscar", "federation.members[0].cluster_id": "oscar-eu", "federation.members[0].service_name": "fed-eu",
		"clusters[0].id": "oscar-eu", "clusters[0].endpoint": "https://eu.example.org", "clusters[0].auth_user": "u",
		"clusters[0].auth_password": "pw", "clusters[0].ssl_verify": "true",
	})
	if pr := Validate(d, Storage, Env{}); !pr.Empty() {
		t.Fatalf("valid federation refused: %v", pr.errs)
	}
	s := d.Build()
	if s.Federation == nil || s.Federation.Topology != "star" || len(s.Federation.Members) != 1 ||
		s.Federation.Members[0].ServiceName != "fed-eu" || !s.Federation.Members[0].SSLVerify {
		t.Errorf("federation = %+v", s.Federation)
	}
	if c := s.Clusters["oscar-eu"]; c.AuthPassword != "pw" || !c.SSLVerify || c.Endpoint != "https://eu.example.org" {
		t.Errorf("cluster = %+v", c)
	}
	// Nothing set: no federation member at all in the definition.
	if s := New().Build(); s.Federation != nil || s.Clusters != nil {
		t.Errorf("a new service without federation sends %+v %+v", s.Federation, s.Clusters)
	}
}

func TestFederationOldDraftLoadsRows(t *testing.T) {
	// A draft stored before the Federation section existed has the service's clusters but no rows.
	raw, _ := json.Marshal(map[string]any{"mode": "edit", "service": fedService()})
	d, err := Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Clusters) != 2 || len(d.Members) != 1 {
		t.Fatalf("rows not loaded: %+v %+v", d.Clusters, d.Members)
	}
	if d.Build().Clusters["oscar-eu"].AuthPassword != "EU-SECRET-PASSWORD" {
		t.Error("an old draft lost its cluster password")
	}
}
