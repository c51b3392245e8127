package oscartest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Managed volumes (OSCAR 4, pkg/handlers/volumes.go and pkg/backends/resources/volume.go): a PVC
// per volume in the caller's namespace (a bearer user's own, oscar-svc for Basic auth). Nobody sees
// or deletes another namespace's volumes. A bearer user's namespace has OSCAR's default volume
// limits (a ResourceQuota and a LimitRange, see VolumeQuota); Kubernetes refuses a claim beyond
// them and OSCAR passes the refusal on as a 500.

// VolumeQuota are the volume limits of a bearer user's namespace, as /system/quotas/user reports
// them: total disk, number of volumes, and the size bounds of one volume.
var VolumeQuota = struct{ Disk, Volumes, MaxPerVolume, MinPerVolume string }{"10Gi", "5", "5Gi", "100Mi"}

// volume is one managed volume.
type volume struct {
	name, size, owner        string
	mode, createdBy, lifecyc string
}

// dns1123LabelRE is Kubernetes' DNS-1123 label (at most 63 characters, checked apart).
const dns1123LabelRE = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`

// checkVolumeName and checkVolumeSize are OSCAR's ValidateManagedVolumeCreateRequest.
func checkVolumeName(name string) string {
	if len(name) > 63 || !regexp.MustCompile(dns1123LabelRE).MatchString(name) {
		return "volume.name must satisfy Kubernetes DNS-1123 naming rules"
	}
	return ""
}

func checkVolumeSize(size string) string {
	q, err := oscar.ParseQuantity(size)
	if err != nil || q.Sign() <= 0 {
		return "volume.size must be a valid positive quantity"
	}
	return ""
}

// AddVolume stores a managed volume in a namespace (seeding): ns is "oscar-svc" for the Basic-auth
// admin, or VolumeNamespace(sub) for a bearer user.
func (s *Server) AddVolume(ns, name, size, owner string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nsVolumes(ns)[name] = &volume{name: name, size: size, owner: owner, mode: "api"}
}

// VolumeNamespace is the namespace of a bearer user's volumes and services.
func VolumeNamespace(sub string) string { return namespaceFor(&principal{sub: sub}) }

// VolumeNames lists the volumes of a namespace, sorted.
func (s *Server) VolumeNames(ns string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.volumes[ns]))
}

// nsVolumes returns a namespace's volumes, creating the map. Caller holds s.mu.
func (s *Server) nsVolumes(ns string) map[string]*volume {
	if s.volumes[ns] == nil {
		s.volumes[ns] = map[string]*volume{}
	}
	return s.volumes[ns]
}

// usersOf lists the services of namespace ns that use volume name, sorted. Caller holds s.mu.
func (s *Server) usersOf(ns, name string) []string {
	var out []string
	for _, n := range slices.Sorted(maps.Keys(s.services)) {
		sv := s.services[n]
		if svcNamespace(sv) == ns && serviceVolumeName(sv) == name {
			out = append(out, n)
		}
	}
	return out
}

// svcNamespace is where a stored service lives.
func svcNamespace(sv *service) string {
	ns := "oscar-svc"
	_ = json.Unmarshal(sv.raw["namespace"], &ns)
	return ns
}

// serviceVolume is the volume member of a service.
type serviceVolume struct {
	Name            string `json:"name,omitempty"`
	Size            string `json:"size"`
	MountPath       string `json:"mount_path"`
	LifecyclePolicy string `json:"lifecycle_policy,omitempty"`
}

// volumeOf decodes a service's volume member; nil when it has none.
func volumeOf(raw map[string]json.RawMessage) *serviceVolume {
	b, ok := raw["volume"]
	if !ok || string(b) == "null" {
		return nil
	}
	var v serviceVolume
	if json.Unmarshal(b, &v) != nil {
		return &serviceVolume{}
	}
	return &v
}

// serviceVolumeName is the volume a stored service uses (OSCAR's GetVolumeName), or "".
func serviceVolumeName(sv *service) string {
	v := volumeOf(sv.raw)
	if v == nil {
		return ""
	}
	if n := strings.TrimSpace(v.Name); n != "" {
		return n
	}
	var name string
	_ = json.Unmarshal(sv.raw["name"], &name)
	return name
}

// normaliseVolume applies OSCAR's ValidateVolumeConfig to a service's volume member: it trims,
// fills the name (the service's) and the lifecycle (delete) of a volume the service creates, and
// returns the refusal text, or "". A service without volume passes.
func normaliseVolume(raw map[string]json.RawMessage, svc string) string {
	v := volumeOf(raw)
	if v == nil {
		return ""
	}
	v.Name, v.Size = strings.TrimSpace(v.Name), strings.TrimSpace(v.Size)
	v.MountPath, v.LifecyclePolicy = strings.TrimSpace(v.MountPath), strings.TrimSpace(v.LifecyclePolicy)
	switch {
	case v.MountPath == "":
		return "volume.mount_path is required"
	case v.Size == "" && v.Name == "":
		return "volume.name is required when volume.size is not set"
	}
	if v.Name != "" {
		if m := checkVolumeName(v.Name); m != "" {
			return m
		}
	}
	if v.Size != "" {
		if m := checkVolumeSize(v.Size); m != "" {
			return m
		}
		if v.Name == "" {
			v.Name = svc
		}
		switch v.LifecyclePolicy {
		case "":
			v.LifecyclePolicy = "delete"
		case "delete", "retain":
		default:
			return `volume.lifecycle_policy must be either "delete" or "retain"`
		}
	} else if v.LifecyclePolicy != "" {
		return "volume.lifecycle_policy is only valid when volume.size is set"
	}
	if !path.IsAbs(v.MountPath) {
		return "volume.mount_path must be an absolute path"
	}
	for _, reserved := range []string{"/oscar/config", "/oscar/bin"} {
		if v.MountPath == reserved || strings.HasPrefix(v.MountPath, reserved+"/") {
			return "volume.mount_path cannot overlap OSCAR reserved paths"
		}
	}
	setMember(raw, "volume", v)
	return ""
}

// serviceVolumeSetup creates or checks the volume of a new service (OSCAR's EnsureServiceVolume);
// it returns OSCAR's status and text on failure. raw's volume is already normalised. Caller holds
// s.mu.
func (s *Server) serviceVolumeSetup(p *principal, raw map[string]json.RawMessage, svc string) (int, string) {
	v := volumeOf(raw)
	if v == nil {
		return 0, ""
	}
	ns := namespaceFor(p)
	if v.Size == "" {
		if _, ok := s.volumes[ns][v.Name]; !ok {
			return http.StatusBadRequest, "Referenced volume does not exist in the caller namespace"
		}
		return 0, ""
	}
	if _, ok := s.volumes[ns][v.Name]; ok {
		return http.StatusConflict, "A managed volume with the provided name already exists"
	}
	if msg := s.overQuota(p, v.Name, v.Size); msg != "" {
		return http.StatusInternalServerError, "Error creating the service: " + msg
	}
	s.nsVolumes(ns)[v.Name] = &volume{name: v.Name, size: v.Size, owner: p.uid(), mode: "service", createdBy: svc, lifecyc: v.LifecyclePolicy}
	return 0, ""
}

// dropServiceVolume deletes the volume a deleted service created, unless it is to be retained
// (OSCAR's DeleteServiceVolume). Caller holds s.mu.
func (s *Server) dropServiceVolume(sv *service, svc string) {
	v := volumeOf(sv.raw)
	if v == nil || v.Size == "" || v.LifecyclePolicy == "retain" {
		return
	}
	delete(s.volumes[svcNamespace(sv)], v.Name)
}

// volumeStatusOf is the server-set volume_status of a stored service.
func (s *Server) volumeStatusOf(sv *service) map[string]any {
	name := serviceVolumeName(sv)
	if name == "" {
		return map[string]any{"enabled": false}
	}
	out := map[string]any{"enabled": true, "name": name}
	if _, ok := s.volumes[svcNamespace(sv)][name]; ok {
		out["phase"] = "in_use"
	} else {
		out["phase"], out["error"] = "error", "the volume's claim was not found"
	}
	return out
}

// quantity parses a size the fake already validated.
func quantity(s string) *big.Rat {
	q, err := oscar.ParseQuantity(s)
	if err != nil {
		return new(big.Rat)
	}
	return q
}

// overQuota applies a bearer user's namespace limits to a new claim of size, with Kubernetes'
// refusal texts; "" when it fits. The Basic-auth admin's namespace has no limits. Caller holds
// s.mu.
func (s *Server) overQuota(p *principal, name, size string) string {
	if p.basic {
		return ""
	}
	q := quantity(size)
	if q.Cmp(quantity(VolumeQuota.MaxPerVolume)) > 0 {
		return fmt.Sprintf("persistentvolumeclaims %q is forbidden: maximum storage usage per PersistentVolumeClaim is %s, but request is %s", name, VolumeQuota.MaxPerVolume, size)
	}
	if q.Cmp(quantity(VolumeQuota.MinPerVolume)) < 0 {
		return fmt.Sprintf("persistentvolumeclaims %q is forbidden: minimum storage usage per PersistentVolumeClaim is %s, but request is %s", name, VolumeQuota.MinPerVolume, size)
	}
	used, count := s.volumeUsage(namespaceFor(p))
	if big.NewRat(int64(count+1), 1).Cmp(quantity(VolumeQuota.Volumes)) > 0 {
		return fmt.Sprintf("persistentvolumeclaims %q is forbidden: exceeded quota: %s, requested: persistentvolumeclaims=1, used: persistentvolumeclaims=%d, limited: persistentvolumeclaims=%s", name, p.sub, count, VolumeQuota.Volumes)
	}
	if new(big.Rat).Add(used, q).Cmp(quantity(VolumeQuota.Disk)) > 0 {
		return fmt.Sprintf("persistentvolumeclaims %q is forbidden: exceeded quota: %s, requested: requests.storage=%s, limited: requests.storage=%s", name, p.sub, size, VolumeQuota.Disk)
	}
	return ""
}

// volumeUsage sums the sizes and counts the volumes of a namespace. Caller holds s.mu.
func (s *Server) volumeUsage(ns string) (*big.Rat, int) {
	used := new(big.Rat)
	for _, v := range s.volumes[ns] {
		used.Add(used, quantity(v.size))
	}
	return used, len(s.volumes[ns])
}

// publicVolume is a volume as OSCAR answers it: the phase follows the services that use it, and
// attachments stay empty as OSCAR leaves them. Caller holds s.mu.
func (s *Server) publicVolume(ns string, v *volume) map[string]any {
	users := s.usersOf(ns, v.name)
	st := map[string]any{"phase": "ready"}
	if len(users) > 0 {
		st["phase"], st["attachment_count"] = "in_use", len(users)
	}
	out := map[string]any{"name": v.name, "namespace": ns, "pvc_name": v.name, "size": v.size,
		"owner_user": v.owner, "creation_mode": v.mode, "status": st}
	if v.createdBy != "" {
		out["created_by_service"] = v.createdBy
	}
	if v.lifecyc != "" {
		out["lifecycle_policy"] = v.lifecyc
	}
	return out
}

// listVolumes handles GET /system/volumes: the caller's namespace only.
func (s *Server) listVolumes(w http.ResponseWriter, _ *http.Request, p *principal) {
	ns := namespaceFor(p)
	out := []map[string]any{}
	for _, n := range slices.Sorted(maps.Keys(s.volumes[ns])) {
		out = append(out, s.publicVolume(ns, s.volumes[ns][n]))
	}
	writeJSON(w, http.StatusOK, out)
}

// createVolume handles POST /system/volumes.
func (s *Server) createVolume(w http.ResponseWriter, r *http.Request, p *principal) {
	var req struct {
		Name *string `json:"name"`
		Size *string `json:"size"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == nil || req.Size == nil || *req.Name == "" || *req.Size == "" {
		writePlain(w, http.StatusBadRequest, "The volume specification is not valid: Key: 'ManagedVolumeCreateRequest.Name' Error:Field validation for 'Name' failed on the 'required' tag")
		return
	}
	name, size := strings.TrimSpace(*req.Name), strings.TrimSpace(*req.Size)
	if m := checkVolumeName(name); m != "" {
		writePlain(w, http.StatusBadRequest, m)
		return
	}
	if m := checkVolumeSize(size); m != "" {
		writePlain(w, http.StatusBadRequest, m)
		return
	}
	ns := namespaceFor(p)
	if _, ok := s.volumes[ns][name]; ok {
		writePlain(w, http.StatusConflict, "volume already exists in caller namespace")
		return
	}
	if msg := s.overQuota(p, name, size); msg != "" {
		writePlain(w, http.StatusInternalServerError, msg)
		return
	}
	v := &volume{name: name, size: size, owner: p.uid(), mode: "api"}
	s.nsVolumes(ns)[name] = v
	writeJSON(w, http.StatusCreated, s.publicVolume(ns, v))
}

// readVolume handles GET /system/volumes/{volumeName}.
func (s *Server) readVolume(w http.ResponseWriter, r *http.Request, p *principal) {
	ns := namespaceFor(p)
	v, ok := s.volumes[ns][r.PathValue("name")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, s.publicVolume(ns, v))
}

// deleteVolume handles DELETE /system/volumes/{volumeName}: refused while a service uses it.
func (s *Server) deleteVolume(w http.ResponseWriter, r *http.Request, p *principal) {
	ns, name := namespaceFor(p), r.PathValue("name")
	if _, ok := s.volumes[ns][name]; !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if len(s.usersOf(ns, name)) > 0 {
		writePlain(w, http.StatusBadRequest, "managed volume is still attached to one or more services")
		return
	}
	delete(s.volumes[ns], name)
	w.WriteHeader(http.StatusNoContent)
}

// volumeQuota is the volumes part of /system/quotas/user for a bearer user. Caller holds s.mu.
func (s *Server) volumeQuota(p *principal) map[string]any {
	used, count := s.volumeUsage(namespaceFor(p))
	return map[string]any{
		"disk":                map[string]string{"max": VolumeQuota.Disk, "used": used.FloatString(0)},
		"volumes":             map[string]string{"max": VolumeQuota.Volumes, "used": fmt.Sprint(count)},
		"max_disk_per_volume": VolumeQuota.MaxPerVolume, "min_disk_per_volume": VolumeQuota.MinPerVolume,
	}
}

// sameVolume reports whether a PUT keeps the stored volume (OSCAR's SameVolumeConfig after
// ValidateVolumeConfig of both sides: defaults filled in, spaces trimmed).
func sameVolume(old, nu map[string]json.RawMessage, svc string) bool {
	norm := func(raw map[string]json.RawMessage) string {
		c := map[string]json.RawMessage{}
		if b, ok := raw["volume"]; ok {
			c["volume"] = b
		}
		if normaliseVolume(c, svc) != "" {
			return "invalid:" + string(raw["volume"])
		}
		return string(compactJSON(c["volume"]))
	}
	return norm(old) == norm(nu)
}
