package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
)

// Manager is the typed session API the handlers use, a thin layer over Store.
type Manager struct {
	store *Store
}

// Session is one browser session. Handlers read and change Data, then call Manager.Save. The session ID
// is deliberately not exposed: it is a bearer credential.
type Session struct {
	Data Data
	raw  *sessions.Session
}

// IsNew reports whether the session has not been stored yet (no cookie, or the old one was unknown or
// expired).
func (s *Session) IsNew() bool { return s.raw == nil || s.raw.IsNew }

// bind attaches s to the Manager's store if it was not made by Load (a Session literal, as tests of
// other packages may build), and points the gorilla session's values at s.Data.
func (m *Manager) bind(s *Session) *sessions.Session {
	if s.raw == nil {
		s.raw = m.store.newSession(m.store.name)
	}
	s.raw.Values[dataKey] = &s.Data
	return s.raw
}

// NewManager returns a Manager storing sessions in b. o.Keys must hold at least one key of at least
// MinKeyLen bytes. With o.Secure false the caller is expected to warn the operator (cmd does).
func NewManager(b Backend, o Options) (*Manager, error) {
	st, err := NewStore(b, o)
	if err != nil {
		return nil, err
	}
	return &Manager{store: st}, nil
}

// Store returns the gorilla/sessions store under the Manager.
func (m *Manager) Store() *Store { return m.store }

// Backend returns the backend the sessions are kept in.
func (m *Manager) Backend() Backend { return m.store.backend }

// CookieName returns the name of the session cookie.
func (m *Manager) CookieName() string { return m.store.name }

// Load returns the request's session, or a new empty one when the request has no cookie or its session
// is unknown, expired (idle timeout or absolute lifetime; the stored copy is deleted) or fails
// decryption. The error wraps ErrUnavailable when the store cannot be reached: answer 503 then, and do
// not treat the user as signed out.
func (m *Manager) Load(r *http.Request) (*Session, error) {
	raw, err := m.store.New(r, m.store.name)
	if err != nil {
		return nil, err
	}
	return wrap(raw), nil
}

func wrap(raw *sessions.Session) *Session {
	s := &Session{raw: raw}
	s.Data = *DataOf(raw)
	raw.Values[dataKey] = &s.Data
	return s
}

// Save stores the session (expiring after the idle timeout, or at the end of its absolute lifetime if
// that comes first), records LastSeen and sets the cookie. Call it before writing the response body.
// See Store.Save for how concurrent saves of one session are resolved.
func (m *Manager) Save(w http.ResponseWriter, r *http.Request, s *Session) error {
	return m.store.Save(r, w, m.bind(s))
}

// Renew moves the session to a new ID and saves it; call it right after sign-in, so an ID that existed
// before the login (possibly planted by an attacker) is worthless. The old ID is deleted from the
// store, the data is kept and Created is reset (the absolute lifetime starts at sign-in).
func (m *Manager) Renew(w http.ResponseWriter, r *http.Request, s *Session) error {
	return m.store.renew(r, w, m.bind(s))
}

// Destroy deletes the session from the store and expires the cookie. s is left empty; saving it later
// (say, to carry a flash message) starts a new session under a new ID.
func (m *Manager) Destroy(w http.ResponseWriter, r *http.Request, s *Session) error {
	raw := m.bind(s)
	raw.Options.MaxAge = -1
	if err := m.store.Save(r, w, raw); err != nil {
		return err
	}
	opts := m.store.cookie
	s.raw.Options = &opts
	s.Data = Data{}
	s.raw.Values[dataKey] = &s.Data
	return nil
}

// Reload replaces s.Data with the stored copy. Call it after taking Lock, so that a token refresh made
// meanwhile by another request or replica is seen and not repeated. It returns an error wrapping
// ErrNotFound if the session has ended (or was never saved).
func (m *Manager) Reload(ctx context.Context, s *Session) error {
	if s.raw == nil || s.raw.ID == "" {
		return fmt.Errorf("session: reload: %w", ErrNotFound)
	}
	d, orig, err := m.store.load(ctx, s.raw.ID, "")
	if err != nil {
		return fmt.Errorf("session: reload: %w", err)
	}
	s.Data = *d
	s.raw.Values[dataKey] = &s.Data
	s.raw.Values[loadedKey] = loadedState{tokens: d.tokens(), orig: orig}
	return nil
}

// Lock takes the session's lock, so only one request at a time (across replicas, with Redis) refreshes
// its tokens. It blocks until the lock is free or ctx is done; the lock lapses after ttl even if unlock
// is never called. A session that has never been saved exists only in this request, so it needs no
// lock; its unlock does nothing.
func (m *Manager) Lock(ctx context.Context, s *Session, ttl time.Duration) (unlock func(), err error) {
	if s.raw == nil || s.raw.ID == "" {
		return func() {}, nil
	}
	unlock, err = m.store.backend.Lock(ctx, backendKey(s.raw.ID), ttl)
	if err != nil {
		return nil, fmt.Errorf("session: lock: %w", err)
	}
	return unlock, nil
}

// Ping reports whether the session store is reachable (for /readyz).
func (m *Manager) Ping(ctx context.Context) error {
	if err := m.store.backend.Ping(ctx); err != nil {
		return fmt.Errorf("session: ping: %w", err)
	}
	return nil
}

// Count returns the number of active sessions in the store (for metrics).
func (m *Manager) Count(ctx context.Context) (int, error) {
	n, err := m.store.backend.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("session: count: %w", err)
	}
	return n, nil
}

// IsUnavailable reports whether err means the session store could not be reached.
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }
