package templates

// DeploymentProps fill a service's deployment panel: its state as OSCAR reports it, the instances
// (pods) ready out of those running, the exposed URL with its health check, and the lifecycle
// actions of an exposed service.
type DeploymentProps struct {
	Shown      bool // the service runs as a deployment (exposed, KServe, Knative): show the panel
	Service    string
	Problem    string // the state could not be read: why
	State      string // pending | ready | degraded | failed | stopped | unavailable
	StateClass string
	Reason     string
	Since      string // the last transition, for people
	Kind       string // "Exposed service", "KServe model", "Knative service"
	Ready      int    // instances that pass their readiness probe
	Total      int    // instances running
	Settled    bool   // no start, stop or restart under way: the panel polls slowly
	Poll       string // the panel alone, for the script's refresh
	RefreshURL string // the service page, for a Refresh link without JavaScript

	ExposedURL string // "" unless the service is exposed through OSCAR's ingress
	NodePorts  string // the node ports, when the service uses them instead
	HealthPath string // the path Kubernetes probes

	Exposed    bool // stop, start and restart apply
	Stopped    bool
	StartURL   string
	RestartURL string
	StopURL    string // the confirmation page
	LogsURL    string
}

// DeploymentPageProps fill the page that shows the deployment panel alone.
type DeploymentPageProps struct {
	ServiceURL string
	Deployment DeploymentProps
}

// StopServiceProps fill the confirmation of a stop.
type StopServiceProps struct {
	Service    string
	Action     string
	CancelURL  string
	ExposedURL string
}

// DeploymentLogsProps fill the deployment logs page.
type DeploymentLogsProps struct {
	Service     string
	ServiceURL  string
	Available   bool
	Message     string // OSCAR's note (no logs yet, logs of the last attempt)
	Log         string
	Lines       int
	Tail        int
	Tails       []LogTail
	Timestamps  bool
	ToggleURL   string
	DownloadURL string
	RefreshURL  string
}

// LogTail is one "last N lines" choice.
type LogTail struct {
	N       int
	URL     string
	Current bool
}
