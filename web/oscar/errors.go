package oscar

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind classifies an *Error so that callers can choose a page and wording
// without looking at status codes or message text.
type Kind int

// The kinds of *Error.
const (
	// Unexpected is a status OSCAR does not document (for example 418).
	Unexpected Kind = iota
	// Unreachable: the connection failed (DNS, refused, TLS, reset).
	Unreachable
	// Timeout: no answer in time (connect, response headers or body).
	Timeout
	// Unauthorized: 401, the credentials were not accepted.
	Unauthorized
	// Forbidden: 403, the caller may not do this (also quotas).
	Forbidden
	// NotFound: 404.
	NotFound
	// BadInput: 400, 409 or 422, OSCAR refused the request's content.
	BadInput
	// Server: 5xx.
	Server
	// Refused: the endpoint policy refused the address (SSRF guard).
	Refused
	// Redirect: OSCAR answered with a redirect, which is never followed.
	Redirect
	// TooLarge: the response was bigger than Options.MaxBody.
	TooLarge
	// Garbage: the response could not be decoded.
	Garbage
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case Unexpected:
		return "unexpected status"
	case Unreachable:
		return "unreachable"
	case Timeout:
		return "timeout"
	case Unauthorized:
		return "unauthorized"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not found"
	case BadInput:
		return "bad input"
	case Server:
		return "server error"
	case Refused:
		return "refused"
	case Redirect:
		return "redirect"
	case TooLarge:
		return "too large"
	case Garbage:
		return "garbage"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is every error a Client method returns about an OSCAR call (a
// context cancellation is wrapped too: check errors.Is(err,
// context.Canceled)). Message is already reduced to one plain sentence
// (OSCAR's error bodies are plain text, sometimes two glued together); it
// never holds credentials.
type Error struct {
	// Status is the HTTP status, or 0 when no response arrived.
	Status int
	// Message is OSCAR's message in plain words, or a description of the
	// transport problem. It may be empty.
	Message string
	// Op names the operation, for example "create service".
	Op string
	// Kind classifies the error.
	Kind Kind
	// Host is the endpoint host (for "OSCAR at <host> did not answer").
	Host string
	// Err is the underlying error, if any (transport, decoding, context).
	Err error
}

// Error returns "oscar: <op>: <what>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("oscar: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	} else {
		b.WriteString(e.Kind.String())
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil && e.Status == 0 {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// BadInput reports whether OSCAR refused the request's content (400, 409,
// 422): the message is worth showing next to the form.
func (e *Error) BadInput() bool { return e != nil && e.Kind == BadInput }

// NotFound reports whether OSCAR answered 404.
func (e *Error) NotFound() bool { return e != nil && e.Kind == NotFound }

// Denied reports whether OSCAR refused the credentials (401) or the action
// (403).
func (e *Error) Denied() bool { return e != nil && (e.Kind == Unauthorized || e.Kind == Forbidden) }

// Down reports whether OSCAR could not be used at all: unreachable, timed
// out, 5xx, or an answer that makes no sense.
func (e *Error) Down() bool {
	if e == nil {
		return false
	}
	switch e.Kind {
	case Unreachable, Timeout, Server, Garbage, TooLarge, Redirect:
		return true
	}
	return false
}

// UserMessage returns plain words for the UI. It names the host but never
// the credentials, and includes OSCAR's own message where that helps.
func (e *Error) UserMessage() string {
	host := e.Host
	if host == "" {
		host = "the OSCAR endpoint"
	}
	withMsg := func(s string) string {
		if e.Message == "" {
			return s
		}
		return s + " OSCAR said: " + e.Message + "."
	}
	// What OSCAR at host did, by kind; those with said add OSCAR's message.
	did := map[Kind]struct {
		what string
		said bool
	}{
		Unreachable:  {"could not be reached.", false},
		Timeout:      {"did not answer in time.", false},
		Unauthorized: {"did not accept your credentials. Sign in again.", false},
		Forbidden:    {"does not allow you to do this.", true},
		NotFound:     {"does not have it (it may have been deleted).", true},
		Server:       {"failed.", true},
		Redirect:     {"answered with a redirect, which the console does not follow. Check the endpoint address.", false},
		TooLarge:     {"sent an answer that is too large.", false},
		Garbage:      {"sent an answer the console could not read. Is this an OSCAR endpoint?", false},
	}
	if d, ok := did[e.Kind]; ok {
		if d.said {
			return withMsg("OSCAR at " + host + " " + d.what)
		}
		return "OSCAR at " + host + " " + d.what
	}
	switch e.Kind {
	case BadInput:
		if e.Message != "" {
			return upperFirst(e.Message) + "."
		}
		return "OSCAR at " + host + " refused the request."
	case Refused:
		return "This console is not allowed to connect to " + host + ": " + strings.TrimPrefix(e.Message, "refused: ") + "."
	}
	return withMsg(fmt.Sprintf("OSCAR at %s answered with an unexpected status %d.", host, e.Status))
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// kindForStatus maps an HTTP status to a Kind.
func kindForStatus(status int) Kind {
	switch {
	case status == http.StatusUnauthorized:
		return Unauthorized
	case status == http.StatusForbidden:
		return Forbidden
	case status == http.StatusNotFound:
		return NotFound
	case status == http.StatusBadRequest, status == http.StatusConflict, status == http.StatusUnprocessableEntity:
		return BadInput
	case status >= 500 && status <= 599:
		return Server
	case status >= 300 && status <= 399:
		return Redirect
	}
	return Unexpected
}

// maxMessageLen bounds Message so that a chatty server cannot fill a page.
const maxMessageLen = 300

// statusError builds the *Error for a non-success response. subject is the
// name the request was about (a service or bucket name), used to say "a
// service named X already exists".
func statusError(op, host string, status int, body []byte, subject string) *Error {
	return &Error{
		Status:  status,
		Kind:    kindForStatus(status),
		Op:      op,
		Host:    host,
		Message: plainMessage(status, body, subject),
	}
}

// The patterns below match OSCAR's well-known error texts (oscar-api.md
// §1.4 and §2.2); compiled per call because the package keeps no globals.
const (
	reBucketExists   = `(?i)the bucket "([^"]*)" already exists`
	reUndefinedProv  = `(?i)the StorageProvider "([^"]*)" is not defined`
	reFieldRequired  = `Field validation for '([A-Za-z]+)' failed on the '([a-z]+)' tag`
	reOnedataConnect = `(?i)error connecting to Onedata's Oneprovider "([^"]*)"`
	reGlued          = `[a-z0-9.)\]"'](Error |error )`
)

// plainMessage reduces an OSCAR error body to one sentence, mapping the
// well-known texts to plain words.
func plainMessage(status int, body []byte, subject string) string {
	msg := firstMessage(string(body))
	low := strings.ToLower(msg)
	quoted := func(s string) string {
		if s == "" {
			return "this name"
		}
		// Invalid UTF-8 would be escaped byte by byte (four characters each): replace it, and keep
		// a name of any length to a line's worth.
		s = strings.ToValidUTF8(s, "\uFFFD")
		if r := []rune(s); len(r) > 80 {
			s = string(r[:80]) + "…"
		}
		return fmt.Sprintf("%q", s)
	}
	if m := regexp.MustCompile(reBucketExists).FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("a bucket named %q already exists; choose another bucket name", m[1])
	}
	if strings.Contains(low, "a service with the provided name already exists") {
		return "a service named " + quoted(subject) + " already exists"
	}
	if m := regexp.MustCompile(reUndefinedProv).FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("the storage provider %q is not defined; add it under storage providers first", m[1])
	}
	if strings.Contains(low, "unrecognized input") {
		return "inputs must be MinIO, WebDAV or Rucio storage (S3 and Onedata can only be outputs)"
	}
	if strings.Contains(low, "invalidbucketname") || strings.Contains(low, "bucket name") && strings.Contains(low, "invalid") {
		return "a bucket name is not valid (use 3 to 63 lower-case letters, digits, dots or hyphens)"
	}
	if m := regexp.MustCompile(reOnedataConnect).FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("OSCAR could not reach the Onedata provider %q", m[1])
	}
	if strings.Contains(low, "error registering the service's webhook") {
		return "OSCAR could not register the service with its MinIO storage (MinIO may be down)"
	}
	if strings.Contains(low, "minio user not provisioned") {
		return "your storage account on this OSCAR is not ready yet; open the services list once and try again"
	}
	if strings.Contains(low, "isn't enrrolled on the vo") || strings.Contains(low, "isn't enrolled on the vo") {
		return "you are not a member of the chosen VO"
	}
	if strings.Contains(low, "volume updates are not supported") {
		return "a service's volume cannot be changed after it is created"
	}
	if m := volumeMessage(low); m != "" {
		return m
	}
	if m := regexp.MustCompile(reFieldRequired).FindStringSubmatch(msg); m != nil {
		field := strings.ToLower(m[1])
		switch m[2] {
		case "required":
			return "the " + field + " is required"
		case "max":
			if field == "name" {
				return "the service name must be at most 39 characters"
			}
			return "the " + field + " is too long"
		case "min":
			return "the " + field + " is too short"
		}
		return "the " + field + " is not valid"
	}
	if status == http.StatusForbidden && strings.Contains(low, "quota") {
		return "your quota does not allow this (too many buckets or too much storage)"
	}
	return msg
}

// firstMessage keeps the first sensible message of a plain-text body:
// OSCAR handlers that do not return after writing an error glue a second
// text (or a JSON document) to the first one.
func firstMessage(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	for _, junk := range []string{"{}", "[]", "null", `""`} {
		s = strings.TrimSpace(strings.TrimPrefix(s, junk))
	}
	if s == "" {
		return ""
	}
	// A JSON document (possibly after a message, as when the OIDC
	// middleware does not abort): keep the text before it.
	if s[0] == '{' || s[0] == '[' {
		return "" // only a JSON body: nothing a person can read
	}
	if i := strings.IndexAny(s, "{["); i > 0 {
		s = s[:i]
	}
	// fmt's %!(EXTRA ...) marks a second, badly formatted message.
	if i := strings.Index(s, "%!("); i >= 0 {
		s = s[:i]
	}
	if loc := regexp.MustCompile(reGlued).FindStringIndex(s); loc != nil && loc[0] > 0 {
		s = s[:loc[0]+1]
	}
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(strings.TrimSpace(s), ":;,. ")
	if len(s) > maxMessageLen {
		s = s[:maxMessageLen]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}
