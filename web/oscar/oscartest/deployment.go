package oscartest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// DefaultDeploymentSettle is how many reads of a service's deployment state a start or restart
// takes to become ready (Options.DeploymentSettle).
const DefaultDeploymentSettle = 2

// deployState is the fake's Kubernetes Deployment of an exposed service: stopped (scaled to zero by
// /stop), or rolling out (pending) for a number of reads after /start or /restart, then ready.
type deployState struct {
	stopped bool
	pending int // reads of the state left before a start or restart settles
	since   time.Time
	set     *Deployment // a state a test set with SetDeployment
}

// Deployment is a deployment state a test sets with SetDeployment (OSCAR's
// ServiceDeploymentStatus without the name and namespace).
type Deployment struct {
	State    string // pending | ready | degraded | failed | stopped | unavailable
	Reason   string
	Active   int
	Affected int
}

// SetDeployment fixes the deployment state a service reports until its next start, stop or
// restart (for failed or degraded states, which the fake never reaches by itself).
func (s *Server) SetDeployment(name string, d Deployment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.services[name]; ok {
		sv.deploy.set = &d
	}
}

// Stopped reports whether an exposed service is stopped (scaled to zero).
func (s *Server) Stopped(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv, ok := s.services[name]
	return ok && sv.deploy.stopped
}

func (s *Server) settle() int {
	if s.opts.DeploymentSettle < 0 {
		return 0
	}
	if s.opts.DeploymentSettle == 0 {
		return DefaultDeploymentSettle
	}
	return s.opts.DeploymentSettle
}

// exposed reports whether OSCAR treats the service as exposed (a non-zero first api_port).
func (v view) exposed() bool {
	return v.Expose != nil && len(v.Expose.APIPort) > 0 && v.Expose.APIPort[0] != 0
}

// kserve reports whether the service has a kserve member.
func (v view) kserve() bool {
	return len(v.Kserve) > 0 && string(v.Kserve) != "null"
}

// deploymentOf is the service's deployment status as OSCAR's GET .../deployment returns it, in
// the words of OSCAR's handlers (pkg/handlers/deployment.go). Reading it advances a rollout, so a
// client polling after /start sees pending, then ready. Caller holds s.mu.
func (s *Server) deploymentOf(sv *service) map[string]any {
	v := sv.view()
	ns := "oscar-svc"
	_ = json.Unmarshal(sv.raw["namespace"], &ns)
	st := &sv.deploy
	if st.since.IsZero() {
		st.since = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	d := map[string]any{"service_name": v.Name, "namespace": ns, "state": "unavailable",
		"reason":               "Current deployment visibility is unavailable for this service runtime.",
		"last_transition_time": st.since.Format(time.RFC3339), "active_instances": 0, "affected_instances": 0, "resource_kind": "unavailable"}
	replicas := 1
	if v.Expose != nil && v.Expose.MinScale > 0 {
		replicas = v.Expose.MinScale
	}
	kind := "exposed_service"
	if v.kserve() {
		kind = "kserve_service"
	}
	switch {
	case st.set != nil:
		d["state"], d["reason"], d["active_instances"], d["affected_instances"] = st.set.State, st.set.Reason, st.set.Active, st.set.Affected
		if v.exposed() || v.kserve() {
			d["resource_kind"] = kind
		}
	case v.exposed() && st.stopped:
		d["state"], d["reason"], d["resource_kind"] = "stopped", "Deployment is stopped.", kind
	case v.exposed() && st.pending > 0:
		st.pending--
		d["state"], d["resource_kind"] = "pending", kind
		d["reason"] = fmt.Sprintf("ReplicaSet %q is progressing.", v.Name+"-dpl")
		d["active_instances"], d["affected_instances"] = replicas, replicas
		if st.pending == 0 {
			st.since = time.Now().UTC().Truncate(time.Second)
		}
	case v.exposed() || v.kserve():
		d["state"], d["reason"], d["resource_kind"], d["active_instances"] = "ready", "Deployment is ready.", kind, replicas
	case s.opts.ServerlessBackend:
		d["state"], d["reason"], d["resource_kind"] = "ready", "Runtime service is ready.", "knative_service"
	}
	return d
}

// deployment handles GET /system/services/{name}/deployment.
func (s *Server) deployment(w http.ResponseWriter, r *http.Request, p *principal) {
	sv := s.visibleService(w, p, r.PathValue("name"))
	if sv == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.deploymentOf(sv))
}

// deploymentLogs handles GET /system/services/{name}/deployment/logs: the last tailLines lines
// (default 200), with timestamps when asked.
func (s *Server) deploymentLogs(w http.ResponseWriter, r *http.Request, p *principal) {
	sv := s.visibleService(w, p, r.PathValue("name"))
	if sv == nil {
		return
	}
	tail := 200
	if t := r.URL.Query().Get("tailLines"); t != "" {
		if n, err := strconv.Atoi(t); err == nil && n > 0 {
			tail = n
		}
	}
	ts, _ := strconv.ParseBool(r.URL.Query().Get("timestamps"))
	lines := sv.deployLogs
	if len(lines) > tail {
		lines = lines[len(lines)-tail:]
	}
	entries := []map[string]string{}
	first := len(sv.deployLogs) - len(lines)
	for i, l := range lines {
		e := map[string]string{"message": l}
		if ts {
			e["timestamp"] = time.Date(2026, 1, 1, 0, 0, first+i, 0, time.UTC).Format(time.RFC3339Nano)
		}
		entries = append(entries, e)
	}
	out := map[string]any{"service_name": r.PathValue("name"), "available": len(lines) > 0, "entries": entries}
	if len(lines) == 0 {
		out["message"] = "Deployment logs are not yet available."
	}
	writeJSON(w, http.StatusOK, out)
}

// lifecycle handles POST /system/services/{name}/stop, /start and /restart as OSCAR does
// (pkg/handlers/lifecycle.go): 404 for an unknown service, 403 when a bearer caller is not its
// owner, 400 when it is not exposed; otherwise the action, and the deployment's state right after it.
func (s *Server) lifecycle(action string) callerHandler {
	return func(w http.ResponseWriter, r *http.Request, p *principal) {
		sv := s.lookup(w, r)
		if sv == nil {
			return
		}
		v := sv.view()
		if !p.basic && v.Owner != p.sub {
			writePlain(w, http.StatusForbidden, fmt.Sprintf("User %s doesn't have permission to manage this service", p.sub))
			return
		}
		if v.Expose == nil || len(v.Expose.APIPort) == 0 {
			writePlain(w, http.StatusBadRequest, fmt.Sprintf("service %q is not exposed", v.Name))
			return
		}
		if !v.exposed() {
			w.WriteHeader(http.StatusNotFound) // api_port [0]: OSCAR finds no Deployment
			return
		}
		st := &sv.deploy
		st.set = nil
		switch action {
		case "stop":
			st.stopped, st.pending = true, 0
			st.since = time.Now().UTC().Truncate(time.Second)
		case "start":
			if st.stopped {
				st.stopped, st.pending = false, s.settle()+1 // +1: this answer is one read
			}
		case "restart":
			if !st.stopped {
				st.pending = s.settle() + 1
			}
		}
		writeJSON(w, http.StatusOK, s.deploymentOf(sv))
	}
}
