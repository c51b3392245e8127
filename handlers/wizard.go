package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// maxWizardBody bounds a posted wizard step (the General step carries the script upload).
const maxWizardBody = 2 << 20

// submitLockTTL bounds how long a create or update holds the session's lock (OSCAR takes 6 s or
// more to create a service; the client's slow timeout is shorter than this).
const submitLockTTL = 2 * time.Minute

// wizardRef names one wizard: a new service, or the edit of service name.
type wizardRef struct {
	mode string // "new" or "edit"
	name string
}

// key is the draft's key in session.Data.Drafts.
func (w wizardRef) key() string {
	if w.mode == "edit" {
		return "edit:" + w.name
	}
	return "new"
}

// base is the wizard's URL without the step.
func (w wizardRef) base() string {
	if w.mode == "edit" {
		return "/services/" + url.PathEscape(w.name) + "/edit"
	}
	return "/services/new"
}

func (w wizardRef) stepURL(step string) string { return w.base() + "/" + step }

// wizardOf reads which wizard the URL names.
func wizardOf(r *http.Request) (wizardRef, error) {
	name := r.PathValue("name")
	if name == "" {
		return wizardRef{mode: "new"}, nil
	}
	if checkServiceName(name) != "" {
		return wizardRef{}, notFound("There is no service with that name: service names are lower-case letters, digits and hyphens.")
	}
	return wizardRef{mode: "edit", name: name}, nil
}

// wizardStart handles "GET /services/new" and "GET /services/{name}/edit": the first step.
func (p *Pages) wizardStart(w http.ResponseWriter, r *http.Request) error {
	wz, err := wizardOf(r)
	if err != nil {
		return err
	}
	return p.redirect(w, r, wz.stepURL(stepGeneral))
}

// loadDraft returns the wizard's draft from the session. A new service starts from OSCAR's
// defaults; an edit starts from the service as OSCAR returns it. Nothing is stored until the user
// posts a step, so looking at the edit pages of many services does not fill the session.
func (p *Pages) loadDraft(r *http.Request, wz wizardRef) (*draft, error) {
	if raw := p.session(r).Data.Drafts[wz.key()]; len(raw) > 0 {
		d, err := unmarshalDraft(raw)
		if err == nil && d.Mode == wz.mode {
			return d, nil
		}
		p.Log.WarnContext(r.Context(), "wizard: unreadable draft dropped", "key", wz.key(), "err", err, "request_id", requestIDOf(r))
	}
	if wz.mode == "new" {
		return newDraft(), nil
	}
	ep, cr := p.creds(r)
	svc, err := p.OSCAR.Service(r.Context(), ep, cr, wz.name, false)
	if err != nil {
		return nil, fmt.Errorf("handlers: wizard: load service %s: %w", wz.name, err)
	}
	return draftFromService(*svc, "edit"), nil
}

// maxEditDrafts bounds the edit drafts one session keeps; the least recently saved goes first.
const maxEditDrafts = 8

// storeDraft puts the draft into the session (saved with the response).
func (p *Pages) storeDraft(r *http.Request, wz wizardRef, d *draft) error {
	d.Saved = p.Now().UTC()
	raw, err := marshalDraft(d)
	if err != nil {
		return fmt.Errorf("handlers: wizard: store draft: %w", err)
	}
	data := &p.session(r).Data
	if data.Drafts == nil {
		data.Drafts = map[string]json.RawMessage{}
	}
	data.Drafts[wz.key()] = raw
	pruneEditDrafts(data.Drafts, maxEditDrafts)
	return nil
}

// pruneEditDrafts drops the oldest edit drafts beyond max.
func pruneEditDrafts(drafts map[string]json.RawMessage, max int) {
	type aged struct {
		key   string
		saved time.Time
	}
	var edits []aged
	for k, raw := range drafts {
		if !strings.HasPrefix(k, "edit:") {
			continue
		}
		var meta struct {
			Saved time.Time `json:"saved"`
		}
		_ = json.Unmarshal(raw, &meta) // an unreadable draft counts as the oldest
		edits = append(edits, aged{k, meta.Saved})
	}
	if len(edits) <= max {
		return
	}
	slices.SortFunc(edits, func(a, b aged) int { return a.saved.Compare(b.saved) })
	for _, e := range edits[:len(edits)-max] {
		delete(drafts, e.key)
	}
}

// wizardEnvFor gathers what validation needs about the cluster and the user. If OSCAR cannot say
// what it offers, the wizard still works: the VO becomes a text field and GPU stays offered.
func (p *Pages) wizardEnvFor(r *http.Request) wizardEnv {
	data := &p.session(r).Data
	env := wizardEnv{userVOs: data.VOs, basic: data.Kind == session.KindBasic}
	ep, cr := p.creds(r)
	f, err := p.OSCAR.Features(r.Context(), ep, cr)
	if err != nil {
		p.Log.InfoContext(r.Context(), "wizard: cluster features unknown", "err", err, "request_id", requestIDOf(r))
		return env
	}
	env.feats, env.featsKnown = f, true
	return env
}

// wizardGet handles "GET /services/new/{step}" and "GET /services/{name}/edit/{step}".
func (p *Pages) wizardGet(w http.ResponseWriter, r *http.Request) error {
	wz, err := wizardOf(r)
	if err != nil {
		return err
	}
	step := r.PathValue("step")
	if step == "discard" {
		return p.discardPage(w, r, wz)
	}
	if !isStep(step) {
		return notFound("The service wizard has no step with that name.")
	}
	d, err := p.loadDraft(r, wz)
	if err != nil {
		return err
	}
	env := p.wizardEnvFor(r)
	var shown *wzProblems
	if d.Visited[step] && step != stepReview {
		shown = withoutBlankRows(d, validateStep(d, step, env))
	}
	return p.renderWizard(w, r, http.StatusOK, wz, d, step, env, shown)
}

// withoutBlankRows drops the problems of rows the user has just added and not filled in yet (a
// provider without id or values, an input or output without path): a step opened again should not
// greet a new row with errors. Next still reports them.
func withoutBlankRows(d *draft, pr *wzProblems) *wzProblems {
	blank := map[string]bool{}
	for i, p := range d.Providers {
		empty := strings.TrimSpace(p.ID) == ""
		for k, v := range p.Fields {
			empty = empty && (v == "" || k == "verify")
		}
		blank[fmt.Sprintf("storage_providers[%d].", i)] = empty
	}
	for list, rows := range map[string][]ioConfig{"input": d.Service.Input, "output": d.Service.Output} {
		for i, io := range rows {
			blank[fmt.Sprintf("%s[%d].", list, i)] = strings.TrimSpace(io.Path) == "" && len(io.Prefix) == 0 && len(io.Suffix) == 0
		}
	}
	out := newWzProblems()
	for _, k := range pr.order {
		prefix, _, _ := strings.Cut(k, "]")
		if !blank[prefix+"]."] {
			out.add(k, pr.errs[k])
		}
	}
	return out
}

// renderWizard renders a step, showing the given problems and OSCAR's last refusal if it concerns
// this step.
func (p *Pages) renderWizard(w http.ResponseWriter, r *http.Request, status int, wz wizardRef, d *draft, step string, env wizardEnv, shown *wzProblems) error {
	props, err := wizardProps(wz, d, step, env, shown)
	if err != nil {
		return err
	}
	l := p.layout(r, props.Heading+": "+stepLabel(step), "services")
	return p.render(w, r, status, templates.WizardPage(l, props))
}

// wizardPost handles "POST /services/new/{step}" and "POST /services/{name}/edit/{step}": it saves
// the step's values into the draft, then does what the pressed button asks: add or remove a row,
// go back, go to a step, save and stay, go next (after checking this step), or, on Review, create
// or update the service.
func (p *Pages) wizardPost(w http.ResponseWriter, r *http.Request) error {
	wz, err := wizardOf(r)
	if err != nil {
		return err
	}
	step := r.PathValue("step")
	if step == "discard" {
		return p.discard(w, r, wz)
	}
	if !isStep(step) {
		return notFound("The service wizard has no step with that name.")
	}
	values, files, err := readWizardForm(w, r)
	if err != nil {
		return err
	}
	if values.Get("nav") == "create" && step == stepReview {
		return p.submitDraft(w, r, wz)
	}
	d, err := p.loadDraft(r, wz)
	if err != nil {
		return err
	}
	env := p.wizardEnvFor(r)
	if d.Refusal != nil && d.Refusal.Step == step {
		d.Refusal = nil // the user has seen it and acted on this step
	}
	readProblems := parseStep(d, step, stepForm{values: values, files: files}, env)
	if d.Visited == nil {
		d.Visited = map[string]bool{}
	}
	if values.Get("add") == "" && values.Get("remove") == "" {
		d.Visited[step] = true // adding a row is not leaving the step: no problems shown yet
	}
	if err := p.storeDraft(r, wz, d); err != nil {
		return err
	}
	if !readProblems.empty() {
		// An upload could not be used: stay here and say why.
		return p.renderWizard(w, r, http.StatusUnprocessableEntity, wz, d, step, env, readProblems)
	}
	if anchor, ok := rowAction(d, step, values); ok {
		if err := p.storeDraft(r, wz, d); err != nil {
			return err
		}
		return p.redirect(w, r, wz.stepURL(step)+"#"+anchor)
	}
	switch nav := values.Get("nav"); {
	case nav == "back":
		return p.redirect(w, r, wz.stepURL(stepAfter(step, -1)))
	case nav == "next":
		shown := validateStep(d, step, env)
		p.remoteChecks(r, d, step, shown)
		if !shown.empty() {
			return p.renderWizard(w, r, http.StatusUnprocessableEntity, wz, d, step, env, shown)
		}
		return p.redirect(w, r, wz.stepURL(stepAfter(step, 1)))
	case isStep(nav):
		return p.redirect(w, r, wz.stepURL(nav))
	default: // "stay" (Save draft), or no button at all
		p.session(r).Data.AddFlash("Draft saved. It stays in this browser session until you create the service or discard it.")
		return p.redirect(w, r, wz.stepURL(step))
	}
}

// readWizardForm reads a posted step, urlencoded or multipart, bounded in size.
func readWizardForm(w http.ResponseWriter, r *http.Request) (url.Values, map[string][]*multipart.FileHeader, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxWizardBody)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxWizardBody)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, badRequest(fmt.Sprintf("The form is larger than %d MiB. A script may be at most %d KiB.", maxWizardBody>>20, maxScriptBytes>>10))
		}
		return nil, nil, badRequest("The form could not be read. Go back and try again.")
	}
	var files map[string][]*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File
	}
	return r.PostForm, files, nil
}

// rowAction applies an "add" or "remove" button of the current step. It returns the id of the
// control to scroll to.
func rowAction(d *draft, step string, v url.Values) (anchor string, ok bool) {
	if add := v.Get("add"); add != "" {
		return addRow(d, step, add, v.Get("provider"))
	}
	if rm := v.Get("remove"); rm != "" {
		return removeRow(d, step, rm)
	}
	return "", false
}

func addRow(d *draft, step, list, kind string) (string, bool) {
	switch {
	case step == stepGeneral && list == "environment.variables" && len(d.Variables) < maxRows:
		d.Variables = append(d.Variables, kvRow{})
		return templates.FieldID(fmt.Sprintf("%s[%d].key", list, len(d.Variables)-1)), true
	case step == stepGeneral && list == "environment.secrets" && len(d.Secrets) < maxRows:
		d.Secrets = append(d.Secrets, secretRow{Row: d.nextRow()})
		return templates.FieldID(fmt.Sprintf("%s[%d].key", list, len(d.Secrets)-1)), true
	case step == stepGeneral && list == "annotations" && len(d.Annotations) < maxRows:
		d.Annotations = append(d.Annotations, kvRow{})
		return templates.FieldID(fmt.Sprintf("%s[%d].key", list, len(d.Annotations)-1)), true
	case step == stepGeneral && list == "labels" && len(d.Labels) < maxRows:
		d.Labels = append(d.Labels, kvRow{})
		return templates.FieldID(fmt.Sprintf("%s[%d].key", list, len(d.Labels)-1)), true
	case step == stepStorage && list == "provider" && slices.Contains(providerKinds(), kind) && len(d.Providers) < maxRows:
		pr := providerRow{Row: d.nextRow(), Kind: kind, Fields: map[string]string{}}
		if kind == kindMinIO {
			pr.Fields["verify"] = "true"
		}
		d.Providers = append(d.Providers, pr)
		return templates.FieldID(fmt.Sprintf("storage_providers[%d].id", len(d.Providers)-1)), true
	case step == stepInputs && list == "input" && len(d.Service.Input) < maxRows:
		d.Service.Input = append(d.Service.Input, ioConfig{StorageProvider: "minio.default"})
		return templates.FieldID(fmt.Sprintf("input[%d].path", len(d.Service.Input)-1)), true
	case step == stepOutputs && list == "output" && len(d.Service.Output) < maxRows:
		d.Service.Output = append(d.Service.Output, ioConfig{StorageProvider: "minio.default"})
		return templates.FieldID(fmt.Sprintf("output[%d].path", len(d.Service.Output)-1)), true
	}
	return "", false
}

func removeRow(d *draft, step, target string) (string, bool) {
	list, rest, ok := strings.Cut(target, "[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return "", false
	}
	i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	if err != nil || i < 0 {
		return "", false
	}
	anchor := templates.FieldID(list)
	switch {
	case step == stepGeneral && list == "environment.variables" && i < len(d.Variables):
		d.Variables = slices.Delete(d.Variables, i, i+1)
	case step == stepGeneral && list == "environment.secrets" && i < len(d.Secrets):
		d.Secrets = slices.Delete(d.Secrets, i, i+1)
	case step == stepGeneral && list == "annotations" && i < len(d.Annotations):
		d.Annotations = slices.Delete(d.Annotations, i, i+1)
	case step == stepGeneral && list == "labels" && i < len(d.Labels):
		d.Labels = slices.Delete(d.Labels, i, i+1)
	case step == stepStorage && list == "storage_providers" && i < len(d.Providers):
		d.Providers = slices.Delete(d.Providers, i, i+1)
		anchor = "wizard-form"
	case step == stepInputs && list == "input" && i < len(d.Service.Input):
		d.Service.Input = slices.Delete(d.Service.Input, i, i+1)
		anchor = "wizard-form"
	case step == stepOutputs && list == "output" && i < len(d.Service.Output):
		d.Service.Output = slices.Delete(d.Service.Output, i, i+1)
		anchor = "wizard-form"
	default:
		return "", false
	}
	d.sync()
	return anchor, true
}

// remoteChecks adds the checks that need OSCAR: for a new service, that the name is free (General)
// and that no MinIO bucket of the cluster's own MinIO already exists (OSCAR refuses to create a
// service on an existing bucket). If OSCAR cannot answer, the checks are skipped: the create
// itself will tell.
func (p *Pages) remoteChecks(r *http.Request, d *draft, step string, pr *wzProblems) {
	if d.Mode != "new" {
		return
	}
	ep, cr := p.creds(r)
	ctx := r.Context()
	if (step == stepGeneral || step == stepReview) && !pr.has("name") && d.Service.Name != "" {
		if svcs, err := p.OSCAR.Services(ctx, ep, cr, false); err != nil {
			p.Log.InfoContext(ctx, "wizard: name check skipped", "err", err, "request_id", requestIDOf(r))
		} else if slices.ContainsFunc(svcs, func(s oscar.Service) bool { return s.Name == d.Service.Name }) {
			pr.add("name", fmt.Sprintf("A service named %s already exists on this cluster; choose another name.", d.Service.Name))
		}
	}
	lists := map[string]bool{"input": step == stepInputs || step == stepReview, "output": step == stepOutputs || step == stepReview}
	if !lists["input"] && !lists["output"] {
		return
	}
	buckets, err := p.OSCAR.Buckets(ctx, ep, cr)
	if err != nil {
		p.Log.InfoContext(ctx, "wizard: bucket check skipped", "err", err, "request_id", requestIDOf(r))
		return
	}
	exists := map[string]bool{}
	for _, b := range buckets {
		exists[b.Name] = true
	}
	check := func(list string, rows []ioConfig) {
		if !lists[list] {
			return
		}
		for i, io := range rows {
			kind, id := canonicalRef(io.StorageProvider)
			field := fmt.Sprintf("%s[%d].path", list, i)
			if kind != kindMinIO || id != "default" || pr.has(field) {
				continue
			}
			if b := bucketOf(kind, io.Path, d.Service.Name); exists[b] {
				pr.add(field, fmt.Sprintf("The bucket %s already exists, and OSCAR only creates a service on new buckets: choose another bucket name.", b))
			}
		}
	}
	check("input", d.Service.Input)
	check("output", d.Service.Output)
}

// submitDraft handles the Create (or Save changes) button of the Review step. The session is
// locked for the duration, so a second click (without JavaScript nothing stops it) waits for the
// first and then finds the draft gone instead of creating twice. OSCAR's refusals are shown on the
// step they concern with the draft intact.
func (p *Pages) submitDraft(w http.ResponseWriter, r *http.Request, wz wizardRef) error {
	s := p.session(r)
	ctx := r.Context()
	unlock, err := p.Sessions.Lock(ctx, s, submitLockTTL)
	if err != nil {
		return fmt.Errorf("handlers: wizard: submit: %w", err)
	}
	defer unlock()
	if err := p.Sessions.Reload(ctx, s); err != nil && !errors.Is(err, session.ErrNotFound) {
		return fmt.Errorf("handlers: wizard: submit: %w", err)
	}
	if wz.mode == "new" && len(s.Data.Drafts[wz.key()]) == 0 {
		// Already created by an earlier click, or discarded meanwhile. (An edit without a stored
		// draft is the service unchanged: saving it again is harmless.)
		return p.redirect(w, r, "/services")
	}
	d, err := p.loadDraft(r, wz)
	if err != nil {
		return err
	}
	env := p.wizardEnvFor(r)
	d.Refusal = nil
	d.Visited = map[string]bool{}
	for _, st := range wizardSteps() {
		d.Visited[st] = true
	}
	probs := validateStep(d, stepReview, env)
	p.remoteChecks(r, d, stepReview, probs)
	if err := p.storeDraft(r, wz, d); err != nil {
		return err
	}
	if !probs.empty() {
		return p.renderWizard(w, r, http.StatusUnprocessableEntity, wz, d, stepReview, env, probs)
	}
	svc := d.build()
	ep, cr := p.creds(r)
	// The browser may give up waiting; OSCAR goes on anyway, so the console does too and records
	// the outcome in the session.
	octx := context.WithoutCancel(ctx)
	verb := "created"
	if wz.mode == "edit" {
		verb = "updated"
		err = p.OSCAR.UpdateService(octx, ep, cr, &svc)
	} else {
		err = p.OSCAR.CreateService(octx, ep, cr, &svc)
	}
	if err != nil {
		var oe *oscar.Error
		if !errors.As(err, &oe) || oe.Kind == oscar.Unauthorized || oe.Kind == oscar.Refused {
			return fmt.Errorf("handlers: wizard: submit %s: %w", svc.Name, err)
		}
		ref := refusalFor(d, oe)
		if oe.Kind == oscar.Timeout || oe.Kind == oscar.Unreachable {
			ref = &refusal{Step: stepReview, Message: oe.UserMessage() + " The service may have been " + verb + " anyway: check the services list before trying again."}
		}
		d.Refusal = ref
		if err := p.storeDraft(r, wz, d); err != nil {
			return err
		}
		p.Log.InfoContext(ctx, "wizard: OSCAR refused the service", "service", svc.Name, "status", oe.Status, "kind", oe.Kind.String(),
			"step", ref.Step, "field", ref.Field, "request_id", requestIDOf(r))
		to := wz.stepURL(ref.Step)
		if ref.Field != "" {
			to += "#" + templates.FieldID(ref.Field)
		}
		return p.redirect(w, r, to)
	}
	delete(s.Data.Drafts, wz.key())
	s.Data.AddFlash(fmt.Sprintf("Service %s %s.", svc.Name, verb))
	p.Log.InfoContext(ctx, "wizard: service "+verb, "service", svc.Name, "request_id", requestIDOf(r))
	return p.redirect(w, r, "/services/"+url.PathEscape(svc.Name))
}

// discardPage handles "GET /services/new/discard" (and the edit one): the confirmation.
func (p *Pages) discardPage(w http.ResponseWriter, r *http.Request, wz wizardRef) error {
	props := templates.WizardDiscard{Heading: "Discard the new service?", Action: wz.stepURL("discard"), Back: wz.stepURL(stepGeneral)}
	if wz.mode == "edit" {
		props.Heading, props.Name = "Discard your changes to "+wz.name+"?", wz.name
	}
	return p.render(w, r, http.StatusOK, templates.WizardDiscardPage(p.layout(r, props.Heading, "services"), props))
}

// discard handles "POST /services/new/discard" (and the edit one): the draft is dropped.
func (p *Pages) discard(w http.ResponseWriter, r *http.Request, wz wizardRef) error {
	data := &p.session(r).Data
	delete(data.Drafts, wz.key())
	data.AddFlash("Draft discarded.")
	if wz.mode == "edit" {
		return p.redirect(w, r, "/services/"+url.PathEscape(wz.name))
	}
	return p.redirect(w, r, "/services")
}

// requestIDOf is the request's ID for logs.
func requestIDOf(r *http.Request) string { return middleware.GetReqID(r.Context()) }
