package apps

import (
	"errors"
	"fmt"
	"strings"

	"github.com/oscarconsole/oscar-console/web/remote"
)

// Sources are where each kind's template comes from, by kind ID. A kind missing from the map is
// off: the console does not offer it.
type Sources map[string]remote.Source

// DefaultSources are the grycap repositories the official dashboard reads.
func DefaultSources() Sources {
	out := Sources{}
	for _, k := range Kinds() {
		src, err := remote.ParseSource(k.Source, false)
		if err != nil {
			panic("apps: default source of " + k.ID + ": " + err.Error())
		}
		out[k.ID] = src
	}
	return out
}

// ParseSources reads CONSOLE_APP_SOURCES: comma-separated overrides "kind=source", where source is
// github:owner/name@ref, https://base (with an index.json) or file:/dir, or "off" to turn the kind
// off. Kinds not named keep their default. Every problem is reported at once.
func ParseSources(spec string, allowHTTP bool) (Sources, error) {
	out := DefaultSources()
	var errs []error
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, val, ok := strings.Cut(part, "=")
		id, val = strings.TrimSpace(id), strings.TrimSpace(val)
		if !ok || val == "" {
			errs = append(errs, fmt.Errorf("%q: write kind=source, e.g. juno=github:grycap/oscar-juno@main", part))
			continue
		}
		if _, known := Lookup(id); !known {
			errs = append(errs, fmt.Errorf("%q: unknown app %q (the apps are %s)", part, id, kindIDs()))
			continue
		}
		if seen[id] {
			errs = append(errs, fmt.Errorf("%q: the app %s is named twice", part, id))
			continue
		}
		seen[id] = true
		if val == "off" {
			delete(out, id)
			continue
		}
		src, err := remote.ParseSource(val, allowHTTP)
		if err != nil {
			errs = append(errs, fmt.Errorf("app %s: %w", id, err))
			continue
		}
		out[id] = src
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func kindIDs() string {
	var ids []string
	for _, k := range Kinds() {
		ids = append(ids, k.ID)
	}
	return strings.Join(ids, ", ")
}
