package oscartest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// runtimeView is the part of a definition the runtime checks read: expose, kserve and mount.
type runtimeView struct {
	Expose *struct {
		APIPort  []int  `json:"api_port"`
		NodePort []int  `json:"nodePort"`
		SetAuth  bool   `json:"set_auth"`
		AuthType string `json:"auth_type"`
	} `json:"expose"`
	Kserve *struct {
		Type       *string         `json:"type"`
		StorageURI *string         `json:"storage_uri"`
		Inference  json.RawMessage `json:"inference"`
	} `json:"kserve"`
	Mount *ioView `json:"mount"`
}

// checkKserve applies the custom unmarshallers of OSCAR's types.Kserve and KserveInference, which
// run when the body is bound: a kserve object without storage_uri or type, or an inference object
// without model_format, is a 400.
func checkKserve(raw map[string]json.RawMessage) *ioProblem {
	b, ok := raw["kserve"]
	if !ok || string(b) == "null" {
		return nil
	}
	var rv runtimeView
	if err := json.Unmarshal([]byte(`{"kserve":`+string(b)+`}`), &rv); err != nil || rv.Kserve == nil {
		return &ioProblem{http.StatusBadRequest, "The service specification is not valid: json: cannot unmarshal kserve"}
	}
	k := rv.Kserve
	invalid := func(msg string) *ioProblem {
		return &ioProblem{http.StatusBadRequest, "The service specification is not valid: " + msg}
	}
	switch {
	case k.StorageURI == nil || strings.TrimSpace(*k.StorageURI) == "":
		return invalid("Kserve StorageUri is required")
	case k.Type == nil || strings.TrimSpace(*k.Type) == "":
		return invalid("Kserve Type is required")
	}
	if len(k.Inference) > 0 && string(k.Inference) != "null" {
		var inf struct {
			ModelFormat string `json:"model_format"`
		}
		if json.Unmarshal(k.Inference, &inf) != nil || strings.TrimSpace(inf.ModelFormat) == "" {
			return invalid("Kserve Inference ModelFormat is required")
		}
	}
	return nil
}

// checkRuntime makes the checks OSCAR's Kubernetes backend makes when it creates or updates an
// exposed service (pkg/backends/resources/expose.go), and the mount check of createBuckets: a
// mounted bucket of the cluster's MinIO that exists must be private. verb is "creating" or
// "updating". Caller holds s.mu.
func (s *Server) checkRuntime(raw map[string]json.RawMessage, verb string) *ioProblem {
	var rv runtimeView
	b, _ := json.Marshal(raw)
	_ = json.Unmarshal(b, &rv)
	failed := func(msg string) *ioProblem {
		return &ioProblem{http.StatusInternalServerError, fmt.Sprintf("Error %s the service: %s", verb, msg)}
	}
	if e := rv.Expose; e != nil && len(e.APIPort) > 0 && e.APIPort[0] != 0 {
		if len(e.NodePort) > 0 && len(e.APIPort) != len(e.NodePort) {
			return failed(fmt.Sprintf("The length of nodePort (%d) must be equal to that of api_port (%d)", len(e.NodePort), len(e.APIPort)))
		}
		for _, port := range e.APIPort {
			if port < 1 || port > 65535 {
				return failed(fmt.Sprintf("error creating svc for exposed service: Service \"svc\" is invalid: spec.ports[0].port: Invalid value: %d: must be between 1 and 65535, inclusive", port))
			}
		}
		auth := strings.ToLower(strings.TrimSpace(e.AuthType))
		switch {
		case auth != "" && auth != "basic" && auth != "forward":
			return failed(fmt.Sprintf("unsupported expose auth_type %q", e.AuthType))
		case e.SetAuth && auth == "forward" && !s.opts.HTTPRoute:
			return failed(`expose auth_type "forward" requires EXPOSED_SERVICES_ROUTE_KIND=httproute`)
		}
	}
	if m := rv.Mount; m != nil && m.StorageProvider != "" {
		if kind, id := splitProvider(m.StorageProvider); kind == "minio" && id == "default" {
			bucket, _, _ := strings.Cut(strings.Trim(m.Path, " /"), "/")
			if bk, ok := s.buckets[bucket]; ok && bk.visibility != "private" {
				return &ioProblem{http.StatusInternalServerError, fmt.Sprintf("the bucket %q must be private to be used as mount", bucket)}
			}
		}
	}
	return nil
}
