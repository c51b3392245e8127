package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Deployment logs: the tails offered, and the default.
var logTails = [...]int{100, 500, 1000}

const defaultLogTail = 100

// settled reports whether a deployment state needs no quick refresh (no change under way).
func settled(state string) bool {
	switch state {
	case "pending", "degraded":
		return false
	}
	return true
}

// runtimeKind names what OSCAR runs the service as, for people; "" when OSCAR reports no
// deployment for it (an event-driven service run as jobs).
func runtimeKind(kind string) string {
	switch kind {
	case "exposed_service":
		return "Exposed service (a Kubernetes Deployment)"
	case "kserve_service":
		return "KServe model"
	case "knative_service":
		return "Knative service"
	}
	return ""
}

// exposedURL is the URL OSCAR's ingress gives an exposed service.
func exposedURL(ep oscar.Endpoint, name string) string {
	return strings.TrimRight(string(ep), "/") + "/system/services/" + url.PathEscape(name) + "/exposed/"
}

// deploymentProps lays out a deployment state for the panel. s is the service's definition when
// the caller has it (the service page), nil otherwise; err is the failure to read the state.
func deploymentProps(ep oscar.Endpoint, name string, s *oscar.Service, st *oscar.DeploymentStatus, err error) templates.DeploymentProps {
	d := templates.DeploymentProps{
		Service: name,
		Poll:    servicePath(name, "deployment"),
		// No fragment: a link to the page's own URL with its fragment would only scroll.
		RefreshURL: servicePath(name),
		StartURL:   servicePath(name, "start"),
		RestartURL: servicePath(name, "restart"),
		StopURL:    servicePath(name, "stop"),
		Settled:    true,
	}
	if s != nil && s.Expose.Exposed() {
		d.Exposed = true
		d.HealthPath = s.Expose.HealthPath
		if d.HealthPath == "" {
			d.HealthPath = "/"
		}
		if len(s.Expose.NodePort) > 0 && s.Expose.NodePort[0] != 0 {
			var ports []string
			for _, p := range s.Expose.NodePort {
				ports = append(ports, strconv.Itoa(p))
			}
			d.NodePorts = strings.Join(ports, ", ")
		} else {
			d.ExposedURL = exposedURL(ep, name)
		}
	}
	if err != nil {
		d.Shown = d.Exposed || s != nil && s.Kserve != nil
		var oe *oscar.Error
		d.Problem = "The deployment state is not available."
		if errors.As(err, &oe) {
			d.Problem = "The deployment state is not available: " + oe.UserMessage()
		}
		return d
	}
	d.State, d.StateClass, d.Reason = st.State, stateClass(st.State), st.Reason
	d.Since = showTime(st.LastTransitionTime)
	d.Kind = runtimeKind(st.ResourceKind)
	d.Total = max(st.ActiveInstances, 0)
	d.Ready = max(st.ActiveInstances-st.AffectedInstances, 0)
	d.Settled = settled(st.State)
	d.Stopped = st.State == "stopped"
	if s == nil && st.ResourceKind == "exposed_service" {
		d.Exposed = true // the panel refreshed alone still offers the actions
	}
	d.Shown = d.Kind != "" || d.Exposed || s != nil && s.Kserve != nil
	if d.Kind != "" {
		d.LogsURL = servicePath(name, "deployment", "logs")
	}
	return d
}

// serviceTarget reads the {name} path value and the credentials to call OSCAR about it.
func (p *Pages) serviceTarget(r *http.Request) (string, oscar.Endpoint, oscar.Creds, error) {
	name, err := serviceName(r)
	ep, cr := p.creds(r)
	return name, ep, cr, err
}

// runtimeKV lists how the service runs (Execution, Expose and KServe settings) for the service
// page's General section.
func runtimeKV(s *oscar.Service, kv func(k, v string)) {
	yes := func(k string, on bool) {
		if on {
			kv(k, "yes")
		}
	}
	yes("Image pulled in advance", s.ImagePrefetch)
	yes("Input downloaded before the script", s.FileStageIn)
	yes("Intel SGX", s.EnableSGX)
	if e := s.Expose; e.Exposed() {
		ports := make([]string, len(e.APIPort))
		for i, p := range e.APIPort {
			ports[i] = strconv.Itoa(p)
		}
		kv("API ports", strings.Join(ports, ", "))
		kv("Instances", fmt.Sprintf("%d to %d, one more above %d%% CPU", e.MinScale, e.MaxScale, e.CPUThreshold))
		if e.SetAuth {
			kv("Credentials", "asked ("+cmp.Or(e.AuthType, "basic")+")")
		}
	}
	if k := s.Kserve; k != nil {
		model := k.Type + " from " + k.StorageURI
		if k.Inference != nil && k.Inference.ModelFormat != "" {
			model += " (" + k.Inference.ModelFormat + ")"
		}
		kv("KServe model", model)
	}
	if m := s.Mount; m != nil && m.Path != "" {
		kv("Mounted bucket", m.StorageProvider+": "+m.Path)
	}
}

// deploymentState reads the {name} service's deployment state for a panel polled alone. err is a
// failure the panel shows; fatal one the page cannot be shown for (a bad name, a service that is
// gone or not the user's).
func (p *Pages) deploymentState(r *http.Request) (name string, ep oscar.Endpoint, st *oscar.DeploymentStatus, err, fatal error) {
	name, ep, cr, fatal := p.serviceTarget(r)
	if fatal != nil {
		return name, ep, nil, nil, fatal
	}
	st, err = p.oscar.Deployment(r.Context(), ep, cr, name)
	var oe *oscar.Error
	if errors.As(err, &oe) && (oe.NotFound() || oe.Denied()) {
		return name, ep, nil, nil, fmt.Errorf("handlers: deployment of %q: %w", name, err)
	}
	return name, ep, st, err, nil
}

// showDeployment handles "GET /services/{name}/deployment": the deployment panel alone, which the
// service page's script polls (one OSCAR call).
func (p *Pages) showDeployment(w http.ResponseWriter, r *http.Request) error {
	name, ep, st, err, fatal := p.deploymentState(r)
	if fatal != nil {
		return fatal
	}
	d := deploymentProps(ep, name, nil, st, err)
	if d.Exposed && d.ExposedURL == "" && d.NodePorts == "" {
		d.ExposedURL = exposedURL(ep, name)
	}
	d.RefreshURL = d.Poll
	props := templates.DeploymentPageProps{ServiceURL: servicePath(name), Deployment: d}
	return p.render(w, r, http.StatusOK, templates.DeploymentPage(p.layout(r, "Deployment of "+name, "services"), props))
}

// confirmStopService handles "GET /services/{name}/stop": the confirmation of a stop.
func (p *Pages) confirmStopService(w http.ResponseWriter, r *http.Request) error {
	name, ep, _, err := p.serviceTarget(r)
	if err != nil {
		return err
	}
	props := templates.StopServiceProps{Service: name, Action: servicePath(name, "stop"), CancelURL: servicePath(name) + "#deployment",
		ExposedURL: exposedURL(ep, name)}
	return p.render(w, r, http.StatusOK, templates.StopServicePage(p.layout(r, "Stop "+name, "services"), props))
}

// stopService handles "POST /services/{name}/stop".
func (p *Pages) stopService(w http.ResponseWriter, r *http.Request) error {
	return p.serviceAction(w, r, oscar.ActionStop)
}

// startService handles "POST /services/{name}/start".
func (p *Pages) startService(w http.ResponseWriter, r *http.Request) error {
	return p.serviceAction(w, r, oscar.ActionStart)
}

// restartService handles "POST /services/{name}/restart".
func (p *Pages) restartService(w http.ResponseWriter, r *http.Request) error {
	return p.serviceAction(w, r, oscar.ActionRestart)
}

// serviceAction asks OSCAR to stop, start or restart an exposed service and goes back to its page,
// where the deployment panel shows the state until it settles. OSCAR's 400 for a service that is
// not exposed becomes a 409: the request is fine, the service is not in a state that allows it.
func (p *Pages) serviceAction(w http.ResponseWriter, r *http.Request, action string) error {
	return p.lifecycleAction(w, r, action, func(name string) string { return servicePath(name) + "#deployment" })
}

// lifecycleAction asks OSCAR to stop, start or restart the {name} service and goes back to the
// page back names for it, with the state OSCAR reports in a flash.
func (p *Pages) lifecycleAction(w http.ResponseWriter, r *http.Request, action string, back func(name string) string) error {
	name, ep, cr, err := p.serviceTarget(r)
	if err != nil {
		return err
	}
	if _, err := formValues(r); err != nil {
		return err
	}
	st, err := p.oscar.ServiceAction(r.Context(), ep, cr, name, action)
	var oe *oscar.Error
	if errors.As(err, &oe) && oe.Kind == oscar.BadInput && strings.Contains(oe.Message, "not exposed") {
		return &userError{http.StatusConflict, "This service is not exposed",
			"Only exposed services (with an API port) can be stopped, started or restarted. Edit the service to expose it, or invoke it instead."}
	}
	if err != nil {
		return fmt.Errorf("handlers: %s service %q: %w", action, name, err)
	}
	msg := map[string]string{
		oscar.ActionStop:    "Stopping %s: OSCAR scales it to zero instances.",
		oscar.ActionStart:   "Starting %s: its instances are coming up.",
		oscar.ActionRestart: "Restarting %s: OSCAR replaces its instances one by one.",
	}[action]
	flash := fmt.Sprintf(msg, name)
	if st.State != "" {
		flash += " State now: " + st.State + "."
	}
	p.session(r).Data.AddFlash(flash)
	return p.redirect(w, r, back(name))
}

// readLogQuery reads the logs page's tail and timestamps from the URL.
func readLogQuery(q url.Values) (tail int, stamps bool) {
	tail = defaultLogTail
	if n, err := strconv.Atoi(q.Get("tail")); err == nil {
		for _, t := range logTails {
			if n == t {
				tail = n
			}
		}
	}
	return tail, q.Get("timestamps") == "1"
}

// showDeploymentLogs handles "GET /services/{name}/deployment/logs": the last 100, 500 or 1000
// lines of the service's instances, with or without timestamps, as plain text in the page or as a
// text/plain attachment with ?download=1.
func (p *Pages) showDeploymentLogs(w http.ResponseWriter, r *http.Request) error {
	name, ep, cr, err := p.serviceTarget(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	tail, stamps := readLogQuery(q)
	logs, err := p.oscar.DeploymentLogs(r.Context(), ep, cr, name, tail, stamps)
	if err != nil {
		return fmt.Errorf("handlers: deployment logs of %q: %w", name, err)
	}
	var b strings.Builder
	for _, e := range logs.Entries {
		if stamps && e.Timestamp != "" {
			b.WriteString(e.Timestamp)
			b.WriteByte(' ')
		}
		b.WriteString(strings.TrimRight(e.Message, "\r\n"))
		b.WriteByte('\n')
	}
	if q.Get("download") == "1" {
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Content-Disposition", attachment(name+"-deployment.log"))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write([]byte(b.String()))
		return err
	}
	self := servicePath(name, "deployment", "logs")
	link := func(t int, ts bool, extra ...string) string {
		v := url.Values{"tail": {strconv.Itoa(t)}, "timestamps": {boolParam(ts)}}
		if len(extra) == 2 {
			v.Set(extra[0], extra[1])
		}
		return withQuery(self, v)
	}
	props := templates.DeploymentLogsProps{
		Service: name, ServiceURL: servicePath(name), Available: logs.Available && len(logs.Entries) > 0,
		Message: logs.Message, Log: b.String(), Lines: len(logs.Entries), Tail: tail, Timestamps: stamps,
		ToggleURL: link(tail, !stamps), DownloadURL: link(tail, stamps, "download", "1"), RefreshURL: link(tail, stamps),
	}
	for _, t := range logTails {
		props.Tails = append(props.Tails, templates.LogTail{N: t, URL: link(t, stamps), Current: t == tail})
	}
	return p.render(w, r, http.StatusOK, templates.DeploymentLogsPage(p.layout(r, "Deployment logs of "+name, "services"), props))
}
