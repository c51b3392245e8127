package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/admin"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/usage"
)

// maxUsageServices bounds the services whose own metrics the usage page reads (one OSCAR call
// each): the busiest by requests.
const maxUsageServices = 20

// usageData is what the usage page reads from OSCAR for one granularity.
type usageData struct {
	g        usage.Granularity
	rows     []usage.Row
	total    usage.Totals
	services []usage.ServiceRow
	busy     int      // services with requests in the range
	missing  []string // services whose metrics OSCAR did not give
}

// readUsage reads, concurrently, one /system/metrics summary per period and one for the whole
// range, the breakdown by service, then the metrics of the busiest services. OSCAR scopes every
// answer to the caller: the cluster for its admin, the services they may see for anyone else.
func (p *Pages) readUsage(r *http.Request, g usage.Granularity) (*usageData, error) {
	ep, cr := p.creds(r)
	periods := usage.Periods(g, p.now())
	start, end := periods[0].Start, periods[len(periods)-1].End
	d := &usageData{g: g, rows: make([]usage.Row, len(periods))}
	var mu sync.Mutex
	eg, ctx := newCalls(r.Context())
	eg.SetLimit(maxUpstreamPerSession)
	for i, per := range periods {
		eg.Go(func() error {
			s, err := p.oscar.MetricsSummary(ctx, ep, cr, per.Start, per.End)
			if err != nil {
				return fmt.Errorf("handlers: usage of %s: %w", per.Long, err)
			}
			d.rows[i] = usage.Row{Period: per, Totals: usage.FromSummary(s)}
			return nil
		})
	}
	eg.Go(func() error {
		s, err := p.oscar.MetricsSummary(ctx, ep, cr, start, end)
		if err != nil {
			return fmt.Errorf("handlers: usage totals: %w", err)
		}
		d.total = usage.FromSummary(s)
		return nil
	})
	eg.Go(func() error {
		bd, err := p.oscar.MetricsBreakdown(ctx, ep, cr, oscar.GroupByService, start, end)
		if err != nil {
			return fmt.Errorf("handlers: usage per service: %w", err)
		}
		d.busy = len(bd.Items)
		for _, it := range usage.Busiest(bd.Items, maxUsageServices) {
			// Started from this goroutine, each waits for a free slot of the group.
			eg.Go(func() error {
				m, err := p.oscar.ServiceMetrics(ctx, ep, cr, it.Key, start, end)
				mu.Lock()
				defer mu.Unlock()
				var oe *oscar.Error
				switch {
				case errors.As(err, &oe) && (oe.Kind == oscar.Forbidden || oe.Kind == oscar.NotFound || oe.Kind == oscar.BadInput):
					// Deleted meanwhile, or no longer shared with the user: leave it out, say so.
					d.missing = append(d.missing, it.Key)
				case err != nil:
					return fmt.Errorf("handlers: usage of service %q: %w", it.Key, err)
				default:
					d.services = append(d.services, usage.FromServiceMetrics(it.Key, m))
				}
				return nil
			})
		}
		return nil
	})
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	usage.SortServices(d.services)
	return d, nil
}

// showUsage handles "GET /usage": CPU and GPU hours, requests, jobs and active users per day,
// week or month (?period=), and per service, as charts with their numbers beside them.
func (p *Pages) showUsage(w http.ResponseWriter, r *http.Request) error {
	g, problem := usage.ParseGranularity(r.URL.Query().Get(usage.FieldPeriod))
	d, err := p.readUsage(r, g)
	if err != nil {
		return noMetrics(err)
	}
	props := usageProps(d, admin.IsAdmin(p.session(r).Data.Kind))
	props.PeriodError = problem
	return p.render(w, r, http.StatusOK, templates.UsagePage(p.layout(r, "Usage", "usage"), props))
}

// usageProps lays the figures out: totals, a chart and table per metric, one for the services.
func usageProps(d *usageData, isAdmin bool) templates.UsageProps {
	q := url.Values{usage.FieldPeriod: {string(d.g)}}.Encode()
	props := templates.UsageProps{
		Scope:       "Usage of the services you own or that are shared with you, as OSCAR reports it.",
		PeriodsCSV:  "/usage/periods.csv?" + q,
		ServicesCSV: "/usage/services.csv?" + q,
	}
	if isAdmin {
		props.Scope = "Usage of the whole cluster: every service and user, as OSCAR reports it to its administrator."
	}
	for _, c := range usage.Granularities {
		props.Periods = append(props.Periods, templates.Choice{Value: string(c.G), Label: c.Label, Selected: c.G == d.g})
	}
	first, last := d.rows[0], d.rows[len(d.rows)-1]
	props.Range = first.Start.Format("2 Jan 2006") + " to " + last.End.Format("2 Jan 2006 15:04")
	t := d.total
	props.Totals = []templates.KV{
		{Key: "CPU hours", Value: usage.Format(t.CPUHours, "hours")},
		{Key: "GPU hours", Value: usage.Format(t.GPUHours, "hours")},
		{Key: "Requests", Value: strconv.Itoa(t.Requests)},
		{Key: "Jobs", Value: strconv.Itoa(t.Jobs)},
		{Key: "Active users", Value: strconv.Itoa(t.Users)},
	}
	for _, m := range usage.Metrics {
		c := usage.ChartOf(m, d.rows)
		tb := templates.Table{Caption: m.Title + " per " + string(d.g), Header: []string{"Period", m.Title}}
		for _, pt := range c.Points {
			tb.Rows = append(tb.Rows, []string{pt.Long, usage.Format(pt.Value, m.Unit)})
		}
		props.Charts = append(props.Charts, templates.UsageChart{ID: m.ID, Title: m.Title, Chart: c, Empty: c.Empty(), Table: tb})
	}
	if len(d.services) > 0 {
		c := usage.ServiceChart(d.services, maxUsageServices)
		tb := templates.Table{Caption: "Per service over the whole period", Header: []string{"Service", "CPU hours", "GPU hours", "Requests", "Jobs", "Users"}}
		for _, s := range d.services {
			tb.Rows = append(tb.Rows, []string{s.Name, usage.Format(s.CPUHours, "hours"), usage.Format(s.GPUHours, "hours"),
				strconv.Itoa(s.Requests()), strconv.Itoa(s.Jobs), strconv.Itoa(s.Users)})
		}
		props.Services = &templates.UsageChart{ID: c.ID, Title: c.Title, Chart: c, Empty: c.Empty(), Table: tb}
	}
	switch {
	case d.busy == 0:
		props.ServiceNote = "No service had requests in this period."
	case d.busy > maxUsageServices:
		props.ServiceNote = fmt.Sprintf("Showing the %d busiest of %d services with requests.", maxUsageServices, d.busy)
	}
	if len(d.missing) > 0 {
		props.Problem = fmt.Sprintf("OSCAR did not give the metrics of %d service(s) (deleted, or no longer shared with you): %v.", len(d.missing), d.missing)
	}
	return props
}

// downloadUsage handles "GET /usage/periods.csv": the page's figures per period, as CSV.
func (p *Pages) downloadUsage(w http.ResponseWriter, r *http.Request) error {
	return p.usageCSV(w, r, "usage-per-", func(b *bytes.Buffer, d *usageData) error { return usage.WritePeriodsCSV(b, d.rows) })
}

// downloadServiceUsage handles "GET /usage/services.csv": the figures per service, as CSV.
func (p *Pages) downloadServiceUsage(w http.ResponseWriter, r *http.Request) error {
	return p.usageCSV(w, r, "usage-per-service-", func(b *bytes.Buffer, d *usageData) error { return usage.WriteServicesCSV(b, d.services) })
}

// usageCSV reads the usage of ?period= and sends what write makes of it as a CSV attachment. An
// unknown period is refused, since a download has no field to show the message next to.
func (p *Pages) usageCSV(w http.ResponseWriter, r *http.Request, name string, write func(*bytes.Buffer, *usageData) error) error {
	g, problem := usage.ParseGranularity(r.URL.Query().Get(usage.FieldPeriod))
	if problem != "" {
		return badRequest("The period must be day, week or month.")
	}
	d, err := p.readUsage(r, g)
	if err != nil {
		return noMetrics(err)
	}
	var b bytes.Buffer
	if err := write(&b, d); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", attachment(name+string(g)+".csv"))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(b.Bytes())
	return err
}

// noMetrics words OSCAR's 404 for /system/metrics itself (a cluster older than OSCAR 4.1 has no such
// route; gin answers "404 page not found") as what it means; other errors pass unchanged.
func noMetrics(err error) error {
	var oe *oscar.Error
	if errors.As(err, &oe) && oe.Kind == oscar.NotFound && strings.HasPrefix(oe.Op, "get metrics") {
		return &userError{http.StatusNotFound, "No usage metrics on this cluster",
			"This OSCAR cluster does not report usage metrics: it has no /system/metrics (OSCAR 4.1 and later have it). Ask its administrator to upgrade it."}
	}
	return err
}
