// Package usage is the pure logic of the usage page: the periods a chart has bars for (days, weeks
// or months back from now), the figures of each period and service taken from OSCAR's metrics,
// the bar charts as SVG, and the CSV download. Nothing here does I/O.
package usage

import (
	"time"
)

// Granularity is what one bar of a chart covers.
type Granularity string

// The granularities of the period selector.
const (
	Day   Granularity = "day"
	Week  Granularity = "week"
	Month Granularity = "month"
)

// Granularities lists the selector's choices in order, with the number of bars each shows.
var Granularities = []struct {
	G     Granularity
	Label string
	Bars  int
}{
	{Day, "Last 14 days, by day", 14},
	{Week, "Last 12 weeks, by week", 12},
	{Month, "Last 12 months, by month", 12},
}

// FieldPeriod is the selector's query parameter.
const FieldPeriod = "period"

// ParseGranularity reads the selector's value: "" is Day; anything else unknown gives Day and a
// message for the field.
func ParseGranularity(v string) (Granularity, string) {
	if v == "" {
		return Day, ""
	}
	for _, g := range Granularities {
		if string(g.G) == v {
			return g.G, ""
		}
	}
	return Day, "Choose one of the periods listed; showing the last 14 days."
}

// Period is the half-open time range [Start, End) of one bar. The last period ends now.
type Period struct {
	Start, End time.Time
	Label      string // short, for the chart's axis: "Nov 2", "wk of Oct 27", "Nov 2026"
	Long       string // for the table and the CSV: "2026-11-02", "2026-10-27 to 2026-11-02", "2026-11"
}

// Periods returns the bars of g ending with the one holding now, oldest first, in UTC. Weeks
// start on Monday (ISO 8601).
func Periods(g Granularity, now time.Time) []Period {
	now = now.UTC()
	n := 14
	for _, x := range Granularities {
		if x.G == g {
			n = x.Bars
		}
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	var start func(i int) time.Time // start of the i-th period back (0: the current one)
	switch g {
	case Week:
		monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		start = func(i int) time.Time { return monday.AddDate(0, 0, -7*i) }
	case Month:
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		start = func(i int) time.Time { return first.AddDate(0, -i, 0) }
	default:
		start = func(i int) time.Time { return day.AddDate(0, 0, -i) }
	}
	out := make([]Period, 0, n)
	for i := n - 1; i >= 0; i-- {
		p := Period{Start: start(i), End: now}
		if i > 0 {
			p.End = start(i - 1)
		}
		switch g {
		case Week:
			p.Label = p.Start.Format("Jan 2")
			p.Long = p.Start.Format(time.DateOnly) + " to " + start(i-1).AddDate(0, 0, -1).Format(time.DateOnly)
		case Month:
			p.Label = p.Start.Format("Jan 06")
			p.Long = p.Start.Format("2006-01")
		default:
			p.Label = p.Start.Format("Jan 2")
			p.Long = p.Start.Format(time.DateOnly)
		}
		out = append(out, p)
	}
	return out
}
