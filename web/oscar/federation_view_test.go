package oscar_test

import (
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

func TestViewFederation(t *testing.T) {
	eu := oscar.Replica{Type: "oscar", ClusterID: "oscar-eu", ServiceName: "s-eu"}
	us := oscar.Replica{Type: "oscar", ClusterID: "oscar-us", ServiceName: "s-us"}
	hook := oscar.Replica{Type: "endpoint", URL: "https://hook.example.org"}
	s := &oscar.Service{Name: "s",
		Federation: &oscar.Federation{GroupID: "g", Topology: "star", Delegation: "random", ReschedulerThreshold: 30,
			Members: []oscar.Replica{eu, us}},
		Clusters: map[string]oscar.Cluster{"oscar-eu": {Endpoint: "https://eu.example.org", AuthPassword: "pw"}},
	}

	if v := oscar.ViewFederation(&oscar.Service{Name: "plain"}, &oscar.FederationInfo{Topology: "none"}); v != nil {
		t.Errorf("service without federation: %+v, want nil", v)
	}

	api := &oscar.FederationInfo{Topology: "mesh", Members: []oscar.FederationMember{
		{Replica: oscar.Replica{Type: "OSCAR", ClusterID: "oscar-eu", ServiceName: "s-eu"}, State: "ready"},
		{Replica: hook},
	}}
	v := oscar.ViewFederation(s, api)
	if v == nil {
		t.Fatal("nil view for a federated service")
	}
	if v.Topology != "mesh" || v.GroupID != "g" || v.Delegation != "random" || v.ReschedulerThreshold != 30 {
		t.Errorf("view head = %+v, want the API's topology and the definition's group, delegation, threshold", v)
	}
	want := []oscar.MemberView{
		{Type: "oscar", ClusterID: "oscar-eu", ServiceName: "s-eu", Endpoint: "https://eu.example.org", State: "ready", Listed: true, Defined: true},
		{Type: "oscar", ClusterID: "oscar-us", ServiceName: "s-us", State: oscar.StateUnknown, Defined: true},
		{Type: "endpoint", URL: "https://hook.example.org", State: oscar.StateUnknown, Listed: true},
	}
	if len(v.Members) != len(want) {
		t.Fatalf("members = %+v, want %+v", v.Members, want)
	}
	for i := range want {
		if v.Members[i] != want[i] {
			t.Errorf("member %d = %+v, want %+v", i, v.Members[i], want[i])
		}
	}

	// The API could not be read: the definition's members, state unknown, not listed.
	v = oscar.ViewFederation(s, nil)
	if v.Topology != "star" || len(v.Members) != 2 || v.Members[0].State != oscar.StateUnknown || v.Members[0].Listed {
		t.Errorf("view without the API = %+v", v)
	}
}
