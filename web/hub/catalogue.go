package hub

import (
	"net/http"
	"regexp"
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
