package handlers

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// showCluster handles "GET /cluster": what the active OSCAR cluster is and offers (/system/info and
// /system/config), the user's MinIO endpoint (keys only with ?show=keys), the free and total
// resources (/system/status) and the user's quota (/system/quotas/user, EGI Check-in users only).
// Status and quota are optional: older clusters or a refusal leave a note, not an error page.
func (p *Pages) showCluster(w http.ResponseWriter, r *http.Request) error {
	ep, cr := p.creds(r)
	ctx := r.Context()
	info, err := p.oscar.Info(ctx, ep, cr)
	if err != nil {
		return fmt.Errorf("handlers: cluster info: %w", err)
	}
	cfg, err := p.oscar.Config(ctx, ep, cr)
	if err != nil {
		return fmt.Errorf("handlers: cluster config: %w", err)
	}
	p.oscar.RememberFeatures(ep, cr, info, cfg) // the header learns what the cluster offers
	d := &p.session(r).Data
	props := clusterProps(string(ep), info, cfg, r.URL.Query().Get("show") == "keys")
	props.Admin = d.Kind == session.KindBasic

	if st, err := p.oscar.Status(ctx, ep, cr); err != nil {
		p.log.InfoContext(ctx, "cluster status unavailable", "err", err)
		props.StatusProblem = "OSCAR did not report the cluster's resources" + reason(err)
	} else {
		addStatus(&props, st)
	}

	if !cr.Bearer() {
		props.QuotaNote = "OSCAR keeps quotas for EGI Check-in users; its admin account has none."
	} else if q, err := p.oscar.UserQuota(ctx, ep, cr); err != nil {
		p.log.InfoContext(ctx, "quota unavailable", "err", err)
		props.QuotaNote = "OSCAR did not report a quota for you" + reason(err)
	} else {
		props.Quota = quotaMeters(q)
		if len(props.Quota) == 0 {
			props.QuotaNote = "No quota is set for you on this cluster."
		}
	}
	return p.render(w, r, http.StatusOK, templates.ClusterPage(p.layout(r, "Cluster", "cluster"), props))
}

// reason ends a note with OSCAR's words, if the error has them.
func reason(err error) string {
	var oe *oscar.Error
	if errors.As(err, &oe) {
		return ": " + oe.UserMessage()
	}
	return "."
}

// clusterProps lays out /system/info and /system/config. The MinIO keys are copied only when the
// user asked to see them.
func clusterProps(ep string, info *oscar.Info, cfg *oscar.ConfigForUser, showKeys bool) templates.ClusterProps {
	c := cfg.Config
	props := templates.ClusterProps{
		Endpoint: ep, Version: info.Version, GitCommit: info.GitCommit, Architecture: info.Architecture,
		KubernetesVersion: info.KubernetesVersion, Backend: "Kubernetes (jobs only)",
		ShowURL: "/cluster?show=keys#minio", HideURL: "/cluster#minio",
	}
	if b := info.ServerlessBackend; b != nil && b.Name != "" {
		props.Backend = strings.TrimSpace(b.Name + " " + b.Version)
	} else if c.ServerlessBackend != "" {
		props.Backend = c.ServerlessBackend
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	props.Features = []templates.KV{
		{Key: "Synchronous invocation (/run)", Value: yes(c.ServerlessBackend != "")},
		{Key: "GPUs", Value: yes(c.GPUAvailable)},
		{Key: "Kueue queues", Value: yes(c.KueueEnable)},
		{Key: "Managed volumes", Value: yes(c.VolumeEnable)},
		{Key: "InterLink", Value: yes(c.InterLinkAvailable)},
		{Key: "YuniKorn", Value: yes(c.YunikornEnable)},
		{Key: "Storage quotas", Value: yes(c.MinIOQuotaEnabled)},
	}
	for _, g := range c.OIDCGroups {
		if g != "" {
			props.VOs = append(props.VOs, g)
		}
	}
	if m := cfg.MinIOProvider; m != nil {
		props.MinIOEndpoint, props.MinIORegion, props.MinIOVerify = m.Endpoint, m.Region, yes(m.Verify)
		props.HasKeys = m.AccessKey != "" || m.SecretKey != ""
		if showKeys && props.HasKeys {
			props.ShowKeys, props.AccessKey, props.SecretKey = true, m.AccessKey, m.SecretKey
		}
	}
	return props
}

// addStatus adds the free and total CPU, memory and GPUs of /system/status.
func addStatus(props *templates.ClusterProps, st *oscar.StatusInfo) {
	m := st.Cluster.Metrics
	props.Nodes = st.Cluster.NodesCount
	// OSCAR's "_cores" figures are millicores (its status handler sums MilliValue()s).
	cpuTotal, cpuFree := float64(m.CPU.TotalSchedulableCores), float64(m.CPU.TotalFreeCores)
	props.Meters = append(props.Meters, meter("CPU", cpuTotal-cpuFree, cpuTotal, millicores))
	memTotal, memFree := float64(m.Memory.TotalSchedulableBytes), float64(m.Memory.TotalFreeBytes)
	props.Meters = append(props.Meters, meter("Memory", memTotal-memFree, memTotal, func(v float64) string { return humanBytes(int64(v)) }))
	props.GPUs = strconv.FormatInt(m.GPU.TotalGPU, 10)
	if st.OSCAR.DeploymentName != "" {
		if st.OSCAR.Ready {
			props.OSCARReady = "ready"
		} else {
			props.OSCARReady = "not ready"
		}
	}
}

// meter builds a used/free/total figure with a bar of what is in use (clipped to the total).
func meter(name string, used, total float64, show func(float64) string) templates.Meter {
	mt := templates.Meter{Name: name}
	if total <= 0 {
		return mt
	}
	used = max(used, 0)
	free := max(total-used, 0)
	mt.Known = true
	mt.Free, mt.Total, mt.Used = show(free), show(total), show(used)
	mt.Bar = bar(fmt.Sprintf("%s: %s of %s in use, %s free", name, mt.Used, mt.Total, mt.Free), total,
		barPart{used, "fill", mt.Used + " in use"})
	return mt
}

// millicores shows a millicore figure in cores.
func millicores(v float64) string {
	return strconv.FormatFloat(math.Round(v)/1000, 'f', -1, 64) + " cores"
}

// quotaMeters lays out the user's quota: one meter per limited resource.
func quotaMeters(q *oscar.QuotaResponse) []templates.Meter {
	var out []templates.Meter
	for _, name := range slices.Sorted(maps.Keys(q.Resources)) {
		v := q.Resources[name]
		if v.Max <= 0 {
			continue
		}
		show := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
		label := name
		switch name {
		case "cpu":
			label = "CPU"
			show = millicores
		case "memory", "ephemeral-storage":
			label = map[string]string{"memory": "Memory", "ephemeral-storage": "Ephemeral storage"}[name]
			show = func(x float64) string { return humanBytes(int64(x)) }
		case "gpu":
			label = "GPUs"
		}
		out = append(out, meter(label, float64(v.Used), float64(v.Max), show))
	}
	if mq := q.MinIO; mq != nil && mq.Buckets != nil && mq.Buckets.Max > 0 {
		out = append(out, meter("Buckets", float64(mq.Buckets.Used), float64(mq.Buckets.Max),
			func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }))
	}
	return out
}
