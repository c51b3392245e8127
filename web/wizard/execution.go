package wizard

import (
	"fmt"
	"math/big"
	"net/url"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The General step's Execution section: how OSCAR runs the service's container. A control is
// offered when the cluster supports it (its /system/config), when that is unknown, or when the
// service already uses it (so an edit keeps it and can clear it); a control not offered leaves
// its field as it is.

// Isolation levels of OSCAR's isolation_level.
const (
	isolationService = "SERVICE"
	isolationUser    = "USER"
)

// syncControl: Knative's scale bounds, for a serverless backend.
func syncControl(d *Draft, env Env) bool {
	return !env.FeaturesKnown || env.Features.ServerlessBackend != "" || d.Service.Synchronous != nil
}

// interLinkControl: the InterLink virtual node, for a cluster with InterLink.
func interLinkControl(d *Draft, env Env) bool {
	return !env.FeaturesKnown || env.Features.InterLink || d.Service.InterLinkNodeName != ""
}

func parseExecution(d *Draft, v url.Values, env Env) {
	s := &d.Service
	if syncControl(d, env) {
		min, max := 0, 0
		if s.Synchronous != nil {
			min, max = s.Synchronous.MinScale, s.Synchronous.MaxScale
		}
		d.readInt(v, "synchronous.min_scale", &min, 0)
		d.readInt(v, "synchronous.max_scale", &max, 0)
		switch {
		case s.Synchronous != nil:
			s.Synchronous.MinScale, s.Synchronous.MaxScale = min, max
		case min != 0 || max != 0:
			s.Synchronous = &oscar.Synchronous{MinScale: min, MaxScale: max}
		}
	}
	s.ImagePrefetch = v.Get("image_prefetch") == "true"
	s.FileStageIn = v.Get("file_stage_in") == "true"
	s.EnableSGX = v.Get("enable_sgx") == "true"
	s.EphemeralStorageRequest = form.Line(v.Get("ephemeral_storage_request"))
	// An empty isolation is OSCAR's default (SERVICE); the select's first choice posts "" so that
	// a service without the member keeps it absent.
	s.IsolationLevel = strings.ToUpper(form.Line(v.Get("isolation_level")))
	if interLinkControl(d, env) {
		s.InterLinkNodeName = form.Line(v.Get("interlink_node_name"))
	}
}

func validateExecution(d *Draft, env Env, p *Problems) {
	s := &d.Service
	badMin := d.checkTyped(p, "synchronous.min_scale", "a whole number")
	badMax := d.checkTyped(p, "synchronous.max_scale", "a whole number")
	if sc := s.Synchronous; sc != nil {
		switch {
		case !badMin && sc.MinScale < 0:
			p.add("synchronous.min_scale", "The minimum scale cannot be negative.")
		case !badMax && sc.MaxScale < 0:
			p.add("synchronous.max_scale", "The maximum scale cannot be negative (0 means no limit).")
		case !badMin && !badMax && sc.MaxScale > 0 && sc.MaxScale < sc.MinScale:
			p.add("synchronous.max_scale", fmt.Sprintf("The maximum scale (%d) is below the minimum (%d).", sc.MaxScale, sc.MinScale))
		}
	}
	if e := s.EphemeralStorageRequest; e != "" {
		if q, err := oscar.ParseQuantity(e); err != nil {
			p.add("ephemeral_storage_request", "Give the scratch space with a unit: 1Gi, 500Mi.")
		} else if q.Cmp(big.NewRat(1<<20, 1)) < 0 {
			p.add("ephemeral_storage_request", fmt.Sprintf("%s is less than 1 MiB; did you mean %sMi?", e, strings.TrimRight(e, "kKMGTPEimun")))
		}
	}
	switch s.IsolationLevel {
	case "", isolationService, isolationUser:
	default:
		p.add("isolation_level", "Choose SERVICE or USER.")
	}
	if n := s.InterLinkNodeName; n != "" && !matches(reSecretName, n) {
		p.add("interlink_node_name", fmt.Sprintf("%q is not a Kubernetes node name (lower-case letters, digits, - and .).", n))
	}
}

func executionProps(d *Draft, env Env) *templates.WizardExecution {
	s := d.Service
	x := &templates.WizardExecution{
		Sync:          syncControl(d, env),
		ImagePrefetch: s.ImagePrefetch,
		FileStageIn:   s.FileStageIn,
		EnableSGX:     s.EnableSGX,
		Ephemeral:     s.EphemeralStorageRequest,
		BucketList:    strings.Join(s.BucketList, ", "),
		InterLink:     interLinkControl(d, env),
		InterLinkNode: s.InterLinkNodeName,
	}
	var min, max int
	if s.Synchronous != nil {
		min, max = s.Synchronous.MinScale, s.Synchronous.MaxScale
	}
	x.MinScale, x.MaxScale = d.shownInt("synchronous.min_scale", min), d.shownInt("synchronous.max_scale", max)
	x.Isolations = options([]string{"", isolationService, isolationUser}, s.IsolationLevel, func(v string) string {
		switch v {
		case "":
			return "OSCAR's default (SERVICE)"
		case isolationUser:
			return "USER: a private bucket for each allowed user"
		}
		return "SERVICE: the service's buckets are shared"
	})
	return x
}
