package usage

import (
	"cmp"
	"slices"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Totals are the figures of one period: CPU and GPU hours, requests (synchronous, jobs and
// exposed together), jobs (OSCAR's asynchronous requests) and active users.
type Totals struct {
	CPUHours, GPUHours    float64
	Requests, Jobs, Users int
}

// FromSummary takes a period's figures from GET /system/metrics.
func FromSummary(s *oscar.MetricsSummary) Totals {
	t := s.Totals
	req := t.RequestsCountTotal
	if sum := t.RequestsCountSync + t.RequestsCountAsync + t.RequestsCountExposed; req < sum {
		req = sum
	}
	return Totals{CPUHours: t.CPUHoursTotal, GPUHours: t.GPUHoursTotal, Requests: req, Jobs: t.RequestsCountAsync, Users: t.UsersCount}
}

// Row is one period and its figures.
type Row struct {
	Period
	Totals
}

// ServiceRow is one service's figures over the whole range.
type ServiceRow struct {
	Name                string
	CPUHours, GPUHours  float64
	Sync, Jobs, Exposed int
	Users               int
}

// Requests is the service's requests of every kind.
func (r ServiceRow) Requests() int { return r.Sync + r.Jobs + r.Exposed }

// FromServiceMetrics takes a service's figures from GET /system/metrics/{service}.
func FromServiceMetrics(name string, m *oscar.ServiceMetrics) ServiceRow {
	v := func(k string) float64 { x, _ := m.Value(k); return x }
	return ServiceRow{Name: name, CPUHours: v(oscar.MetricCPUHours), GPUHours: v(oscar.MetricGPUHours),
		Sync: int(v(oscar.MetricRequestsSync)), Jobs: int(v(oscar.MetricRequestsAsync)),
		Exposed: int(v(oscar.MetricRequestsExposed)), Users: int(v(oscar.MetricUsersPerService))}
}

// SortServices orders services by CPU hours, then requests, then name: the busiest first.
func SortServices(rows []ServiceRow) {
	slices.SortFunc(rows, func(a, b ServiceRow) int {
		return cmp.Or(cmp.Compare(b.CPUHours, a.CPUHours), cmp.Compare(b.Requests(), a.Requests()), cmp.Compare(a.Name, b.Name))
	})
}

// Metric is one chart of the page: a figure of Totals over the periods.
type Metric struct {
	ID    string // HTML id and CSV column
	Title string
	Unit  string // "hours", "requests", "jobs", "users"
	Value func(Totals) float64
}

// Metrics are the charts of the usage page, in order.
var Metrics = []Metric{
	{"cpu-hours", "CPU hours", "hours", func(t Totals) float64 { return t.CPUHours }},
	{"gpu-hours", "GPU hours", "hours", func(t Totals) float64 { return t.GPUHours }},
	{"requests", "Requests", "requests", func(t Totals) float64 { return float64(t.Requests) }},
	{"jobs", "Jobs", "jobs", func(t Totals) float64 { return float64(t.Jobs) }},
	{"users", "Active users", "users", func(t Totals) float64 { return float64(t.Users) }},
}

// ChartOf lays out one metric over the periods as a chart.
func ChartOf(m Metric, rows []Row) Chart {
	c := Chart{ID: m.ID, Title: m.Title, Unit: m.Unit}
	for _, r := range rows {
		c.Points = append(c.Points, Point{Label: r.Label, Long: r.Long, Value: m.Value(r.Totals)})
	}
	return c
}

// ServiceChart lays out the services' CPU hours (or requests, when no service used CPU time) as a
// horizontal chart, busiest first, at most max services.
func ServiceChart(rows []ServiceRow, limit int) Chart {
	c := Chart{ID: "services", Title: "CPU hours per service", Unit: "hours", Horizontal: true}
	value := func(r ServiceRow) float64 { return r.CPUHours }
	if !slices.ContainsFunc(rows, func(r ServiceRow) bool { return r.CPUHours > 0 }) {
		c.Title, c.Unit = "Requests per service", "requests"
		value = func(r ServiceRow) float64 { return float64(r.Requests()) }
	}
	for i, r := range rows {
		if i == limit {
			break
		}
		c.Points = append(c.Points, Point{Label: r.Name, Long: r.Name, Value: value(r)})
	}
	return c
}

// Busiest returns at most n services of a breakdown by service, the most requested first (then
// by name).
func Busiest(items []oscar.BreakdownItem, n int) []oscar.BreakdownItem {
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b oscar.BreakdownItem) int {
		return cmp.Or(cmp.Compare(b.RequestsCountTotal, a.RequestsCountTotal), cmp.Compare(a.Key, b.Key))
	})
	if len(items) > n {
		items = items[:n]
	}
	return items
}
