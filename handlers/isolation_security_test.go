package handlers

// Cross-user isolation (issue 11): one user's session never reads another's draft, endpoint or
// token, also when both use the same OSCAR endpoint and their requests interleave.

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// browser returns another browser (its own cookie jar) on the same console.
func (h *harness) browser() *harness {
	return &harness{t: h.t, pages: h.pages, server: h.server, logs: h.logs, client: &http.Client{
		Jar:           newJar(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// isoTokens accepts "tok-<user>" as the bearer token of <user>@egi.eu.
func isoTokens(tok string) (string, []string, bool) {
	u, ok := strings.CutPrefix(tok, "tok-")
	if !ok || u == "" {
		return "", nil, false
	}
	return u + "@egi.eu", []string{"vo.example.eu"}, true
}

func TestIsolation_SessionsNeverShareDraftEndpointOrToken(t *testing.T) {
	fake := oscartest.NewT(t, oscartest.Options{Tokens: isoTokens, OIDCGroups: []string{"vo.example.eu"}})
	other := oscartest.NewT(t, oscartest.Options{Tokens: isoTokens, OIDCGroups: []string{"vo.example.eu"}})
	alice := newHarness(t, nil)
	bob := alice.browser()
	ep := fake.URL()
	const (
		aliceTok = "tok-alice-0123456789abcdef"
		bobTok   = "tok-bob-fedcba9876543210"
	)
	alice.signIn(session.Data{Kind: session.KindOIDC, Provider: "egi", Subject: "alice@egi.eu", Name: "Alice Example", VOs: []string{"vo.example.eu"},
		AccessToken: aliceTok, RefreshToken: "rt-alice-secret", IDToken: "idt-alice", Endpoint: ep, RecentEndpoints: []string{other.URL(), ep}})
	bob.signIn(session.Data{Kind: session.KindOIDC, Provider: "egi", Subject: "bob@egi.eu", Name: "Bob Example", VOs: []string{"vo.example.eu"},
		AccessToken: bobTok, RefreshToken: "rt-bob-secret", IDToken: "idt-bob", Endpoint: ep, RecentEndpoints: []string{ep}})
	if alice.cookie() == bob.cookie() || alice.cookie() == "" {
		t.Fatal("the two browsers share a session cookie")
	}

	// Alice starts a draft; Bob starts his own.
	wzExpect(t, wzGeneral(t, alice, map[string]string{"name": "alice-private-draft"}), http.StatusSeeOther, "/services/new/storage")
	wzExpect(t, wzGeneral(t, bob, map[string]string{"name": "bob-draft"}), http.StatusSeeOther, "/services/new/storage")

	secrets := map[*harness][]string{
		alice: {aliceTok, "rt-alice-secret", "idt-alice", "alice-private-draft", other.URL(), "Alice Example"},
		bob:   {bobTok, "rt-bob-secret", "idt-bob", "bob-draft", "Bob Example"},
	}
	otherOf := map[*harness]*harness{alice: bob, bob: alice}
	name := map[*harness]string{alice: "alice", bob: "bob"}
	paths := []string{"/services", "/services/new/general", "/services/new/review", "/token", "/endpoint", "/buckets", "/cluster"}

	// Interleave both users' requests on the same endpoint.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for _, h := range []*harness{alice, bob} {
		for round := range 5 {
			for _, path := range paths {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest(http.MethodGet, h.server.URL+path, nil)
					resp, err := h.client.Do(req)
					if err != nil {
						mu.Lock()
						failures = append(failures, err.Error())
						mu.Unlock()
						return
					}
					body := readAll(resp)
					mu.Lock()
					defer mu.Unlock()
					if resp.StatusCode == http.StatusTooManyRequests {
						return // the per-session bound; not what this test is about
					}
					for _, s := range secrets[otherOf[h]] {
						if strings.Contains(body, s) {
							failures = append(failures, name[h]+" round "+string(rune('0'+round))+" "+path+" shows "+name[otherOf[h]]+"'s "+s)
						}
					}
				}()
			}
		}
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}

	// Each user's own page shows their own data.
	if p := alice.get("/services/new/general"); !strings.Contains(p.Body, "alice-private-draft") {
		t.Error("Alice's draft is not on her wizard page")
	}
	if p := bob.get("/services/new/general"); !strings.Contains(p.Body, "bob-draft") {
		t.Error("Bob's draft is not on his wizard page")
	}
	if d := bob.sessionData(); d.Drafts["new"] == nil || strings.Contains(string(d.Drafts["new"]), "alice") ||
		d.AccessToken != bobTok || d.Subject != "bob@egi.eu" || len(d.RecentEndpoints) != 1 {
		t.Errorf("Bob's stored session holds someone else's data: %v", d)
	}

	// OSCAR got each user's calls with that user's token only, though both use one endpoint.
	seen := map[string]bool{}
	for _, r := range fake.Requests() {
		if r.Auth == "bearer" {
			seen[r.Token] = true
		}
		if r.Auth == "bearer" && r.Token != aliceTok && r.Token != bobTok {
			t.Errorf("OSCAR got an unknown token on %s %s", r.Method, r.Path)
		}
	}
	if !seen[aliceTok] || !seen[bobTok] {
		t.Errorf("tokens seen by OSCAR: alice %v bob %v, want both", seen[aliceTok], seen[bobTok])
	}
	for _, r := range other.Requests() {
		if r.Token == bobTok {
			t.Errorf("Bob's token went to Alice's other endpoint: %s %s", r.Method, r.Path)
		}
	}

	// Bob cannot switch to Alice's session by presenting anything but her session ID: a cookie
	// value he makes up, one whose ID differs from hers in one character, or hers with anything
	// added, is a fresh anonymous visit. (The version tag after the ID is not a credential.)
	ac := alice.cookie()
	repl := "A"
	if ac[0] == 'A' {
		repl = "B"
	}
	forged := repl + ac[1:]
	for _, c := range []string{forged, strings.Repeat("A", len(ac)), "../" + ac, ac + "x", ac + ".x", session.CookieID(ac) + "..", session.CookieID(ac) + "x"} {
		if resp := bob.getWithCookie("/token", c); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("cookie %q: status %d, want the sign-in redirect", c, resp.StatusCode)
		}
	}
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestIsolation_BasicAndOIDCOnOneEndpoint: an OSCAR admin (basic auth) and an EGI user on the same
// endpoint: the admin's password never reaches the EGI user's pages or requests, and the EGI
// user's calls never carry Basic auth.
func TestIsolation_BasicAndOIDCOnOneEndpoint(t *testing.T) {
	fake := oscartest.NewT(t, oscartest.Options{Tokens: isoTokens, OIDCGroups: []string{"vo.example.eu"}})
	admin := newHarness(t, nil)
	user := admin.browser()
	admin.signInBasic(fake.URL(), oscartest.DefaultBasicUser, oscartest.DefaultBasicPassword)
	user.signIn(session.Data{Kind: session.KindOIDC, Provider: "egi", Subject: "carol@egi.eu", Name: "Carol",
		AccessToken: "tok-carol", Endpoint: fake.URL(), RecentEndpoints: []string{fake.URL()}})
	admin.get("/services")
	fake.ResetRequests()
	for _, path := range []string{"/services", "/token", "/buckets", "/cluster"} {
		p := user.get(path)
		if strings.Contains(p.Body, oscartest.DefaultBasicPassword) {
			t.Errorf("%s: the admin password is on the EGI user's page", path)
		}
	}
	for _, r := range fake.Requests() {
		if r.Auth != "bearer" || r.Token != "tok-carol" {
			t.Errorf("the EGI user's request %s %s went with %s auth", r.Method, r.Path, r.Auth)
		}
	}
}
