package handlers

import (
	"net/url"
	"strings"
)

// SafeNext reports whether next is a safe return path: a relative path on this site. It refuses
// scheme-relative ("//host"), backslash ("/\host") and absolute URLs, and control characters, as
// oauth2-proxy's redirect validator does (R23).
func SafeNext(next string) bool {
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return false
	}
	if strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return false
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' || c == ' ' || c == '\u00a0' || c == '\u2028' || c == '\u2029' {
			return false
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	// A path that decodes to "//" or "/\" is just as dangerous once a proxy unescapes it.
	if dec, err := url.PathUnescape(u.Path); err != nil || strings.HasPrefix(dec, "//") || strings.HasPrefix(dec, "/\\") {
		return false
	}
	return true
}

// nextOr returns next when it is safe, else def.
func nextOr(next, def string) string {
	if SafeNext(next) {
		return next
	}
	return def
}
