// Package remotetest is a local stand-in for the places remote sources
// live, for tests that must not reach the internet: one httptest server
// that speaks GitHub's tree API and raw content layout and the https
// layout with an index.json, serving files from an in-memory map, with
// ETags, If-None-Match, request counts and a switch to make it fail.
package remotetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Server is the fake. Files maps "owner/repo@ref" to that repository's
// files (path → content); the https layout serves the repository
// "site/files@main" under /site/.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	repos    map[string]map[string]string
	down     bool
	requests map[string]int
	notMod   int
}

// New starts a fake serving repos and stops it when the test ends.
func New(t testing.TB, repos map[string]map[string]string) *Server {
	t.Helper()
	s := &Server{repos: map[string]map[string]string{}, requests: map[string]int{}}
	for k, v := range repos {
		s.SetRepo(k, v)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// API is the base to give as the GitHub API; Raw as the raw content host.
func (s *Server) API() string { return s.URL + "/api" }

// Raw is the base to give as GitHub's raw content host.
func (s *Server) Raw() string { return s.URL + "/raw" }

// Site is the https-layout base URL of the repository key ("owner/repo@ref").
func (s *Server) Site(key string) string { return s.URL + "/site/" + key }

// SetRepo replaces a repository's files.
func (s *Server) SetRepo(key string, files map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := make(map[string]string, len(files))
	for k, v := range files {
		cp[k] = v
	}
	s.repos[key] = cp
}

// SetDown makes every request answer 503 (down) or serve again.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Requests returns how many requests reached path (without the query).
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// NotModified returns how many requests were answered 304.
func (s *Server) NotModified() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notMod
}

func etag(b []byte) string {
	h := sha256.Sum256(b)
	return `"` + hex.EncodeToString(h[:8]) + `"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	down := s.down
	s.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var body []byte
	var ok bool
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/repos/"):
		// /api/repos/{owner}/{repo}/git/trees/{ref}?recursive=1
		rest := strings.TrimPrefix(r.URL.Path, "/api/repos/")
		parts := strings.SplitN(rest, "/", 5)
		if len(parts) != 5 || parts[2] != "git" || parts[3] != "trees" || r.URL.Query().Get("recursive") != "1" {
			http.NotFound(w, r)
			return
		}
		body, ok = s.tree(parts[0] + "/" + parts[1] + "@" + parts[4])
	case strings.HasPrefix(r.URL.Path, "/raw/"):
		// /raw/{owner}/{repo}/{ref}/{path}: refs here have no slash.
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/raw/"), "/", 4)
		if len(parts) != 4 {
			http.NotFound(w, r)
			return
		}
		body, ok = s.file(parts[0]+"/"+parts[1]+"@"+parts[2], parts[3])
	case strings.HasPrefix(r.URL.Path, "/site/"):
		// /site/{owner}/{repo}@{ref}/index.json or /{path}
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/site/"), "/", 3)
		if len(parts) != 3 {
			http.NotFound(w, r)
			return
		}
		key := parts[0] + "/" + parts[1]
		if parts[2] == "index.json" {
			body, ok = s.index(key)
		} else {
			body, ok = s.file(key, parts[2])
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	tag := etag(body)
	w.Header().Set("ETag", tag)
	if r.Header.Get("If-None-Match") == tag {
		s.mu.Lock()
		s.notMod++
		s.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(body)
}

func (s *Server) paths(key string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	files, ok := s.repos[key]
	if !ok {
		return nil, false
	}
	var ps []string
	for p := range files {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps, true
}

func (s *Server) tree(key string) ([]byte, bool) {
	ps, ok := s.paths(key)
	if !ok {
		return nil, false
	}
	type node struct {
		Path string `json:"path"`
		Type string `json:"type"`
	}
	var nodes []node
	dirs := map[string]bool{}
	for _, p := range ps {
		for i := range len(p) {
			if p[i] == '/' && !dirs[p[:i]] {
				dirs[p[:i]] = true
				nodes = append(nodes, node{Path: p[:i], Type: "tree"})
			}
		}
		nodes = append(nodes, node{Path: p, Type: "blob"})
	}
	b, _ := json.Marshal(map[string]any{"sha": "0", "tree": nodes, "truncated": false})
	return b, true
}

func (s *Server) index(key string) ([]byte, bool) {
	ps, ok := s.paths(key)
	if !ok {
		return nil, false
	}
	b, _ := json.Marshal(map[string]any{"files": ps})
	return b, true
}

func (s *Server) file(key, p string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	files, ok := s.repos[key]
	if !ok {
		return nil, false
	}
	c, ok := files[p]
	return []byte(c), ok
}
