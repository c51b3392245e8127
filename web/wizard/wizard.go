// Package wizard is the service wizard without HTTP: the draft of a service being built or
// edited, the reading of each step's posted form, the validation of each step, the mapping of
// OSCAR's refusals back to the step and field they concern, and the props each step renders.
// Everything here is a pure function of its arguments; the handlers read the request, call it,
// talk to OSCAR and render.
//
// The steps are General, Storage, Inputs, Outputs, Expose and Review, each at its own URL
// (/services/new/<step>, /services/<name>/edit/<step>).
package wizard

import (
	"net/url"
	"slices"
)

// The wizard's steps, in order. Each has its own URL: /services/new/<step>.
const (
	General = "general"
	Storage = "storage"
	Inputs  = "inputs"
	Outputs = "outputs"
	Expose  = "expose"
	Review  = "review"
)

// Steps lists the steps in order.
func Steps() []string {
	return []string{General, Storage, Inputs, Outputs, Expose, Review}
}

// StepLabel is a step's name for people ("Inputs").
func StepLabel(step string) string {
	switch step {
	case General:
		return "General"
	case Storage:
		return "Storage"
	case Inputs:
		return "Inputs"
	case Outputs:
		return "Outputs"
	case Expose:
		return "Expose"
	case Review:
		return "Review"
	}
	return step
}

// IsStep reports whether step names a step of the wizard.
func IsStep(step string) bool { return slices.Contains(Steps(), step) }

// StepAfter returns the step after (delta 1) or before (delta -1) step, staying within the list.
func StepAfter(step string, delta int) string {
	steps := Steps()
	i := slices.Index(steps, step) + delta
	i = max(0, min(i, len(steps)-1))
	return steps[i]
}

// OSCAR's defaults for a new service (oscar-api.md §2.1), shown in the form.
const (
	defaultCPU        = "0.2"
	defaultMemory     = "256Mi"
	defaultLogLevel   = "INFO"
	defaultVisibility = "private"
)

// Modes of a wizard: a new service, or the edit of an existing one.
const (
	ModeNew  = "new"
	ModeEdit = "edit"
)

// Ref names one wizard: a new service (Mode "new"), or the edit of service Name (Mode "edit").
type Ref struct {
	Mode string
	Name string
}

// Key is the draft's key in the session's drafts.
func (r Ref) Key() string {
	if r.Mode == ModeEdit {
		return "edit:" + r.Name
	}
	return ModeNew
}

// Base is the wizard's URL without the step.
func (r Ref) Base() string {
	if r.Mode == ModeEdit {
		return "/services/" + url.PathEscape(r.Name) + "/edit"
	}
	return "/services/new"
}

// StepURL is the URL of one step (or of "discard").
func (r Ref) StepURL(step string) string { return r.Base() + "/" + step }
