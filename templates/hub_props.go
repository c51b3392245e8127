package templates

import (
	"strings"
)

// Props of the OSCAR Hub screens (handlers/hub.go, handlers/hub_deploy.go).

// HubCard is one crate on the Hub page.
type HubCard struct {
	Name        string // the crate's name, qualified by its source when another source has the same
	Summary     string
	Type        string // synchronous, asynchronous, exposed or ""
	CPU, Memory string
	GPU         string // "" when the crate needs none
	Version     string
	URL         string // the crate page
	IconURL     string // the console's icon route, "" when the crate has no icon
	Source      string
}

// HubSource is how one catalogue answered.
type HubSource struct {
	Label string
	// Stale is the age of the copy shown when the source is down ("" when fresh); Problem says why
	// the source shows nothing (never reached).
	Stale   string
	Problem string
}

// HubProps fills the Hub page.
type HubProps struct {
	Query   string
	Type    string
	Types   []string
	Cards   []HubCard
	Total   int // crates before the search and filter
	Sources []HubSource
}

// CrateFile is a file of a crate the user can download.
type CrateFile struct {
	Name string
	URL  string
}

// CrateProps fills a crate's page.
type CrateProps struct {
	Name, Description string
	Source            string
	Stale             string // the age of the copy shown when the source is down
	IconURL           string
	Details           []KV
	// ReadmeHTML is the README rendered and sanitised (hub.RenderReadme); "" when none.
	ReadmeHTML string
	FDL        string
	Script     string
	Samples    []CrateFile
	CheckURL   string
	// DeployURL and DeployNowURL are the forms' actions; ServiceName the name the service gets.
	DeployURL, DeployNowURL string
	ServiceName             string
	// Params are what the user must fill before the service can run (then only Deploy is offered).
	Params []string
	// SamplesURL is the upload form's action ("" when the service reads no bucket: it is invoked);
	// SampleService the service name it proposes.
	SamplesURL    string
	SampleService string
	Errors        FieldErrors
	Problem       string // the crate cannot be deployed: why
}

// CrateCheckProps fills the result of checking a crate (from a catalogue or an uploaded zip).
type CrateCheckProps struct {
	Name     string // the crate checked ("" for an upload not yet sent)
	Back     string // the crate page, for a crate of a catalogue
	Problems []KV   // where → what
	Checked  bool
	Errors   FieldErrors
	MaxMiB   int
}

// join joins the parts that are not empty.
func join(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
