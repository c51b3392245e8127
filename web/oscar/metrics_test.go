package oscar_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

var day0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// seedMetrics stores alice's private service, bob's private one and a public one, with requests.
func seedMetrics(t *testing.T, e env) {
	t.Helper()
	for _, def := range []string{
		`{"name":"alice-svc","image":"i","script":"s","owner":"alice@egi.eu"}`,
		`{"name":"bob-svc","image":"i","script":"s","owner":"bob@egi.eu"}`,
		`{"name":"open","image":"i","script":"s","owner":"bob@egi.eu","visibility":"public"}`,
	} {
		if err := e.srv.PutService(def); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.AddUsage(
		oscartest.Usage{Service: "alice-svc", User: "alice@egi.eu", Country: "ES", Kind: "async", At: day0.Add(time.Hour), CPUHours: 1.5},
		oscartest.Usage{Service: "alice-svc", User: "alice@egi.eu", Country: "ES", Kind: "sync", At: day0.Add(2 * time.Hour), CPUHours: 0.5, GPUHours: 2},
		oscartest.Usage{Service: "bob-svc", User: "bob@egi.eu", Country: "IT", Kind: "async", At: day0.Add(3 * time.Hour), CPUHours: 4},
		oscartest.Usage{Service: "open", User: "carol@egi.eu", Country: "DE", Kind: "exposed", At: day0.Add(4 * time.Hour), CPUHours: 1},
		oscartest.Usage{Service: "alice-svc", User: "alice@egi.eu", Country: "ES", Kind: "async", At: day0.Add(48 * time.Hour), CPUHours: 9},
	)
}

// TestMetricsScopedPerCaller: the admin sees the cluster's totals, a bearer caller those of the
// services they may see (their own and public ones), as OSCAR's scopedMetricsAggregator does.
func TestMetricsScopedPerCaller(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	seedMetrics(t, e)
	end := day0.Add(24 * time.Hour)
	all, err := e.c.MetricsSummary(e.ctx, e.ep, admin(), day0, end)
	if err != nil {
		t.Fatal(err)
	}
	if got := all.Totals; got.RequestsCountTotal != 4 || got.CPUHoursTotal != 7 || got.GPUHoursTotal != 2 || got.UsersCount != 3 || got.RequestsCountAsync != 2 || got.ServicesCountTotal != 3 {
		t.Errorf("admin totals = %+v", got)
	}
	mine, err := e.c.MetricsSummary(e.ctx, e.ep, alice(), day0, end)
	if err != nil {
		t.Fatal(err)
	}
	if got := mine.Totals; got.RequestsCountTotal != 3 || got.CPUHoursTotal != 3 || got.UsersCount != 2 || got.ServicesCountTotal != 2 {
		t.Errorf("alice's totals = %+v (bob-svc must not count)", got)
	}
	sm, err := e.c.ServiceMetrics(e.ctx, e.ep, alice(), "alice-svc", day0, end)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := sm.Value(oscar.MetricCPUHours); !ok || v != 2 {
		t.Errorf("alice-svc cpu hours = %v %v", v, ok)
	}
	if v, _ := sm.Value(oscar.MetricGPUHours); v != 2 {
		t.Errorf("alice-svc gpu hours = %v", v)
	}
	_, err = e.c.ServiceMetrics(e.ctx, e.ep, alice(), "bob-svc", day0, end)
	wantKind(t, "alice reads bob-svc's metrics", err, oscar.Forbidden)
	_, err = e.c.ServiceMetrics(e.ctx, e.ep, admin(), "gone", day0, end)
	wantKind(t, "metrics of a service that does not exist", err, oscar.NotFound)

	bd, err := e.c.MetricsBreakdown(e.ctx, e.ep, alice(), oscar.GroupByService, day0, end)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, it := range bd.Items {
		keys = append(keys, it.Key)
	}
	if !slices.Equal(keys, []string{"alice-svc", "open"}) || bd.Items[0].RequestsCountTotal != 2 {
		t.Errorf("alice's breakdown = %+v", bd.Items)
	}
	users, err := e.c.MetricsBreakdown(e.ctx, e.ep, admin(), oscar.GroupByUser, day0, end)
	if err != nil {
		t.Fatal(err)
	}
	if len(users.Items) != 3 || users.Items[0].Key != "alice@egi.eu" || users.Items[0].ExecutionsCount != 2 {
		t.Errorf("users breakdown = %+v", users.Items)
	}
}

// TestMetricsRangeRefused: OSCAR refuses an end before the start with 400 (a JSON body).
func TestMetricsRangeRefused(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	_, err := e.c.MetricsSummary(e.ctx, e.ep, admin(), day0, day0.Add(-time.Hour))
	wantKind(t, "end before start", err, oscar.BadInput)
}

// TestQuotaAdminOnly: another user's quota is read and changed with the Basic-auth account only;
// a bearer caller, even one in USERS_ADMIN, gets 403 as from OSCAR.
func TestQuotaAdminOnly(t *testing.T) {
	e := setup(t, oscartest.Options{Admins: []string{"alice@egi.eu"}}, oscar.Options{})
	e.srv.SetQuota("bob@egi.eu", oscartest.Quota{CPU: 2000, Memory: 4 << 30, CPUUsed: 500, StoragePerBucket: "1Gi"})
	q, err := e.c.QuotaOf(e.ctx, e.ep, admin(), "bob@egi.eu")
	if err != nil {
		t.Fatal(err)
	}
	if q.UserID != "bob@egi.eu" || q.Resources["cpu"].Max != 2000 || q.Resources["cpu"].Used != 500 {
		t.Errorf("quota = %+v", q)
	}
	_, err = e.c.QuotaOf(e.ctx, e.ep, alice(), "bob@egi.eu")
	wantKind(t, "a USERS_ADMIN bearer reads a quota", err, oscar.Forbidden)
	_, err = e.c.UpdateQuota(e.ctx, e.ep, alice(), "bob@egi.eu", oscar.QuotaUpdate{CPU: "1"})
	wantKind(t, "a bearer updates a quota", err, oscar.Forbidden)

	q, err = e.c.UpdateQuota(e.ctx, e.ep, admin(), "bob@egi.eu", oscar.QuotaUpdate{CPU: "3500m", Memory: "6Gi", GPU: "1", MinIO: &oscar.MinIOQuotaUpdate{Buckets: "5", StoragePerBucket: "2Gi"}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Resources["cpu"].Max != 3500 || q.Resources["memory"].Max != 6<<30 || q.Resources["gpu"].Max != 1 || q.MinIO.Buckets.Max != 5 || q.MinIO.StoragePerBucket.Max != "2Gi" {
		t.Errorf("updated quota = %+v %+v", q.Resources, q.MinIO)
	}
	// OSCAR's refusals: nothing to change, a GPU alone (not in its check), a bad quantity (500).
	_, err = e.c.UpdateQuota(e.ctx, e.ep, admin(), "bob@egi.eu", oscar.QuotaUpdate{})
	wantKind(t, "empty update", err, oscar.BadInput)
	_, err = e.c.UpdateQuota(e.ctx, e.ep, admin(), "bob@egi.eu", oscar.QuotaUpdate{GPU: "2"})
	wantKind(t, "GPU alone", err, oscar.BadInput)
	_, err = e.c.UpdateQuota(e.ctx, e.ep, admin(), "bob@egi.eu", oscar.QuotaUpdate{CPU: "lots"})
	if oe := wantKind(t, "bad quantity", err, oscar.Server); oe.Status != http.StatusInternalServerError {
		t.Errorf("bad quantity status = %d", oe.Status)
	}
	_, err = e.c.QuotaOf(e.ctx, e.ep, admin(), "nobody@egi.eu")
	if oe := wantKind(t, "a user without a ClusterQueue", err, oscar.Server); !strings.Contains(oe.Message, "not found") {
		t.Errorf("message = %q", oe.Message)
	}
}

// TestManagerLogs: /system/logs answers the admin and USERS_ADMIN bearers with the POST /run and
// /job lines of the manager's log; other bearers get 403.
func TestManagerLogs(t *testing.T) {
	e := setup(t, oscartest.Options{Admins: []string{"alice@egi.eu"}}, oscar.Options{})
	e.srv.AddManagerLog(
		oscartest.ExecutionLogLine(day0, 201, "POST", "/job/grey", "alice@egi.eu"),
		"[GIN] 2026/11/02 - 00:00:01 | 200 | 1ms | 10.0.0.1 | GET /system/services",
		oscartest.ExecutionLogLine(day0.Add(time.Minute), 200, "GET", "/system/info", "bob@egi.eu"),
		oscartest.ExecutionLogLine(day0.Add(2*time.Minute), 404, "POST", "/run/none", "bob@egi.eu"),
	)
	for _, cr := range []oscar.Creds{admin(), alice()} {
		l, err := e.c.ManagerLogs(e.ctx, e.ep, cr, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Logs) != 2 || l.Logs[0].Path != "/job/grey" || l.Logs[1].Status != 404 || l.Logs[1].User != "bob@egi.eu" {
			t.Errorf("logs = %+v", l.Logs)
		}
	}
	_, err := e.c.ManagerLogs(e.ctx, e.ep, bob(), false)
	wantKind(t, "bob reads the manager's log", err, oscar.Forbidden)
	for _, r := range e.srv.Requests() {
		if r.Path != "/system/logs" {
			t.Errorf("request path %q, want /system/logs (OSCAR redirects the contract's /system/logs/)", r.Path)
		}
	}
}
