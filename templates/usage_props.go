package templates

import (
	"strconv"

	"github.com/a-h/templ"
)

// Props of the usage page (handlers/usage.go) and the administrator's screens (handlers/admin_*.go).

// Choice is one option of a selector.
type Choice struct {
	Value, Label string
	Selected     bool
}

// Table is a plain data table: a caption, its column headers and its rows of cells.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// UsageChart is one chart of the usage page and the table of its numbers beside it. Chart is the
// server-rendered SVG (web/usage), a component whose every text is escaped.
type UsageChart struct {
	ID    string
	Title string
	Chart templ.Component
	Empty bool // every value is zero
	Table Table
}

// UsageProps fills the usage page.
type UsageProps struct {
	Scope       string // whose usage: the cluster's or the user's services'
	Periods     []Choice
	PeriodError string
	Range       string
	Totals      []KV
	Charts      []UsageChart
	Services    *UsageChart // nil when no service had requests
	ServiceNote string
	Problem     string // a part OSCAR did not report
	PeriodsCSV  string
	ServicesCSV string
}

// QuotaRow is one user in the quotas list; each figure is "used of max".
type QuotaRow struct {
	User    string
	EditURL string
	Cells   []string // in the order of QuotasProps.Columns
	Problem string   // OSCAR did not report this user's quota: why
}

// QuotasProps fills the quotas list.
type QuotasProps struct {
	Columns []string
	Rows    []QuotaRow
	Problem string // who could not be listed
	Lookup  string
	// LookupError is the message next to the look-up field.
	LookupError string
}

// QuotaField is one input of the quota form.
type QuotaField struct {
	Name, Label, Hint, Value, Current string
}

// QuotaEditProps fills a user's quota form.
type QuotaEditProps struct {
	User    string
	Action  string
	Fields  []QuotaField
	Errors  FieldErrors
	Order   []string
	Problem string
	Usage   []Meter
}

// QuotaChange is one value changed, as the confirmation shows it.
type QuotaChange struct {
	Label, From, To string
}

// QuotaConfirmProps fills the confirmation of a quota change: what changes, the values again as
// hidden fields, and where the confirmation posts.
type QuotaConfirmProps struct {
	User    string
	Changes []QuotaChange
	Hidden  []KV
	Action  string
	BackURL string
	Note    string
}

// NodeCondition is one Kubernetes condition of a node, as a badge.
type NodeCondition struct {
	Type, Status, Class string
}

// NodeProps is one node on the cluster status page.
type NodeProps struct {
	Name        string
	Status      string
	StatusClass string
	Kind        string // "node" or "InterLink virtual node"
	GPUs        string
	CPU, Memory Meter
	Conditions  []NodeCondition
}

// AdminStatusProps fills the cluster status page.
type AdminStatusProps struct {
	Totals []Meter
	GPUs   string
	Nodes  []NodeProps
	OSCAR  []KV
	MinIO  []KV
}

// ManagerLogsProps fills the OSCAR manager's log page.
type ManagerLogsProps struct {
	Lines       []Choice
	LinesError  string
	Table       Table
	Shown, Cut  int
	DownloadURL string
}

// nonEmpty drops the fields without a message, so that a FieldErrors built from one optional
// message marks nothing when the message is empty.
func (e FieldErrors) nonEmpty() FieldErrors {
	out := FieldErrors{}
	for k, v := range e {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
