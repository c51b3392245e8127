package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the console's Prometheus collectors in a registry of its own (no global state, so
// tests can build as many servers as they like).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	upstream *prometheus.CounterVec
	upLat    *prometheus.HistogramVec
}

// NewMetrics registers the request, upstream and session collectors. activeSessions may be nil.
func NewMetrics(activeSessions func(context.Context) (int, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "console_http_requests_total", Help: "HTTP requests served, by route pattern, method and status.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "console_http_request_duration_seconds", Help: "Time to serve a request, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "console_oscar_requests_total", Help: "Calls to OSCAR, by API operation and status (0: no answer).",
		}, []string{"op", "code"}),
		upLat: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "console_oscar_request_duration_seconds", Help: "Latency of calls to OSCAR, by API operation.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"op"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.upstream, m.upLat,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if activeSessions != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "console_sessions_active", Help: "Sessions held in the session store.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := activeSessions(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// ObserveRequest records one served request.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// ObserveUpstream records one call to OSCAR. Its signature matches oscar.Options.Observe; the endpoint
// is not a label, since users choose it and an unbounded label would let them grow the registry.
func (m *Metrics) ObserveUpstream(endpoint, op string, status int, d time.Duration) {
	m.upstream.WithLabelValues(op, strconv.Itoa(status)).Inc()
	m.upLat.WithLabelValues(op).Observe(d.Seconds())
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
