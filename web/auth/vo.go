package auth

import (
	"slices"
	"strings"
)

// egiGroupPrefix starts every EGI Check-in group entitlement.
const egiGroupPrefix = "urn:mace:egi.eu:group:"

// egiAuthority is the group authority of Check-in-managed groups.
const egiAuthority = "aai.egi.eu"

// ParseVOs returns the VOs (and groups) in a UserInfo object, de-duplicated
// and sorted:
//
//   - EGI entitlements from the "entitlements" claim or, when that holds no
//     value, "eduperson_entitlement" (as IM Dashboard reads them). A value
//     counts when, lower-cased and trimmed, it has the form
//     urn:mace:egi.eu:group:<vo>[:<subgroup>...][:role=<role>]#aai.egi.eu;
//     the VO is field 4 when the value is split on ':', exactly as OSCAR's
//     getGroupsEGI picks it, so a user is shown the groups OSCAR will see.
//     The authority is cut off first, so a value without role or subgroup
//     gives <vo> (OSCAR would see "<vo>#aai.egi.eu" there and match
//     nothing). Capabilities (urn:mace:egi.eu:res:...), GOCDB roles and
//     other authorities are ignored.
//   - Keycloak "group_membership" values with the leading '/' removed.
//
// Each claim may be a list of strings or a single string.
func ParseVOs(userinfo map[string]any) []string {
	var vos []string
	ents := stringsClaim(userinfo["entitlements"])
	if len(ents) == 0 {
		ents = stringsClaim(userinfo["eduperson_entitlement"])
	}
	for _, e := range ents {
		if vo, ok := egiVO(e); ok {
			vos = append(vos, vo)
		}
	}
	for _, g := range stringsClaim(userinfo["group_membership"]) {
		if g = strings.TrimLeft(strings.TrimSpace(g), "/"); g != "" {
			vos = append(vos, g)
		}
	}
	slices.Sort(vos)
	return slices.Compact(vos)
}

// egiVO returns the VO of one EGI group entitlement.
func egiVO(e string) (string, bool) {
	u := strings.ToLower(strings.TrimSpace(e))
	body, authority, ok := strings.Cut(u, "#")
	if !ok || authority != egiAuthority || !strings.HasPrefix(body, egiGroupPrefix) {
		return "", false
	}
	f := strings.Split(body, ":")
	vo := f[4] // the prefix guarantees at least 5 fields
	if vo == "" || strings.HasPrefix(vo, "role=") {
		return "", false
	}
	return vo, true
}

// stringsClaim reads a claim that should be a list of strings, tolerating
// a single string and skipping non-string elements.
func stringsClaim(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// IsVOMember reports whether vos (from ParseVOs) contains one of required,
// compared case-insensitively. An empty required list (blank entries
// ignored) means no restriction: true.
func IsVOMember(vos []string, required []string) bool {
	restricted := false
	for _, r := range required {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		restricted = true
		for _, v := range vos {
			if strings.EqualFold(v, r) {
				return true
			}
		}
	}
	return !restricted
}
