package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// wzAddProvider adds a provider of kind on the Storage step and fills it with set (field key →
// value, without the storage_providers[i]. prefix), returning the Storage page after saving.
func wzAddProvider(t *testing.T, h *harness, kind string, set map[string]string) *page {
	t.Helper()
	st := h.get("/services/new/storage")
	wzExpect(t, st, http.StatusOK, "")
	n := st.Doc.Find("[data-testid=provider]").Length()
	p := h.wzSubmit(st, wzForm0, map[string]string{"provider": kind}, "add=provider")
	wzExpect(t, p, http.StatusSeeOther, fmt.Sprintf("/services/new/storage#f-storage_providers-%d-id", n))
	st = h.get("/services/new/storage")
	vals := map[string]string{}
	for k, v := range set {
		vals[fmt.Sprintf("storage_providers[%d].%s", n, k)] = v
	}
	p = h.wzSubmit(st, wzForm0, vals, "nav=stay")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
	return h.get("/services/new/storage")
}

func TestWizardStorageProviders(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	st := h.get("/services/new/storage")
	wzExpect(t, st, http.StatusOK, "")
	var kinds []string
	st.Doc.Find("select[name=provider] option").Each(func(_ int, s *goqueryS) {
		v, _ := s.Attr("value")
		kinds = append(kinds, v)
	})
	if !slices.Equal(kinds, []string{"minio", "s3", "onedata", "webdav", "rucio"}) {
		t.Errorf("provider kinds = %v", kinds)
	}
	if !strings.Contains(st.Body, "minio.default") {
		t.Error("the Storage step does not explain minio.default")
	}
	st = wzAddProvider(t, h, "onedata", map[string]string{"id": "datahub", "oneprovider_host": "https://oneprovider.example.org/", "token": "od-secret-token", "space": "my-space"})
	if strings.Contains(st.Body, "od-secret-token") {
		t.Fatal("the Onedata token was sent back to the browser")
	}
	d := h.wzDraft("new")
	od := d.Service.StorageProviders.Onedata["datahub"]
	if od == nil || od.OneproviderHost != "oneprovider.example.org" || od.Token != "od-secret-token" || od.Space != "my-space" {
		t.Fatalf("onedata provider = %+v (the https:// should be dropped)", od)
	}
	// Saving again with the token input empty keeps the token.
	wzExpect(t, h.wzSubmit(st, wzForm0, nil, "nav=stay"), http.StatusSeeOther, "")
	if got := h.wzDraft("new").Service.StorageProviders.Onedata["datahub"].Token; got != "od-secret-token" {
		t.Errorf("token after an empty post = %q", got)
	}
	if !strings.Contains(h.get("/services/new/storage").Body, "(kept)") {
		t.Error("the page does not say the token is kept")
	}
	// A MinIO provider verifies TLS by default.
	st = wzAddProvider(t, h, "minio", map[string]string{"id": "other", "endpoint": "https://minio.example.org", "access_key": "ak", "secret_key": "sk-secret"})
	if m := h.wzDraft("new").Service.StorageProviders.MinIO["other"]; m == nil || !m.Verify || m.SecretKey != "sk-secret" {
		t.Errorf("minio provider = %+v", m)
	}
	if strings.Contains(st.Body, "sk-secret") {
		t.Error("the MinIO secret key was sent back")
	}
	// Remove the MinIO one.
	p := h.wzSubmit(st, wzForm0, nil, "remove=storage_providers[1]")
	wzExpect(t, p, http.StatusSeeOther, "")
	d = h.wzDraft("new")
	if len(d.Providers) != 1 || d.Service.StorageProviders.MinIO != nil {
		t.Errorf("after removing: providers %+v, minio %+v", d.Providers, d.Service.StorageProviders.MinIO)
	}
	if got := d.Service.StorageProviders.Onedata["datahub"].Token; got != "od-secret-token" {
		t.Errorf("removing another row lost the Onedata token: %q", got)
	}
	// Next is fine now.
	wzExpect(t, h.wzSubmit(h.get("/services/new/storage"), wzForm0, nil, "nav=next"), http.StatusSeeOther, "/services/new/inputs")
}

func TestWizardStorageInvalid(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  string
		set   map[string]string
		field string
		want  string
	}{
		{"no id", "s3", map[string]string{"access_key": "a", "secret_key": "b", "region": "r"}, "id", "Give this Amazon S3 provider an id"},
		{"bad id", "s3", map[string]string{"id": "my aws", "access_key": "a", "secret_key": "b", "region": "r"}, "id", "letters, digits"},
		{"minio default", "minio", map[string]string{"id": "default", "endpoint": "https://m", "access_key": "a", "secret_key": "b"}, "id", "always there"},
		{"http host", "onedata", map[string]string{"id": "dh", "oneprovider_host": "http://op.example.org", "token": "t", "space": "s"}, "oneprovider_host", "without http"},
		{"host with path", "webdav", map[string]string{"id": "dc", "hostname": "dcache.example.org/webdav", "login": "l", "password": "p"}, "hostname", "without a path"},
		{"placeholder host", "rucio", map[string]string{"id": "r", "host": "<rucio-endpoint>", "account": "a", "rse": "x", "refresh_token": "t"}, "host", "not a host name"},
		{"missing token", "onedata", map[string]string{"id": "dh", "oneprovider_host": "op.example.org", "space": "s"}, "token", "is required"},
		{"minio endpoint without scheme", "minio", map[string]string{"id": "m2", "endpoint": "minio.example.org", "access_key": "a", "secret_key": "b"}, "endpoint", "https://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := wzSetup(t, oscartest.Options{})
			st := wzAddProvider(t, h, tc.kind, tc.set)
			p := h.wzSubmit(st, wzForm0, nil, "nav=next")
			wzExpect(t, p, http.StatusUnprocessableEntity, "")
			if msg := wzFieldError(t, p, "storage_providers[0]."+tc.field); !strings.Contains(msg, tc.want) {
				t.Errorf("message = %q, want %q", msg, tc.want)
			}
		})
	}
	t.Run("duplicate id", func(t *testing.T) {
		h, _ := wzSetup(t, oscartest.Options{})
		wzAddProvider(t, h, "s3", map[string]string{"id": "aws", "access_key": "a", "secret_key": "b", "region": "r"})
		st := wzAddProvider(t, h, "s3", map[string]string{"id": "aws", "access_key": "c", "secret_key": "d", "region": "r"})
		p := h.wzSubmit(st, wzForm0, nil, "nav=next")
		wzExpect(t, p, http.StatusUnprocessableEntity, "")
		if msg := wzFieldError(t, p, "storage_providers[1].id"); !strings.Contains(msg, "already a Amazon S3 provider") && !strings.Contains(msg, "already") {
			t.Errorf("message = %q", msg)
		}
	})
}

func wzProviderChoices(p *page, name string) []string {
	var out []string
	p.Doc.Find(`select[name="` + name + `"] option`).Each(func(_ int, s *goqueryS) {
		v, _ := s.Attr("value")
		out = append(out, v)
	})
	return out
}

func TestWizardInputsOfferOnlyInputProviders(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	wzGeneral(t, h, nil)
	wzAddProvider(t, h, "onedata", map[string]string{"id": "dh", "oneprovider_host": "op.example.org", "token": "t", "space": "s"})
	wzAddProvider(t, h, "s3", map[string]string{"id": "aws", "access_key": "a", "secret_key": "b", "region": "eu-west-1"})
	wzAddProvider(t, h, "webdav", map[string]string{"id": "dcache", "hostname": "dcache.example.org", "login": "l", "password": "p"})
	in := h.get("/services/new/inputs")
	if in.Doc.Find("[data-testid=no-io]").Length() != 1 {
		t.Error("no text for a service without inputs")
	}
	wzExpect(t, h.wzSubmit(in, wzForm0, nil, "add=input"), http.StatusSeeOther, "/services/new/inputs#f-input-0-path")
	in = h.get("/services/new/inputs")
	if got := wzProviderChoices(in, "input[0].storage_provider"); !slices.Equal(got, []string{"minio.default", "webdav.dcache"}) {
		t.Errorf("input providers = %v, want minio.default and webdav only", got)
	}
	out := h.get("/services/new/outputs")
	wzExpect(t, h.wzSubmit(out, wzForm0, nil, "add=output"), http.StatusSeeOther, "")
	out = h.get("/services/new/outputs")
	if got := wzProviderChoices(out, "output[0].storage_provider"); !slices.Equal(got, []string{"minio.default", "s3.aws", "onedata.dh", "webdav.dcache"}) {
		t.Errorf("output providers = %v", got)
	}
	// One segment: the page says where it goes.
	p := h.wzSubmit(in, wzForm0, map[string]string{"input[0].path": "in"}, "nav=stay")
	wzExpect(t, p, http.StatusSeeOther, "")
	if !strings.Contains(h.get("/services/new/inputs").Doc.Text(), "grayify/in") {
		t.Error("the one-segment path is not explained as grayify/in")
	}
}

func TestWizardInputsInvalid(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   map[string]string
		field string
		want  string
	}{
		{"empty path", map[string]string{"input[0].path": " / "}, "path", "Enter a path"},
		{"short bucket", map[string]string{"input[0].path": "ab/in"}, "path", "3 to 63"},
		{"upper-case bucket", map[string]string{"input[0].path": "Images/in"}, "path", "lower-case"},
		{"ip bucket", map[string]string{"input[0].path": "192.168.1.1/in"}, "path", "IP address"},
		{"s3 as input", map[string]string{"input[0].storage_provider": "s3.aws"}, "storage_provider", "only be an output"},
		{"onedata as input", map[string]string{"input[0].storage_provider": "onedata.dh"}, "storage_provider", "only be an output"},
		{"undefined provider", map[string]string{"input[0].storage_provider": "minio.nope"}, "storage_provider", "not defined"},
		{"unknown kind", map[string]string{"input[0].storage_provider": "ftp.x"}, "storage_provider", "not a storage provider kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := wzSetup(t, oscartest.Options{})
			wzGeneral(t, h, nil)
			in := h.get("/services/new/inputs")
			h.wzSubmit(in, wzForm0, nil, "add=input")
			in = h.get("/services/new/inputs")
			set := map[string]string{"input[0].path": "grayify-in/images"}
			for k, v := range tc.set {
				set[k] = v
			}
			p := h.wzSubmit(in, wzForm0, set, "nav=next")
			wzExpect(t, p, http.StatusUnprocessableEntity, "")
			if msg := wzFieldError(t, p, "input[0]."+tc.field); !strings.Contains(msg, tc.want) {
				t.Errorf("message = %q, want %q", msg, tc.want)
			}
			if v := wzForm(t, p, wzForm0); v.Get("input[0].path") != strings.TrimSpace(set["input[0].path"]) {
				t.Errorf("path kept as %q", v.Get("input[0].path"))
			}
		})
	}
}

func TestWizardInputsRefuseExistingBucket(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	fake.AddBucket("taken", "cluster_admin", "private")
	wzGeneral(t, h, nil)
	in := h.get("/services/new/inputs")
	h.wzSubmit(in, wzForm0, nil, "add=input")
	p := h.wzSubmit(h.get("/services/new/inputs"), wzForm0, map[string]string{"input[0].path": "taken/in"}, "nav=next")
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if msg := wzFieldError(t, p, "input[0].path"); !strings.Contains(msg, "already exists") {
		t.Errorf("message = %q", msg)
	}
}

func TestWizardOutputsSeveral(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	wzGeneral(t, h, nil)
	out := h.get("/services/new/outputs")
	h.wzSubmit(out, wzForm0, nil, "add=output")
	h.wzSubmit(h.get("/services/new/outputs"), wzForm0, map[string]string{"output[0].path": "grayify/out", "output[0].suffix": "png, jpg"}, "add=output")
	p := h.wzSubmit(h.get("/services/new/outputs"), wzForm0, map[string]string{"output[1].path": "results", "output[1].prefix": "res_"}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/expose")
	o := h.wzDraft("new").Service.Output
	if len(o) != 2 || o[0].Path != "grayify/out" || !slices.Equal(o[0].Suffix, []string{"png", "jpg"}) || !slices.Equal(o[1].Prefix, []string{"res_"}) {
		t.Errorf("outputs = %+v", o)
	}
	p = h.wzSubmit(h.get("/services/new/outputs"), wzForm0, nil, "remove=output[0]")
	wzExpect(t, p, http.StatusSeeOther, "")
	if o := h.wzDraft("new").Service.Output; len(o) != 1 || o[0].Path != "results" {
		t.Errorf("after removing output 1: %+v", o)
	}
}

func TestWizardReviewShowsMaskedDefinitionAndProblems(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	wzGeneral(t, h, nil)
	wzAddProvider(t, h, "onedata", map[string]string{"id": "dh", "oneprovider_host": "op.example.org", "token": "od-secret-token", "space": "s"})
	out := h.get("/services/new/outputs")
	h.wzSubmit(out, wzForm0, nil, "add=output")
	h.wzSubmit(h.get("/services/new/outputs"), wzForm0, map[string]string{"output[0].storage_provider": "onedata.dh", "output[0].path": ""}, "nav=stay")
	rv := h.get("/services/new/review")
	wzExpect(t, rv, http.StatusOK, "")
	if strings.Contains(rv.Body, "od-secret-token") {
		t.Fatal("the review shows the Onedata token")
	}
	yaml, js := rv.text("[data-testid=review-yaml]"), rv.text("[data-testid=review-json]")
	for _, want := range []string{"- oscar-cluster:", "name: grayify", "oneprovider_host: op.example.org", "token: ••••", "storage_provider: onedata.dh"} {
		if !strings.Contains(yaml, want) {
			t.Errorf("review YAML lacks %q:\n%s", want, yaml)
		}
	}
	if !strings.Contains(js, `"token": "••••"`) || !strings.Contains(js, `"name": "grayify"`) {
		t.Errorf("review JSON:\n%s", js)
	}
	// The empty output path is listed, with a link to its step and control.
	link := rv.Doc.Find("[data-testid=review-problems] a").First()
	if href, _ := link.Attr("href"); href != "/services/new/outputs#f-output-0-path" {
		t.Errorf("problem link = %q (%s)", href, link.Text())
	}
	if busy, _ := rv.Doc.Find("[data-testid=create-form]").Attr("data-busy"); !strings.Contains(busy, "Creating") {
		t.Errorf("create form data-busy = %q", busy)
	}
	// Create with a problem left: nothing is sent, the review says why.
	p := h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if p.Doc.Find("[data-testid=review-problems] li").Length() == 0 {
		t.Error("the refused create does not list the problems")
	}
	if !rv.Doc.Find(`.wizard-steps button[value=outputs]`).HasClass("problem") {
		t.Error("the Outputs tab is not flagged")
	}
}

func TestWizardNewRowsAreNotGreetedWithErrors(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	st := h.get("/services/new/storage")
	h.wzSubmit(st, wzForm0, map[string]string{"provider": "webdav"}, "add=provider")
	st = h.get("/services/new/storage")
	if st.Doc.Find("[data-testid=form-errors]").Length() != 0 {
		t.Errorf("a just-added provider shows errors: %s", st.text("[data-testid=form-errors]"))
	}
	p := h.wzSubmit(st, wzForm0, nil, "nav=next")
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if msg := wzFieldError(t, p, "storage_providers[0].id"); msg == "" {
		t.Error("Next does not report the empty provider")
	}
	in := h.get("/services/new/inputs")
	h.wzSubmit(in, wzForm0, nil, "add=input")
	if in = h.get("/services/new/inputs"); in.Doc.Find("[data-testid=form-errors]").Length() != 0 {
		t.Errorf("a just-added input shows errors: %s", in.text("[data-testid=form-errors]"))
	}
	p = h.wzSubmit(in, wzForm0, nil, "nav=next")
	if msg := wzFieldError(t, p, "input[0].path"); !strings.Contains(msg, "Enter a path") {
		t.Errorf("Next on an empty input: %q", msg)
	}
	// Once the step was left with the row still empty, opening it again shows nothing new for
	// the blank row, but the tab says the step needs attention.
	if !h.get("/services/new/inputs").Doc.Find(`.wizard-steps button[value=inputs]`).HasClass("problem") {
		t.Error("the Inputs tab is not flagged")
	}
}
