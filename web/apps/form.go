package apps

import (
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/volume"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

// The form's fields, as named in its inputs and in Errors.
const (
	FieldName       = "name"
	FieldVO         = "vo"
	FieldSecret     = "secret"
	FieldCPU        = "cpu"
	FieldMemory     = "memory"
	FieldWorkspace  = "workspace"
	FieldBucket     = "bucket"
	FieldVolume     = "volume"
	FieldVolumeName = "volume.name"
	FieldVolumeSize = "volume.size" // the amount input is "volume.amount", the unit "volume.unit"
)

// Secret length bounds.
const (
	minSecret = 8
	maxSecret = 256
)

// Form is what the user typed. Secret is never rendered back.
type Form struct {
	Name, VO, Secret, CPU, Memory string
	Workspace                     string
	Bucket, Volume                string
	VolumeName, VolumeAmount      string
	VolumeUnit                    string
}

// Errors maps a field to its message.
type Errors map[string]string

// Env is what the form is checked against: the VOs the user may choose (the cluster's OIDC groups
// the user is in; every group for a basic-auth account), the cluster's groups, and whether the
// cluster has managed volumes.
type Env struct {
	VOChoices  []string
	ClusterVOs []string
	Volumes    bool
}

// NewForm is the form a kind starts with: a fresh name, the first VO the user may choose, the
// kind's CPU and memory, its default workspace.
func NewForm(k Kind, env Env) Form {
	f := Form{Name: NewName(k), CPU: k.CPU, Memory: k.Memory, Workspace: k.Workspaces[0], VolumeAmount: "1", VolumeUnit: "Gi"}
	if len(env.VOChoices) > 0 {
		f.VO = env.VOChoices[0]
	}
	if !env.Volumes && (f.Workspace == WorkspaceVolume || f.Workspace == WorkspaceNewVolume) {
		f.Workspace = WorkspaceBucket
	}
	return f
}

// ReadForm reads a posted form.
func ReadForm(v url.Values) Form {
	return Form{
		Name: strings.ToLower(form.Line(v.Get(FieldName))), VO: form.Line(v.Get(FieldVO)),
		// The secret is kept as typed, but bounded: a password may hold spaces.
		Secret: form.Bound(v.Get(FieldSecret), maxSecret+1),
		CPU:    form.Line(v.Get(FieldCPU)), Memory: form.Line(v.Get(FieldMemory)),
		Workspace: v.Get(FieldWorkspace), Bucket: form.Line(v.Get(FieldBucket)), Volume: form.Line(v.Get(FieldVolume)),
		VolumeName: form.Line(v.Get(FieldVolumeName)), VolumeAmount: form.Line(v.Get("volume.amount")),
		VolumeUnit: v.Get("volume.unit"),
	}
}

// reservedNames are names the console's own pages use under /apps/ and /services/.
var reservedNames = map[string]bool{"new": true, "import": true, "delete": true, "export": true}

// Validate checks the form for kind k; an empty map means it may be sent.
func Validate(k Kind, f Form, env Env) Errors {
	errs := Errors{}
	if m := wizard.CheckName(f.Name); m != "" {
		errs[FieldName] = m
	} else if reservedNames[f.Name] {
		errs[FieldName] = "“" + f.Name + "” is reserved by the console; choose another name."
	}
	switch {
	case len(env.ClusterVOs) == 0:
	case len(env.VOChoices) == 0:
		errs[FieldVO] = "You are not a member of any VO this cluster accepts (" + strings.Join(env.ClusterVOs, ", ") + "), so OSCAR would refuse the app."
	case f.VO == "":
		errs[FieldVO] = "Choose the VO the app belongs to."
	case !slices.Contains(env.VOChoices, f.VO):
		errs[FieldVO] = "Choose one of your VOs: " + strings.Join(env.VOChoices, ", ") + "."
	}
	if k.Asked() && f.Secret != "" {
		if m := checkSecret(f.Secret); m != "" {
			errs[FieldSecret] = m
		}
	}
	if f.CPU == "" {
		errs[FieldCPU] = "Enter the CPU, for example 0.5 or 1."
	} else if m := wizard.CheckCPU(f.CPU); m != "" {
		errs[FieldCPU] = m
	}
	if f.Memory == "" {
		errs[FieldMemory] = "Enter the memory, for example 512Mi or 2Gi."
	} else if m := wizard.CheckMemory(f.Memory); m != "" {
		errs[FieldMemory] = m
	}
	validateWorkspace(k, f, env, errs)
	return errs
}

func checkSecret(s string) string {
	switch {
	case len(s) < minSecret:
		return "Use at least 8 characters, or leave it empty and the console makes one."
	case len(s) > maxSecret:
		return "Use at most 256 characters."
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "Use printable characters only."
	}
	return ""
}

func validateWorkspace(k Kind, f Form, env Env, errs Errors) {
	if !k.Offers(f.Workspace) {
		errs[FieldWorkspace] = "Choose where the app keeps its files."
		return
	}
	volumeMode := f.Workspace == WorkspaceVolume || f.Workspace == WorkspaceNewVolume
	if volumeMode && !env.Volumes {
		errs[FieldWorkspace] = "This cluster has no managed volumes; use a bucket."
		return
	}
	switch f.Workspace {
	case WorkspaceBucket:
		if f.Bucket == "" {
			errs[FieldBucket] = "Enter the bucket: one of yours, or a new name (OSCAR creates it)."
		} else if m := wizard.CheckBucket(f.Bucket); m != "" {
			errs[FieldBucket] = m
		}
	case WorkspaceVolume:
		if f.Volume == "" {
			errs[FieldVolume] = "Choose the volume to use."
		} else if m := volume.CheckName(f.Volume); m != "" {
			errs[FieldVolume] = m
		}
	case WorkspaceNewVolume:
		if f.VolumeName == "" {
			errs[FieldVolumeName] = "Enter a name for the new volume."
		} else if m := volume.CheckName(f.VolumeName); m != "" {
			errs[FieldVolumeName] = m
		}
		if m := volume.CheckSize(volume.Form{Amount: f.VolumeAmount, Unit: f.VolumeUnit}, nil); m != "" {
			errs[FieldVolumeSize] = m
		}
	}
}
