// Package templates holds the console's templ components: the layout, one page component per screen,
// and the small parts they share. Components do no I/O and read nothing from the context: handlers
// pass everything they show through the props types declared here.
package templates

//go:generate go tool templ generate

// Layout is what every page needs for its frame: title, navigation, the signed-in user and the
// OSCAR endpoint that receives the user's credentials.
type Layout struct {
	Title     string
	Nav       string // active navigation entry: "services", "buckets", "volumes", "apps", "token", "cluster", "usage", "admin", ""
	Volumes   bool   // the cluster offers managed volumes (as last known): the header links them
	Admin     bool   // OSCAR treats the user as its administrator (web/admin.IsAdmin): the header links Administration
	Hub       bool   // the OSCAR Hub is on (CONSOLE_HUB_SOURCES): the header links it
	SignedIn  bool
	UserName  string // display name, never a token
	AuthKind  string // "oidc" or "basic"
	Endpoint  string // active OSCAR endpoint URL
	Recent    []string
	Flash     []string
	RequestID string
	Version   string
	Path      string // the current page (path and query), to come back to after switching cluster
}

// Problem is an error shown to the user: a status, a title and plain words.
type Problem struct {
	Status    int
	Title     string
	Message   string
	Endpoint  string // the OSCAR endpoint involved, when there is one
	RetryURL  string // a same-site link to try again, when that makes sense
	LoginURL  string // a link to sign in again, when the session ended
	RequestID string
}

// FieldError returns the message for a field, or "".
type FieldErrors map[string]string

// Has reports whether the named field has a problem.
func (e FieldErrors) Has(name string) bool { _, ok := e[name]; return ok }
