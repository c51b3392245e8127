package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The federated service of these flows: one member on oscar-eu, whose password the browser never sees.
const (
	fedService   = "fedsvc"
	fedPassword  = "e2e-cluster-password"
	fedPassword2 = "e2e-second-cluster-password"
)

// seedFederated creates a federated service in the fake OSCAR through its API.
func (c *console) seedFederated(t *testing.T) {
	t.Helper()
	def := map[string]any{
		"name": fedService, "image": "ghcr.io/grycap/cowsay", "script": "#!/bin/sh\necho hi\n", "cluster_id": "oscar-here",
		"clusters": map[string]any{"oscar-eu": map[string]any{"endpoint": "https://eu.example.org", "auth_user": "eu-user",
			"auth_password": fedPassword, "ssl_verify": true}},
		"federation": map[string]any{"group_id": fedService, "topology": "star", "delegation": "static",
			"members": []map[string]any{{"type": "oscar", "cluster_id": "oscar-eu", "service_name": "fedsvc-eu", "ssl_verify": true, "priority": 0}}},
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
		t.Fatalf("seed %s: status %d", fedService, resp.StatusCode)
	}
}

// TestFederation: a federated service's page (its members and their state), then its members
// edited in the wizard: a member and a cluster added with the buttons (which post the form: the
// same with and without JavaScript), a bad endpoint refused next to its field, a member removed,
// and the change saved with the first cluster's password kept though the browser never had it.
func TestFederation(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			c.seedFederated(t)
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.federationFlow()
			c.assertNoSecretsLogged(t, fedPassword, fedPassword2)
		})
	}
}

// noPassword fails when the page holds a cluster password.
func (tb *tab) noPassword() {
	tb.t.Helper()
	html := eval[string](tb, `document.documentElement.outerHTML`)
	for _, p := range []string{fedPassword, fedPassword2} {
		if strings.Contains(html, p) {
			tb.t.Errorf("the page %s holds a cluster password", tb.path())
		}
	}
}

func (tb *tab) federationFlow() {
	tb.t.Helper()
	t := tb.t
	if st := tb.open("/services/" + fedService); st != 200 {
		tb.fatalf("service page: status %d", st)
	}
	tb.mustSee(`[data-testid="federation"]`)
	if got := tb.text(`[data-testid="federation-members"] tbody`); !strings.Contains(got, "oscar-eu") || !strings.Contains(got, "fedsvc-eu") {
		t.Errorf("members = %q", got)
	}
	if got := tb.text(`[data-testid="member-state"]`); !strings.Contains(got, "unknown") {
		t.Errorf("member state = %q, want unknown (OSCAR's federation API says none)", got)
	}
	tb.noPassword()
	tb.screen("service-federation")

	if st := tb.click(`[data-testid="edit"]`); st != 200 {
		tb.fatalf("edit: status %d", st)
	}
	if st := tb.click(`[data-testid="tab-storage"]`); st != 200 {
		tb.fatalf("to storage: status %d", st)
	}
	tb.step("storage")
	tb.mustSee(`[data-testid="federation"]`)
	if got := tb.text("#f-clusters-0-auth_password-hint"); !strings.Contains(got, "kept") {
		t.Errorf("password hint = %q, want it said kept", got)
	}
	tb.noPassword()
	tb.screen("wizard-federation")

	// Add a member, then a cluster for it.
	if st := tb.click(`[data-testid="add-federation.members"]`); st != 200 {
		tb.fatalf("add member: status %d", st)
	}
	if n := tb.count(`[data-testid="member-row"]`); n != 2 {
		tb.fatalf("member rows = %d, want 2", n)
	}
	tb.fill(`[name="federation.members[1].cluster_id"]`, "oscar-us")
	tb.fill(`[name="federation.members[1].service_name"]`, "fedsvc-us")
	if st := tb.click(`[data-testid="add-clusters"]`); st != 200 {
		tb.fatalf("add cluster: status %d", st)
	}
	if got := tb.attr(`[name="federation.members[1].service_name"]`, "value"); got != "fedsvc-us" {
		t.Errorf("the new member's service after adding a cluster = %q", got)
	}
	tb.fill(`[name="clusters[1].id"]`, "oscar-us")
	tb.fill(`[name="clusters[1].endpoint"]`, "us.example.org")
	tb.fill(`[name="clusters[1].auth_user"]`, "us-user")
	tb.fill(`[name="clusters[1].auth_password"]`, fedPassword2)
	if st := tb.next(); st != 422 {
		t.Errorf("Next with an endpoint without https://: status %d, want 422", st)
	}
	tb.step("storage")
	tb.checkInvalid("#f-clusters-1-endpoint")
	if got := tb.attr(`[name="clusters[1].endpoint"]`, "value"); got != "us.example.org" {
		t.Errorf("the refused endpoint shows %q, want it kept", got)
	}
	tb.noPassword()
	tb.screen("wizard-federation-invalid")
	tb.fill(`[name="clusters[1].endpoint"]`, "https://us.example.org")

	// Remove the first member: oscar-eu stays a cluster, no longer a member.
	if st := tb.click(`[data-testid="member-row"]:first-of-type [data-testid="remove-member"]`); st != 200 {
		tb.fatalf("remove member: status %d", st)
	}
	if n := tb.count(`[data-testid="member-row"]`); n != 1 {
		t.Errorf("member rows after remove = %d, want 1", n)
	}
	if got := tb.attr(`[name="federation.members[0].cluster_id"]`, "value"); got != "oscar-us" {
		t.Errorf("the member left is %q, want oscar-us", got)
	}
	if st := tb.click(`[data-testid="tab-review"]`); st != 200 {
		tb.fatalf("to review: status %d", st)
	}
	tb.step("review")
	tb.noPassword()
	if st := tb.click(`[data-testid="create"]`); st != 200 {
		tb.fatalf("save changes: status %d", st)
	}
	if got := tb.path(); got != "/services/"+fedService {
		t.Errorf("after saving: %s", got)
	}
	sv := tb.storedService(fedService)
	fed, _ := sv["federation"].(map[string]any)
	members, _ := fed["members"].([]any)
	if len(members) != 1 || members[0].(map[string]any)["cluster_id"] != "oscar-us" || members[0].(map[string]any)["service_name"] != "fedsvc-us" {
		t.Errorf("OSCAR's members = %v, want only oscar-us/fedsvc-us", members)
	}
	clusters, _ := sv["clusters"].(map[string]any)
	eu, _ := clusters["oscar-eu"].(map[string]any)
	us, _ := clusters["oscar-us"].(map[string]any)
	if eu["auth_password"] != fedPassword {
		t.Error("the edit lost oscar-eu's password")
	}
	if us["auth_password"] != fedPassword2 || us["endpoint"] != "https://us.example.org" {
		t.Errorf("oscar-us = endpoint %v, password set %v", us["endpoint"], us["auth_password"] == fedPassword2)
	}
	if got := tb.text(`[data-testid="federation-members"] tbody`); !strings.Contains(got, "fedsvc-us") {
		t.Errorf("the service page after saving lists %q", got)
	}
	tb.noPassword()
}
