package templates

// TokenProps is the token page (GET /token). It carries the access token, which is the only token
// the page may ever show: never the refresh token, the ID token or the client secret.
type TokenProps struct {
	// Basic is true for a basic-auth session: the page explains there is no personal token.
	Basic bool
	// Endpoint is the active OSCAR endpoint, used in the snippets.
	Endpoint string

	ProviderName string
	AccessToken  string
	// ExpiresAt is the absolute expiry (UTC, for people) and ExpiresISO its machine form.
	ExpiresAt  string
	ExpiresISO string
	// MinutesLeft is rounded down; Expired is true once the token is no longer valid.
	MinutesLeft int
	Expired     bool
	Issuer      string
	Subject     string
	VOPersonID  string
	Scopes      []string
	// VOs are the user's VOs, each marked with whether the current cluster accepts it.
	VOs []TokenVO
	// ClusterVOs are the cluster's OIDC groups; ClusterVOsKnown is false when OSCAR did not say.
	ClusterVOs      []string
	ClusterVOsKnown bool
	// HeaderJSON and PayloadJSON are the access token's decoded parts, pretty-printed; ClaimsNote
	// explains when the token is not a JWT.
	HeaderJSON  string
	PayloadJSON string
	ClaimsNote  string
	// UserInfoJSON is the UserInfo answer from sign-in, pretty-printed.
	UserInfoJSON string
	// CanRefresh is true when the session holds a refresh token (the button can get a new token).
	CanRefresh bool

	// Snippets: the commands, each with a copy button. Only ExportSnippet holds the token.
	ExportSnippet   string
	InfoSnippet     string
	UserInfoSnippet string
	AgentGenSnippet string
	AgentTokSnippet string
	CLISnippet      string
	// AgentAccount is the oidc-agent account name used in the snippets.
	AgentAccount string
	// TokenPortalURL links the provider's token portal (EGI Check-in), when there is one.
	TokenPortalURL string
}

// TokenVO is one of the user's VOs on the token page.
type TokenVO struct {
	Name     string
	Accepted bool
}

// timeLeft words the time left on a token.
func timeLeft(minutes int, expired bool) string {
	switch {
	case expired:
		return "expired"
	case minutes < 1:
		return "less than a minute left"
	}
	return plural(minutes, "minute") + " left"
}
