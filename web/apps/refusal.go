package apps

import (
	"regexp"
	"strings"
)

// voWord finds the word VO in OSCAR's message (not "volume").
var voWord = regexp.MustCompile(`\bvos?\b`)

// RefusalField is the form field OSCAR's refusal of a new app concerns ("" when it is about no
// field the form has), from OSCAR's message.
func RefusalField(f Form, msg string) string {
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "service with the provided name already exists"), strings.Contains(low, "service named") && strings.Contains(low, "already exists"),
		strings.Contains(low, "secret") && strings.Contains(low, "already exists"):
		return FieldName
	case voWord.MatchString(low):
		return FieldVO
	case strings.Contains(low, "volume") && f.Workspace == WorkspaceVolume:
		return FieldVolume
	case strings.Contains(low, "volume") && f.Workspace == WorkspaceNewVolume:
		if strings.Contains(low, "size") || strings.Contains(low, "quota") {
			return FieldVolumeSize
		}
		return FieldVolumeName
	case strings.Contains(low, "bucket") && f.Workspace == WorkspaceBucket:
		return FieldBucket
	case strings.Contains(low, "memory"):
		return FieldMemory
	case strings.Contains(low, "cpu"):
		return FieldCPU
	}
	return ""
}
