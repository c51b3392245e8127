package handlers

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/apps"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// servicesPerPage is the services list's page size.
const servicesPerPage = 25

// serviceQuery is the services list's filter, sort and page, read from the URL.
type serviceQuery struct {
	q    string
	mine bool
	kind string // "", "event", "exposed" or "kserve"
	sort string
	dir  string
	page int
}

// sortKey is a sortable column of a list.
type sortKey struct{ key, label string }

// serviceSortKeys are the services list's sortable columns, in display order.
func serviceSortKeys() []sortKey {
	return []sortKey{
		{"name", "Name"}, {"image", "Image"}, {"cpu", "CPU"}, {"memory", "Memory"},
		{"visibility", "Visibility"}, {"owner", "Owner"}, {"state", "Deployment"},
	}
}

func readServiceQuery(r *http.Request) serviceQuery {
	v := r.URL.Query()
	q := serviceQuery{q: strings.TrimSpace(v.Get("q")), mine: v.Get("mine") == "1", sort: v.Get("sort"), dir: v.Get("dir")}
	q.kind = v.Get("kind")
	if serviceKindLabel(q.kind) == "" {
		q.kind = ""
	}
	if len(q.q) > 200 {
		q.q = q.q[:200]
	}
	if !slices.ContainsFunc(serviceSortKeys(), func(k sortKey) bool { return k.key == q.sort }) {
		q.sort = "name"
	}
	if q.dir != "desc" {
		q.dir = "asc"
	}
	q.page, _ = strconv.Atoi(v.Get("page"))
	if q.page < 1 {
		q.page = 1
	}
	return q
}

// url is the services list's address with this query, for links: what url.Values.Encode would give
// (keys in order, values escaped), each default (no filter, sort by name ascending, page 1) left out.
// Built directly: the list makes a dozen of these a view.
func (q serviceQuery) url(page int) string {
	var b strings.Builder
	b.Grow(64)
	b.WriteString("/services")
	sep := byte('?')
	add := func(k, v string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	if q.dir != "asc" && q.dir != "" {
		add("dir", q.dir)
	}
	if q.kind != "" {
		add("kind", q.kind)
	}
	if q.mine {
		add("mine", "1")
	}
	if page > 1 {
		add("page", strconv.Itoa(page))
	}
	if q.q != "" {
		add("q", q.q)
	}
	if q.sort != "name" && q.sort != "" {
		add("sort", q.sort)
	}
	return b.String()
}

// listServices handles "GET /services": one OSCAR call with ?include=deployment for the whole list,
// then filtering, sorting and paging here.
func (p *Pages) listServices(w http.ResponseWriter, r *http.Request) error {
	ep, cr := p.creds(r)
	all, err := p.oscar.ServiceSummaries(r.Context(), ep, cr, true)
	if err != nil {
		return fmt.Errorf("handlers: list services: %w", err)
	}
	props := buildServicesList(all, readServiceQuery(r), &p.session(r).Data)
	return p.render(w, r, http.StatusOK, templates.ServicesPage(p.layout(r, "Services", "services"), props))
}

// buildServicesList filters, sorts and pages the services for the list page.
func buildServicesList(all []oscar.ServiceSummary, q serviceQuery, me *session.Data) templates.ServicesProps {
	needle := strings.ToLower(q.q)
	rows := make([]*oscar.ServiceSummary, 0, len(all))
	for i := range all {
		s := &all[i]
		if q.mine && !ownerIsMe(me, s.Owner) {
			continue
		}
		if needle != "" && !serviceMatches(s, needle) {
			continue
		}
		if q.kind != "" && serviceKind(s) != q.kind {
			continue
		}
		rows = append(rows, s)
	}
	sortServices(rows, q.sort, q.dir == "desc")

	props := templates.ServicesProps{Query: q.q, Mine: q.mine, Kind: q.kind, Sort: q.sort, Dir: q.dir, Total: len(all), Filtered: len(rows)}
	for _, k := range []string{"", "event", "exposed", "kserve"} {
		props.Kinds = append(props.Kinds, templates.KindChoice{Value: k, Label: serviceKindLabel(k), Selected: k == q.kind})
	}
	for _, s := range rows {
		if d, ok := s.Deployment(); ok && d.State == "stopped" {
			props.Stopped++
		}
	}
	clear := q
	clear.q, clear.mine, clear.kind = "", false, ""
	props.ClearURL = clear.url(1)

	pages := max(1, (len(rows)+servicesPerPage-1)/servicesPerPage)
	page := min(q.page, pages)
	from := (page - 1) * servicesPerPage
	to := min(from+servicesPerPage, len(rows))
	props.Pager = templates.Pager{Page: page, Pages: pages, Total: len(rows), From: from + 1, To: to}
	if len(rows) == 0 {
		props.Pager.From = 0
	}
	if page > 1 {
		props.Pager.PrevURL = q.url(page - 1)
		props.Pager.FirstURL = q.url(1)
	}
	if page < pages {
		props.Pager.NextURL = q.url(page + 1)
		props.Pager.LastURL = q.url(pages)
	}

	for _, k := range serviceSortKeys() {
		c := templates.SortColumn{Label: k.label, AriaSort: "none"}
		nq := q
		nq.sort, nq.dir = k.key, "asc"
		if q.sort == k.key {
			if q.dir == "asc" {
				c.AriaSort, nq.dir = "ascending", "desc"
			} else {
				c.AriaSort = "descending"
			}
		}
		c.Href = nq.url(1)
		props.Columns = append(props.Columns, c)
	}

	props.Rows = make([]templates.ServiceRow, 0, to-from)
	for _, s := range rows[from:to] {
		row := templates.ServiceRow{
			Name: s.Name, URL: servicePath(s.Name), Image: s.Image, CPU: s.CPU, Memory: s.Memory,
			Visibility: cmp.Or(s.Visibility, "private"), Owner: s.Owner, Mine: ownerIsMe(me, s.Owner),
		}
		if d, ok := s.Deployment(); ok {
			row.State, row.StateClass, row.Reason = d.State, stateClass(d.State), d.Reason
			row.Stopped = d.State == "stopped"
		}
		if k, ok := apps.KindOfSummary(s); ok {
			row.App = k.Title
		}
		switch serviceKind(s) {
		case "exposed":
			row.Kind = "exposed"
		case "kserve":
			row.Kind = "KServe"
		}
		props.Rows = append(props.Rows, row)
	}
	return props
}

// serviceKind sorts a service into the list's kinds: "kserve" (it has a kserve member), "exposed"
// (a non-zero first api_port) or "event" (run as jobs, invoked or triggered by its input bucket).
func serviceKind(s *oscar.ServiceSummary) string {
	switch {
	case s.KServe():
		return "kserve"
	case s.Exposed():
		return "exposed"
	}
	return "event"
}

// serviceKindLabel names a kind filter for people; "" for a value that is not one.
func serviceKindLabel(kind string) string {
	return map[string]string{"": "All kinds", "event": "Event-driven", "exposed": "Exposed", "kserve": "KServe"}[kind]
}

// serviceMatches reports whether a lower-cased needle is in the service's name, image, owner,
// visibility or VO.
func serviceMatches(s *oscar.ServiceSummary, needle string) bool {
	for _, f := range []string{s.Name, s.Image, s.Owner, s.Visibility, s.VO} {
		if strings.Contains(strings.ToLower(f), needle) {
			return true
		}
	}
	return false
}

// sortServices sorts in place by a column; ties are broken by name so pages are stable. Numeric
// columns are parsed once per service, not once per comparison, and compared exactly.
func sortServices(rows []*oscar.ServiceSummary, key string, desc bool) {
	// Each key is read once. A quantity's key is its value as a float64: exact for any CPU or memory
	// a cluster has (integers up to 2^53), and two values too close for a float64 to tell apart
	// sort by name, as equal ones do.
	type keyed struct {
		s   *oscar.ServiceSummary
		str string
		num float64
		ok  bool // num holds a quantity
	}
	ks := make([]keyed, len(rows))
	for i, s := range rows {
		k := keyed{s: s}
		switch key {
		case "image":
			k.str = s.Image
		case "cpu":
			k.num, k.ok = quantity(s.CPU)
		case "memory":
			k.num, k.ok = quantity(s.Memory)
		case "visibility":
			k.str = cmp.Or(s.Visibility, "private")
		case "owner":
			k.str = s.Owner
		case "state":
			if d, ok := s.Deployment(); ok {
				k.str = d.State
			}
		}
		ks[i] = k
	}
	numeric := key == "cpu" || key == "memory"
	slices.SortStableFunc(ks, func(a, b keyed) int {
		var c int
		if numeric {
			// Unknown quantities sort last whatever the direction.
			switch {
			case !a.ok && !b.ok:
			case !a.ok:
				return 1
			case !b.ok:
				return -1
			default:
				c = cmp.Compare(a.num, b.num)
			}
		} else {
			c = strings.Compare(a.str, b.str)
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.s.Name, b.s.Name)
			if desc && key == "name" {
				c = -c
			}
		}
		return c
	})
	for i := range ks {
		rows[i] = ks[i].s
	}
}

// quantity reads a Kubernetes quantity of a service list ("0.5", "500m", "256Mi") as a float64; ok
// is false if it is not one.
func quantity(s string) (v float64, ok bool) {
	q, err := oscar.ParseQuantity(strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	v, _ = q.Float64()
	return v, true
}
