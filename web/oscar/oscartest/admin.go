package oscartest

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Quota is a user's Kueue ClusterQueue and MinIO quota in the fake: maxima (CPU in millicores,
// memory and ephemeral storage in bytes, GPUs) and what is in use.
type Quota struct {
	CPU, Memory, EphemeralStorage, GPU                 int64
	CPUUsed, MemoryUsed, EphemeralStorageUsed, GPUUsed int64
	Buckets                                            int
	StoragePerBucket                                   string
}

// DefaultQuota is the quota of a user the fake knows but no test has set one for.
var DefaultQuota = Quota{CPU: 4000, Memory: 8 << 30, Buckets: 0, StoragePerBucket: "1Gi"}

// SetQuota gives user a ClusterQueue with quota q, so GET /system/quotas/user/{user} knows them.
func (s *Server) SetQuota(user string, q Quota) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quotas[user] = &q
}

// QuotaOf returns user's stored quota, or false when the fake has none for them.
func (s *Server) QuotaOf(user string) (Quota, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.quotas[user]
	if !ok {
		return Quota{}, false
	}
	return *q, true
}

// quotaFor returns user's quota, creating the default one for a user OSCAR has met (a bearer
// caller, a service owner); nil for a user without a ClusterQueue. Caller holds s.mu.
func (s *Server) quotaFor(user string) *Quota {
	if q, ok := s.quotas[user]; ok {
		return q
	}
	_, met := s.minioUsers[user]
	for _, sv := range s.services {
		met = met || sv.view().Owner == user
	}
	if !met || user == "cluster_admin" {
		return nil
	}
	q := DefaultQuota
	if s.opts.MaxBuckets > 0 {
		q.Buckets = s.opts.MaxBuckets
	}
	s.quotas[user] = &q
	return &q
}

// quotaDoc is a QuotaResponse of user as OSCAR's fetchQuota builds it. Caller holds s.mu.
func (s *Server) quotaDoc(user string, q *Quota) map[string]any {
	maxB := q.Buckets
	if maxB == 0 {
		maxB = 100
	}
	return map[string]any{
		"user_id": user, "cluster_queue": "cq-" + namespaceFor(&principal{sub: user}),
		"resources": map[string]any{
			"cpu":               map[string]int64{"max": q.CPU, "used": q.CPUUsed},
			"memory":            map[string]int64{"max": q.Memory, "used": q.MemoryUsed},
			"ephemeral-storage": map[string]int64{"max": q.EphemeralStorage, "used": q.EphemeralStorageUsed},
			"gpu":               map[string]int64{"max": q.GPU, "used": q.GPUUsed},
		},
		"volumes": s.volumeQuota(&principal{sub: user}),
		"minio": map[string]any{"buckets": map[string]int{"max": maxB, "used": s.ownedBuckets(user)},
			"storage_per_bucket": map[string]string{"max": q.StoragePerBucket}, "storage_total": map[string]string{"used": "0"}},
	}
}

// adminQuota handles GET and PUT /system/quotas/user/{userId}: the Basic-auth account only
// (OSCAR compares gin's AuthUserKey with OSCAR_USERNAME; a bearer caller gets 403 "forbidden"),
// then the validation of OSCAR's MakeUpdateUserQuotaHandler (quotas.go).
func (s *Server) adminQuota(w http.ResponseWriter, r *http.Request, p *principal) {
	if !p.basic {
		writePlain(w, http.StatusForbidden, "forbidden")
		return
	}
	user := r.PathValue("user")
	q := s.quotaFor(user)
	if r.Method == http.MethodPut {
		var u oscar.QuotaUpdate
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &u); err != nil {
			writePlain(w, http.StatusBadRequest, "invalid payload: "+err.Error())
			return
		}
		vols := u.Volumes != nil && (u.Volumes.Disk != "" || u.Volumes.Volumes != "" || u.Volumes.MaxDiskPerVolume != "" || u.Volumes.MinDiskPerVolume != "")
		minio := u.MinIO != nil && (u.MinIO.Buckets != "" || u.MinIO.StoragePerBucket != "")
		// GPU is not in OSCAR's check, so a GPU alone is refused.
		if u.CPU == "" && u.Memory == "" && u.EphemeralStorage == "" && !vols && !minio {
			writePlain(w, http.StatusBadRequest, "cpu, memory, ephemeral_storage, volumes or minio must be provided")
			return
		}
		if vols {
			writePlain(w, http.StatusBadRequest, "oscartest: volume quota updates are not modelled")
			return
		}
		if q == nil {
			writePlain(w, http.StatusInternalServerError, missingQueue(user))
			return
		}
		next, msg := applyQuota(*q, u)
		if msg != "" {
			writePlain(w, http.StatusInternalServerError, msg)
			return
		}
		*q = next
	}
	if q == nil {
		writePlain(w, http.StatusInternalServerError, missingQueue(user))
		return
	}
	writeJSON(w, http.StatusOK, s.quotaDoc(user, q))
}

func missingQueue(user string) string {
	cq := "cq-" + namespaceFor(&principal{sub: user})
	return fmt.Sprintf("getting ClusterQueue %s: clusterqueues.kueue.x-k8s.io %q not found", cq, cq)
}

// applyQuota applies an update as OSCAR's updateKueueQuota and updateMinIOQuota do; msg is
// OSCAR's 500 text when a value does not parse (it answers 500, not 400, for those).
func applyQuota(q Quota, u oscar.QuotaUpdate) (Quota, string) {
	if u.CPU != "" || u.Memory != "" || u.EphemeralStorage != "" {
		for _, f := range []struct {
			name, value string
			dst         *int64
			milli       bool
		}{{"cpu", u.CPU, &q.CPU, true}, {"memory", u.Memory, &q.Memory, false},
			{"ephemeral storage", u.EphemeralStorage, &q.EphemeralStorage, false}, {"gpu", u.GPU, &q.GPU, false}} {
			if f.value == "" {
				continue
			}
			v, err := oscar.ParseQuantity(f.value)
			if err != nil {
				return q, fmt.Sprintf("invalid %s quantity: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", f.name)
			}
			if v.Sign() < 0 {
				return q, fmt.Sprintf("ClusterQueue.kueue.x-k8s.io \"cq\" is invalid: spec.resourceGroups[0].flavors[0].resources.nominalQuota: Invalid value: %q: must be greater than or equal to 0", f.value)
			}
			if f.milli {
				v.Mul(v, big.NewRat(1000, 1))
			}
			*f.dst = ceil(v)
		}
	}
	if m := u.MinIO; m != nil {
		if m.Buckets != "" {
			n, err := strconv.ParseInt(strings.TrimSpace(m.Buckets), 10, 64)
			if err != nil || n < 0 {
				return q, "invalid minio.buckets quantity: must be a whole number greater than or equal to zero"
			}
			q.Buckets = int(n)
		}
		if m.StoragePerBucket != "" {
			v, err := oscar.ParseQuantity(m.StoragePerBucket)
			if err != nil || v.Sign() < 0 {
				return q, "invalid minio.storage_per_bucket: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
			}
			q.StoragePerBucket = m.StoragePerBucket
		}
	}
	return q, ""
}

// ceil rounds a quantity up to a whole number, as Kubernetes' Value and MilliValue do.
func ceil(v *big.Rat) int64 {
	n := new(big.Int).Quo(v.Num(), v.Denom())
	if new(big.Rat).SetInt(n).Cmp(v) < 0 {
		n.Add(n, big.NewInt(1))
	}
	return n.Int64()
}

// AddManagerLog appends lines to the OSCAR manager pod's log, as its gin loggers write them:
// "[GIN-EXECUTIONS-LOGGER] <RFC 3339> | <status> | <latency> | <client IP> | <METHOD path> | <user>"
// for execution lines, anything else for the rest.
func (s *Server) AddManagerLog(lines ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.managerLog = append(s.managerLog, lines...)
}

// ExecutionLogLine formats one execution line of the manager's log.
func ExecutionLogLine(at time.Time, status int, method, path, user string) string {
	return fmt.Sprintf("[GIN-EXECUTIONS-LOGGER] %s | %d | 1.52ms | 10.42.0.1 | %s %s | %s",
		at.UTC().Format(time.RFC3339Nano), status, method, path, user)
}

// managerLogs handles GET /system/logs (registered without the contract's trailing slash, and
// answering JSON rather than the contract's text): the Basic-auth account and bearer users in
// USERS_ADMIN only, then OSCAR's parseExecutionLogs (POST /run and /job lines only).
func (s *Server) managerLogs(w http.ResponseWriter, r *http.Request, p *principal) {
	if !p.admin {
		writePlain(w, http.StatusForbidden, "OIDC tokens are not allowed for system logs")
		return
	}
	out := []map[string]any{}
	for _, line := range s.managerLog {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "[GIN-EXECUTIONS-LOGGER]")
		if !ok {
			continue
		}
		parts := strings.Split(rest, "|")
		if len(parts) < 6 {
			continue
		}
		mp := strings.Fields(parts[4])
		if len(mp) < 2 || mp[0] != http.MethodPost || !strings.HasPrefix(mp[1], "/run") && !strings.HasPrefix(mp[1], "/job") {
			continue
		}
		status, _ := strconv.Atoi(strings.TrimSpace(parts[1]))
		out = append(out, map[string]any{"timestamp": strings.TrimSpace(parts[0]), "status": status,
			"latency": strings.TrimSpace(parts[2]), "client_ip": strings.TrimSpace(parts[3]), "method": mp[0],
			"path": mp[1], "user": strings.TrimSpace(parts[5]), "raw": strings.TrimSpace(line)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"logs": out})
}
