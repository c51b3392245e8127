package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

// maxWorkflowExport bounds the services of one workflow export.
const maxWorkflowExport = 50

// workflowNames reads the services selected on the services list.
func workflowNames(values url.Values) ([]string, error) {
	var names []string
	for _, n := range values["name"] {
		n = strings.TrimSpace(n)
		if n == "" || slices.Contains(names, n) {
			continue
		}
		if wizard.CheckName(n) != "" {
			return nil, badRequest("One of the selected names is not a valid service name.")
		}
		names = append(names, n)
	}
	if len(names) > maxWorkflowExport {
		return nil, badRequest(fmt.Sprintf("Export at most %d services at a time.", maxWorkflowExport))
	}
	return names, nil
}

// exportServices handles "GET /services/export": the services selected on the list as one FDL
// file (a workflow), sanitised; with complete=1 it asks for confirmation first, as the export of
// one service does.
func (p *Pages) exportServices(w http.ResponseWriter, r *http.Request) error {
	names, err := workflowNames(r.URL.Query())
	if err != nil {
		return err
	}
	if len(names) == 0 {
		p.session(r).Data.AddFlash("Select the services to export first.")
		return p.redirect(w, r, "/services")
	}
	if r.URL.Query().Get("complete") == "1" {
		back := url.Values{"name": names}
		props := templates.ExportProps{Name: strings.Join(names, ", "), Names: names, Action: "/services/export", Back: "/services/export?" + back.Encode()}
		return p.render(w, r, http.StatusOK, templates.ExportConfirmPage(p.layout(r, "Download the services with credentials?", "services"), props))
	}
	return p.sendWorkflow(w, r, names, false)
}

// exportCompleteServices handles "POST /services/export" with complete=1: the selected services
// as one complete FDL file, credentials included.
func (p *Pages) exportCompleteServices(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("complete") != "1" {
		return badRequest("Use the download button of the confirmation page.")
	}
	names, err := workflowNames(r.PostForm)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return badRequest("Select the services to export on the services list.")
	}
	return p.sendWorkflow(w, r, names, true)
}

// sendWorkflow reads the services (at once) and sends them as one FDL file, scripts inline so that
// the file is whole.
func (p *Pages) sendWorkflow(w http.ResponseWriter, r *http.Request, names []string, complete bool) error {
	ep, cr := p.creds(r)
	services := make([]*oscar.Service, len(names))
	g, ctx := newCalls(r.Context())
	for i, name := range names {
		g.Go(func() (err error) {
			services[i], err = p.oscar.Service(ctx, ep, cr, name, false)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("handlers: export workflow: %w", err)
	}
	entries := make([]fdl.Entry, len(services))
	for i, s := range services {
		entries[i] = fdl.Entry{Service: *s}
	}
	out, err := fdl.MarshalAll(entries, complete)
	if err != nil {
		return fmt.Errorf("handlers: export workflow: %w", err)
	}
	file := "workflow.yaml"
	if complete {
		file = "workflow-complete.yaml"
		p.log.InfoContext(r.Context(), "complete FDL exported", "services", strings.Join(names, ","))
	}
	return p.download(w, r, file, "text/yaml; charset=utf-8", out)
}
