package handlers

import "github.com/go-chi/chi/v5"

// tokenRoutes registers this screen's routes. (Placeholder until the screen is built.)
func (p *Pages) tokenRoutes(r chi.Router) {}
