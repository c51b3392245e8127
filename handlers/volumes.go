package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/volume"
)

// volumePath is the console path of a volume page, or of one of its sub-pages.
func volumePath(name string, sub ...string) string { return namedPath("/volumes/", name, sub...) }

// volumeName reads and checks the {name} path value of a volume page.
func volumeName(r *http.Request) (string, error) {
	n := r.PathValue("name")
	if !validName(n) {
		return "", notFound("There is no volume with that name.")
	}
	return n, nil
}

// requireVolumes refuses the volumes pages on a cluster that has managed volumes off. The
// features are cached by the client; OSCAR down gives its error page.
func (p *Pages) requireVolumes(r *http.Request) error {
	ep, cr := p.creds(r)
	f, err := p.oscar.Features(r.Context(), ep, cr)
	if err != nil {
		return fmt.Errorf("handlers: cluster features for volumes: %w", err)
	}
	if !f.Volumes {
		return &userError{http.StatusNotFound, "This cluster has no volumes",
			"Managed volumes are turned off on this OSCAR cluster (VOLUME_ENABLE). Services can still use buckets for their files."}
	}
	return nil
}

// volumeData is what the volumes pages read from OSCAR, concurrently.
type volumeData struct {
	volumes     []oscar.ManagedVolume
	one         *oscar.ManagedVolume
	services    []oscar.Service
	users       map[string][]volume.Use
	servicesErr error
	quota       *oscar.VolumeQuota
}

// readVolumes reads, at once: the volumes (all, or the one named), the services (one call, for who
// uses each volume) and, for an EGI Check-in user, the volume quota. Only the volumes are
// required: without the services "used by" is unknown; without a quota none is applied here
// (OSCAR still applies it).
func (p *Pages) readVolumes(r *http.Request, name string, wantQuota bool) (*volumeData, error) {
	ep, cr := p.creds(r)
	d := &volumeData{}
	g, ctx := newCalls(r.Context())
	g.Go(func() error {
		var err error
		if name == "" {
			d.volumes, err = p.oscar.Volumes(ctx, ep, cr)
			return err
		}
		d.one, err = p.oscar.Volume(ctx, ep, cr, name)
		return err
	})
	g.Go(func() error {
		d.services, d.servicesErr = p.oscar.Services(ctx, ep, cr, false)
		return nil
	})
	if wantQuota && cr.Bearer() {
		g.Go(func() error {
			if q, err := p.oscar.UserQuota(ctx, ep, cr); err == nil {
				d.quota = q.Volumes
			} else {
				p.log.InfoContext(ctx, "volume quota unavailable", "err", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if d.servicesErr != nil {
		p.log.InfoContext(r.Context(), "volumes: services unavailable", "err", d.servicesErr)
	}
	ns := "" // the caller's namespace, where all their volumes are
	if d.one != nil {
		ns = d.one.Namespace
	} else if len(d.volumes) > 0 {
		ns = d.volumes[0].Namespace
	}
	d.users = volume.Users(d.services, ns)
	return d, nil
}

// servicesProblem words a failed services list for the volumes pages.
func servicesProblem(err error) string {
	if err == nil {
		return ""
	}
	return "The console could not read your services, so which services use each volume is not shown" + reason(err)
}

// volumeUses links each service that uses a volume.
func volumeUses(us []volume.Use) []templates.VolumeUse {
	out := make([]templates.VolumeUse, 0, len(us))
	for _, u := range us {
		out = append(out, templates.VolumeUse{Service: u.Service, URL: servicePath(u.Service), MountPath: u.MountPath})
	}
	return out
}

// phaseClass colours a volume's phase.
func phaseClass(phase string) string {
	switch phase {
	case "ready", "in_use":
		return "ok"
	case "pending", "deleting":
		return "warn"
	case "error":
		return "bad"
	}
	return ""
}

// phaseText is a volume phase in words.
func phaseText(phase string) string {
	return strings.ReplaceAll(phase, "_", " ")
}

// createdBy says how a volume came to be.
func createdBy(v *oscar.ManagedVolume) string {
	switch {
	case v.CreatedByService != "":
		return "service " + v.CreatedByService
	case v.CreationMode == "api":
		return "API or console"
	}
	return v.CreationMode
}

// quotaLine words the user's volume quota; "" when OSCAR gave none.
func quotaLine(q *oscar.VolumeQuota) string {
	if q == nil {
		return ""
	}
	var parts []string
	if d := q.Disk; d != nil && d.Max != "" {
		parts = append(parts, "disk "+cmp.Or(d.Used, "0")+" used of "+d.Max)
	}
	if v := q.Volumes; v != nil && v.Max != "" {
		parts = append(parts, cmp.Or(v.Used, "0")+" of "+v.Max+" volumes")
	}
	if q.MinDiskPerVolume != "" && q.MaxDiskPerVolume != "" {
		parts = append(parts, "each volume "+q.MinDiskPerVolume+" to "+q.MaxDiskPerVolume)
	}
	if len(parts) == 0 {
		return ""
	}
	return "Your volume quota: " + strings.Join(parts, "; ") + "."
}

// listVolumes handles "GET /volumes": the caller's volumes, who uses each (one services call), sorted
// by a column.
func (p *Pages) listVolumes(w http.ResponseWriter, r *http.Request) error {
	if err := p.requireVolumes(r); err != nil {
		return err
	}
	d, err := p.readVolumes(r, "", true)
	if err != nil {
		return fmt.Errorf("handlers: list volumes: %w", err)
	}
	q := r.URL.Query()
	key, desc := q.Get("sort"), q.Get("dir") == "desc"
	known := false
	for _, k := range volume.SortKeys {
		known = known || k.Key == key
	}
	if !known {
		key = "name"
	}
	volume.Sort(d.volumes, d.users, key, desc)
	props := templates.VolumesProps{ServicesProblem: servicesProblem(d.servicesErr), Quota: quotaLine(d.quota)}
	for _, k := range volume.SortKeys {
		c := templates.SortColumn{Label: k.Label, AriaSort: "none"}
		v := url.Values{"sort": {k.Key}}
		if k.Key == key {
			if desc {
				c.AriaSort = "descending"
			} else {
				c.AriaSort = "ascending"
				v.Set("dir", "desc")
			}
		}
		c.Href = withQuery("/volumes", v)
		props.Columns = append(props.Columns, c)
	}
	for i := range d.volumes {
		v := &d.volumes[i]
		props.Rows = append(props.Rows, templates.VolumeRow{
			Name: v.Name, URL: volumePath(v.Name), DeleteURL: volumePath(v.Name, "delete"), Size: v.Size,
			Phase: phaseText(v.Status.Phase), PhaseClass: phaseClass(v.Status.Phase), CreatedBy: createdBy(v),
			Users: volumeUses(d.users[v.Name]),
		})
	}
	return p.render(w, r, http.StatusOK, templates.VolumesPage(p.layout(r, "Volumes", "volumes"), props))
}

// volumeQuota reads the caller's volume quota for the create form; nil for the Basic-auth admin
// (OSCAR keeps none) or when OSCAR does not say.
func (p *Pages) volumeQuota(r *http.Request) *oscar.VolumeQuota {
	ep, cr := p.creds(r)
	if !cr.Bearer() {
		return nil
	}
	q, err := p.oscar.UserQuota(r.Context(), ep, cr)
	if err != nil {
		p.log.InfoContext(r.Context(), "volume quota unavailable", "err", err)
		return nil
	}
	return q.Volumes
}

// renderVolumeForm renders the create page with props, the units and the quota.
func (p *Pages) renderVolumeForm(w http.ResponseWriter, r *http.Request, status int, props templates.VolumeNewProps, q *oscar.VolumeQuota) error {
	props.Units = volume.Units
	props.Quota, props.Full = quotaLine(q), volume.CheckCount(q)
	return p.render(w, r, status, templates.VolumeNewPage(p.layout(r, "New volume", "volumes"), props))
}

// showVolumeForm handles "GET /volumes/new".
func (p *Pages) showVolumeForm(w http.ResponseWriter, r *http.Request) error {
	if err := p.requireVolumes(r); err != nil {
		return err
	}
	props := templates.VolumeNewProps{Form: templates.VolumeForm{Amount: "1", Unit: "Gi"}}
	return p.renderVolumeForm(w, r, http.StatusOK, props, p.volumeQuota(r))
}

// createVolume handles "POST /volumes/new": checks the name and size (within the quota), then asks
// OSCAR. Bad input, or OSCAR refusing it, shows the form again with the message at its field and
// the input kept (422).
func (p *Pages) createVolume(w http.ResponseWriter, r *http.Request) error {
	form, err := formValues(r)
	if err != nil {
		return err
	}
	f := volume.Form{Name: strings.TrimSpace(form.Get("name")), Amount: strings.TrimSpace(form.Get("amount")), Unit: form.Get("unit")}
	props := templates.VolumeNewProps{Form: templates.VolumeForm{Name: f.Name, Amount: f.Amount, Unit: f.Unit}, Errors: templates.FieldErrors{}}
	q := p.volumeQuota(r)
	for k, m := range volume.Check(f, q) {
		props.Errors[k] = m
	}
	if len(props.Errors) > 0 {
		return p.renderVolumeForm(w, r, http.StatusUnprocessableEntity, props, q)
	}
	ep, cr := p.creds(r)
	v, err := p.oscar.CreateVolume(r.Context(), ep, cr, oscar.VolumeCreateRequest{Name: f.Name, Size: f.Size()})
	if err != nil {
		field, msg, ok := volume.Refusal(err)
		if !ok {
			return fmt.Errorf("handlers: create volume %q: %w", f.Name, err)
		}
		if field == "" {
			props.Problem = msg
		} else {
			props.Errors[field] = msg
		}
		return p.renderVolumeForm(w, r, http.StatusUnprocessableEntity, props, q)
	}
	p.session(r).Data.AddFlash("Volume " + v.Name + " created (" + v.Size + ").")
	return p.redirect(w, r, volumePath(cmp.Or(v.Name, f.Name)))
}

// loadVolume reads the {name} volume of a volume page and the services that use it.
func (p *Pages) loadVolume(r *http.Request) (string, *volumeData, error) {
	name, err := volumeName(r)
	if err != nil {
		return "", nil, err
	}
	if err := p.requireVolumes(r); err != nil {
		return "", nil, err
	}
	d, err := p.readVolumes(r, name, false)
	if err != nil {
		return "", nil, fmt.Errorf("handlers: get volume %q: %w", name, err)
	}
	return name, d, nil
}

// showVolume handles "GET /volumes/{name}": its details and the services that mount it.
func (p *Pages) showVolume(w http.ResponseWriter, r *http.Request) error {
	name, d, err := p.loadVolume(r)
	if err != nil {
		return err
	}
	v := d.one
	props := templates.VolumeProps{
		Name: v.Name, Phase: phaseText(v.Status.Phase), PhaseClass: phaseClass(v.Status.Phase), Message: v.Status.Message,
		Users: volumeUses(d.users[name]), ServicesProblem: servicesProblem(d.servicesErr), DeleteURL: volumePath(name, "delete"),
		Details: []templates.KV{
			{Key: "Size", Value: v.Size},
			{Key: "Created by", Value: createdBy(v)},
			{Key: "When its creator is deleted", Value: lifecycleText(v)},
			{Key: "Owner", Value: v.OwnerUser},
			{Key: "Namespace", Value: v.Namespace},
			{Key: "Claim (PVC)", Value: v.PVCName},
		},
	}
	return p.render(w, r, http.StatusOK, templates.VolumePage(p.layout(r, "Volume "+name, "volumes"), props))
}

// lifecycleText says what happens to a volume when the service that created it is deleted.
func lifecycleText(v *oscar.ManagedVolume) string {
	switch {
	case v.CreatedByService == "":
		return "not tied to a service"
	case v.LifecyclePolicy == "retain":
		return "kept (retain)"
	}
	return "deleted with it (delete)"
}

// confirmDeleteVolume handles "GET /volumes/{name}/delete": the confirmation, or, while services
// mount the volume, the list of them (OSCAR refuses the delete until they are gone).
func (p *Pages) confirmDeleteVolume(w http.ResponseWriter, r *http.Request) error {
	return p.renderVolumeDelete(w, r, http.StatusOK, "")
}

// renderVolumeDelete reads the volume and its users and renders the delete page.
func (p *Pages) renderVolumeDelete(w http.ResponseWriter, r *http.Request, status int, refused string) error {
	name, d, err := p.loadVolume(r)
	if err != nil {
		return err
	}
	props := templates.VolumeDeleteProps{Name: name, Users: volumeUses(d.users[name]), Refused: refused,
		Action: volumePath(name, "delete"), CancelURL: volumePath(name)}
	return p.render(w, r, status, templates.VolumeDeletePage(p.layout(r, "Delete volume "+name, "volumes"), props))
}

// deleteVolume handles "POST /volumes/{name}/delete". OSCAR refuses (400) while a service mounts the
// volume: the page then says so and names the services.
func (p *Pages) deleteVolume(w http.ResponseWriter, r *http.Request) error {
	name, err := volumeName(r)
	if err != nil {
		return err
	}
	if _, err := formValues(r); err != nil {
		return err
	}
	ep, cr := p.creds(r)
	if err := p.oscar.DeleteVolume(r.Context(), ep, cr, name); err != nil {
		var oe *oscar.Error
		if errors.As(err, &oe) && oe.BadInput() {
			return p.renderVolumeDelete(w, r, http.StatusConflict, oe.UserMessage())
		}
		return fmt.Errorf("handlers: delete volume %q: %w", name, err)
	}
	p.session(r).Data.AddFlash("Volume " + name + " deleted.")
	return p.redirect(w, r, "/volumes")
}
