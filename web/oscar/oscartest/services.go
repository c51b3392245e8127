package oscartest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// listServices handles GET /system/services.
func (s *Server) listServices(w http.ResponseWriter, r *http.Request, p *principal) {
	inc := r.URL.Query().Get("include") == "deployment"
	out := []map[string]json.RawMessage{}
	for _, n := range slices.Sorted(maps.Keys(s.services)) {
		sv := s.services[n]
		v := sv.view()
		if canSee(p, v.visibility(), v.Owner, v.AllowedUsers) {
			out = append(out, s.public(sv, inc))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// readService handles GET /system/services/{name}.
func (s *Server) readService(w http.ResponseWriter, r *http.Request, p *principal) {
	sv := s.lookup(w, r)
	if sv == nil {
		return
	}
	v := sv.view()
	if !canSee(p, v.visibility(), v.Owner, v.AllowedUsers) {
		writePlain(w, http.StatusForbidden, fmt.Sprintf("User %s doesn't have permision to get this service", p.sub))
		return
	}
	writeJSON(w, http.StatusOK, s.public(sv, r.URL.Query().Get("include") == "deployment"))
}

// lookup finds the service the path names; for an unknown one it answers 404 with an empty body,
// as OSCAR's read and lifecycle handlers do, and returns nil.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *service {
	sv, ok := s.services[r.PathValue("name")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	return sv
}

// createService handles POST /system/services.
func (s *Server) createService(w http.ResponseWriter, r *http.Request) {
	p := s.authSystem(w, r)
	if p == nil {
		return
	}
	sv := serviceBody(w, r)
	if sv == nil {
		return
	}
	raw, v := sv.raw, sv.view()
	if !p.basic {
		if problem := s.checkVO(raw, v, p); problem != "" {
			writePlain(w, http.StatusBadRequest, problem)
			return
		}
	}
	s.mu.Lock()
	if _, dup := s.services[v.Name]; dup {
		s.mu.Unlock()
		writePlain(w, http.StatusBadRequest, "A service with the provided name already exists")
		return
	}
	if msg := normaliseVolume(raw, v.Name); msg != "" {
		s.mu.Unlock()
		writePlain(w, http.StatusBadRequest, "The service specification is not valid: "+msg)
		return
	}
	buckets, problem := checkIO(raw, v.Name)
	if problem == nil {
		problem = s.checkRuntime(raw, "creating")
	}
	if problem != nil {
		s.mu.Unlock()
		writePlain(w, problem.status, problem.msg)
		return
	}
	if status, msg := s.serviceVolumeSetup(p, raw, v.Name); status != 0 {
		s.mu.Unlock()
		writePlain(w, status, msg)
		return
	}
	if s.opts.MinIODown {
		s.mu.Unlock()
		writePlain(w, http.StatusInternalServerError, "error registering the service's webhook: Post \"https://minio-service.minio:9000/minio/admin/v3/set-config-kv\": dial tcp 10.43.0.9:9000: connect: connection refused")
		return
	}
	if status, msg := s.createServiceBuckets(p, v.Name, buckets); status != 0 {
		s.mu.Unlock()
		writePlain(w, status, msg)
		return
	}
	v = sv.view()
	setMember(raw, "owner", p.uid())
	setMember(raw, "namespace", namespaceFor(p))
	setMember(raw, "token", randomHex(32))
	s.prepare(raw, v)
	labels(raw, sv.view(), p.uid())
	s.services[v.Name] = sv
	s.mu.Unlock()

	// OSCAR restarts MinIO and sleeps before answering.
	if s.opts.CreateDelay > 0 {
		select {
		case <-time.After(s.opts.CreateDelay):
		case <-r.Context().Done():
		}
	}
	w.WriteHeader(http.StatusCreated)
}

// serviceBody decodes a POST or PUT /system/services body and makes the
// required-field checks of OSCAR's binding; on failure it has written the
// answer and returns nil.
func serviceBody(w http.ResponseWriter, r *http.Request) *service {
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil || raw == nil {
		writePlain(w, http.StatusBadRequest, "invalid request body")
		return nil
	}
	sv := &service{raw: raw}
	v := sv.view()
	if strings.TrimSpace(v.Image) == "" {
		writePlain(w, http.StatusBadRequest, ginMessage("image", "required"))
		return nil
	}
	if strings.TrimSpace(v.Script) == "" {
		writePlain(w, http.StatusBadRequest, ginMessage("script", "required"))
		return nil
	}
	if problem := checkKserve(raw); problem != nil {
		writePlain(w, problem.status, problem.msg)
		return nil
	}
	return sv
}

// checkVO applies OSCAR's VO rules for a bearer caller's new service and
// returns a 400 text, or "".
func (s *Server) checkVO(raw map[string]json.RawMessage, v view, p *principal) string {
	inGroups := func(g string) bool {
		for _, x := range p.groups {
			if x == g {
				return true
			}
		}
		return false
	}
	if v.VO != "" {
		for _, g := range s.opts.OIDCGroups {
			if g == v.VO && !inGroups(g) {
				return "this user isn't enrrolled on the vo: " + v.VO
			}
		}
		return ""
	}
	if len(s.opts.OIDCGroups) == 0 {
		return ""
	}
	for _, g := range s.opts.OIDCGroups {
		if inGroups(g) {
			setMember(raw, "vo", g)
			return ""
		}
	}
	return fmt.Sprintf("service must be part of one of the following VO: %v", s.opts.OIDCGroups)
}

// createServiceBuckets creates a new service's MinIO buckets. Any bucket
// that already exists fails the create with 500, and the buckets created
// before it stay (OSCAR does not roll back). Caller holds s.mu.
func (s *Server) createServiceBuckets(p *principal, svc string, buckets []string) (int, string) {
	created := map[string]bool{}
	for _, b := range buckets {
		if created[b] {
			continue
		}
		if !regexp.MustCompile(bucketNameRE).MatchString(b) {
			return http.StatusInternalServerError, "InvalidBucketName: The specified bucket is not valid."
		}
		if _, exists := s.buckets[b]; exists {
			return http.StatusInternalServerError, fmt.Sprintf("the bucket %q already exists", b)
		}
		if s.opts.MaxBuckets > 0 && s.ownedBuckets(p.uid()) >= s.opts.MaxBuckets {
			return http.StatusForbidden, fmt.Sprintf("bucket quota exceeded: the maximum number of buckets (%d) has been reached", s.opts.MaxBuckets)
		}
		s.buckets[b] = &bucket{name: b, owner: p.uid(), visibility: "private", objects: map[string]*object{},
			metadata: map[string]string{"owner": p.uid(), "owner_name": p.uid(), "from_service": svc, "service": "true"}}
		created[b] = true
	}
	return 0, ""
}

// updateService handles PUT /system/services: a full replace.
func (s *Server) updateService(w http.ResponseWriter, r *http.Request, p *principal) {
	nsv := serviceBody(w, r)
	if nsv == nil {
		return
	}
	raw, v := nsv.raw, nsv.view()
	old, ok := s.services[v.Name]
	if !ok {
		writePlain(w, http.StatusNotFound, "service not found")
		return
	}
	ov := old.view()
	if !p.basic && ov.Owner != p.sub {
		writePlain(w, http.StatusForbidden, fmt.Sprintf("User %s doesn't have permision to update this service", p.sub))
		return
	}
	if !sameVolume(old.raw, raw, v.Name) {
		writePlain(w, http.StatusBadRequest, "volume updates are not supported after service creation")
		return
	}
	buckets, problem := checkIO(raw, v.Name)
	if problem == nil {
		problem = s.checkRuntime(raw, "updating")
	}
	if problem != nil {
		writePlain(w, problem.status, problem.msg)
		return
	}
	for _, b := range buckets {
		if _, exists := s.buckets[b]; !exists {
			s.buckets[b] = &bucket{name: b, owner: p.uid(), visibility: "private", objects: map[string]*object{},
				metadata: map[string]string{"owner": p.uid(), "from_service": v.Name, "service": "true"}}
		}
	}
	// The token and namespace are kept (PR #498); the owner comes from the
	// body, so a Basic-auth PUT without it leaves the service without one.
	raw["token"] = old.raw["token"]
	raw["namespace"] = old.raw["namespace"]
	owner := v.Owner
	if !p.basic {
		owner = p.sub
	}
	setMember(raw, "owner", owner)
	s.prepare(raw, nsv.view())
	labels(raw, nsv.view(), owner)
	nsv.deployLogs, nsv.deploy = old.deployLogs, old.deploy
	s.services[v.Name] = nsv
	w.WriteHeader(http.StatusNoContent)
}

// deleteService handles DELETE /system/services/{name}: the service, its
// jobs and its input/output buckets (not its mount) go.
func (s *Server) deleteService(w http.ResponseWriter, r *http.Request, p *principal) {
	name := r.PathValue("name")
	sv, ok := s.services[name]
	if !ok {
		writePlain(w, http.StatusNotFound, "service not found")
		return
	}
	v := sv.view()
	// A bearer caller's DELETE only looks in their own namespace.
	if !p.basic && v.Owner != p.sub {
		writePlain(w, http.StatusNotFound, "service not found")
		return
	}
	for _, io := range append(v.Input, v.Output...) {
		if kind, id := splitProvider(io.StorageProvider); kind == "minio" && id == "default" {
			b, _, _ := strings.Cut(io.Path, "/")
			delete(s.buckets, b)
		}
	}
	s.dropServiceVolume(sv, name)
	delete(s.services, name)
	delete(s.jobs, name)
	w.WriteHeader(http.StatusNoContent)
}

// visibleService finds a service for a read-like route; on failure it has
// written the answer.
func (s *Server) visibleService(w http.ResponseWriter, p *principal, name string) *service {
	sv, ok := s.services[name]
	if !ok {
		writePlain(w, http.StatusNotFound, "service not found")
		return nil
	}
	v := sv.view()
	if !canSee(p, v.visibility(), v.Owner, v.AllowedUsers) {
		writePlain(w, http.StatusForbidden, fmt.Sprintf("User %s doesn't have permision to get this service", p.sub))
		return nil
	}
	return sv
}
