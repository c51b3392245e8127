package oscar

import (
	"cmp"
	"strings"
)

// StateUnknown is a member's state when the federation API does not say one.
const StateUnknown = "unknown"

// MemberView is one federation member as a service's page shows it.
type MemberView struct {
	Type        string
	ClusterID   string
	ServiceName string
	URL         string // for an "endpoint" member
	Priority    int
	Endpoint    string // the endpoint of ClusterID in the service's clusters, "" if not there
	State       string // from the federation API, else StateUnknown
	Listed      bool   // the federation API lists the member
	Defined     bool   // the service's definition has the member
}

// FederationView is a service's federation as its page shows it.
type FederationView struct {
	Topology             string
	GroupID              string
	Delegation           string
	ReschedulerThreshold int
	Members              []MemberView
}

// sameMember is how OSCAR matches two members: type (ignoring case), cluster id and service name.
func sameMember(a, b Replica) bool {
	return strings.EqualFold(a.Type, b.Type) && a.ClusterID == b.ClusterID && a.ServiceName == b.ServiceName
}

// ViewFederation merges the federation of a service's definition with what the federation API
// answered (api is nil when it could not be read). It returns nil for a service with neither a
// federation nor members listed by the API. The members are the definition's, in its order,
// then those only the API lists.
func ViewFederation(s *Service, api *FederationInfo) *FederationView {
	def := s.Federation
	if def == nil && (api == nil || len(api.Members) == 0) {
		return nil
	}
	v := &FederationView{Topology: "none"}
	if def != nil {
		v.Topology = cmp.Or(def.Topology, v.Topology)
		v.GroupID, v.Delegation, v.ReschedulerThreshold = def.GroupID, def.Delegation, def.ReschedulerThreshold
	}
	if api != nil && api.Topology != "" {
		v.Topology = api.Topology
	}
	row := func(r Replica) MemberView {
		m := MemberView{Type: r.Type, ClusterID: r.ClusterID, ServiceName: r.ServiceName, URL: r.URL,
			Priority: r.Priority, State: StateUnknown}
		if c, ok := s.Clusters[r.ClusterID]; ok && r.ClusterID != "" {
			m.Endpoint = c.Endpoint
		}
		return m
	}
	listed := func(r Replica) *FederationMember {
		if api == nil {
			return nil
		}
		for i := range api.Members {
			if sameMember(api.Members[i].Replica, r) {
				return &api.Members[i]
			}
		}
		return nil
	}
	if def != nil {
		for _, r := range def.Members {
			m := row(r)
			m.Defined = true
			if l := listed(r); l != nil {
				m.Listed, m.State = true, cmp.Or(l.State, StateUnknown)
			}
			v.Members = append(v.Members, m)
		}
	}
	if api != nil {
		for _, l := range api.Members {
			if def != nil && containsMember(def.Members, l.Replica) {
				continue
			}
			m := row(l.Replica)
			m.Listed, m.State = true, cmp.Or(l.State, StateUnknown)
			v.Members = append(v.Members, m)
		}
	}
	return v
}

func containsMember(list []Replica, r Replica) bool {
	for _, x := range list {
		if sameMember(x, r) {
			return true
		}
	}
	return false
}
