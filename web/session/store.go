package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
)

const (
	// CookieName is the session cookie's name. The __Host- prefix makes browsers refuse it unless it is
	// Secure, has Path=/ and no Domain, so a sibling subdomain cannot plant a session ID.
	CookieName = "__Host-oscar-console"
	// InsecureCookieName is used when the console runs on plain http on localhost (development), where
	// browsers reject __Host- cookies.
	InsecureCookieName = "oscar-console"

	// DefaultIdleTimeout and DefaultMaxLifetime apply when Options leaves them zero.
	DefaultIdleTimeout = time.Hour
	DefaultMaxLifetime = 12 * time.Hour

	idBytes = 32 // 256-bit session IDs
	// tagBytes is the length of a version tag (see versionTag).
	tagBytes = 9
)

var (
	idLen  = base64.RawURLEncoding.EncodedLen(idBytes)
	tagLen = base64.RawURLEncoding.EncodedLen(tagBytes)
)

// Options configures a Store or Manager.
type Options struct {
	// Keys encrypt the stored sessions: the first encrypts, all decrypt (rotation). Each must be at
	// least MinKeyLen bytes.
	Keys [][]byte
	// Secure selects the __Host- cookie with the Secure flag. Only a console on plain http on
	// localhost sets it false.
	Secure bool
	// IdleTimeout ends a session that has not been saved for this long (default 1 h).
	IdleTimeout time.Duration
	// MaxLifetime ends a session this long after sign-in, however active (default 12 h).
	MaxLifetime time.Duration
	// Log receives warnings (nil: discarded). Nothing secret is ever logged.
	Log *slog.Logger
	// Now is the clock (nil: time.Now); tests inject one to check expiry.
	Now func() time.Time
}

// valueKey is the type of the keys this package puts in sessions.Session.Values, unexported so no other
// package reads or writes them directly.
type valueKey int

const (
	dataKey   valueKey = iota // *Data
	loadedKey                 // loadedState: what the backend held when this session was loaded
)

// loadedState remembers the tokens as they were loaded, so Save can tell whether this request changed
// them or another request rotated them meanwhile.
type loadedState struct {
	tokens tokens
	// orig is the session as loaded (read-only), when it was sealed with the current key. Save
	// compares against it to skip the store entirely when nothing but the activity time changed.
	orig *Data
}

// Store is a github.com/gorilla/sessions.Store that keeps sessions server-side in a Backend. The
// cookie carries only a random 256-bit ID; the backend key is a SHA-256 hash of it; the value is the
// session's Data as JSON, sealed with AES-256-GCM (the backend key as additional data). Idle timeout and
// absolute lifetime are checked on every load, and also set as the backend expiry.
//
// Session values hold one *Data; use DataOf to reach it.
type Store struct {
	backend Backend
	sealer  *sealer
	decoded *decodedCache
	name    string
	cookie  sessions.Options
	idle    time.Duration
	max     time.Duration
	now     func() time.Time
	log     *slog.Logger
}

var _ sessions.Store = (*Store)(nil)

// NewStore returns a Store over b.
func NewStore(b Backend, o Options) (*Store, error) {
	if b == nil {
		return nil, errors.New("session: nil backend")
	}
	sl, err := newSealer(o.Keys)
	if err != nil {
		return nil, err
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxLifetime == 0 {
		o.MaxLifetime = DefaultMaxLifetime
	}
	if o.IdleTimeout < 0 || o.MaxLifetime < 0 {
		return nil, errors.New("session: negative timeout")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		backend: b,
		sealer:  sl,
		decoded: newDecodedCache(),
		name:    CookieName,
		cookie: sessions.Options{
			Path:     "/",
			Secure:   true,
			HttpOnly: true,
			// Lax, not Strict: the sign-in callback is a cross-site navigation from the IdP, and a
			// Strict cookie set there would not come back on the redirect that follows.
			SameSite: http.SameSiteLaxMode,
		},
		idle: o.IdleTimeout,
		max:  o.MaxLifetime,
		now:  o.Now,
		log:  o.Log,
	}
	if !o.Secure {
		s.name = InsecureCookieName
		s.cookie.Secure = false
	}
	return s, nil
}

// CookieName returns the name of the session cookie.
func (s *Store) CookieName() string { return s.name }

// DataOf returns the Data of a session made by a Store, creating an empty one if it is missing.
func DataOf(sess *sessions.Session) *Data {
	if d, ok := sess.Values[dataKey].(*Data); ok && d != nil {
		return d
	}
	d := &Data{}
	sess.Values[dataKey] = d
	return d
}

// Get returns the session for name from the request's gorilla registry (loaded once per request).
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie. Like every gorilla store it always returns a
// session: a new, empty one (IsNew) when there is no cookie, or when the ID is unknown, expired (the
// stored copy is then deleted) or fails decryption. The error is non-nil only when the backend could
// not be asked; it then wraps ErrUnavailable.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := s.newSession(name)
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	id, tag, ok := parseCookie(c.Value)
	if !ok {
		return sess, nil
	}
	d, orig, err := s.load(r.Context(), id, tag)
	switch {
	case errors.Is(err, ErrNotFound):
		return sess, nil
	case err != nil:
		return sess, fmt.Errorf("session: load: %w", err)
	}
	sess.ID = id
	sess.IsNew = false
	sess.Values[dataKey] = d
	sess.Values[loadedKey] = loadedState{tokens: d.tokens(), orig: orig}
	return sess, nil
}

func (s *Store) newSession(name string) *sessions.Session {
	sess := sessions.NewSession(s, name)
	opts := s.cookie
	sess.Options = &opts
	sess.IsNew = true
	sess.Values[dataKey] = &Data{}
	return sess
}

// load reads, decrypts and checks the session with the given ID. It returns ErrNotFound for a
// missing, undecryptable or expired session, deleting an expired one. d is the caller's own copy; orig
// is the session as stored (read-only), or nil when an older key sealed it (the next save seals it
// again). A value read before is not decrypted and decoded again (decodedCache). tag is the version of
// the session named by the browser's cookie, which lets a page view use a caching backend's local copy
// (see read); Reload, which must see every change made elsewhere, passes "" and so never uses a copy
// that may lag (a file store's generation cannot lag: every write through the backend changes it).
func (s *Store) load(ctx context.Context, id, tag string) (d, orig *Data, err error) {
	key := backendKey(id)
	blob, stored, current, ok, gen, err := s.read(ctx, key, tag)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		plain, keyIndex, err := s.sealer.openIndex(key, blob)
		if err != nil {
			// Tampering, or a key removed from the rotation too early. Either way the user starts over.
			s.log.Warn("session: stored session does not decrypt with any session key; starting a new session")
			return nil, nil, ErrNotFound
		}
		stored = &Data{}
		if err := json.Unmarshal(plain, stored); err != nil {
			s.log.Warn("session: stored session is not valid JSON; starting a new session", "err", err)
			return nil, nil, ErrNotFound
		}
		current = keyIndex == 0
		if !s.expired(stored) {
			s.decoded.put(key, blob, versionTag(blob), gen, stored, current, len(plain))
		}
	}
	if s.expired(stored) {
		s.decoded.drop(key)
		if err := s.backend.Delete(ctx, key); err != nil {
			s.log.Warn("session: delete expired session", "err", err)
		}
		return nil, nil, ErrNotFound
	}
	if current {
		orig = stored
	}
	return stored.clone(), orig, nil
}

// read returns the value stored under key, with its decoding when decodedCache holds it.
//
// With a caching backend (Redis client-side caching), a page view whose cookie names the version this
// replica holds decoded (tag) reads the backend's local copy, and uses it only if it is that very
// value. Anything else is read from the store itself: a cookie naming another version (written by
// another replica: the browser always carries the tag of the last version written for it), a local
// copy that differs (a change not yet invalidated, this replica's own write included) or is missing.
// So a browser sees its own changes and sign-out at once, through whichever replica it reaches, and
// changes made without it (another browser's sign-out of the same session cannot happen; an expiry,
// a deletion by an administrator) within the store's invalidation delay.
//
// With a store only this process writes (the file store), a session decoded at the key's current
// generation (taken before the read it was decoded from) is used without reading the store at all.
func (s *Store) read(ctx context.Context, key, tag string) (blob []byte, stored *Data, current, ok bool, gen uint64, err error) {
	if gb, isGen := s.backend.(generational); isGen {
		// Only this process writes the store: a session decoded at the key's current generation is
		// what the store holds (load still checks its expiry).
		gen = gb.Generation(key)
		if stored, current, ok = s.decoded.getAt(key, gen); ok {
			return nil, stored, current, true, gen, nil
		}
	}
	if cb, caching := s.backend.(cachingBackend); caching && tag != "" && s.decoded.tagged(key, tag) {
		var fresh bool
		blob, fresh, err = cb.GetCached(ctx, key)
		switch {
		case err == nil:
			// A fresh answer is the store's own: decoded or not, no need to read it again.
			if stored, current, ok = s.decoded.get(key, blob, 0); ok || fresh {
				return blob, stored, current, ok, 0, nil
			}
		case fresh || !errors.Is(err, ErrNotFound):
			return nil, nil, false, false, 0, err // the store's own answer, or it did not answer
		}
	}
	if blob, err = s.backend.Get(ctx, key); err != nil {
		return nil, nil, false, false, 0, err
	}
	stored, current, ok = s.decoded.get(key, blob, gen)
	return blob, stored, current, ok, gen, nil
}

// expired reports whether d has passed its idle timeout or absolute lifetime.
func (s *Store) expired(d *Data) bool {
	if d.Created.IsZero() || d.LastSeen.IsZero() {
		return true
	}
	now := s.now()
	return now.Sub(d.LastSeen) >= s.idle || now.Sub(d.Created) >= s.max
}

// Save writes the session to the backend and sets the cookie. A session with Options.MaxAge < 0 is
// deleted and its cookie expired instead. A session without an ID gets a new random one.
//
// Two requests of one browser may run at once and both save; the last write wins, with two
// exceptions that keep sign-out and token rotation safe:
//   - a session that was loaded from the store but has been deleted since (logout in another tab,
//     expiry) is not written back; its cookie is expired instead;
//   - tokens that this request did not change are taken from the stored copy, so a refresh made by a
//     concurrent request (under Manager.Lock) is not overwritten with the old, now revoked, tokens.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	d := DataOf(sess)
	if sess.Options == nil {
		opts := s.cookie
		sess.Options = &opts
	}
	if sess.Options.MaxAge < 0 {
		return s.end(ctx, w, sess)
	}
	now := s.now()
	if d.Created.IsZero() {
		d.Created = now
	}
	remaining := d.Created.Add(s.max).Sub(now)
	if remaining <= 0 {
		s.log.Info("session: lifetime over while saving; session ended")
		return s.end(ctx, w, sess)
	}
	if loaded, ok := sess.Values[loadedKey].(loadedState); ok && sess.ID != "" {
		if s.unchangedSinceLoad(d, loaded, now) {
			// Nothing changed since this request loaded the session, and its activity time was
			// written moments ago: no read, no write, and no cookie (the browser's copy already
			// expires at the end of the session's lifetime). Another tab's token rotation or
			// sign-out meanwhile is not overwritten, since nothing is written.
			return nil
		}
		gone, unchanged, tag, err := s.merge(ctx, sess.ID, d, loaded)
		if err != nil {
			return err
		}
		if gone {
			s.log.Info("session: session ended by another request; not written back")
			return s.end(ctx, w, sess)
		}
		if unchanged {
			// Nothing but the activity time would change, and that was written moments ago: most
			// page views then cost one read and no write. Idle expiry stays accurate to idle/60.
			opts := *sess.Options
			opts.MaxAge = max(1, int(remaining/time.Second))
			setCookie(w, sessions.NewCookie(sess.Name(), cookieValue(sess.ID, tag), &opts))
			return nil
		}
	}
	if sess.ID == "" {
		sess.ID = newID()
	}
	d.LastSeen = now
	plain, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("session: save: %w", err)
	}
	key := backendKey(sess.ID)
	sealed := s.sealer.seal(key, plain)
	if err := s.backend.Set(ctx, key, sealed, min(s.idle, remaining)); err != nil {
		s.decoded.drop(key)
		return fmt.Errorf("session: save: %w", err)
	}
	tag := versionTag(sealed)
	s.decoded.put(key, sealed, tag, 0, d.clone(), true, len(plain)) // generation unknown: read once more
	sess.IsNew = false
	sess.Values[loadedKey] = loadedState{tokens: d.tokens()}
	opts := *sess.Options
	opts.MaxAge = max(1, int(remaining/time.Second))
	setCookie(w, sessions.NewCookie(sess.Name(), cookieValue(sess.ID, tag), &opts))
	return nil
}

// unchangedSinceLoad reports whether d is what was loaded (but for the activity time, which was
// written less than idle/60 ago), under the current key.
func (s *Store) unchangedSinceLoad(d *Data, loaded loadedState, now time.Time) bool {
	if loaded.orig == nil || now.Sub(loaded.orig.LastSeen) >= s.idle/60 {
		return false
	}
	same := *d
	same.LastSeen = loaded.orig.LastSeen
	return same.sameAs(loaded.orig)
}

// merge compares the stored copy of session id with what was loaded. gone is true when the stored copy
// no longer exists. If this request left the tokens alone but the stored ones changed, d takes them.
// unchanged is true when writing d would only move LastSeen, the stored copy's LastSeen is younger
// than idle/60, and it is sealed with the primary key (so key rotation still rewrites it); tag is then
// the stored copy's version tag.
func (s *Store) merge(ctx context.Context, id string, d *Data, loaded loadedState) (gone, unchanged bool, tag string, err error) {
	key := backendKey(id)
	blob, err := s.backend.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return true, false, "", nil
	}
	if err != nil {
		return false, false, "", fmt.Errorf("session: save: %w", err)
	}
	plain, keyIndex, err := s.sealer.openIndex(key, blob)
	if err != nil {
		return false, false, "", nil // unreadable: ours replaces it
	}
	var stored Data
	if err := json.Unmarshal(plain, &stored); err != nil {
		return false, false, "", nil
	}
	if d.tokens().equal(loaded.tokens) && !stored.tokens().equal(loaded.tokens) {
		d.setTokens(stored.tokens())
	}
	if keyIndex != 0 || s.now().Sub(stored.LastSeen) >= s.idle/60 {
		return false, false, "", nil
	}
	same := *d
	same.LastSeen = stored.LastSeen
	mine, err := json.Marshal(&same)
	if err != nil || !bytes.Equal(mine, plain) {
		return false, false, "", nil
	}
	return false, true, versionTag(blob), nil
}

// end deletes the stored session and expires its cookie; the session is left without an ID, so a later
// Save starts a new one under a new ID.
func (s *Store) end(ctx context.Context, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.ID != "" {
		s.decoded.drop(backendKey(sess.ID))
		if err := s.backend.Delete(ctx, backendKey(sess.ID)); err != nil {
			return fmt.Errorf("session: delete: %w", err)
		}
	}
	sess.ID = ""
	sess.IsNew = true
	delete(sess.Values, loadedKey)
	opts := *sess.Options
	opts.MaxAge = -1
	setCookie(w, sessions.NewCookie(sess.Name(), "", &opts))
	return nil
}

// renew moves the session to a new ID: the old one is deleted first (so it can never be used again,
// even if writing the new one fails), then the data is saved under a new ID with Created reset.
func (s *Store) renew(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.ID != "" {
		s.decoded.drop(backendKey(sess.ID))
		if err := s.backend.Delete(r.Context(), backendKey(sess.ID)); err != nil {
			return fmt.Errorf("session: renew: %w", err)
		}
	}
	sess.ID = ""
	delete(sess.Values, loadedKey)
	d := DataOf(sess)
	d.Created = time.Time{}
	if sess.Options == nil || sess.Options.MaxAge < 0 {
		opts := s.cookie
		sess.Options = &opts
	}
	return s.Save(r, w, sess)
}

// setCookie adds c to the response, replacing a Set-Cookie for the same name written earlier in this
// response (for example Destroy followed by Save), so the browser gets one clear answer.
func setCookie(w http.ResponseWriter, c *http.Cookie) {
	h := w.Header()
	if old := h.Values("Set-Cookie"); len(old) > 0 {
		prefix := c.Name + "="
		kept := make([]string, 0, len(old))
		for _, v := range old {
			if !strings.HasPrefix(v, prefix) {
				kept = append(kept, v)
			}
		}
		h["Set-Cookie"] = kept
	}
	http.SetCookie(w, c)
}

// newID returns a fresh random session ID: 256 bits, base64url without padding (43 characters).
func newID() string {
	b := make([]byte, idBytes)
	rand.Read(b) // never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// versionTag names one stored version of a session: the first tagBytes of the SHA-256 of its sealed
// value, base64url. It says nothing about the session's contents (the value hashed is encrypted) and
// is not a credential; a collision could only make a page view use a local copy that is stale by the
// store's invalidation delay.
func versionTag(sealed []byte) string {
	sum := sha256.Sum256(sealed)
	return base64.RawURLEncoding.EncodeToString(sum[:tagBytes])
}

// cookieValue is the session cookie's value: the ID, a dot and the version tag of the session as last
// written for this browser (see Store.read).
func cookieValue(id, tag string) string {
	if tag == "" {
		return id
	}
	return id + "." + tag
}

// parseCookie splits a session cookie's value into the ID and the version tag. ok is false unless the
// value is an ID alone (a cookie set before tags existed: the page view then reads the store itself)
// or an ID, a dot and a well-formed tag: anything else is a fresh anonymous visit.
func parseCookie(v string) (id, tag string, ok bool) {
	id, tag, dotted := strings.Cut(v, ".")
	if !validID(id) || dotted && !validTag(tag) {
		return "", "", false
	}
	return id, tag, true
}

// CookieID returns the session ID a session cookie's value carries, or "" if it carries none. The
// value also names the session's version, which changes as the session is written; code that counts
// per session (the per-session upstream limit) keys on the ID.
func CookieID(v string) string {
	id, _, _ := parseCookie(v)
	return id
}

func validTag(tag string) bool {
	if len(tag) != tagLen {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(tag)
	return err == nil
}

func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(id)
	return err == nil && len(b) == idBytes
}

// backendKey is the key a session is stored under: a hash of its ID, so that the store's contents (a
// Redis dump, a directory listing) never reveal a usable cookie value.
func backendKey(id string) string {
	sum := sha256.Sum256([]byte("oscar-console session\x00" + id))
	return hex.EncodeToString(sum[:])
}
