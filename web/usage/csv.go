package usage

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// cell guards a text cell against spreadsheet formula injection: a value OSCAR sent (a service
// name) that starts like a formula gets a leading apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// WritePeriodsCSV writes one line per period: its start and end (RFC 3339), then each metric.
func WritePeriodsCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"period", "start", "end", "cpu_hours", "gpu_hours", "requests", "jobs", "active_users"})
	for _, r := range rows {
		_ = cw.Write([]string{r.Long, r.Start.Format("2006-01-02T15:04:05Z07:00"), r.End.Format("2006-01-02T15:04:05Z07:00"),
			num(r.CPUHours), num(r.GPUHours), strconv.Itoa(r.Requests), strconv.Itoa(r.Jobs), strconv.Itoa(r.Users)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteServicesCSV writes one line per service with its figures over the whole range.
func WriteServicesCSV(w io.Writer, rows []ServiceRow) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"service", "cpu_hours", "gpu_hours", "requests", "sync_requests", "jobs", "exposed_requests", "users"})
	for _, r := range rows {
		_ = cw.Write([]string{cell(r.Name), num(r.CPUHours), num(r.GPUHours), strconv.Itoa(r.Requests()),
			strconv.Itoa(r.Sync), strconv.Itoa(r.Jobs), strconv.Itoa(r.Exposed), strconv.Itoa(r.Users)})
	}
	cw.Flush()
	return cw.Error()
}
