package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/remote"
)

// Files is a crate's folder as Check reads it: what it holds and each file's content.
type Files interface {
	// Has reports whether the crate holds the file p (a path inside the crate).
	Has(p string) bool
	// Read returns the file p; an error when it cannot be read or is over the reader's cap.
	Read(p string) ([]byte, error)
}

// MapFiles is a crate held in memory (an uploaded zip): path inside the crate → content.
type MapFiles map[string][]byte

// Has reports whether the map holds p.
func (m MapFiles) Has(p string) bool { _, ok := m[p]; return ok }

// Read returns the content of p.
func (m MapFiles) Read(p string) ([]byte, error) {
	b, ok := m[p]
	if !ok {
		return nil, errors.New("no such file")
	}
	return b, nil
}

// Problem is one thing wrong with a crate, for the user: the file (or field) and what is wrong.
type Problem struct {
	Where string
	Msg   string
}

// The fields OSCAR Hub's crates give and the console shows; a crate without one of them is refused
// by Check. (oscar-hub's CI checks the RO-Crate 1.1 profile; these are the fields its catalogue,
// the dashboard and oscar-cli's hub commands read.)
var requiredFields = []struct{ key, label string }{
	{"name", "name"},
	{"description", "description"},
	{"license", "license"},
	{"author", "author"},
	{"serviceType", "serviceType (synchronous, asynchronous or exposed)"},
	{"memoryRequirements", "memoryRequirements"},
	{"processorRequirements", "processorRequirements"},
	{"hasPart", "hasPart"},
}

// Check lists what is wrong with a crate: ro-crate-metadata.json missing or not an RO-Crate, a
// required field missing or empty, serviceType not one of the three, hasPart naming a file outside
// the crate (an absolute path, a URL, "..") or a file the crate does not hold, fdl.yml or script.sh
// missing, fdl.yml not an FDL file with one service, the icon not a PNG/JPEG/WebP/GIF or over
// MaxIcon. An empty list means the crate is valid.
func Check(f Files) []Problem {
	var out []Problem
	add := func(where, format string, a ...any) { out = append(out, Problem{where, fmt.Sprintf(format, a...)}) }
	if !f.Has(MetadataFile) {
		add(MetadataFile, "The crate has no %s.", MetadataFile)
		return out
	}
	raw, err := f.Read(MetadataFile)
	if err != nil {
		add(MetadataFile, "The file could not be read: %s.", readReason(err))
		return out
	}
	c, err := ParseMetadata("", raw)
	if err != nil {
		add(MetadataFile, "The file is not an RO-Crate: %s.", strings.TrimPrefix(err.Error(), "hub: "))
		return out
	}
	root := rootFields(raw)
	for _, r := range requiredFields {
		if len(strs(root[r.key])) == 0 {
			add(MetadataFile, "The field %s is missing or empty.", r.label)
		}
	}
	if t := str(root["serviceType"]); t != "" && c.Type == "" {
		add(MetadataFile, "serviceType is %q; it must be synchronous, asynchronous or exposed.", oneLine(t))
	}
	for _, p := range c.Parts {
		switch {
		case isURL(p):
			add(MetadataFile, "hasPart names %q, which is not a file of the crate.", oneLine(p))
		case !remote.ValidPath(p):
			add(MetadataFile, "hasPart names %q, a path that leads outside the crate.", oneLine(p))
		case !f.Has(p):
			add(p, "hasPart names %s, which the crate does not hold.", p)
		}
	}
	for _, need := range []string{FDLFile, ScriptFile} {
		if !slices.Contains(c.Parts, need) {
			add(MetadataFile, "hasPart does not name %s.", need)
		}
	}
	out = append(out, checkFDL(f)...)
	if !f.Has(ScriptFile) {
		add(ScriptFile, "The crate has no %s.", ScriptFile)
	}
	if c.Icon != "" && remote.ValidPath(c.Icon) && f.Has(c.Icon) {
		out = append(out, checkIcon(f, c.Icon)...)
	}
	return out
}

func checkFDL(f Files) []Problem {
	if !f.Has(FDLFile) {
		return []Problem{{FDLFile, "The crate has no " + FDLFile + "."}}
	}
	b, err := f.Read(FDLFile)
	if err != nil {
		return []Problem{{FDLFile, "The file could not be read: " + readReason(err) + "."}}
	}
	parsed, err := fdl.Parse(b)
	var fe *fdl.Error
	switch {
	case errors.As(err, &fe) && fe.Line > 0:
		return []Problem{{FDLFile, fmt.Sprintf("Line %d: %s.", fe.Line, fe.Msg)}}
	case errors.As(err, &fe):
		return []Problem{{FDLFile, upper(fe.Msg) + "."}}
	case err != nil:
		return []Problem{{FDLFile, "The file is not an FDL file."}}
	case len(parsed.Functions) != 1:
		return []Problem{{FDLFile, fmt.Sprintf("The file defines %d services; a crate deploys exactly one.", len(parsed.Functions))}}
	}
	return nil
}

func checkIcon(f Files, icon string) []Problem {
	b, err := f.Read(icon)
	switch {
	case err != nil:
		return []Problem{{icon, "The icon could not be read: " + readReason(err) + "."}}
	case len(b) > MaxIcon:
		return []Problem{{icon, fmt.Sprintf("The icon is %d KiB; at most %d KiB are shown.", len(b)>>10, MaxIcon>>10)}}
	}
	if _, ok := ImageType(b); !ok {
		return []Problem{{icon, "The icon is not a PNG, JPEG, WebP or GIF image (SVG is not shown)."}}
	}
	return nil
}

// rootFields returns the root entity's members (ParseMetadata has already found it).
func rootFields(raw []byte) node {
	var m metadata
	_ = json.Unmarshal(raw, &m)
	rootID := "./"
	for _, n := range m.Graph {
		if str(n["@id"]) == MetadataFile {
			if about := ids(n["about"]); len(about) > 0 {
				rootID = about[0]
			}
		}
	}
	for _, n := range m.Graph {
		if str(n["@id"]) == rootID {
			return n
		}
	}
	return node{}
}

func isURL(p string) bool {
	u, err := url.Parse(p)
	return err == nil && (u.Scheme != "" || u.Host != "")
}

func readReason(err error) string {
	var re *remote.Error
	if errors.As(err, &re) && re.TooLarge {
		return "it is too large"
	}
	if errors.As(err, &re) && re.NotFound {
		return "it is not there"
	}
	return "the source did not give it"
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
