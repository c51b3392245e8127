package bucket

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Browsable reports whether the console can browse a provider kind read-only (S3, Onedata, WebDAV).
func Browsable(kind string) bool { return kind == "s3" || kind == "onedata" || kind == "webdav" }

// CleanRemotePath normalises a path on another storage provider ("/a/b/" → "a/b"); ok is false for
// a path no provider should be asked for (control characters, "." or ".." or empty segments, not
// UTF-8, over 1024 bytes).
func CleanRemotePath(s string) (string, bool) {
	s = strings.Trim(s, "/")
	if len(s) > 1024 || !utf8.ValidString(s) || strings.Contains(s, "//") {
		return "", false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\\' {
			return "", false
		}
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == "." || seg == ".." {
			return "", false
		}
	}
	return s, true
}

// Within reports whether path p is one of roots or below one: the console browses only the folders
// a service declares for a provider, not everything its credentials reach.
func Within(roots []string, p string) bool {
	for _, r := range roots {
		if r != "" && (p == r || strings.HasPrefix(p, r+"/")) {
			return true
		}
	}
	return false
}
