package oscartest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// principal is an authenticated caller.
type principal struct {
	basic  bool // the Basic-auth admin account
	sub    string
	groups []string
	admin  bool // Basic, or a sub in USERS_ADMIN
}

// uid is the owner string OSCAR records for the caller.
func (p *principal) uid() string {
	if p.basic {
		return "cluster_admin"
	}
	return p.sub
}

// authSystem authenticates a /system request as OSCAR's middleware does:
// "Bearer ..." goes to OIDC, anything else to Basic auth. On failure it
// writes the answer and returns nil.
func (s *Server) authSystem(w http.ResponseWriter, r *http.Request) *principal {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		p, status, msg := s.bearer(tok)
		if p == nil {
			w.Header().Set(middlewareHeader, "oidc")
			writePlain(w, status, msg)
			return nil
		}
		// The first authenticated OIDC request provisions the user's
		// MinIO account (oscar-api.md §3.5).
		s.mu.Lock()
		if _, ok := s.minioUsers[p.sub]; !ok {
			s.minioUsers[p.sub] = randomHex(7)
		}
		s.mu.Unlock()
		return p
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.opts.BasicUser || pass != s.opts.BasicPassword {
		w.Header().Set("WWW-Authenticate", `Basic realm="Authorization Required"`)
		w.WriteHeader(http.StatusUnauthorized)
		return nil
	}
	return &principal{basic: true, admin: true}
}

// callerHandler serves a /system route for an authenticated caller p,
// holding s.mu.
type callerHandler func(w http.ResponseWriter, r *http.Request, p *principal)

// asCaller turns h into a route handler: it authenticates the request as
// authSystem does (on failure the answer is written and h does not run),
// then runs h holding s.mu.
func (s *Server) asCaller(h callerHandler) http.HandlerFunc {
	return s.caller(false, h)
}

// asBucketCaller is asCaller for the bucket routes: after authentication,
// an OSCAR whose MinIO is down answers as minioDown writes.
func (s *Server) asBucketCaller(h callerHandler) http.HandlerFunc {
	return s.caller(true, h)
}

func (s *Server) caller(bucketRoute bool, h callerHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.authSystem(w, r)
		if p == nil || bucketRoute && s.minioDown(w) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		h(w, r, p)
	}
}

// middlewareHeader marks answers of the auth middleware, which OSCAR
// gives on every /system route whatever the route's contract lists
// (oscar-api.md §1.1, §3.3: 400 for a malformed token). It is removed
// before the answer leaves the fake.
const middlewareHeader = "X-Oscartest-Middleware"

// serviceTokenRE matches OSCAR service tokens (64 hex characters).
const serviceTokenRE = `^[0-9a-f]{64}$`

// bearer checks an OIDC token. It returns the principal, or a status and
// message.
func (s *Server) bearer(tok string) (*principal, int, string) {
	var sub string
	var groups []string
	ok := false
	if s.opts.Tokens != nil && tok != "" {
		sub, groups, ok = s.opts.Tokens(tok)
	}
	if !ok {
		if regexp.MustCompile(serviceTokenRE).MatchString(tok) {
			// OSCAR parses a service token on /system as a JWT.
			return nil, http.StatusBadRequest, "token is malformed: token contains an invalid number of segments"
		}
		return nil, http.StatusUnauthorized, "invalid token"
	}
	if !slices.ContainsFunc(groups, func(g string) bool { return g != "" && slices.Contains(s.opts.OIDCGroups, g) }) {
		return nil, http.StatusUnauthorized, "this user isn't enrrolled in any of the cluster's groups"
	}
	return &principal{sub: sub, groups: groups, admin: slices.Contains(s.opts.Admins, sub)}, 0, ""
}

// canSee applies OSCAR's visibility rules (oscar-api.md §3.4).
func canSee(p *principal, visibility, owner string, allowed []string) bool {
	if p.basic {
		return true
	}
	switch visibility {
	case "public":
		return true
	case "restricted":
		return owner == p.sub || slices.Contains(allowed, p.sub)
	}
	return owner == p.sub
}
