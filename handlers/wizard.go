package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

// maxWizardBody bounds a posted wizard step (the General step carries the script upload).
const maxWizardBody = 2 << 20

// submitLockTTL bounds how long a create or update holds the session's lock (OSCAR takes 6 s or
// more to create a service; the client's slow timeout is shorter than this).
const submitLockTTL = 2 * time.Minute

// wizardOf reads which wizard the URL names.
func wizardOf(r *http.Request) (wizard.Ref, error) {
	name := r.PathValue("name")
	if name == "" {
		return wizard.Ref{Mode: wizard.ModeNew}, nil
	}
	if wizard.CheckName(name) != "" {
		return wizard.Ref{}, notFound("There is no service with that name: service names are lower-case letters, digits and hyphens.")
	}
	return wizard.Ref{Mode: wizard.ModeEdit, Name: name}, nil
}

// wizardStepOf reads which wizard and which of its steps (or "discard") the URL names.
func wizardStepOf(r *http.Request) (wizard.Ref, string, error) {
	wz, err := wizardOf(r)
	if err != nil {
		return wz, "", err
	}
	step := r.PathValue("step")
	if step != "discard" && !wizard.IsStep(step) {
		return wz, "", notFound("The service wizard has no step with that name.")
	}
	return wz, step, nil
}

// startWizard handles "GET /services/new" and "GET /services/{name}/edit": the first step.
func (p *Pages) startWizard(w http.ResponseWriter, r *http.Request) error {
	wz, err := wizardOf(r)
	if err != nil {
		return err
	}
	return p.redirect(w, r, wz.StepURL(wizard.General))
}

// loadDraft returns the wizard's draft from the session. A new service starts from OSCAR's
// defaults; an edit starts from the service as OSCAR returns it. Nothing is stored until the user
// posts a step, so looking at the edit pages of many services does not fill the session.
func (p *Pages) loadDraft(r *http.Request, wz wizard.Ref) (*wizard.Draft, error) {
	if raw := p.session(r).Data.Drafts[wz.Key()]; len(raw) > 0 {
		d, err := wizard.Unmarshal(raw)
		if err == nil && d.Mode == wz.Mode {
			return d, nil
		}
		p.log.WarnContext(r.Context(), "wizard: unreadable draft dropped", "key", wz.Key(), "err", err)
	}
	if wz.Mode == wizard.ModeNew {
		return wizard.New(), nil
	}
	ep, cr := p.creds(r)
	svc, err := p.oscar.Service(r.Context(), ep, cr, wz.Name, false)
	if err != nil {
		return nil, fmt.Errorf("handlers: wizard: load service %s: %w", wz.Name, err)
	}
	return wizard.FromService(*svc, wizard.ModeEdit), nil
}

// maxEditDrafts bounds the edit drafts one session keeps; the least recently saved goes first.
const maxEditDrafts = 8

// storeDraft puts the draft into the session (saved with the response).
func (p *Pages) storeDraft(r *http.Request, wz wizard.Ref, d *wizard.Draft) error {
	d.Saved = p.now().UTC()
	raw, err := d.Marshal()
	if err != nil {
		return fmt.Errorf("handlers: wizard: store draft: %w", err)
	}
	data := &p.session(r).Data
	if data.Drafts == nil {
		data.Drafts = map[string]json.RawMessage{}
	}
	data.Drafts[wz.Key()] = raw
	wizard.PruneEdits(data.Drafts, maxEditDrafts)
	return nil
}

// wizardEnv gathers what validation needs about the cluster and the user. If OSCAR cannot say
// what it offers, the wizard still works: the VO becomes a text field and GPU stays offered.
func (p *Pages) wizardEnv(r *http.Request) wizard.Env {
	data := &p.session(r).Data
	env := wizard.Env{UserVOs: data.VOs, Basic: data.Kind == session.KindBasic, Endpoint: data.Endpoint}
	ep, cr := p.creds(r)
	f, err := p.oscar.Features(r.Context(), ep, cr)
	if err != nil {
		p.log.InfoContext(r.Context(), "wizard: cluster features unknown", "err", err)
		return env
	}
	env.Features, env.FeaturesKnown = f, true
	return env
}

// showWizardStep handles "GET /services/new/{step}" and "GET /services/{name}/edit/{step}".
func (p *Pages) showWizardStep(w http.ResponseWriter, r *http.Request) error {
	wz, step, err := wizardStepOf(r)
	if err != nil {
		return err
	}
	if step == "discard" {
		return p.confirmDiscard(w, r, wz)
	}
	d, err := p.loadDraft(r, wz)
	if err != nil {
		return err
	}
	env := p.wizardEnv(r)
	var shown *wizard.Problems
	if d.Visited[step] && step != wizard.Review {
		shown = wizard.WithoutBlankRows(d, wizard.Validate(d, step, env))
	}
	return p.renderWizard(w, r, http.StatusOK, wz, d, step, env, shown)
}

// renderWizard renders a step, showing the given problems and OSCAR's last refusal if it concerns
// this step.
func (p *Pages) renderWizard(w http.ResponseWriter, r *http.Request, status int, wz wizard.Ref, d *wizard.Draft, step string, env wizard.Env, shown *wizard.Problems) error {
	if step == wizard.Storage {
		p.wizardVolumes(r, &env)
	}
	props, err := wizard.Props(wz, d, step, env, shown)
	if err != nil {
		return err
	}
	if wz.Mode == wizard.ModeEdit && step == wizard.Review && props.Review != nil {
		props.Review.Changes = p.editChanges(r, wz.Name, d)
	}
	l := p.layout(r, props.Heading+": "+wizard.StepLabel(step), "services")
	return p.render(w, r, status, templates.WizardPage(l, props))
}

// saveWizardStep handles "POST /services/new/{step}" and "POST /services/{name}/edit/{step}": it saves
// the step's values into the draft, then does what the pressed button asks: add or remove a row,
// go back, go to a step, save and stay, go next (after checking this step), or, on Review, create
// or update the service.
func (p *Pages) saveWizardStep(w http.ResponseWriter, r *http.Request) error {
	wz, step, err := wizardStepOf(r)
	if err != nil {
		return err
	}
	if step == "discard" {
		return p.discardDraft(w, r, wz)
	}
	values, files, err := readWizardForm(w, r)
	if err != nil {
		return err
	}
	if values.Get("nav") == "create" && step == wizard.Review {
		return p.submitDraft(w, r, wz)
	}
	d, err := p.loadDraft(r, wz)
	if err != nil {
		return err
	}
	env := p.wizardEnv(r)
	if d.Refusal != nil && d.Refusal.Step == step {
		d.Refusal = nil // the user has seen it and acted on this step
	}
	readProblems := wizard.ParseStep(d, step, wizard.Form{Values: values, Files: files}, env)
	if d.Visited == nil {
		d.Visited = map[string]bool{}
	}
	if values.Get("add") == "" && values.Get("remove") == "" {
		d.Visited[step] = true // adding a row is not leaving the step: no problems shown yet
	}
	if err := p.storeDraft(r, wz, d); err != nil {
		return err
	}
	if !readProblems.Empty() {
		// An upload could not be used: stay here and say why.
		return p.renderWizard(w, r, http.StatusUnprocessableEntity, wz, d, step, env, readProblems)
	}
	if anchor, ok := wizard.RowAction(d, step, values); ok {
		if err := p.storeDraft(r, wz, d); err != nil {
			return err
		}
		return p.redirect(w, r, wz.StepURL(step)+"#"+anchor)
	}
	switch nav := values.Get("nav"); {
	case nav == "back":
		return p.redirect(w, r, wz.StepURL(wizard.StepAfter(step, -1)))
	case nav == "next":
		shown := wizard.Validate(d, step, env)
		p.checkRemote(r, d, step, shown)
		if !shown.Empty() {
			return p.renderWizard(w, r, http.StatusUnprocessableEntity, wz, d, step, env, shown)
		}
		return p.redirect(w, r, wz.StepURL(wizard.StepAfter(step, 1)))
	case wizard.IsStep(nav):
		return p.redirect(w, r, wz.StepURL(nav))
	default: // "stay" (Save draft), or no button at all
		p.session(r).Data.AddFlash("Draft saved. It stays in this browser session until you create the service or discard it.")
		return p.redirect(w, r, wz.StepURL(step))
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
			return nil, nil, badRequest(fmt.Sprintf("The form is larger than %d MiB. A script may be at most %d KiB.", maxWizardBody>>20, wizard.MaxScriptBytes>>10))
		}
		return nil, nil, badRequest("The form could not be read. Go back and try again.")
	}
	var files map[string][]*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File
	}
	return r.PostForm, files, nil
}

// checkRemote adds the checks that need OSCAR's answers (wizard.NeedsNameCheck,
// wizard.NeedsBucketCheck, wizard.NeedsMountCheck). If OSCAR cannot answer, the checks are skipped: the create itself
// will tell.
func (p *Pages) checkRemote(r *http.Request, d *wizard.Draft, step string, pr *wizard.Problems) {
	ep, cr := p.creds(r)
	ctx := r.Context()
	if wizard.NeedsNameCheck(d, step, pr) {
		if svcs, err := p.oscar.Services(ctx, ep, cr, false); err != nil {
			p.log.InfoContext(ctx, "wizard: name check skipped", "err", err)
		} else {
			wizard.CheckNameFree(d, pr, svcs)
		}
	}
	free, mount := wizard.NeedsBucketCheck(d, step), wizard.NeedsMountCheck(d, step, pr)
	if !free && !mount {
		return
	}
	buckets, err := p.oscar.Buckets(ctx, ep, cr)
	if err != nil {
		p.log.InfoContext(ctx, "wizard: bucket check skipped", "err", err)
		return
	}
	if free {
		wizard.CheckBucketsFree(d, step, pr, buckets)
	}
	if mount {
		wizard.CheckMountPrivate(d, pr, buckets)
	}
}

// submitDraft handles the Create (or Save changes) button of the Review step. The session is
// locked for the duration, so a second click (without JavaScript nothing stops it) waits for the
// first and then finds the draft gone instead of creating twice. OSCAR's refusals are shown on the
// step they concern with the draft intact.
func (p *Pages) submitDraft(w http.ResponseWriter, r *http.Request, wz wizard.Ref) error {
	s := p.session(r)
	ctx := r.Context()
	unlock, err := p.sessions.Lock(ctx, s, submitLockTTL)
	if err != nil {
		return fmt.Errorf("handlers: wizard: submit: %w", err)
	}
	defer unlock()
	if err := p.sessions.Reload(ctx, s); err != nil && !errors.Is(err, session.ErrNotFound) {
		return fmt.Errorf("handlers: wizard: submit: %w", err)
	}
	if wz.Mode == wizard.ModeNew && len(s.Data.Drafts[wz.Key()]) == 0 {
		// Already created by an earlier click, or discarded meanwhile. (An edit without a stored
		// draft is the service unchanged: saving it again is harmless.)
		return p.redirect(w, r, "/services")
	}
	d, err := p.loadDraft(r, wz)
	if err != nil {
		return err
	}
	return p.createDraft(w, r, wz, d, p.wizardEnv(r), "")
}

// createDraft validates a draft as the Review step does and creates (or updates) its service. A
// problem or OSCAR's refusal shows the draft again on the step it concerns; success flashes and
// goes to the service's page, or to next when given. The caller holds the session's lock.
func (p *Pages) createDraft(w http.ResponseWriter, r *http.Request, wz wizard.Ref, d *wizard.Draft, env wizard.Env, next string) error {
	s := p.session(r)
	ctx := r.Context()
	d.Refusal = nil
	d.VisitAll()
	probs := wizard.Validate(d, wizard.Review, env)
	p.checkRemote(r, d, wizard.Review, probs)
	if err := p.storeDraft(r, wz, d); err != nil {
		return err
	}
	if !probs.Empty() {
		return p.renderWizard(w, r, http.StatusUnprocessableEntity, wz, d, wizard.Review, env, probs)
	}
	svc := d.Build()
	ep, cr := p.creds(r)
	// The browser may give up waiting; OSCAR goes on anyway, so the console does too and records
	// the outcome in the session.
	octx := context.WithoutCancel(ctx)
	verb := "created"
	var err error
	if wz.Mode == wizard.ModeEdit {
		verb = "updated"
		err = p.oscar.UpdateService(octx, ep, cr, &svc)
	} else {
		err = p.oscar.CreateService(octx, ep, cr, &svc)
	}
	if err != nil {
		var oe *oscar.Error
		if !errors.As(err, &oe) || oe.Kind == oscar.Unauthorized || oe.Kind == oscar.Refused {
			return fmt.Errorf("handlers: wizard: submit %s: %w", svc.Name, err)
		}
		ref := wizard.RefusalFor(d, oe)
		if oe.Kind == oscar.Timeout || oe.Kind == oscar.Unreachable {
			ref = &wizard.Refusal{Step: wizard.Review, Message: oe.UserMessage() + " The service may have been " + verb + " anyway: check the services list before trying again."}
		}
		d.Refusal = ref
		if err := p.storeDraft(r, wz, d); err != nil {
			return err
		}
		p.log.InfoContext(ctx, "wizard: OSCAR refused the service", "service", svc.Name, "status", oe.Status, "kind", oe.Kind.String(),
			"step", ref.Step, "field", ref.Field)
		to := wz.StepURL(ref.Step)
		if ref.Field != "" {
			to += "#" + templates.FieldID(ref.Field)
		}
		return p.redirect(w, r, to)
	}
	delete(s.Data.Drafts, wz.Key())
	s.Data.AddFlash(fmt.Sprintf("Service %s %s.", svc.Name, verb))
	p.log.InfoContext(ctx, "wizard: service "+verb, "service", svc.Name)
	if next == "" {
		next = "/services/" + url.PathEscape(svc.Name)
	}
	return p.redirect(w, r, next)
}

// confirmDiscard handles "GET /services/new/discard" (and the edit one): the confirmation.
func (p *Pages) confirmDiscard(w http.ResponseWriter, r *http.Request, wz wizard.Ref) error {
	props := templates.WizardDiscard{Heading: "Discard the new service?", Action: wz.StepURL("discard"), Back: wz.StepURL(wizard.General)}
	if wz.Mode == wizard.ModeEdit {
		props.Heading, props.Name = "Discard your changes to "+wz.Name+"?", wz.Name
	}
	return p.render(w, r, http.StatusOK, templates.WizardDiscardPage(p.layout(r, props.Heading, "services"), props))
}

// discardDraft handles "POST /services/new/discard" (and the edit one): the draft is dropped.
func (p *Pages) discardDraft(w http.ResponseWriter, r *http.Request, wz wizard.Ref) error {
	data := &p.session(r).Data
	delete(data.Drafts, wz.Key())
	data.AddFlash("Draft discarded.")
	if wz.Mode == wizard.ModeEdit {
		return p.redirect(w, r, "/services/"+url.PathEscape(wz.Name))
	}
	return p.redirect(w, r, "/services")
}
