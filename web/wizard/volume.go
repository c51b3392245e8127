package wizard

import (
	"net/url"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/volume"
)

// The Storage step's Volume section: mount an existing managed volume, or have OSCAR create one
// with the service (OSCAR's volume member: name, size, mount_path, lifecycle_policy). OSCAR refuses
// any change of volume after creation, so an edit shows it read-only and sends it back unchanged.

// The volume modes of the form.
const (
	volumeNone     = "none"
	volumeExisting = "existing"
	volumeNew      = "new"
)

// volumeMode is how the draft uses a volume: the mode the user chose, else what the definition
// says (a size asks OSCAR to create the volume; a name alone mounts an existing one).
func (d *Draft) volumeMode() string {
	if d.VolumeMode != "" {
		return d.VolumeMode
	}
	switch v := d.Service.Volume; {
	case v == nil:
		return volumeNone
	case strings.TrimSpace(v.Size) != "":
		return volumeNew
	}
	return volumeExisting
}

// parseVolume reads the Volume section of the Storage step. An edit keeps the stored volume.
func parseVolume(d *Draft, v url.Values) {
	if d.Mode == ModeEdit || !v.Has("volume.mode") {
		return
	}
	mode := v.Get("volume.mode")
	mount := form.Line(v.Get("volume.mount_path"))
	switch mode {
	case volumeExisting:
		d.Service.Volume = &oscar.ServiceVolume{Name: form.Line(v.Get("volume.existing")), MountPath: mount}
	case volumeNew:
		f := volume.Form{Amount: form.Line(v.Get("volume.amount")), Unit: v.Get("volume.unit")}
		d.Service.Volume = &oscar.ServiceVolume{Name: form.Line(v.Get("volume.name")), Size: f.Size(), MountPath: mount,
			LifecyclePolicy: form.Line(v.Get("volume.lifecycle_policy"))}
	default:
		mode, d.Service.Volume = volumeNone, nil
	}
	d.VolumeMode = mode
}

// validateVolume checks the Volume section (not on an edit: the volume cannot change).
func validateVolume(d *Draft, p *Problems) {
	v := d.Service.Volume
	if d.Mode == ModeEdit || v == nil {
		return
	}
	switch d.volumeMode() {
	case volumeExisting:
		if strings.TrimSpace(v.Name) == "" {
			p.add("volume.existing", "Choose the volume to mount.")
		} else if m := volume.CheckName(v.Name); m != "" && v.Name != "new" {
			p.add("volume.existing", m)
		}
	case volumeNew:
		if v.Name != "" {
			if m := volume.CheckName(v.Name); m != "" {
				p.add("volume.name", m)
			}
		}
		amount, unit := volume.SplitSize(v.Size)
		if m := volume.CheckSize(volume.Form{Amount: amount, Unit: unit}, nil); m != "" {
			p.add("volume.size", m)
		}
		if !slices.Contains([]string{"", "delete", "retain"}, v.LifecyclePolicy) {
			p.add("volume.lifecycle_policy", "Choose delete or retain.")
		}
	}
	if m := volume.CheckMountPath(v.MountPath); m != "" {
		p.add("volume.mount_path", m)
	}
}

// volumeProps lays out the Volume section. It is shown when the cluster offers volumes (or cannot
// say), and always when the service has one.
func volumeProps(d *Draft, env Env) *templates.WizardVolume {
	v := d.Service.Volume
	if env.FeaturesKnown && !env.Features.Volumes && v == nil {
		return nil
	}
	w := &templates.WizardVolume{Mode: d.volumeMode(), ReadOnly: d.Mode == ModeEdit, Units: volume.Units,
		Unit: "Gi", Lifecycle: "delete", ChoicesKnown: env.VolumesKnown}
	if v != nil {
		w.MountPath = v.MountPath
		switch w.Mode {
		case volumeExisting:
			w.Existing = v.Name
		case volumeNew:
			w.Name = v.Name
			w.Amount, w.Unit = volume.SplitSize(v.Size)
			if v.LifecyclePolicy != "" {
				w.Lifecycle = v.LifecyclePolicy
			}
		}
		w.Summary = volumeSummary(&d.Service)
	}
	w.Choices = templates.VolumeChoices(env.Volumes, w.Existing)
	w.ServiceName = d.Service.Name
	return w
}

// volumeSummary says in words what a service's volume is: "volume data (2Gi, created with the
// service, deleted with it) at /data".
func volumeSummary(s *oscar.Service) string {
	v := s.Volume
	if v == nil {
		return ""
	}
	name := s.VolumeName()
	if strings.TrimSpace(v.Size) == "" {
		return "existing volume " + name + " at " + v.MountPath
	}
	life := "deleted with the service"
	if v.LifecyclePolicy == "retain" {
		life = "kept when the service is deleted"
	}
	return "new volume " + name + " (" + v.Size + ", " + life + ") at " + v.MountPath
}

// volumeRefusal places OSCAR's refusals about the volume on the Storage step's field; nil when oe
// is about something else.
func volumeRefusal(d *Draft, oe *oscar.Error) *Refusal {
	low := strings.ToLower(oe.Message)
	if d.Service.Volume == nil || !strings.Contains(low, "volume") {
		return nil
	}
	field := ""
	switch {
	case strings.Contains(low, "mount path"):
		field = "volume.mount_path"
	case strings.Contains(low, "does not exist"):
		field = "volume.existing"
	case strings.Contains(low, "already exists"), strings.Contains(low, "volume name"):
		field = "volume.name"
		if d.volumeMode() == volumeExisting {
			field = "volume.existing"
		}
	case strings.Contains(low, "size"), strings.Contains(low, "quota"):
		field = "volume.size"
	case strings.Contains(low, "lifecycle"):
		field = "volume.lifecycle_policy"
	}
	if d.Mode == ModeEdit {
		field = "" // nothing to change there: the volume is read-only
	}
	return &Refusal{Step: Storage, Field: field, Message: oe.UserMessage()}
}
