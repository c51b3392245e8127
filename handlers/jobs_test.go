package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// seedJobs gives service svc n jobs named job-00.. with increasing creation times.
func seedJobs(e *opEnv, svc string, n int, status string) {
	base := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for i := range n {
		e.fake.SetJobs(svc, oscartest.Job{Name: fmt.Sprintf("%s-job-%02d", svc, i), Status: status, Created: base.Add(time.Duration(i) * time.Minute),
			Started: base.Add(time.Duration(i)*time.Minute + time.Second), Log: fmt.Sprintf("line of job %d\n", i)})
	}
}

func TestJobsPagesFollowNextPage(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{JobListingLimit: 5}, nil)
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	seedJobs(e, "grey", 12, "Succeeded")

	seen := map[string]bool{}
	path := "/services/grey/jobs"
	var sizes []int
	for range 5 {
		p := e.get(path)
		if p.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, p.StatusCode)
		}
		names := rowNames(p, "[data-testid=job-name]")
		sizes = append(sizes, len(names))
		for _, n := range names {
			if seen[n] {
				t.Errorf("job %s shown twice", n)
			}
			seen[n] = true
		}
		next, ok := p.Doc.Find("[data-testid=next]").Attr("href")
		if !ok {
			break
		}
		if !strings.HasPrefix(next, "/services/grey/jobs?page=") {
			t.Fatalf("next = %q", next)
		}
		path = next
	}
	if fmt.Sprint(sizes) != "[5 5 2]" {
		t.Errorf("page sizes = %v, want [5 5 2]", sizes)
	}
	if len(seen) != 12 {
		t.Errorf("jobs seen = %d, want 12", len(seen))
	}
	var pages []string
	for _, r := range e.requests(http.MethodGet, "/system/logs/grey") {
		pages = append(pages, r.Query)
	}
	if strings.Join(pages, "|") != "|page=continue-5|page=continue-10" {
		t.Errorf("OSCAR was asked for %q, want the first page then next_page tokens", pages)
	}

	t.Run("newest first within a page, with times", func(t *testing.T) {
		p := e.get("/services/grey/jobs")
		names := rowNames(p, "[data-testid=job-name]")
		if names[0] != "grey-job-04" || names[4] != "grey-job-00" {
			t.Errorf("order = %v, want newest first", names)
		}
		if row := p.Doc.Find("[data-testid=job-row]").First().Text(); !strings.Contains(row, "2026-11-01 10:04:00 UTC") {
			t.Errorf("row = %q, want its creation time", strings.Join(strings.Fields(row), " "))
		}
		if p.Doc.Find("[data-testid=first]").Length() != 0 {
			t.Error("the first page links to the first page")
		}
	})
}

func TestJobsAutoRefresh(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	seedJobs(e, "grey", 2, "Succeeded")
	p := e.get("/services/grey/jobs")
	if p.Doc.Find("[data-autorefresh]").Length() != 0 {
		t.Error("finished jobs only: the page should not reload itself")
	}
	if href, _ := p.Doc.Find("[data-testid=refresh]").Attr("href"); href != "/services/grey/jobs" {
		t.Errorf("refresh link = %q", href)
	}
	e.fake.AddJob("grey", "grey-running", "Running")
	p = e.get("/services/grey/jobs")
	if v, _ := p.Doc.Find("[data-autorefresh]").Attr("data-autorefresh"); v != "10" {
		t.Errorf("data-autorefresh = %q, want 10 while a job runs", v)
	}
}

func TestJobsEmptyAndErrors(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	if p := e.get("/services/grey/jobs"); p.Doc.Find("[data-testid=empty] a[href='/services/grey/invoke']").Length() != 1 {
		t.Error("empty job list does not offer to invoke the service")
	}
	if p := e.get("/services/nope/jobs"); p.StatusCode != http.StatusNotFound {
		t.Errorf("unknown service = %d, want 404", p.StatusCode)
	}
	if p := e.get("/services/grey/jobs?page=garbage"); p.StatusCode != http.StatusBadGateway {
		t.Errorf("bad token = %d, want 502 (OSCAR's 500)", p.StatusCode)
	}
	e.fake.Close()
	p := e.get("/services/grey/jobs")
	if p.StatusCode != http.StatusBadGateway || p.Doc.Find("[data-testid=retry]").Length() != 1 {
		t.Errorf("OSCAR down = %d, want 502 with a retry link", p.StatusCode)
	}
}

func TestJobLog(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
	evil := "<script>alert(1)</script>"
	log := "starting\n" + evil + "\n</pre><b>done</b>\n"
	e.fake.SetJobs("grey", oscartest.Job{Name: "grey-abc", Status: "Succeeded", Log: log})

	p := e.get("/services/grey/jobs/grey-abc")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", p.StatusCode)
	}
	if strings.Contains(p.Body, evil) || strings.Contains(p.Body, "<b>done</b>") {
		t.Fatal("the log's markup reached the page unescaped")
	}
	if got := p.Doc.Find("pre[data-testid=log]").Text(); got != log {
		t.Errorf("log text = %q, want %q", got, log)
	}
	href, _ := p.Doc.Find("[data-testid=download]").Attr("href")
	if href != "/services/grey/jobs/grey-abc?download=1" {
		t.Errorf("download link = %q", href)
	}

	d := e.get(href)
	if ct := d.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("download content type = %q", ct)
	}
	if cd := d.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="grey-abc.log"`) {
		t.Errorf("content disposition = %q", cd)
	}
	if d.Body != log {
		t.Errorf("download = %q, want the log", d.Body)
	}

	t.Run("timestamps", func(t *testing.T) {
		p := e.get("/services/grey/jobs/grey-abc?timestamps=1")
		reqs := e.requests(http.MethodGet, "/system/logs/grey/grey-abc")
		if last := reqs[len(reqs)-1]; last.Query != "timestamps=true" {
			t.Errorf("query = %q, want timestamps=true", last.Query)
		}
		if !strings.Contains(p.Doc.Find("pre").Text(), "Z starting") {
			t.Errorf("log = %q, want timestamps", p.Doc.Find("pre").Text())
		}
	})
	t.Run("unknown job", func(t *testing.T) {
		if p := e.get("/services/grey/jobs/nope"); p.StatusCode != http.StatusNotFound {
			t.Errorf("status = %d, want 404", p.StatusCode)
		}
	})
}

func TestJobDeletions(t *testing.T) {
	tests := []struct {
		name      string
		confirm   string // GET confirmation page
		post      string
		form      url.Values
		wantPath  string
		wantQuery string
		wantLeft  []string
	}{
		{"one job", "/services/grey/jobs/grey-ok/delete", "/services/grey/jobs/grey-ok/delete", nil,
			"/system/logs/grey/grey-ok", "", []string{"grey-bad", "grey-run"}},
		{"finished jobs", "/services/grey/jobs/delete", "/services/grey/jobs/delete", url.Values{"all": {"false"}},
			"/system/logs/grey", "", []string{"grey-bad", "grey-run"}},
		{"all jobs", "/services/grey/jobs/delete?all=true", "/services/grey/jobs/delete", url.Values{"all": {"true"}},
			"/system/logs/grey", "all=true", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newOpEnv(t, oscartest.Options{}, nil)
			e.putService(svcJSON("grey", "img", "1", "1Gi", "private", "cluster_admin"))
			e.fake.AddJob("grey", "grey-ok", "Succeeded")
			e.fake.AddJob("grey", "grey-bad", "Failed")
			e.fake.AddJob("grey", "grey-run", "Running")

			c := e.get(tt.confirm)
			if c.StatusCode != http.StatusOK || c.Doc.Find("[data-testid=confirm]").Length() != 1 {
				t.Fatalf("confirmation page = %d", c.StatusCode)
			}
			form := url.Values{}
			c.Doc.Find("[data-testid=confirm] form input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
				n, _ := s.Attr("name")
				v, _ := s.Attr("value")
				form.Add(n, v)
			})
			if got := form.Encode(); got != tt.form.Encode() {
				t.Errorf("confirmation form carries %q, want %q", got, tt.form.Encode())
			}
			if len(e.fake.Jobs("grey")) != 3 {
				t.Fatal("the confirmation page deleted jobs")
			}
			if action, _ := c.Doc.Find("[data-testid=confirm] form").Attr("action"); action != tt.post {
				t.Errorf("action = %q, want %q", action, tt.post)
			}

			p := e.post(tt.post, form)
			if p.StatusCode != http.StatusSeeOther || p.location() != "/services/grey/jobs" {
				t.Fatalf("post = %d → %q", p.StatusCode, p.location())
			}
			reqs := e.requests(http.MethodDelete, tt.wantPath)
			if len(reqs) != 1 || reqs[0].Query != tt.wantQuery {
				t.Errorf("DELETE %s = %+v, want one with query %q", tt.wantPath, reqs, tt.wantQuery)
			}
			var left []string
			for _, j := range e.fake.Jobs("grey") {
				left = append(left, j.Name)
			}
			if strings.Join(left, ",") != strings.Join(tt.wantLeft, ",") {
				t.Errorf("jobs left = %v, want %v", left, tt.wantLeft)
			}
		})
	}
}

// TestJobRowsOrder: newest first whatever form OSCAR wrote the creation time in, equal times by name,
// a time that does not read last (shown as it came).
func TestJobRowsOrder(t *testing.T) {
	jobs := map[string]oscar.JobInfo{
		"b-old":     {Status: "Succeeded", CreationTime: "2026-12-01T10:00:00Z"},
		"a-nano":    {Status: "Running", CreationTime: "2026-12-03T10:00:00.123456Z"},
		"c-go-form": {Status: "Failed", CreationTime: "2026-12-02 10:00:00 +0000 UTC"},
		"e-tie":     {CreationTime: "2026-12-01T10:00:00Z"},
		"d-garbage": {Status: "Pending", CreationTime: "yesterday"},
	}
	rows := jobRows("svc", jobs)
	var got []string
	for _, r := range rows {
		got = append(got, r.Name)
	}
	if want := []string{"a-nano", "c-go-form", "b-old", "e-tie", "d-garbage"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if rows[1].Created != "2026-12-02 10:00:00 UTC" || rows[4].Created != "yesterday" || rows[3].Status != "Unknown" {
		t.Errorf("rows: %+v", rows)
	}
}
