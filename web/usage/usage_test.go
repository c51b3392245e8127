package usage

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

func TestParseGranularity(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    Granularity
		problem bool
	}{
		{"", Day, false}, {"day", Day, false}, {"week", Week, false}, {"month", Month, false},
		{"year", Day, true}, {"Week", Day, true}, {"<script>", Day, true},
	} {
		got, msg := ParseGranularity(tt.in)
		if got != tt.want || (msg != "") != tt.problem {
			t.Errorf("ParseGranularity(%q) = %q, %q; want %q, problem %v", tt.in, got, msg, tt.want, tt.problem)
		}
	}
}

func TestPeriods(t *testing.T) {
	now := time.Date(2026, 12, 7, 4, 52, 0, 0, time.UTC) // a Monday
	for _, tt := range []struct {
		g                     Granularity
		n                     int
		firstStart, lastStart string
		firstLong, lastLong   string
		secondLastEnd         string
	}{
		{Day, 14, "2026-11-24", "2026-12-07", "2026-11-24", "2026-12-07", "2026-12-07"},
		{Week, 12, "2026-09-21", "2026-12-07", "2026-09-21 to 2026-09-27", "2026-12-07 to 2026-12-13", "2026-12-07"},
		{Month, 12, "2026-01-01", "2026-12-01", "2026-01", "2026-12", "2026-12-01"},
	} {
		ps := Periods(tt.g, now)
		if len(ps) != tt.n {
			t.Fatalf("%s: %d periods, want %d", tt.g, len(ps), tt.n)
		}
		first, last := ps[0], ps[len(ps)-1]
		if got := first.Start.Format(time.DateOnly); got != tt.firstStart {
			t.Errorf("%s: first start %s, want %s", tt.g, got, tt.firstStart)
		}
		if got := last.Start.Format(time.DateOnly); got != tt.lastStart {
			t.Errorf("%s: last start %s, want %s", tt.g, got, tt.lastStart)
		}
		if first.Long != tt.firstLong || last.Long != tt.lastLong {
			t.Errorf("%s: long labels %q … %q", tt.g, first.Long, last.Long)
		}
		if !last.End.Equal(now) {
			t.Errorf("%s: the last period ends %s, want now", tt.g, last.End)
		}
		if got := ps[len(ps)-2].End.Format(time.DateOnly); got != tt.secondLastEnd {
			t.Errorf("%s: the period before the last ends %s, want %s", tt.g, got, tt.secondLastEnd)
		}
		for i := 1; i < len(ps); i++ {
			if !ps[i].Start.Equal(ps[i-1].End) {
				t.Errorf("%s: period %d starts %s, the one before ends %s (gap or overlap)", tt.g, i, ps[i].Start, ps[i-1].End)
			}
		}
	}
	// A Sunday late in the day still belongs to the week that started on Monday.
	sun := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	if got := Periods(Week, sun)[11].Start.Format(time.DateOnly); got != "2026-11-30" {
		t.Errorf("week of a Sunday starts %s, want 2026-11-30", got)
	}
}

func TestNiceMaxAndFormat(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, -3: 1, 0.3: 0.5, 1: 1, 1.1: 2, 3: 5, 7: 10, 42: 50, 100: 100, 101: 200} {
		if got := niceMax(in); got != want {
			t.Errorf("niceMax(%v) = %v, want %v", in, got, want)
		}
	}
	for _, tt := range []struct {
		v    float64
		unit string
		want string
	}{{1.234, "hours", "1.23"}, {2, "hours", "2"}, {0.005, "hours", "0.01"}, {3.6, "requests", "4"}, {0, "users", "0"}} {
		if got := Format(tt.v, tt.unit); got != tt.want {
			t.Errorf("Format(%v, %s) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

var heightRE = regexp.MustCompile(`<rect class="bar" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)">`)

func TestVerticalSVG(t *testing.T) {
	c := Chart{ID: "cpu-hours", Title: "CPU hours", Unit: "hours", Points: []Point{
		{Label: "Nov 1", Long: "2026-11-01", Value: 2}, {Label: "Nov 2", Long: "2026-11-02", Value: 0}, {Label: "Nov 3", Long: "2026-11-03", Value: 5},
	}}
	svg := c.SVG()
	for _, want := range []string{`role="img"`, `aria-labelledby="cpu-hours-title"`, `<title id="cpu-hours-title">CPU hours (hours)</title>`,
		`<title>2026-11-03: 5 hours</title>`, `>Nov 2</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %s:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "style") {
		t.Error("the SVG has a style attribute or element (the CSP refuses them)")
	}
	hs := heightRE.FindAllStringSubmatch(svg, -1)
	if len(hs) != 3 {
		t.Fatalf("%d bars, want 3", len(hs))
	}
	plot := float64(height - marginTop - marginBottom)
	for i, want := range []float64{plot * 2 / 5, 0, plot} { // the axis tops at 5
		got, _ := strconv.ParseFloat(hs[i][1], 64)
		if got < want-0.1 || got > want+0.1 {
			t.Errorf("bar %d height %v, want %v", i, got, want)
		}
	}
}

func TestSVGEscapesLabels(t *testing.T) {
	c := Chart{ID: `x"><script>`, Title: "Requests per service", Unit: "requests", Horizontal: true, Points: []Point{
		{Label: `<img src=x onerror=alert(1)>`, Long: `a&b"c`, Value: 3},
	}}
	svg := c.SVG()
	if strings.Contains(svg, "<script>") || strings.Contains(svg, "<img") || strings.Contains(svg, `b"c`) {
		t.Errorf("unescaped text in the SVG:\n%s", svg)
	}
	if !strings.Contains(svg, "&lt;img src=x") || !strings.Contains(svg, "a&amp;b&#34;c: 3 requests") {
		t.Errorf("escaped label missing:\n%s", svg)
	}
}

func TestHorizontalSVG(t *testing.T) {
	c := Chart{ID: "services", Title: "CPU hours per service", Unit: "hours", Horizontal: true, Points: []Point{
		{Label: "a-very-long-service-name-indeed-yes", Long: "a-very-long-service-name-indeed-yes", Value: 10}, {Label: "b", Long: "b", Value: 2.5},
	}}
	svg := c.SVG()
	if !strings.Contains(svg, `viewBox="0 0 640 92"`) {
		t.Errorf("height not sized to the rows: %s", svg[:120])
	}
	if !strings.Contains(svg, ">a-very-long-service-nam…</text>") || !strings.Contains(svg, "<title>a-very-long-service-name-indeed-yes: 10 hours</title>") {
		t.Errorf("long labels: cut on the axis, whole in the tooltip:\n%s", svg)
	}
	if !strings.Contains(svg, `width="432"`) || !strings.Contains(svg, `width="108"`) {
		t.Errorf("bar widths not proportional (432 for 10 of 10, 108 for 2.5):\n%s", svg)
	}
}

func TestFromOSCAR(t *testing.T) {
	s := &oscar.MetricsSummary{Totals: oscar.SummaryTotals{CPUHoursTotal: 1.5, GPUHoursTotal: 0.25, RequestsCountTotal: 0,
		RequestsCountSync: 2, RequestsCountAsync: 3, RequestsCountExposed: 1, UsersCount: 2}}
	if got := FromSummary(s); got != (Totals{CPUHours: 1.5, GPUHours: 0.25, Requests: 6, Jobs: 3, Users: 2}) {
		t.Errorf("FromSummary = %+v", got)
	}
	m := &oscar.ServiceMetrics{Metrics: []oscar.ServiceMetricValue{{Metric: oscar.MetricCPUHours, Value: 2}, {Metric: oscar.MetricRequestsAsync, Value: 4},
		{Metric: oscar.MetricRequestsSync, Value: 1}, {Metric: oscar.MetricUsersPerService, Value: 3}}}
	r := FromServiceMetrics("grey", m)
	if r != (ServiceRow{Name: "grey", CPUHours: 2, Jobs: 4, Sync: 1, Users: 3}) || r.Requests() != 5 {
		t.Errorf("FromServiceMetrics = %+v", r)
	}
	rows := []ServiceRow{{Name: "b", Sync: 1}, {Name: "a", Jobs: 5}, {Name: "c", Sync: 1}}
	SortServices(rows)
	if c := ServiceChart(rows, 2); c.Unit != "requests" || len(c.Points) != 2 || c.Points[0].Label != "a" || c.Points[1].Label != "b" {
		t.Errorf("service chart without CPU time = %+v", c)
	}
	rows[2].CPUHours = 1
	SortServices(rows)
	if c := ServiceChart(rows, 10); c.Unit != "hours" || c.Points[0].Label != "c" {
		t.Errorf("service chart = %+v", c)
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	if err := WritePeriodsCSV(&b, []Row{{Period: Period{Start: start, End: start.AddDate(0, 0, 1), Long: "2026-11-02"}, Totals: Totals{CPUHours: 1.25, Requests: 3, Jobs: 2, Users: 1}}}); err != nil {
		t.Fatal(err)
	}
	want := "period,start,end,cpu_hours,gpu_hours,requests,jobs,active_users\n2026-11-02,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,1.25,0,3,2,1\n"
	if b.String() != want {
		t.Errorf("periods CSV =\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteServicesCSV(&b, []ServiceRow{{Name: "=HYPERLINK(\"x\")", CPUHours: 1, Jobs: 2}, {Name: "grey,ok", Sync: 1}}); err != nil {
		t.Fatal(err)
	}
	want = "service,cpu_hours,gpu_hours,requests,sync_requests,jobs,exposed_requests,users\n\"'=HYPERLINK(\"\"x\"\")\",1,0,2,0,2,0,0\n\"grey,ok\",0,0,1,1,0,0,0\n"
	if b.String() != want {
		t.Errorf("services CSV =\n%s\nwant\n%s", b.String(), want)
	}
}

func TestBusiest(t *testing.T) {
	items := []oscar.BreakdownItem{{Key: "b", RequestsCountTotal: 2}, {Key: "a", RequestsCountTotal: 2}, {Key: "c", RequestsCountTotal: 9}, {Key: "d"}}
	got := Busiest(items, 3)
	if len(got) != 3 || got[0].Key != "c" || got[1].Key != "a" || got[2].Key != "b" {
		t.Errorf("Busiest = %+v", got)
	}
	if items[0].Key != "b" {
		t.Error("Busiest reordered its argument")
	}
}
