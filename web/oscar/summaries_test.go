package oscar_test

import (
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// The list page's summaries carry what the list shows, equal to the full definitions' members.
func TestServiceSummariesMatchTheFullList(t *testing.T) {
	e := setup(t, oscartest.Options{CreateDelay: -1}, oscar.Options{})
	for _, def := range []string{
		`{"name":"plain","image":"ghcr.io/a/b:1","script":"echo","cpu":"0.5","memory":"512Mi","visibility":"public","vo":"vo.example.eu","labels":{"app":"x"},"environment":{"variables":{"K":"v"}}}`,
		`{"name":"web","image":"nginx","script":"echo","cpu":"1","memory":"1Gi","expose":{"api_port":[8080],"min_scale":1,"max_scale":1}}`,
	} {
		if err := e.srv.PutService(def); err != nil {
			t.Fatal(err)
		}
	}
	full, err := e.c.Services(e.ctx, e.ep, admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	sums, err := e.c.ServiceSummaries(e.ctx, e.ep, admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(full) || len(sums) != 2 {
		t.Fatalf("%d summaries, %d services", len(sums), len(full))
	}
	for i, f := range full {
		s := sums[i]
		if s.Name != f.Name || s.Image != f.Image || s.CPU != f.CPU || s.Memory != f.Memory || s.Visibility != f.Visibility ||
			s.VO != f.VO || s.Owner != f.Owner || s.Expose.Exposed() != f.Expose.Exposed() || (s.Kserve == nil) != (f.Kserve == nil) ||
			len(s.Labels) != len(f.Labels) || (s.Deployment == nil) != (f.Deployment == nil) {
			t.Errorf("summary %+v differs from %+v", s, f)
		}
		if s.Deployment != nil && s.Deployment.State != f.Deployment.State {
			t.Errorf("%s: deployment state %q, want %q", s.Name, s.Deployment.State, f.Deployment.State)
		}
		if s.Script != "" || s.Environment != nil || s.Token != "" {
			t.Errorf("%s: a summary carries more than the list shows", s.Name)
		}
	}
}

func TestServiceSummariesOfAnEmptyCluster(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	sums, err := e.c.ServiceSummaries(e.ctx, e.ep, admin(), false)
	if err != nil || sums == nil || len(sums) != 0 {
		t.Errorf("empty cluster: %v, %v", sums, err)
	}
}

// An answer like the last is not decoded again, yet each call gets summaries of its own; a changed
// answer is decoded.
func TestServiceSummariesOfAnUnchangedList(t *testing.T) {
	e := setup(t, oscartest.Options{CreateDelay: -1}, oscar.Options{})
	if err := e.srv.PutService(`{"name":"web","image":"nginx","script":"echo","labels":{"app":"x"},"expose":{"api_port":[8080],"min_scale":1,"max_scale":1}}`); err != nil {
		t.Fatal(err)
	}
	first, err := e.c.ServiceSummaries(e.ctx, e.ep, admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	first[0].Labels["app"] = "changed by the caller"
	first[0].Deployment.State = "changed by the caller"
	first[0].Expose.APIPort[0] = 1
	second, err := e.c.ServiceSummaries(e.ctx, e.ep, admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	if second[0].Labels["app"] != "x" || second[0].Deployment.State == "changed by the caller" || second[0].Expose.APIPort[0] != 8080 {
		t.Errorf("a caller's change reached the next call: %+v %+v %v", second[0].Labels, second[0].Deployment, second[0].Expose.APIPort)
	}
	if n := len(e.srv.Requests()); n != 2 {
		t.Errorf("%d requests to OSCAR, want one per call", n)
	}
	e.srv.SetDeployment("web", oscartest.Deployment{State: "stopped"})
	third, err := e.c.ServiceSummaries(e.ctx, e.ep, admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	if third[0].Deployment == nil || third[0].Deployment.State != "stopped" {
		t.Errorf("a changed list came back as before: %+v", third[0].Deployment)
	}
}
