// Package admin is the pure logic of the administrator's screens: who OSCAR treats as its
// administrator, the quota form (reading, checking and showing Kubernetes quantities, OSCAR's
// refusals mapped to the form's fields), the users whose quotas are listed, and the tail of the
// OSCAR manager's log. Nothing here does I/O.
package admin

import (
	"slices"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// IsAdmin reports whether OSCAR treats a session of this kind ("basic" or "oidc") as its
// administrator on every admin route. Only the Basic-auth account is: OSCAR's quota routes compare
// the Basic user with OSCAR_USERNAME and refuse every bearer token, and its metrics scope every
// bearer caller to their own services. OIDC users listed in USERS_ADMIN see the manager's log and
// the admin parts of /system/status, but OSCAR does not say who they are, so the console cannot
// show them an administrator's screens it would then half refuse.
func IsAdmin(kind string) bool { return kind == "basic" }

// Users lists the users whose quotas the admin sees: those with requests in the metrics breakdown
// by user and the owners of services, without OSCAR's own account, sorted and without repeats.
func Users(byUser *oscar.MetricsBreakdown, services []oscar.ServiceSummary) []string {
	var out []string
	if byUser != nil {
		for _, it := range byUser.Items {
			out = append(out, it.Key)
		}
	}
	for _, s := range services {
		out = append(out, s.Owner)
	}
	out = slices.DeleteFunc(out, func(u string) bool { return u == "cluster_admin" || CheckUserID(u) != "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// LineChoices are the numbers of lines the manager's log page offers; DefaultLines is the first.
var LineChoices = []int{100, 500, 1000}

// DefaultLines is how many lines the log page shows unless asked for more.
const DefaultLines = 100

// ParseLines reads the lines selector: one of LineChoices, else DefaultLines and a message.
func ParseLines(v string) (int, string) {
	if v == "" {
		return DefaultLines, ""
	}
	for _, n := range LineChoices {
		if v == strconv.Itoa(n) {
			return n, ""
		}
	}
	return DefaultLines, "Choose 100, 500 or 1000 lines; showing the last 100."
}

// Tail returns the last n entries, newest last, and how many were left out.
func Tail(entries []oscar.ManagerLogEntry, n int) ([]oscar.ManagerLogEntry, int) {
	if n <= 0 || len(entries) <= n {
		return entries, 0
	}
	return entries[len(entries)-n:], len(entries) - n
}

// LogText is the download of the manager's log: its lines as OSCAR read them, one per line.
func LogText(entries []oscar.ManagerLogEntry) string {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(strings.NewReplacer("\r", "", "\n", " ").Replace(e.Raw))
		b.WriteByte('\n')
	}
	return b.String()
}

// CheckUserID checks a user ID typed or taken from a URL: OSCAR's user IDs (EGI Check-in subs
// such as 1234abcd@egi.eu) are one path segment. It returns the message for the field, or "".
func CheckUserID(u string) string {
	switch {
	case strings.TrimSpace(u) == "":
		return "Enter the user's ID."
	case len(u) > 253:
		return "A user ID has at most 253 characters."
	case u == "." || u == ".." || strings.ContainsAny(u, "/\\?#%") || strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "A user ID has no spaces, slashes or the characters ? # %."
	}
	return ""
}
