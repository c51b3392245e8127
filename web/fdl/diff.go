package fdl

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Change is one field that an update changes, for the Review of an update. Secret values are
// never given: Old and New are empty for a secret, and State says what happens to it.
type Change struct {
	Field  string // "memory", "input[0].path", "environment.secrets.TOKEN"
	Old    string // "" when the field is added
	New    string // "" when the field is removed
	Secret bool
	// State is "added", "removed" or "changed"; for secrets also "unchanged" and "sent again"
	// (OSCAR does not return environment secrets, so whether they change cannot be known).
	State string
}

// Diff lists, field by field, how next differs from current (the service as OSCAR has it).
// What only OSCAR sets (token, owner, namespace, its labels, bucket_list, deployment,
// volume_status, the minio.default provider) is left out. Every secret of either is listed with
// its State only.
func Diff(current, next oscar.Service) []Change {
	cur, nxt := flatten(current), flatten(next)
	secret := secretPaths(current)
	maps.Copy(secret, secretPaths(next))
	paths := slices.Sorted(maps.Keys(cur))
	for p := range nxt {
		if _, ok := cur[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.SortStableFunc(paths, comparePaths)
	var out []Change
	for _, p := range paths {
		if serverSet(p) {
			continue
		}
		o, hadOld := cur[p]
		n, hasNew := nxt[p]
		c := Change{Field: p, Old: o, New: n}
		switch {
		case !hadOld:
			c.State = "added"
		case !hasNew:
			c.State = "removed"
		case o != n:
			c.State = "changed"
		default:
			c.State = "unchanged"
		}
		if secret[p] {
			c.Secret, c.Old, c.New = true, "", ""
			if strings.HasPrefix(p, "environment.secrets.") && hadOld && o == "" && n != "" {
				c.State = "sent again"
			}
			out = append(out, c)
			continue
		}
		if c.State != "unchanged" {
			out = append(out, c)
		}
	}
	return out
}

// Changed reports whether changes hold anything but unchanged secrets.
func Changed(changes []Change) bool {
	return slices.ContainsFunc(changes, func(c Change) bool { return c.State != "unchanged" })
}

// comparePaths orders paths as a person reads a service: by member, indexes numerically.
func comparePaths(a, b string) int {
	return strings.Compare(sortKey(a), sortKey(b))
}

func sortKey(p string) string {
	var sb strings.Builder
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '[' || r == ']' }) {
		if n, err := strconv.Atoi(part); err == nil {
			fmt.Fprintf(&sb, "[%06d]", n)
		} else {
			sb.WriteString(part)
		}
	}
	return sb.String()
}

// serverSet reports whether path is a field only OSCAR sets.
func serverSet(p string) bool {
	for _, prefix := range []string{"token", "owner", "namespace", "bucket_list", "volume_status", "deployment", "storage_providers.minio.default"} {
		if p == prefix || strings.HasPrefix(p, prefix+".") || strings.HasPrefix(p, prefix+"[") {
			return true
		}
	}
	if l, ok := strings.CutPrefix(p, "labels."); ok && oscar.IsServerLabel(l) {
		return true
	}
	return false
}

// secretPaths lists the paths of s that hold secrets: what oscar.Masked masks, and every
// environment secret (OSCAR returns them blank).
func secretPaths(s oscar.Service) map[string]bool {
	out := map[string]bool{}
	for p, v := range flatten(oscar.Masked(s)) {
		if v == oscar.Mask || strings.HasPrefix(p, "environment.secrets.") {
			out[p] = true
		}
	}
	return out
}

// flatten writes s's JSON form as path → value for every leaf.
func flatten(s oscar.Service) map[string]string {
	b, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	out := map[string]string{}
	walkJSON("", v, out)
	return out
}

func walkJSON(path string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walkJSON(p, c, out)
		}
	case []any:
		for i, c := range x {
			walkJSON(fmt.Sprintf("%s[%d]", path, i), c, out)
		}
	case nil:
	case string:
		out[path] = x
	default:
		b, _ := json.Marshal(x)
		out[path] = string(b)
	}
}
