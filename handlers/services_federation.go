package handlers

import (
	"errors"
	"strconv"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// federationProps fills the service page's federation section from the service's definition and
// the federation API's answer (fed, or the error that came instead). Nil when the service has no
// federation and the API lists no member. A failing API call is said in the section; the members
// of the definition are still shown, their state unknown.
func federationProps(s *oscar.Service, fed *oscar.FederationInfo, fedErr error) *templates.FederationSection {
	if fedErr != nil {
		fed = nil
	}
	v := oscar.ViewFederation(s, fed)
	if v == nil {
		return nil
	}
	sec := &templates.FederationSection{Topology: v.Topology}
	kv := func(k, val string) {
		if val != "" {
			sec.Props = append(sec.Props, templates.KV{Key: k, Value: val})
		}
	}
	kv("Topology", v.Topology)
	kv("Group", v.GroupID)
	kv("Delegation", v.Delegation)
	if v.ReschedulerThreshold > 0 {
		kv("Rescheduler threshold", strconv.Itoa(v.ReschedulerThreshold)+" s")
	}
	for _, m := range v.Members {
		row := templates.FederationMemberRow{Type: m.Type, ClusterID: m.ClusterID, ServiceName: m.ServiceName,
			URL: m.URL, Endpoint: m.Endpoint, Priority: strconv.Itoa(m.Priority), State: m.State}
		switch {
		case fedErr != nil:
		case !m.Listed:
			row.Note = "not listed by OSCAR's federation API"
		case !m.Defined:
			row.Note = "listed by OSCAR's federation API, not in the definition"
		}
		sec.Members = append(sec.Members, row)
	}
	if fedErr != nil {
		sec.Problem = federationProblem(fedErr)
	}
	return sec
}

// federationProblem says why the federation API gave no answer, without OSCAR's text.
func federationProblem(err error) string {
	var oe *oscar.Error
	if errors.As(err, &oe) {
		switch {
		case oe.NotFound():
			return "OSCAR's federation API does not know this service (clusters before OSCAR 4 do not have it): the members' state is unknown."
		case oe.Denied():
			return "OSCAR does not let you read this service's federation: the members' state is unknown."
		}
	}
	return "OSCAR's federation API did not answer: the members' state is unknown. Reload the page to try again."
}
