package templates

// Props of the volumes screens (handlers/volumes.go) and of the wizard's volume section.

// VolumeUse is a service that mounts a volume.
type VolumeUse struct {
	Service   string
	URL       string // the service's page
	MountPath string
}

// VolumeRow is one volume in the volumes list.
type VolumeRow struct {
	Name       string
	URL        string
	DeleteURL  string
	Size       string
	Phase      string
	PhaseClass string // ok, warn, bad or ""
	CreatedBy  string // "API", or "service X"
	Users      []VolumeUse
}

// VolumesProps fills the volumes list.
type VolumesProps struct {
	Rows    []VolumeRow
	Columns []SortColumn
	// ServicesProblem says that the services list could not be read, so "Used by" is unknown.
	ServicesProblem string
	// Quota is a line about the user's volume quota, when OSCAR gives one.
	Quota string
}

// VolumeForm is the create form as the user filled it.
type VolumeForm struct {
	Name   string
	Amount string
	Unit   string
}

// VolumeNewProps fills the create page.
type VolumeNewProps struct {
	Form    VolumeForm
	Units   []string
	Errors  FieldErrors
	Problem string
	Quota   string // the quota in words, when known
	Full    string // the quota allows no more volumes: why
}

// VolumeProps fills a volume's page.
type VolumeProps struct {
	Name            string
	Details         []KV
	Phase           string
	PhaseClass      string
	Message         string
	Users           []VolumeUse
	ServicesProblem string
	DeleteURL       string
}

// VolumeDeleteProps fills the delete confirmation. While Users is not empty OSCAR refuses the
// delete, and the page says so instead of offering it.
type VolumeDeleteProps struct {
	Name      string
	Users     []VolumeUse
	Refused   string // OSCAR refused the delete (shown after a POST)
	Action    string
	CancelURL string
}

// WizardVolume is the Storage step's Volume section: none, an existing volume, or a new one.
type WizardVolume struct {
	Mode     string // none, existing or new
	ReadOnly bool   // an edit: OSCAR refuses volume changes after creation
	Summary  string // the volume in words (read-only view)
	// Existing is the chosen volume; Choices lists the user's volumes (ChoicesKnown: OSCAR said).
	Existing     string
	Choices      []WizardOption
	ChoicesKnown bool
	// Name, Amount, Unit and Lifecycle describe a new volume.
	Name, Amount, Unit, Lifecycle string
	Units                         []string
	MountPath                     string
	ServiceName                   string // a new volume without a name takes the service's
}
