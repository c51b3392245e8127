package session

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// fullData sets every field of Data. TestCloneCopiesEveryField checks that it does, so a field
// added to Data must be added here, and then to Data.clone if it holds memory of its own.
func fullData() *Data {
	d := realisticData()
	d.Login = json.RawMessage(`{"state":"s","verifier":"v"}`)
	d.DraftOwner = "oidc:egi:someone"
	d.Flash = []string{"Saved."}
	d.Reveal = map[string]string{"juno-1": "secret"}
	d.BasicUser = "oscar"
	d.BasicPassword = "pw"
	d.Created = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	d.LastSeen = d.Created.Add(time.Minute)
	return &d
}

func TestCloneCopiesEveryField(t *testing.T) {
	d := fullData()
	v := reflect.ValueOf(d).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("fullData leaves %s unset: set it, and copy it in Data.clone if it holds a slice or map", v.Type().Field(i).Name)
		}
	}
	c := d.clone()
	if !reflect.DeepEqual(c, d) {
		t.Fatal("the clone differs from the original")
	}
	cv := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.Slice, reflect.Map:
			if f.UnsafePointer() == cv.Field(i).UnsafePointer() {
				t.Errorf("the clone shares %s with the original", name)
			}
		case reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func:
			t.Errorf("%s is a %s: teach Data.clone to copy it", name, f.Kind())
		}
	}
	for k, raw := range d.Drafts {
		if &raw[0] == &c.Drafts[k][0] {
			t.Errorf("the clone shares draft %q with the original", k)
		}
	}
	// Changing the clone, deep down, leaves the original alone.
	c.VOs[0], c.Drafts["new"][2], c.Reveal["juno-1"], c.UserInfo[2] = "x", 'X', "other", 'X'
	if d.VOs[0] == "x" || d.Drafts["new"][2] == 'X' || d.Reveal["juno-1"] != "secret" || d.UserInfo[2] == 'X' {
		t.Error("changing the clone changed the original")
	}
}

// A value another Store over the same backend wrote, or a session it ended, is seen on the next load,
// decoded sessions or not.
func TestDecodedCacheSeesOtherWriters(t *testing.T) {
	a, b, _ := twoFileManagers(t)
	c := saveNew(t, a, realisticData())

	if got := mustLoad(t, a, c).Data.Endpoint; got != "https://oscar.example.org" {
		t.Fatalf("endpoint %q", got)
	}
	if n, _ := a.store.decoded.len(); n != 1 {
		t.Fatalf("replica a caches %d sessions after a load, want 1", n)
	}

	// Replica b changes the session: a sees the change.
	s := mustLoad(t, b, c)
	s.Data.Remember("https://other.example.org")
	if err := b.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	if got := mustLoad(t, a, c).Data.Endpoint; got != "https://other.example.org" {
		t.Errorf("replica a still sees endpoint %q after b changed it", got)
	}

	// Replica b signs out: a no longer loads the session.
	s = mustLoad(t, b, c)
	if err := b.Destroy(httptest.NewRecorder(), newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	if s := mustLoad(t, a, c); !s.IsNew() || s.Data.SignedIn() {
		t.Error("replica a still loads a session b signed out")
	}
}

// What a request changes in its session stays its own until saved: the next load gets the stored
// session, not the changed copy.
func TestDecodedCacheHandsOutCopies(t *testing.T) {
	m, _ := newFileManager(t, nil)
	c := saveNew(t, m, realisticData())
	s := mustLoad(t, m, c)
	s.Data.VOs[0] = "changed"
	s.Data.Drafts["new"] = json.RawMessage(`{}`)
	s.Data.UserInfo[2] = 'X'
	again := mustLoad(t, m, c)
	if again.Data.VOs[0] != "vo.access.egi.eu" || string(again.Data.Drafts["new"]) != `{"name":"cowsay","memory":"1Gi"}` || again.Data.UserInfo[2] == 'X' {
		t.Errorf("an unsaved change leaked into the next load: %v %s %s", again.Data.VOs, again.Data.Drafts["new"], again.Data.UserInfo)
	}
	// The unsaved change is not lost either: saving it writes it.
	if err := m.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	if got := mustLoad(t, m, c).Data.VOs[0]; got != "changed" {
		t.Errorf("saved change not loaded: VOs[0] = %q", got)
	}
}

// A stored value that was tampered with is refused, even when an earlier, good value of the same
// session was cached.
func TestDecodedCacheRefusesTamperedValues(t *testing.T) {
	m, fb := newFileManager(t, nil)
	c := saveNew(t, m, realisticData())
	mustLoad(t, m, c)
	ctx := context.Background()
	k := backendKey(CookieID(c.Value))
	blob, err := fb.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	blob[len(blob)-1] ^= 1
	if err := fb.Set(ctx, k, blob, time.Hour); err != nil {
		t.Fatal(err)
	}
	if s := mustLoad(t, m, c); !s.IsNew() {
		t.Error("a tampered session loaded from the cache")
	}
}

// An expired session is not served from the cache.
func TestDecodedCacheKeepsExpiry(t *testing.T) {
	clock := newFakeClock()
	m, _ := newFileManager(t, clock)
	c := saveNew(t, m, realisticData())
	mustLoad(t, m, c)
	clock.Advance(DefaultIdleTimeout + time.Second)
	if s := mustLoad(t, m, c); !s.IsNew() {
		t.Error("an idle session loaded from the cache")
	}
	if n, _ := m.store.decoded.len(); n != 0 {
		t.Errorf("the cache keeps %d expired sessions", n)
	}
}

func TestDecodedCacheBounds(t *testing.T) {
	c := newDecodedCache()
	d := fullData()
	for i := range decodedEntries + 100 {
		c.put(fmt.Sprint(i), []byte(fmt.Sprint(i)), "", 0, d, true, 10)
	}
	if n, b := c.len(); n != decodedEntries || b != 10*decodedEntries {
		t.Errorf("cache holds %d entries, %d bytes; want %d, %d", n, b, decodedEntries, 10*decodedEntries)
	}
	if _, _, ok := c.get("0", []byte("0"), 0); ok {
		t.Error("the oldest entry was kept")
	}
	if _, _, ok := c.get(fmt.Sprint(decodedEntries+99), []byte(fmt.Sprint(decodedEntries+99)), 0); !ok {
		t.Error("the newest entry was dropped")
	}
	big := decodedBytes / 16
	for i := range 20 {
		c.put(fmt.Sprint("big", i), []byte{1}, "", 0, d, true, big)
	}
	if _, b := c.len(); b > decodedBytes {
		t.Errorf("cache holds %d bytes, over %d", b, decodedBytes)
	}
	c.put("huge", []byte{1}, "", 0, d, true, big+1)
	if _, _, ok := c.get("huge", []byte{1}, 0); ok {
		t.Error("an unusually large session was cached")
	}
	if _, _, ok := c.get("big19", []byte{2}, 0); ok {
		t.Error("an entry served a different value")
	}
}

// The file store is written by this process only, so a session decoded at the key's current
// generation needs no read: a page view of a session held costs no file access. Writes and deletions
// through the backend (any Store over it) end the generation and are seen at once.
func TestFileStoreGenerations(t *testing.T) {
	m, other, fb := twoFileManagers(t)
	ctx := context.Background()
	g1 := fb.Generation("k")
	if g1 == 0 || fb.Generation("k") != g1 {
		t.Fatalf("generation %d then %d: want the same non-zero number", g1, fb.Generation("k"))
	}
	if err := fb.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	g2 := fb.Generation("k")
	if g2 == g1 {
		t.Error("a write kept the generation")
	}
	if err := fb.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if g3 := fb.Generation("k"); g3 == g2 || g3 == g1 {
		t.Error("a deletion kept the generation (or brought back an old one)")
	}
	for i := range maxGenerations + 1 {
		fb.Generation(fmt.Sprint("other", i))
	}
	if n := len(fb.gens); n > maxGenerations {
		t.Errorf("%d generations held, want at most %d", n, maxGenerations)
	}

	c := saveNew(t, m, realisticData())
	// Through the backend, a change is seen at once, by every Store over it.
	s := mustLoad(t, other, c)
	s.Data.Name = "changed by another store"
	if err := other.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
		t.Fatal(err)
	}
	if got := mustLoad(t, m, c).Data.Name; got != "changed by another store" {
		t.Errorf("after another store's write: name %q", got)
	}
	// Now held at the current generation: the next page views do not open the file, so even a file
	// removed by hand (not through the store) goes unnoticed until the session changes.
	if err := os.Remove(filepath.Join(fb.Dir(), backendKey(CookieID(c.Value))+fileSuffix)); err != nil {
		t.Fatal(err)
	}
	if s := mustLoad(t, m, c); s.IsNew() {
		t.Fatal("a session held at the current generation was read again")
	}
	if err := fb.Delete(ctx, backendKey(CookieID(c.Value))); err != nil {
		t.Fatal(err)
	}
	if s := mustLoad(t, m, c); !s.IsNew() {
		t.Error("a session deleted through the backend still loads")
	}
}

// Writes by one Store race page views by another over the same file store: once the writes end, the
// next view sees the last one (a reader that took the generation before a write and read the old file
// must not keep it).
func TestFileStoreGenerationsUnderConcurrentWrites(t *testing.T) {
	writer, reader, _ := twoFileManagers(t)
	c := saveNew(t, writer, realisticData())
	for round := range 20 {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range 10 {
				s := mustLoad(t, writer, c)
				s.Data.Name = fmt.Sprintf("round %d write %d", round, i)
				if err := writer.Save(httptest.NewRecorder(), newRequest(c), s); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		for {
			mustLoad(t, reader, c)
			select {
			case <-done:
			default:
				continue
			}
			break
		}
		want := fmt.Sprintf("round %d write 9", round)
		if got := mustLoad(t, reader, c).Data.Name; got != want {
			t.Fatalf("after the writes: %q, want %q", got, want)
		}
	}
}

// sameAs compares every field of Data, deep down: a change to any one of them, even inside a list or
// map, makes the session be saved.
func TestSameAsSeesEveryField(t *testing.T) {
	d := fullData()
	if !d.sameAs(d.clone()) {
		t.Fatal("a session differs from its clone")
	}
	v := reflect.ValueOf(d).Elem()
	for i := range v.NumField() {
		c := d.clone()
		f, name := reflect.ValueOf(c).Elem().Field(i), v.Type().Field(i).Name
		switch {
		case f.Kind() == reflect.String:
			f.SetString(f.String() + "x")
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			f.Index(0).SetString(f.Index(0).String() + "x")
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Uint8:
			f.Index(1).SetUint(f.Index(1).Uint() ^ 1)
		case f.Kind() == reflect.Map:
			k := f.MapKeys()[0]
			e := f.MapIndex(k)
			switch e.Kind() {
			case reflect.String:
				f.SetMapIndex(k, reflect.ValueOf(e.String()+"x"))
			case reflect.Slice: // a draft: one byte inside it changes
				e.Index(1).SetUint(e.Index(1).Uint() ^ 1)
			default:
				t.Fatalf("%s: teach sameAs and this test about maps of %s", name, e.Kind())
			}
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(f.Interface().(time.Time).Add(time.Second)))
		default:
			t.Fatalf("%s is a %s: teach sameAs and this test about it", name, f.Type())
		}
		if reflect.DeepEqual(c, d) {
			t.Fatalf("%s: the change did not change the session", name)
		}
		if c.sameAs(d) || d.sameAs(c) {
			t.Errorf("sameAs misses a change to %s", name)
		}
	}

	// A time at the same instant in another zone is stored differently.
	c := d.clone()
	c.Expiry = d.Expiry.In(time.FixedZone("CET", 3600))
	if c.sameAs(d) {
		t.Error("sameAs misses a time moved to another zone")
	}
	// A nil and an empty list or map are stored alike.
	a, b := &Data{}, &Data{VOs: []string{}, Drafts: map[string]json.RawMessage{}, Reveal: map[string]string{}, UserInfo: json.RawMessage{}}
	if !a.sameAs(b) {
		t.Error("a nil and an empty list or map differ")
	}
}
