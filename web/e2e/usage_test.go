package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// seedUsage gives the fake OSCAR services with a year of requests, three nodes, quotas and a
// manager log, for the usage and administration screens.
func (c *console) seedUsage(t *testing.T) {
	t.Helper()
	now := time.Now().UTC()
	for _, def := range []string{
		`{"name":"cowsay","image":"ghcr.io/grycap/cowsay","script":"s","owner":"cluster_admin","visibility":"public"}`,
		`{"name":"plants-gpu","image":"ghcr.io/grycap/plants","script":"s","owner":"` + alice().Subject + `"}`,
		`{"name":"imagemagick","image":"ghcr.io/grycap/imagemagick","script":"s","owner":"bob@egi.eu"}`,
	} {
		if err := c.OSCAR.PutService(def); err != nil {
			t.Fatal(err)
		}
	}
	c.OSCAR.SeedUsage(now, 400)
	c.OSCAR.SetNodes(
		oscartest.Node{Name: "oscar-worker-1", Ready: true, CPUCapacity: 8000, CPURequest: 5200, CPUUsage: 3100, MemCapacity: 32 << 30, MemRequest: 12 << 30, MemUsage: 9 << 30},
		oscartest.Node{Name: "oscar-worker-2", Ready: true, CPUCapacity: 8000, CPURequest: 1500, CPUUsage: 800, MemCapacity: 32 << 30, MemRequest: 6 << 30, MemUsage: 4 << 30},
		oscartest.Node{Name: "oscar-gpu-1", Ready: false, GPU: 2, CPUCapacity: 16000, CPURequest: 14000, MemCapacity: 64 << 30, MemRequest: 60 << 30, MemoryPressure: true},
	)
	c.OSCAR.SetQuota(alice().Subject, oscartest.Quota{CPU: 4000, CPUUsed: 1500, Memory: 8 << 30, MemoryUsed: 2 << 30, GPU: 1, EphemeralStorage: 20 << 30, Buckets: 10, StoragePerBucket: "5Gi"})
	c.OSCAR.SetQuota("bob@egi.eu", oscartest.Quota{CPU: 2000, Memory: 4 << 30, StoragePerBucket: "1Gi", Buckets: 5})
	c.OSCAR.SetQuota("carol@egi.eu", oscartest.Quota{CPU: 8000, CPUUsed: 7500, Memory: 16 << 30, MemoryUsed: 15 << 30, GPU: 2, GPUUsed: 2, StoragePerBucket: "10Gi", Buckets: 20})
	c.OSCAR.SetQuota("dave@egi.eu", oscartest.DefaultQuota)
	// erin@egi.eu has requests but no ClusterQueue: her row says OSCAR did not report a quota.
	for i := range 30 {
		at := now.Add(-time.Duration(30-i) * time.Minute)
		c.OSCAR.AddManagerLog(oscartest.ExecutionLogLine(at, 201, "POST", fmt.Sprintf("/job/%s", []string{"cowsay", "plants-gpu", "imagemagick"}[i%3]), alice().Subject))
	}
}

// TestUsageAndAdmin: OSCAR's admin reads the cluster's usage (charts beside their tables, another
// period), the cluster status, the quotas, edits one (an invalid value refused next to its field,
// then a confirmation) and the manager's log; an EGI Check-in user sees their own usage and is
// refused the administration pages. JavaScript on and off, axe on every screen.
func TestUsageAndAdmin(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			c.seedUsage(t)
			tb := newTab(t, c, m.js)
			tb.signInBasic()
			tb.usageFlow()
			tb.adminFlow()

			u := newTab(t, c, m.js)
			u.signInOIDC()
			u.userUsageFlow()
		})
	}
}

func (tb *tab) usageFlow() {
	tb.t.Helper()
	t := tb.t
	if st := tb.click(`nav[aria-label="Main"] a[href="/usage"]`); st != 200 {
		tb.fatalf("Usage: status %d", st)
	}
	if n := tb.count(`svg.chart[role="img"]`); n != 6 {
		t.Errorf("%d charts, want 5 per period and 1 per service", n)
	}
	if n := tb.count(`[data-testid="table-cpu-hours"] tbody tr`); n != 14 {
		t.Errorf("%d days in the CPU table, want 14", n)
	}
	if got := tb.text(`[data-testid="table-services"] tbody`); !strings.Contains(got, "imagemagick") || !strings.Contains(got, "plants-gpu") {
		t.Errorf("the admin's services table lacks a service: %q", got)
	}
	tb.screen("usage")
	tb.set("#period", "month")
	if st := tb.click(`[data-testid="period-form"] button`); st != 200 {
		tb.fatalf("period month: status %d", st)
	}
	if n := tb.count(`[data-testid="table-requests"] tbody tr`); n != 12 {
		t.Errorf("%d months, want 12", n)
	}
	if got := tb.attr(`[data-testid="csv-periods"]`, "href"); got != "/usage/periods.csv?period=month" {
		t.Errorf("CSV link %q", got)
	}
	tb.screen("usage-months")
}

func (tb *tab) adminFlow() {
	tb.t.Helper()
	t, c := tb.t, tb.c
	alice := alice().Subject
	if st := tb.click(`nav[aria-label="Main"] a[href="/admin/status"]`); st != 200 {
		tb.fatalf("Administration: status %d", st)
	}
	if n := tb.count(`[data-testid="node"]`); n != 3 {
		t.Errorf("%d nodes, want 3", n)
	}
	if got := tb.text(`[data-testid="node"]:nth-of-type(3) [data-testid="node-status"]`); got != "NotReady" {
		t.Errorf("the GPU node's status %q", got)
	}
	tb.screen("admin-status")

	if st := tb.click(`nav[aria-label="Administration"] a[href="/admin/quotas"]`); st != 200 {
		tb.fatalf("Quotas: status %d", st)
	}
	if n := tb.count(`[data-testid="quota-row"]`); n != 5 {
		t.Errorf("%d users, want the 2 owners and the 3 other users with requests", n)
	}
	tb.screen("admin-quotas")
	if st := tb.click(`a[aria-label="Edit the quota of ` + alice + `"]`); st != 200 {
		tb.fatalf("edit quota: status %d", st)
	}
	tb.screen("admin-quota")
	tb.fill("#f-cpu", "lots")
	tb.fill("#f-memory", "12Gi")
	if st := tb.click(`[data-testid="review"]`); st != 422 {
		t.Errorf("invalid CPU: status %d, want 422", st)
	}
	tb.checkInvalid("#f-cpu")
	if got := tb.attr("#f-memory", "value"); got != "12Gi" {
		t.Errorf("memory after the refusal %q", got)
	}
	tb.screen("admin-quota-invalid")
	tb.fill("#f-cpu", "6")
	if st := tb.click(`[data-testid="review"]`); st != 200 {
		tb.fatalf("review: status %d", st)
	}
	if n := tb.count(`[data-testid="quota-changes"] tbody tr`); n != 2 {
		t.Errorf("%d changes listed, want CPU and memory", n)
	}
	if q, _ := c.OSCAR.QuotaOf(alice); q.CPU != 4000 {
		t.Errorf("the quota changed before the confirmation: %+v", q)
	}
	tb.screen("admin-quota-confirm")
	if st := tb.click(`[data-testid="confirm-quota"]`); st != 200 {
		tb.fatalf("confirm: status %d", st)
	}
	if q, _ := c.OSCAR.QuotaOf(alice); q.CPU != 6000 || q.Memory != 12<<30 {
		t.Errorf("quota after the change %+v", q)
	}
	if got := tb.text(`[data-testid="flash"]`); !strings.Contains(got, "changed") {
		t.Errorf("flash %q", got)
	}

	if st := tb.click(`nav[aria-label="Administration"] a[href="/admin/logs"]`); st != 200 {
		tb.fatalf("manager log: status %d", st)
	}
	if n := tb.count(`[data-testid="table-manager-log"] tbody tr`); n != 30 {
		t.Errorf("%d log lines, want 30", n)
	}
	tb.screen("admin-logs")
}

func (tb *tab) userUsageFlow() {
	tb.t.Helper()
	t := tb.t
	if n := tb.count(`a[href^="/admin"]`); n != 0 {
		t.Errorf("an EGI Check-in user's header links Administration")
	}
	if st := tb.click(`nav[aria-label="Main"] a[href="/usage"]`); st != 200 {
		tb.fatalf("Usage: status %d", st)
	}
	if got := tb.text(`[data-testid="table-services"] tbody`); strings.Contains(got, "imagemagick") || !strings.Contains(got, "plants-gpu") {
		t.Errorf("the user's services table: %q (bob's private service must not be there)", got)
	}
	tb.screen("usage-user")
	if st := tb.open("/admin/quotas"); st != 403 {
		t.Errorf("/admin/quotas for a user: status %d, want 403", st)
	}
	tb.screen("admin-forbidden")
}
