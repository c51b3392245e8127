package hub

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// reCrateDir is what a crate's folder may be called: it is part of the console's URLs.
var reCrateDir = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// ValidDir reports whether name may be a crate's folder (and a URL segment).
func ValidDir(name string) bool { return reCrateDir.MatchString(name) && !strings.Contains(name, "..") }

// CrateDirs returns the crates of a source's listing: every crates/<name>/ro-crate-metadata.json,
// in the listing's order, names that could not be a URL segment left out.
func CrateDirs(paths []string) []string {
	var out []string
	for _, p := range paths {
		rest, ok := strings.CutPrefix(p, CratesDir+"/")
		if !ok {
			continue
		}
		dir, file, ok := strings.Cut(rest, "/")
		if ok && file == MetadataFile && ValidDir(dir) {
			out = append(out, dir)
		}
	}
	return out
}

// PartPath is where a crate's part lives in its source.
func PartPath(dir, part string) string { return CratesDir + "/" + dir + "/" + part }

// MaxIcon bounds an icon the console serves (bytes).
const MaxIcon = 256 << 10

// ImageType returns the content type of an image by its bytes (never by its name or by what the
// source says): PNG, JPEG, WebP or GIF only. SVG, which can carry script, is never an image here.
func ImageType(b []byte) (string, bool) {
	switch t := http.DetectContentType(b); t {
	case "image/png", "image/jpeg", "image/webp", "image/gif":
		return t, true
	}
	return "", false
}

// Slugs names each source in the console's URLs: its label in lower case, letters, digits and
// hyphens only ("grycap/oscar-hub" → "grycap-oscar-hub"), made unique with -2, -3….
func Slugs(labels []string) []string {
	seen := map[string]bool{}
	out := make([]string, len(labels))
	for i, l := range labels {
		var b strings.Builder
		dash := false
		for _, r := range strings.ToLower(l) {
			ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
			switch {
			case ok:
				b.WriteRune(r)
				dash = false
			case !dash && b.Len() > 0:
				b.WriteByte('-')
				dash = true
			}
		}
		base := strings.Trim(b.String(), "-")
		if len(base) > 40 {
			base = strings.Trim(base[:40], "-")
		}
		if base == "" {
			base = "source"
		}
		slug := base
		for n := 2; seen[slug]; n++ {
			slug = base + "-" + strconv.Itoa(n)
		}
		seen[slug] = true
		out[i] = slug
	}
	return out
}
