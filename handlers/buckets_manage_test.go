package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestFolderCreate makes an empty folder (an empty "prefix/" object) in the folder shown.
func TestFolderCreate(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.PutObjectData("data", "a/x.txt", []byte("x"))
	page := e.get("/buckets/data?prefix=a%2F")
	action, _ := page.Doc.Find("form[data-testid=new-folder]").Attr("action")
	p := e.post(action, url.Values{"prefix": {"a/"}, "new_folder": {"results/run 1"}})
	if p.StatusCode != http.StatusSeeOther || p.location() != "/buckets/data?prefix=a%2Fresults%2Frun+1%2F" {
		t.Fatalf("create folder = %d %q\n%s", p.StatusCode, p.location(), p.Body)
	}
	if data, ok := e.fake.Object("data", "a/results/run 1/"); !ok || len(data) != 0 {
		t.Errorf("folder object = %q %v, want an empty a/results/run 1/", data, ok)
	}
	if f := e.get(p.location()); f.Doc.Find("[data-testid=empty]").Length() != 1 || !strings.Contains(f.Body, "Folder a/results/run 1/ created.") {
		t.Error("the new folder is not shown empty, with a message")
	}
	if got := rowNames(e.get("/buckets/data?prefix=a%2F"), "[data-testid=folder-name]"); strings.Join(got, ",") != "results/" {
		t.Errorf("folders of a/ = %v", got)
	}

	for _, bad := range []string{"", "a//b", "..", "x/../y"} {
		e.fake.ResetRequests()
		p := e.post(action, url.Values{"prefix": {"a/"}, "new_folder": {bad}})
		if p.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%q = %d, want 422", bad, p.StatusCode)
			continue
		}
		if v, _ := p.Doc.Find("#f-new_folder").Attr("aria-invalid"); v != "true" || p.text("#f-new_folder-error") == "" {
			t.Errorf("%q: no message next to the field", bad)
		}
		if v, _ := p.Doc.Find("#f-new_folder").Attr("value"); v != bad {
			t.Errorf("%q: input not kept (%q)", bad, v)
		}
		if e.minioCalls() != 0 || len(e.requests(http.MethodPost, "/system/buckets/data/presign")) != 0 {
			t.Errorf("%q: invalid input reached storage", bad)
		}
	}
}

// TestObjectMove renames an object from its Move link, keeping it when the new name is taken.
func TestObjectMove(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.PutObjectData("data", "a/x.txt", []byte("x"))
	e.fake.PutObjectData("data", "b/taken.txt", []byte("taken"))
	page := e.get("/buckets/data?prefix=a%2F")
	link, ok := page.Doc.Find("[aria-label='Move or rename x.txt']").Attr("href")
	if !ok {
		t.Fatal("no Move link")
	}
	form := e.get(link)
	if v, _ := form.Doc.Find("#f-to").Attr("value"); form.StatusCode != http.StatusOK || v != "a/x.txt" {
		t.Fatalf("move form = %d, to = %q", form.StatusCode, v)
	}
	action, _ := form.Doc.Find("form[data-testid=move-form]").Attr("action")

	p := e.post(action, url.Values{"key": {"a/x.txt"}, "to": {"b/taken.txt"}})
	if p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.text("#f-to-error"), "already exists") {
		t.Errorf("taken name = %d %q", p.StatusCode, p.text("#f-to-error"))
	}
	if got, _ := e.fake.Object("data", "b/taken.txt"); string(got) != "taken" {
		t.Error("an existing object was overwritten")
	}
	p = e.post(action, url.Values{"key": {"a/x.txt"}, "to": {"b/"}})
	if v, _ := p.Doc.Find("#f-to").Attr("value"); p.StatusCode != http.StatusUnprocessableEntity || v != "b/" {
		t.Errorf("folder-only name = %d, kept %q", p.StatusCode, v)
	}

	p = e.post(action, url.Values{"key": {"a/x.txt"}, "to": {"b/y.txt"}})
	if p.StatusCode != http.StatusSeeOther || p.location() != "/buckets/data?prefix=b%2F" {
		t.Fatalf("move = %d %q\n%s", p.StatusCode, p.location(), p.text("main"))
	}
	if got, ok := e.fake.Object("data", "b/y.txt"); !ok || string(got) != "x" {
		t.Error("not moved")
	}
	if _, ok := e.fake.Object("data", "a/x.txt"); ok {
		t.Error("the original is still there")
	}
	e.noSecrets(t, "move", p, oscartest.MinIORootSecretKey, oscartest.MinIORootAccessKey)

	// A user who may not write in another user's public bucket is told so on the form.
	u := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}}, nil)
	u.fake.AddBucket("shared", "bob@egi.eu", "public")
	u.fake.PutObjectData("shared", "x.txt", []byte("x"))
	u.signInOIDC("alice@egi.eu", "tok-alice")
	p = u.post("/buckets/shared/move", url.Values{"key": {"x.txt"}, "to": {"y.txt"}})
	if p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.text("[data-testid=form-problem]"), "may not move") {
		t.Errorf("refused move = %d %q", p.StatusCode, p.text("[data-testid=form-problem]"))
	}
}

// TestBucketVisibility changes a bucket's visibility from its page (PUT /system/buckets).
func TestBucketVisibility(t *testing.T) {
	e := newOpEnv(t, oscartest.Options{}, nil)
	e.fake.AddBucket("data", "cluster_admin", "private")
	page := e.get("/buckets/data")
	if v, _ := page.Doc.Find("[data-testid=visibility] option[selected]").Attr("value"); v != "private" {
		t.Errorf("shown visibility = %q", v)
	}
	action, _ := page.Doc.Find("[data-testid=visibility] form").Attr("action")

	p := e.post(action, url.Values{"visibility": {"restricted"}, "allowed_users": {""}})
	if p.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("restricted without users = %d", p.StatusCode)
	}
	if v, _ := p.Doc.Find("#f-allowed_users").Attr("aria-invalid"); v != "true" || len(e.requests(http.MethodPut, "/system/buckets")) != 0 {
		t.Error("no message next to the users, or OSCAR was asked")
	}
	if v, _ := p.Doc.Find("#f-visibility option[selected]").Attr("value"); v != "restricted" {
		t.Errorf("choice not kept: %q", v)
	}

	p = e.post(action, url.Values{"visibility": {"restricted"}, "allowed_users": {"a@egi.eu\nb@egi.eu"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("change = %d\n%s", p.StatusCode, p.text("main"))
	}
	reqs := e.requests(http.MethodPut, "/system/buckets")
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), `"allowed_users":["a@egi.eu","b@egi.eu"]`) || !strings.Contains(string(reqs[0].Body), `"visibility":"restricted"`) {
		t.Errorf("PUT /system/buckets = %+v", reqs)
	}
	page = e.get("/buckets/data")
	if v, _ := page.Doc.Find("[data-testid=visibility] option[selected]").Attr("value"); v != "restricted" || page.Doc.Find("#f-allowed_users").Text() != "a@egi.eu\nb@egi.eu" {
		t.Errorf("after the change: %q %q", v, page.Doc.Find("#f-allowed_users").Text())
	}

	// Another user's bucket: OSCAR refuses, and says so next to the form.
	u := newOpEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.example.eu"}}, nil)
	u.fake.AddBucket("shared", "bob@egi.eu", "public")
	u.signInOIDC("alice@egi.eu", "tok-alice")
	p = u.post("/buckets/shared/visibility", url.Values{"visibility": {"private"}})
	if p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.text("[data-testid=form-problem]"), "owner") {
		t.Errorf("not the owner = %d %q", p.StatusCode, p.text("[data-testid=form-problem]"))
	}
}
