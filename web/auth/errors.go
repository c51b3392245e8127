package auth

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	"golang.org/x/oauth2"
)

// Kind classifies an *Error so handlers can pick the page and status
// without parsing messages.
type Kind int

// The kinds of failure. The zero value is not used.
const (
	// KindProvider: the OP answered the authorization request with an
	// error (the callback's error parameter, e.g. access_denied).
	KindProvider Kind = iota + 1
	// KindState: the callback does not belong to this login (state missing
	// or different, login state expired or for another provider, RFC 9207
	// iss mismatch). No token request was made.
	KindState
	// KindExchange: the token endpoint refused the code (e.g. a replayed
	// code) or answered something unusable.
	KindExchange
	// KindIDToken: the ID token is missing or failed verification
	// (signature, issuer, audience, expiry, at_hash).
	KindIDToken
	// KindNonce: the ID token's nonce is not the one sent for this login.
	KindNonce
	// KindUserInfo: UserInfo failed or its sub differs from the ID token's.
	KindUserInfo
	// KindInvalidGrant: the refresh token is no longer valid; the session
	// should end. errors.Is(err, ErrInvalidGrant) is true for this kind.
	KindInvalidGrant
	// KindUnavailable: the provider is not discovered yet, unreachable, or
	// answered 5xx. Worth retrying later; the session stays.
	KindUnavailable
)

// String returns a short name for logs.
func (k Kind) String() string {
	names := [...]string{
		KindProvider:     "provider",
		KindState:        "state",
		KindExchange:     "exchange",
		KindIDToken:      "id_token",
		KindNonce:        "nonce",
		KindUserInfo:     "userinfo",
		KindInvalidGrant: "invalid_grant",
		KindUnavailable:  "unavailable",
	}
	if k > 0 && int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// ErrInvalidGrant matches (errors.Is) an *Error of KindInvalidGrant.
var ErrInvalidGrant = errors.New("auth: invalid_grant")

// Error is the error returned by Provider methods for failures a handler
// must tell apart. Message is safe to log; for KindProvider it is the OP's
// error_description (or error code), which came through the browser and
// must be escaped when shown. No token value ever appears in an Error.
type Error struct {
	Kind    Kind
	Message string
	Err     error
}

// Error implements error.
func (e *Error) Error() string {
	s := "auth: " + e.Kind.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + safeError(e.Err)
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInvalidGrant) true for KindInvalidGrant.
func (e *Error) Is(target error) bool {
	return target == ErrInvalidGrant && e.Kind == KindInvalidGrant
}

// safeError renders err without the raw body of a token response, which
// x/oauth2 includes when the OP answers without an RFC 6749 error code.
func safeError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "" {
		status := "no response"
		if re.Response != nil {
			status = re.Response.Status
		}
		return "token endpoint answered " + status
	}
	return err.Error()
}

// tokenError classifies an error from the token endpoint. base is the kind
// for a refusal that is not invalid_grant (or for every refusal when
// grantKind is zero).
func tokenError(what string, err error, base, grantKind Kind) *Error {
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		if re.Response != nil && re.Response.StatusCode >= 500 {
			return &Error{Kind: KindUnavailable, Message: what + ": provider error", Err: err}
		}
		if re.ErrorCode == "invalid_grant" && grantKind != 0 {
			return &Error{Kind: grantKind, Message: what + ": grant no longer valid", Err: err}
		}
		return &Error{Kind: base, Message: what + ": refused", Err: err}
	case isNetwork(err):
		return &Error{Kind: KindUnavailable, Message: what + ": provider unreachable", Err: err}
	}
	return &Error{Kind: base, Message: what + " failed", Err: err}
}

// isNetwork reports whether err is a transport failure (connection
// refused, reset, timeout) rather than an answer from the provider.
func isNetwork(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// notReady is the error for calls made before discovery succeeded.
func (p *Provider) notReady() *Error {
	return &Error{Kind: KindUnavailable, Message: p.cfg.Name + " is not available yet (discovery pending)"}
}
