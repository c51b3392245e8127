package templates

import (
	"fmt"
	"net/http"
	"strings"
)

func pageTitle(t string) string {
	if t == "" {
		return "OSCAR Console"
	}
	return t + " · OSCAR Console"
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " " + v
}

func statusText(code int) string {
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}

func describedBy(id, hint string, hasErr bool) string {
	var parts []string
	if hasErr {
		parts = append(parts, id+"-error")
	}
	if hint != "" {
		parts = append(parts, id+"-hint")
	}
	return strings.Join(parts, " ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// fieldID turns a form field name into the id of its control: "storage_provider" → "f-storage_provider".
// Names with dots or brackets (rows) become dashes.
func fieldID(name string) string {
	r := strings.NewReplacer(".", "-", "[", "-", "]", "")
	return "f-" + r.Replace(name)
}

// FieldID is fieldID for handlers and other components that need to link to a field.
func FieldID(name string) string { return fieldID(name) }
