package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/oscarconsole/oscar-console/web/requestid"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/session"
)

// errSignIn means the page needs a signed-in user; fail redirects to the login page with next= kept.
var errSignIn = errors.New("handlers: sign-in required")

// userError is an error whose message is meant for the user, with the status to answer.
type userError struct {
	status int
	title  string
	msg    string
}

func (e *userError) Error() string { return fmt.Sprintf("handlers: %d %s", e.status, e.msg) }

func badRequest(msg string) error {
	return &userError{http.StatusBadRequest, "That request was not valid", msg}
}
func notFound(msg string) error { return &userError{http.StatusNotFound, "Not found", msg} }

// fail turns an error into a page. It is the only place that logs a handler's error, once.
func (p *Pages) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the browser went away; nobody to answer
	}
	pr := templates.Problem{Status: http.StatusInternalServerError, Title: "Something went wrong",
		Message: "The console hit an unexpected problem. Nothing you entered was lost; try again in a moment."}
	var (
		ue *userError
		be *busyError
		oe *oscar.Error
		ae *auth.Error
	)
	switch {
	case errors.Is(err, errSignIn):
		next := r.URL.RequestURI()
		if r.Method != http.MethodGet {
			next = r.URL.Path // a form's page lives at the URL it posts to
		}
		to := "/login"
		if SafeNext(next) && next != "/" {
			to += "?next=" + url.QueryEscape(next)
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	case errors.As(err, &ue):
		pr = templates.Problem{Status: ue.status, Title: ue.title, Message: ue.msg}
	case errors.As(err, &be):
		w.Header().Set("Retry-After", be.retryAfter())
		pr = templates.Problem{Status: http.StatusServiceUnavailable, Title: be.title, Message: be.msg, RetryURL: retryURL(r)}
	case errors.Is(err, session.ErrUnavailable):
		pr = templates.Problem{Status: http.StatusServiceUnavailable, Title: "The console is briefly unavailable",
			Message:  "The console cannot reach its session store right now. You are still signed in and your draft is safe: try again in a few seconds.",
			RetryURL: retryURL(r)}
	case errors.As(err, &oe):
		pr = oscarProblem(r, oe)
	case errors.As(err, &ae) && ae.Kind == auth.KindUnavailable:
		pr = templates.Problem{Status: http.StatusBadGateway, Title: "The identity provider did not answer",
			Message:  "The console could not reach your identity provider to renew your access token. You are still signed in and nothing was lost: try again in a moment; if it keeps failing, the provider may be down.",
			RetryURL: retryURL(r)}
	case errors.As(err, &ae):
		pr = templates.Problem{Status: http.StatusBadGateway, Title: "The identity provider refused the request",
			Message:  "Your identity provider did not accept the console's request to renew your access token. Sign in again; if it keeps failing, ask the console's operator.",
			LoginURL: "/login"}
	case errors.Is(err, context.DeadlineExceeded):
		pr = templates.Problem{Status: http.StatusGatewayTimeout, Title: "That took too long",
			Message: "The request did not finish in time.", RetryURL: retryURL(r)}
	}
	pr.RequestID = requestid.FromContext(r.Context())
	if pr.Status >= 500 {
		p.log.ErrorContext(r.Context(), "request failed", "err", err, "status", pr.Status)
	} else {
		p.log.InfoContext(r.Context(), "request refused", "err", err, "status", pr.Status)
	}
	p.problem(w, r, pr)
}

// oscarProblem words an OSCAR failure for the user, naming the endpoint.
func oscarProblem(r *http.Request, oe *oscar.Error) templates.Problem {
	ep := ""
	if s, ok := r.Context().Value(sessionKey).(*session.Session); ok && s != nil {
		ep = s.Data.Endpoint
	}
	pr := templates.Problem{Endpoint: ep, Message: oe.UserMessage(), RetryURL: retryURL(r)}
	switch oe.Kind {
	case oscar.Unauthorized:
		pr.Status, pr.Title = http.StatusForbidden, "OSCAR did not accept your credentials"
		pr.RetryURL, pr.LoginURL = "", "/login"
	case oscar.Forbidden:
		pr.Status, pr.Title = http.StatusForbidden, "OSCAR refused this"
	case oscar.NotFound:
		pr.Status, pr.Title = http.StatusNotFound, "Not found on OSCAR"
		pr.RetryURL = ""
	case oscar.BadInput:
		pr.Status, pr.Title = http.StatusBadRequest, "OSCAR refused the request"
	case oscar.Timeout:
		pr.Status, pr.Title = http.StatusGatewayTimeout, "OSCAR did not answer in time"
	case oscar.Refused:
		pr.Status, pr.Title = http.StatusBadRequest, "That OSCAR endpoint is not allowed"
		pr.RetryURL = ""
	default:
		pr.Status, pr.Title = http.StatusBadGateway, "OSCAR did not answer properly"
	}
	return pr
}

// retryURL is the page to try again: the same URL for a GET, the referring page otherwise.
func retryURL(r *http.Request) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	return ""
}

// problem renders the error page with the user's frame when there is a session.
func (p *Pages) problem(w http.ResponseWriter, r *http.Request, pr templates.Problem) {
	if pr.RequestID == "" {
		pr.RequestID = requestid.FromContext(r.Context())
	}
	l := p.layout(r, pr.Title, "")
	var buf bytes.Buffer
	if err := templates.ErrorPage(l, pr).Render(r.Context(), &buf); err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(pr.Status)
		_, _ = fmt.Fprintf(w, "%s\nRequest ID %s\n", pr.Title, pr.RequestID)
		return
	}
	// The error page is shown even when the session cannot be written (the store may be why we are
	// here); the flash it took is then shown again on the next page, which is harmless.
	if err := p.save(w, r); err != nil {
		p.log.WarnContext(r.Context(), "error page: session not saved", "err", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(pr.Status)
	_, _ = w.Write(buf.Bytes())
}

// Problem renders a plain error page for a status: used for 404, 405, panics and refused cross-site
// requests, which happen outside the handlers.
func (p *Pages) Problem(w http.ResponseWriter, r *http.Request, status int) {
	pr := templates.Problem{Status: status}
	switch status {
	case http.StatusNotFound:
		pr.Title, pr.Message = "Page not found", "There is no page at this address. Check the link, or start again from the home page."
	case http.StatusMethodNotAllowed:
		pr.Title, pr.Message = "Not allowed here", "This address does not accept that kind of request. Use the buttons and links of the console."
	case http.StatusForbidden:
		pr.Title, pr.Message = "Request refused", "The console refused a request that did not come from its own pages. If you followed a link from another site, open the console directly."
	default:
		pr.Title, pr.Message = "Something went wrong", "The console hit an unexpected problem. Try again in a moment."
	}
	p.problem(w, r, pr)
}
