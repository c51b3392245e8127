package handlers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// Applying a whole FDL file: its Review (what happens to each service, in which order, the
// buckets that chain them, the clusters named), then Apply, which runs in the background (each
// create takes seconds: OSCAR restarts MinIO) while a status page shows the progress.

// applyTimeout bounds a whole-file apply.
const applyTimeout = 15 * time.Minute

// applyKeep is how long a finished apply's status stays available.
const applyKeep = time.Hour

// pendingFile reads the imported file kept in the session.
func (p *Pages) pendingFile(r *http.Request) (pendingImport, error) {
	var pending pendingImport
	raw := p.session(r).Data.Drafts[importDraftKey]
	if len(raw) == 0 || json.Unmarshal(raw, &pending) != nil || !pending.valid() {
		return pending, badRequest("There is no imported file to apply any more: import it again.")
	}
	return pending, nil
}

// filePlan reads the imported file from the session, asks OSCAR for its services and buckets (at
// once) and plans the apply of the file.
func (p *Pages) filePlan(r *http.Request) (pendingImport, *fdl.Plan, error) {
	pending, err := p.pendingFile(r)
	if err != nil {
		return pending, nil, err
	}
	ep, cr := p.creds(r)
	var services []oscar.Service
	var buckets []oscar.Bucket
	g, ctx := newCalls(r.Context())
	g.Go(func() (err error) {
		services, err = p.oscar.Services(ctx, ep, cr, false)
		return err
	})
	g.Go(func() (err error) {
		buckets, err = p.oscar.Buckets(ctx, ep, cr)
		return err
	})
	if err := g.Wait(); err != nil {
		return pending, nil, fmt.Errorf("handlers: apply file: %w", err)
	}
	data := &p.session(r).Data
	cur := fdl.Current{Services: map[string]oscar.Service{}, Buckets: map[string]bool{},
		MayEdit: func(owner string) bool { return mayEdit(data, owner) }}
	for _, s := range services {
		cur.Services[s.Name] = s
	}
	for _, b := range buckets {
		cur.Buckets[b.Name] = true
	}
	items := make([]fdl.Item, len(pending.Services))
	for i, s := range pending.Services {
		items[i] = fdl.Item{Service: s, Keys: pending.Keys[i], MissingScript: pending.Missing[i]}
	}
	return pending, fdl.MakePlan(items, cur), nil
}

// showFileReview handles "GET /services/import/apply": the Review of a whole file.
func (p *Pages) showFileReview(w http.ResponseWriter, r *http.Request) error {
	pending, plan, err := p.filePlan(r)
	if err != nil {
		return err
	}
	props := fileReviewProps(plan, pending.Warnings)
	if run := p.applies.running(p.session(r).Data.Owner(), p.fileKey(r, pending)); run != nil {
		props.Applying = applyPath(run)
	}
	return p.render(w, r, http.StatusOK, templates.FileReviewPage(p.layout(r, "Apply the FDL file", "services"), props))
}

// fileKey identifies an imported file applied to the session's endpoint: a second apply of the
// same file there waits until the first has finished.
func (p *Pages) fileKey(r *http.Request, pending pendingImport) string {
	b, _ := json.Marshal(pending.Services)
	sum := sha256.Sum256(append([]byte(p.session(r).Data.Endpoint+"\n"), b...))
	return hex.EncodeToString(sum[:])
}

// applyPath is the progress page of a run.
func applyPath(run *applyRun) string { return "/services/import/apply/" + url.PathEscape(run.id) }

// alreadyApplying answers a second Apply of a file whose first apply still runs: its Review,
// saying so, with a link to the progress of the first.
func (p *Pages) alreadyApplying(w http.ResponseWriter, r *http.Request, plan *fdl.Plan, pending pendingImport, run *applyRun) error {
	props := fileReviewProps(plan, pending.Warnings)
	props.Applying = applyPath(run)
	return p.render(w, r, http.StatusConflict, templates.FileReviewPage(p.layout(r, "Apply the FDL file", "services"), props))
}

func fileReviewProps(plan *fdl.Plan, warnings []string) templates.FileReviewProps {
	props := templates.FileReviewProps{Warnings: warnings, Clusters: plan.Clusters, Blocked: plan.Blocked()}
	for i, st := range plan.Steps {
		row := templates.FileStep{Order: i + 1, Name: st.Name, Action: st.Action, Notes: st.Notes, Blocked: st.Blocked, Deferred: st.Deferred}
		row.Changes = diffRows(st.Changes)
		props.Steps = append(props.Steps, row)
	}
	for _, c := range plan.Chains {
		props.Chains = append(props.Chains, templates.FileChain{Path: c.Path, Writers: c.Writers, Readers: c.Readers})
	}
	return props
}

// applyFile handles "POST /services/import/apply": the file's services are created or updated in
// the background, in the plan's order; the browser is sent to the status page.
func (p *Pages) applyFile(w http.ResponseWriter, r *http.Request) error {
	pending, plan, err := p.filePlan(r)
	if err != nil {
		return err
	}
	data := &p.session(r).Data
	key := p.fileKey(r, pending)
	if run := p.applies.running(data.Owner(), key); run != nil {
		return p.alreadyApplying(w, r, plan, pending, run)
	}
	if plan.Blocked() {
		props := fileReviewProps(plan, pending.Warnings)
		props.Problem = "Some services cannot be applied as the file stands: see below, fix the file and import it again."
		return p.render(w, r, http.StatusUnprocessableEntity, templates.FileReviewPage(p.layout(r, "Apply the FDL file", "services"), props))
	}
	run, started := p.applies.start(data.Owner(), key, plan)
	if !started {
		// Another request for the same file started it since the check above.
		return p.alreadyApplying(w, r, plan, pending, run)
	}
	p.refreshForApply(w, r)
	delete(data.Drafts, importDraftKey)
	ep, cr := p.creds(r)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), applyTimeout)
	go func() {
		defer cancel()
		p.runApply(ctx, ep, cr, run, plan)
	}()
	return p.redirect(w, r, applyPath(run))
}

// refreshForApply gets an OIDC session a fresh token when the current one could expire while the
// run goes on (a run outlives its request, and only requests refresh tokens). When the provider
// cannot refresh, the run starts with the token it has; a step that OSCAR then refuses says so.
func (p *Pages) refreshForApply(w http.ResponseWriter, r *http.Request) {
	s := p.session(r)
	d := &s.Data
	if d.Kind != session.KindOIDC || d.Expiry.IsZero() || p.now().Add(applyTimeout).Before(d.Expiry) {
		return
	}
	if err := p.refresh(w, r, s, true); err != nil {
		p.log.InfoContext(r.Context(), "apply: token not refreshed before the run", "err", err)
	}
}

// runApply applies the plan's steps in order and stops at the first failure.
func (p *Pages) runApply(ctx context.Context, ep oscar.Endpoint, cr oscar.Creds, run *applyRun, plan *fdl.Plan) {
	for i, st := range plan.Steps {
		if st.Action == fdl.ActionUnchanged {
			run.set(i, "skipped", "")
			continue
		}
		run.set(i, "running", "")
		send := st.Send
		var err error
		if st.Action == fdl.ActionUpdate {
			err = p.oscar.UpdateService(ctx, ep, cr, &send)
		} else {
			err = p.oscar.CreateService(ctx, ep, cr, &send)
			if err == nil && len(st.Deferred) > 0 {
				// OSCAR has the service without its existing buckets: add them (see fdl.MakePlan).
				full := st.Full
				if cur, gerr := p.oscar.Service(ctx, ep, cr, st.Name, false); gerr == nil {
					full = fdl.Overlay(*cur, st.Full, []string{"input", "output"})
				}
				err = p.oscar.UpdateService(ctx, ep, cr, &full)
			}
		}
		if err != nil {
			p.log.InfoContext(ctx, "apply file: OSCAR refused a service", "service", st.Name, "err", err)
			run.set(i, "failed", applyFailure(err))
			run.finish()
			return
		}
		p.log.InfoContext(ctx, "apply file: service "+st.Action+"d", "service", st.Name)
		run.set(i, "done", "")
	}
	run.finish()
}

// applyFailure says why OSCAR did not take a service, without OSCAR's raw text when it is not
// meant for people.
func applyFailure(err error) string {
	var oe *oscar.Error
	if errors.As(err, &oe) {
		return oe.UserMessage()
	}
	return "The console could not reach OSCAR."
}

// showApply handles "GET /services/import/apply/{id}": the progress of an apply, refreshed every
// few seconds while it runs (with JavaScript; without, a Refresh link).
func (p *Pages) showApply(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	run := p.applies.get(id, p.session(r).Data.Owner())
	if run == nil {
		return notFound("This apply is not known here any more (finished over an hour ago, or run by another console process). The services list shows what OSCAR has.")
	}
	props := run.props()
	props.Self = "/services/import/apply/" + url.PathEscape(id)
	return p.render(w, r, http.StatusOK, templates.ApplyStatusPage(p.layout(r, "Applying the FDL file", "services"), props))
}

// applyRun is the progress of one whole-file apply, kept in this process.
type applyRun struct {
	id, owner string
	key       string // the file and endpoint (Pages.fileKey)
	mu        sync.Mutex
	steps     []templates.ApplyStep
	done      bool
	ended     time.Time
}

func (a *applyRun) set(i int, state, msg string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.steps[i].State, a.steps[i].Message = state, msg
}

func (a *applyRun) finish() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.done, a.ended = true, time.Now()
}

func (a *applyRun) props() templates.ApplyStatusProps {
	a.mu.Lock()
	defer a.mu.Unlock()
	props := templates.ApplyStatusProps{Running: !a.done, Steps: append([]templates.ApplyStep(nil), a.steps...)}
	for i := range props.Steps {
		st := &props.Steps[i]
		if st.State == "done" || st.State == "skipped" {
			st.URL = "/services/" + url.PathEscape(st.Name)
		}
		if st.State == "failed" {
			props.Failed = st.Name
		}
	}
	return props
}

// applyRuns holds the applies of this process, each visible to the person who started it.
type applyRuns struct {
	mu   sync.Mutex
	runs map[string]*applyRun
}

func newApplyRuns() *applyRuns { return &applyRuns{runs: map[string]*applyRun{}} }

// start records a new run of plan for owner, unless owner's apply of the same file (key) still
// runs: then it returns that one and false.
func (ar *applyRuns) start(owner, key string, plan *fdl.Plan) (*applyRun, bool) {
	run := &applyRun{id: rand.Text(), owner: owner, key: key}
	for _, st := range plan.Steps {
		run.steps = append(run.steps, templates.ApplyStep{Name: st.Name, Action: st.Action, State: "pending"})
	}
	ar.mu.Lock()
	defer ar.mu.Unlock()
	if old := ar.runningLocked(owner, key); old != nil {
		return old, false
	}
	for id, old := range ar.runs {
		old.mu.Lock()
		expired := old.done && time.Since(old.ended) > applyKeep
		old.mu.Unlock()
		if expired {
			delete(ar.runs, id)
		}
	}
	ar.runs[run.id] = run
	return run, true
}

// running returns owner's run of the file key that has not finished, or nil.
func (ar *applyRuns) running(owner, key string) *applyRun {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return ar.runningLocked(owner, key)
}

func (ar *applyRuns) runningLocked(owner, key string) *applyRun {
	if owner == "" {
		return nil
	}
	for _, run := range ar.runs {
		run.mu.Lock()
		busy := !run.done
		run.mu.Unlock()
		if busy && run.owner == owner && run.key == key {
			return run
		}
	}
	return nil
}

func (ar *applyRuns) get(id, owner string) *applyRun {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	run := ar.runs[id]
	if run == nil || owner == "" || run.owner != owner {
		return nil
	}
	return run
}

// diffRows turns an update's changes into the rows of a diff table.
func diffRows(changes []fdl.Change) []templates.DiffRow {
	var rows []templates.DiffRow
	for _, c := range changes {
		rows = append(rows, templates.DiffRow{Field: c.Field, Old: c.Old, New: c.New, Secret: c.Secret, State: c.State})
	}
	return rows
}
