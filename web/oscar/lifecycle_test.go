package oscar_test

import (
	"slices"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// exposedJSON is an exposed service of alice's on port 8888.
const exposedJSON = `{"name":"nb","image":"jupyter","script":"start","owner":"alice@egi.eu","visibility":"public",
	"expose":{"api_port":[8888],"min_scale":1,"max_scale":3,"cpu_threshold":80,"health_path":"/"}}`

func TestServiceActionsSettleByPolling(t *testing.T) {
	e := setup(t, oscartest.Options{DeploymentSettle: 2}, oscar.Options{})
	if err := e.srv.PutService(exposedJSON); err != nil {
		t.Fatal(err)
	}
	st, err := e.c.ServiceAction(e.ctx, e.ep, alice(), "nb", oscar.ActionStop)
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	if st.State != "stopped" || st.ServiceName != "nb" || st.ResourceKind != "exposed_service" {
		t.Errorf("stop answered %+v, want stopped exposed_service", st)
	}
	if !e.srv.Stopped("nb") {
		t.Error("the fake does not record the service as stopped")
	}
	// A stopped service stays stopped however often it is read.
	for range 3 {
		if d, err := e.c.Deployment(e.ctx, e.ep, alice(), "nb"); err != nil || d.State != "stopped" {
			t.Fatalf("Deployment after stop = %+v, %v", d, err)
		}
	}
	st, err = e.c.ServiceAction(e.ctx, e.ep, alice(), "nb", oscar.ActionStart)
	if err != nil || st.State != "pending" {
		t.Fatalf("start = %+v, %v; want pending", st, err)
	}
	var seen []string
	for range 4 {
		d, err := e.c.Deployment(e.ctx, e.ep, alice(), "nb")
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, d.State)
	}
	if want := []string{"pending", "pending", "ready", "ready"}; !slices.Equal(seen, want) {
		t.Errorf("states polled after start = %v, want %v", seen, want)
	}
	st, err = e.c.ServiceAction(e.ctx, e.ep, alice(), "nb", oscar.ActionRestart)
	if err != nil || st.State != "pending" {
		t.Errorf("restart = %+v, %v; want pending", st, err)
	}
}

func TestServiceActionRefusals(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	if err := e.srv.PutService(exposedJSON); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.PutService(`{"name":"batch","image":"img","script":"echo","owner":"alice@egi.eu","visibility":"public"}`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, svc, action string
		cr                oscar.Creds
		want              oscar.Kind
		msg               string
	}{
		{"someone else's service", "nb", oscar.ActionStop, bob(), oscar.Forbidden, ""},
		{"unknown service", "ghost", oscar.ActionStart, alice(), oscar.NotFound, ""},
		{"not exposed", "batch", oscar.ActionRestart, alice(), oscar.BadInput, `service "batch" is not exposed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.ServiceAction(e.ctx, e.ep, tt.cr, tt.svc, tt.action)
			if k := kindOf(t, err); k != tt.want {
				t.Errorf("kind = %v, want %v", k, tt.want)
			}
			if oe, _ := err.(*oscar.Error); tt.msg != "" && (oe == nil || oe.Message != tt.msg) {
				t.Errorf("message = %v, want %q", err, tt.msg)
			}
		})
	}
	if e.srv.Stopped("nb") {
		t.Error("bob's refused stop stopped alice's service")
	}
	if _, err := e.c.ServiceAction(e.ctx, e.ep, alice(), "nb", "explode"); kindOf(t, err) != oscar.BadInput {
		t.Errorf("unknown action: %v, want BadInput without a request", err)
	}
	for _, r := range e.srv.Requests() {
		if r.Path == "/system/services/nb/explode" {
			t.Error("an unknown action reached OSCAR")
		}
	}
}
