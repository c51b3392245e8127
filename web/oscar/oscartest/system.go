package oscartest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
)

// info handles GET /system/info.
func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	if s.authSystem(w, r) == nil {
		return
	}
	out := map[string]any{"version": "v4.1.2", "git_commit": "7ade09ee", "architecture": "amd64", "kubernetes_version": "v1.31.4"}
	if s.opts.ServerlessBackend {
		out["serverless_backend"] = map[string]string{"name": "knative", "version": "1.18.0"}
	}
	writeJSON(w, http.StatusOK, out)
}

// config handles GET /system/config. minio_provider carries MinIO
// credentials in clear text: the root keys for Basic auth, the user's own
// keys for a bearer caller.
func (s *Server) config(w http.ResponseWriter, r *http.Request) {
	p := s.authSystem(w, r)
	if p == nil {
		return
	}
	groups := s.opts.OIDCGroups
	if len(groups) == 0 {
		groups = []string{""}
	}
	cfg := map[string]any{
		"name": "oscar", "namespace": "oscar", "services_namespace": "oscar-svc", "controller_service_account": "oscar-sa",
		"gpu_available": false, "interLink_available": false, "yunikorn_enable": false, "kueue_enable": true,
		"volume_enable": !s.opts.NoVolumes, "oidc_groups": groups, "minio_quota_enabled": s.opts.MaxBuckets > 0,
	}
	if s.opts.ServerlessBackend {
		cfg["serverless_backend"] = "knative"
	}
	access, secret := MinIORootAccessKey, MinIORootSecretKey
	if !p.basic {
		s.mu.Lock()
		access, secret = p.sub, s.minioUsers[p.sub]
		s.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"config":                     cfg,
		"minio_provider":             map[string]any{"endpoint": s.URL() + "/minio", "verify": true, "access_key": access, "secret_key": secret, "region": MinIORegion},
		"allowed_image_repositories": []string{},
	})
}

// MinIOSecret returns the MinIO secret key the fake provisioned for a
// bearer user, or "" if they have made no /system call yet.
func (s *Server) MinIOSecret(sub string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.minioUsers[sub]
}

// PutService stores a service definition as is (seeding; no validation,
// no server-set members added except a token if missing). def is a
// json.RawMessage, []byte, string, or anything that encodes to a JSON
// object with a "name".
func (s *Server) PutService(def any) error {
	var b []byte
	switch d := def.(type) {
	case json.RawMessage:
		b = d
	case []byte:
		b = d
	case string:
		b = []byte(d)
	default:
		var err error
		if b, err = json.Marshal(def); err != nil {
			return fmt.Errorf("oscartest: put service: %w", err)
		}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return fmt.Errorf("oscartest: put service: not a JSON object: %v", err)
	}
	sv := &service{raw: raw}
	v := sv.view()
	if v.Name == "" {
		return fmt.Errorf("oscartest: put service: no name")
	}
	if v.Token == "" {
		setMember(raw, "token", randomHex(32))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.services[v.Name] = sv
	return nil
}

// StoredService returns a service as the fake stores it (secrets in
// clear), or nil.
func (s *Server) StoredService(name string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv, ok := s.services[name]
	if !ok {
		return nil
	}
	b, err := json.Marshal(sv.raw)
	if err != nil {
		return nil
	}
	return b
}

// ServiceNames lists the stored services, sorted.
func (s *Server) ServiceNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.services))
}

// ServiceToken returns a service's token (for /job and /run tests).
func (s *Server) ServiceToken(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv, ok := s.services[name]
	if !ok {
		return ""
	}
	return sv.view().Token
}

// SetDeploymentLogs sets the deployment log lines of a service.
func (s *Server) SetDeploymentLogs(name string, lines ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.services[name]; ok {
		sv.deployLogs = slices.Clone(lines)
	}
}
