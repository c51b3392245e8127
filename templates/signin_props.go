package templates

// LoginProps is the sign-in page (GET /login, and every sign-in failure, which is shown on the same
// page with what the user typed kept). Nothing here is ever a token or a password.
type LoginProps struct {
	// Endpoint is the OSCAR endpoint typed or chosen so far, prefilled in both forms.
	Endpoint string
	// Clusters are the operator's clusters; when set, the endpoint is a <select> of them.
	Clusters []ClusterChoice
	// Providers get one button each; a provider that is not Ready gets a disabled button.
	Providers []ProviderChoice
	// Next is the validated return path, carried through the sign-in ("" means the default).
	Next string
	// Username is the OSCAR account name typed in the basic-auth form (the password never comes back).
	Username string
	// Errors are the field problems of the identity-provider form (key "endpoint").
	Errors FieldErrors
	// BasicErrors are the field problems of the basic-auth form ("endpoint", "username", "password").
	BasicErrors FieldErrors
	// Problem is why the last attempt failed, shown at the top of the page.
	Problem *LoginProblem
	// BasicOpen opens the OSCAR-account form (no provider to use, or the last attempt used it).
	BasicOpen bool
	// SignedInAs names the current user when a signed-in user opens the page.
	SignedInAs string
}

// ClusterChoice is one OSCAR cluster offered at sign-in.
type ClusterChoice struct {
	Label    string
	Endpoint string
}

// ProviderChoice is one identity provider button.
type ProviderChoice struct {
	ID    string
	Name  string
	Ready bool
}

// AnyReady reports whether at least one provider can be used now.
func (p LoginProps) AnyReady() bool {
	for _, pr := range p.Providers {
		if pr.Ready {
			return true
		}
	}
	return false
}

// LoginProblem is why a sign-in (or an endpoint switch) did not work, in plain words.
type LoginProblem struct {
	// Code names the kind of problem for tests and styling: "provider", "state", "exchange", "token",
	// "unavailable", "endpoint", "refused", "unreachable", "credentials", "vo", "oscar-denied", "rate",
	// "basic-switch", "oscar".
	Code    string
	Title   string
	Message string
	// Detail is the identity provider's own explanation, shown only when the callback belonged to
	// this browser's sign-in (otherwise anyone could put words on this page with a crafted link).
	Detail string
	// Endpoint is the OSCAR endpoint involved.
	Endpoint string
	// VOs, when set, compares the user's VOs with those that would be accepted.
	VOs *VOComparison
	// Hints are extra plain-language suggestions, one per line.
	Hints []string
	// LinkURL and LinkText offer one helpful link (request VO membership, sign in on an endpoint).
	LinkURL  string
	LinkText string
}

// VOComparison puts the user's VOs next to the VOs a cluster (or the console) accepts.
type VOComparison struct {
	UserVOs []string
	// Accepted are the VOs that would let the user in; AcceptedKnown is false when they could not
	// be learnt (OSCAR tells its groups only to users it accepts).
	Accepted      []string
	AcceptedKnown bool
	// AcceptedLabel heads the second column ("VOs this cluster accepts", "VOs this console requires").
	AcceptedLabel string
}

// EndpointProps is the page for switching the active OSCAR endpoint (GET /endpoint, and its errors).
type EndpointProps struct {
	Current  string
	Recent   []string
	Clusters []ClusterChoice
	// Value is what the user typed or chose, kept on error.
	Value  string
	Next   string
	Errors FieldErrors
	// Problem is why the switch was refused; the current endpoint is kept.
	Problem *LoginProblem
	// Basic is true for a basic-auth session, which cannot take its password to another cluster.
	Basic bool
}

// tokenHint says where the identity provider's token goes.
func tokenHint(endpoint string) string {
	if endpoint == "" {
		return "Your access token will be sent to this OSCAR endpoint, and to no other."
	}
	return "Your access token will be sent to " + endpoint + ", and to no other endpoint."
}

// passwordHint says where the OSCAR password goes.
func passwordHint(endpoint string) string {
	if endpoint == "" {
		return "Your password will be sent to this OSCAR endpoint only, and kept on the console's server while you are signed in."
	}
	return "Your password will be sent to " + endpoint + " only, and kept on the console's server while you are signed in."
}

// clusterListed reports whether endpoint is one of the clusters.
func clusterListed(clusters []ClusterChoice, endpoint string) bool {
	for _, c := range clusters {
		if c.Endpoint == endpoint {
			return true
		}
	}
	return false
}

// endpointChoices is the select of the endpoint page: the operator's clusters, then recent endpoints
// not among them. Without clusters it is nil, and the page shows a text field.
func endpointChoices(clusters []ClusterChoice, recent []string) []ClusterChoice {
	if len(clusters) == 0 {
		return nil
	}
	out := append([]ClusterChoice(nil), clusters...)
	for _, e := range recent {
		if !clusterListed(out, e) {
			out = append(out, ClusterChoice{Label: "Recently used", Endpoint: e})
		}
	}
	return out
}
