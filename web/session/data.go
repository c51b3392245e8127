// Package session keeps the console's browser sessions on the server.
//
// The browser holds only a cookie with a random 256-bit session ID. Everything else (the user, the OIDC
// tokens or the OSCAR basic-auth password, the active endpoint, wizard drafts, the pending login state)
// lives in a Backend: a directory of files by default, or Redis when several replicas share sessions.
// Stored values are encrypted with AES-256-GCM before they are written, and the backend key is a hash of
// the session ID, so a copy of the store yields neither tokens nor usable cookies.
//
// Store implements github.com/gorilla/sessions.Store over a Backend; Manager is the typed layer that the
// handlers use (Load, Save, Renew, Destroy, Lock, Reload).
package session

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Session kinds stored in Data.Kind.
const (
	KindOIDC  = "oidc"
	KindBasic = "basic"
)

// maxRecentEndpoints bounds Data.RecentEndpoints so a session cannot grow without limit.
const maxRecentEndpoints = 8

// Data is everything the console keeps for one browser session, server-side only.
type Data struct {
	Kind       string   `json:"kind,omitempty"`     // "" (anonymous), "oidc" or "basic"
	Provider   string   `json:"provider,omitempty"` // auth provider ID (oidc)
	Subject    string   `json:"sub,omitempty"`
	VOPersonID string   `json:"voperson_id,omitempty"`
	Name       string   `json:"name,omitempty"`
	Email      string   `json:"email,omitempty"`
	VOs        []string `json:"vos,omitempty"`

	AccessToken  string          `json:"at,omitempty"`
	RefreshToken string          `json:"rt,omitempty"`
	IDToken      string          `json:"idt,omitempty"`
	Expiry       time.Time       `json:"exp,omitempty"`
	Scopes       []string        `json:"scopes,omitempty"`
	UserInfo     json.RawMessage `json:"userinfo,omitempty"`

	BasicUser     string `json:"bu,omitempty"`
	BasicPassword string `json:"bp,omitempty"`

	Endpoint        string   `json:"endpoint,omitempty"` // active OSCAR endpoint (normalised URL)
	RecentEndpoints []string `json:"recent,omitempty"`

	Login  json.RawMessage            `json:"login,omitempty"`  // pending OIDC login state (auth.LoginState as JSON)
	Drafts map[string]json.RawMessage `json:"drafts,omitempty"` // wizard drafts: "new", "edit:<name>", "import" (a multi-service FDL awaiting a choice)
	// DraftOwner names who the drafts belong to once the session that made them has ended (see
	// Owner), so that they come back only when the same person signs in again.
	DraftOwner string   `json:"draft_owner,omitempty"`
	Flash      []string `json:"flash,omitempty"`
	// Reveal holds an app's password by service name from its creation until the page that shows
	// it once takes it (TakeReveal). It is not kept across a sign-in.
	Reveal map[string]string `json:"reveal,omitempty"`

	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"seen"`
}

// SignedIn reports whether the session belongs to a signed-in user: an OIDC session with an access
// token, or a basic-auth session with a user name. A session half way through a login is not signed in.
func (d *Data) SignedIn() bool {
	switch d.Kind {
	case KindOIDC:
		return d.AccessToken != ""
	case KindBasic:
		return d.BasicUser != ""
	}
	return false
}

// AddFlash queues a one-time message for the next page the user sees.
func (d *Data) AddFlash(msg string) {
	d.Flash = append(d.Flash, msg)
}

// TakeFlash returns the queued messages and clears them, so each is shown once (after the next Save).
func (d *Data) TakeFlash() []string {
	f := d.Flash
	d.Flash = nil
	return f
}

// maxReveal bounds the passwords kept for pages not yet seen (an app created, its page never opened).
const maxReveal = 8

// KeepReveal keeps an app's password for the one page that shows it. Past maxReveal unseen ones,
// the older ones are dropped: their pages then show none.
func (d *Data) KeepReveal(name, password string) {
	if len(d.Reveal) >= maxReveal {
		d.Reveal = nil
	}
	if d.Reveal == nil {
		d.Reveal = map[string]string{}
	}
	d.Reveal[name] = password
}

// TakeReveal returns the password kept for the app name and forgets it.
func (d *Data) TakeReveal(name string) string {
	v := d.Reveal[name]
	delete(d.Reveal, name)
	if len(d.Reveal) == 0 {
		d.Reveal = nil
	}
	return v
}

// Remember makes endpoint the active OSCAR endpoint and puts it first in the list of recent endpoints
// (no duplicates, at most 8). An empty endpoint is ignored.
func (d *Data) Remember(endpoint string) {
	if endpoint == "" {
		return
	}
	d.Endpoint = endpoint
	recent := make([]string, 0, maxRecentEndpoints)
	recent = append(recent, endpoint)
	for _, e := range d.RecentEndpoints {
		if len(recent) == maxRecentEndpoints {
			break
		}
		if e != endpoint && e != "" && !slices.Contains(recent, e) {
			recent = append(recent, e)
		}
	}
	d.RecentEndpoints = recent
}

// String describes the session for logs and debugging. Like oauth2-proxy's SessionState.String it
// shows only whether a secret is present ("at:true"), never a token, password, the pending login state
// or the raw UserInfo.
func (d Data) String() string {
	var b strings.Builder
	b.WriteString("session.Data{")
	// field writes name:v when show is true.
	field := func(name string, v any, show bool) {
		if !show {
			return
		}
		if b.Len() > len("session.Data{") {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%v", name, v)
	}
	field("kind", d.Kind, d.Kind != "")
	field("provider", d.Provider, d.Provider != "")
	field("sub", d.Subject, d.Subject != "")
	field("voperson_id", d.VOPersonID, d.VOPersonID != "")
	field("name", d.Name, d.Name != "")
	field("email", d.Email, d.Email != "")
	field("vos", d.VOs, len(d.VOs) > 0)
	field("at", d.AccessToken != "", true)
	field("rt", d.RefreshToken != "", true)
	field("idt", d.IDToken != "", true)
	field("exp", d.Expiry.UTC().Format(time.RFC3339), !d.Expiry.IsZero())
	field("scopes", d.Scopes, len(d.Scopes) > 0)
	field("bu", d.BasicUser, d.BasicUser != "")
	field("bp", d.BasicPassword != "", true)
	field("endpoint", d.Endpoint, d.Endpoint != "")
	field("recent", len(d.RecentEndpoints), len(d.RecentEndpoints) > 0)
	field("login", len(d.Login) > 0, true)
	field("drafts", len(d.Drafts), len(d.Drafts) > 0)
	field("flash", len(d.Flash), len(d.Flash) > 0)
	field("created", d.Created.UTC().Format(time.RFC3339), true)
	field("seen", d.LastSeen.UTC().Format(time.RFC3339), true)
	b.WriteByte('}')
	return b.String()
}

// tokens is the part of Data that a token refresh rewrites. Store.Save uses it to avoid writing back
// tokens that another request has rotated in the meantime (see Store.Save).
type tokens struct {
	AccessToken, RefreshToken, IDToken string
	Expiry                             time.Time
}

func (d *Data) tokens() tokens {
	return tokens{d.AccessToken, d.RefreshToken, d.IDToken, d.Expiry}
}

func (d *Data) setTokens(t tokens) {
	d.AccessToken, d.RefreshToken, d.IDToken, d.Expiry = t.AccessToken, t.RefreshToken, t.IDToken, t.Expiry
}

func (t tokens) equal(u tokens) bool {
	return t.AccessToken == u.AccessToken && t.RefreshToken == u.RefreshToken &&
		t.IDToken == u.IDToken && t.Expiry.Equal(u.Expiry)
}

// Owner identifies the signed-in person for keeping drafts across a sign-in: the provider and subject
// for OIDC, the OSCAR account and its endpoint for basic auth; "" when nobody is signed in.
func (d *Data) Owner() string {
	switch {
	case d.Kind == KindOIDC && d.Subject != "":
		return "oidc:" + d.Provider + ":" + d.Subject
	case d.Kind == KindBasic && d.BasicUser != "":
		return "basic:" + d.BasicUser + "@" + d.Endpoint
	}
	return ""
}

// KeepDrafts carries the drafts of old into d when d's person owns them: old was that person's
// session, or an ended session that kept its drafts for that person.
func (d *Data) KeepDrafts(old *Data) {
	if len(old.Drafts) == 0 {
		return
	}
	who := d.Owner()
	if who != "" && (old.Owner() == who || old.DraftOwner == who) {
		d.Drafts = old.Drafts
	}
}
