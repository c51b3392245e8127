package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/apps"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
	"github.com/oscarconsole/oscar-console/web/volume"
)

// appForm is what a kind's form is drawn from: the template, what the cluster offers the user
// (VOs, volumes) and the user's buckets and volumes to suggest.
type appForm struct {
	tmpl         appTemplate
	env          apps.Env
	buckets      []string
	volumes      []string
	volumesKnown bool
}

// appKind reads the {kind} path value: a kind the operator has on.
func (p *Pages) appKind(r *http.Request) (apps.Kind, error) {
	k, ok := apps.Lookup(r.PathValue("kind"))
	if _, on := p.cfg.AppSources[k.ID]; !ok || !on {
		return apps.Kind{}, notFound("There is no such app. The Apps page lists those on offer.")
	}
	return k, nil
}

// loadAppForm reads, all at once, the kind's template, the cluster's features, and the user's
// buckets and volumes. Only the template and features matter to the form's checks; a failure to
// list buckets or volumes leaves those fields plain text inputs.
func (p *Pages) loadAppForm(r *http.Request, k apps.Kind) appForm {
	ep, cr := p.creds(r)
	var (
		af       = appForm{}
		f        oscar.Features
		fErr     error
		buckets  []oscar.Bucket
		vols     []oscar.ManagedVolume
		bErr, vE error
	)
	g, ctx := newCalls(r.Context())
	g.Go(func() error { af.tmpl = p.loadAppTemplate(ctx, k); return nil })
	g.Go(func() error { f, fErr = p.oscar.Features(ctx, ep, cr); return nil })
	g.Go(func() error { buckets, bErr = p.oscar.Buckets(ctx, ep, cr); return nil })
	g.Go(func() error { vols, vE = p.oscar.Volumes(ctx, ep, cr); return nil })
	_ = g.Wait()

	d := &p.session(r).Data
	// Without features the console cannot tell whether volumes exist: it offers them and lets
	// OSCAR decide.
	af.env.Volumes = fErr != nil || f.Volumes
	if fErr == nil {
		af.env.ClusterVOs = f.VOs
		for _, vo := range f.VOs {
			if d.Kind == session.KindBasic || slices.Contains(d.VOs, vo) {
				af.env.VOChoices = append(af.env.VOChoices, vo)
			}
		}
	}
	if bErr == nil {
		for _, b := range buckets {
			if b.Visibility == "" || b.Visibility == "private" {
				af.buckets = append(af.buckets, b.Name)
			}
		}
	}
	if vE == nil && af.env.Volumes {
		for _, v := range vols {
			af.volumes = append(af.volumes, v.Name)
		}
		af.volumesKnown = true
	}
	return af
}

// workspaceLabels name the workspace modes on the form.
var workspaceLabels = map[string]string{
	apps.WorkspaceBucket:    "A MinIO bucket",
	apps.WorkspaceVolume:    "An existing volume",
	apps.WorkspaceNewVolume: "A new volume, created with the app",
	apps.WorkspaceNone:      "Nowhere: the files go when the app stops",
}

// appFormProps lays out a kind's form with the values typed (never the secret).
func appFormProps(k apps.Kind, af appForm, f apps.Form, errs apps.Errors) templates.AppFormProps {
	props := templates.AppFormProps{
		Kind: af.tmpl.card(), Action: "/apps/new/" + k.ID,
		Name: f.Name, CPU: f.CPU, Memory: f.Memory, Bucket: f.Bucket,
		VolumeName: f.VolumeName, VolumeAmount: f.VolumeAmount, VolumeUnit: f.VolumeUnit,
		Buckets: af.buckets, VolumesKnown: af.volumesKnown, Units: volume.Units, Errors: templates.FieldErrors(errs),
	}
	if k.Asked() {
		props.SecretLabel, props.SecretHint = k.Secret.Label, k.Secret.Hint
	}
	if len(af.env.VOChoices) > 0 {
		for _, vo := range af.env.VOChoices {
			props.VOs = append(props.VOs, templates.WizardOption{Value: vo, Label: vo, Selected: vo == f.VO})
		}
	}
	for _, w := range k.Workspaces {
		if (w == apps.WorkspaceVolume || w == apps.WorkspaceNewVolume) && !af.env.Volumes {
			continue
		}
		props.Workspaces = append(props.Workspaces, templates.AppChoice{Value: w, Label: workspaceLabels[w], Checked: w == f.Workspace})
	}
	props.Volumes = templates.VolumeChoices(af.volumes, f.Volume)
	return props
}

// showAppForm handles "GET /apps/new/{kind}": the form of one kind, preset (a fresh name, the
// user's first VO, the kind's resources and workspace).
func (p *Pages) showAppForm(w http.ResponseWriter, r *http.Request) error {
	k, err := p.appKind(r)
	if err != nil {
		return err
	}
	af := p.loadAppForm(r, k)
	props := appFormProps(k, af, apps.NewForm(k, af.env), nil)
	return p.render(w, r, http.StatusOK, templates.AppFormPage(p.layout(r, "New "+k.Title, "apps"), props))
}

// createApp handles "POST /apps/new/{kind}": the template filled with the form is created as an
// exposed service, and the user goes to its progress page, where the password is shown once.
// Bad input comes back on the form with the values typed, except the password.
func (p *Pages) createApp(w http.ResponseWriter, r *http.Request) error {
	k, err := p.appKind(r)
	if err != nil {
		return err
	}
	v, err := formValues(r)
	if err != nil {
		return err
	}
	f := apps.ReadForm(v)
	af := p.loadAppForm(r, k)
	title := "New " + k.Title
	if af.tmpl.problem != "" {
		props := appFormProps(k, af, f, nil)
		return p.render(w, r, http.StatusServiceUnavailable, templates.AppFormPage(p.layout(r, title, "apps"), props))
	}
	if errs := apps.Validate(k, f, af.env); len(errs) > 0 {
		props := appFormProps(k, af, f, errs)
		return p.render(w, r, http.StatusUnprocessableEntity, templates.AppFormPage(p.layout(r, title, "apps"), props))
	}
	secret := ""
	if k.Asked() {
		secret = f.Secret
		if secret == "" {
			secret = apps.NewSecret()
		}
	}
	ep, cr := p.creds(r)
	svc := apps.Build(k, af.tmpl.service, f, secret, string(ep))
	err = p.oscar.CreateService(r.Context(), ep, cr, &svc)
	var oe *oscar.Error
	if errors.As(err, &oe) && (oe.BadInput() || oe.Kind == oscar.Forbidden) {
		errs := apps.Errors{}
		if field := apps.RefusalField(f, oe.Message); field != "" {
			errs[field] = oe.UserMessage()
		}
		props := appFormProps(k, af, f, errs)
		if len(errs) == 0 {
			props.Problem = oe.UserMessage()
		}
		return p.render(w, r, http.StatusUnprocessableEntity, templates.AppFormPage(p.layout(r, title, "apps"), props))
	}
	if err != nil {
		return fmt.Errorf("handlers: create app %s %q: %w", k.ID, f.Name, err)
	}
	if k.Secret != nil && k.Secret.FromService {
		// The app's password is the token OSCAR made for the service: read it to show it once.
		if s, err := p.oscar.Service(r.Context(), ep, cr, f.Name, false); err == nil {
			secret = s.Token
		} else {
			p.log.InfoContext(r.Context(), "apps: service token not read", "service", f.Name, "err", err)
		}
	}
	d := &p.session(r).Data
	if secret != "" {
		d.KeepReveal(f.Name, secret)
	}
	d.AddFlash(fmt.Sprintf("%s %s created: OSCAR is starting it.", k.Title, f.Name))
	return p.redirect(w, r, appPath(f.Name))
}
