package oscar

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// MetricsSummary is OSCAR's types.MetricsSummaryResponse (GET /system/metrics): the totals of one
// time range. OSCAR scopes it to the caller: a bearer caller gets the services they may see
// (owned, public, or restricted to them), the Basic-auth admin the whole cluster.
type MetricsSummary struct {
	Start   string         `json:"start"`
	End     string         `json:"end"`
	Totals  SummaryTotals  `json:"totals"`
	Sources []SourceStatus `json:"sources,omitempty"`
}

// SummaryTotals are the figures of a MetricsSummary. Async requests are OSCAR's jobs.
type SummaryTotals struct {
	ServicesCountActive  int            `json:"services_count_active"`
	ServicesCountTotal   int            `json:"services_count_total"`
	CPUHoursTotal        float64        `json:"cpu_hours_total"`
	GPUHoursTotal        float64        `json:"gpu_hours_total"`
	RequestsCountTotal   int            `json:"requests_count_total"`
	RequestsCountSync    int            `json:"requests_count_sync"`
	RequestsCountAsync   int            `json:"requests_count_async"`
	RequestsCountExposed int            `json:"requests_count_exposed"`
	UsersCount           int            `json:"users_count"`
	Users                []string       `json:"users,omitempty"`
	CountriesCount       int            `json:"countries_count"`
	Countries            []CountryCount `json:"countries,omitempty"`
}

// CountryCount is a number of requests from one country.
type CountryCount struct {
	Country      string `json:"country"`
	RequestCount int    `json:"request_count"`
}

// SourceStatus tells whether one of OSCAR's metric sources (Prometheus, logs) answered.
type SourceStatus struct {
	Name        string `json:"name"`
	Status      string `json:"status"`
	LastUpdated string `json:"last_updated,omitempty"`
	Notes       string `json:"notes,omitempty"`
}

// Metric keys of GET /system/metrics/{serviceName} (OSCAR's types.MetricKey).
const (
	MetricCPUHours        = "cpu-hours"
	MetricGPUHours        = "gpu-hours"
	MetricRequestsSync    = "requests-sync-per-service"
	MetricRequestsAsync   = "requests-async-per-service"
	MetricRequestsExposed = "requests-exposed-per-service"
	MetricUsersPerService = "users-per-service"
)

// ServiceMetrics is OSCAR's types.ServiceMetricsResponse (GET /system/metrics/{serviceName}
// without a metric): every per-service metric of one time range.
type ServiceMetrics struct {
	ServiceName string               `json:"service_name"`
	Start       string               `json:"start"`
	End         string               `json:"end"`
	Metrics     []ServiceMetricValue `json:"metrics"`
}

// ServiceMetricValue is one metric of a ServiceMetrics.
type ServiceMetricValue struct {
	Metric  string         `json:"metric"`
	Value   float64        `json:"value"`
	Unit    string         `json:"unit,omitempty"`
	Sources []SourceStatus `json:"sources,omitempty"`
}

// Value returns the value of metric key, and whether OSCAR reported it.
func (m *ServiceMetrics) Value(key string) (float64, bool) {
	for _, v := range m.Metrics {
		if v.Metric == key {
			return v.Value, true
		}
	}
	return 0, false
}

// MetricsBreakdown is OSCAR's types.MetricsBreakdownResponse (GET /system/metrics/breakdown).
type MetricsBreakdown struct {
	Start   string          `json:"start"`
	End     string          `json:"end"`
	GroupBy string          `json:"group_by"`
	Items   []BreakdownItem `json:"items"`
}

// BreakdownItem is one row of a breakdown: a service, a user or a country (Key). OSCAR fills the
// request counts for services and ExecutionsCount for users.
type BreakdownItem struct {
	Key                  string         `json:"key"`
	Membership           string         `json:"membership,omitempty"`
	ExecutionsCount      int            `json:"executions_count,omitempty"`
	RequestsCountTotal   int            `json:"requests_count_total,omitempty"`
	RequestsCountSync    int            `json:"requests_count_sync,omitempty"`
	RequestsCountAsync   int            `json:"requests_count_async,omitempty"`
	RequestsCountExposed int            `json:"requests_count_exposed,omitempty"`
	UniqueUsersCount     int            `json:"unique_users_count,omitempty"`
	Users                []string       `json:"users,omitempty"`
	Countries            []CountryCount `json:"countries,omitempty"`
}

// Breakdown dimensions of MetricsBreakdown.
const (
	GroupByService = "service"
	GroupByUser    = "user"
	GroupByCountry = "country"
)

// rangeQuery is the start and end of a metrics call, in RFC 3339 as OSCAR parses them.
func rangeQuery(start, end time.Time) url.Values {
	return url.Values{"start": {start.UTC().Format(time.RFC3339)}, "end": {end.UTC().Format(time.RFC3339)}}
}

// MetricsSummary returns GET /system/metrics for [start, end).
func (c *Client) MetricsSummary(ctx context.Context, ep Endpoint, cr Creds, start, end time.Time) (*MetricsSummary, error) {
	return getValue[MetricsSummary](ctx, c, ep, cr, "get metrics", []string{"system", "metrics"}, rangeQuery(start, end))
}

// ServiceMetrics returns GET /system/metrics/{svc} for [start, end): every per-service metric.
// A bearer caller who may not see the service gets a Forbidden *Error.
func (c *Client) ServiceMetrics(ctx context.Context, ep Endpoint, cr Creds, svc string, start, end time.Time) (*ServiceMetrics, error) {
	const op = "get service metrics"
	seg, err := segment("service name", svc)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	r, err := c.do(ctx, ep, call{op: op, method: http.MethodGet, path: []string{"system", "metrics", seg},
		query: rangeQuery(start, end), auth: cr.authorization(), accept: "application/json", subject: svc})
	return decoded[ServiceMetrics](op, ep, r, err)
}

// decoded returns the JSON answer r of a call that ended with err, decoded as a T.
func decoded[T any](op string, ep Endpoint, r *response, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	var v T
	if err := decode(op, ep, r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// MetricsBreakdown returns GET /system/metrics/breakdown?group_by=groupBy for [start, end), as
// JSON (the console writes its own CSV).
func (c *Client) MetricsBreakdown(ctx context.Context, ep Endpoint, cr Creds, groupBy string, start, end time.Time) (*MetricsBreakdown, error) {
	q := rangeQuery(start, end)
	q.Set("group_by", groupBy)
	v, err := getValue[MetricsBreakdown](ctx, c, ep, cr, "get metrics breakdown", []string{"system", "metrics", "breakdown"}, q)
	if err != nil {
		return nil, err
	}
	if v.Items == nil {
		v.Items = []BreakdownItem{}
	}
	return v, nil
}
