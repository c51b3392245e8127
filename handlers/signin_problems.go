package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/auth"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// egiVOHelpURL explains EGI VOs and how to join one (VO enrolment links are on each VO's page).
const egiVOHelpURL = "https://docs.egi.eu/users/aai/check-in/vos/"

// maxDetailLen bounds the identity provider's error description shown to the user.
const maxDetailLen = 200

func rateProblem() *templates.LoginProblem {
	return &templates.LoginProblem{Code: "rate", Title: "Too many sign-in attempts",
		Message: "There were too many sign-in attempts from your network in the last minute. Wait a minute, then try again."}
}

func unavailableProblem(name string) *templates.LoginProblem {
	return &templates.LoginProblem{Code: "unavailable", Title: name + " is unavailable",
		Message: "The console cannot reach " + name + " right now. Try again in a few minutes, or sign in with the cluster's OSCAR account."}
}

func stateProblem() *templates.LoginProblem {
	return &templates.LoginProblem{Code: "state", Title: "This sign-in cannot be completed",
		Message: "The answer from the identity provider does not belong to a sign-in started in this browser: it took too long, was already used, or was started in another tab or browser. Sign in again."}
}

// authProblem words an auth.Error from the callback for the login page. ok is false for errors that
// are not the provider's or the sign-in's fault (they become the generic error page). The provider's
// error_description is shown only when the callback carried this browser's state.
func authProblem(err error, name string, q url.Values, trusted bool) (status int, pr *templates.LoginProblem, ok bool) {
	var ae *auth.Error
	if !errors.As(err, &ae) {
		return 0, nil, false
	}
	switch ae.Kind {
	case auth.KindProvider:
		pr = &templates.LoginProblem{Code: "provider"}
		switch q.Get("error") {
		case "access_denied":
			status = http.StatusForbidden
			pr.Title = "Sign-in cancelled"
			pr.Message = "You did not allow the sign-in at " + name + ", or " + name + " refused it. You can try again."
		case "temporarily_unavailable", "server_error":
			status = http.StatusServiceUnavailable
			pr.Title = name + " is having problems"
			pr.Message = name + " could not complete the sign-in right now. Try again in a few minutes."
		case "login_required", "interaction_required", "consent_required":
			status = http.StatusForbidden
			pr.Title = "Sign-in not completed"
			pr.Message = name + " needs you to sign in there first. Try again."
		default:
			status = http.StatusBadRequest
			pr.Title = name + " refused the sign-in request"
			pr.Message = "This usually means the console is not configured as " + name + " expects (for example a scope that is not enabled for it). Tell the console's operators, quoting the request ID below."
		}
		if trusted {
			pr.Detail = form.Bound(strings.TrimSpace(q.Get("error_description")), maxDetailLen)
		}
	case auth.KindState:
		status, pr = http.StatusBadRequest, stateProblem()
	case auth.KindExchange:
		status = http.StatusBadRequest
		pr = &templates.LoginProblem{Code: "exchange", Title: "This sign-in cannot be completed",
			Message: name + " did not accept the sign-in code (it may have been used already). Sign in again."}
	case auth.KindNonce:
		status = http.StatusBadRequest
		pr = &templates.LoginProblem{Code: "token", Title: "This sign-in cannot be completed",
			Message: "The identity token from " + name + " was not issued for this sign-in. Sign in again."}
	case auth.KindIDToken, auth.KindUserInfo:
		status = http.StatusBadGateway
		pr = &templates.LoginProblem{Code: "token", Title: "The answer of " + name + " could not be verified",
			Message: "The console could not verify who you are from " + name + "'s answer, so it did not sign you in. Try again; if it keeps happening, tell the console's operators, quoting the request ID below."}
	case auth.KindUnavailable:
		status, pr = http.StatusServiceUnavailable, unavailableProblem(name)
	default:
		status = http.StatusBadRequest
		pr = &templates.LoginProblem{Code: "exchange", Title: "This sign-in cannot be completed",
			Message: "Sign in again."}
	}
	return status, pr, true
}

// requiredVOProblem explains that the user is in none of the console's required VOs.
func requiredVOProblem(userVOs, required []string, issuer string) *templates.LoginProblem {
	pr := &templates.LoginProblem{Code: "vo", Title: "You are not a member of a VO this console serves",
		Message: "This console is open to members of " + strings.Join(nonBlank(required), ", ") + ". Your identity provider did not say you belong to one of them.",
		VOs: &templates.VOComparison{UserVOs: userVOs, Accepted: nonBlank(required), AcceptedKnown: true,
			AcceptedLabel: "VOs this console accepts"},
		Hints: []string{"If you joined recently, sign out of your identity provider and sign in again: membership is read at sign-in."},
	}
	addMembershipLink(pr, issuer)
	return pr
}

// addMembershipLink offers the way to request VO membership for EGI Check-in users.
func addMembershipLink(pr *templates.LoginProblem, issuer string) {
	if isEGI(issuer) {
		pr.LinkURL, pr.LinkText = egiVOHelpURL, "How to join an EGI VO (request membership)"
		return
	}
	pr.Hints = append(pr.Hints, "Ask your identity provider's administrators to add you to one of these VOs.")
}

// isEGI reports whether issuer is EGI Check-in (production, demo or development).
func isEGI(issuer string) bool {
	u, err := url.Parse(issuer)
	return err == nil && (u.Hostname() == "egi.eu" || strings.HasSuffix(u.Hostname(), ".egi.eu"))
}

// oscarLoginProblem words an OSCAR refusal at sign-in or at an endpoint switch. oidc selects the
// words for a token (with the user's VOs next to the cluster's, which OSCAR only tells users it
// accepts) or for a user name and password. fieldMsg is set when the problem belongs next to the
// endpoint field (an address the console may not call).
func oscarLoginProblem(oe *oscar.Error, ep string, oidc bool, providerName string, userVOs []string, issuer string) (status int, pr *templates.LoginProblem, fieldMsg string) {
	pr = &templates.LoginProblem{Code: "oscar", Endpoint: ep, Message: oe.UserMessage()}
	host := oe.Host
	if host == "" {
		host = "this endpoint"
	}
	switch oe.Kind {
	case oscar.Refused:
		pr.Code, pr.Title = "refused", "The console may not connect to this endpoint"
		return http.StatusUnprocessableEntity, pr, oe.UserMessage()
	case oscar.Unauthorized:
		if !oidc {
			pr.Code, pr.Title = "credentials", "Wrong user name or password"
			pr.Message = "OSCAR at " + host + " did not accept this user name and password. Check them, and check that this is the cluster the account belongs to."
			return http.StatusForbidden, pr, ""
		}
		pr.Code, pr.Title = "oscar-denied", "OSCAR did not accept your sign-in"
		pr.Message = "OSCAR at " + host + " refused your " + providerName + " token. OSCAR admits users who belong to one of the VOs the cluster is configured for, and only tokens from the identity providers it trusts."
		pr.VOs = &templates.VOComparison{UserVOs: userVOs, AcceptedLabel: "VOs this cluster accepts"}
		pr.Hints = []string{
			"If none of your VOs is accepted by this cluster, request membership of one that is, or use another cluster.",
			"If you are in the right VO, the cluster may not trust " + providerName + ": ask its administrators.",
		}
		addMembershipLink(pr, issuer)
		return http.StatusForbidden, pr, ""
	case oscar.Forbidden:
		pr.Title = "OSCAR refused access"
		return http.StatusForbidden, pr, ""
	case oscar.Unreachable:
		pr.Code, pr.Title = "unreachable", "OSCAR could not be reached"
		pr.Hints = []string{"Check the address: it is the URL of the OSCAR cluster (the one oscar-cli uses), such as https://oscar.example.org."}
		return http.StatusBadGateway, pr, ""
	case oscar.Timeout:
		pr.Code, pr.Title = "unreachable", "OSCAR did not answer in time"
		return http.StatusGatewayTimeout, pr, ""
	case oscar.NotFound, oscar.Redirect, oscar.Garbage:
		pr.Code, pr.Title = "unreachable", "This does not look like an OSCAR endpoint"
		pr.Hints = []string{"Check the address: it is the URL of the OSCAR cluster (the one oscar-cli uses), without /system or a page path."}
		return http.StatusBadGateway, pr, ""
	default:
		pr.Title = "OSCAR did not answer properly"
		return http.StatusBadGateway, pr, ""
	}
}

func nonBlank(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
