package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

const wzForm0 = "#wizard-form"

// wzGeneral fills the General step with a valid service (plus set) and presses Next.
func wzGeneral(t *testing.T, h *harness, set map[string]string) *page {
	t.Helper()
	g := h.get("/services/new/general")
	wzExpect(t, g, http.StatusOK, "")
	vals := map[string]string{"name": "grayify", "image": "ghcr.io/grycap/imagemagick", "script": "#!/bin/sh\necho hi\n"}
	for k, v := range set {
		vals[k] = v
	}
	return h.wzSubmit(g, wzForm0, vals, "nav=next")
}

func TestWizardStartsOnGeneral(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	wzExpect(t, h.get("/services/new"), http.StatusSeeOther, "/services/new/general")
	wzExpect(t, h.get("/services/new/nosuchstep"), http.StatusNotFound, "")
}

func TestWizardGeneralShowsDefaultsAndLabels(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	p := h.get("/services/new/general")
	wzExpect(t, p, http.StatusOK, "")
	v := wzForm(t, p, wzForm0)
	if v.Get("cpu") != "0.2" || v.Get("memory") != "256Mi" || v.Get("log_level") != "INFO" || v.Get("visibility") != "private" {
		t.Errorf("defaults = cpu %q memory %q log %q visibility %q", v.Get("cpu"), v.Get("memory"), v.Get("log_level"), v.Get("visibility"))
	}
	if enc, _ := p.Doc.Find(wzForm0).Attr("enctype"); enc != "multipart/form-data" {
		t.Errorf("General form enctype = %q, want multipart (script upload)", enc)
	}
	if p.Doc.Find(`input[type=file][name=script]`).Length() != 1 {
		t.Error("no script upload control")
	}
	// Every control has a visible label.
	p.Doc.Find(wzForm0 + " input, " + wzForm0 + " select, " + wzForm0 + " textarea").Each(func(_ int, s *goqueryS) {
		typ, _ := s.Attr("type")
		if typ == "hidden" || typ == "submit" {
			return
		}
		id, _ := s.Attr("id")
		if id == "" || p.Doc.Find(`label[for="`+id+`"]`).Length() == 0 {
			name, _ := s.Attr("name")
			t.Errorf("control %q (id %q) has no label", name, id)
		}
	})
	// Tabs: every step, the current one marked.
	var tabs []string
	p.Doc.Find(".wizard-steps button").Each(func(_ int, s *goqueryS) {
		val, _ := s.Attr("value")
		tabs = append(tabs, val)
	})
	if !slices.Equal(tabs, wizard.Steps()) {
		t.Errorf("tabs = %v", tabs)
	}
	if cur, _ := p.Doc.Find(`.wizard-steps [aria-current="step"]`).Attr("value"); cur != "general" {
		t.Errorf("current tab = %q", cur)
	}
	// Enter in a text field submits the hidden default button: Next, not the first tab.
	if first, _ := p.Doc.Find(wzForm0 + " button[type=submit]").First().Attr("value"); first != "next" {
		t.Errorf("the form's default button is %q, want next", first)
	}
}

func TestWizardGeneralValidGoesToStorage(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	p := wzGeneral(t, h, map[string]string{"cpu": "500m", "memory": "1Gi", "log_level": "DEBUG",
		"environment.variables[0].key": "-", "visibility": "restricted", "allowed_users": "a@egi.eu\nb@egi.eu"})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
	d := h.wzDraft("new")
	s := d.Service
	if s.Name != "grayify" || s.Image != "ghcr.io/grycap/imagemagick" || s.CPU != "500m" || s.Memory != "1Gi" || s.LogLevel != "DEBUG" {
		t.Errorf("draft = %+v", s)
	}
	if s.Script != "#!/bin/sh\necho hi\n" {
		t.Errorf("script = %q", s.Script)
	}
	if !slices.Equal(s.AllowedUsers, []string{"a@egi.eu", "b@egi.eu"}) || s.Visibility != "restricted" {
		t.Errorf("visibility %q users %v", s.Visibility, s.AllowedUsers)
	}
}

func TestWizardGeneralScriptUploadAndCRLF(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	g := h.get("/services/new/general")
	p := h.wzSubmit(g, wzForm0, map[string]string{"name": "up", "image": "img", "script": "echo typed\r\n"}, "nav=stay")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/general")
	if got := h.wzDraft("new").Service.Script; got != "echo typed\n" {
		t.Errorf("textarea script = %q, want LF line ends", got)
	}
	g = h.get("/services/new/general")
	p = h.wzSubmit(g, wzForm0, nil, "nav=stay", wzFile{"script", "run.sh", "#!/bin/bash\r\necho uploaded\r\n"})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/general")
	if got := h.wzDraft("new").Service.Script; got != "#!/bin/bash\necho uploaded\n" {
		t.Errorf("uploaded script = %q", got)
	}
	g = h.get("/services/new/general")
	p = h.wzSubmit(g, wzForm0, nil, "nav=next", wzFile{"script", "bin.sh", "\x00\x01binary"})
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if msg := wzFieldError(t, p, "script"); !strings.Contains(msg, "not a text file") {
		t.Errorf("binary upload message = %q", msg)
	}
	if got := h.wzDraft("new").Service.Script; got != "#!/bin/bash\necho uploaded\n" {
		t.Errorf("a refused upload changed the script to %q", got)
	}
}

func TestWizardGeneralInvalidFields(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   map[string]string
		field string
		want  string
	}{
		{"empty name", map[string]string{"name": ""}, "name", "Enter a name"},
		{"upper-case name", map[string]string{"name": "Grayify"}, "name", "lower-case"},
		{"long name", map[string]string{"name": strings.Repeat("a", 40)}, "name", "at most 39"},
		{"name with underscore", map[string]string{"name": "gray_ify"}, "name", "lower-case"},
		{"no image", map[string]string{"image": ""}, "image", "container image"},
		{"image with space", map[string]string{"image": "a b"}, "image", "no spaces"},
		{"bad cpu", map[string]string{"cpu": "two"}, "cpu", "number of cores"},
		{"zero cpu", map[string]string{"cpu": "0"}, "cpu", "more than 0"},
		{"sub-millicore cpu", map[string]string{"cpu": "0.0001"}, "cpu", "millicore"},
		{"bare memory", map[string]string{"memory": "256"}, "memory", "did you mean 256Mi"},
		{"bad memory", map[string]string{"memory": "1 GB"}, "memory", "with a unit"},
		{"bad log level", map[string]string{"log_level": "LOUD"}, "log_level", "Choose one of"},
		{"no script", map[string]string{"script": "  \n"}, "script", "Enter the script"},
		{"restricted without users", map[string]string{"visibility": "restricted", "allowed_users": ""}, "allowed_users", "at least one user"},
		{"bad visibility", map[string]string{"visibility": "secret"}, "visibility", "private, public or restricted"},
		{"bad pull secret", map[string]string{"image_pull_secrets": "My_Secret"}, "image_pull_secrets", "Kubernetes secret name"},
		{"variable without name", map[string]string{"environment.variables[0].key": "", "environment.variables[0].value": "x"}, "environment.variables[0].key", "Give this variable a name"},
		{"bad variable name", map[string]string{"environment.variables[0].key": "1X", "environment.variables[0].value": "x"}, "environment.variables[0].key", "not a valid"},
		{"duplicate variable", map[string]string{"environment.variables[0].key": "A", "environment.variables[1].key": "A"}, "environment.variables[1].key", "given twice"},
		{"secret without value", map[string]string{"environment.secrets[0].key": "TOKEN"}, "environment.secrets[0].value", "Enter the value"},
		{"bad label value", map[string]string{"labels[0].key": "team", "labels[0].value": "a b"}, "labels[0].value", "at most 63"},
		{"bad annotation key", map[string]string{"annotations[0].key": "a b", "annotations[0].value": "x"}, "annotations[0].key", "not a valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := wzSetup(t, oscartest.Options{})
			p := wzGeneral(t, h, tc.set)
			wzExpect(t, p, http.StatusUnprocessableEntity, "")
			if msg := wzFieldError(t, p, tc.field); !strings.Contains(msg, tc.want) {
				t.Errorf("message at %s = %q, want it to contain %q", tc.field, msg, tc.want)
			}
			linked := false
			p.Doc.Find("[data-testid=form-errors] a").Each(func(_ int, s *goqueryS) {
				href, _ := s.Attr("href")
				linked = linked || href == "#"+wzFieldID(tc.field)
			})
			if !linked {
				t.Errorf("the error summary does not link to %s", tc.field)
			}
			// Values are kept, in the page and in the draft.
			v := wzForm(t, p, wzForm0)
			for k, want := range tc.set {
				if strings.HasPrefix(k, "environment.secrets") && strings.HasSuffix(k, ".value") {
					continue
				}
				if got := v.Get(k); got != want && !(k == "script" && strings.TrimSpace(got) == strings.TrimSpace(want)) {
					t.Errorf("form value %s = %q, want %q (kept)", k, got, want)
				}
			}
		})
	}
}

func TestWizardGeneralNameInUse(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	if err := fake.PutService(`{"name":"grayify","image":"img","script":"echo","owner":"cluster_admin"}`); err != nil {
		t.Fatal(err)
	}
	p := wzGeneral(t, h, nil)
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if msg := wzFieldError(t, p, "name"); !strings.Contains(msg, "already exists") {
		t.Errorf("name message = %q", msg)
	}
}

func TestWizardNavigationKeepsValues(t *testing.T) {
	for _, button := range []string{"nav=stay", "nav=storage", "nav=review", "nav=back"} {
		t.Run(button, func(t *testing.T) {
			h, _ := wzSetup(t, oscartest.Options{})
			g := h.get("/services/new/general")
			// Half-filled and invalid: moving away neither validates nor loses anything.
			p := h.wzSubmit(g, wzForm0, map[string]string{"name": "Bad Name", "image": "img:1", "memory": "2Gi",
				"environment.variables[0].key": "-"}, button)
			if p.StatusCode != http.StatusSeeOther {
				t.Fatalf("status = %d, want 303", p.StatusCode)
			}
			back := h.get("/services/new/general")
			v := wzForm(t, back, wzForm0)
			if v.Get("name") != "Bad Name" || v.Get("image") != "img:1" || v.Get("memory") != "2Gi" {
				t.Errorf("after %s the form holds name %q image %q memory %q", button, v.Get("name"), v.Get("image"), v.Get("memory"))
			}
			// The step was saved, so its problems now show on the page and on its tab.
			if wzFieldError(t, back, "name") == "" {
				t.Error("a visited step does not show its problems")
			}
			if !back.Doc.Find(`.wizard-steps button[value=general]`).HasClass("problem") {
				t.Error("the General tab is not marked as having a problem")
			}
		})
	}
}

func TestWizardRowsAddRemove(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	g := h.get("/services/new/general")
	p := h.wzSubmit(g, wzForm0, map[string]string{"name": "rows"}, "add=environment.variables")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/general#f-environment-variables-0-key")
	g = h.get("/services/new/general")
	p = h.wzSubmit(g, wzForm0, map[string]string{"environment.variables[0].key": "A", "environment.variables[0].value": "1"}, "add=environment.variables")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/general#f-environment-variables-1-key")
	g = h.get("/services/new/general")
	p = h.wzSubmit(g, wzForm0, map[string]string{"environment.variables[1].key": "B", "environment.variables[1].value": "2"}, "add=labels")
	wzExpect(t, p, http.StatusSeeOther, "")
	d := h.wzDraft("new")
	if d.Service.Environment == nil || d.Service.Environment.Variables["A"] != "1" || d.Service.Environment.Variables["B"] != "2" || len(d.Labels) != 1 {
		t.Fatalf("draft after adds: env %+v labels %+v", d.Service.Environment, d.Labels)
	}
	if d.Service.Name != "rows" {
		t.Errorf("add lost the name: %q", d.Service.Name)
	}
	g = h.get("/services/new/general")
	p = h.wzSubmit(g, wzForm0, nil, "remove=environment.variables[0]")
	wzExpect(t, p, http.StatusSeeOther, "")
	d = h.wzDraft("new")
	if len(d.Variables) != 1 || d.Variables[0].Key != "B" {
		t.Errorf("after removing row 0: %+v", d.Variables)
	}
}

func TestWizardSecretsNeverGoBackToTheBrowser(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	g := h.get("/services/new/general")
	p := h.wzSubmit(g, wzForm0, nil, "add=environment.secrets")
	wzExpect(t, p, http.StatusSeeOther, "")
	g = h.get("/services/new/general")
	p = h.wzSubmit(g, wzForm0, map[string]string{"environment.secrets[0].key": "API_KEY", "environment.secrets[0].value": "s3cr3t-value"}, "nav=stay")
	wzExpect(t, p, http.StatusSeeOther, "")
	g = h.get("/services/new/general")
	if strings.Contains(g.Body, "s3cr3t-value") {
		t.Fatal("the secret value was sent back to the browser")
	}
	if !strings.Contains(g.Body, "(kept)") {
		t.Error("the page does not say the secret is kept")
	}
	// Posting the form again (value empty) keeps the stored secret.
	p = h.wzSubmit(g, wzForm0, nil, "nav=stay")
	wzExpect(t, p, http.StatusSeeOther, "")
	if got := h.wzDraft("new").Service.Environment.Secrets["API_KEY"]; got != "s3cr3t-value" {
		t.Errorf("secret after an empty post = %q", got)
	}
	// Typing a new value replaces it.
	g = h.get("/services/new/general")
	h.wzSubmit(g, wzForm0, map[string]string{"environment.secrets[0].value": "new-value"}, "nav=stay")
	if got := h.wzDraft("new").Service.Environment.Secrets["API_KEY"]; got != "new-value" {
		t.Errorf("secret after typing = %q", got)
	}
	if strings.Contains(h.logs.String(), "new-value") || strings.Contains(h.logs.String(), "s3cr3t-value") {
		t.Error("a secret reached the logs")
	}
}

func TestWizardVOChoicesForOIDCUser(t *testing.T) {
	fake := oscartest.NewT(t, oscartest.Options{
		OIDCGroups: []string{"vo.a.eu", "vo.b.eu", "vo.c.eu"},
		Tokens: func(tok string) (string, []string, bool) {
			return "alice@egi.eu", []string{"vo.a.eu", "vo.c.eu", "vo.other.eu"}, tok == "tok-alice"
		},
	})
	h := newHarness(t, nil)
	h.signIn(session.Data{Kind: session.KindOIDC, AccessToken: "tok-alice", Subject: "alice@egi.eu", VOs: []string{"vo.a.eu", "vo.c.eu", "vo.other.eu"}, Endpoint: fake.URL()})
	p := h.get("/services/new/general")
	wzExpect(t, p, http.StatusOK, "")
	var vos []string
	p.Doc.Find(`select[name=vo] option`).Each(func(_ int, s *goqueryS) {
		v, _ := s.Attr("value")
		vos = append(vos, v)
	})
	if !slices.Equal(vos, []string{"", "vo.a.eu", "vo.c.eu"}) {
		t.Errorf("VO choices = %q, want the user's VOs the cluster accepts", vos)
	}
	p = wzGeneral(t, h, map[string]string{"vo": "vo.b.eu"})
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if msg := wzFieldError(t, p, "vo"); !strings.Contains(msg, "not a member of vo.b.eu") {
		t.Errorf("vo message = %q", msg)
	}
	if p.Doc.Find(`[name=enable_gpu]`).Length() != 0 {
		t.Error("GPU is offered on a cluster without GPU")
	}
}

func TestWizardSignInAgainKeepsTheDraft(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	wzExpect(t, wzGeneral(t, h, nil), http.StatusSeeOther, "/services/new/storage")
	saved := h.sessionData()
	// The session's sign-in is gone (token expired, signed out elsewhere): every step sends the
	// user to the login page with the step to come back to.
	h.signIn(session.Data{Drafts: saved.Drafts})
	wzExpect(t, h.get("/services/new/inputs"), http.StatusSeeOther, "/login?next="+url.QueryEscape("/services/new/inputs"))
	wzExpect(t, h.post("/services/new/storage", url.Values{"nav": {"next"}}), http.StatusSeeOther, "/login?next="+url.QueryEscape("/services/new/storage"))
	// Signed in again in the same session: the draft is where it was.
	h.signIn(session.Data{Kind: session.KindBasic, BasicUser: "oscar", BasicPassword: "oscar123", Endpoint: fake.URL(), Drafts: saved.Drafts})
	v := wzForm(t, h.get("/services/new/general"), wzForm0)
	if v.Get("name") != "grayify" || v.Get("image") != "ghcr.io/grycap/imagemagick" {
		t.Errorf("after signing in again the draft holds name %q image %q", v.Get("name"), v.Get("image"))
	}
}

func TestWizardDiscard(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	wzGeneral(t, h, nil)
	c := h.get("/services/new/discard")
	wzExpect(t, c, http.StatusOK, "")
	if h.wzDraft("new") == nil {
		t.Fatal("the confirmation page discarded the draft")
	}
	p := h.wzSubmit(c, "[data-testid=discard-page] form", nil, "")
	wzExpect(t, p, http.StatusSeeOther, "/services")
	if h.wzDraft("new") != nil {
		t.Error("the draft is still there")
	}
}

func wzFieldID(name string) string {
	return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(name)
}

// TestWizardBasicAuthClusterWithGPUAndVOs: the cluster's OSCAR account may choose any of the
// cluster's VOs, and a cluster with a GPU offers it. /system/config is answered by hand here
// (the fake has no GPU setting); images outside the allowed repositories are refused.
func TestWizardBasicAuthClusterWithGPUAndVOs(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/system/config" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"config":{"name":"oscar","namespace":"oscar","services_namespace":"oscar-svc","gpu_available":true,
			"interLink_available":false,"yunikorn_enable":false,"kueue_enable":true,"volume_enable":true,"oidc_groups":["vo.x.eu","vo.y.eu"],
			"minio_quota_enabled":false},"minio_provider":{"endpoint":"http://minio","verify":true,"access_key":"a","secret_key":"b","region":"us-east-1"},
			"allowed_image_repositories":["ghcr.io/grycap/"]}`))
		return true
	}})
	g := h.get("/services/new/general")
	wzExpect(t, g, http.StatusOK, "")
	var vos []string
	g.Doc.Find(`select[name=vo] option`).Each(func(_ int, s *goqueryS) {
		v, _ := s.Attr("value")
		vos = append(vos, v)
	})
	if !slices.Equal(vos, []string{"", "vo.x.eu", "vo.y.eu"}) {
		t.Errorf("VO choices = %q", vos)
	}
	if g.Doc.Find(`input[type=checkbox][name=enable_gpu]`).Length() != 1 {
		t.Fatal("no GPU checkbox on a cluster with a GPU")
	}
	p := wzGeneral(t, h, map[string]string{"image": "docker.io/library/alpine"})
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if msg := wzFieldError(t, p, "image"); !strings.Contains(msg, "ghcr.io/grycap/") {
		t.Errorf("image message = %q", msg)
	}
	p = wzGeneral(t, h, map[string]string{"vo": "vo.y.eu", "enable_gpu": "true", "alpine": "true"})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
	if s := h.wzDraft("new").Service; s.VO != "vo.y.eu" || !s.EnableGPU || !s.Alpine {
		t.Errorf("vo %q gpu %v alpine %v", s.VO, s.EnableGPU, s.Alpine)
	}
}
