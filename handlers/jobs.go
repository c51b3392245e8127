package handlers

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// listJobs handles "GET /services/{name}/jobs": one OSCAR page of jobs, newest first.
func (p *Pages) listJobs(w http.ResponseWriter, r *http.Request) error {
	name, err := serviceName(r)
	if err != nil {
		return err
	}
	token := r.URL.Query().Get("page")
	if len(token) > 4096 {
		return badRequest("That page link is not valid.")
	}
	ep, cr := p.creds(r)
	jobs, err := p.oscar.Jobs(r.Context(), ep, cr, name, token)
	if err != nil {
		return fmt.Errorf("handlers: list jobs of %q: %w", name, err)
	}
	base := servicePath(name, "jobs")
	props := templates.JobsProps{
		Service:     name,
		ServiceURL:  servicePath(name),
		Remaining:   jobs.RemainingJobs,
		RefreshURL:  withQuery(base, url.Values{"page": {token}}),
		InvokeURL:   servicePath(name, "invoke"),
		DeleteOKURL: base + "/delete",
		DeleteAll:   base + "/delete?all=true",
	}
	if token != "" {
		props.FirstURL = base
	}
	if jobs.NextPage != "" {
		props.NextURL = withQuery(base, url.Values{"page": {jobs.NextPage}})
	}
	props.Jobs = jobRows(name, jobs.Jobs)
	for _, j := range props.Jobs {
		if s := strings.ToLower(j.Status); s == "running" || s == "pending" || s == "suspended" {
			props.Active = true
		}
	}
	return p.render(w, r, http.StatusOK, templates.JobsPage(p.layout(r, "Jobs of "+name, "services"), props))
}

// jobRows orders jobs newest first (by creation time, then name) and builds their rows.
func jobRows(service string, jobs map[string]oscar.JobInfo) []templates.JobRow {
	// Each creation time is read once, not in every comparison of the sort.
	type job struct {
		name    string
		created time.Time
		ok      bool
	}
	order := make([]job, 0, len(jobs))
	for n, j := range jobs {
		t, ok := parseTime(j.CreationTime)
		order = append(order, job{n, t, ok})
	}
	slices.SortFunc(order, func(a, b job) int { // names are unique: a total order
		return cmp.Or(b.created.Compare(a.created), strings.Compare(a.name, b.name))
	})
	rows := make([]templates.JobRow, 0, len(order))
	for _, o := range order {
		j := jobs[o.name]
		status := cmp.Or(j.Status, "Unknown")
		rows = append(rows, templates.JobRow{
			Name: o.name, URL: servicePath(service, "jobs", o.name), DeleteURL: servicePath(service, "jobs", o.name, "delete"),
			Status: status, StatusClass: stateClass(status),
			Created: formatTime(o.created, o.ok, j.CreationTime), Started: showTime(j.StartTime), Finished: showTime(j.FinishTime),
		})
	}
	return rows
}

// jobParams reads and checks the {name} and {job} path values: the service and its job.
func jobParams(r *http.Request) (string, string, error) {
	name, err := serviceName(r)
	if err != nil {
		return "", "", err
	}
	j := r.PathValue("job")
	if !validName(j) {
		return "", "", notFound("There is no job with that name.")
	}
	return name, j, nil
}

// showJobLog handles "GET /services/{name}/jobs/{job}": the job's log as plain text in the page, or as a
// text/plain attachment with ?download=1.
func (p *Pages) showJobLog(w http.ResponseWriter, r *http.Request) error {
	name, job, err := jobParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	stamps := q.Get("timestamps") == "1"
	ep, cr := p.creds(r)
	log, err := p.oscar.JobLog(r.Context(), ep, cr, name, job, stamps)
	if err != nil {
		return fmt.Errorf("handlers: get log of job %q of %q: %w", job, name, err)
	}
	if q.Get("download") == "1" {
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Content-Disposition", attachment(job+".log"))
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write([]byte(log))
		return err
	}
	self := servicePath(name, "jobs", job)
	props := templates.JobLogProps{
		Service: name, ServiceURL: servicePath(name), JobsURL: servicePath(name, "jobs"), Job: job, Log: log,
		Timestamps: stamps, DownloadURL: withQuery(self, url.Values{"download": {"1"}, "timestamps": {boolParam(stamps)}}),
		RefreshURL: withQuery(self, url.Values{"timestamps": {boolParam(stamps)}}),
		ToggleURL:  withQuery(self, url.Values{"timestamps": {boolParam(!stamps)}}),
		DeleteURL:  servicePath(name, "jobs", job, "delete"),
	}
	return p.render(w, r, http.StatusOK, templates.JobLogPage(p.layout(r, "Log of "+job, "services"), props))
}

func boolParam(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// attachment builds a Content-Disposition for a download, with an ASCII fallback name and the
// RFC 5987 UTF-8 name, so no header injection or odd characters get through.
func attachment(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	if name == "" {
		name = "download"
	}
	ascii := strings.Map(func(r rune) rune {
		if r > 0x7e || r == '"' || r == ';' || r == '%' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf("attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, extValue(name))
}

// extValue percent-encodes s for an RFC 8187 ext-value: every byte outside attr-char is escaped.
func extValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// confirmDeleteJobs handles "GET /services/{name}/jobs/delete": the confirmation of deleting the
// finished jobs, or with ?all=true every job.
func (p *Pages) confirmDeleteJobs(w http.ResponseWriter, r *http.Request) error {
	name, err := serviceName(r)
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("all") == "true"
	props := templates.JobsDeleteProps{Service: name, All: all, Action: servicePath(name, "jobs") + "/delete", CancelURL: servicePath(name, "jobs")}
	title := "Delete finished jobs"
	if all {
		title = "Delete all jobs"
	}
	return p.render(w, r, http.StatusOK, templates.JobsDeletePage(p.layout(r, title, "services"), props))
}

// deleteJobs handles "POST /services/{name}/jobs/delete": all=true deletes every job (OSCAR's
// ?all=true, running ones included), otherwise only the succeeded ones.
func (p *Pages) deleteJobs(w http.ResponseWriter, r *http.Request) error {
	name, err := serviceName(r)
	if err != nil {
		return err
	}
	form, err := formValues(r)
	if err != nil {
		return err
	}
	all := form.Get("all") == "true"
	ep, cr := p.creds(r)
	if err := p.oscar.DeleteJobs(r.Context(), ep, cr, name, all); err != nil {
		return fmt.Errorf("handlers: delete jobs of %q: %w", name, err)
	}
	if all {
		p.session(r).Data.AddFlash("All jobs of " + name + " deleted.")
	} else {
		p.session(r).Data.AddFlash("Finished jobs of " + name + " deleted.")
	}
	return p.redirect(w, r, servicePath(name, "jobs"))
}

// confirmDeleteJob handles "GET /services/{name}/jobs/{job}/delete".
func (p *Pages) confirmDeleteJob(w http.ResponseWriter, r *http.Request) error {
	name, job, err := jobParams(r)
	if err != nil {
		return err
	}
	props := templates.JobsDeleteProps{Service: name, Job: job, Action: servicePath(name, "jobs", job, "delete"), CancelURL: servicePath(name, "jobs", job)}
	return p.render(w, r, http.StatusOK, templates.JobsDeletePage(p.layout(r, "Delete job "+job, "services"), props))
}

// deleteJob handles "POST /services/{name}/jobs/{job}/delete".
func (p *Pages) deleteJob(w http.ResponseWriter, r *http.Request) error {
	name, job, err := jobParams(r)
	if err != nil {
		return err
	}
	if _, err := formValues(r); err != nil {
		return err
	}
	ep, cr := p.creds(r)
	if err := p.oscar.DeleteJob(r.Context(), ep, cr, name, job); err != nil {
		return fmt.Errorf("handlers: delete job %q of %q: %w", job, name, err)
	}
	p.session(r).Data.AddFlash("Job " + job + " deleted.")
	return p.redirect(w, r, servicePath(name, "jobs"))
}
