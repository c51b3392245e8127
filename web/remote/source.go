// Package remote fetches files the console shows but does not own: the
// OSCAR Hub's crates and the app templates. A Source names where they live
// (a GitHub repository and branch, an https base URL with an index, or a
// local directory for air-gapped clusters); a Fetcher lists and reads
// them on the server through the hardened outbound client, caches them in
// memory within bounds, revalidates them with ETags after a TTL, and serves
// the last good copy, with its age, when a source is down.
package remote

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// Kind is the kind of a Source.
type Kind int

// The kinds of source.
const (
	// GitHub is a repository at a branch, tag or commit
	// ("github:owner/name@ref"), listed through GitHub's tree API and
	// read from its raw content host.
	GitHub Kind = iota + 1
	// HTTPS is a base URL serving the files and an index.json that lists
	// them ({"files": ["crates/x/fdl.yml", …]}).
	HTTPS
	// Dir is a local directory ("file:/path").
	Dir
)

// Source is one place files are read from. Build it with ParseSource.
type Source struct {
	Kind  Kind
	Owner string // GitHub
	Repo  string // GitHub
	Ref   string // GitHub
	Base  string // HTTPS: the base URL, without a trailing slash
	Dir   string // Dir: an absolute, clean path
	// Sub is a folder within a GitHub repository ("github:owner/name@ref//path/to/folder"): the
	// source's files are those under it, named relative to it. "" is the whole repository.
	Sub string
}

var (
	ghName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)
	ghRef  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./-]{0,199}$`)
)

// ParseSource reads one source: "github:owner/name@ref" (ref defaults to
// main; "github:owner/name@ref//folder" is a folder of it), "https://host/base" or
// "file:/absolute/dir". Plain http is
// accepted only when allowHTTP is set (the operator's
// CONSOLE_ALLOW_HTTP_ENDPOINTS).
func ParseSource(s string, allowHTTP bool) (Source, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "github:"):
		rest := strings.TrimPrefix(s, "github:")
		rest, sub, hasSub := strings.Cut(rest, "//")
		if sub = strings.Trim(sub, "/"); hasSub && !ValidPath(sub) {
			return Source{}, fmt.Errorf("%q: %q is not a folder of the repository", s, sub)
		}
		repo, ref, hasRef := strings.Cut(rest, "@")
		if !hasRef {
			ref = "main"
		}
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || !ghName.MatchString(owner) || !ghName.MatchString(name) || strings.HasSuffix(name, ".git") {
			return Source{}, fmt.Errorf("%q: a GitHub source is github:owner/name@branch", s)
		}
		if !ghRef.MatchString(ref) || strings.Contains(ref, "..") || strings.HasSuffix(ref, "/") {
			return Source{}, fmt.Errorf("%q: %q is not a branch, tag or commit name", s, ref)
		}
		return Source{Kind: GitHub, Owner: owner, Repo: name, Ref: ref, Sub: sub}, nil
	case strings.HasPrefix(s, "file:"):
		dir := strings.TrimPrefix(s, "file:")
		dir = strings.TrimPrefix(dir, "//")
		if !filepath.IsAbs(dir) {
			return Source{}, fmt.Errorf("%q: a directory source is file:/absolute/path", s)
		}
		return Source{Kind: Dir, Dir: filepath.Clean(dir)}, nil
	case strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "http://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return Source{}, fmt.Errorf("%q: not a base URL (no user, query or fragment)", s)
		}
		if u.Scheme == "http" && !allowHTTP {
			return Source{}, fmt.Errorf("%q: plain http is refused; use https", s)
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		return Source{Kind: HTTPS, Base: u.String()}, nil
	}
	return Source{}, fmt.Errorf("%q: a source is github:owner/name@branch, https://… or file:/dir", s)
}

// ParseSources reads a comma- or space-separated list of sources. An empty
// list is valid: the feature is off.
func ParseSources(list string, allowHTTP bool) ([]Source, error) {
	var out []Source
	var errs []error
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		s, err := ParseSource(f, allowHTTP)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !seen[s.String()] {
			seen[s.String()] = true
			out = append(out, s)
		}
	}
	return out, errors.Join(errs...)
}

// String is the source as ParseSource reads it.
func (s Source) String() string {
	switch s.Kind {
	case GitHub:
		if s.Sub != "" {
			return "github:" + s.Owner + "/" + s.Repo + "@" + s.Ref + "//" + s.Sub
		}
		return "github:" + s.Owner + "/" + s.Repo + "@" + s.Ref
	case HTTPS:
		return s.Base
	case Dir:
		return "file:" + s.Dir
	}
	return ""
}

// Label is a short human name for the source.
func (s Source) Label() string {
	switch s.Kind {
	case GitHub:
		if s.Sub != "" {
			return s.Owner + "/" + s.Repo + "/" + s.Sub
		}
		return s.Owner + "/" + s.Repo
	case HTTPS:
		return strings.TrimPrefix(s.Base, "https://")
	case Dir:
		return filepath.Base(s.Dir)
	}
	return ""
}

// ValidPath reports whether p may name a file inside a source: relative,
// slash-separated, clean, no "." or ".." segment, no backslash or control
// character, at most 512 bytes. Every path from a listing, an index or a
// crate's metadata is checked with it before it is read.
func ValidPath(p string) bool {
	if p == "" || len(p) > 512 || strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return false
		}
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
