package oscartest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The federation API (GET, POST, PUT, DELETE /system/federation/{name}), as OSCAR's
// pkg/handlers/federation.go at the commit in testdata/NOTICE:
//
//   - an unknown service is 404 with an empty body;
//   - GET answers any authenticated caller with {topology, members}: the topology is "none" when
//     the service has no federation or none set, and no member carries a state;
//   - POST, PUT and DELETE read a types.FederationRequest (a body that is not JSON is 400
//     "Invalid payload: ..."), refuse a bearer caller who does not own the service with 403 (as
//     PUT /system/services does), merge the request's clusters into the service's, replace its
//     storage providers when the request has some, change the members and answer 200 with the
//     same JSON document as GET (the contract says a string: deviation documented in
//     checkResponse);
//   - POST appends the members it does not have yet (same type, cluster id and service name);
//     PUT replaces each member matching one of "members" with update[0]; DELETE removes the
//     matching members.
//
// Not reproduced: propagating the change to the members' clusters (OSCAR calls each of them;
// the fake has no other cluster, so no "federation warnings"), and "delete": true deleting the
// members' services.

// federationDoc is the part of types.FederationResponse the fake writes.
type federationDoc struct {
	Topology string            `json:"topology"`
	Members  []json.RawMessage `json:"members,omitempty"`
}

// federationRequest is OSCAR's types.FederationRequest, members kept verbatim.
type federationRequest struct {
	Clusters         map[string]json.RawMessage `json:"clusters"`
	Delete           bool                       `json:"delete"`
	Members          []json.RawMessage          `json:"members"`
	StorageProviders json.RawMessage            `json:"storage_providers"`
	Update           []json.RawMessage          `json:"update"`
}

// replicaKey is what OSCAR compares to match two members: type (case-insensitive), cluster id
// and service name.
func replicaKey(m json.RawMessage) string {
	var r struct {
		Type        string `json:"type"`
		ClusterID   string `json:"cluster_id"`
		ServiceName string `json:"service_name"`
	}
	_ = json.Unmarshal(m, &r)
	return strings.ToLower(r.Type) + "\x00" + r.ClusterID + "\x00" + r.ServiceName
}

// federationOf returns the service's federation object (nil when it has none) and its members.
func federationOf(raw map[string]json.RawMessage) (map[string]json.RawMessage, []json.RawMessage) {
	var fed map[string]json.RawMessage
	if err := json.Unmarshal(raw["federation"], &fed); err != nil || fed == nil {
		return nil, nil
	}
	var members []json.RawMessage
	_ = json.Unmarshal(fed["members"], &members)
	return fed, members
}

// federationAnswer is the document GET and the changes answer.
func federationAnswer(raw map[string]json.RawMessage) federationDoc {
	fed, members := federationOf(raw)
	doc := federationDoc{Topology: "none", Members: members}
	var topology string
	if fed != nil && json.Unmarshal(fed["topology"], &topology) == nil && topology != "" {
		doc.Topology = topology
	}
	return doc
}

// readFederation handles GET /system/federation/{name}.
func (s *Server) readFederation(w http.ResponseWriter, r *http.Request, _ *principal) {
	sv := s.lookup(w, r)
	if sv == nil {
		return
	}
	writeJSON(w, http.StatusOK, federationAnswer(sv.raw))
}

// changeFederation returns the handler of a POST, PUT or DELETE on /system/federation/{name}:
// change computes the new members from the current ones and the request.
func (s *Server) changeFederation(change func(current []json.RawMessage, req federationRequest) []json.RawMessage) callerHandler {
	return func(w http.ResponseWriter, r *http.Request, p *principal) {
		var req federationRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writePlain(w, http.StatusBadRequest, fmt.Sprintf("Invalid payload: %v", err))
			return
		}
		sv := s.lookup(w, r)
		if sv == nil {
			return
		}
		if !p.basic && sv.view().Owner != p.sub {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if len(req.Clusters) > 0 {
			var clusters map[string]json.RawMessage
			_ = json.Unmarshal(sv.raw["clusters"], &clusters)
			if clusters == nil {
				clusters = map[string]json.RawMessage{}
			}
			for id, c := range req.Clusters {
				clusters[id] = c
			}
			setMember(sv.raw, "clusters", clusters)
		}
		if len(req.StorageProviders) > 0 && string(req.StorageProviders) != "null" {
			sv.raw["storage_providers"] = req.StorageProviders
		}
		fed, members := federationOf(sv.raw)
		if fed == nil {
			fed = map[string]json.RawMessage{}
		}
		members = change(members, req)
		if len(members) == 0 {
			delete(fed, "members")
		} else {
			setMember(fed, "members", members)
		}
		setMember(sv.raw, "federation", fed)
		writeJSON(w, http.StatusOK, federationAnswer(sv.raw))
	}
}

// addMembers is POST: the request's members the service does not have yet are appended.
func addMembers(current []json.RawMessage, req federationRequest) []json.RawMessage {
	for _, m := range req.Members {
		if !containsMember(current, m) {
			current = append(current, m)
		}
	}
	return current
}

// updateMembers is PUT: each member matching one of the request's members becomes update[0].
func updateMembers(current []json.RawMessage, req federationRequest) []json.RawMessage {
	if len(req.Update) == 0 {
		return current
	}
	for _, target := range req.Members {
		for i, m := range current {
			if replicaKey(m) == replicaKey(target) {
				current[i] = req.Update[0]
			}
		}
	}
	return current
}

// removeMembers is DELETE: the members matching one of the request's go.
func removeMembers(current []json.RawMessage, req federationRequest) []json.RawMessage {
	var kept []json.RawMessage
	for _, m := range current {
		if !containsMember(req.Members, m) {
			kept = append(kept, m)
		}
	}
	return kept
}

func containsMember(list []json.RawMessage, m json.RawMessage) bool {
	for _, x := range list {
		if replicaKey(x) == replicaKey(m) {
			return true
		}
	}
	return false
}

// FederationMembers returns the stored members of a service's federation, decoded, for tests.
func (s *Server) FederationMembers(name string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv, ok := s.services[name]
	if !ok {
		return nil
	}
	_, members := federationOf(sv.raw)
	out := make([]map[string]any, 0, len(members))
	for _, m := range members {
		var v map[string]any
		if json.Unmarshal(m, &v) == nil {
			out = append(out, v)
		}
	}
	return out
}
