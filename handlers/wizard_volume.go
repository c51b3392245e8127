package handlers

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

// wizardVolumes lists the caller's volumes for the Storage step's picker, when the cluster offers
// volumes (or cannot say). A failure leaves the picker a text field.
func (p *Pages) wizardVolumes(r *http.Request, env *wizard.Env) {
	if env.FeaturesKnown && !env.Features.Volumes {
		return
	}
	ep, cr := p.creds(r)
	vs, err := p.oscar.Volumes(r.Context(), ep, cr)
	if err != nil {
		p.log.InfoContext(r.Context(), "wizard: volumes unknown", "err", err)
		return
	}
	for _, v := range vs {
		env.Volumes = append(env.Volumes, v.Name)
	}
	env.VolumesKnown = true
}

// serviceVolumeKV describes a service's volume for its page: what it mounts where, and the
// volume_status OSCAR reports (enabled, name, phase, error).
func serviceVolumeKV(s *oscar.Service) []templates.KV {
	var out []templates.KV
	if v := s.Volume; v != nil {
		what := "existing volume " + s.VolumeName()
		if strings.TrimSpace(v.Size) != "" {
			what = "volume " + s.VolumeName() + " (" + v.Size + ", created with the service, " +
				cmp.Or(map[string]string{"retain": "kept", "delete": "deleted"}[v.LifecyclePolicy], "deleted") + " with it)"
		}
		out = append(out, templates.KV{Key: "Volume", Value: what + " at " + v.MountPath})
	}
	if st := s.VolumeStatus; st != nil && (st.Enabled || s.Volume != nil) {
		status := "not enabled"
		if st.Enabled {
			status = cmp.Or(strings.ReplaceAll(st.Phase, "_", " "), "enabled")
			if st.Name != "" {
				status = st.Name + ": " + status
			}
		}
		if st.Error != "" {
			status += " (" + st.Error + ")"
		}
		out = append(out, templates.KV{Key: "Volume status", Value: status})
	}
	return out
}
