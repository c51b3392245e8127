package templates

import (
	"slices"
	"strings"
)

// WizardProps is one step of the service wizard (new service or edit). Handlers compute every
// control's name, value and message; the components only lay them out.
type WizardProps struct {
	Heading string // "New service" or "Edit service grey"
	Mode    string // "new" or "edit"
	// Base is the wizard's URL without the step: /services/new or /services/<name>/edit.
	Base  string
	Step  string // general, storage, inputs, outputs, expose, review
	Steps []WizardTab
	// Problem is a message for the step as a whole (an OSCAR refusal not tied to one control).
	Problem    string
	Errors     FieldErrors
	ErrorOrder []string
	// Notice is an informational line at the top (for example: the FDL named a script to upload).
	Notice string

	General *WizardGeneral
	Storage *WizardStorage
	IO      *WizardIO // the Inputs or Outputs step
	Expose  *WizardExpose
	Review  *WizardReview
}

// Action is the URL the step's form posts to.
func (w WizardProps) Action() string { return w.Base + "/" + w.Step }

// WizardTab is one step in the tabs across the top.
type WizardTab struct {
	Key     string
	Label   string
	Current bool
	Problem bool // the step has something to fix
}

// WizardOption is one choice of a select.
type WizardOption struct {
	Value    string
	Label    string
	Selected bool
}

// WizardGeneral is the General step.
type WizardGeneral struct {
	Name      string
	NameFixed bool // editing: the name cannot change
	Image     string
	CPU       string
	Memory    string
	LogLevels []WizardOption
	Script    string
	// ScriptFile is the file an imported FDL named as the script, still to upload.
	ScriptFile string
	// VOs are the choices of the VO select; VOFree shows a text input instead (the cluster's VOs
	// are unknown).
	VOs          []WizardOption
	VOFree       bool
	VO           string
	Visibilities []WizardOption
	AllowedUsers string // one per line
	Alpine       bool
	GPU          bool // show the GPU checkbox
	EnableGPU    bool
	PullSecrets  string
	Variables    []WizardKV
	Secrets      []WizardKV
	Annotations  []WizardKV
	Labels       []WizardKV
	Execution    *WizardExecution
}

// WizardKV is one key/value row. For secrets Value is always empty: Kept says a value is stored on
// the server (an empty input keeps it), Unknown that OSCAR did not return it.
type WizardKV struct {
	KeyName   string
	ValueName string
	RowName   string // hidden row number (secrets), "" otherwise
	Row       int
	Key       string
	Value     string
	Kept      bool
	Unknown   bool
	Remove    string // value of the remove button: "environment.variables[2]"
}

// WizardStorage is the Storage step.
type WizardStorage struct {
	Providers  []WizardProvider
	Kinds      []WizardOption // for "Add a storage provider"
	Volume     *WizardVolume  // nil: the cluster has no volumes (volume_props.go)
	Mount      *WizardMount
	Federation *WizardFederation
}

// WizardProvider is one defined storage provider.
type WizardProvider struct {
	Prefix    string // "storage_providers[2]"
	Kind      string // minio, s3, onedata, webdav, rucio
	KindLabel string
	Ref       string // "onedata.datahub" (or "onedata.<id>" while the id is empty)
	Row       int
	ID        string
	Fields    []WizardProviderField
}

// WizardProviderField is one control of a provider.
type WizardProviderField struct {
	Name     string // "storage_providers[2].token"
	Label    string
	Hint     string
	Value    string // always "" for secrets
	Secret   bool
	Kept     bool // a secret value is stored
	Bool     bool
	Checked  bool
	Required bool
}

// WizardIO is the Inputs or Outputs step.
type WizardIO struct {
	List    string // "input" or "output"
	Service string // the service's name, to explain one-segment paths
	Rows    []WizardIORow
	// Kinds explains which providers can be chosen.
	Kinds string
}

// WizardIORow is one input or output.
type WizardIORow struct {
	Prefix    string // "input[0]"
	Providers []WizardOption
	Path      string
	Effective string // the path OSCAR will use, when it differs ("grey/in" for "in")
	Prefixes  string
	Suffixes  string
}

// WizardReview is the Review step.
type WizardReview struct {
	YAML     string
	JSON     string
	Problems []WizardProblem
	Submit   string // "Create service" or "Save changes"
	Busy     string // shown while OSCAR works
	Exported string // URL of the FDL export (edit), "" for a new service
	// Changes lists, for an edit, each field that saving changes on OSCAR (secrets by state only).
	Changes []DiffRow
	// ExposedURL is the URL an exposed service will have, "" when it is not exposed.
	ExposedURL string
}

// WizardProblem links a problem to its step and control.
type WizardProblem struct {
	Step    string
	URL     string
	Message string
}

// WizardDiscard is the confirmation page for discarding a draft.
type WizardDiscard struct {
	Heading string
	Action  string // where the discard posts
	Back    string // the wizard step to return to
	Name    string // edited service, "" for a new one
}

// ImportProps is the FDL import page.
type ImportProps struct {
	FDL        string
	Problem    string
	Errors     FieldErrors
	ErrorOrder []string
	HasDraft   bool // a new-service draft exists and will be replaced
	MaxKiB     int
	Choices    []ImportChoice // several services: choose one
	Warnings   []string       // what the file holds that was ignored or converted
}

// ImportChoice is one service of a multi-service FDL file.
type ImportChoice struct {
	Index         int
	Name          string
	Cluster       string
	Image         string
	ScriptFile    string
	ScriptMissing bool
}

// ExportProps is the confirmation page of a complete (with credentials) FDL export.
type ExportProps struct {
	Name   string
	Names  []string // the services of a workflow export, sent back with the confirmation
	Action string
	Back   string
}

// secretHint explains a masked secret input.
func secretHint(kept, unknown bool) string {
	switch {
	case unknown:
		return "OSCAR does not return secret values: type it again."
	case kept:
		return "•••• (kept): leave empty to keep the stored value."
	}
	return ""
}

func secretFieldHint(f WizardProviderField) string {
	h := secretHint(f.Kept, false)
	if h != "" && f.Hint != "" {
		return f.Hint + " " + h
	}
	return f.Hint + h
}

func serviceOr(name string) string {
	if name == "" {
		return "<service>"
	}
	return name
}

func ioTitle(list string) string {
	if list == "input" {
		return "Input"
	}
	return "Output"
}

func pathHint(effective string) string {
	if effective == "" {
		return "bucket/folder for MinIO and S3; the folder or path on the provider otherwise."
	}
	return "OSCAR will use " + effective + "."
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// textareaText keeps a leading newline: HTML parsers drop the first newline after <textarea>, so
// one more is written when the value starts with one.
func textareaText(v string) string {
	if strings.HasPrefix(v, "\n") {
		return "\n" + v
	}
	return v
}

// WizardFederation is the Federation section of the Storage step.
type WizardFederation struct {
	ClusterID   string // this cluster's id (the service's cluster_id)
	Topologies  []WizardOption
	Delegations []WizardOption
	GroupID     string
	Threshold   string
	Members     []WizardMember
	Clusters    []WizardCluster
}

// WizardMember is one federation member row.
type WizardMember struct {
	Prefix      string // "federation.members[1]"
	Row         int
	Types       []WizardOption
	ClusterID   string
	ServiceName string
	URL         string
	Priority    string
}

// WizardCluster is one cluster row; its password is never here, only whether one is stored.
type WizardCluster struct {
	Prefix    string // "clusters[0]"
	Row       int
	ID        string
	Endpoint  string
	User      string
	Kept      bool
	SSLVerify bool
}

// VolumeChoices are the options of a volume picker: "Choose a volume…", then names, with current
// selected (and added when it is not among them, so a typed value is kept).
func VolumeChoices(names []string, current string) []WizardOption {
	out := []WizardOption{{Value: "", Label: "Choose a volume…", Selected: current == ""}}
	if current != "" && !slices.Contains(names, current) {
		names = append(slices.Clone(names), current)
	}
	for _, n := range names {
		out = append(out, WizardOption{Value: n, Label: n, Selected: n == current})
	}
	return out
}
