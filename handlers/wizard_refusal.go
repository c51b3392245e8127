package handlers

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

// refusalFor maps OSCAR's refusal of a create or update to the step and control it concerns, so
// the user sees it next to the value to change (name in use → General/name, bucket exists → the
// input or output with that bucket, undefined provider → the I/O row using it, unreachable
// Oneprovider → its Storage row, quota → Inputs). Anything else goes to the Review step as a whole.
func refusalFor(d *draft, oe *oscar.Error) *refusal {
	msg := oe.UserMessage()
	low := strings.ToLower(oe.Message)
	on := func(step, field string) *refusal { return &refusal{Step: step, Field: field, Message: msg} }
	name := d.Service.Name

	if oe.Kind == oscar.Forbidden && strings.Contains(low, "quota") {
		if len(d.Service.Input) == 0 && len(d.Service.Output) > 0 {
			return on(stepOutputs, "")
		}
		return on(stepInputs, "")
	}
	switch {
	case strings.Contains(low, "a service named") && strings.Contains(low, "already exists"):
		return on(stepGeneral, "name")
	case strings.Contains(low, "not a member of the chosen vo"), strings.Contains(low, "must be part of one of the following vo"):
		return on(stepGeneral, "vo")
	case strings.Contains(low, "the image is required"):
		return on(stepGeneral, "image")
	case strings.Contains(low, "the script is required"):
		return on(stepGeneral, "script")
	case strings.Contains(low, "service name must be at most"), strings.Contains(low, "the name is required"), strings.Contains(low, "the name is too"):
		return on(stepGeneral, "name")
	case strings.Contains(low, "inputs must be minio"):
		for i, io := range d.Service.Input {
			if kind, _ := canonicalRef(io.StorageProvider); !inputKind(kind) {
				return on(stepInputs, fmt.Sprintf("input[%d].storage_provider", i))
			}
		}
		return on(stepInputs, "")
	}
	if m := regexp.MustCompile(reRefusedBucket).FindStringSubmatch(oe.Message); m != nil {
		if step, field := findIO(d, func(kind string, io ioConfig) bool {
			return (kind == kindMinIO || kind == kindS3) && bucketOf(kind, io.Path, name) == m[1]
		}, ".path"); step != "" {
			return on(step, field)
		}
		return on(stepInputs, "")
	}
	if m := regexp.MustCompile(reRefusedProvider).FindStringSubmatch(oe.Message); m != nil {
		want, wantID := canonicalRef(m[1])
		if step, field := findIO(d, func(kind string, io ioConfig) bool {
			k, id := canonicalRef(io.StorageProvider)
			return k == want && id == wantID
		}, ".storage_provider"); step != "" {
			return on(step, field)
		}
		return on(stepStorage, "")
	}
	if m := regexp.MustCompile(reRefusedOnedata).FindStringSubmatch(oe.Message); m != nil {
		for i, pr := range d.Providers {
			if pr.Kind == kindOnedata && strings.EqualFold(pr.Fields["oneprovider_host"], m[1]) {
				return on(stepStorage, fmt.Sprintf("storage_providers[%d].oneprovider_host", i))
			}
		}
		return on(stepStorage, "")
	}
	if strings.Contains(low, "bucket name is not valid") {
		if step, field := findIO(d, func(kind string, io ioConfig) bool {
			return (kind == kindMinIO || kind == kindS3) && wzBucketProblem(bucketOf(kind, io.Path, name)) != ""
		}, ".path"); step != "" {
			return on(step, field)
		}
		return on(stepInputs, "")
	}
	return on(stepReview, "")
}

// findIO returns the step and control of the first input or output that matches.
func findIO(d *draft, match func(kind string, io ioConfig) bool, suffix string) (step, field string) {
	for i, io := range d.Service.Input {
		if kind, _ := canonicalRef(io.StorageProvider); match(kind, io) {
			return stepInputs, fmt.Sprintf("input[%d]%s", i, suffix)
		}
	}
	for i, io := range d.Service.Output {
		if kind, _ := canonicalRef(io.StorageProvider); match(kind, io) {
			return stepOutputs, fmt.Sprintf("output[%d]%s", i, suffix)
		}
	}
	return "", ""
}
