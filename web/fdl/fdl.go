// Package fdl reads and writes OSCAR's Function Definition Language (FDL), the YAML files that
// oscar-cli applies:
//
//	functions:
//	  oscar:
//	  - <cluster-id>:
//	      name: grayify
//	      image: ghcr.io/grycap/imagemagick
//	      script: script.sh
//	      ...
//	storage_providers:
//	  onedata:
//	    <id>: {oneprovider_host: ..., token: ..., space: ...}
//
// Parse reads what oscar-cli reads: keys are matched against OSCAR's service definition
// (oscar.Service and its parts, case-insensitively as encoding/json does, which is why OSCAR's own
// examples may write "Variables"); a key it does not know is ignored, as oscar-cli's YAML decoder
// ignores it, and listed in File.Warnings with its line. OSCAR 3's "replicas" (with "delegation"
// and "rescheduler_threshold") becomes OSCAR 4's "federation". Only what cannot mean anything
// (malformed YAML, a value of the wrong type) is refused, with the line. Marshal writes a service back in the same
// shape, sanitised (no token, credentials, owner or namespace) unless asked for the complete
// definition.
//
// Everything here is a pure function of its arguments: no I/O, no globals.
package fdl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// MaxSize bounds the FDL files Parse accepts (bytes).
const MaxSize = 1 << 20

// maxNodes bounds the YAML nodes Parse visits, so that aliases cannot make a small file expand into
// an enormous one ("billion laughs").
const maxNodes = 100000

// DefaultClusterID is the cluster key Marshal writes when the service names none.
const DefaultClusterID = "oscar-cluster"

// Error is a problem in an FDL file, with the line it was found on (0 when it concerns the whole
// file). Msg is meant for the user.
type Error struct {
	Line int
	Msg  string
}

// Error returns "fdl: line N: msg".
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("fdl: line %d: %s", e.Line, e.Msg)
	}
	return "fdl: " + e.Msg
}

// Function is one service of an FDL file.
type Function struct {
	// ClusterID is the key the service was listed under (oscar-cli's cluster name).
	ClusterID string
	// Service is the definition as written in the file; Script is empty when ScriptFile is set.
	Service oscar.Service
	// ScriptFile is the file name that script names ("script.sh"), "" when the script is written
	// inline or missing. Only the base name is kept: the file is expected beside the FDL.
	ScriptFile string
	// Line is where the service's definition starts.
	Line int
	// Keys are the service's members the file gives, by their JSON names ("memory", "input"),
	// "federation" included when converted from OSCAR 3's keys: an update from the file changes
	// these and keeps the rest (see Overlay).
	Keys []string
}

// File is a parsed FDL file.
type File struct {
	Functions []Function
	// StorageProviders are the top-level providers, shared by every function.
	StorageProviders *oscar.StorageProviders
	// Clusters are the top-level clusters, shared by every function.
	Clusters map[string]oscar.Cluster
	// Warnings list what Parse ignored or converted, in the order of the file.
	Warnings []Warning
}

// Warning is a key of the file that Parse ignored or converted, with its line. Msg is meant for
// the user.
type Warning struct {
	Line int
	Msg  string
}

// String returns "Line N: msg".
func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("Line %d: %s", w.Line, w.Msg)
	}
	return w.Msg
}

// Parse reads an FDL file. Malformed YAML and values of the wrong type give an *Error with the
// line; unknown keys are ignored and listed in File.Warnings.
func Parse(data []byte) (*File, error) {
	if len(data) > MaxSize {
		return nil, &Error{Msg: fmt.Sprintf("the file is larger than %d KiB", MaxSize>>10)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Msg: "the file is empty"}
		}
		return nil, yamlError(data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{Line: extra.Line, Msg: "the file holds more than one YAML document; keep one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(data, err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, &Error{Msg: "the file is empty"}
	}
	f := &File{}
	w := &walker{warn: func(line int, msg string) { f.Warnings = append(f.Warnings, Warning{Line: line, Msg: msg}) }}
	top, err := w.deref(root.Content[0])
	if err != nil {
		return nil, err
	}
	if top.Kind != yaml.MappingNode {
		return nil, &Error{Line: top.Line, Msg: "an FDL file is a mapping that starts with \"functions:\""}
	}
	var functions *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if err := checkKey(k); err != nil {
			return nil, err
		}
		switch strings.ToLower(k.Value) {
		case "functions":
			functions = v
		case "storage_providers":
			val, err := w.value(v, reflect.TypeFor[oscar.StorageProviders](), "storage providers")
			if err != nil {
				return nil, err
			}
			var sp oscar.StorageProviders
			if err := convert(val, &sp, v.Line); err != nil {
				return nil, err
			}
			f.StorageProviders = &sp
		case "clusters":
			val, err := w.value(v, reflect.TypeFor[map[string]oscar.Cluster](), "clusters")
			if err != nil {
				return nil, err
			}
			if err := convert(val, &f.Clusters, v.Line); err != nil {
				return nil, err
			}
		default:
			w.warn(k.Line, fmt.Sprintf("%q is not an FDL key (oscar-cli reads functions, storage_providers and clusters): ignored", k.Value))
		}
	}
	if functions == nil {
		return nil, &Error{Line: top.Line, Msg: "the file has no \"functions:\" section"}
	}
	if err := w.functions(functions, f); err != nil {
		return nil, err
	}
	if len(f.Functions) == 0 {
		return nil, &Error{Line: functions.Line, Msg: "\"functions: oscar:\" lists no service"}
	}
	return f, nil
}

// functions reads "functions: {oscar: [{<cluster>: <service>}, ...]}".
func (w *walker) functions(n *yaml.Node, f *File) error {
	n, err := w.deref(n)
	if err != nil {
		return err
	}
	if n.Kind != yaml.MappingNode {
		return &Error{Line: n.Line, Msg: "\"functions\" must be a mapping with an \"oscar\" list"}
	}
	var list *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if err := checkKey(k); err != nil {
			return err
		}
		if !strings.EqualFold(k.Value, "oscar") {
			w.warn(k.Line, fmt.Sprintf("%q under functions is not an OSCAR service list (only \"oscar\" is): ignored", k.Value))
			continue
		}
		list = n.Content[i+1]
	}
	if list == nil {
		return &Error{Line: n.Line, Msg: "\"functions\" has no \"oscar\" list"}
	}
	if list, err = w.deref(list); err != nil {
		return err
	}
	if list.Kind != yaml.SequenceNode {
		return &Error{Line: list.Line, Msg: "\"oscar\" must be a list of \"- <cluster-id>: <service>\" entries"}
	}
	for _, item := range list.Content {
		item, err := w.deref(item)
		if err != nil {
			return err
		}
		if item.Kind != yaml.MappingNode || len(item.Content) == 0 {
			return &Error{Line: item.Line, Msg: "each entry of \"oscar\" must be \"<cluster-id>:\" followed by a service"}
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			if err := checkKey(k); err != nil {
				return err
			}
			if strings.TrimSpace(k.Value) == "" {
				return &Error{Line: k.Line, Msg: "the cluster id before the service is empty (write \"- <cluster-id>:\")"}
			}
			fn, err := w.function(k.Value, v)
			if err != nil {
				return err
			}
			f.Functions = append(f.Functions, fn)
		}
	}
	return nil
}

func (w *walker) function(cluster string, n *yaml.Node) (Function, error) {
	fn := Function{ClusterID: cluster, Line: n.Line}
	d, err := w.deref(n)
	if err != nil {
		return fn, err
	}
	if d.Kind != yaml.MappingNode {
		return fn, &Error{Line: d.Line, Msg: fmt.Sprintf("the service under %q must be a mapping of fields", cluster)}
	}
	d, v3, err := w.oscar3Keys(d)
	if err != nil {
		return fn, err
	}
	val, err := w.value(d, reflect.TypeFor[oscar.Service](), "service")
	if err != nil {
		return fn, err
	}
	if err := convert(val, &fn.Service, d.Line); err != nil {
		return fn, err
	}
	w.federationFrom(&fn.Service, v3)
	fn.Keys = serviceKeys(d, fn.Service.Federation != nil)
	if name, ok := ScriptFileName(fn.Service.Script); ok {
		fn.ScriptFile = name
		fn.Service.Script = ""
	}
	return fn, nil
}

// scriptFileRE matches what oscar-cli takes for a file name: one word with a dot, no spaces.
const scriptFileRE = `^[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.[A-Za-z0-9]+$`

// ScriptFileName reports whether an FDL's script value names a file (oscar-cli reads the script
// from that file) rather than holding the script itself, and returns the file's base name.
// "script.sh" and "scripts/run.py" are names; anything with a space or a line break is a script.
func ScriptFileName(script string) (string, bool) {
	s := strings.TrimSpace(script)
	if s == "" || len(s) > 255 || !scriptFile.MatchString(s) {
		return "", false
	}
	return path.Base(s), true
}

// Service returns function i ready to send to OSCAR: the top-level storage providers and clusters
// are merged in (a provider the service defines itself wins), ClusterID is set from the FDL when
// the service names none (as oscar-cli does), and a script named by file is taken from scripts
// (base file name → content). missing is the script file name when it was named but not given.
func (f *File) Service(i int, scripts map[string]string) (s oscar.Service, missing string) {
	fn := f.Functions[i]
	s = oscar.Clone(fn.Service)
	if s.ClusterID == "" {
		s.ClusterID = fn.ClusterID
	}
	if fn.ScriptFile != "" {
		if body, ok := scripts[fn.ScriptFile]; ok {
			s.Script = body
		} else {
			missing = fn.ScriptFile
		}
	}
	if f.StorageProviders != nil {
		top := oscar.Clone(oscar.Service{StorageProviders: f.StorageProviders}).StorageProviders
		if s.StorageProviders == nil {
			s.StorageProviders = top
		} else {
			s.StorageProviders.AddMissing(top)
		}
	}
	for k, c := range f.Clusters {
		if s.Clusters == nil {
			s.Clusters = map[string]oscar.Cluster{}
		}
		if _, ok := s.Clusters[k]; !ok {
			s.Clusters[k] = c
		}
	}
	return s, missing
}

// convert turns the JSON-ready value built by the walker into v through encoding/json, so that the
// oscar types' own decoding (and their Extra members) apply.
func convert(val any, v any, line int) error {
	b, err := json.Marshal(val)
	if err != nil {
		return &Error{Line: line, Msg: "this part of the file cannot be read"}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &Error{Line: line, Msg: "this part of the file does not match OSCAR's service definition"}
	}
	return nil
}

const yamlLineRE = `line (\d+): (.+)`

// maxScan bounds the files in which yamlError looks for the exact line of a syntax error.
const maxScan = 64 << 10

// yamlError turns a YAML syntax error into an *Error with its line. The YAML parser reports the
// line where the enclosing block starts, which can be far above the mistake; for files of
// ordinary size the first line after which the file no longer parses is reported instead.
func yamlError(data []byte, err error) error {
	msg := err.Error()
	m := regexp.MustCompile(yamlLineRE).FindStringSubmatch(msg)
	if m == nil {
		return &Error{Msg: "the YAML is malformed: " + strings.TrimPrefix(msg, "yaml: ")}
	}
	line, _ := strconv.Atoi(m[1])
	text := strings.TrimSpace(m[2])
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if len(data) <= maxScan {
		line = firstFailingLine(data, line)
	}
	return &Error{Line: line, Msg: "the YAML is malformed: " + text}
}

// firstFailingLine returns the first line n >= from such that the file's first n lines do not
// parse, or from when there is none.
func firstFailingLine(data []byte, from int) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	for n := max(from, 1); n <= len(lines) && n < from+500; n++ {
		var node yaml.Node
		if err := yaml.Unmarshal(bytes.Join(lines[:n], nil), &node); err != nil {
			return n
		}
	}
	return from
}

// scriptFile is scriptFileRE compiled once.
var scriptFile = regexp.MustCompile(scriptFileRE)
