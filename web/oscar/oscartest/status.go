package oscartest

import (
	"net/http"
)

// Node is one Kubernetes node of the fake cluster: CPU in millicores, memory in bytes, as OSCAR's
// status handler reports them.
type Node struct {
	Name                              string
	Ready                             bool
	InterLink                         bool
	GPU                               int64
	CPUCapacity, CPURequest, CPUUsage int64
	MemCapacity, MemRequest, MemUsage int64
	MemoryPressure, DiskPressure      bool
}

// DefaultNode is the fake cluster's one node until SetNodes replaces it.
var DefaultNode = Node{Name: "node-1", Ready: true, CPUCapacity: 8000, CPURequest: 1200, CPUUsage: 800,
	MemCapacity: 16 << 30, MemRequest: 2 << 30, MemUsage: 3 << 30}

// SetNodes replaces the cluster's nodes.
func (s *Server) SetNodes(nodes ...Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nodes = append([]Node(nil), nodes...)
}

// status handles GET /system/status; jobs and MinIO figures only for admins (the Basic-auth
// account, or a bearer user in USERS_ADMIN). Free figures are capacity minus requests; the
// per-node maxima are those of the largest node.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	p := s.authSystem(w, r)
	if p == nil {
		return
	}
	s.mu.Lock()
	jobs, objects := 0, 0
	for _, js := range s.jobs {
		jobs += len(js)
	}
	for _, b := range s.buckets {
		objects += len(b.objects)
	}
	buckets := len(s.buckets)
	nodes := append([]Node(nil), s.nodes...)
	s.mu.Unlock()
	if !p.admin {
		jobs, objects, buckets = 0, 0, 0
	}
	groups := s.opts.OIDCGroups
	if groups == nil {
		groups = []string{}
	}
	var cpuFree, cpuTotal, cpuMaxFree, cpuMaxTotal, memFree, memTotal, memMaxFree, memMaxTotal, gpus int64
	list := []any{}
	for _, n := range nodes {
		status := "Ready"
		if !n.Ready {
			status = "NotReady"
		}
		list = append(list, map[string]any{"name": n.Name, "status": status, "is_interlink": n.InterLink, "gpu": n.GPU,
			"cpu":    map[string]any{"capacity_cores": n.CPUCapacity, "request_cores": n.CPURequest, "usage_cores": n.CPUUsage},
			"memory": map[string]any{"capacity_bytes": n.MemCapacity, "request_bytes": n.MemRequest, "usage_bytes": n.MemUsage},
			"conditions": []map[string]any{{"type": "Ready", "status": n.Ready}, {"type": "MemoryPressure", "status": n.MemoryPressure},
				{"type": "DiskPressure", "status": n.DiskPressure}}})
		cf, mf := n.CPUCapacity-n.CPURequest, n.MemCapacity-n.MemRequest
		cpuFree, cpuTotal, memFree, memTotal, gpus = cpuFree+cf, cpuTotal+n.CPUCapacity, memFree+mf, memTotal+n.MemCapacity, gpus+n.GPU
		cpuMaxFree, cpuMaxTotal, memMaxFree, memMaxTotal = max(cpuMaxFree, cf), max(cpuMaxTotal, n.CPUCapacity), max(memMaxFree, mf), max(memMaxTotal, n.MemCapacity)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"cluster": map[string]any{"nodes_count": len(nodes), "nodes": list, "metrics": map[string]any{
			"cpu":    map[string]any{"total_free_cores": cpuFree, "max_free_on_node_cores": cpuMaxFree, "total_schedulable_cores": cpuTotal, "total_schedulable_on_node_cores": cpuMaxTotal},
			"memory": map[string]any{"total_free_bytes": memFree, "max_free_on_node_bytes": memMaxFree, "total_schedulable_bytes": memTotal, "max_schedulable_on_node_bytes": memMaxTotal},
			"gpu":    map[string]any{"total_gpu": gpus},
		}},
		"oscar": map[string]any{"deployment_name": "oscar", "ready": true, "jobs_count": jobs,
			"deployment": map[string]any{"available_replicas": 1, "ready_replicas": 1, "replicas": 1, "creation_timestamp": "2026-01-01T00:00:00Z", "strategy": "RollingUpdate", "labels": map[string]string{"app": "oscar"}},
			"pods":       map[string]any{"total": 1, "states": map[string]int{"Running": 1}},
			"oidc":       map[string]any{"enabled": s.opts.Tokens != nil, "issuers": []string{"https://aai.egi.eu/auth/realms/egi"}, "groups": groups}},
		"minio": map[string]any{"buckets_count": buckets, "total_objects": objects},
	})
}

// userQuota handles GET /system/quotas/user (bearer callers only): the caller's own quota.
func (s *Server) userQuota(w http.ResponseWriter, r *http.Request) {
	p := s.authSystem(w, r)
	if p == nil {
		return
	}
	if p.basic {
		writePlain(w, http.StatusUnauthorized, "missing user identificator")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.quotaDoc(p.sub, s.quotaFor(p.sub)))
}
