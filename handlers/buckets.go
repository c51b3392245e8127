package handlers

import "github.com/go-chi/chi/v5"

// bucketRoutes registers this screen's routes. (Placeholder until the screen is built.)
func (p *Pages) bucketRoutes(r chi.Router) {}
