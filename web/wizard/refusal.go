package wizard

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Patterns of the plain messages web/oscar makes of OSCAR's refusals (web/oscar/errors.go).
const (
	reRefusedBucket   = `a bucket named "([^"]*)" already exists`
	reRefusedProvider = `the storage provider "([^"]*)" is not defined`
	reRefusedOnedata  = `could not reach the Onedata provider "([^"]*)"`
)

// RefusalFor maps OSCAR's refusal of a create or update to the step and control it concerns, so
// the user sees it next to the value to change (name in use → General/name, bucket exists → the
// input or output with that bucket, undefined provider → the I/O row using it, unreachable
// Oneprovider → its Storage row, quota → Inputs). Anything else goes to the Review step as a whole.
func RefusalFor(d *Draft, oe *oscar.Error) *Refusal {
	msg := oe.UserMessage()
	low := strings.ToLower(oe.Message)
	on := func(step, field string) *Refusal { return &Refusal{Step: step, Field: field, Message: msg} }
	name := d.Service.Name
	if rf := volumeRefusal(d, oe); rf != nil {
		return rf
	}

	if oe.Kind == oscar.Forbidden && strings.Contains(low, "quota") {
		if len(d.Service.Input) == 0 && len(d.Service.Output) > 0 {
			return on(Outputs, "")
		}
		return on(Inputs, "")
	}
	if rf := runtimeRefusal(low); rf != nil {
		rf.Message = msg
		return rf
	}
	switch {
	case strings.Contains(low, "a service named") && strings.Contains(low, "already exists"):
		return on(General, "name")
	case strings.Contains(low, "not a member of the chosen vo"), strings.Contains(low, "must be part of one of the following vo"):
		return on(General, "vo")
	case strings.Contains(low, "the image is required"):
		return on(General, "image")
	case strings.Contains(low, "the script is required"):
		return on(General, "script")
	case strings.Contains(low, "service name must be at most"), strings.Contains(low, "the name is required"), strings.Contains(low, "the name is too"):
		return on(General, "name")
	case strings.Contains(low, "inputs must be minio"):
		for i, io := range d.Service.Input {
			if kind, _ := canonicalRef(io.StorageProvider); !oscar.IsInputKind(kind) {
				return on(Inputs, fmt.Sprintf("input[%d].storage_provider", i))
			}
		}
		return on(Inputs, "")
	}
	if m := regexp.MustCompile(reRefusedBucket).FindStringSubmatch(oe.Message); m != nil {
		if step, field := findIO(d, func(kind string, io ioConfig) bool {
			return (kind == oscar.KindMinIO || kind == oscar.KindS3) && bucketOf(kind, io.Path, name) == m[1]
		}, ".path"); step != "" {
			return on(step, field)
		}
		return on(Inputs, "")
	}
	if m := regexp.MustCompile(reRefusedProvider).FindStringSubmatch(oe.Message); m != nil {
		want, wantID := canonicalRef(m[1])
		if step, field := findIO(d, func(kind string, io ioConfig) bool {
			k, id := canonicalRef(io.StorageProvider)
			return k == want && id == wantID
		}, ".storage_provider"); step != "" {
			return on(step, field)
		}
		return on(Storage, "")
	}
	if m := regexp.MustCompile(reRefusedOnedata).FindStringSubmatch(oe.Message); m != nil {
		for i, pr := range d.Providers {
			if pr.Kind == oscar.KindOnedata && strings.EqualFold(pr.Fields["oneprovider_host"], m[1]) {
				return on(Storage, fmt.Sprintf("storage_providers[%d].oneprovider_host", i))
			}
		}
		return on(Storage, "")
	}
	if strings.Contains(low, "bucket name is not valid") {
		if step, field := findIO(d, func(kind string, io ioConfig) bool {
			return (kind == oscar.KindMinIO || kind == oscar.KindS3) && bucketProblem(bucketOf(kind, io.Path, name)) != ""
		}, ".path"); step != "" {
			return on(step, field)
		}
		return on(Inputs, "")
	}
	return on(Review, "")
}

// findIO returns the step and control of the first input or output that matches.
func findIO(d *Draft, match func(kind string, io ioConfig) bool, suffix string) (step, field string) {
	for i, io := range d.Service.Input {
		if kind, _ := canonicalRef(io.StorageProvider); match(kind, io) {
			return Inputs, fmt.Sprintf("input[%d]%s", i, suffix)
		}
	}
	for i, io := range d.Service.Output {
		if kind, _ := canonicalRef(io.StorageProvider); match(kind, io) {
			return Outputs, fmt.Sprintf("output[%d]%s", i, suffix)
		}
	}
	return "", ""
}
