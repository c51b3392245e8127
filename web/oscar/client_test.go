package oscar_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

func TestInfoAndConfig(t *testing.T) {
	e := setup(t, oscartest.Options{ServerlessBackend: true}, oscar.Options{})
	info, err := e.c.Info(e.ctx, e.ep, admin())
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if info.Version == "" || info.ServerlessBackend == nil || info.ServerlessBackend.Name != "knative" {
		t.Errorf("Info = %+v, want a version and the knative backend", info)
	}

	cfg, err := e.c.Config(e.ctx, e.ep, admin())
	if err != nil {
		t.Fatalf("Config(admin): %v", err)
	}
	if got, want := cfg.MinIOProvider.AccessKey, oscartest.MinIORootAccessKey; got != want {
		t.Errorf("admin MinIO access key = %q, want %q", got, want)
	}
	if got, want := cfg.Config.ServerlessBackend, "knative"; got != want {
		t.Errorf("serverless_backend = %q, want %q", got, want)
	}

	cfg, err = e.c.Config(e.ctx, e.ep, alice())
	if err != nil {
		t.Fatalf("Config(alice): %v", err)
	}
	if got, want := cfg.MinIOProvider.AccessKey, "alice@egi.eu"; got != want {
		t.Errorf("alice's MinIO access key = %q, want %q", got, want)
	}
	if got, want := cfg.MinIOProvider.SecretKey, e.srv.MinIOSecret("alice@egi.eu"); got == "" || got != want {
		t.Errorf("alice's MinIO secret = %q, want the provisioned %q", got, want)
	}
}

func TestFeatures(t *testing.T) {
	tests := []struct {
		name    string
		opts    oscartest.Options
		wantRun bool
		wantVOs []string
	}{
		{"knative with VOs", oscartest.Options{ServerlessBackend: true, OIDCGroups: []string{"vo.example.eu", "vo.other.eu"}}, true, []string{"vo.example.eu", "vo.other.eu"}},
		{"kubernetes backend, no VOs", oscartest.Options{OIDCGroups: []string{}}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.opts, oscar.Options{})
			f, err := e.c.Features(e.ctx, e.ep, admin())
			if err != nil {
				t.Fatalf("Features: %v", err)
			}
			if f.Run != tt.wantRun {
				t.Errorf("Run = %v, want %v", f.Run, tt.wantRun)
			}
			if !slices.Equal(f.VOs, tt.wantVOs) {
				t.Errorf("VOs = %q, want %q", f.VOs, tt.wantVOs)
			}
			if !f.Kueue || !f.Volumes || f.Version == "" {
				t.Errorf("Features = %+v, want Kueue, Volumes and a version", f)
			}
		})
	}
}

func TestFeaturesCachedPerCredential(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	count := func() int { return len(e.srv.Requests()) }
	if _, err := e.c.Features(e.ctx, e.ep, admin()); err != nil {
		t.Fatal(err)
	}
	first := count()
	if first != 2 {
		t.Fatalf("first Features made %d requests, want 2 (info and config)", first)
	}
	f, err := e.c.Features(e.ctx, e.ep, admin())
	if err != nil {
		t.Fatal(err)
	}
	if got := count(); got != first {
		t.Errorf("cached Features made %d more requests, want 0", got-first)
	}
	f.VOs[0] = "changed" // must not change the cached value
	if f2, _ := e.c.Features(e.ctx, e.ep, admin()); f2.VOs[0] == "changed" {
		t.Error("Features returned the cached slice itself")
	}
	// Another identity is not served from admin's entry.
	if _, err := e.c.Features(e.ctx, e.ep, alice()); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != first+2 {
		t.Errorf("Features for another user made %d requests, want 2", got-first)
	}
	reqs := e.srv.Requests()
	if last := reqs[len(reqs)-1]; last.Token != "alice-token" {
		t.Errorf("alice's Features call used token %q", last.Token)
	}
}

func TestServiceLifecycle(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	s := minimal("grayify")
	s.Input = []oscar.StorageIOConfig{{StorageProvider: "minio.default", Path: "grayify/in"}}
	s.Output = []oscar.StorageIOConfig{{StorageProvider: "minio.default", Path: "out"}} // single segment
	s.Environment = &oscar.Environment{Variables: map[string]string{"A": "1"}, Secrets: map[string]string{"KEY": "s3cret"}}
	if err := e.c.CreateService(e.ctx, e.ep, admin(), s); err != nil {
		t.Fatalf("CreateService: %v", err)
	}

	got, err := e.c.Service(e.ctx, e.ep, admin(), "grayify", false)
	if err != nil {
		t.Fatalf("Service: %v", err)
	}
	if got.Owner != "cluster_admin" || len(got.Token) != 64 || got.Namespace != "oscar-svc" {
		t.Errorf("server-set fields: owner %q, token %q, namespace %q", got.Owner, got.Token, got.Namespace)
	}
	if got, want := got.Output[0].Path, "grayify/out"; got != want {
		t.Errorf("single-segment output path = %q, want %q", got, want)
	}
	if def := got.StorageProviders.MinIO["default"]; def == nil || def.AccessKey != "hidden" {
		t.Errorf("minio.default = %+v, want hidden keys", def)
	}
	if got.Environment.Secrets["KEY"] != "" {
		t.Errorf("GET returned the secret %q, want it blanked", got.Environment.Secrets["KEY"])
	}
	if got.Deployment != nil {
		t.Errorf("Deployment = %+v without include=deployment", got.Deployment)
	}
	if b := e.srv.BucketNames(); !slices.Equal(b, []string{"grayify"}) {
		t.Errorf("buckets after create = %q, want [grayify]", b)
	}

	list, err := e.c.Services(e.ctx, e.ep, admin(), true)
	if err != nil {
		t.Fatalf("Services: %v", err)
	}
	if len(list) != 1 || list[0].Deployment == nil || list[0].Deployment.State == "" {
		t.Fatalf("Services(include deployment) = %+v, want one service with a deployment", list)
	}

	token := got.Token
	got.Memory = "1Gi"
	if err := e.c.UpdateService(e.ctx, e.ep, admin(), got); err != nil {
		t.Fatalf("UpdateService: %v", err)
	}
	after, err := e.c.Service(e.ctx, e.ep, admin(), "grayify", false)
	if err != nil {
		t.Fatal(err)
	}
	if after.Memory != "1Gi" || after.Token != token || after.Owner != "cluster_admin" {
		t.Errorf("after update: memory %q, token kept %v, owner %q", after.Memory, after.Token == token, after.Owner)
	}

	st, err := e.c.Deployment(e.ctx, e.ep, admin(), "grayify")
	if err != nil {
		t.Fatalf("Deployment: %v", err)
	}
	if st.ServiceName != "grayify" || st.State == "" {
		t.Errorf("Deployment = %+v", st)
	}
	e.srv.SetDeploymentLogs("grayify", "pulling", "started", "ready")
	logs, err := e.c.DeploymentLogs(e.ctx, e.ep, admin(), "grayify", 2, true)
	if err != nil {
		t.Fatalf("DeploymentLogs: %v", err)
	}
	if len(logs.Entries) != 2 || logs.Entries[1].Message != "ready" || logs.Entries[0].Timestamp == "" {
		t.Errorf("DeploymentLogs(tail 2, timestamps) = %+v", logs.Entries)
	}
	if r := lastRequest(e.srv, "/system/services/grayify/deployment/logs"); r.Query != "tailLines=2&timestamps=true" {
		t.Errorf("deployment logs query = %q", r.Query)
	}

	if err := e.c.DeleteService(e.ctx, e.ep, admin(), "grayify"); err != nil {
		t.Fatalf("DeleteService: %v", err)
	}
	if b := e.srv.BucketNames(); len(b) != 0 {
		t.Errorf("buckets after delete = %q, want none", b)
	}
	_, err = e.c.Service(e.ctx, e.ep, admin(), "grayify", false)
	if k := kindOf(t, err); k != oscar.NotFound {
		t.Errorf("Service after delete: kind %v, want NotFound", k)
	}
	err = e.c.DeleteService(e.ctx, e.ep, admin(), "grayify")
	if k := kindOf(t, err); k != oscar.NotFound {
		t.Errorf("second DeleteService: kind %v, want NotFound", k)
	}
}

func lastRequest(srv *oscartest.Server, path string) oscartest.Recorded {
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Path == path {
			return reqs[i]
		}
	}
	return oscartest.Recorded{}
}

func TestUnknownFieldsSurviveGetPut(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	def := `{
	  "name": "future", "image": "img", "script": "echo", "owner": "cluster_admin", "namespace": "oscar-svc",
	  "token": "` + strings.Repeat("ab", 32) + `",
	  "future_top": {"nested": [1, 2, 3]},
	  "input": [{"storage_provider": "minio.default", "path": "future/in", "future_io": true}],
	  "expose": {"min_scale": 1, "max_scale": 2, "api_port": [8080], "nodePort": [30080], "future_expose": "x"},
	  "storage_providers": {"rustfs": {"default": {"endpoint": "https://rustfs.example"}}},
	  "federation": {"topology": "star", "future_fed": 7}
	}`
	if err := e.srv.PutService(def); err != nil {
		t.Fatal(err)
	}
	e.srv.AddBucket("future", "cluster_admin", "private")
	s, err := e.c.Service(e.ctx, e.ep, admin(), "future", false)
	if err != nil {
		t.Fatalf("Service: %v", err)
	}
	if !s.Expose.Exposed() {
		t.Error("Expose.Exposed() = false for api_port [8080]")
	}
	s.CPU = "2"
	if err := e.c.UpdateService(e.ctx, e.ep, admin(), s); err != nil {
		t.Fatalf("UpdateService: %v", err)
	}
	var stored map[string]any
	if err := json.Unmarshal(e.srv.StoredService("future"), &stored); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		path string
		got  any
		want string
	}{
		{"future_top", stored["future_top"], `{"nested":[1,2,3]}`},
		{"input[0].future_io", stored["input"].([]any)[0].(map[string]any)["future_io"], `true`},
		{"expose.future_expose", stored["expose"].(map[string]any)["future_expose"], `"x"`},
		{"storage_providers.rustfs", stored["storage_providers"].(map[string]any)["rustfs"], `{"default":{"endpoint":"https://rustfs.example"}}`},
		{"federation.future_fed", stored["federation"].(map[string]any)["future_fed"], `7`},
		{"owner", stored["owner"], `"cluster_admin"`},
		{"token", stored["token"], `"` + strings.Repeat("ab", 32) + `"`},
		{"cpu", stored["cpu"], `"2"`},
	}
	for _, c := range checks {
		b, _ := json.Marshal(c.got)
		if string(b) != c.want {
			t.Errorf("after GET then PUT, %s = %s, want %s", c.path, b, c.want)
		}
	}
}

func TestUpdateWithoutOwnerBlanksOwner(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	if err := e.c.CreateService(e.ctx, e.ep, admin(), minimal("svc")); err != nil {
		t.Fatal(err)
	}
	s, err := e.c.Service(e.ctx, e.ep, admin(), "svc", false)
	if err != nil {
		t.Fatal(err)
	}
	token := s.Token
	s.Owner, s.Token = "", "" // what a careless editor would send
	if err := e.c.UpdateService(e.ctx, e.ep, admin(), s); err != nil {
		t.Fatal(err)
	}
	got, err := e.c.Service(e.ctx, e.ep, admin(), "svc", false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Owner != "" || got.Labels["owner_name"] != "" {
		t.Errorf("owner %q, owner_name label %q; OSCAR leaves both blank after a PUT without owner", got.Owner, got.Labels["owner_name"])
	}
	if got.Token != token {
		t.Error("the token changed across PUT; OSCAR keeps it")
	}
}

func TestVisibility(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	priv := minimal("alice-private")
	pub := minimal("alice-public")
	pub.Visibility = "public"
	restr := minimal("alice-restricted")
	restr.Visibility, restr.AllowedUsers = "restricted", []string{"bob@egi.eu"}
	for _, s := range []*oscar.Service{priv, pub, restr} {
		if err := e.c.CreateService(e.ctx, e.ep, alice(), s); err != nil {
			t.Fatalf("CreateService(%s): %v", s.Name, err)
		}
	}
	created, err := e.c.Service(e.ctx, e.ep, alice(), "alice-private", false)
	if err != nil {
		t.Fatal(err)
	}
	if created.Owner != "alice@egi.eu" || created.VO != "vo.example.eu" || created.Namespace != "oscar-svc-alice" {
		t.Errorf("bearer create: owner %q, vo %q, namespace %q", created.Owner, created.VO, created.Namespace)
	}
	list, err := e.c.Services(e.ctx, e.ep, bob(), false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if want := []string{"alice-public", "alice-restricted"}; !slices.Equal(names, want) {
		t.Errorf("bob sees %q, want %q", names, want)
	}
	tests := []struct {
		name string
		call func() error
		want oscar.Kind
	}{
		{"read private", func() error { _, err := e.c.Service(e.ctx, e.ep, bob(), "alice-private", false); return err }, oscar.Forbidden},
		{"delete someone else's", func() error { return e.c.DeleteService(e.ctx, e.ep, bob(), "alice-public") }, oscar.NotFound},
		{"update someone else's", func() error { return e.c.UpdateService(e.ctx, e.ep, bob(), pub) }, oscar.Forbidden},
		{"jobs of a hidden service", func() error { _, err := e.c.Jobs(e.ctx, e.ep, bob(), "alice-private", ""); return err }, oscar.Forbidden},
		{"quota as admin", func() error { _, err := e.c.UserQuota(e.ctx, e.ep, admin()); return err }, oscar.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kindOf(t, tt.call()); got != tt.want {
				t.Errorf("kind = %v, want %v", got, tt.want)
			}
		})
	}
	q, err := e.c.UserQuota(e.ctx, e.ep, alice())
	if err != nil {
		t.Fatalf("UserQuota: %v", err)
	}
	if q.UserID != "alice@egi.eu" || q.MinIO == nil || q.MinIO.Buckets == nil {
		t.Errorf("UserQuota = %+v", q)
	}
}

func TestJobs(t *testing.T) {
	e := setup(t, oscartest.Options{JobListingLimit: 3}, oscar.Options{})
	if err := e.c.CreateService(e.ctx, e.ep, admin(), minimal("svc")); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	statuses := []string{"Succeeded", "Failed", "Running", "Succeeded", "Pending", "Succeeded", "Suspended"}
	for i, st := range statuses {
		e.srv.SetJobs("svc", oscartest.Job{Name: fmt.Sprintf("svc-%d", i), Status: st, Created: base.Add(time.Duration(i) * time.Minute), Log: "line 1\nline 2\n"})
	}

	var seen []string
	page, pages := "", 0
	for {
		r, err := e.c.Jobs(e.ctx, e.ep, admin(), "svc", page)
		if err != nil {
			t.Fatalf("Jobs(page %q): %v", page, err)
		}
		pages++
		for n := range r.Jobs {
			seen = append(seen, n)
		}
		if r.NextPage == "" {
			if r.RemainingJobs != 0 {
				t.Errorf("last page remaining_jobs = %d", r.RemainingJobs)
			}
			break
		}
		page = r.NextPage
	}
	slices.Sort(seen)
	if pages != 3 || len(seen) != len(statuses) {
		t.Errorf("paged through %d pages and %d jobs, want 3 and %d", pages, len(seen), len(statuses))
	}

	log, err := e.c.JobLog(e.ctx, e.ep, admin(), "svc", "svc-0", false)
	if err != nil || log != "line 1\nline 2\n" {
		t.Errorf("JobLog = %q, %v", log, err)
	}
	if log, _ := e.c.JobLog(e.ctx, e.ep, admin(), "svc", "svc-0", true); !strings.HasPrefix(log, "2026-03-01T10:00:00Z line 1") {
		t.Errorf("JobLog with timestamps = %q", log)
	}
	_, err = e.c.JobLog(e.ctx, e.ep, admin(), "svc", "nope", false)
	if k := kindOf(t, err); k != oscar.NotFound {
		t.Errorf("JobLog of a missing job: kind %v", k)
	}

	if err := e.c.DeleteJob(e.ctx, e.ep, admin(), "svc", "svc-1"); err != nil {
		t.Fatalf("DeleteJob: %v", err)
	}
	if err := e.c.DeleteJobs(e.ctx, e.ep, admin(), "svc", false); err != nil {
		t.Fatalf("DeleteJobs(all=false): %v", err)
	}
	var left []string
	for _, j := range e.srv.Jobs("svc") {
		left = append(left, j.Status)
	}
	if want := []string{"Running", "Pending", "Suspended"}; !slices.Equal(left, want) {
		t.Errorf("after deleting svc-1 and the succeeded jobs: %q, want %q", left, want)
	}
	if r := lastRequest(e.srv, "/system/logs/svc"); r.Method != http.MethodDelete || r.Query != "" {
		t.Errorf("DeleteJobs(all=false) sent %s ?%s", r.Method, r.Query)
	}
	if err := e.c.DeleteJobs(e.ctx, e.ep, admin(), "svc", true); err != nil {
		t.Fatalf("DeleteJobs(all=true): %v", err)
	}
	if left := e.srv.Jobs("svc"); len(left) != 0 {
		t.Errorf("after DeleteJobs(all=true): %d jobs left", len(left))
	}
	if r := lastRequest(e.srv, "/system/logs/svc"); r.Query != "all=true" {
		t.Errorf("DeleteJobs(all=true) query = %q", r.Query)
	}
}

func TestRunJob(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	pub := minimal("pub")
	pub.Visibility = "public"
	if err := e.c.CreateService(e.ctx, e.ep, alice(), pub); err != nil {
		t.Fatal(err)
	}
	svcToken := e.srv.ServiceToken("pub")
	event := `{"Records":[{"s3":{"object":{"key":"in/a.png"}}}]}`

	if err := e.c.RunJob(e.ctx, e.ep, admin(), "pub", svcToken, strings.NewReader(event)); err != nil {
		t.Fatalf("RunJob with the service token: %v", err)
	}
	r := lastRequest(e.srv, "/job/pub")
	if r.Auth != "bearer" || r.Token != svcToken || string(r.Body) != event {
		t.Errorf("RunJob sent auth %s token %q body %q", r.Auth, r.Token, r.Body)
	}
	// Bob may invoke alice's public service with his own token once his
	// MinIO account exists (any /system call creates it).
	err := e.c.RunJob(e.ctx, e.ep, bob(), "pub", "", nil)
	if oe := asError(t, err); oe.Kind != oscar.Forbidden || !strings.Contains(oe.Message, "storage account") {
		t.Errorf("RunJob before provisioning: %v, want Forbidden about the storage account", err)
	}
	if _, err := e.c.Config(e.ctx, e.ep, bob()); err != nil {
		t.Fatal(err)
	}
	if err := e.c.RunJob(e.ctx, e.ep, bob(), "pub", "", strings.NewReader("raw bytes")); err != nil {
		t.Fatalf("RunJob with bob's token: %v", err)
	}
	if got := len(e.srv.Jobs("pub")); got != 2 {
		t.Errorf("jobs after two RunJob = %d, want 2", got)
	}
	jobs, err := e.c.Jobs(e.ctx, e.ep, bob(), "pub", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs.Jobs) != 1 {
		t.Errorf("bob sees %d jobs, want only his own", len(jobs.Jobs))
	}

	// Basic auth is never sent to /job.
	before := len(e.srv.Requests())
	err = e.c.RunJob(e.ctx, e.ep, admin(), "pub", "", nil)
	if k := kindOf(t, err); k != oscar.Unauthorized {
		t.Errorf("RunJob with Basic credentials only: kind %v, want Unauthorized", k)
	}
	if after := len(e.srv.Requests()); after != before {
		t.Error("RunJob with Basic credentials only made a request")
	}
	err = e.c.RunJob(e.ctx, e.ep, admin(), "missing", svcToken, nil)
	if k := kindOf(t, err); k != oscar.Unauthorized {
		t.Errorf("RunJob of an unknown service with a service token: kind %v, want Unauthorized", k)
	}
}

func TestRun(t *testing.T) {
	t.Run("serverless backend", func(t *testing.T) {
		e := setup(t, oscartest.Options{ServerlessBackend: true, Run: func(svc string, body []byte, ct string) (int, string, []byte) {
			if svc == "fails" {
				return http.StatusInternalServerError, "text/plain", []byte("script failed")
			}
			return http.StatusOK, "application/json", []byte(`{"echo":` + string(body) + `}`)
		}}, oscar.Options{})
		for _, n := range []string{"ok", "fails"} {
			if err := e.c.CreateService(e.ctx, e.ep, admin(), minimal(n)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := e.c.Run(e.ctx, e.ep, admin(), "ok", e.srv.ServiceToken("ok"), strings.NewReader(`{"x":1}`), "")
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if res.Status != 200 || res.ContentType != "application/json" || string(res.Body) != `{"echo":{"x":1}}` {
			t.Errorf("Run = %+v", res)
		}
		if r := lastRequest(e.srv, "/run/ok"); r.Auth != "bearer" || r.Token != e.srv.ServiceToken("ok") {
			t.Errorf("Run sent auth %s", r.Auth)
		}
		res, err = e.c.Run(e.ctx, e.ep, admin(), "fails", e.srv.ServiceToken("fails"), strings.NewReader("x"), "text/plain")
		if k := kindOf(t, err); k != oscar.Server || res == nil || string(res.Body) != "script failed" {
			t.Errorf("Run of a failing service: kind %v, result %+v", k, res)
		}
	})
	t.Run("no serverless backend", func(t *testing.T) {
		e := setup(t, oscartest.Options{}, oscar.Options{})
		if err := e.c.CreateService(e.ctx, e.ep, admin(), minimal("ok")); err != nil {
			t.Fatal(err)
		}
		_, err := e.c.Run(e.ctx, e.ep, admin(), "ok", e.srv.ServiceToken("ok"), nil, "")
		if k := kindOf(t, err); k != oscar.NotFound {
			t.Errorf("Run without /run: kind %v, want NotFound", k)
		}
	})
}

func TestBucketsAndObjects(t *testing.T) {
	e := setup(t, oscartest.Options{JobListingLimit: 2}, oscar.Options{})
	bs, err := e.c.Buckets(e.ctx, e.ep, admin())
	if err != nil {
		t.Fatalf("Buckets (none): %v", err)
	}
	if bs == nil || len(bs) != 0 {
		t.Errorf("Buckets with none = %#v, want an empty slice (OSCAR sends null)", bs)
	}
	if err := e.c.CreateBucket(e.ctx, e.ep, alice(), &oscar.Bucket{Name: "photos/raw", Visibility: "private"}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	err = e.c.CreateBucket(e.ctx, e.ep, alice(), &oscar.Bucket{Name: "photos"})
	if oe := asError(t, err); oe.Kind != oscar.Server || oe.Message != `a bucket named "photos" already exists; choose another bucket name` {
		t.Errorf("CreateBucket twice: %v", err)
	}
	if err := e.c.UpdateBucket(e.ctx, e.ep, alice(), &oscar.Bucket{Name: "photos", Visibility: "restricted", AllowedUsers: []string{"bob@egi.eu"}}); err != nil {
		t.Fatalf("UpdateBucket: %v", err)
	}
	bs, err = e.c.Buckets(e.ctx, e.ep, bob())
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Name != "photos" || bs[0].Visibility != "restricted" || bs[0].Owner != "alice@egi.eu" {
		t.Errorf("bob's buckets = %+v", bs)
	}

	// Upload three objects through presigned URLs, then page through them.
	for _, key := range []string{"raw/a.png", "raw/b.png", "raw/c.png"} {
		pr, err := e.c.Presign(e.ctx, e.ep, alice(), "photos", oscar.PresignRequest{ObjectKey: key, Operation: oscar.PresignUpload, ContentType: "image/png"})
		if err != nil {
			t.Fatalf("Presign upload: %v", err)
		}
		if pr.Method != http.MethodPut || pr.Headers["Content-Type"] != "image/png" {
			t.Errorf("Presign = %+v", pr)
		}
		data := []byte("png:" + key)
		if err := e.c.PutObject(e.ctx, pr.URL, pr.Headers, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("PutObject: %v", err)
		}
	}
	var objects []string
	page := ""
	for {
		l, err := e.c.Bucket(e.ctx, e.ep, alice(), "photos", page)
		if err != nil {
			t.Fatalf("Bucket: %v", err)
		}
		for _, o := range l.Objects {
			objects = append(objects, o.Name)
		}
		if !l.IsTruncated {
			break
		}
		page = l.NextPage
	}
	if want := []string{"raw/", "raw/a.png", "raw/b.png", "raw/c.png"}; !slices.Equal(objects, want) {
		t.Errorf("objects = %q, want %q", objects, want)
	}

	pr, err := e.c.Presign(e.ctx, e.ep, bob(), "photos", oscar.PresignRequest{ObjectKey: "raw/b.png", Operation: oscar.PresignDownload, ExpiresIn: 60})
	if err != nil {
		t.Fatalf("Presign download: %v", err)
	}
	rc, ct, size, err := e.c.GetObject(e.ctx, pr.URL)
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if string(body) != "png:raw/b.png" || ct != "image/png" || size != int64(len(body)) {
		t.Errorf("GetObject = %q, %q, %d", body, ct, size)
	}
	_, _, _, err = e.c.GetObject(e.ctx, pr.URL+"x") // broken signature
	if oe := asError(t, err); oe.Kind != oscar.Forbidden || !strings.Contains(oe.Message, "signature") {
		t.Errorf("GetObject with a bad signature: %v", err)
	}
	err = e.c.PutObject(e.ctx, pr.URL, map[string]string{"Authorization": "Bearer leak"}, strings.NewReader("x"), 1)
	if k := kindOf(t, err); k != oscar.BadInput {
		t.Errorf("PutObject with an Authorization header: kind %v, want BadInput", k)
	}

	err = e.c.DeleteBucket(e.ctx, e.ep, bob(), "photos")
	if k := kindOf(t, err); k != oscar.Forbidden {
		t.Errorf("bob deleting alice's bucket: kind %v", k)
	}
	if err := e.c.DeleteBucket(e.ctx, e.ep, alice(), "photos"); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	if b := e.srv.BucketNames(); len(b) != 0 {
		t.Errorf("buckets after delete: %q", b)
	}
}

func TestUploadToInputCreatesJob(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	s := minimal("grey")
	s.Input = []oscar.StorageIOConfig{{StorageProvider: "minio", Path: "grey/in"}}
	if err := e.c.CreateService(e.ctx, e.ep, admin(), s); err != nil {
		t.Fatal(err)
	}
	pr, err := e.c.Presign(e.ctx, e.ep, admin(), "grey", oscar.PresignRequest{ObjectKey: "in/photo.jpg", Operation: oscar.PresignUpload})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.PutObject(e.ctx, pr.URL, pr.Headers, strings.NewReader("jpeg"), -1); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if got, ok := e.srv.Object("grey", "in/photo.jpg"); !ok || string(got) != "jpeg" {
		t.Errorf("stored object = %q, %v", got, ok)
	}
	if jobs := e.srv.Jobs("grey"); len(jobs) != 1 {
		t.Errorf("jobs after an upload into the input folder = %d, want 1", len(jobs))
	}
}

func TestStatus(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	e.srv.AddBucket("b1", "cluster_admin", "private")
	st, err := e.c.Status(e.ctx, e.ep, admin())
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if st.Cluster.NodesCount != 1 || !st.OSCAR.Ready || st.MinIO.BucketsCount != 1 {
		t.Errorf("admin Status = %+v", st)
	}
	st, err = e.c.Status(e.ctx, e.ep, alice())
	if err != nil {
		t.Fatal(err)
	}
	if st.MinIO.BucketsCount != 0 {
		t.Errorf("non-admin sees MinIO figures: %+v", st.MinIO)
	}
}

func TestRequestHeadersAndLogging(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var observed []string
	e := setup(t, oscartest.Options{}, oscar.Options{Logger: log, Observe: func(ep, op string, status int, _ time.Duration) {
		observed = append(observed, fmt.Sprintf("%s %d", op, status))
	}})
	if err := e.c.CreateService(e.ctx, e.ep, admin(), minimal("svc")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Services(e.ctx, e.ep, alice(), false); err != nil {
		t.Fatal(err)
	}
	allowed := []string{"Accept", "Authorization", "Content-Length", "Content-Type"}
	for _, r := range e.srv.Requests() {
		for _, h := range r.Headers {
			if !slices.Contains(allowed, h) {
				t.Errorf("%s %s sent header %s", r.Method, r.Path, h)
			}
		}
	}
	out := logs.String()
	for _, secret := range []string{oscartest.DefaultBasicPassword, "alice-token", "Basic ", "Bearer"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "path=/system/services") || !strings.Contains(out, "status=201") || !strings.Contains(out, "host=127.0.0.1") {
		t.Errorf("log lacks host, path or status:\n%s", out)
	}
	if want := []string{"create service 201", "list services 200"}; !slices.Equal(observed, want) {
		t.Errorf("observed %q, want %q", observed, want)
	}
}

func TestCredsNeverPrinted(t *testing.T) {
	for _, c := range []oscar.Creds{{Token: "tok-SECRET"}, {User: "oscar", Password: "pw-SECRET"}} {
		for _, s := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprint(c.LogValue())} {
			if strings.Contains(s, "SECRET") {
				t.Errorf("%q prints a secret", s)
			}
		}
	}
}
