package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/admin"
)

// requireAdmin lets through only users OSCAR treats as its administrator (web/admin.IsAdmin);
// anyone else gets a plain 403 page. The header hides the link too, but this is the check.
func (p *Pages) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !admin.IsAdmin(p.session(r).Data.Kind) {
			p.fail(w, r, &userError{http.StatusForbidden, "For the cluster's administrator only",
				"These pages are for the OSCAR cluster's administrator account (its Basic-auth user): OSCAR answers their questions to nobody else. Your own usage is on the Usage page."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// showClusterStatus handles "GET /admin/status": each node's CPU, memory, GPUs and conditions,
// the OSCAR manager's deployment and MinIO's figures (GET /system/status, whose admin parts OSCAR
// fills for its administrator).
func (p *Pages) showClusterStatus(w http.ResponseWriter, r *http.Request) error {
	ep, cr := p.creds(r)
	st, err := p.oscar.Status(r.Context(), ep, cr)
	if err != nil {
		return err
	}
	props := templates.AdminStatusProps{GPUs: strconv.FormatInt(st.Cluster.Metrics.GPU.TotalGPU, 10)}
	var whole templates.ClusterProps
	addStatus(&whole, st)
	props.Totals = whole.Meters
	for _, n := range st.Cluster.Nodes {
		np := templates.NodeProps{Name: n.Name, Status: orDash(n.Status), StatusClass: "warn", Kind: "Node", GPUs: strconv.FormatInt(n.GPU, 10),
			CPU: meter("CPU requested", float64(n.CPU.RequestCores), float64(n.CPU.CapacityCores), millicores),
			Memory: meter("Memory requested", float64(n.Memory.RequestBytes), float64(n.Memory.CapacityBytes),
				func(v float64) string { return humanBytes(int64(v)) })}
		if n.Status == "Ready" {
			np.StatusClass = "ok"
		}
		if n.IsInterLink {
			np.Kind = "InterLink virtual node"
		}
		for _, c := range n.Conditions {
			// Ready should be true; the pressure conditions should be false.
			good := c.Status == (c.Type == "Ready")
			nc := templates.NodeCondition{Type: c.Type, Status: strconv.FormatBool(c.Status), Class: "ok"}
			if !good {
				nc.Class = "bad"
			}
			np.Conditions = append(np.Conditions, nc)
		}
		props.Nodes = append(props.Nodes, np)
	}
	o := st.OSCAR
	ready := "not ready"
	if o.Ready {
		ready = "ready"
	}
	props.OSCAR = []templates.KV{
		{Key: "Deployment", Value: o.DeploymentName},
		{Key: "State", Value: ready},
		{Key: "Replicas ready", Value: strconv.Itoa(o.Deployment.ReadyReplicas) + " of " + strconv.Itoa(o.Deployment.Replicas)},
		{Key: "Jobs", Value: strconv.Itoa(o.JobsCount)},
		{Key: "Pods", Value: strconv.Itoa(o.Pods.Total)},
		{Key: "OIDC", Value: map[bool]string{true: "enabled", false: "disabled"}[o.OIDC.Enabled]},
	}
	props.MinIO = []templates.KV{
		{Key: "Buckets", Value: strconv.Itoa(st.MinIO.BucketsCount)},
		{Key: "Objects", Value: strconv.Itoa(st.MinIO.TotalObjects)},
	}
	return p.render(w, r, http.StatusOK, templates.AdminStatusPage(p.layout(r, "Cluster status", "admin"), props))
}

// showManagerLogs handles "GET /admin/logs": the last 100, 500 or 1000 (?lines=) execution lines
// of the OSCAR manager's log (GET /system/logs).
func (p *Pages) showManagerLogs(w http.ResponseWriter, r *http.Request) error {
	n, problem := admin.ParseLines(r.URL.Query().Get("lines"))
	ep, cr := p.creds(r)
	logs, err := p.oscar.ManagerLogs(r.Context(), ep, cr, false)
	if err != nil {
		return err
	}
	tail, cut := admin.Tail(logs.Logs, n)
	props := templates.ManagerLogsProps{LinesError: problem, Shown: len(tail), Cut: cut, DownloadURL: "/admin/logs/download",
		Table: templates.Table{Caption: "OSCAR manager log", Header: []string{"Time (UTC)", "Status", "Request", "User", "Latency", "Client"}}}
	for _, c := range admin.LineChoices {
		props.Lines = append(props.Lines, templates.Choice{Value: strconv.Itoa(c), Label: "Last " + strconv.Itoa(c), Selected: c == n})
	}
	for _, e := range tail {
		props.Table.Rows = append(props.Table.Rows, []string{logTime(e.Timestamp), strconv.Itoa(e.Status), e.Method + " " + e.Path, orDash(e.User), e.Latency, e.ClientIP})
	}
	return p.render(w, r, http.StatusOK, templates.ManagerLogsPage(p.layout(r, "Manager log", "admin"), props))
}

// logTime shows an RFC 3339 time to the second, or the text as OSCAR sent it.
func logTime(s string) string {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC().Format(time.DateTime)
	}
	return s
}

// downloadManagerLogs handles "GET /admin/logs/download": every line of the manager's log that
// OSCAR gives, as a text file.
func (p *Pages) downloadManagerLogs(w http.ResponseWriter, r *http.Request) error {
	ep, cr := p.creds(r)
	logs, err := p.oscar.ManagerLogs(r.Context(), ep, cr, false)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Disposition", attachment("oscar-manager-"+ep.Host()+".log"))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write([]byte(admin.LogText(logs.Logs)))
	return err
}

// orDash shows an empty value as a dash.
func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
