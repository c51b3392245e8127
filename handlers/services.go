package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/bucket"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// maxBulkDelete bounds one bulk deletion (each delete takes OSCAR seconds).
const maxBulkDelete = 50

// serviceBuckets lists the MinIO buckets OSCAR deletes with a service: those of its default-MinIO
// inputs and outputs (a single-segment path is "<service>/<path>", so its bucket is the service's
// name). Mounted buckets are kept by OSCAR and not listed.
func serviceBuckets(s *oscar.Service) []string {
	var out []string
	add := func(io []oscar.StorageIOConfig) {
		for _, c := range io {
			prov, id, _ := strings.Cut(strings.ToLower(c.StorageProvider), ".")
			if prov != "minio" || (id != "" && id != "default") {
				continue
			}
			path := strings.Trim(strings.TrimSpace(c.Path), "/")
			if path == "" {
				continue
			}
			b, _, found := strings.Cut(path, "/")
			if !found {
				b = s.Name
			}
			if !slices.Contains(out, b) {
				out = append(out, b)
			}
		}
	}
	add(s.Input)
	add(s.Output)
	return out
}

// deleteServices handles "POST /services/delete": the bulk delete of the list. Without confirm=1 it
// shows the confirmation page (names and the buckets OSCAR will delete with them); with it, it
// deletes each service and reports what happened.
func (p *Pages) deleteServices(w http.ResponseWriter, r *http.Request) error {
	form, err := formValues(r)
	if err != nil {
		return err
	}
	var names []string
	for _, n := range form["name"] {
		n = strings.TrimSpace(n)
		if n == "" || slices.Contains(names, n) {
			continue
		}
		if !validName(n) {
			return badRequest("One of the selected names is not a valid service name.")
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		p.session(r).Data.AddFlash("Select the services to delete first.")
		return p.redirect(w, r, "/services")
	}
	if len(names) > maxBulkDelete {
		return badRequest(fmt.Sprintf("Delete at most %d services at a time.", maxBulkDelete))
	}
	ep, cr := p.creds(r)
	if form.Get("confirm") != "1" {
		all, err := p.oscar.Services(r.Context(), ep, cr, false)
		if err != nil {
			return fmt.Errorf("handlers: list services to delete: %w", err)
		}
		props := templates.ServicesDeleteProps{Action: "/services/delete", Bulk: true, CancelURL: "/services"}
		for _, n := range names {
			d := templates.ServiceDeletion{Name: n, Missing: true}
			for i := range all {
				if all[i].Name == n {
					d.Missing, d.Buckets = false, serviceBuckets(&all[i])
					break
				}
			}
			props.Services = append(props.Services, d)
		}
		return p.render(w, r, http.StatusOK, templates.ServicesDeletePage(p.layout(r, "Delete services", "services"), props))
	}

	var done, failed []string
	for _, n := range names {
		if r.Context().Err() != nil {
			break
		}
		// Each deletion may take OSCAR tens of seconds (it restarts MinIO): keep the connection open.
		extendDeadlines(w, 2*time.Minute)
		if err := p.oscar.DeleteService(r.Context(), ep, cr, n); err != nil {
			var oe *oscar.Error
			if !errors.As(err, &oe) {
				return fmt.Errorf("handlers: delete service %q: %w", n, err)
			}
			p.log.InfoContext(r.Context(), "service not deleted", "service", n, "err", err)
			failed = append(failed, fmt.Sprintf("%s (%s)", n, oe.UserMessage()))
			continue
		}
		done = append(done, n)
	}
	d := &p.session(r).Data
	if len(done) > 0 {
		d.AddFlash("Deleted " + strings.Join(done, ", ") + ".")
	}
	for _, f := range failed {
		d.AddFlash("Not deleted: " + f)
	}
	return p.redirect(w, r, "/services")
}

// serviceName reads and checks the {name} path value.
func serviceName(r *http.Request) (string, error) {
	n := r.PathValue("name")
	if !validName(n) {
		return "", notFound("There is no service with that name.")
	}
	return n, nil
}

// showService handles "GET /services/{name}": the definition in readable sections, the deployment
// state, the token, the invocation URLs, a summary of the jobs and the federation. Its five OSCAR
// calls (the service, its deployment, the cluster's features, the jobs and the federation) do not
// depend on each other and run at once, so the page costs the slowest of them.
func (p *Pages) showService(w http.ResponseWriter, r *http.Request) error {
	name, err := serviceName(r)
	if err != nil {
		return err
	}
	ep, cr := p.creds(r)
	var (
		s                  *oscar.Service
		st                 *oscar.DeploymentStatus
		f                  oscar.Features
		jobs               *oscar.JobsResponse
		fed                *oscar.FederationInfo
		stErr, fErr, jbErr error
		fedErr             error
	)
	g, ctx := newCalls(r.Context())
	g.Go(func() (err error) {
		s, st, stErr, err = p.serviceWithDeployment(ctx, ep, cr, name)
		return err
	})
	g.Go(func() error { f, fErr = p.oscar.Features(ctx, ep, cr); return nil })
	g.Go(func() error { jobs, jbErr = p.oscar.Jobs(ctx, ep, cr, name, ""); return nil })
	// OSCAR's federation API answers the federation of the stored definition (its GET handler
	// reads the same service): for a service without members the answer adds nothing to the
	// definition's own (topology "none" or the definition's, no members). A service seen last
	// time without members is not asked about again unless its definition now has some.
	key := string(ep) + "\x00" + name
	_, plain := p.unfederated.Get(key)
	if !plain {
		g.Go(func() error { fed, fedErr = p.oscar.Federation(ctx, ep, cr, name); return nil })
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("handlers: get service %q: %w", name, err)
	}
	// The memory changes only when the service did: Get has already kept a known one recent.
	switch members := s.Federation != nil && len(s.Federation.Members) > 0; {
	case plain && members: // members since the last view: the federation API's view of them, now
		p.unfederated.Drop(key)
		fed, fedErr = p.oscar.Federation(r.Context(), ep, cr, name)
	case !plain && !members:
		p.unfederated.Put(key, struct{}{}, 1)
	}
	props := buildServiceProps(s, ep)
	props.ShowToken = r.URL.Query().Get("show") == "token"
	props.Deployment = deploymentProps(ep, name, s, st, stErr)
	if stErr != nil {
		p.log.InfoContext(r.Context(), "deployment state unavailable", "service", name, "err", stErr)
	}
	// The cluster's features say whether /run exists. A failure here does not hide the service: the
	// page says /run may not exist.
	if fErr != nil {
		p.log.InfoContext(r.Context(), "features unavailable", "err", fErr)
		props.RunUnknown = true
	} else if !f.Run {
		props.RunURL, props.CurlRun = "", ""
	}
	props.Federation = federationProps(s, fed, fedErr)
	if fedErr != nil {
		p.log.InfoContext(r.Context(), "federation unavailable", "service", name, "err", fedErr)
	}
	props.Summary = summarizeJobs(jobs, jbErr)
	if jbErr != nil {
		p.log.InfoContext(r.Context(), "job summary unavailable", "service", name, "err", jbErr)
	}
	return p.render(w, r, http.StatusOK, templates.ServicePage(p.layout(r, "Service "+name, "services"), props))
}

// serviceWithDeployment reads a service and its deployment state for the service page: in one call,
// GET /system/services/{name}?include=deployment, which OSCAR answers with the state's summary
// (the fields of GET .../deployment but the name and namespace, computed the same way without
// listing pods). The state's own call is made only when that one cannot give it:
//
//   - OSCAR answers 5xx when it cannot read the state (pkg/handlers/read.go fails the whole GET).
//     The service and its state are then asked for apart, at once, so that a failing state does
//     not hide the service (stErr says why it is missing).
//   - An OSCAR that does not know ?include=deployment answers without the summary; the state is
//     then asked for on its own.
//
// err is the service's error; stErr the state's, when the service could be read.
func (p *Pages) serviceWithDeployment(ctx context.Context, ep oscar.Endpoint, cr oscar.Creds, name string) (s *oscar.Service, st *oscar.DeploymentStatus, stErr, err error) {
	s, err = p.oscar.Service(ctx, ep, cr, name, true)
	var oe *oscar.Error
	switch {
	case err == nil && s.Deployment != nil:
		d := s.Deployment
		return s, &oscar.DeploymentStatus{ServiceName: name, State: d.State, Reason: d.Reason, LastTransitionTime: d.LastTransitionTime,
			ActiveInstances: d.ActiveInstances, AffectedInstances: d.AffectedInstances, ResourceKind: d.ResourceKind}, nil, nil
	case err == nil:
		st, stErr = p.oscar.Deployment(ctx, ep, cr, name)
		return s, st, stErr, nil
	case errors.As(err, &oe) && oe.Kind == oscar.Server:
		g, gctx := newCalls(ctx)
		g.Go(func() (err error) { s, err = p.oscar.Service(gctx, ep, cr, name, false); return err })
		g.Go(func() error { st, stErr = p.oscar.Deployment(gctx, ep, cr, name); return nil })
		if err := g.Wait(); err != nil {
			return nil, nil, nil, err
		}
		return s, st, stErr, nil
	}
	return nil, nil, nil, err
}

// buildServiceProps lays a service out in sections. Credentials of storage providers and federated
// clusters, and secret values, never reach the page: only whether they are set.
func buildServiceProps(s *oscar.Service, ep oscar.Endpoint) templates.ServiceProps {
	name := s.Name
	props := templates.ServiceProps{
		Name:      name,
		Script:    s.Script,
		Token:     s.Token,
		ShowURL:   servicePath(name) + "?show=token#token",
		HideURL:   servicePath(name) + "#token",
		EditURL:   servicePath(name, "edit", "general"),
		ExportURL: servicePath(name, "export"),
		JobsURL:   servicePath(name, "jobs"),
		InvokeURL: servicePath(name, "invoke"),
		DeleteURL: servicePath(name, "delete"),
	}
	kv := func(k, v string) {
		if v != "" {
			props.General = append(props.General, templates.KV{Key: k, Value: v})
		}
	}
	kv("Image", s.Image)
	kv("CPU", cmp.Or(s.CPU, "0.2 (OSCAR's default)"))
	kv("Memory", cmp.Or(s.Memory, "256Mi (OSCAR's default)"))
	if s.EnableGPU {
		kv("GPU", "yes")
	}
	kv("Total CPU (YuniKorn)", s.TotalCPU)
	kv("Total memory (YuniKorn)", s.TotalMemory)
	kv("Ephemeral storage", s.EphemeralStorageRequest)
	kv("Log level", s.LogLevel)
	kv("Visibility", cmp.Or(s.Visibility, "private"))
	if len(s.AllowedUsers) > 0 {
		kv("Allowed users", strings.Join(s.AllowedUsers, ", "))
	}
	kv("Owner", s.Owner)
	kv("VO", s.VO)
	kv("Namespace", s.Namespace)
	kv("Isolation", s.IsolationLevel)
	kv("InterLink node", s.InterLinkNodeName)
	if s.Alpine {
		kv("Alpine image", "yes")
	}
	if len(s.ImagePullSecrets) > 0 {
		kv("Image pull secrets", strings.Join(s.ImagePullSecrets, ", "))
	}
	for _, l := range serviceVolumeKV(s) {
		kv(l.Key, l.Value)
	}
	if s.Synchronous != nil {
		kv("Synchronous scale", fmt.Sprintf("%d to %d", s.Synchronous.MinScale, s.Synchronous.MaxScale))
	}
	runtimeKV(s, kv)

	io := func(c oscar.StorageIOConfig) templates.IORow {
		row := templates.IORow{Provider: c.StorageProvider, Path: c.Path, Prefix: strings.Join(c.Prefix, ", "),
			Suffix: strings.Join(c.Suffix, ", "), Options: c.Options}
		if kind, _, _ := strings.Cut(c.StorageProvider, "."); bucket.Browsable(kind) {
			row.BrowseURL = storageURL(s.Name, c.StorageProvider, "", strings.Trim(c.Path, "/"))
		}
		return row
	}
	for _, c := range s.Input {
		props.Inputs = append(props.Inputs, io(c))
	}
	for _, c := range s.Output {
		props.Outputs = append(props.Outputs, io(c))
	}
	if s.Mount != nil && s.Mount.Path != "" {
		m := io(*s.Mount)
		props.Mount = &m
	}
	props.Providers = maskedProviders(s)

	if e := s.Environment; e != nil {
		for _, k := range slices.Sorted(maps.Keys(e.Variables)) {
			props.Variables = append(props.Variables, templates.KV{Key: k, Value: e.Variables[k]})
		}
		props.Secrets = slices.Sorted(maps.Keys(e.Secrets))
	}
	for _, k := range slices.Sorted(maps.Keys(s.Annotations)) {
		props.Annotations = append(props.Annotations, templates.KV{Key: k, Value: s.Annotations[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		props.Labels = append(props.Labels, templates.KV{Key: k, Value: s.Labels[k]})
	}

	base := strings.TrimRight(string(ep), "/")
	props.JobURL = base + "/job/" + url.PathEscape(name)
	props.RunURL = base + "/run/" + url.PathEscape(name)
	props.CurlJob = "curl -X POST " + shellQuote(props.JobURL) + " \\\n" +
		"  -H \"Authorization: Bearer $OSCAR_SERVICE_TOKEN\" \\\n" +
		"  --data-binary @input.json"
	props.CurlRun = "base64 -w0 input.png | curl -X POST " + shellQuote(props.RunURL) + " \\\n" +
		"  -H \"Authorization: Bearer $OSCAR_SERVICE_TOKEN\" \\\n" +
		"  --data-binary @- -o output.b64"
	return props
}

// maskedProviders lists the storage providers and federated clusters of a service, with every
// credential replaced by "hidden" (OSCAR returns them in clear; the page never shows them).
func maskedProviders(s *oscar.Service) []templates.ProviderRow {
	var out []templates.ProviderRow
	secret := func(k, v string) templates.KV {
		if v == "" {
			return templates.KV{Key: k, Value: "not set", Secret: true}
		}
		return templates.KV{Key: k, Value: "hidden", Secret: true}
	}
	plain := func(k, v string) templates.KV { return templates.KV{Key: k, Value: v} }
	for _, e := range s.StorageProviders.Entries() {
		k, _ := oscar.ProviderKindOf(e.Kind)
		row := templates.ProviderRow{Kind: k.Label, ID: e.ID}
		for _, f := range k.Fields {
			if f.Secret || f.Account {
				row.Fields = append(row.Fields, secret(f.Label, e.Fields[f.Key]))
			} else {
				row.Fields = append(row.Fields, plain(f.Label, e.Fields[f.Key]))
			}
		}
		out = append(out, row)
	}
	if sp := s.StorageProviders; sp != nil {
		for _, kind := range slices.Sorted(maps.Keys(sp.Extra)) {
			out = append(out, templates.ProviderRow{Kind: kind, ID: "", Fields: []templates.KV{
				{Key: "Settings", Value: "hidden (a provider kind this console does not know)", Secret: true},
			}})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.Clusters)) {
		c := s.Clusters[id]
		out = append(out, templates.ProviderRow{Kind: "OSCAR cluster", ID: id, Fields: []templates.KV{
			plain("Endpoint", c.Endpoint), plain("User", c.AuthUser), secret("Password", c.AuthPassword),
			plain("Verify TLS", strconv.FormatBool(c.SSLVerify)),
		}})
	}
	for i := range out {
		// Drop empty plain fields so the section stays readable.
		out[i].Fields = slices.DeleteFunc(out[i].Fields, func(kv templates.KV) bool { return !kv.Secret && kv.Value == "" })
	}
	return out
}

// summarizeJobs counts one page of jobs by state for the service page's bar.
func summarizeJobs(jobs *oscar.JobsResponse, err error) templates.JobSummary {
	var sum templates.JobSummary
	if err != nil {
		var oe *oscar.Error
		sum.Problem = "The job summary is not available."
		if errors.As(err, &oe) {
			sum.Problem = "The job summary is not available: " + oe.UserMessage()
		}
		return sum
	}
	sum.Available = true
	for _, j := range jobs.Jobs {
		switch strings.ToLower(j.Status) {
		case "succeeded":
			sum.Succeeded++
		case "failed":
			sum.Failed++
		case "running":
			sum.Running++
		case "pending", "suspended":
			sum.Pending++
		default:
			sum.Other++
		}
	}
	sum.Total = len(jobs.Jobs)
	sum.More = jobs.NextPage != "" || jobs.RemainingJobs > 0
	sum.Bar = bar(fmt.Sprintf("Jobs: %d succeeded, %d failed, %d running, %d pending", sum.Succeeded, sum.Failed, sum.Running, sum.Pending),
		float64(sum.Total),
		barPart{float64(sum.Succeeded), "ok", fmt.Sprintf("%d succeeded", sum.Succeeded)},
		barPart{float64(sum.Failed), "bad", fmt.Sprintf("%d failed", sum.Failed)},
		barPart{float64(sum.Running), "info", fmt.Sprintf("%d running", sum.Running)},
		barPart{float64(sum.Pending), "warn", fmt.Sprintf("%d pending", sum.Pending)},
		barPart{float64(sum.Other), "track", fmt.Sprintf("%d other", sum.Other)},
	)
	return sum
}

// confirmDeleteService handles "GET /services/{name}/delete": the confirmation page, which names the
// buckets that OSCAR deletes with the service.
func (p *Pages) confirmDeleteService(w http.ResponseWriter, r *http.Request) error {
	name, err := serviceName(r)
	if err != nil {
		return err
	}
	ep, cr := p.creds(r)
	s, err := p.oscar.Service(r.Context(), ep, cr, name, false)
	if err != nil {
		return fmt.Errorf("handlers: get service %q to delete: %w", name, err)
	}
	props := templates.ServicesDeleteProps{
		Services:  []templates.ServiceDeletion{{Name: name, Buckets: serviceBuckets(s)}},
		Action:    servicePath(name, "delete"),
		CancelURL: servicePath(name),
	}
	return p.render(w, r, http.StatusOK, templates.ServicesDeletePage(p.layout(r, "Delete "+name, "services"), props))
}

// deleteService handles "POST /services/{name}/delete".
func (p *Pages) deleteService(w http.ResponseWriter, r *http.Request) error {
	return p.removeService(w, r, "Service %s deleted, with its buckets.", "/services")
}

// removeService deletes the {name} service, then says so (flash, with the name) on the page back.
func (p *Pages) removeService(w http.ResponseWriter, r *http.Request, flash, back string) error {
	name, err := serviceName(r)
	if err != nil {
		return err
	}
	if _, err := formValues(r); err != nil {
		return err
	}
	ep, cr := p.creds(r)
	extendDeadlines(w, 2*time.Minute)
	if err := p.oscar.DeleteService(r.Context(), ep, cr, name); err != nil {
		return fmt.Errorf("handlers: delete service %q: %w", name, err)
	}
	p.session(r).Data.AddFlash(fmt.Sprintf(flash, name))
	return p.redirect(w, r, back)
}
