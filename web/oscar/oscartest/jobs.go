package oscartest

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Job is a job of a service as the fake keeps it.
type Job struct {
	Name string
	// Status is the pod phase: Pending, Running, Succeeded, Failed,
	// Unknown, or Suspended.
	Status string
	// Owner is the uid of the invoking user; bearer callers only see
	// their own jobs. "" is only visible to Basic auth.
	Owner    string
	Log      string
	Created  time.Time
	Started  time.Time
	Finished time.Time
}

// AddJob adds a job to a service (the service need not exist).
func (s *Server) AddJob(svc, name, status string) {
	s.SetJobs(svc, Job{Name: name, Status: status})
}

// SetJobs adds or replaces jobs of a service. A zero Created time is set
// to now (jobs are listed by creation time, then name).
func (s *Server) SetJobs(svc string, jobs ...Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.jobs[svc]
	if m == nil {
		m = map[string]*Job{}
		s.jobs[svc] = m
	}
	for _, j := range jobs {
		if j.Created.IsZero() {
			j.Created = time.Now().UTC()
		}
		m[j.Name] = &j
	}
}

// Jobs returns a service's jobs sorted by creation time, then name.
func (s *Server) Jobs(svc string) []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Job
	for _, j := range s.sortedJobs(svc) {
		out = append(out, *j)
	}
	return out
}

func (s *Server) sortedJobs(svc string) []*Job {
	var js []*Job
	for _, j := range s.jobs[svc] {
		js = append(js, j)
	}
	sort.Slice(js, func(a, b int) bool {
		if !js[a].Created.Equal(js[b].Created) {
			return js[a].Created.Before(js[b].Created)
		}
		return js[a].Name < js[b].Name
	})
	return js
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// jobsFor finds a service's jobs visible to p; on failure it has written
// the answer. A bearer caller who may not see the service gets OSCAR's
// empty 200 when listing (list), 404 otherwise.
func (s *Server) jobsFor(w http.ResponseWriter, p *principal, name string, list bool) ([]*Job, bool) {
	sv, ok := s.services[name]
	if !ok {
		writePlain(w, http.StatusNotFound, "service not found")
		return nil, false
	}
	v := sv.view()
	if !canSee(p, v.visibility(), v.Owner, v.AllowedUsers) {
		if list {
			w.WriteHeader(http.StatusOK)
		} else {
			writePlain(w, http.StatusNotFound, "service not found")
		}
		return nil, false
	}
	var out []*Job
	for _, j := range s.sortedJobs(name) {
		if p.basic || j.Owner == p.sub {
			out = append(out, j)
		}
	}
	return out, true
}

// listJobs handles GET /system/logs/{name}: one page of JOB_LISTING_LIMIT
// jobs; the continuation token is the offset of the next page.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, p *principal) {
	js, ok := s.jobsFor(w, p, r.PathValue("name"), true)
	if !ok {
		return
	}
	start := 0
	if pg := r.URL.Query().Get("page"); pg != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(pg, "continue-"))
		if err != nil || n < 0 || !strings.HasPrefix(pg, "continue-") {
			writePlain(w, http.StatusInternalServerError, "The provided continue parameter is not valid")
			return
		}
		start = min(n, len(js))
	}
	end := min(start+s.opts.JobListingLimit, len(js))
	out := map[string]any{}
	for _, j := range js[start:end] {
		out[j.Name] = map[string]string{"status": j.Status, "creation_time": fmtTime(j.Created),
			"start_time": fmtTime(j.Started), "finish_time": fmtTime(j.Finished)}
	}
	resp := map[string]any{"jobs": out, "remaining_jobs": len(js) - end}
	if end < len(js) {
		resp["next_page"] = "continue-" + strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, resp)
}

// deleteJobs handles DELETE /system/logs/{name}: without all=true only
// succeeded jobs go.
func (s *Server) deleteJobs(w http.ResponseWriter, r *http.Request, p *principal) {
	all := r.URL.Query().Get("all") == "true"
	js, ok := s.jobsFor(w, p, r.PathValue("name"), false)
	if !ok {
		return
	}
	for _, j := range js {
		if all || j.Status == "Succeeded" {
			delete(s.jobs[r.PathValue("name")], j.Name)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// findJob finds one visible job; on failure it has written the answer.
func (s *Server) findJob(w http.ResponseWriter, r *http.Request, p *principal) *Job {
	js, ok := s.jobsFor(w, p, r.PathValue("name"), false)
	if !ok {
		return nil
	}
	for _, j := range js {
		if j.Name == r.PathValue("job") {
			return j
		}
	}
	writePlain(w, http.StatusNotFound, "job not found")
	return nil
}

// jobLog handles GET /system/logs/{name}/{job}: the log as text/plain.
func (s *Server) jobLog(w http.ResponseWriter, r *http.Request, p *principal) {
	j := s.findJob(w, r, p)
	if j == nil {
		return
	}
	log := j.Log
	if r.URL.Query().Get("timestamps") == "true" && log != "" {
		var b strings.Builder
		for _, l := range strings.SplitAfter(log, "\n") {
			if l != "" {
				b.WriteString(fmtTime(j.Created) + " " + l)
			}
		}
		log = b.String()
	}
	writePlain(w, http.StatusOK, log)
}

// deleteJob handles DELETE /system/logs/{name}/{job}.
func (s *Server) deleteJob(w http.ResponseWriter, r *http.Request, p *principal) {
	j := s.findJob(w, r, p)
	if j == nil {
		return
	}
	delete(s.jobs[r.PathValue("name")], j.Name)
	w.WriteHeader(http.StatusNoContent)
}

// invoker authenticates /job and /run: a bearer service token or OIDC
// token; Basic auth is refused with 401. It returns the invoking uid.
func (s *Server) invoker(w http.ResponseWriter, r *http.Request, provisioned bool) (*service, string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		writePlain(w, http.StatusUnauthorized, "")
		return nil, "", false
	}
	name := r.PathValue("name")
	s.mu.Lock()
	defer s.mu.Unlock()
	sv, exists := s.services[name]
	if exists {
		v := sv.view()
		if v.Token != "" && tok == v.Token {
			return sv, v.Owner, true
		}
	}
	var p *principal
	if s.opts.Tokens != nil {
		if sub, groups, ok := s.opts.Tokens(tok); ok {
			p = &principal{sub: sub, groups: groups}
		}
	}
	if p == nil {
		// Also for an unknown service with a service token.
		writePlain(w, http.StatusUnauthorized, "invalid token")
		return nil, "", false
	}
	if !exists {
		writePlain(w, http.StatusNotFound, "service not found")
		return nil, "", false
	}
	v := sv.view()
	inGroup := false
	for _, g := range p.groups {
		for _, c := range s.opts.OIDCGroups {
			inGroup = inGroup || (g != "" && g == c)
		}
	}
	if !inGroup || !canSee(p, v.visibility(), v.Owner, v.AllowedUsers) {
		writePlain(w, http.StatusUnauthorized, "invalid token")
		return nil, "", false
	}
	if _, ok := s.minioUsers[p.sub]; provisioned && !ok {
		writePlain(w, http.StatusForbidden, fmt.Sprintf("MinIO user not provisioned for %s; submit a direct request first", p.sub))
		return nil, "", false
	}
	return sv, p.sub, true
}

// jobName is OSCAR's job name: the service name (cut to 16 characters
// when it has 25 or more) and a UUID.
func jobName(svc string) string {
	if len(svc) >= 25 {
		svc = svc[:16]
	}
	u := randomHex(16)
	return fmt.Sprintf("%s-%s-%s-%s-%s-%s", svc, u[0:8], u[8:12], u[12:16], u[16:20], u[20:32])
}

// runJob handles POST /job/{name}: a new Pending job, 201 with an empty
// body (the job name is not returned).
func (s *Server) runJob(w http.ResponseWriter, r *http.Request) {
	sv, uid, ok := s.invoker(w, r, true)
	if !ok {
		return
	}
	body, _ := io.ReadAll(r.Body)
	name := sv.view().Name
	s.SetJobs(name, Job{Name: jobName(name), Status: "Pending", Owner: uid, Log: "EVENT: " + string(body) + "\n"})
	w.WriteHeader(http.StatusCreated)
}

// run handles POST /run/{name}: the service's answer, by default an echo.
func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	sv, _, ok := s.invoker(w, r, false)
	if !ok {
		return
	}
	body, _ := io.ReadAll(r.Body)
	status, ct, out := http.StatusOK, r.Header.Get("Content-Type"), body
	if s.opts.Run != nil {
		status, ct, out = s.opts.Run(sv.view().Name, body, r.Header.Get("Content-Type"))
	}
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}
