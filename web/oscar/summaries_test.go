package oscar_test

import (
	"fmt"
	"reflect"
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
		`{"name":"model","image":"kserve","script":"echo","kserve":{"type":"inference","storage_uri":"s3://models/m","inference":{"model_format":"onnx"}}}`,
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
	if len(sums) != len(full) || len(sums) != 3 {
		t.Fatalf("%d summaries, %d services", len(sums), len(full))
	}
	for i := range full {
		f := &full[i]
		if want := oscar.SummaryOf(f); !reflect.DeepEqual(sums[i], want) {
			t.Errorf("summary %+v, want %+v", sums[i], want)
		}
		d, ok := sums[i].Deployment()
		if !ok || d.State != f.Deployment.State {
			t.Errorf("%s: deployment %+v (%v), want state %q", f.Name, d, ok, f.Deployment.State)
		}
		if sums[i].Exposed() != f.Expose.Exposed() || sums[i].KServe() != (f.Kserve != nil) {
			t.Errorf("%s: exposed %v, kserve %v", f.Name, sums[i].Exposed(), sums[i].KServe())
		}
	}
	kinds := map[string]string{}
	for i := range sums {
		kinds[sums[i].Name] = fmt.Sprint(sums[i].Exposed(), sums[i].KServe())
	}
	if want := map[string]string{"plain": "false false", "web": "true false", "model": "false true"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("exposed and KServe by service: %v, want %v", kinds, want)
	}
	byName := map[string]*oscar.ServiceSummary{}
	for i := range sums {
		byName[sums[i].Name] = &sums[i]
	}
	if p, w := byName["plain"], byName["web"]; p.Label("app") != "x" || !p.HasLabels() || w.HasLabels() {
		t.Errorf("labels: app=%q, has %v and %v", p.Label("app"), p.HasLabels(), w.HasLabels())
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
	// What a caller can change of its summaries: the slice and the copies Deployment returns.
	first[0].Name = "changed by the caller"
	d, _ := first[0].Deployment()
	d.State = "changed by the caller"
	first = append(first[:0], oscar.ServiceSummary{Name: "another"})
	second, err := e.c.ServiceSummaries(e.ctx, e.ep, admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	if d2, _ := second[0].Deployment(); second[0].Name != "web" || second[0].Label("app") != "x" || d2.State == "changed by the caller" || !second[0].Exposed() {
		t.Errorf("a caller's change reached the next call: %+v, %+v", second[0], d2)
	}
	if n := len(e.srv.Requests()); n != 2 {
		t.Errorf("%d requests to OSCAR, want one per call", n)
	}
	e.srv.SetDeployment("web", oscartest.Deployment{State: "stopped"})
	third, err := e.c.ServiceSummaries(e.ctx, e.ep, admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := third[0].Deployment(); !ok || d.State != "stopped" {
		t.Errorf("a changed list came back as before: %+v", d)
	}
}
