package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// signInRoutes registers this screen's routes. (Placeholder until the screen is built.)
func (p *Pages) signInRoutes(r chi.Router) {}

// requireLogin sends visitors without a session to the login page. (Placeholder until sign-in lands.)
func (p *Pages) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.session(r).Data.SignedIn() {
			p.fail(w, r, errSignIn)
			return
		}
		next.ServeHTTP(w, r)
	})
}
