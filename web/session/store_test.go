package session

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"
)

// TestGorillaStoreContract uses Store only through the gorilla/sessions API, as generic gorilla code
// would: the registry's Get, sessions.Save, and MaxAge < 0 to delete.
func TestGorillaStoreContract(t *testing.T) {
	b, err := NewFileBackend(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStore(b, Options{Keys: [][]byte{testKey(t)}, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	var store sessions.Store = st

	r := newRequest()
	s1, err := store.Get(r, st.CookieName())
	if err != nil {
		t.Fatal(err)
	}
	s2, err := store.Get(r, st.CookieName())
	if err != nil {
		t.Fatal(err)
	}
	if s1 != s2 {
		t.Error("Get twice in one request returned different sessions, want the registry's one")
	}
	if !s1.IsNew {
		t.Error("IsNew = false for a request without cookie")
	}
	DataOf(s1).Remember("https://oscar.example.org")
	rec := httptest.NewRecorder()
	if err := sessions.Save(r, rec); err != nil {
		t.Fatal(err)
	}
	c := responseCookie(t, rec, CookieName)

	loaded, err := store.New(newRequest(c), CookieName)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.IsNew || DataOf(loaded).Endpoint != "https://oscar.example.org" {
		t.Fatalf("reloaded session: IsNew %v, Endpoint %q", loaded.IsNew, DataOf(loaded).Endpoint)
	}
	if loaded.Options.SameSite != http.SameSiteLaxMode || !loaded.Options.HttpOnly || !loaded.Options.Secure {
		t.Errorf("session options = %+v, want Secure, HttpOnly, SameSite=Lax", *loaded.Options)
	}

	loaded.Options.MaxAge = -1
	rec = httptest.NewRecorder()
	if err := store.Save(newRequest(c), rec, loaded); err != nil {
		t.Fatal(err)
	}
	if got := responseCookie(t, rec, CookieName); got.MaxAge >= 0 {
		t.Errorf("cookie Max-Age after delete = %d, want expired", got.MaxAge)
	}
	again, err := store.New(newRequest(c), CookieName)
	if err != nil {
		t.Fatal(err)
	}
	if !again.IsNew {
		t.Error("session still loads after Save with MaxAge < 0")
	}
}
