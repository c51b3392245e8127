package handlers

import "github.com/go-chi/chi/v5"

// wizardRoutes registers this screen's routes. (Placeholder until the screen is built.)
func (p *Pages) wizardRoutes(r chi.Router) {}
