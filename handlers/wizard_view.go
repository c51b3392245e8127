package handlers

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

// wizardProps builds what a step shows: its controls from the draft, the problems to show (shown
// may be nil), OSCAR's refusal when it concerns this step, and the tabs with their problem marks.
func wizardProps(wz wizardRef, d *draft, step string, env wizardEnv, shown *wzProblems) (templates.WizardProps, error) {
	w := templates.WizardProps{
		Heading: "New service",
		Mode:    wz.mode,
		Base:    wz.base(),
		Step:    step,
		Errors:  templates.FieldErrors{},
	}
	if wz.mode == "edit" {
		w.Heading = "Edit service " + wz.name
		w.Notice = "Changes go to OSCAR only when you save them on the Review step. Until then they are a draft in this browser session."
	}
	if shown != nil {
		for _, k := range shown.order {
			w.Errors[k] = shown.errs[k]
			w.ErrorOrder = append(w.ErrorOrder, k)
		}
	}
	if ref := d.Refusal; ref != nil && ref.Step == step {
		if ref.Field != "" {
			if !w.Errors.Has(ref.Field) {
				w.ErrorOrder = append([]string{ref.Field}, w.ErrorOrder...)
			}
			w.Errors[ref.Field] = "OSCAR refused the service: " + ref.Message
		} else {
			w.Problem = "OSCAR refused the service: " + ref.Message
		}
	}
	for _, st := range wizardSteps() {
		tab := templates.WizardTab{Key: st, Label: stepLabel(st), Current: st == step}
		switch {
		case d.Refusal != nil && d.Refusal.Step == st:
			tab.Problem = true
		case st == stepReview:
		case d.Visited[st] || d.Visited[stepReview]:
			tab.Problem = !validateStep(d, st, env).empty()
		}
		w.Steps = append(w.Steps, tab)
	}
	switch step {
	case stepGeneral:
		w.General = generalProps(d, env)
		w.General.NameFixed = wz.mode == "edit"
		if d.Mode == "edit" {
			w.General.Name = wz.name
		}
		if w.Errors.Has("vo") && len(w.General.VOs) == 0 {
			w.General.VOFree = true // a message about the VO needs its control
		}
	case stepStorage:
		w.Storage = storageProps(d)
	case stepInputs:
		w.IO = ioProps(d, true)
	case stepOutputs:
		w.IO = ioProps(d, false)
	case stepReview:
		rv, err := reviewProps(wz, d, env, shown)
		if err != nil {
			return w, err
		}
		w.Review = rv
		// On Review the problems are listed with links to their steps, not as this page's fields.
		w.Errors, w.ErrorOrder = templates.FieldErrors{}, nil
	}
	return w, nil
}

func wzOptions(values []string, current string, label func(string) string) []templates.WizardOption {
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

func generalProps(d *draft, env wizardEnv) *templates.WizardGeneral {
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
	g.LogLevels = wzOptions(wzLogLevels(), level, func(v string) string {
		if v == defaultLogLevel {
			return v + " (OSCAR's default)"
		}
		return v
	})
	vis := s.Visibility
	if vis == "" {
		vis = defaultVisibility
	}
	g.Visibilities = wzOptions([]string{"private", "public", "restricted"}, vis, func(v string) string {
		return strings.ToUpper(v[:1]) + v[1:]
	})
	switch {
	case !env.featsKnown:
		g.VOFree = true
	case len(env.feats.VOs) > 0:
		g.VOs = wzOptions(append([]string{""}, env.voChoices()...), s.VO, func(v string) string {
			if v == "" {
				return "Let OSCAR choose (your first VO)"
			}
			return v
		})
	case s.VO != "":
		g.VOFree = true // the cluster names no VO, but the service has one: keep it editable
	}
	kv := func(list string, rows []kvRow) []templates.WizardKV {
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

func storageProps(d *draft) *templates.WizardStorage {
	st := &templates.WizardStorage{}
	for i, pr := range d.Providers {
		prefix := fmt.Sprintf("storage_providers[%d]", i)
		ref := pr.ref()
		if strings.TrimSpace(pr.ID) == "" {
			ref = pr.Kind + ".<id>"
		}
		pv := templates.WizardProvider{Prefix: prefix, Kind: pr.Kind, KindLabel: wzKindLabel(pr.Kind), Ref: ref, Row: pr.Row, ID: pr.ID}
		for _, f := range providerFields(pr.Kind) {
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
	st.Kinds = wzOptions(providerKinds(), kindOnedata, wzKindLabel)
	return st
}

func ioProps(d *draft, input bool) *templates.WizardIO {
	io := &templates.WizardIO{List: "output", Service: d.Service.Name}
	rows := d.Service.Output
	io.Kinds = "Outputs can be minio.default or any provider defined on the Storage step: Onedata (EGI DataHub), S3, WebDAV (dCache), Rucio or another MinIO."
	if input {
		io.List, rows = "input", d.Service.Input
		io.Kinds = "Inputs can be minio.default or the MinIO, WebDAV (dCache) and Rucio providers defined on the Storage step: OSCAR does not accept S3 or Onedata as inputs."
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
			Providers: wzOptions(refs, current, func(v string) string {
				k, _ := canonicalRef(v)
				return v + " (" + wzKindLabel(k) + ")"
			}),
		}
		if eff := ioPath(kind, r.Path, d.Service.Name); eff != strings.Trim(strings.TrimSpace(r.Path), "/") {
			row.Effective = eff
		}
		io.Rows = append(io.Rows, row)
	}
	return io
}

func reviewProps(wz wizardRef, d *draft, env wizardEnv, shown *wzProblems) (*templates.WizardReview, error) {
	svc := d.build()
	masked := oscar.Masked(svc)
	y, err := fdl.Marshal(masked, fdl.ExportOptions{Complete: true})
	if err != nil {
		return nil, fmt.Errorf("handlers: wizard: review: %w", err)
	}
	j, err := json.MarshalIndent(masked, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("handlers: wizard: review: %w", err)
	}
	rv := &templates.WizardReview{YAML: string(y), JSON: string(j), Submit: "Create service", Busy: "Creating… this takes a few seconds"}
	if wz.mode == "edit" {
		rv.Submit, rv.Busy = "Save changes", "Saving… this takes a few seconds"
		rv.Exported = "/services/" + url.PathEscape(wz.name) + "/export"
	}
	probs := shown
	if probs == nil {
		probs = validateStep(d, stepReview, env)
	}
	for _, k := range probs.order {
		st := stepOfField(k)
		rv.Problems = append(rv.Problems, templates.WizardProblem{Step: stepLabel(st), URL: wz.stepURL(st) + "#" + templates.FieldID(k), Message: probs.errs[k]})
	}
	if ref := d.Refusal; ref != nil && ref.Step != stepReview {
		link := wz.stepURL(ref.Step)
		if ref.Field != "" {
			link += "#" + templates.FieldID(ref.Field)
		}
		rv.Problems = append(rv.Problems, templates.WizardProblem{Step: stepLabel(ref.Step), URL: link, Message: "OSCAR refused the service: " + ref.Message})
	}
	return rv, nil
}
