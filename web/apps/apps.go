// Package apps is the pure logic of the console's Apps: Jupyter notebooks, terminals, file browsers
// and Node-RED flows, each an exposed OSCAR service made from a template (an FDL file and a script)
// that the operator's source holds. The four kinds are one table (Kinds): where each template lives,
// the parameters its form asks, how the form fills the template, and the label that recognises an
// instance among the user's services. Reading the operator's sources, the form and the template,
// validating them and building the service sent to OSCAR are functions without I/O.
package apps

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The workspace modes a form offers: the app's folder lives in a MinIO bucket (mounted), in an
// existing managed volume, in a volume OSCAR creates with the app, or nowhere (the container's
// temporary disk).
const (
	WorkspaceBucket    = "bucket"
	WorkspaceVolume    = "volume"
	WorkspaceNewVolume = "new-volume"
	WorkspaceNone      = "none"
)

// Secret is the password or token an app asks for before it opens. The form asks for it (or the
// console makes one) and it goes to OSCAR as a secret environment variable (OSCAR blanks secrets in
// what it returns), never as a plain variable. FromService means the app takes the service token
// OSCAR makes for it instead: the form asks nothing and the console reads the token after creation.
// Either way it is the app's own password, never the user's OSCAR credential.
type Secret struct {
	Label       string // the form's and the progress page's label
	Env         string // the environment variable the app reads it from
	Hint        string
	FromService bool
}

// Asked reports whether the form asks for the kind's password.
func (k Kind) Asked() bool { return k.Secret != nil && !k.Secret.FromService }

// Kind is one kind of app.
type Kind struct {
	ID          string // the URL's {kind}
	Title       string // one instance, for people
	Description string
	// Source is the default template source (remote.ParseSource syntax): the repository and branch
	// the official dashboard reads. FDL is the template's FDL file in it; the script is ScriptFile.
	Source, FDL string
	// Label is the service label the template sets to "true"; it recognises instances.
	Label string
	// Prefix starts a generated service name.
	Prefix string
	// CPU and Memory are the form's defaults.
	CPU, Memory string
	// Secret is nil when the app asks for none.
	Secret *Secret
	// Workspaces are the modes offered, the default first.
	Workspaces []string
	// DirEnv is the variable naming the workspace folder; VolumePath is where a volume is mounted
	// ("" means /mnt/volumes/<volume>).
	DirEnv, VolumePath string
	// BaseEnv are variables set to the app's path behind OSCAR's ingress, NameEnv to its name,
	// EndpointEnv to the user's OSCAR endpoint (a URL, no credential).
	BaseEnv, NameEnv []string
	EndpointEnv      string
	// DropSecrets are template secrets never sent: credentials of the user's own account (the
	// console never hands them to an app).
	DropSecrets []string
}

// ScriptFile is the script every template names, beside its FDL file.
const ScriptFile = "script.sh"

// Kinds are the four apps, in the order the console shows them.
func Kinds() []Kind {
	all := []string{WorkspaceBucket, WorkspaceVolume, WorkspaceNewVolume}
	return []Kind{
		{
			ID: "juno", Title: "Jupyter notebook",
			Description: "JupyterLab in the browser, with your files in a bucket or a volume.",
			Source:      "github:grycap/oscar-juno@main", FDL: "juno.yaml",
			Label: "jupyter_notebook", Prefix: "juno", CPU: "1", Memory: "2Gi",
			Secret:     &Secret{Label: "Notebook token", Env: "JUPYTER_TOKEN", Hint: "JupyterLab asks for it when you open the notebook."},
			Workspaces: all, DirEnv: "JUPYTER_DIRECTORY",
			BaseEnv: []string{"JHUB_BASE_URL"}, EndpointEnv: "OSCAR_ENDPOINT",
		},
		{
			ID: "terminal", Title: "Terminal",
			Description: "A shell in the browser, with an optional workspace in a bucket or a volume.",
			Source:      "github:grycap/oscar-terminal@main", FDL: "fdl.yml",
			Label: "terminal", Prefix: "terminal", CPU: "0.5", Memory: "256Mi",
			Secret:     &Secret{Label: "Terminal token", FromService: true},
			Workspaces: []string{WorkspaceNone, WorkspaceBucket, WorkspaceVolume, WorkspaceNewVolume}, DirEnv: "WORKSPACE_DIR",
			BaseEnv: []string{"BASE_PATH"}, NameEnv: []string{"SERVICE_NAME"},
			DropSecrets: []string{"OSCAR_OIDC_REFRESH_TOKEN"},
		},
		{
			ID: "filebrowser", Title: "File browser",
			Description: "Browse, upload and download the files of a volume or a bucket.",
			// The dashboard's: grycap/oscar-filebrowser has the FDL but no script.sh.
			Source: "github:grycap/oscar-hub@feat-add-filebrowser//crates/filebrowser-quantum", FDL: "fdl.yml",
			Label: "filebrowser", Prefix: "filebrowser", CPU: "0.5", Memory: "512Mi",
			Secret:     &Secret{Label: "Admin password", Env: "FILEBROWSER_ADMIN_PASSWORD", Hint: "File Browser's password for the user admin."},
			Workspaces: []string{WorkspaceVolume, WorkspaceNewVolume, WorkspaceBucket}, DirEnv: "FILEBROWSER_SOURCE_PATH",
			VolumePath: "/data",
		},
		{
			ID: "flows", Title: "Node-RED flow editor",
			Description: "Node-RED, to wire OSCAR services and buckets into flows.",
			Source:      "github:grycap/oscar-flows@main", FDL: "flows.yaml",
			Label: "node_red", Prefix: "flows", CPU: "1", Memory: "2Gi",
			Secret:     &Secret{Label: "Admin password", Env: "PASSWORD", Hint: "Node-RED's admin password (user admin)."},
			Workspaces: all, DirEnv: "NODE_RED_DIRECTORY",
			BaseEnv: []string{"NODE_RED_BASE_URL"},
		},
	}
}

// Lookup returns the kind with the given ID.
func Lookup(id string) (Kind, bool) {
	i := slices.IndexFunc(Kinds(), func(k Kind) bool { return k.ID == id })
	if i < 0 {
		return Kind{}, false
	}
	return Kinds()[i], true
}

// KindOf recognises an app among services by the label its template sets.
func KindOf(s *oscar.Service) (Kind, bool) {
	return kindOf(len(s.Labels) > 0, func(l string) string { return s.Labels[l] })
}

// KindOfSummary is KindOf for a service of a list.
func KindOfSummary(s *oscar.ServiceSummary) (Kind, bool) {
	return kindOf(s.HasLabels(), s.Label)
}

func kindOf(hasLabels bool, label func(string) string) (Kind, bool) {
	if !hasLabels {
		return Kind{}, false // most services: no table to build
	}
	for i, l := range kindLabels {
		if strings.EqualFold(strings.TrimSpace(label(l)), "true") {
			return Kinds()[i], true
		}
	}
	return Kind{}, false
}

// kindLabels are the Kinds' labels, in the same order, so that KindOf builds the table only for an
// app.
var kindLabels = func() []string {
	var l []string
	for _, k := range Kinds() {
		l = append(l, k.Label)
	}
	return l
}()

// volumePath is where the kind mounts a volume.
func (k Kind) volumePath(volume string) string {
	if k.VolumePath != "" {
		return k.VolumePath
	}
	return "/mnt/volumes/" + volume
}

// Offers reports whether the kind offers a workspace mode.
func (k Kind) Offers(mode string) bool { return slices.Contains(k.Workspaces, mode) }

// State sorts OSCAR's deployment state into the app's: starting, ready, stopped, failing or
// unknown, with the badge class the console uses.
func State(oscarState string) (label, class string) {
	switch oscarState {
	case "pending":
		return "starting", "warn"
	case "ready":
		return "ready", "ok"
	case "stopped":
		return "stopped", "off"
	case "failed", "degraded":
		return "failing", "bad"
	}
	return "unknown", ""
}

// NewName is a fresh service name for the kind: its prefix and eight random letters and digits.
func NewName(k Kind) string {
	const abc = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = abc[int(b[i])%len(abc)]
	}
	return k.Prefix + "-" + string(b)
}

// NewSecret is a fresh password: 24 random bytes, base64url (32 characters).
func NewSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
