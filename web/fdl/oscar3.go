package fdl

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// OSCAR 3 described a service's federation with three keys of the service itself: "replicas"
// (the members), "delegation" and "rescheduler_threshold". OSCAR 4 groups them under
// "federation", with the same member fields; a federation without a topology ("none") delegates
// to its members as OSCAR 3's replicas did, so the meaning is the same and Parse converts them.

// oscar3 holds a service's OSCAR 3 federation keys as read from the file.
type oscar3 struct {
	replicas         []oscar.Replica
	replicasLine     int
	delegation       string
	delegationLine   int
	threshold        int
	thresholdLine    int
	hasReplicas      bool
	hasDelegation    bool
	hasThreshold     bool
	federationInFile bool
}

// oscar3Keys takes the OSCAR 3 federation keys out of a service's mapping: it returns a copy of
// the mapping without them and what they held. A value of the wrong type is refused as any other.
func (w *walker) oscar3Keys(n *yaml.Node) (*yaml.Node, oscar3, error) {
	var v3 oscar3
	pairs, err := w.pairs(n, 0)
	if err != nil {
		return nil, v3, err
	}
	rest := *n
	rest.Content = nil
	for _, p := range pairs {
		k, v := p[0], p[1]
		var err error
		switch strings.ToLower(k.Value) {
		case "replicas":
			var val any
			if val, err = w.value(v, reflect.TypeFor[[]oscar.Replica](), "replicas"); err == nil {
				err = convert(val, &v3.replicas, v.Line)
			}
			v3.hasReplicas, v3.replicasLine = true, k.Line
		case "delegation":
			var val any
			if val, err = w.value(v, reflect.TypeFor[string](), "delegation"); err == nil && val != nil {
				v3.delegation = val.(string)
			}
			v3.hasDelegation, v3.delegationLine = true, k.Line
		case "rescheduler_threshold":
			var val any
			if val, err = w.value(v, reflect.TypeFor[int](), "rescheduler_threshold"); err == nil && val != nil {
				v3.threshold = int(val.(int32))
			}
			v3.hasThreshold, v3.thresholdLine = true, k.Line
		default:
			if strings.EqualFold(k.Value, "federation") {
				v3.federationInFile = true
			}
			rest.Content = append(rest.Content, k, v)
			continue
		}
		if err != nil {
			return nil, v3, err
		}
	}
	return &rest, v3, nil
}

// federationFrom converts the OSCAR 3 keys into s.Federation and says so in a warning; when the
// service also has a "federation", that one wins and the OSCAR 3 keys are ignored.
func (w *walker) federationFrom(s *oscar.Service, v3 oscar3) {
	type key struct {
		name, v4 string
		line     int
		has      bool
	}
	keys := []key{
		{"replicas", "federation.members", v3.replicasLine, v3.hasReplicas},
		{"delegation", "federation.delegation", v3.delegationLine, v3.hasDelegation},
		{"rescheduler_threshold", "federation.rescheduler_threshold", v3.thresholdLine, v3.hasThreshold},
	}
	for _, k := range keys {
		if !k.has {
			continue
		}
		if v3.federationInFile {
			w.warn(k.line, fmt.Sprintf("%q is the OSCAR 3 name of %q, which the service also has: ignored", k.name, k.v4))
			continue
		}
		w.warn(k.line, fmt.Sprintf("%q is the OSCAR 3 name of %q: converted", k.name, k.v4))
	}
	if v3.federationInFile || !v3.hasReplicas && !v3.hasDelegation && !v3.hasThreshold {
		return
	}
	s.Federation = &oscar.Federation{Members: v3.replicas, Delegation: v3.delegation, ReschedulerThreshold: v3.threshold}
}
