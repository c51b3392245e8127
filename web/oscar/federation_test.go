package oscar_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

func TestFederationRoundTrip(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	s := minimal("fed")
	s.Federation = &oscar.Federation{GroupID: "g1", Topology: "star", Delegation: "static",
		Members: []oscar.Replica{{Type: "oscar", ClusterID: "oscar-eu", ServiceName: "fed-eu", SSLVerify: true}}}
	s.Clusters = map[string]oscar.Cluster{"oscar-eu": {Endpoint: "https://eu.example.org", AuthUser: "u", AuthPassword: "pw", SSLVerify: true}}
	if err := e.c.CreateService(e.ctx, e.ep, alice(), s); err != nil {
		t.Fatalf("CreateService: %v", err)
	}

	f, err := e.c.Federation(e.ctx, e.ep, alice(), "fed")
	if err != nil {
		t.Fatalf("Federation: %v", err)
	}
	if f.Topology != "star" || len(f.Members) != 1 || f.Members[0].ClusterID != "oscar-eu" || f.Members[0].ServiceName != "fed-eu" {
		t.Fatalf("Federation = %+v, want star with oscar-eu/fed-eu", f)
	}

	add := oscar.FederationChange{
		Members:  []oscar.Replica{{Type: "oscar", ClusterID: "oscar-us", ServiceName: "fed-us"}, {Type: "oscar", ClusterID: "oscar-eu", ServiceName: "fed-eu"}},
		Clusters: map[string]oscar.Cluster{"oscar-us": {Endpoint: "https://us.example.org", AuthUser: "v", AuthPassword: "pw2"}},
	}
	f, err = e.c.AddFederationMembers(e.ctx, e.ep, alice(), "fed", add)
	if err != nil {
		t.Fatalf("AddFederationMembers: %v", err)
	}
	if len(f.Members) != 2 {
		t.Fatalf("after add: %d members, want 2 (a member already there is not added twice): %+v", len(f.Members), f.Members)
	}
	got, err := e.c.Service(e.ctx, e.ep, alice(), "fed", false)
	if err != nil {
		t.Fatalf("Service: %v", err)
	}
	if c := got.Clusters["oscar-us"]; c.Endpoint != "https://us.example.org" || c.AuthPassword != "pw2" {
		t.Errorf("cluster oscar-us after add = %+v, want it merged", c)
	}
	if _, ok := got.Clusters["oscar-eu"]; !ok {
		t.Errorf("cluster oscar-eu lost by the add: %v", got.Clusters)
	}
	if got.Federation == nil || got.Federation.GroupID != "g1" || got.Federation.Delegation != "static" {
		t.Errorf("federation after add = %+v, want group and delegation kept", got.Federation)
	}

	up := oscar.FederationChange{
		Members: []oscar.Replica{{Type: "OSCAR", ClusterID: "oscar-us", ServiceName: "fed-us"}},
		Update:  []oscar.Replica{{Type: "oscar", ClusterID: "oscar-us", ServiceName: "fed-us2", Priority: 3}},
	}
	if f, err = e.c.UpdateFederationMember(e.ctx, e.ep, alice(), "fed", up); err != nil {
		t.Fatalf("UpdateFederationMember: %v", err)
	}
	if f.Members[1].ServiceName != "fed-us2" || f.Members[1].Priority != 3 {
		t.Errorf("after update: %+v, want oscar-us/fed-us2 priority 3 (type matched case-insensitively)", f.Members[1])
	}

	if f, err = e.c.RemoveFederationMembers(e.ctx, e.ep, alice(), "fed", oscar.FederationChange{Members: []oscar.Replica{{Type: "oscar", ClusterID: "oscar-eu", ServiceName: "fed-eu"}}}); err != nil {
		t.Fatalf("RemoveFederationMembers: %v", err)
	}
	if len(f.Members) != 1 || f.Members[0].ClusterID != "oscar-us" {
		t.Errorf("after remove: %+v, want only oscar-us", f.Members)
	}
	if m := e.srv.FederationMembers("fed"); len(m) != 1 || m[0]["service_name"] != "fed-us2" {
		t.Errorf("fake keeps %v, want the one member fed-us2", m)
	}
}

func TestFederationNoneAndRefusals(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	if err := e.c.CreateService(e.ctx, e.ep, alice(), minimal("plain")); err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	f, err := e.c.Federation(e.ctx, e.ep, alice(), "plain")
	if err != nil {
		t.Fatalf("Federation: %v", err)
	}
	if f.Topology != "none" || len(f.Members) != 0 {
		t.Errorf("service without federation: %+v, want topology none and no members", f)
	}
	if _, err := e.c.Federation(e.ctx, e.ep, alice(), "nope"); kindOf(t, err) != oscar.NotFound {
		t.Errorf("unknown service: %v, want NotFound", err)
	}
	if _, err := e.c.AddFederationMembers(e.ctx, e.ep, alice(), "nope", oscar.FederationChange{}); kindOf(t, err) != oscar.NotFound {
		t.Errorf("add on unknown service: %v, want NotFound", err)
	}
	// Bob does not own alice's service: OSCAR refuses to change its federation.
	_, err = e.c.AddFederationMembers(e.ctx, e.ep, bob(), "plain", oscar.FederationChange{Members: []oscar.Replica{{Type: "oscar", ClusterID: "x", ServiceName: "y"}}})
	if kindOf(t, err) != oscar.Forbidden {
		t.Errorf("add by another user: %v, want Forbidden", err)
	}
	if m := e.srv.FederationMembers("plain"); len(m) != 0 {
		t.Errorf("refused add stored %v", m)
	}
	// The admin may.
	if _, err := e.c.AddFederationMembers(e.ctx, e.ep, admin(), "plain", oscar.FederationChange{Members: []oscar.Replica{{Type: "oscar", ClusterID: "x", ServiceName: "y"}}}); err != nil {
		t.Errorf("add by the admin: %v", err)
	}
	if _, err := e.c.Federation(e.ctx, e.ep, alice(), "a/b"); kindOf(t, err) != oscar.BadInput {
		t.Errorf("name with a slash: %v, want BadInput without a request", err)
	}
}

func TestFederationInvalidBodyRefused(t *testing.T) {
	e := setupLoose(t, oscartest.Options{}, oscar.Options{})
	if err := e.c.CreateService(e.ctx, e.ep, admin(), minimal("plain")); err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	_, err := e.c.AddFederationMembers(e.ctx, e.ep, admin(), "plain", oscar.FederationChange{
		Members: []oscar.Replica{{Type: "oscar", ClusterID: "x", ServiceName: "y", Headers: map[string]string{"a": "b"}}}})
	if err != nil {
		t.Fatalf("valid add refused: %v", err)
	}
	if len(e.srv.Violations()) != 0 {
		t.Fatalf("valid add recorded violations: %v", e.srv.Violations())
	}
	// A member whose priority is not a number: the contract refuses it, as OSCAR's binding does.
	req := strings.NewReader(`{"members":[{"type":"oscar","priority":"high"}]}`)
	resp, err := rawPost(e.srv.URL()+"/system/federation/plain", req)
	if err != nil {
		t.Fatal(err)
	}
	if resp != 400 {
		t.Errorf("invalid body: status %d, want 400", resp)
	}
	if m := e.srv.FederationMembers("plain"); len(m) != 1 {
		t.Errorf("invalid body changed the members: %v", m)
	}
}

// rawPost posts body as the fake's admin, bypassing the client, and returns the status.
func rawPost(url string, body io.Reader) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(oscartest.DefaultBasicUser, oscartest.DefaultBasicPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
