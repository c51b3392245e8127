package templates

// WizardExecution is the General step's Execution section. Sync and InterLink say whether their
// controls are offered (the cluster has a serverless backend, InterLink).
type WizardExecution struct {
	Sync          bool
	MinScale      string
	MaxScale      string
	ImagePrefetch bool
	FileStageIn   bool
	EnableSGX     bool
	Ephemeral     string
	Isolations    []WizardOption
	BucketList    string // the per-user buckets OSCAR made (USER isolation), read only
	InterLink     bool
	InterLinkNode string
}

// WizardExpose is the Expose step's exposed-service section.
type WizardExpose struct {
	Enabled        bool
	Ports          string
	NodePorts      string
	MinScale       string
	MaxScale       string
	CPUThreshold   string
	RewriteTarget  bool
	DefaultCommand bool
	SetAuth        bool
	AuthTypes      []WizardOption
	HealthPath     string
	ProbeModes     []WizardOption
	URL            string // the URL the service will have
	Kserve         *WizardKserve
}

// WizardKserve is the Expose step's KServe section (nil when the cluster cannot run KServe).
type WizardKserve struct {
	Enabled      bool
	GPU          bool // offer the GPU checkbox
	Types        []WizardOption
	StorageURI   string
	ModelFormat  string
	Formats      []string // suggestions
	Runtime      string
	RuntimeImage string
	APIVersions  []WizardOption
	MinScale     string
	MaxScale     string
	CPU          string
	Memory       string
	Args         string // one per line
	Env          string // NAME=value lines
	EnableGPU    bool
	SetAuth      bool
}

// WizardMount is the Storage step's mounted bucket.
type WizardMount struct {
	Providers []WizardOption
	Path      string
	Options   string // rclone options, kept as they are
}
