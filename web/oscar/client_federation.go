package oscar

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

// FederationInfo is OSCAR's answer about a service's federation (types.FederationResponse):
// the topology ("none" when the service has none) and the members. OSCAR's federation API
// reports no state per member.
type FederationInfo struct {
	Topology string             `json:"topology"`
	Members  []FederationMember `json:"members"`
	// Warning is the plain-text answer OSCAR gives instead of the JSON document when the change
	// was stored but could not be propagated to every member ("Updated with federation
	// warnings: ..."); empty otherwise. Never set by Federation.
	Warning string `json:"-"`
}

// FederationMember is a member as the federation API lists it: a Replica, and its state when
// OSCAR says one (the contract's types.Replica has none; an OSCAR that adds one is read).
type FederationMember struct {
	Replica
	State string `json:"state,omitempty"`
}

// FederationChange is the body of POST, PUT and DELETE /system/federation/{name}
// (types.FederationRequest). Clusters are merged into the service's clusters (they carry
// credentials: never log a FederationChange); StorageProviders, when set, replace the service's.
type FederationChange struct {
	Clusters         map[string]Cluster `json:"clusters,omitempty"`
	Delete           bool               `json:"delete,omitempty"`
	Members          []Replica          `json:"members,omitempty"`
	StorageProviders *StorageProviders  `json:"storage_providers,omitempty"`
	Update           []Replica          `json:"update,omitempty"`
}

// Federation returns GET /system/federation/{name}: the service's topology and members.
func (c *Client) Federation(ctx context.Context, ep Endpoint, cr Creds, name string) (*FederationInfo, error) {
	const op = "get federation"
	seg, err := segment("service name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	f, err := getValue[FederationInfo](ctx, c, ep, cr, op, []string{"system", "federation", seg}, nil)
	if err != nil {
		return nil, err
	}
	if f.Topology == "" {
		f.Topology = "none"
	}
	return f, nil
}

// AddFederationMembers adds ch.Members to the service's federation (POST), merging ch.Clusters
// into its clusters. OSCAR stores the service again, so the SlowTimeout applies.
func (c *Client) AddFederationMembers(ctx context.Context, ep Endpoint, cr Creds, name string, ch FederationChange) (*FederationInfo, error) {
	return c.changeFederation(ctx, ep, cr, "add federation members", http.MethodPost, name, ch)
}

// UpdateFederationMember replaces each member matching one of ch.Members (same type, cluster id
// and service name) with ch.Update[0] (PUT), as OSCAR does.
func (c *Client) UpdateFederationMember(ctx context.Context, ep Endpoint, cr Creds, name string, ch FederationChange) (*FederationInfo, error) {
	return c.changeFederation(ctx, ep, cr, "update federation members", http.MethodPut, name, ch)
}

// RemoveFederationMembers removes the members matching ch.Members (DELETE with a body).
func (c *Client) RemoveFederationMembers(ctx context.Context, ep Endpoint, cr Creds, name string, ch FederationChange) (*FederationInfo, error) {
	return c.changeFederation(ctx, ep, cr, "remove federation members", http.MethodDelete, name, ch)
}

// maxWarning bounds the propagation warning kept from a plain-text answer.
const maxWarning = 300

func (c *Client) changeFederation(ctx context.Context, ep Endpoint, cr Creds, op, method, name string, ch FederationChange) (*FederationInfo, error) {
	seg, err := segment("service name", name)
	if err != nil {
		return nil, badName(op, ep, err)
	}
	r, err := c.sendJSON(ctx, ep, cr, call{op: op, method: method, path: []string{"system", "federation", seg}, slow: true, subject: name}, ch)
	if err != nil {
		return nil, err
	}
	var f FederationInfo
	if json.Valid(r.body) {
		if err := decode(op, ep, r, &f); err != nil {
			return nil, err
		}
	} else {
		f.Warning = boundedText(string(r.body), maxWarning)
	}
	if f.Topology == "" {
		f.Topology = "none"
	}
	return &f, nil
}

// boundedText trims s and cuts it to at most n bytes on a rune boundary.
func boundedText(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
