package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Routes registers every page of the console. Each screen's routes are listed in its own file, in
// the function named here, so this file shows the whole surface and who guards it.
func (p *Pages) Routes(r chi.Router) {
	r.Use(p.withSession, p.readForm)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { p.Problem(w, r, http.StatusNotFound) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { p.Problem(w, r, http.StatusMethodNotAllowed) })

	// Signed out: login page, OIDC flow, basic auth, logout, endpoint choice (signin.go).
	p.signInRoutes(r)

	// Signed in: every route below requires a session and holds a fresh token (requireLogin).
	r.Group(func(r chi.Router) {
		r.Use(p.requireLogin)
		r.Use(p.limitUpstream)
		p.tokenRoutes(r)   // token.go: GET /token, POST /token/refresh
		p.wizardRoutes(r)  // wizard.go: /services/new/*, /services/{name}/edit/*, FDL import/export
		p.serviceRoutes(r) // services.go: list, detail, delete, jobs, logs, invoke
		p.bucketRoutes(r)  // buckets.go: buckets and objects
		p.clusterRoutes(r) // cluster.go: /cluster
	})
}
