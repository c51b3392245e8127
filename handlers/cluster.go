package handlers

import "github.com/go-chi/chi/v5"

// clusterRoutes registers this screen's routes. (Placeholder until the screen is built.)
func (p *Pages) clusterRoutes(r chi.Router) {}
