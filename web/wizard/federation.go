package wizard

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The Federation section of the Storage step: the service's federation (topology, delegation,
// group, rescheduler threshold, members) and the clusters it names with their credentials (the
// FDL's "clusters"). A cluster's password is a secret: it stays in the draft on the server, the
// form only says it is set, and an empty password field keeps it.

// Member types of a federation (types.Replica's type).
const (
	memberOSCAR    = "oscar"
	memberEndpoint = "endpoint"
)

// MemberRow is one federation member as the form edits it. Priority is the text typed; SSLVerify
// and Headers (which may carry credentials) are not in the form and are kept from the row's
// previous state.
type MemberRow struct {
	Row         int               `json:"row"`
	Type        string            `json:"type"`
	ClusterID   string            `json:"cluster_id,omitempty"`
	ServiceName string            `json:"service_name,omitempty"`
	URL         string            `json:"url,omitempty"`
	Priority    string            `json:"priority,omitempty"`
	SSLVerify   bool              `json:"ssl_verify"`
	Headers     map[string]string `json:"headers,omitempty"`
}

// ClusterRow is one cluster of the service's clusters. Password never goes back to the browser.
type ClusterRow struct {
	Row       int    `json:"row"`
	ID        string `json:"id"`
	Endpoint  string `json:"endpoint,omitempty"`
	User      string `json:"user,omitempty"`
	Password  string `json:"password,omitempty"`
	SSLVerify bool   `json:"ssl_verify"`
}

func topologies() []string  { return []string{"none", "star", "mesh"} }
func delegations() []string { return []string{"static", "random", "load-based", "topsis"} }

// loadFederationRows fills the member and cluster rows from the service's definition.
func (d *Draft) loadFederationRows() {
	d.Members, d.Clusters = nil, nil
	if f := d.Service.Federation; f != nil {
		for _, r := range f.Members {
			d.Members = append(d.Members, MemberRow{Row: d.nextRow(), Type: cmp.Or(r.Type, memberOSCAR), ClusterID: r.ClusterID,
				ServiceName: r.ServiceName, URL: r.URL, Priority: strconv.Itoa(r.Priority), SSLVerify: r.SSLVerify,
				Headers: maps.Clone(r.Headers)})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(d.Service.Clusters)) {
		c := d.Service.Clusters[id]
		d.Clusters = append(d.Clusters, ClusterRow{Row: d.nextRow(), ID: id, Endpoint: c.Endpoint, User: c.AuthUser,
			Password: c.AuthPassword, SSLVerify: c.SSLVerify})
	}
	d.FedRows = true
}

// syncFederation writes the rows back into the service: its clusters (the first row of an id
// wins; validation reports the others) and its federation's members. A federation left with
// nothing set at all is removed; what the form does not show (unknown members) is kept.
func (d *Draft) syncFederation() {
	if !d.FedRows {
		return // a draft stored before the section existed: loaded by Unmarshal
	}
	s := &d.Service
	var clusters map[string]oscar.Cluster
	for _, c := range d.Clusters {
		id := strings.TrimSpace(c.ID)
		if id == "" {
			continue
		}
		if clusters == nil {
			clusters = map[string]oscar.Cluster{}
		}
		if _, dup := clusters[id]; !dup {
			clusters[id] = oscar.Cluster{Endpoint: c.Endpoint, AuthUser: c.User, AuthPassword: c.Password, SSLVerify: c.SSLVerify}
		}
	}
	s.Clusters = clusters
	var members []oscar.Replica
	for _, m := range d.Members {
		prio, _ := strconv.Atoi(m.Priority) // validation reports text that is not a number
		members = append(members, oscar.Replica{Type: m.Type, ClusterID: m.ClusterID, ServiceName: m.ServiceName, URL: m.URL,
			SSLVerify: m.SSLVerify, Priority: prio, Headers: maps.Clone(m.Headers)})
	}
	f := s.Federation
	if f == nil {
		f = &oscar.Federation{}
	}
	f.Members = members
	if f.GroupID == "" && f.Topology == "" && f.Delegation == "" && f.ReschedulerThreshold == 0 && len(f.Members) == 0 && len(f.Extra) == 0 {
		f = nil
	}
	s.Federation = f
}

// parseFederation reads the Federation section of the Storage step. A row left empty stays (as
// the provider and input rows do): its Remove button takes it away, Next reports it.
func parseFederation(d *Draft, v url.Values) {
	s := &d.Service
	s.ClusterID = form.Line(v.Get("cluster_id"))
	f := s.Federation
	if f == nil {
		f = &oscar.Federation{}
	}
	f.Topology = form.Line(v.Get("federation.topology"))
	f.Delegation = form.Line(v.Get("federation.delegation"))
	f.GroupID = form.Line(v.Get("federation.group_id"))
	d.readInt(v, "federation.rescheduler_threshold", &f.ReschedulerThreshold, 0)
	s.Federation = f

	oldMembers := d.Members
	d.Members = nil
	for _, r := range postedRows(v, "federation.members") {
		m := MemberRow{Row: rowID(r["row"]), Type: cmp.Or(form.Line(r["type"]), memberOSCAR), ClusterID: form.Line(r["cluster_id"]),
			ServiceName: form.Line(r["service_name"]), URL: form.Line(r["url"]), Priority: form.Line(r["priority"]), SSLVerify: true}
		if i := slices.IndexFunc(oldMembers, func(o MemberRow) bool { return m.Row != 0 && o.Row == m.Row }); i >= 0 {
			m.SSLVerify, m.Headers = oldMembers[i].SSLVerify, oldMembers[i].Headers
		} else {
			m.Row = d.nextRow()
		}
		d.Members = append(d.Members, m)
	}

	oldClusters := d.Clusters
	d.Clusters = nil
	for _, r := range postedRows(v, "clusters") {
		c := ClusterRow{Row: rowID(r["row"]), ID: form.Line(r["id"]), Endpoint: form.Line(r["endpoint"]), User: form.Line(r["auth_user"]),
			Password: form.Value(r["auth_password"]), SSLVerify: r["ssl_verify"] == "true"}
		if i := slices.IndexFunc(oldClusters, func(o ClusterRow) bool { return c.Row != 0 && o.Row == c.Row }); i >= 0 {
			if c.Password == "" {
				c.Password = oldClusters[i].Password // never sent to the browser: empty keeps it
			}
		} else {
			c.Row = d.nextRow()
		}
		d.Clusters = append(d.Clusters, c)
	}
}

// validateFederation checks the Federation section.
func validateFederation(d *Draft, p *Problems) {
	s := &d.Service
	if s.ClusterID != "" && !matches(reProviderID, s.ClusterID) {
		p.add("cluster_id", "A cluster id is letters, digits, - and _ (for example oscar-eu).")
	}
	f := s.Federation
	if f != nil {
		if f.Topology != "" && !slices.Contains(topologies(), f.Topology) {
			p.add("federation.topology", "Choose none, star or mesh.")
		}
		if f.Delegation != "" && !slices.Contains(delegations(), f.Delegation) {
			p.add("federation.delegation", "Choose static, random, load-based or topsis.")
		}
		if f.Topology == "mesh" && s.ClusterID == "" {
			p.add("cluster_id", "A mesh federation needs this cluster's id, defined in the clusters below.")
		}
		if len(f.GroupID) > 63 {
			p.add("federation.group_id", "A group id has at most 63 characters.")
		}
	}
	if !d.checkTyped(p, "federation.rescheduler_threshold", "a whole number of seconds") && f != nil && f.ReschedulerThreshold < 0 {
		p.add("federation.rescheduler_threshold", "Enter a number of seconds, 0 or more.")
	}
	defined := map[string]bool{}
	for i, c := range d.Clusters {
		pre := fmt.Sprintf("clusters[%d].", i)
		if msg := clusterIDProblem(c.ID, defined); msg != "" {
			p.add(pre+"id", msg)
		}
		defined[c.ID] = true
		if msg := checkClusterEndpoint(c.Endpoint); msg != "" {
			p.add(pre+"endpoint", msg)
		}
		if c.User == "" && c.Password != "" {
			p.add(pre+"auth_user", "Enter the user that goes with the password.")
		}
		if c.User != "" && c.Password == "" {
			p.add(pre+"auth_password", "Enter the password of "+c.User+".")
		}
	}
	seen := map[string]bool{}
	for i, m := range d.Members {
		pre := fmt.Sprintf("federation.members[%d].", i)
		switch m.Type {
		case memberOSCAR:
			switch {
			case m.ClusterID == "":
				p.add(pre+"cluster_id", "Enter the id of the member's cluster.")
			case !defined[m.ClusterID]:
				p.add(pre+"cluster_id", fmt.Sprintf("Add the cluster %s below with its endpoint: OSCAR needs it to reach the member.", m.ClusterID))
			}
			if msg := CheckName(m.ServiceName); msg != "" {
				p.add(pre+"service_name", strings.Replace(msg, "for the service", "for the member's service", 1))
			}
		case memberEndpoint:
			if msg := checkClusterEndpoint(m.URL); msg != "" {
				p.add(pre+"url", strings.Replace(msg, "cluster's", "endpoint's", 1))
			}
		default:
			p.add(pre+"type", "Choose oscar or endpoint.")
		}
		if n, err := strconv.Atoi(cmp.Or(m.Priority, "0")); err != nil || n < 0 {
			p.add(pre+"priority", "“"+m.Priority+"” is not a priority: a whole number, 0 (the highest) or more.")
		}
		key := strings.ToLower(m.Type) + "\x00" + m.ClusterID + "\x00" + m.ServiceName + "\x00" + m.URL
		if seen[key] && !p.Has(pre+"cluster_id") {
			p.add(pre+"cluster_id", "This member is listed twice; remove one.")
		}
		seen[key] = true
	}
}

// clusterIDProblem checks a cluster row's id against the ids of the rows before it.
func clusterIDProblem(id string, defined map[string]bool) string {
	switch {
	case id == "":
		return "Enter the cluster's id, as the federation members name it (for example oscar-eu)."
	case !matches(reProviderID, id):
		return "A cluster id is letters, digits, - and _ (for example oscar-eu)."
	case defined[id]:
		return fmt.Sprintf("The cluster %s is defined twice; remove one.", id)
	}
	return ""
}

// checkClusterEndpoint checks an OSCAR endpoint of a federated cluster: an absolute http(s) URL.
func checkClusterEndpoint(raw string) string {
	if strings.TrimSpace(raw) == "" {
		return "Enter the cluster's endpoint, for example https://oscar.example.org."
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "Enter the cluster's endpoint as a URL, for example https://oscar.example.org."
	}
	return ""
}

// federationProps is the Federation section's view. Passwords stay out: only whether one is kept.
func federationProps(d *Draft) *templates.WizardFederation {
	f := d.Service.Federation
	if f == nil {
		f = &oscar.Federation{}
	}
	none := func(label string) func(string) string {
		return func(v string) string {
			if v == "" {
				return label
			}
			return v
		}
	}
	fv := &templates.WizardFederation{
		ClusterID:   d.Service.ClusterID,
		Topologies:  options(append([]string{""}, topologies()...), f.Topology, none("No federation (not set)")),
		Delegations: options(append([]string{""}, delegations()...), f.Delegation, none("OSCAR's default")),
		GroupID:     f.GroupID,
		Threshold:   d.shownInt("federation.rescheduler_threshold", f.ReschedulerThreshold),
	}
	if fv.Threshold == "0" {
		fv.Threshold = ""
	}
	for i, m := range d.Members {
		fv.Members = append(fv.Members, templates.WizardMember{Prefix: fmt.Sprintf("federation.members[%d]", i), Row: m.Row,
			Types:     options([]string{memberOSCAR, memberEndpoint}, m.Type, func(v string) string { return v }),
			ClusterID: m.ClusterID, ServiceName: m.ServiceName, URL: m.URL, Priority: m.Priority})
	}
	for i, c := range d.Clusters {
		fv.Clusters = append(fv.Clusters, templates.WizardCluster{Prefix: fmt.Sprintf("clusters[%d]", i), Row: c.Row, ID: c.ID,
			Endpoint: c.Endpoint, User: c.User, Kept: c.Password != "", SSLVerify: c.SSLVerify})
	}
	return fv
}
