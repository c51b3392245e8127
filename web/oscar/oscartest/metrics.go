package oscartest

import (
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Usage is one request to a service as OSCAR's metric sources (Prometheus and the manager's
// execution log) record it: when, by whom, from where, how it ran (Kind "sync", "async" for a
// job, "exposed"), and the CPU and GPU hours it used.
type Usage struct {
	Service  string
	User     string
	Country  string
	Kind     string
	At       time.Time
	CPUHours float64
	GPUHours float64
}

// AddUsage records requests for the /system/metrics routes.
func (s *Server) AddUsage(u ...Usage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.usage = append(s.usage, u...)
}

// SeedUsage records a realistic, reproducible history for every stored service: a few requests a
// day over the days before now, by their owners and three other users (carol, dave and erin
// @egi.eu), from a few
// countries, mostly jobs, with CPU hours per request and GPU hours for services whose name
// mentions "gpu".
func (s *Server) SeedUsage(now time.Time, days int) {
	rng := rand.New(rand.NewPCG(21, 2026))
	users := []string{"carol@egi.eu", "dave@egi.eu", "erin@egi.eu"}
	countries := []string{"ES", "IT", "DE", "FR", "NL"}
	kinds := []string{"async", "async", "async", "sync", "exposed"}
	s.mu.Lock()
	defer s.mu.Unlock()
	names := slices.Sorted(mapKeys(s.services))
	for d := days; d >= 1; d-- {
		day := now.Add(-time.Duration(d) * 24 * time.Hour)
		for _, name := range names {
			owner := s.services[name].view().Owner
			n := rng.IntN(5)
			if d%7 == 0 || d%7 == 1 {
				n /= 2 // quieter weekends
			}
			for range n {
				u := Usage{Service: name, User: users[rng.IntN(len(users))], Country: countries[rng.IntN(len(countries))],
					Kind: kinds[rng.IntN(len(kinds))], At: day.Add(time.Duration(rng.IntN(86400)) * time.Second)}
				if owner != "" && owner != "cluster_admin" && rng.IntN(2) == 0 {
					u.User = owner
				}
				u.CPUHours = math.Round(rng.Float64()*200) / 100
				if strings.Contains(name, "gpu") {
					u.GPUHours = math.Round(rng.Float64()*100) / 100
				}
				s.usage = append(s.usage, u)
			}
		}
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// metricsRange parses start and end as OSCAR's parseTimeRange does: RFC 3339, end defaults to
// now and start to end-24h, end before start refused. Errors are JSON, as OSCAR writes them.
func metricsRange(w http.ResponseWriter, r *http.Request) (start, end time.Time, ok bool) {
	at := func(name string, def time.Time) (time.Time, bool) {
		v := strings.TrimSpace(r.URL.Query().Get(name))
		if v == "" {
			return def, true
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid " + name + " timestamp"})
			return t, false
		}
		return t, true
	}
	if end, ok = at("end", time.Now().UTC()); !ok {
		return start, end, false
	}
	if start, ok = at("start", end.Add(-24*time.Hour)); !ok {
		return start, end, false
	}
	if end.Before(start) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "end must be after start"})
		return start, end, false
	}
	return start, end, true
}

// scopedUsage is the usage p may see in [start, end]: a bearer caller only that of the stored
// services they may see (OSCAR's scopedMetricsAggregator); the Basic-auth admin everything.
// visible is the number of services p may see. Caller holds s.mu.
func (s *Server) scopedUsage(p *principal, start, end time.Time) (out []Usage, visible int) {
	allowed := map[string]bool{}
	for name, sv := range s.services {
		v := sv.view()
		if canSee(p, v.visibility(), v.Owner, v.AllowedUsers) {
			allowed[name] = true
		}
	}
	for _, u := range s.usage {
		if u.At.Before(start) || u.At.After(end) || !p.basic && !allowed[u.Service] {
			continue
		}
		out = append(out, u)
	}
	return out, len(allowed)
}

// tally sums usage records.
type tally struct {
	cpu, gpu                   float64
	sync, async, exposed       int
	users, services, countries map[string]int
}

func sum(us []Usage) *tally {
	t := &tally{users: map[string]int{}, services: map[string]int{}, countries: map[string]int{}}
	for _, u := range us {
		t.cpu += u.CPUHours
		t.gpu += u.GPUHours
		switch u.Kind {
		case "sync":
			t.sync++
		case "async":
			t.async++
		default:
			t.exposed++
		}
		t.users[u.User]++
		t.services[u.Service]++
		t.countries[u.Country]++
	}
	t.cpu, t.gpu = math.Round(t.cpu*100)/100, math.Round(t.gpu*100)/100
	return t
}

func countries(m map[string]int) []map[string]any {
	out := []map[string]any{}
	for _, c := range slices.Sorted(mapKeys(m)) {
		out = append(out, map[string]any{"country": c, "request_count": m[c]})
	}
	return out
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func sources(end time.Time) []map[string]any {
	return []map[string]any{
		{"name": "prometheus", "status": "ok", "last_updated": rfc(end)},
		{"name": "loki", "status": "ok", "last_updated": rfc(end)},
	}
}

// metricsSummary handles GET /system/metrics.
func (s *Server) metricsSummary(w http.ResponseWriter, r *http.Request, p *principal) {
	start, end, ok := metricsRange(w, r)
	if !ok {
		return
	}
	us, visible := s.scopedUsage(p, start, end)
	if p.basic {
		visible = len(s.services)
	}
	t := sum(us)
	writeJSON(w, http.StatusOK, map[string]any{
		"start": rfc(start), "end": rfc(end), "sources": sources(end),
		"totals": map[string]any{
			"services_count_total": visible, "services_count_active": len(t.services),
			"cpu_hours_total": t.cpu, "gpu_hours_total": t.gpu,
			"requests_count_total": t.sync + t.async + t.exposed, "requests_count_sync": t.sync,
			"requests_count_async": t.async, "requests_count_exposed": t.exposed,
			"users_count": len(t.users), "users": append([]string{}, slices.Sorted(mapKeys(t.users))...),
			"countries_count": len(t.countries), "countries": countries(t.countries),
		},
	})
}

// serviceMetrics handles GET /system/metrics/{name}: 404 (empty) for a service that does not
// exist, 403 (empty) for one a bearer caller may not see, as OSCAR's
// getAuthorizedServiceForMetrics answers; then every per-service metric, or the one asked for.
func (s *Server) serviceMetrics(w http.ResponseWriter, r *http.Request, p *principal) {
	name := r.PathValue("name")
	sv, found := s.services[name]
	if !found {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if v := sv.view(); !canSee(p, v.visibility(), v.Owner, v.AllowedUsers) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	start, end, ok := metricsRange(w, r)
	if !ok {
		return
	}
	us, _ := s.scopedUsage(p, start, end)
	us = slices.DeleteFunc(us, func(u Usage) bool { return u.Service != name })
	t := sum(us)
	metrics := []map[string]any{
		{"metric": "cpu-hours", "value": t.cpu, "unit": "hours"},
		{"metric": "gpu-hours", "value": t.gpu, "unit": "hours"},
		{"metric": "requests-sync-per-service", "value": t.sync, "unit": "requests"},
		{"metric": "requests-async-per-service", "value": t.async, "unit": "requests"},
		{"metric": "requests-exposed-per-service", "value": t.exposed, "unit": "requests"},
		{"metric": "users-per-service", "value": len(t.users), "unit": "users"},
	}
	if key := strings.TrimSpace(r.URL.Query().Get("metric")); key != "" {
		for _, m := range metrics {
			if m["metric"] == key {
				writeJSON(w, http.StatusOK, map[string]any{"metric": key, "service_id": name, "start": rfc(start), "end": rfc(end),
					"value": m["value"], "unit": m["unit"], "sources": sources(end)})
				return
			}
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid metric key"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"service_name": name, "start": rfc(start), "end": rfc(end), "metrics": metrics})
}

// metricsBreakdown handles GET /system/metrics/breakdown (JSON only; OSCAR's CSV is not served by
// the fake and answers 400).
func (s *Server) metricsBreakdown(w http.ResponseWriter, r *http.Request, p *principal) {
	start, end, ok := metricsRange(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	groupBy := strings.TrimSpace(q.Get("group_by"))
	if f := strings.ToLower(q.Get("format")); f != "" && f != "json" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "oscartest: only format=json is served"})
		return
	}
	us, _ := s.scopedUsage(p, start, end)
	by := map[string][]Usage{}
	for _, u := range us {
		k := map[string]string{"service": u.Service, "user": u.User, "country": u.Country}[groupBy]
		by[k] = append(by[k], u)
	}
	items := []map[string]any{}
	for _, k := range slices.Sorted(mapKeys(by)) {
		t := sum(by[k])
		item := map[string]any{"key": k, "countries": countries(t.countries)}
		switch groupBy {
		case "service":
			item["requests_count_total"], item["requests_count_sync"] = t.sync+t.async+t.exposed, t.sync
			item["requests_count_async"], item["requests_count_exposed"] = t.async, t.exposed
			item["unique_users_count"] = len(t.users)
			if q.Get("include_users") == "true" {
				item["users"] = slices.Sorted(mapKeys(t.users))
			}
		case "user":
			item["executions_count"] = t.sync + t.async + t.exposed
		default:
			item["executions_count"], item["unique_users_count"] = t.sync+t.async+t.exposed, len(t.users)
		}
		items = append(items, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"start": rfc(start), "end": rfc(end), "group_by": groupBy, "items": items})
}
