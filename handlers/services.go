package handlers

import "github.com/go-chi/chi/v5"

// serviceRoutes registers this screen's routes. (Placeholder until the screen is built.)
func (p *Pages) serviceRoutes(r chi.Router) {}
