package handlers

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

// wzBuildDataHubService goes through every step with the forms alone (no JavaScript): a service
// with a MinIO input, a Onedata output (EGI DataHub) and an S3 output. It ends on the Review page.
func wzBuildDataHubService(t *testing.T, h *harness) *page {
	t.Helper()
	// General.
	g := h.get("/services/new/general")
	p := h.wzSubmit(g, wzForm0, map[string]string{"name": "grayify-datahub", "image": "ghcr.io/grycap/imagemagick", "cpu": "1.0", "memory": "1Gi"},
		"add=environment.variables", wzFile{"script", "script.sh", "#!/bin/bash\r\nconvert \"$INPUT_FILE_PATH\" -type Grayscale \"$TMP_OUTPUT_DIR/out.png\"\r\n"})
	wzExpect(t, p, http.StatusSeeOther, "")
	p = h.wzSubmit(h.get("/services/new/general"), wzForm0, map[string]string{"environment.variables[0].key": "OUTPUT_FORMAT", "environment.variables[0].value": "png"}, "add=environment.secrets")
	wzExpect(t, p, http.StatusSeeOther, "")
	p = h.wzSubmit(h.get("/services/new/general"), wzForm0, map[string]string{"environment.secrets[0].key": "API_KEY", "environment.secrets[0].value": "api-secret-value"}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
	// Storage: Onedata and S3.
	st := h.get(p.location())
	wzExpect(t, h.wzSubmit(st, wzForm0, map[string]string{"provider": "onedata"}, "add=provider"), http.StatusSeeOther, "")
	st = h.get("/services/new/storage")
	wzExpect(t, h.wzSubmit(st, wzForm0, map[string]string{
		"storage_providers[0].id": "egi_datahub", "storage_providers[0].oneprovider_host": "oneprovider.example.org",
		"storage_providers[0].token": "onedata-access-token", "storage_providers[0].space": "my-space",
		"provider": "s3",
	}, "add=provider"), http.StatusSeeOther, "")
	st = h.get("/services/new/storage")
	p = h.wzSubmit(st, wzForm0, map[string]string{
		"storage_providers[1].id": "aws", "storage_providers[1].access_key": "AKIAEXAMPLE",
		"storage_providers[1].secret_key": "aws-secret-key", "storage_providers[1].region": "eu-west-1",
	}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/inputs")
	// Inputs: the cluster's MinIO.
	in := h.get(p.location())
	wzExpect(t, h.wzSubmit(in, wzForm0, nil, "add=input"), http.StatusSeeOther, "")
	p = h.wzSubmit(h.get("/services/new/inputs"), wzForm0, map[string]string{"input[0].path": "grayify-datahub/input", "input[0].suffix": "jpg, png"}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/outputs")
	// Outputs: Onedata and S3.
	out := h.get(p.location())
	wzExpect(t, h.wzSubmit(out, wzForm0, nil, "add=output"), http.StatusSeeOther, "")
	wzExpect(t, h.wzSubmit(h.get("/services/new/outputs"), wzForm0, map[string]string{
		"output[0].storage_provider": "onedata.egi_datahub", "output[0].path": "oscar-results/grayify", "output[0].suffix": "png",
	}, "add=output"), http.StatusSeeOther, "")
	p = h.wzSubmit(h.get("/services/new/outputs"), wzForm0, map[string]string{
		"output[1].storage_provider": "s3.aws", "output[1].path": "my-results-bucket/grayify",
	}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/expose")
	// Expose: not exposed.
	p = h.wzSubmit(h.get(p.location()), wzForm0, nil, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/review")
	rv := h.get(p.location())
	wzExpect(t, rv, http.StatusOK, "")
	if rv.Doc.Find("[data-testid=review-problems]").Length() != 0 {
		t.Fatalf("review lists problems: %s", rv.text("[data-testid=review-problems]"))
	}
	return rv
}

// TestWizardEndToEndWithoutJavaScript builds a service through the forms only and checks the JSON
// the fake OSCAR received.
func TestWizardEndToEndWithoutJavaScript(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{CreateDelay: 20 * time.Millisecond})
	rv := wzBuildDataHubService(t, h)
	for _, secret := range []string{"onedata-access-token", "aws-secret-key", "api-secret-value"} {
		if strings.Contains(rv.Body, secret) {
			t.Errorf("the review page shows %q", secret)
		}
	}
	p := h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
	wzExpect(t, p, http.StatusSeeOther, "/services/grayify-datahub")
	sent := wzSent(t, fake, http.MethodPost)
	if len(sent) != 1 {
		t.Fatalf("%d creates sent, want 1", len(sent))
	}
	want := map[string]any{
		"name": "grayify-datahub", "image": "ghcr.io/grycap/imagemagick", "cpu": "1.0", "memory": "1Gi", "log_level": "INFO",
		"visibility": "private",
		"script":     "#!/bin/bash\nconvert \"$INPUT_FILE_PATH\" -type Grayscale \"$TMP_OUTPUT_DIR/out.png\"\n",
		"environment": map[string]any{
			"variables": map[string]any{"OUTPUT_FORMAT": "png"},
			"secrets":   map[string]any{"API_KEY": "api-secret-value"},
		},
		"input": []any{map[string]any{"storage_provider": "minio.default", "path": "grayify-datahub/input", "suffix": []any{"jpg", "png"}}},
		"output": []any{
			map[string]any{"storage_provider": "onedata.egi_datahub", "path": "oscar-results/grayify", "suffix": []any{"png"}},
			map[string]any{"storage_provider": "s3.aws", "path": "my-results-bucket/grayify"},
		},
		"storage_providers": map[string]any{
			"onedata": map[string]any{"egi_datahub": map[string]any{"oneprovider_host": "oneprovider.example.org", "token": "onedata-access-token", "space": "my-space"}},
			"s3":      map[string]any{"aws": map[string]any{"access_key": "AKIAEXAMPLE", "secret_key": "aws-secret-key", "region": "eu-west-1"}},
		},
	}
	if !reflect.DeepEqual(sent[0], want) {
		got, _ := json.MarshalIndent(sent[0], "", "  ")
		exp, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("OSCAR received:\n%s\nwant:\n%s", got, exp)
	}
	if fake.StoredService("grayify-datahub") == nil {
		t.Error("the fake did not store the service")
	}
	d := h.sessionData()
	if _, ok := d.Drafts["new"]; ok {
		t.Error("the draft was kept after a successful create")
	}
	if len(d.Flash) == 0 || !strings.Contains(d.Flash[len(d.Flash)-1], "Service grayify-datahub created") {
		t.Errorf("flash = %q", d.Flash)
	}
	for _, secret := range []string{"onedata-access-token", "aws-secret-key", "api-secret-value"} {
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
}

// TestWizardRefusalsShowOnTheirStep makes OSCAR refuse the create in each of its well-known ways
// and checks that the message lands on the step and control it concerns, with the draft intact.
func TestWizardRefusalsShowOnTheirStep(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		location string
		field    string // "" for a message at the top of the step
		want     string
	}{
		{"name in use", 400, "A service with the provided name already exists", "/services/new/general#f-name", "name", "already exists"},
		{"bucket exists", 500, `the bucket "grayify-datahub" already exists`, "/services/new/inputs#f-input-0-path", "input[0].path", "grayify-datahub"},
		{"s3 bucket exists", 500, `the bucket "my-results-bucket" already exists`, "/services/new/outputs#f-output-1-path", "output[1].path", "my-results-bucket"},
		{"undefined provider", 500, `the StorageProvider "onedata.egi_datahub" is not defined`, "/services/new/outputs#f-output-0-storage_provider", "output[0].storage_provider", "not defined"},
		{"onedata unreachable", 500, `error connecting to Onedata's Oneprovider "oneprovider.example.org". Error: dial tcp: lookup oneprovider.example.org: no such host`, "/services/new/storage#f-storage_providers-0-oneprovider_host", "storage_providers[0].oneprovider_host", "could not reach"},
		{"quota", 403, "bucket quota exceeded: the maximum number of buckets (2) has been reached", "/services/new/inputs", "", "quota"},
		{"unrecognized input", 400, "unrecognized input (valid inputs are MinIO and dCache)", "/services/new/inputs", "", "only be outputs"},
		{"vo", 400, "this user isn't enrrolled on the vo: vo.x", "/services/new/general#f-vo", "vo", "not a member"},
		{"minio down", 500, "error registering the service's webhook: connection refused", "/services/new/review", "", "MinIO"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, fake := wzSetup(t, oscartest.Options{Fault: func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method == http.MethodPost && r.URL.Path == "/system/services" {
					w.Header().Set("Content-Type", "text/plain; charset=utf-8")
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(tc.body))
					return true
				}
				return false
			}})
			rv := wzBuildDataHubService(t, h)
			before := h.sessionData().Drafts["new"]
			p := h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
			wzExpect(t, p, http.StatusSeeOther, tc.location)
			if len(wzSent(t, fake, http.MethodPost)) != 1 {
				t.Fatal("the create was not sent exactly once")
			}
			step := strings.SplitN(tc.location, "#", 2)[0]
			sp := h.get(step)
			wzExpect(t, sp, http.StatusOK, "")
			var msg string
			if tc.field != "" {
				msg = wzFieldError(t, sp, tc.field)
			} else {
				msg = sp.text("[data-testid=form-problem]")
			}
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "OSCAR refused") {
				t.Errorf("message on %s = %q, want it to contain %q", tc.location, msg, tc.want)
			}
			// The draft is intact (only the refusal was added), and the tab is flagged.
			after := h.wzDraft("new")
			prev, _ := wizard.Unmarshal(before)
			after.Refusal = nil
			if !reflect.DeepEqual(after.Service, prev.Service) || !reflect.DeepEqual(after.Providers, prev.Providers) {
				t.Error("the refusal changed the draft")
			}
			tab := strings.TrimPrefix(step, "/services/new/")
			if !sp.Doc.Find(`.wizard-steps button[value="` + tab + `"]`).HasClass("problem") {
				t.Errorf("tab %s is not flagged", tab)
			}
			// The review lists it too, with a link.
			if tc.location != "/services/new/review" && !strings.Contains(h.get("/services/new/review").text("[data-testid=review-problems]"), tc.want) {
				t.Error("the review does not list the refusal")
			}
		})
	}
}

// TestWizardQuotaRefusalFromTheFake uses the fake's own bucket quota rather than an injected text.
func TestWizardQuotaRefusalFromTheFake(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{MaxBuckets: 1})
	wzGeneral(t, h, nil)
	h.wzSubmit(h.get("/services/new/inputs"), wzForm0, nil, "add=input")
	h.wzSubmit(h.get("/services/new/inputs"), wzForm0, map[string]string{"input[0].path": "bucket-one/in"}, "nav=stay")
	h.wzSubmit(h.get("/services/new/outputs"), wzForm0, nil, "add=output")
	h.wzSubmit(h.get("/services/new/outputs"), wzForm0, map[string]string{"output[0].path": "bucket-two/out"}, "nav=stay")
	rv := h.get("/services/new/review")
	p := h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/inputs")
	if msg := h.get("/services/new/inputs").text("[data-testid=form-problem]"); !strings.Contains(msg, "quota") {
		t.Errorf("quota message = %q", msg)
	}
}

// TestWizardDoubleSubmitCreatesOnce presses Create twice at once, as an impatient user without
// JavaScript can: OSCAR gets one create and both answers lead to the service.
func TestWizardDoubleSubmitCreatesOnce(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{CreateDelay: 300 * time.Millisecond})
	rv := wzBuildDataHubService(t, h)
	var wg sync.WaitGroup
	pages := make([]*page, 2)
	for i := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pages[i] = h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
		}()
	}
	wg.Wait()
	if n := len(wzSent(t, fake, http.MethodPost)); n != 1 {
		t.Fatalf("%d creates reached OSCAR, want 1", n)
	}
	for _, p := range pages {
		if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/services") {
			t.Errorf("answer %d %q", p.StatusCode, p.location())
		}
	}
}

// TestWizardEditRoundTripKeepsEverything edits a service that holds members the form does not
// show (an unknown future member, expose, owner, token, a volume, credentials in clear) and checks
// that the PUT sends all of it back with only the user's changes.
func TestWizardEditRoundTripKeepsEverything(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	stored := `{
		"name": "editme", "image": "ghcr.io/grycap/cowsay", "script": "echo moo\n", "memory": "256Mi", "cpu": "0.2",
		"log_level": "INFO", "owner": "cluster_admin", "token": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"visibility": "private", "future_member": {"nested": [1, 2, 3], "flag": true},
		"expose": {"min_scale": 1, "max_scale": 3, "api_port": [8080], "cpu_threshold": 80, "rewrite_target": false, "nodePort": [0], "default_command": false, "set_auth": true},
		"environment": {"variables": {"A": "1"}, "secrets": {"S": ""}},
		"labels": {"oscar_service": "editme", "team": "blue"},
		"volume": {"size": "1Gi", "mount_path": "/data"},
		"output": [{"storage_provider": "onedata.dh", "path": "res", "future_io_member": "kept"}],
		"storage_providers": {
			"minio": {"default": {"endpoint": "https://minio", "verify": true, "access_key": "hidden", "secret_key": "hidden", "region": "us-east-1"}},
			"onedata": {"dh": {"oneprovider_host": "op.example.org", "token": "od-clear-token", "space": "sp"}}
		}
	}`
	if err := fake.PutService(stored); err != nil {
		t.Fatal(err)
	}
	fake.AddVolume("oscar-svc", "editme", "1Gi", "cluster_admin")
	wzExpect(t, h.get("/services/editme/edit"), http.StatusSeeOther, "/services/editme/edit/general")
	g := h.get("/services/editme/edit/general")
	wzExpect(t, g, http.StatusOK, "")
	if g.Doc.Find(`input[name=name]`).Length() != 0 || !strings.Contains(g.text("[data-testid=fixed-name]"), "editme") {
		t.Error("the name can be changed while editing")
	}
	if v := wzForm(t, g, wzForm0); v.Get("labels[0].key") != "team" || v.Has("labels[1].key") {
		t.Errorf("label rows = %q %q: OSCAR's own labels should not be offered", v.Get("labels[0].key"), v.Get("labels[1].key"))
	}
	// OSCAR blanks secrets in GET: the page asks for the value instead of saving it empty.
	if msg := wzFieldError(t, g, "environment.secrets[0].value"); !strings.Contains(msg, "does not return the value") {
		t.Errorf("blank secret message = %q", msg)
	}
	p := h.wzSubmit(g, wzForm0, map[string]string{"memory": "1Gi", "name": "renamed"}, "nav=next")
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	p = h.wzSubmit(g, wzForm0, map[string]string{"memory": "1Gi", "name": "renamed", "environment.secrets[0].value": "typed-again"}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/editme/edit/storage")
	st := h.get(p.location())
	if strings.Contains(st.Body, "od-clear-token") || strings.Contains(st.Body, "0123456789abcdef0123456789abcdef") {
		t.Fatal("credentials OSCAR returned in clear reached the browser")
	}
	p = h.wzSubmit(st, wzForm0, nil, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/editme/edit/inputs")
	p = h.wzSubmit(h.get(p.location()), wzForm0, nil, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/editme/edit/outputs")
	p = h.wzSubmit(h.get(p.location()), wzForm0, nil, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/editme/edit/expose")
	p = h.wzSubmit(h.get(p.location()), wzForm0, nil, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/editme/edit/review")
	rv := h.get(p.location())
	if rv.text("[data-testid=create]") != "Save changes" {
		t.Errorf("submit button = %q", rv.text("[data-testid=create]"))
	}
	if strings.Contains(rv.Body, "od-clear-token") || strings.Contains(rv.Body, "typed-again") {
		t.Error("the review shows a credential")
	}
	p = h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
	wzExpect(t, p, http.StatusSeeOther, "/services/editme")
	puts := wzSent(t, fake, http.MethodPut)
	if len(puts) != 1 {
		t.Fatalf("%d updates sent", len(puts))
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(stored), &want); err != nil {
		t.Fatal(err)
	}
	want["memory"] = "1Gi"
	// The server-set volume_status of the GET goes back with the rest (OSCAR ignores it).
	want["volume_status"] = map[string]any{"enabled": true, "name": "editme", "phase": "in_use"}
	want["environment"].(map[string]any)["secrets"] = map[string]any{"S": "typed-again"}
	if !reflect.DeepEqual(puts[0], want) {
		got, _ := json.MarshalIndent(puts[0], "", "  ")
		exp, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("PUT body:\n%s\nwant (the stored service with the edits):\n%s", got, exp)
	}
	if _, ok := h.sessionData().Drafts["edit:editme"]; ok {
		t.Error("the edit draft was kept after saving")
	}
}

func TestWizardEditUnknownService(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	p := h.get("/services/nosuch/edit/general")
	wzExpect(t, p, http.StatusNotFound, "")
	wzExpect(t, h.get("/services/Bad_Name/edit/general"), http.StatusNotFound, "")
}

func TestWizardEditDraftsAreBounded(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	for i := range maxEditDrafts + 3 {
		name := "svc-" + string(rune('a'+i))
		if err := fake.PutService(`{"name":"` + name + `","image":"img","script":"echo","owner":"cluster_admin"}`); err != nil {
			t.Fatal(err)
		}
		g := h.get("/services/" + name + "/edit/general")
		wzExpect(t, g, http.StatusOK, "")
		if i == 0 {
			// Only looking stores nothing.
			if _, ok := h.sessionData().Drafts["edit:"+name]; ok {
				t.Fatal("opening an edit page stored a draft")
			}
		}
		wzExpect(t, h.wzSubmit(g, wzForm0, map[string]string{"memory": "512Mi"}, "nav=stay"), http.StatusSeeOther, "")
	}
	n := 0
	for k := range h.sessionData().Drafts {
		if strings.HasPrefix(k, "edit:") {
			n++
		}
	}
	if n != maxEditDrafts {
		t.Errorf("%d edit drafts kept, want %d", n, maxEditDrafts)
	}
	last := "svc-" + string(rune('a'+maxEditDrafts+2))
	if _, ok := h.sessionData().Drafts["edit:"+last]; !ok {
		t.Error("the newest edit draft was dropped")
	}
	// Saving an edit straight from Review, without a stored draft, sends the service unchanged.
	rv := h.get("/services/svc-a/edit/review")
	wzExpect(t, h.wzSubmit(rv, "[data-testid=create-form]", nil, ""), http.StatusSeeOther, "/services/svc-a")
	if n := len(wzSent(t, fake, http.MethodPut)); n != 1 {
		t.Errorf("%d updates sent, want 1", n)
	}
}
