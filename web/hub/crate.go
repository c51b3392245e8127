// Package hub is the OSCAR Hub without HTTP: a crate's RO-Crate metadata read into what the console
// shows (name, description, type, needs, parts), the catalogue of a source's listing, the checks a
// crate must pass (what OSCAR Hub requires of ro-crate-metadata.json), the README rendered to safe
// HTML, and what deploying a crate needs (parameters the user must fill, a free service name).
package hub

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/web/remote"
)

// File names a crate is made of.
const (
	MetadataFile = "ro-crate-metadata.json"
	FDLFile      = "fdl.yml"
	ScriptFile   = "script.sh"
	// CratesDir is the folder of a source that holds one folder per crate.
	CratesDir = "crates"
)

// Service types a crate declares (serviceType).
const (
	Synchronous  = "synchronous"
	Asynchronous = "asynchronous"
	Exposed      = "exposed"
)

// Types lists the service types in the order the filter offers them.
var Types = []string{Synchronous, Asynchronous, Exposed}

// Crate is what the console shows of one crate, read from its ro-crate-metadata.json.
type Crate struct {
	// Dir is the crate's folder name (crates/<Dir>/).
	Dir         string
	Name        string
	Description string
	Version     string
	License     string
	Author      string
	// Type is serviceType: synchronous, asynchronous or exposed ("" when missing or unknown).
	Type string
	// CPU, Memory and GPU are the needs the crate declares, as written ("1 vCPU", "512 MiB", "1 GPU").
	CPU, Memory, GPU string
	// Parts are the files hasPart names, as written (checked with remote.ValidPath before use).
	Parts []string
	// Icon is the part that is the crate's icon ("" when none).
	Icon string
	// Samples are the parts that are sample inputs (see samplePart).
	Samples []string
	// Readme is the README file of the crate, when hasPart or the listing names one.
	Readme string
}

// node is one entity of the RO-Crate graph.
type node map[string]any

type metadata struct {
	Graph []node `json:"@graph"`
}

// ParseMetadata reads ro-crate-metadata.json. It fails only when the file is not an RO-Crate at all
// (not JSON, no @graph, no root entity); missing fields are for Check to report.
func ParseMetadata(dir string, b []byte) (Crate, error) {
	var m metadata
	if err := json.Unmarshal(b, &m); err != nil {
		return Crate{}, fmt.Errorf("hub: %s is not valid JSON: %w", MetadataFile, err)
	}
	idx := map[string]node{}
	for _, n := range m.Graph {
		if id := str(n["@id"]); id != "" {
			idx[id] = n
		}
	}
	rootID := "./"
	if desc, ok := idx[MetadataFile]; ok {
		if about := ids(desc["about"]); len(about) > 0 {
			rootID = about[0]
		}
	}
	root, ok := idx[rootID]
	if !ok {
		return Crate{}, fmt.Errorf("hub: %s has no root entity (%q)", MetadataFile, rootID)
	}
	c := Crate{
		Dir:         dir,
		Name:        oneLine(str(root["name"])),
		Description: strings.TrimSpace(str(root["description"])),
		Version:     oneLine(firstOf(str(root["version"]), str(root["softwareVersion"]))),
		License:     oneLine(names(idx, root["license"])),
		Author:      oneLine(names(idx, root["author"])),
		Memory:      oneLine(strings.Join(strs(root["memoryRequirements"]), ", ")),
		Parts:       ids(root["hasPart"]),
	}
	if t := strings.ToLower(strings.TrimSpace(str(root["serviceType"]))); slices.Contains(Types, t) {
		c.Type = t
	}
	for _, req := range strs(root["processorRequirements"]) {
		switch {
		case reGPU.MatchString(req):
			c.GPU = oneLine(req)
		default:
			c.CPU = oneLine(firstOf(c.CPU, req))
		}
	}
	supplied := suppliedInputs(m.Graph, idx)
	for _, p := range c.Parts {
		n := idx[p]
		switch base := strings.ToLower(path.Base(p)); {
		case c.Icon == "" && (strings.HasPrefix(base, "icon.") || hasType(n, "ImageObject") && strings.Contains(base, "icon")):
			c.Icon = p
		case c.Readme == "" && (base == "readme.md" || base == "readme"):
			c.Readme = p
		case samplePart(p, supplied):
			c.Samples = append(c.Samples, p)
		}
	}
	return c, nil
}

// samplePart reports whether a part is a sample input: a file the crate's acceptance test supplies
// or consumes (HowToSupply item, ConsumeAction object), or a file whose name starts with "input"
// (the OSCAR Hub convention: input.txt, input.png). Definitions, scripts and docker files never are.
func samplePart(p string, supplied map[string]bool) bool {
	base := strings.ToLower(path.Base(p))
	switch {
	case p == FDLFile, p == ScriptFile, p == MetadataFile, strings.HasPrefix(p, "docker/"),
		strings.HasPrefix(base, "ro-crate-"), strings.HasPrefix(base, "readme"):
		return false
	}
	return supplied[p] || strings.HasPrefix(base, "input")
}

func suppliedInputs(graph []node, idx map[string]node) map[string]bool {
	out := map[string]bool{}
	for _, n := range graph {
		switch {
		case hasType(n, "HowToSupply"):
			for _, id := range ids(n["item"]) {
				out[id] = true
			}
		case hasType(n, "ConsumeAction"):
			for _, id := range ids(n["object"]) {
				out[id] = true
			}
		}
	}
	return out
}

var reGPU = regexp.MustCompile(`(?i)\bgpus?\b`)

// GPUs is the number of GPUs the crate asks for (0 when none or unreadable): "1 GPU" → 1.
func (c Crate) GPUs() int {
	f := strings.Fields(c.GPU)
	if len(f) == 0 {
		return 0
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Title is the crate's name, or its folder when the metadata has none.
func (c Crate) Title() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Dir
}

// Summary is the description cut to its first sentence or 160 characters, for a card.
func (c Crate) Summary() string {
	d := oneLine(c.Description)
	if i := strings.Index(d, ". "); i > 0 && i < 160 {
		return d[:i+1]
	}
	if r := []rune(d); len(r) > 160 {
		return strings.TrimSpace(string(r[:157])) + "…"
	}
	return d
}

// Matches reports whether the crate fits a search (words, all of which must appear in its name,
// folder or description, any case) and a type ("" for any).
func (c Crate) Matches(query, typ string) bool {
	if typ != "" && c.Type != typ {
		return false
	}
	hay := strings.ToLower(c.Name + " " + c.Dir + " " + c.Description)
	for _, w := range strings.Fields(strings.ToLower(query)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// SafeParts are the parts that name a file inside the crate (remote.ValidPath), in order.
func (c Crate) SafeParts() []string {
	var out []string
	for _, p := range c.Parts {
		if remote.ValidPath(p) {
			out = append(out, p)
		}
	}
	return out
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case map[string]any:
		return str(t["@id"])
	}
	return ""
}

func strs(v any) []string {
	switch t := v.(type) {
	case []any:
		var out []string
		for _, e := range t {
			if s := strings.TrimSpace(str(e)); s != "" {
				out = append(out, s)
			}
		}
		return out
	default:
		if s := strings.TrimSpace(str(v)); s != "" {
			return []string{s}
		}
	}
	return nil
}

// ids reads a reference or a list of references ({"@id": …} or plain strings).
func ids(v any) []string { return strs(v) }

// names reads a reference (or list) as the names of the entities it points to, or the references
// themselves when the graph does not name them.
func names(idx map[string]node, v any) string {
	var out []string
	for _, id := range ids(v) {
		if n, ok := idx[id]; ok && str(n["name"]) != "" {
			out = append(out, str(n["name"]))
			continue
		}
		if m, ok := v.(map[string]any); ok && str(m["name"]) != "" {
			out = append(out, str(m["name"]))
			continue
		}
		out = append(out, id)
	}
	return strings.Join(out, ", ")
}

func hasType(n node, t string) bool {
	if n == nil {
		return false
	}
	return slices.Contains(strs(n["@type"]), t)
}

func firstOf(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// oneLine folds whitespace and control characters to single spaces and caps the length: metadata
// is shown in cards and headings.
func oneLine(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == ' ' }), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}
