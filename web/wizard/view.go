package wizard

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Props builds what a step shows: its controls from the draft, the problems to show (shown
// may be nil), OSCAR's Refusal when it concerns this step, and the tabs with their problem marks.
func Props(ref Ref, d *Draft, step string, env Env, shown *Problems) (templates.WizardProps, error) {
	w := templates.WizardProps{
		Heading: "New service",
		Mode:    ref.Mode,
		Base:    ref.Base(),
		Step:    step,
		Errors:  templates.FieldErrors{},
	}
	if ref.Mode == "edit" {
		w.Heading = "Edit service " + ref.Name
		w.Notice = "Changes go to OSCAR only when you save them on the Review step. Until then they are a Draft in this browser session."
	}
	if shown != nil {
		for _, k := range shown.order {
			w.Errors[k] = shown.errs[k]
			w.ErrorOrder = append(w.ErrorOrder, k)
		}
	}
	if rf := d.Refusal; rf != nil && rf.Step == step {
		if rf.Field != "" {
			if !w.Errors.Has(rf.Field) {
				w.ErrorOrder = append([]string{rf.Field}, w.ErrorOrder...)
			}
			w.Errors[rf.Field] = "OSCAR refused the service: " + rf.Message
		} else {
			w.Problem = "OSCAR refused the service: " + rf.Message
		}
	}
	for _, st := range Steps() {
		tab := templates.WizardTab{Key: st, Label: StepLabel(st), Current: st == step}
		switch {
		case d.Refusal != nil && d.Refusal.Step == st:
			tab.Problem = true
		case st == Review:
		case d.Visited[st] || d.Visited[Review]:
			tab.Problem = !Validate(d, st, env).Empty()
		}
		w.Steps = append(w.Steps, tab)
	}
	switch step {
	case General:
		w.General = generalProps(d, env)
		w.General.NameFixed = ref.Mode == "edit"
		w.General.Execution = executionProps(d, env)
		if d.Mode == "edit" {
			w.General.Name = ref.Name
		}
		if w.Errors.Has("vo") && len(w.General.VOs) == 0 {
			w.General.VOFree = true // a message about the VO needs its control
		}
	case Storage:
		w.Storage = storageProps(d)
		w.Storage.Volume = volumeProps(d, env)
		w.Storage.Mount = mountProps(d)
		w.Storage.Federation = federationProps(d)
	case Inputs:
		w.IO = ioProps(d, true)
	case Outputs:
		w.IO = ioProps(d, false)
	case Expose:
		w.Expose = exposeProps(d, env)
		w.Expose.Kserve = kserveProps(d, env)
	case Review:
		rv, err := reviewProps(ref, d, env, shown)
		if err != nil {
			return w, err
		}
		w.Review = rv
		// On Review the problems are listed with links to their steps, not as this page's fields.
		w.Errors, w.ErrorOrder = templates.FieldErrors{}, nil
	}
	return w, nil
}

func options(values []string, current string, label func(string) string) []templates.WizardOption {
	out := make([]templates.WizardOption, 0, len(values)+1)
	found := false
	for _, v := range values {
		out = append(out, templates.WizardOption{Value: v, Label: label(v), Selected: v == current})
		found = found || v == current
	}
	if !found && current != "" {
		// Keep a value the list does not offer (an imported FDL, an older service): validation says
		// what is wrong with it.
		out = append(out, templates.WizardOption{Value: current, Label: current + " (not available)", Selected: true})
	}
	return out
}

func generalProps(d *Draft, env Env) *templates.WizardGeneral {
	s := d.Service
	g := &templates.WizardGeneral{
		Name: s.Name, Image: s.Image, CPU: s.CPU, Memory: s.Memory, Script: s.Script, ScriptFile: d.ScriptFile,
		VO: s.VO, AllowedUsers: strings.Join(s.AllowedUsers, "\n"), Alpine: s.Alpine,
		GPU: gpuControl(d, env), EnableGPU: s.EnableGPU, PullSecrets: strings.Join(s.ImagePullSecrets, ", "),
	}
	level := strings.ToUpper(s.LogLevel)
	if level == "" {
		level = defaultLogLevel
	}
	g.LogLevels = options(logLevels(), level, func(v string) string {
		if v == defaultLogLevel {
			return v + " (OSCAR's default)"
		}
		return v
	})
	vis := s.Visibility
	if vis == "" {
		vis = defaultVisibility
	}
	g.Visibilities = options([]string{"private", "public", "restricted"}, vis, func(v string) string {
		return strings.ToUpper(v[:1]) + v[1:]
	})
	switch {
	case !env.FeaturesKnown:
		g.VOFree = true
	case len(env.Features.VOs) > 0:
		g.VOs = options(append([]string{""}, env.voChoices()...), s.VO, func(v string) string {
			if v == "" {
				return "Let OSCAR choose (your first VO)"
			}
			return v
		})
	case s.VO != "":
		g.VOFree = true // the cluster names no VO, but the service has one: keep it editable
	}
	kv := func(list string, rows []KVRow) []templates.WizardKV {
		var out []templates.WizardKV
		for i, r := range rows {
			p := fmt.Sprintf("%s[%d]", list, i)
			out = append(out, templates.WizardKV{KeyName: p + ".key", ValueName: p + ".value", Key: r.Key, Value: r.Value, Remove: p})
		}
		return out
	}
	g.Variables = kv("environment.variables", d.Variables)
	g.Annotations = kv("annotations", d.Annotations)
	g.Labels = kv("labels", d.Labels)
	for i, r := range d.Secrets {
		p := fmt.Sprintf("environment.secrets[%d]", i)
		g.Secrets = append(g.Secrets, templates.WizardKV{KeyName: p + ".key", ValueName: p + ".value", RowName: p + ".row", Row: r.Row,
			Key: r.Key, Kept: r.Value != "", Unknown: r.Unknown, Remove: p})
	}
	return g
}

func storageProps(d *Draft) *templates.WizardStorage {
	st := &templates.WizardStorage{}
	for i, pr := range d.Providers {
		prefix := fmt.Sprintf("storage_providers[%d]", i)
		ref := pr.ref()
		if strings.TrimSpace(pr.ID) == "" {
			ref = pr.Kind + ".<id>"
		}
		pv := templates.WizardProvider{Prefix: prefix, Kind: pr.Kind, KindLabel: oscar.ProviderLabel(pr.Kind), Ref: ref, Row: pr.Row, ID: pr.ID}
		for _, f := range fieldsOf(pr.Kind) {
			v := pr.Fields[f.Key]
			pf := templates.WizardProviderField{Name: prefix + "." + f.Key, Label: f.Label, Hint: f.Hint, Secret: f.Secret, Bool: f.Bool, Required: f.Required}
			switch {
			case f.Bool:
				pf.Checked = v == "true"
			case f.Secret:
				pf.Kept = v != "" // the value itself never goes back to the browser
			default:
				pf.Value = v
			}
			pv.Fields = append(pv.Fields, pf)
		}
		st.Providers = append(st.Providers, pv)
	}
	st.Kinds = options(kinds(), oscar.KindOnedata, oscar.ProviderLabel)
	return st
}

func ioProps(d *Draft, input bool) *templates.WizardIO {
	io := &templates.WizardIO{List: "output", Service: d.Service.Name}
	rows := d.Service.Output
	io.Kinds = "Outputs can be minio.default or any provider defined on the Storage step: " + labels(isOutput, "or") + "."
	if input {
		io.List, rows = "input", d.Service.Input
		io.Kinds = "Inputs can be minio.default or the " + labels(isInput, "and") + " providers defined on the Storage step: OSCAR does not accept " + labels(onlyOutput, "or") + " as inputs."
	}
	refs := d.providerRefs(input)
	for i, r := range rows {
		kind, id := canonicalRef(r.StorageProvider)
		current := r.StorageProvider
		if slices.Contains(refs, kind+"."+id) {
			current = kind + "." + id // "minio" is minio.default
		}
		row := templates.WizardIORow{
			Prefix:   fmt.Sprintf("%s[%d]", io.List, i),
			Path:     r.Path,
			Prefixes: strings.Join(r.Prefix, ", "),
			Suffixes: strings.Join(r.Suffix, ", "),
			Providers: options(refs, current, func(v string) string {
				k, _ := canonicalRef(v)
				return v + " (" + oscar.ProviderLabel(k) + ")"
			}),
		}
		if eff := ioPath(kind, r.Path, d.Service.Name); eff != strings.Trim(strings.TrimSpace(r.Path), "/") {
			row.Effective = eff
		}
		io.Rows = append(io.Rows, row)
	}
	return io
}

func reviewProps(ref Ref, d *Draft, env Env, shown *Problems) (*templates.WizardReview, error) {
	svc := d.Build()
	masked := oscar.Masked(svc)
	y, err := fdl.Marshal(masked, fdl.ExportOptions{Complete: true})
	if err != nil {
		return nil, fmt.Errorf("wizard: review: %w", err)
	}
	j, err := json.MarshalIndent(masked, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("wizard: review: %w", err)
	}
	rv := &templates.WizardReview{YAML: string(y), JSON: string(j), Submit: "Create service", Busy: "Creating… this takes a few seconds"}
	if d.exposing() && env.Endpoint != "" {
		rv.ExposedURL = ExposedURL(env.Endpoint, svc.Name)
	}
	if ref.Mode == "edit" {
		rv.Submit, rv.Busy = "Save changes", "Saving… this takes a few seconds"
		rv.Exported = "/services/" + url.PathEscape(ref.Name) + "/export"
	}
	probs := shown
	if probs == nil {
		probs = Validate(d, Review, env)
	}
	for _, k := range probs.order {
		st := stepOfField(k)
		rv.Problems = append(rv.Problems, templates.WizardProblem{Step: StepLabel(st), URL: ref.StepURL(st) + "#" + templates.FieldID(k), Message: probs.errs[k]})
	}
	if rf := d.Refusal; rf != nil && rf.Step != Review {
		link := ref.StepURL(rf.Step)
		if rf.Field != "" {
			link += "#" + templates.FieldID(rf.Field)
		}
		rv.Problems = append(rv.Problems, templates.WizardProblem{Step: StepLabel(rf.Step), URL: link, Message: "OSCAR refused the service: " + rf.Message})
	}
	return rv, nil
}
