package templates

// Props of the "operate" screens: services, service detail, jobs, invocation, buckets, objects and
// the cluster page. Handlers fill every string (URLs included, already escaped for paths); the
// components only lay them out, so nothing here reads OSCAR data directly.

// KV is a labelled value in a definition list or a table row.
type KV struct {
	Key   string
	Value string
	// Secret marks a value that is hidden: Value then says "hidden" or "not set", never the secret.
	Secret bool
}

// SortColumn is a sortable table header: a link that sorts by it (or flips the direction).
type SortColumn struct {
	Label    string
	Href     string
	AriaSort string // "ascending", "descending" or "none"
}

// Pager links the pages of a list paginated by the console (numbered pages).
type Pager struct {
	Page, Pages       int
	From, To, Total   int
	PrevURL, NextURL  string
	FirstURL, LastURL string
}

// Bar is a horizontal SVG bar made of segments; widths are in the SVG's 0..BarWidth user units.
type Bar struct {
	Label    string // accessible name of the whole bar ("CPU: 2 of 8 cores in use")
	Segments []BarSegment
}

// BarWidth is the width of every bar's viewBox.
const BarWidth = 300

// BarSegment is one coloured part of a Bar.
type BarSegment struct {
	Class string // CSS class giving the colour ("fill", "ok", "bad", "warn", "info")
	X     string
	Width string
	Title string // tooltip
}

// ServiceRow is one line of the services list.
type ServiceRow struct {
	Name       string
	URL        string
	Image      string
	CPU        string
	Memory     string
	Visibility string
	Owner      string
	Mine       bool
	State      string
	StateClass string // badge class: ok, warn, bad, off or ""
	Reason     string
	Kind       string // "exposed", "KServe" or "" (event-driven)
	App        string // the app it is (web/apps), for people: "Jupyter notebook"; "" for none
	Stopped    bool
}

// ServicesProps fills the services list.
type ServicesProps struct {
	Rows     []ServiceRow
	Query    string
	Mine     bool
	Kind     string // "", "event", "exposed" or "kserve"
	Kinds    []KindChoice
	Stopped  int // stopped services among those listed
	Sort     string
	Dir      string
	Columns  []SortColumn // name, image, cpu, memory, visibility, owner, state
	Pager    Pager
	Total    int // services OSCAR returned
	Filtered int // services left after the filter
	// ClearURL removes the filter, keeping the sort.
	ClearURL string
}

// KindChoice is one choice of the services list's kind filter.
type KindChoice struct {
	Value    string
	Label    string
	Selected bool
}

// ServiceDeletion is one service on a delete confirmation page, with the buckets OSCAR will delete.
type ServiceDeletion struct {
	Name    string
	Buckets []string
	Missing bool // not (or no longer) on OSCAR
}

// ServicesDeleteProps fills the confirmation page of a (bulk) service deletion.
type ServicesDeleteProps struct {
	Services []ServiceDeletion
	// Action is the form target; Bulk says whether the names travel as hidden fields.
	Action    string
	Bulk      bool
	CancelURL string
}

// IORow is one input, output or mount of a service.
type IORow struct {
	Provider string
	Path     string
	Prefix   string
	Suffix   string
	Options  string
	// BrowseURL lists the path on an S3, Onedata or WebDAV provider (services_storage.go).
	BrowseURL string
}

// ProviderRow is a storage provider (or a federated cluster) with its secrets masked.
type ProviderRow struct {
	Kind   string
	ID     string
	Fields []KV
}

// JobSummary counts a service's jobs by state, from one page of OSCAR's job list.
type JobSummary struct {
	Available bool
	Problem   string // why it is not available
	Succeeded int
	Failed    int
	Running   int
	Pending   int
	Other     int
	Total     int
	More      bool // OSCAR has more jobs than the page counted
	Bar       Bar
}

// ServiceProps fills the service page.
type ServiceProps struct {
	Name        string
	General     []KV
	Deployment  DeploymentProps
	Inputs      []IORow
	Outputs     []IORow
	Mount       *IORow
	Providers   []ProviderRow
	Variables   []KV
	Secrets     []string
	Annotations []KV
	Labels      []KV
	Script      string
	Token       string
	ShowToken   bool   // render the token in clear (the user asked, without JavaScript)
	ShowURL     string // link that shows the token
	HideURL     string
	JobURL      string
	RunURL      string // "" when the cluster has no /run
	RunUnknown  bool   // the cluster's features could not be read
	CurlJob     string
	CurlRun     string
	Summary     JobSummary
	Federation  *FederationSection // nil: the service has no federation
	EditURL     string
	ExportURL   string
	JobsURL     string
	InvokeURL   string
	DeleteURL   string
}

// JobRow is one job in a service's job list.
type JobRow struct {
	Name        string
	URL         string
	DeleteURL   string
	Status      string
	StatusClass string
	Created     string
	Started     string
	Finished    string
}

// JobsProps fills a service's job list.
type JobsProps struct {
	Service     string
	ServiceURL  string
	Jobs        []JobRow
	Remaining   int
	NextURL     string // next page (OSCAR's next_page token), "" on the last
	FirstURL    string // first page, "" when this is the first
	RefreshURL  string
	Active      bool // some job is pending or running: the page refreshes itself
	DeleteURL   string
	InvokeURL   string
	DeleteOKURL string // confirmation for "delete finished"
	DeleteAll   string // confirmation for "delete all"
}

// JobLogProps fills a job's log page.
type JobLogProps struct {
	Service     string
	ServiceURL  string
	JobsURL     string
	Job         string
	Log         string
	Timestamps  bool
	ToggleURL   string // with or without timestamps
	DownloadURL string
	RefreshURL  string
	DeleteURL   string
}

// JobsDeleteProps fills a job deletion confirmation: one job, the finished jobs or all jobs.
type JobsDeleteProps struct {
	Service   string
	Job       string // one job, or "" for many
	All       bool   // every job, running ones included
	Action    string
	CancelURL string
}

// InvokeResult is the output of a synchronous invocation, ready to show.
type InvokeResult struct {
	Status      int
	ContentType string
	Kind        string // "text", "image", "file" or "empty"
	Text        string
	DataURL     string // image source or download link (data: URL)
	FileName    string
	Size        string
	Decoded     bool // the service answered base64, shown decoded
	Truncated   bool
	Failed      bool // the service answered with an error status
}

// InvokeProps fills the invocation page.
type InvokeProps struct {
	Service    string
	ServiceURL string
	Action     string
	Sync       bool   // the cluster has /run
	Mode       string // "run" or "job"
	Input      string
	Base64     bool
	CannotRun  string // why invocation is impossible (basic auth and no service token), or ""
	Problem    string
	Errors     FieldErrors
	Result     *InvokeResult
	JobsURL    string
}

// BucketRow is one bucket in the buckets list.
type BucketRow struct {
	Name       string
	URL        string
	DeleteURL  string
	Owner      string
	Mine       bool
	Visibility string
	Service    string
	ServiceURL string
}

// BucketForm holds the create-bucket form's values.
type BucketForm struct {
	Name         string
	Visibility   string
	AllowedUsers string
}

// BucketsProps fills the buckets list and its create form.
type BucketsProps struct {
	Rows     []BucketRow
	Query    string
	Mine     bool
	Total    int
	Form     BucketForm
	Errors   FieldErrors
	Problem  string
	ClearURL string
}

// Crumb is one step of a breadcrumb.
type Crumb struct {
	Label string
	URL   string // "" for the current one
}

// FolderRow is a folder (a common key prefix) in a bucket listing.
type FolderRow struct {
	Name   string
	Prefix string // its full prefix, the value of its check box
	URL    string
}

// ObjectRow is one object in a bucket listing.
type ObjectRow struct {
	Name        string // relative to the folder shown
	Key         string
	Size        string
	Modified    string
	DownloadURL string
	PreviewURL  string // "" when the console has no preview for its type
	LinkURL     string
	DeleteURL   string
	MoveURL     string
}

// BucketProps fills a bucket's page.
type BucketProps struct {
	Name         string
	Prefix       string
	Crumbs       []Crumb
	Folders      []FolderRow
	Objects      []ObjectRow
	NextURL      string
	FirstURL     string
	Visibility   string
	Owner        string
	Usage        string
	UploadAction string
	// ZipAction and SelectDeleteAction receive the table's selection (buckets_selection.go).
	ZipAction          string
	SelectDeleteAction string
	MaxUpload          string // "" when unbounded
	LinkAction         string // presign form target
	// UploadLinkURL asks for a presigned upload link into the folder shown.
	UploadLinkURL string
	DeleteURL     string
	Scanned       int // OSCAR pages read for this view
	// The new-folder form (buckets_manage.go).
	FolderAction string
	FolderName   string
	FolderErrors FieldErrors
	// The visibility form: shown unless the bucket is a service's (OSCAR refuses those).
	VisibilityAction string
	VisForm          BucketForm
	VisErrors        FieldErrors
	VisProblem       string
	ServiceBucket    bool
}

// ObjectDeleteProps fills the confirmation of an object deletion.
type ObjectDeleteProps struct {
	Bucket    string
	Key       string
	Action    string
	CancelURL string
}

// BucketDeleteProps fills the confirmation of a bucket deletion.
type BucketDeleteProps struct {
	Bucket    string
	Service   string // the service that uses it, if OSCAR tagged it
	Action    string
	CancelURL string
}

// PresignProps fills the presigned-link page: the form, and the link once made.
type PresignProps struct {
	Bucket    string
	BucketURL string
	Key       string
	Operation string // "download" or "upload"
	Expires   string // the chosen lifetime, a form value ("3600")
	Action    string
	Errors    FieldErrors
	Problem   string
	// The link, once OSCAR made it.
	URL       string
	Method    string
	ExpiresAt string
	Headers   []KV
	Host      string
}

// Meter is one resource of the cluster page: free and total, with a bar of what is in use.
type Meter struct {
	Name  string
	Free  string
	Total string
	Used  string
	Bar   Bar
	// Known is false when OSCAR did not report the figure.
	Known bool
}

// ClusterProps fills the cluster page.
type ClusterProps struct {
	Endpoint          string
	Version           string
	GitCommit         string
	Architecture      string
	KubernetesVersion string
	Backend           string
	Features          []KV
	VOs               []string
	MinIOEndpoint     string
	MinIORegion       string
	MinIOVerify       string
	HasKeys           bool
	ShowKeys          bool
	AccessKey         string // only when ShowKeys
	SecretKey         string // only when ShowKeys
	ShowURL           string
	HideURL           string
	StatusProblem     string
	Nodes             int
	Meters            []Meter
	GPUs              string
	Quota             []Meter
	QuotaNote         string
	Admin             bool
	OSCARReady        string
}

// FederationSection is a service's federation on its page.
type FederationSection struct {
	Topology string
	Props    []KV // topology, group, delegation, threshold
	Members  []FederationMemberRow
	Problem  string // the federation API could not be read: what to say instead
}

// FederationMemberRow is one member of a federation.
type FederationMemberRow struct {
	Type        string
	ClusterID   string
	ServiceName string
	URL         string
	Endpoint    string // the cluster's endpoint, from the service's clusters
	Priority    string
	State       string
	Note        string
}
