package wizard

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The Expose step: an exposed service is a Kubernetes Deployment that serves HTTP on its API ports
// at <endpoint>/system/services/<name>/exposed/ (notebooks, web apps, model servers). The step also
// holds the KServe section (kserve.go). OSCAR's defaults and rules are those of its types.Expose and
// pkg/backends/resources/expose.go.

// OSCAR's defaults for expose (its types.Expose tags).
const (
	defaultExposeMin  = 1
	defaultExposeMax  = 10
	defaultExposeCPU  = 80
	defaultHealthPath = "/"
)

// Kubernetes' NodePort range.
const (
	minNodePort = 30000
	maxNodePort = 32767
)

// ExposedURL is the URL OSCAR gives an exposed service on the cluster at endpoint.
func ExposedURL(endpoint, name string) string {
	return strings.TrimRight(endpoint, "/") + "/system/services/" + url.PathEscape(name) + "/exposed/"
}

// exposeDefaults fills the zeros of an expose that is being turned on with OSCAR's defaults (what
// OSCAR returns for a service that is not exposed is an expose of zeros).
func exposeDefaults(e *oscar.Expose) {
	if e.MinScale == 0 {
		e.MinScale = defaultExposeMin
	}
	if e.MaxScale == 0 {
		e.MaxScale = defaultExposeMax
	}
	if e.CPUThreshold == 0 {
		e.CPUThreshold = defaultExposeCPU
	}
	if e.HealthPath == "" {
		e.HealthPath = defaultHealthPath
	}
}

// exposeControls are the controls of the expose section, whose typed text is dropped when the
// service is not exposed.
func exposeControls() []string {
	return []string{"expose.api_port", "expose.nodePort", "expose.min_scale", "expose.max_scale", "expose.cpu_threshold"}
}

func parseExpose(d *Draft, v url.Values) {
	s := &d.Service
	if v.Get("expose.enabled") != "true" {
		for _, c := range exposeControls() {
			d.typed(c, "", true)
		}
		if s.Expose.Exposed() {
			// Turned off: OSCAR treats an empty api_port as "not exposed". The rest is kept.
			s.Expose.APIPort, s.Expose.NodePort = []int{}, []int{}
		}
		return
	}
	d.exposeOn = true
	if s.Expose == nil {
		s.Expose = &oscar.Expose{}
	}
	e := s.Expose
	if !e.Exposed() {
		exposeDefaults(e)
	}
	d.readInts(v, "expose.api_port", &e.APIPort)
	d.readInts(v, "expose.nodePort", &e.NodePort)
	d.readInt(v, "expose.min_scale", &e.MinScale, defaultExposeMin)
	d.readInt(v, "expose.max_scale", &e.MaxScale, defaultExposeMax)
	d.readInt(v, "expose.cpu_threshold", &e.CPUThreshold, defaultExposeCPU)
	e.RewriteTarget = v.Get("expose.rewrite_target") == "true"
	e.DefaultCommand = v.Get("expose.default_command") == "true"
	e.SetAuth = v.Get("expose.set_auth") == "true"
	e.AuthType = strings.ToLower(form.Line(v.Get("expose.auth_type")))
	if v.Has("expose.health_path") {
		e.HealthPath = form.Line(v.Get("expose.health_path"))
	}
	e.ProbeMode = strings.ToLower(form.Line(v.Get("expose.probe_mode")))
}

// exposing reports whether the draft asks for an exposed service: a port typed (even a bad one),
// or a non-zero first api_port as OSCAR reads it.
func (d *Draft) exposing() bool {
	_, typed := d.Typed["expose.api_port"]
	return typed || d.Service.Expose.Exposed() || d.exposeOn
}

func validateExpose(d *Draft, p *Problems) {
	if !d.exposing() {
		return
	}
	e := d.Service.Expose
	if e == nil {
		e = &oscar.Expose{}
	}
	if !d.checkTyped(p, "expose.api_port", "a list of port numbers") {
		seen := map[int]bool{}
		for _, port := range e.APIPort {
			switch {
			case port < 1 || port > 65535:
				p.add("expose.api_port", fmt.Sprintf("%d is not a port: use 1 to 65535.", port))
			case seen[port]:
				p.add("expose.api_port", fmt.Sprintf("Port %d is listed twice.", port))
			}
			seen[port] = true
		}
		if len(e.APIPort) == 0 {
			p.add("expose.api_port", "Give the port the container listens on, for example 8888.")
		}
	}
	if !d.checkTyped(p, "expose.nodePort", "a list of port numbers") && len(e.NodePort) > 0 {
		if len(e.NodePort) != len(e.APIPort) && !p.Has("expose.api_port") {
			p.add("expose.nodePort", fmt.Sprintf("Give one node port for each API port (%d), 0 for one Kubernetes chooses, or none at all.", len(e.APIPort)))
		}
		for _, np := range e.NodePort {
			if np != 0 && (np < minNodePort || np > maxNodePort) {
				p.add("expose.nodePort", fmt.Sprintf("%d is outside Kubernetes' node port range (%d to %d; 0 lets Kubernetes choose).", np, minNodePort, maxNodePort))
				break
			}
		}
	}
	badMin := d.checkTyped(p, "expose.min_scale", "a whole number")
	badMax := d.checkTyped(p, "expose.max_scale", "a whole number")
	switch {
	case !badMin && e.MinScale < 1:
		p.add("expose.min_scale", "Run at least 1 instance (stop the service to run none).")
	case !badMax && e.MaxScale < 1:
		p.add("expose.max_scale", "The maximum must be at least 1.")
	case !badMin && !badMax && e.MaxScale < e.MinScale:
		p.add("expose.max_scale", fmt.Sprintf("The maximum (%d) is below the minimum (%d).", e.MaxScale, e.MinScale))
	}
	if !d.checkTyped(p, "expose.cpu_threshold", "a whole number") && (e.CPUThreshold < 1 || e.CPUThreshold > 100) {
		p.add("expose.cpu_threshold", "Give a CPU percentage from 1 to 100: above it OSCAR adds an instance.")
	}
	if !slices.Contains([]string{"", "basic", "forward"}, e.AuthType) {
		p.add("expose.auth_type", "Choose basic or forward authentication.")
	}
	switch hp := e.HealthPath; {
	case hp == "":
	case !strings.HasPrefix(hp, "/") || strings.ContainsAny(hp, " \t?#"):
		p.add("expose.health_path", "Give a path starting with /, for example /health.")
	}
	if !slices.Contains([]string{"", "legacy", "direct"}, e.ProbeMode) {
		p.add("expose.probe_mode", "Choose legacy or direct.")
	}
}

func exposeProps(d *Draft, env Env) *templates.WizardExpose {
	e := oscar.Expose{}
	if d.Service.Expose != nil {
		e = *d.Service.Expose
	}
	x := &templates.WizardExpose{Enabled: d.exposing()}
	if !e.Exposed() && len(e.APIPort) == 0 {
		// What OSCAR would use, shown to start from. The health path only for a service that has
		// no expose at all: once the draft has one, its health path is shown as it is, so posting
		// the page back changes nothing (FuzzParseWizardForm).
		hp := e.HealthPath
		exposeDefaults(&e)
		if d.Service.Expose != nil {
			e.HealthPath = hp
		}
	}
	x.Ports = d.shownInts("expose.api_port", e.APIPort)
	x.NodePorts = d.shownInts("expose.nodePort", e.NodePort)
	x.MinScale = d.shownInt("expose.min_scale", e.MinScale)
	x.MaxScale = d.shownInt("expose.max_scale", e.MaxScale)
	x.CPUThreshold = d.shownInt("expose.cpu_threshold", e.CPUThreshold)
	x.RewriteTarget, x.DefaultCommand, x.SetAuth = e.RewriteTarget, e.DefaultCommand, e.SetAuth
	x.HealthPath = e.HealthPath
	x.AuthTypes = options([]string{"", "basic", "forward"}, e.AuthType, func(v string) string {
		switch v {
		case "":
			return "OSCAR's default (basic)"
		case "basic":
			return "Basic (service name and token)"
		}
		return "Forward (OSCAR credentials)"
	})
	x.ProbeModes = options([]string{"", "legacy", "direct"}, e.ProbeMode, func(v string) string {
		switch v {
		case "":
			return "OSCAR's default (legacy)"
		case "legacy":
			return "Legacy: under the exposed path when the prefix is kept"
		}
		return "Direct: the health path as is"
	})
	if env.Endpoint != "" && d.Service.Name != "" {
		x.URL = ExposedURL(env.Endpoint, d.Service.Name)
	}
	return x
}

// runtimeRefusal maps OSCAR's refusals of the Execution, Expose, KServe and Mount controls (its
// texts in pkg/backends/resources/expose.go, types.Kserve's unmarshaller, utils/kserve.go and
// createBuckets) to the control; nil when the text is none of them. low is OSCAR's message,
// lower-cased. The first row with a matching text wins.
func runtimeRefusal(low string) *Refusal {
	for _, row := range []struct {
		texts       []string
		step, field string
	}{
		{[]string{"length of nodeport"}, Expose, "expose.nodePort"},
		{[]string{"auth_type"}, Expose, "expose.auth_type"},
		{[]string{"must be between 1 and 65535"}, Expose, "expose.api_port"},
		{[]string{"kserve storageuri", "model storage uri"}, Expose, "kserve.storage_uri"},
		{[]string{"kserve inference modelformat", "missing model format", "missing inference configuration"}, Expose, "kserve.model_format"},
		{[]string{"kserve type", "kserve service type"}, Expose, "kserve.type"},
		{[]string{"invalid apiversion"}, Expose, "kserve.api_version"},
		{[]string{"workload is not admitted"}, Expose, "kserve.cpu"},
		{[]string{"to be used as mount", "mount options"}, Storage, "mount.path"},
		{[]string{"interlink"}, General, "interlink_node_name"},
		{[]string{"ephemeral"}, General, "ephemeral_storage_request"},
	} {
		for _, t := range row.texts {
			if strings.Contains(low, t) {
				return &Refusal{Step: row.step, Field: row.field}
			}
		}
	}
	return nil
}
