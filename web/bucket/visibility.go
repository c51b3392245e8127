package bucket

import (
	"slices"
	"strings"
)

// CheckVisibility checks a bucket's visibility form: the visibility (private, restricted or
// public) and, for a restricted bucket, the allowed users (EGI Check-in subjects, one per line or
// separated by commas). It returns the users to send OSCAR (none unless restricted) and a message
// per invalid field ("visibility", "allowed_users").
func CheckVisibility(visibility, allowedUsers string) ([]string, map[string]string) {
	errs := map[string]string{}
	switch visibility {
	case "private", "public", "restricted":
	default:
		errs["visibility"] = "Choose private, restricted or public."
	}
	users := SplitUsers(allowedUsers)
	if visibility == "restricted" && len(users) == 0 {
		errs["allowed_users"] = "A restricted bucket needs at least one allowed user (their EGI Check-in subject)."
	}
	for _, u := range users {
		if len(u) > 256 || strings.ContainsAny(u, "<>\"'` ") {
			errs["allowed_users"] = "An allowed user is an identifier such as 0123abcd…@egi.eu, one per line."
			break
		}
	}
	if visibility != "restricted" {
		users = nil
	}
	return users, errs
}

// SplitUsers reads a list of user identifiers separated by new lines, commas or semicolons, each
// once.
func SplitUsers(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ';' }) {
		f = strings.TrimSpace(f)
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// CheckFolderName checks the name of a new folder, made in the folder prefix; it returns the
// folder's key (prefix + name + "/") or a message. valid is the handlers' check of an object key.
func CheckFolderName(prefix, name string, valid func(string) bool) (string, string) {
	name = strings.Trim(strings.TrimSpace(name), "/")
	switch {
	case name == "":
		return "", "Enter a folder name."
	case strings.Contains(name, "//") || strings.ContainsAny(name, "\\"):
		return "", "Use letters, digits and single slashes for sub-folders."
	}
	key := prefix + name + "/"
	if !valid(key) {
		return "", "That folder name cannot be used: no control characters, no \".\" or \"..\" folders, at most 1024 bytes in all."
	}
	return key, ""
}

// CheckMoveTarget checks the new name of an object (its full key, folders included); it returns
// the cleaned key or a message.
func CheckMoveTarget(from, to string, valid func(string) bool) (string, string) {
	to = strings.TrimLeft(strings.TrimSpace(to), "/")
	switch {
	case to == "":
		return "", "Enter the new name, with its folders (for example results/run-2.png)."
	case strings.HasSuffix(to, "/"):
		return "", "The new name ends with a slash: add the file's name after the folder."
	case strings.Contains(to, "//") || !valid(to):
		return "", "That name cannot be used: no control characters, no empty, \".\" or \"..\" folders, at most 1024 bytes."
	case to == from:
		return "", "The new name is the same as the current one."
	}
	return to, ""
}
