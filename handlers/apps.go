package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/apps"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/remote"
)

// The Apps screen (issue 20): the user's notebooks, terminals, file browsers and flow editors,
// each an exposed service made from a template the operator's source holds (web/apps).

// maxStateCalls bounds the deployment-state calls the Apps list makes at once.
const maxStateCalls = 4

// appPath is root /apps/ followed by the app's name and sub-pages.
func appPath(name string, sub ...string) string { return namedPath("/apps/", name, sub...) }

// appKinds are the kinds the operator has on (CONSOLE_APP_SOURCES), in table order.
func (p *Pages) appKinds() []apps.Kind {
	var out []apps.Kind
	for _, k := range apps.Kinds() {
		if _, on := p.cfg.AppSources[k.ID]; on {
			out = append(out, k)
		}
	}
	return out
}

// appTemplate is a kind's template as fetched for one request: the service, or why the kind
// cannot be created now.
type appTemplate struct {
	kind    apps.Kind
	service oscar.Service
	problem string // the template could not be fetched or used
	stale   string // the template is the last good copy of a source that is down
}

// loadAppTemplate fetches kind k's FDL file and script from its source (both at once) through the
// shared remote fetcher, which caches and revalidates them. A failure disables the kind, not the page.
func (p *Pages) loadAppTemplate(ctx context.Context, k apps.Kind) appTemplate {
	t := appTemplate{kind: k}
	src := p.cfg.AppSources[k.ID]
	if p.remote == nil { // pages built without a fetcher (some tests): no template can be read
		t.problem = fmt.Sprintf("The %s template cannot be fetched: the console has no way to read its source.", k.Title)
		return t
	}
	var fdlFile, script remote.File
	g, gctx := newCalls(ctx)
	g.Go(func() (err error) { fdlFile, err = p.remote.Get(gctx, src, k.FDL); return err })
	g.Go(func() (err error) { script, err = p.remote.Get(gctx, src, apps.ScriptFile); return err })
	if err := g.Wait(); err != nil {
		if ctx.Err() == nil {
			p.log.WarnContext(ctx, "apps: template not fetched", "kind", k.ID, "source", src.String(), "err", err)
		}
		t.problem = fmt.Sprintf("The %s template could not be fetched from %s just now, so a new one cannot be created. Your existing apps are not affected; try again later.", k.Title, src.Label())
		return t
	}
	svc, err := apps.Template(k, fdlFile.Body, script.Body)
	var te *apps.TemplateError
	if errors.As(err, &te) {
		p.log.WarnContext(ctx, "apps: template not usable", "kind", k.ID, "source", src.String(), "err", err)
		t.problem = fmt.Sprintf("The %s template from %s cannot be used (%s). Ask the console's operator.", k.Title, src.Label(), te.Msg)
		return t
	}
	t.service = svc
	if fdlFile.Stale != nil || script.Stale != nil {
		t.stale = fmt.Sprintf("The template's source (%s) is not answering; the console uses the copy it fetched %s ago.",
			src.Label(), age(p.now().Sub(earlier(fdlFile.Fetched, script.Fetched))))
	}
	return t
}

// card lays out a kind for the Apps screen and its form.
func (t appTemplate) card() templates.AppKindCard {
	return templates.AppKindCard{ID: t.kind.ID, Title: t.kind.Title, Description: t.kind.Description,
		NewURL: "/apps/new/" + t.kind.ID, Problem: t.problem, Stale: t.stale}
}

// listApps handles "GET /apps": the user's apps with their deployment state, and the kinds on
// offer. The services (with each one's deployment state, ?include=deployment) and the templates are
// read at once: one OSCAR call. Only an app whose state that list lacks (an OSCAR before 4.1) has
// its state asked for, at most maxStateCalls at a time.
func (p *Pages) listApps(w http.ResponseWriter, r *http.Request) error {
	ep, cr := p.creds(r)
	kinds := p.appKinds()
	tmpls := make([]appTemplate, len(kinds))
	var all []oscar.ServiceSummary
	g, ctx := newCalls(r.Context())
	g.Go(func() (err error) { all, err = p.oscar.ServiceSummaries(ctx, ep, cr, true); return err })
	for i, k := range kinds {
		g.Go(func() error { tmpls[i] = p.loadAppTemplate(ctx, k); return nil })
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("handlers: list apps: %w", err)
	}
	me := &p.session(r).Data
	type app struct {
		name  string
		kind  apps.Kind
		state *oscar.DeploymentSummary // nil: not known
	}
	var mine []app
	for i := range all {
		s := &all[i]
		if k, ok := apps.KindOfSummary(s); ok && ownerIsMe(me, s.Owner) {
			a := app{name: s.Name, kind: k}
			if d, ok := s.Deployment(); ok {
				a.state = &d
			}
			mine = append(mine, a)
		}
	}
	sg, sctx := newCalls(r.Context())
	sg.SetLimit(maxStateCalls)
	for i := range mine {
		a := &mine[i]
		if a.state != nil {
			continue
		}
		sg.Go(func() error {
			st, err := p.oscar.Deployment(sctx, ep, cr, a.name)
			if err != nil {
				p.log.InfoContext(sctx, "apps: state unknown", "service", a.name, "err", err)
				return nil // one app's state missing does not hide the others
			}
			a.state = &oscar.DeploymentSummary{State: st.State, Reason: st.Reason}
			return nil
		})
	}
	_ = sg.Wait()
	props := templates.AppsProps{}
	for _, a := range mine {
		props.Rows = append(props.Rows, appRow(ep, a.name, a.kind, a.state))
	}
	slices.SortFunc(props.Rows, func(a, b templates.AppRow) int { return strings.Compare(a.Name, b.Name) })
	for _, t := range tmpls {
		props.Kinds = append(props.Kinds, t.card())
	}
	return p.render(w, r, http.StatusOK, templates.AppsPage(p.layout(r, "Apps", "apps"), props))
}

// appRow lays out one app of the list; st is nil when its state is not known.
func appRow(ep oscar.Endpoint, name string, k apps.Kind, st *oscar.DeploymentSummary) templates.AppRow {
	row := templates.AppRow{Name: name, Kind: k.Title, URL: servicePath(name), OpenURL: exposedURL(ep, name),
		StartURL: appPath(name, "start"), StopURL: appPath(name, "stop"), RestartURL: appPath(name, "restart"),
		DeleteURL: appPath(name, "delete")}
	if st == nil {
		row.State, row.Reason = "unknown", "The state is not available just now."
		return row
	}
	row.State, row.StateClass = apps.State(st.State)
	if row.State == "failing" {
		row.Reason = st.Reason
	}
	row.Stopped = st.State == "stopped"
	if row.Stopped {
		row.OpenURL = ""
	}
	return row
}
