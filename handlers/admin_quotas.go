package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/admin"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// maxQuotaUsers bounds the users the quotas list reads a quota for (one OSCAR call each).
const maxQuotaUsers = 100

// quotaUsersWindow is how far back the quotas list looks for users with requests.
const quotaUsersWindow = 90 * 24 * time.Hour

// quotaPath is the page of one user's quota.
func quotaPath(user string) string { return "/admin/quotas/" + url.PathEscape(user) }

// listQuotas handles "GET /admin/quotas": the quotas and usage of every user with services or
// recent requests (read concurrently), and a look-up by user ID (?user= goes to that user's form).
func (p *Pages) listQuotas(w http.ResponseWriter, r *http.Request) error {
	props := templates.QuotasProps{Columns: admin.QuotaColumns}
	status := http.StatusOK
	if r.URL.Query().Has("user") {
		props.Lookup = strings.TrimSpace(r.URL.Query().Get("user"))
		if msg := admin.CheckUserID(props.Lookup); msg != "" {
			props.LookupError, status = msg, http.StatusUnprocessableEntity
		} else {
			return p.redirect(w, r, quotaPath(props.Lookup))
		}
	}
	ep, cr := p.creds(r)
	var (
		byUser   *oscar.MetricsBreakdown
		services []oscar.ServiceSummary
	)
	eg, ctx := newCalls(r.Context())
	eg.Go(func() (err error) {
		now := p.now()
		byUser, err = p.oscar.MetricsBreakdown(ctx, ep, cr, oscar.GroupByUser, now.Add(-quotaUsersWindow), now)
		return err
	})
	eg.Go(func() (err error) {
		services, err = p.oscar.ServiceSummaries(ctx, ep, cr, false)
		return err
	})
	if err := eg.Wait(); err != nil {
		return fmt.Errorf("handlers: quota users: %w", err)
	}
	users := admin.Users(byUser, services)
	if len(users) > maxQuotaUsers {
		props.Problem = fmt.Sprintf("Showing the first %d of %d users; look the others up by ID.", maxQuotaUsers, len(users))
		users = users[:maxQuotaUsers]
	}
	props.Rows = make([]templates.QuotaRow, len(users))
	var mu sync.Mutex
	eg, ctx = newCalls(r.Context())
	eg.SetLimit(maxUpstreamPerSession)
	for i, u := range users {
		eg.Go(func() error {
			row := templates.QuotaRow{User: u, EditURL: quotaPath(u)}
			q, err := p.oscar.QuotaOf(ctx, ep, cr, u)
			var oe *oscar.Error
			switch {
			case errors.As(err, &oe) && oe.Kind != oscar.Unreachable && oe.Kind != oscar.Timeout && oe.Kind != oscar.Unauthorized:
				// One user without a queue (never signed in) must not hide the others.
				row.Problem = "OSCAR did not report this user's quota: " + oe.Message
			case err != nil:
				return fmt.Errorf("handlers: quota of %q: %w", u, err)
			default:
				row.Cells = admin.Cells(q)
			}
			mu.Lock()
			props.Rows[i] = row
			mu.Unlock()
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	return p.render(w, r, status, templates.QuotasPage(p.layout(r, "Quotas", "admin"), props))
}

// quotaUser reads the {user} of a quota page.
func quotaUser(r *http.Request) (string, error) {
	u := r.PathValue("user")
	if msg := admin.CheckUserID(u); msg != "" {
		return "", badRequest(msg)
	}
	return u, nil
}

// quotaOf reads a user's quota; a user OSCAR keeps no queue for is a 404 page.
func (p *Pages) quotaOf(r *http.Request, user string) (*oscar.QuotaResponse, error) {
	ep, cr := p.creds(r)
	q, err := p.oscar.QuotaOf(r.Context(), ep, cr, user)
	var oe *oscar.Error
	if errors.As(err, &oe) && admin.NoQueue(oe) {
		return nil, notFound("OSCAR keeps no quota for " + user + ": the user may never have used this cluster. OSCAR said: " + oe.Message)
	}
	return q, err
}

// editQuota handles "GET /admin/quotas/{user}": the user's quota form, filled with the quota as it
// stands, and what they use now.
func (p *Pages) editQuota(w http.ResponseWriter, r *http.Request) error {
	user, err := quotaUser(r)
	if err != nil {
		return err
	}
	q, err := p.quotaOf(r, user)
	if err != nil {
		return err
	}
	cur := admin.CurrentForm(q)
	return p.renderQuotaForm(w, r, http.StatusOK, user, q, cur, cur, nil, "")
}

// renderQuotaForm renders the quota form with the values typed (f), the quota as it stands (cur),
// and the problems found, each next to its field.
func (p *Pages) renderQuotaForm(w http.ResponseWriter, r *http.Request, status int, user string, q *oscar.QuotaResponse, f, cur admin.QuotaForm, errs map[string]string, problem string) error {
	props := templates.QuotaEditProps{User: user, Action: quotaPath(user), Errors: templates.FieldErrors(errs), Problem: problem, Usage: quotaMeters(q)}
	if props.Errors == nil {
		props.Errors = templates.FieldErrors{}
	}
	for _, x := range admin.QuotaFields {
		hint := "Not set now."
		if c := cur[x.Name]; c != "" {
			hint = "Now " + c + "."
		}
		props.Fields = append(props.Fields, templates.QuotaField{Name: x.Name, Label: x.Label, Hint: hint, Value: f[x.Name], Current: cur[x.Name]})
		props.Order = append(props.Order, x.Name)
	}
	return p.render(w, r, status, templates.QuotaEditPage(p.layout(r, "Quota of "+user, "admin"), props))
}

// checkedQuota reads a posted quota form and checks it against the quota as it stands. It renders
// the form again (422, values kept, messages next to the fields) and returns done when the form
// has problems or changes nothing.
func (p *Pages) checkedQuota(w http.ResponseWriter, r *http.Request) (user string, cur admin.QuotaForm, changes []admin.Change, q *oscar.QuotaResponse, done bool, err error) {
	user, err = quotaUser(r)
	if err != nil {
		return "", nil, nil, nil, true, err
	}
	q, err = p.quotaOf(r, user)
	if err != nil {
		return "", nil, nil, nil, true, err
	}
	f := admin.ReadQuotaForm(r.PostFormValue)
	cur = admin.CurrentForm(q)
	if errs := admin.CheckQuota(f); len(errs) > 0 {
		return user, cur, nil, q, true, p.renderQuotaForm(w, r, http.StatusUnprocessableEntity, user, q, f, cur, errs, "")
	}
	changes = admin.Changes(f, cur)
	if len(changes) == 0 {
		return user, cur, nil, q, true, p.renderQuotaForm(w, r, http.StatusUnprocessableEntity, user, q, f, cur, nil,
			"Nothing changes: every value is the quota as it stands (or empty). Change at least one value.")
	}
	return user, cur, changes, q, false, nil
}

// confirmQuota handles "POST /admin/quotas/{user}": checks the form and asks to confirm the
// changes, which post again, with the values, to /update.
func (p *Pages) confirmQuota(w http.ResponseWriter, r *http.Request) error {
	user, cur, changes, _, done, err := p.checkedQuota(w, r)
	if done || err != nil {
		return err
	}
	props := templates.QuotaConfirmProps{User: user, Action: quotaPath(user) + "/update", BackURL: quotaPath(user)}
	for _, c := range changes {
		props.Changes = append(props.Changes, templates.QuotaChange{Label: c.Label, From: c.From, To: c.To})
		props.Hidden = append(props.Hidden, templates.KV{Key: c.Field, Value: c.To})
	}
	if u := admin.Update(changes, cur); u.GPU != "" && len(changes) == 1 {
		props.Note = "OSCAR changes the GPU quota only together with another resource, so the console sends the CPU quota as it stands (" + u.CPU + ") with it."
	}
	return p.render(w, r, http.StatusOK, templates.QuotaConfirmPage(p.layout(r, "Change the quota of "+user+"?", "admin"), props))
}

// updateQuota handles "POST /admin/quotas/{user}/update": checks the values again and sends them
// (PUT /system/quotas/user/{user}). OSCAR refusing a value shows the form again with its words
// next to the field.
func (p *Pages) updateQuota(w http.ResponseWriter, r *http.Request) error {
	user, cur, changes, q, done, err := p.checkedQuota(w, r)
	if done || err != nil {
		return err
	}
	ep, cr := p.creds(r)
	_, err = p.oscar.UpdateQuota(r.Context(), ep, cr, user, admin.Update(changes, cur))
	var oe *oscar.Error
	if errors.As(err, &oe) && admin.Refusable(oe) {
		field, msg := admin.RefusalField(oe)
		errs, problem := map[string]string{}, ""
		if field == "" {
			problem = msg
		} else {
			errs[field] = msg
		}
		return p.renderQuotaForm(w, r, http.StatusUnprocessableEntity, user, q, admin.ReadQuotaForm(r.PostFormValue), cur, errs, problem)
	}
	if err != nil {
		return fmt.Errorf("handlers: update quota of %q: %w", user, err)
	}
	var names []string
	for _, c := range changes {
		names = append(names, strings.ToLower(c.Label)+" "+c.To)
	}
	p.session(r).Data.AddFlash("Quota of " + user + " changed: " + strings.Join(names, ", ") + ".")
	return p.redirect(w, r, quotaPath(user))
}
