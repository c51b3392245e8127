package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/apps"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// appStateProps lays out a new app's state panel; err is the failure to read the state.
func appStateProps(ep oscar.Endpoint, name string, st *oscar.DeploymentStatus, err error) templates.AppStateProps {
	props := templates.AppStateProps{Name: name, Poll: appPath(name, "state"), RefreshURL: appPath(name), Settled: true}
	if err != nil {
		props.Problem = "The app's state is not available just now."
		var oe *oscar.Error
		if errors.As(err, &oe) {
			props.Problem += " " + oe.UserMessage()
		}
		return props
	}
	props.State, props.StateClass = apps.State(st.State)
	if props.State == "failing" {
		props.Reason = st.Reason
	}
	props.Settled = settled(st.State)
	if st.State == "ready" {
		props.Ready, props.OpenURL = true, exposedURL(ep, name)
	}
	return props
}

// showApp handles "GET /apps/{name}": a new app's progress until it is ready, then "Open". The
// password chosen or made at creation is shown here once: the session forgets it as the page is
// rendered.
func (p *Pages) showApp(w http.ResponseWriter, r *http.Request) error {
	name, ep, cr, err := p.serviceTarget(r)
	if err != nil {
		return err
	}
	var (
		s      *oscar.Service
		st     *oscar.DeploymentStatus
		stErr  error
		g, ctx = newCalls(r.Context())
	)
	g.Go(func() (err error) { s, err = p.oscar.Service(ctx, ep, cr, name, false); return err })
	g.Go(func() error { st, stErr = p.oscar.Deployment(ctx, ep, cr, name); return nil })
	if err := g.Wait(); err != nil {
		return fmt.Errorf("handlers: app %q: %w", name, err)
	}
	k, ok := apps.KindOf(s)
	if !ok {
		return notFound("The service " + name + " is not an app. Its page is under Services.")
	}
	props := templates.AppProgressProps{Name: name, Kind: k.Title, State: appStateProps(ep, name, st, stErr)}
	if secret := p.session(r).Data.TakeReveal(name); secret != "" && k.Secret != nil {
		props.Secret, props.SecretLabel, props.FromService = secret, k.Secret.Label, k.Secret.FromService
	}
	return p.render(w, r, http.StatusOK, templates.AppProgressPage(p.layout(r, name, "apps"), props))
}

// showAppState handles "GET /apps/{name}/state": the state panel alone, which the progress page's
// script polls (one OSCAR call).
func (p *Pages) showAppState(w http.ResponseWriter, r *http.Request) error {
	name, ep, st, err, fatal := p.deploymentState(r)
	if fatal != nil {
		return fatal
	}
	return p.render(w, r, http.StatusOK, templates.AppStatePage(p.layout(r, name, "apps"), appStateProps(ep, name, st, err)))
}

// backToApps is where the Apps list's actions return.
func backToApps(string) string { return "/apps" }

// stopApp handles "POST /apps/{name}/stop".
func (p *Pages) stopApp(w http.ResponseWriter, r *http.Request) error {
	return p.lifecycleAction(w, r, oscar.ActionStop, backToApps)
}

// startApp handles "POST /apps/{name}/start".
func (p *Pages) startApp(w http.ResponseWriter, r *http.Request) error {
	return p.lifecycleAction(w, r, oscar.ActionStart, backToApps)
}

// restartApp handles "POST /apps/{name}/restart".
func (p *Pages) restartApp(w http.ResponseWriter, r *http.Request) error {
	return p.lifecycleAction(w, r, oscar.ActionRestart, backToApps)
}

// confirmDeleteApp handles "GET /apps/{name}/delete": the confirmation, saying what is kept.
func (p *Pages) confirmDeleteApp(w http.ResponseWriter, r *http.Request) error {
	name, ep, cr, err := p.serviceTarget(r)
	if err != nil {
		return err
	}
	s, err := p.oscar.Service(r.Context(), ep, cr, name, false)
	if err != nil {
		return fmt.Errorf("handlers: get app %q to delete: %w", name, err)
	}
	k, ok := apps.KindOf(s)
	if !ok {
		return notFound("The service " + name + " is not an app. Delete it from its page under Services.")
	}
	props := templates.AppDeleteProps{Name: name, Kind: k.Title, Action: appPath(name, "delete")}
	switch {
	case s.Volume != nil && s.Volume.LifecyclePolicy == "retain":
		props.Workspace = "Its volume " + s.VolumeName() + " is kept, with the app's files; delete it on the Volumes page if you no longer need it."
	case s.Volume != nil && s.Volume.Size != "":
		props.Workspace = "Its volume " + s.VolumeName() + " was created with it and is deleted with it."
	case s.Volume != nil:
		props.Workspace = "The volume " + s.VolumeName() + " it uses is kept."
	case s.Mount != nil && s.Mount.Path != "":
		props.Workspace = "The bucket " + s.Mount.Path + " with the app's files is kept."
	}
	return p.render(w, r, http.StatusOK, templates.AppDeletePage(p.layout(r, "Delete "+name, "apps"), props))
}

// deleteApp handles "POST /apps/{name}/delete".
func (p *Pages) deleteApp(w http.ResponseWriter, r *http.Request) error {
	return p.removeService(w, r, "App %s deleted.", "/apps")
}
