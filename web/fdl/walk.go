package fdl

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkKey refuses a key that is not a plain name, and merge keys where Parse does not merge
// (outside services, their parts and maps).
func checkKey(k *yaml.Node) error {
	if k.Kind != yaml.ScalarNode {
		return &Error{Line: k.Line, Msg: "keys must be plain names"}
	}
	if k.Tag == "!!merge" {
		return &Error{Line: k.Line, Msg: "merge keys (<<) are not supported here; write the fields out"}
	}
	return nil
}

// pairs returns a mapping's key/value pairs with its merge keys (<<: *base, or a list of them)
// expanded as YAML 1.1 and oscar-cli's decoder do: the keys written in the mapping win over the
// merged ones, and an earlier merged mapping over a later one.
func (w *walker) pairs(n *yaml.Node, depth int) ([][2]*yaml.Node, error) {
	if depth > 20 {
		return nil, &Error{Line: n.Line, Msg: "merge keys are nested too deeply"}
	}
	var own, merged [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!merge" {
			own = append(own, [2]*yaml.Node{k, v})
			continue
		}
		v, err := w.deref(v)
		if err != nil {
			return nil, err
		}
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, src := range sources {
			if src, err = w.deref(src); err != nil {
				return nil, err
			}
			if src.Kind != yaml.MappingNode {
				return nil, &Error{Line: src.Line, Msg: "a merge key (<<) must name a mapping or a list of mappings"}
			}
			p, err := w.pairs(src, depth+1)
			if err != nil {
				return nil, err
			}
			merged = append(merged, p...)
		}
	}
	given := map[string]bool{}
	for _, p := range own {
		given[strings.ToLower(p[0].Value)] = true
	}
	out := own
	for _, p := range merged {
		if key := strings.ToLower(p[0].Value); !given[key] {
			given[key] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// walker converts YAML nodes into JSON-ready values, checked against a Go type described by its
// JSON tags. It counts the nodes it visits (aliases included).
type walker struct {
	nodes int
	// warn records a key that is ignored or converted.
	warn func(line int, msg string)
}

// deref follows aliases and counts the node.
func (w *walker) deref(n *yaml.Node) (*yaml.Node, error) {
	for depth := 0; n.Kind == yaml.AliasNode; depth++ {
		if n.Alias == nil || depth > 100 {
			return nil, &Error{Line: n.Line, Msg: "an alias cannot be resolved"}
		}
		n = n.Alias
	}
	w.nodes++
	if w.nodes > maxNodes {
		return nil, &Error{Line: n.Line, Msg: "the file expands to too many values (aliases?)"}
	}
	return n, nil
}

// value converts n into a value that encoding/json can encode into type t. what names the thing
// for messages ("service", "storage provider").
func (w *walker) value(n *yaml.Node, t reflect.Type, what string) (any, error) {
	n, err := w.deref(n)
	if err != nil {
		return nil, err
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		return w.object(n, t, what)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nil, &Error{Line: n.Line, Msg: fmt.Sprintf("%s must be a mapping of names to values", what)}
		}
		pairs, err := w.pairs(n, 0)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(pairs))
		for _, p := range pairs {
			k := p[0]
			if err := checkKey(k); err != nil {
				return nil, err
			}
			v, err := w.value(p[1], t.Elem(), elemWhat(what, k.Value))
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode {
			// A single value where a list is expected: oscar-cli users write "suffix: png", and
			// OSCAR before v4.1 had a single api_port.
			v, err := w.value(n, t.Elem(), what)
			if err != nil {
				return nil, err
			}
			return []any{v}, nil
		}
		if n.Kind != yaml.SequenceNode {
			return nil, &Error{Line: n.Line, Msg: fmt.Sprintf("%s must be a list", what)}
		}
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := w.value(c, t.Elem(), what)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return nil, &Error{Line: n.Line, Msg: fmt.Sprintf("%s must be a single value, not a list or mapping", what)}
		}
		// The literal text: "cpu: 1.0" stays "1.0", as oscar-cli users expect.
		return n.Value, nil
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			return nil, &Error{Line: n.Line, Msg: fmt.Sprintf("%s must be true or false", what)}
		}
		return b, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int32
		if n.Kind != yaml.ScalarNode || n.Decode(&i) != nil {
			return nil, &Error{Line: n.Line, Msg: fmt.Sprintf("%s must be a whole number", what)}
		}
		return i, nil
	}
	return nil, &Error{Line: n.Line, Msg: fmt.Sprintf("%s cannot be read from an FDL file", what)}
}

// object converts a mapping into a struct's JSON object; keys the struct does not have are
// ignored with a warning, as oscar-cli's YAML decoder ignores them.
func (w *walker) object(n *yaml.Node, t reflect.Type, what string) (any, error) {
	if n.Kind != yaml.MappingNode {
		return nil, &Error{Line: n.Line, Msg: fmt.Sprintf("%s must be a mapping of fields", what)}
	}
	fields := jsonFields(t)
	pairs, err := w.pairs(n, 0)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(pairs))
	seen := make(map[string]int, len(pairs))
	for _, p := range pairs {
		k := p[0]
		if err := checkKey(k); err != nil {
			return nil, err
		}
		f, ok := lookup(fields, k.Value)
		if !ok {
			w.warn(k.Line, fmt.Sprintf("%q is not a field of %s (known fields: %s): ignored", k.Value, article(what), knownList(fields)))
			continue
		}
		if prev, dup := seen[f.name]; dup {
			return nil, &Error{Line: k.Line, Msg: fmt.Sprintf("%q is given twice (also on line %d)", k.Value, prev)}
		}
		seen[f.name] = k.Line
		v, err := w.value(p[1], f.typ, fieldWhat(what, f.name))
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[f.name] = v
		}
	}
	return out, nil
}

type field struct {
	name string
	typ  reflect.Type
}

// jsonFields lists the JSON members of struct type t (exported fields, "-" skipped).
func jsonFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name: name, typ: f.Type})
	}
	return out
}

// lookup matches a key to a field as encoding/json does: exact first, then case-insensitively.
func lookup(fields []field, key string) (field, bool) {
	for _, f := range fields {
		if f.name == key {
			return f, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return field{}, false
}

func knownList(fields []field) string {
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		names = append(names, f.name)
	}
	sort.Strings(names)
	if len(names) > 12 {
		return strings.Join(names[:12], ", ") + ", …"
	}
	return strings.Join(names, ", ")
}

func article(what string) string {
	switch {
	case what == "":
		return "this mapping"
	case strings.HasPrefix(what, "the "), strings.HasPrefix(what, "\""):
		return what
	}
	return "the " + what
}

// fieldWhat names a field for messages: "service" + "input" → "the input of the service".
func fieldWhat(parent, name string) string {
	return fmt.Sprintf("%q (in %s)", name, article(parent))
}

func elemWhat(parent, key string) string {
	switch parent {
	case "storage providers":
		return "storage provider kind " + strconv.Quote(key)
	}
	return fmt.Sprintf("%q (in %s)", key, article(parent))
}
