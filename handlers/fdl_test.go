package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// wzExamples reads OSCAR's FDL examples, keyed by file name: the copies in the repository's
// testdata/fdl-examples (or $OSCAR_FDL_EXAMPLES). Finding none fails the test.
func wzExamples(t *testing.T) map[string]string {
	t.Helper()
	files, err := oscartest.FDLExamples()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(files))
	for name, b := range files {
		out[name] = string(b)
	}
	return out
}

func wzJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestImportEveryExampleAndExportItBack imports each of OSCAR's FDL examples through the import
// form (the FDL uploaded as a file, the scripts it names beside it), checks the draft, then stores
// the service in the fake OSCAR and checks that both exports import back to the same service.
func TestImportEveryExampleAndExportItBack(t *testing.T) {
	for name, text := range wzExamples(t) {
		t.Run(name, func(t *testing.T) {
			h, fake := wzSetup(t, oscartest.Options{})
			parsed, err := fdl.Parse([]byte(text))
			if err != nil {
				t.Fatalf("fdl.Parse: %v", err)
			}
			scripts := map[string]string{}
			var files []wzFile
			files = append(files, wzFile{"fdl_file", name, text})
			for _, fn := range parsed.Functions {
				if fn.ScriptFile != "" && scripts[fn.ScriptFile] == "" {
					scripts[fn.ScriptFile] = "#!/bin/sh\necho " + fn.ScriptFile + "\n"
					files = append(files, wzFile{"scripts", fn.ScriptFile, scripts[fn.ScriptFile]})
				}
			}
			imp := h.get("/services/import")
			wzExpect(t, imp, http.StatusOK, "")
			p := h.wzSubmit(imp, "[data-testid=import-form]", nil, "", files...)
			chosen := 0
			if len(parsed.Functions) > 1 {
				wzExpect(t, p, http.StatusOK, "")
				if n := p.Doc.Find("[data-testid=import-choices] input[type=radio]").Length(); n != len(parsed.Functions) {
					t.Fatalf("%d choices, want %d", n, len(parsed.Functions))
				}
				chosen = len(parsed.Functions) - 1
				p = h.wzSubmit(p, "[data-testid=import-choices]", map[string]string{"service": strconv.Itoa(chosen)}, "")
			}
			wzExpect(t, p, http.StatusSeeOther, "/services/new/general")
			want, missing := parsed.Service(chosen, scripts)
			if missing != "" {
				t.Fatalf("script %s reported missing", missing)
			}
			d := h.wzDraft("new")
			built := d.Build()
			if g, w := wzJSON(t, built), wzJSON(t, want); g != w {
				t.Errorf("imported draft:\n got %s\nwant %s", g, w)
			}
			g := h.get("/services/new/general")
			wzExpect(t, g, http.StatusOK, "")
			if v := wzForm(t, g, wzForm0); v.Get("name") != want.Name || v.Get("image") != want.Image {
				t.Errorf("General shows name %q image %q", v.Get("name"), v.Get("image"))
			}
			for _, st := range []string{"storage", "inputs", "outputs", "review"} {
				wzExpect(t, h.get("/services/new/"+st), http.StatusOK, "")
			}

			// Export: store the service as OSCAR would, then download both forms.
			if err := fake.PutService(built); err != nil {
				t.Fatal(err)
			}
			// What OSCAR returns: its token added, secret values blanked.
			stored := oscar.Clone(built)
			stored.Token = fake.ServiceToken(built.Name)
			if stored.Environment != nil {
				for k := range stored.Environment.Secrets {
					stored.Environment.Secrets[k] = ""
				}
			}
			ex := h.get("/services/" + built.Name + "/export")
			wzExpect(t, ex, http.StatusOK, "")
			back, err := fdl.Parse([]byte(ex.Body))
			if err != nil {
				t.Fatalf("the sanitised export does not parse: %v\n%s", err, ex.Body)
			}
			got, _ := back.Service(0, map[string]string{built.Name + ".sh": built.Script})
			if g, w := wzJSON(t, got), wzJSON(t, oscar.Sanitize(stored)); g != w {
				t.Errorf("sanitised export imports back as\n %s\nwant\n %s", g, w)
			}
			full := h.post("/services/"+built.Name+"/export", url.Values{"complete": {"1"}})
			wzExpect(t, full, http.StatusOK, "")
			back, err = fdl.Parse([]byte(full.Body))
			if err != nil {
				t.Fatalf("the complete export does not parse: %v\n%s", err, full.Body)
			}
			got, _ = back.Service(0, map[string]string{built.Name + ".sh": built.Script})
			if g, w := wzJSON(t, got), wzJSON(t, stored); g != w {
				t.Errorf("complete export imports back as\n %s\nwant\n %s", g, w)
			}
		})
	}
}

func TestImportPlaceholdersShowAsProblems(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	text := wzExamples(t)["rucio-service.yaml"]
	p := h.post("/services/import", url.Values{"fdl": {text}})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/general")
	st := h.get("/services/new/storage")
	if msg := wzFieldError(t, st, "storage_providers[0].host"); !strings.Contains(msg, "not a host name") {
		t.Errorf("the placeholder host is not flagged: %q", msg)
	}
	g := h.get("/services/new/general")
	if msg := wzFieldError(t, g, "script"); !strings.Contains(msg, "Enter the script") {
		t.Errorf("the missing script is not flagged: %q", msg)
	}
	if strings.Contains(st.Body, "&lt;oidc-token&gt;") || strings.Contains(st.Body, "<oidc-token>") {
		t.Error("the imported refresh token was sent back to the browser")
	}
}

func TestImportErrorsGiveTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, fdl, want string
	}{
		{"malformed", "functions:\n  oscar:\n  - c:\n      name: x\n     image: y\n", "Line 5:"},
		{"wrong type", "functions:\n  oscar:\n  - c:\n      name: x\n      alpine: maybe\n", "Line 5: "},
		{"replicas not a list", "functions:\n  oscar:\n  - c:\n      name: x\n      replicas: 3\n", "Line 5: "},
		{"empty", "  \n", "Paste the FDL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := wzSetup(t, oscartest.Options{})
			p := h.post("/services/import", url.Values{"fdl": {tc.fdl}})
			wzExpect(t, p, http.StatusUnprocessableEntity, "")
			if msg := wzFieldError(t, p, "fdl"); !strings.Contains(msg, tc.want) {
				t.Errorf("message = %q, want %q", msg, tc.want)
			}
			if got := wzForm(t, p, "[data-testid=import-form]").Get("fdl"); strings.TrimSpace(got) != strings.TrimSpace(tc.fdl) {
				t.Errorf("the FDL was not kept for fixing: %q", got)
			}
			if h.wzDraft("new") != nil {
				t.Error("a refused import made a draft")
			}
		})
	}
}

func TestImportMissingScriptAndInlineScript(t *testing.T) {
	h, _ := wzSetup(t, oscartest.Options{})
	fdlText := "functions:\n  oscar:\n  - c:\n      name: needs-script\n      image: img\n      script: run.sh\n"
	p := h.post("/services/import", url.Values{"fdl": {fdlText}})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/general")
	if f := h.sessionData().Flash; len(f) == 0 || !strings.Contains(f[len(f)-1], "run.sh") {
		t.Errorf("flash = %q", f)
	}
	g := h.get("/services/new/general")
	if !strings.Contains(g.text("[data-testid=script-file-hint]"), "run.sh") {
		t.Error("General does not ask for run.sh")
	}
	if msg := wzFieldError(t, g, "script"); !strings.Contains(msg, "run.sh") {
		t.Errorf("script message = %q", msg)
	}
	// Uploading it on General completes the service.
	p = h.wzSubmit(g, wzForm0, nil, "nav=next", wzFile{"script", "run.sh", "echo ran\n"})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
	if d := h.wzDraft("new"); d.Service.Script != "echo ran\n" || d.ScriptFile != "" {
		t.Errorf("script %q, still waiting for %q", d.Service.Script, d.ScriptFile)
	}
	// An inline script needs no file.
	p = h.post("/services/import", url.Values{"fdl": {"functions:\n  oscar:\n  - c:\n      name: inline\n      image: img\n      script: |\n        #!/bin/sh\n        echo inline\n"}})
	wzExpect(t, p, http.StatusSeeOther, "/services/new/general")
	if d := h.wzDraft("new"); d.Service.Script != "#!/bin/sh\necho inline\n" || d.Service.Name != "inline" {
		t.Errorf("inline import = %q %q", d.Service.Name, d.Service.Script)
	}
}

// wzSecretService is stored in the fake for the export tests: credentials in clear, as OSCAR
// returns them.
const wzSecretService = `{
	"name": "exportme", "image": "img", "script": "#!/bin/sh\necho export\n", "owner": "alice@egi.eu", "namespace": "oscar-svc-alice",
	"token": "feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface",
	"environment": {"secrets": {"API_KEY": ""}},
	"output": [{"storage_provider": "onedata.dh", "path": "res"}],
	"storage_providers": {
		"minio": {"default": {"endpoint": "https://minio", "verify": true, "access_key": "hidden", "secret_key": "hidden", "region": "us-east-1"}},
		"onedata": {"dh": {"oneprovider_host": "op.example.org", "token": "od-clear-token", "space": "sp"}},
		"s3": {"aws": {"access_key": "AKIACLEAR", "secret_key": "aws-clear-secret", "region": "eu-west-1"}}
	}
}`

func TestExportIsSanitisedByDefault(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	if err := fake.PutService(wzSecretService); err != nil {
		t.Fatal(err)
	}
	p := h.get("/services/exportme/export")
	wzExpect(t, p, http.StatusOK, "")
	if cd := p.Header.Get("Content-Disposition"); cd != `attachment; filename="exportme.yaml"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/yaml") {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	for _, secret := range []string{"feedface", "od-clear-token", "AKIACLEAR", "aws-clear-secret", "alice@egi.eu", "oscar-svc-alice", "hidden"} {
		if strings.Contains(p.Body, secret) {
			t.Errorf("the sanitised FDL holds %q:\n%s", secret, p.Body)
		}
	}
	for _, want := range []string{"functions:", "oscar:", "name: exportme", "script: exportme.sh", "oneprovider_host: op.example.org", "storage_providers:"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the FDL lacks %q:\n%s", want, p.Body)
		}
	}
	sc := h.get("/services/exportme/export/script")
	wzExpect(t, sc, http.StatusOK, "")
	if sc.Body != "#!/bin/sh\necho export\n" || sc.Header.Get("Content-Disposition") != `attachment; filename="exportme.sh"` {
		t.Errorf("script download = %q (%s)", sc.Body, sc.Header.Get("Content-Disposition"))
	}
}

func TestExportCompleteOnlyAfterConfirmation(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	if err := fake.PutService(wzSecretService); err != nil {
		t.Fatal(err)
	}
	c := h.get("/services/exportme/export?complete=1")
	wzExpect(t, c, http.StatusOK, "")
	if c.Doc.Find("[data-testid=export-confirm]").Length() != 1 || c.Header.Get("Content-Disposition") != "" {
		t.Fatal("a GET with complete=1 did not ask for confirmation")
	}
	if strings.Contains(c.Body, "od-clear-token") {
		t.Error("the confirmation page shows a credential")
	}
	wzExpect(t, h.post("/services/exportme/export", url.Values{}), http.StatusBadRequest, "")
	p := h.wzSubmit(c, "[data-testid=export-confirm] form", nil, "")
	wzExpect(t, p, http.StatusOK, "")
	if cd := p.Header.Get("Content-Disposition"); cd != `attachment; filename="exportme-complete.yaml"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	for _, want := range []string{"feedface", "od-clear-token", "aws-clear-secret", "owner: alice@egi.eu"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the complete FDL lacks %q", want)
		}
	}
	if strings.Contains(p.Body, "hidden") {
		t.Error("the complete FDL carries minio.default")
	}
	var s oscar.Service
	f, err := fdl.Parse([]byte(p.Body))
	if err != nil {
		t.Fatal(err)
	}
	s, _ = f.Service(0, nil)
	if s.StorageProviders.S3["aws"].SecretKey != "aws-clear-secret" {
		t.Errorf("complete export s3 = %+v", s.StorageProviders.S3["aws"])
	}
	if strings.Contains(h.logs.String(), "od-clear-token") {
		t.Error("the logs hold a credential")
	}
	wzExpect(t, h.get("/services/nosuch/export"), http.StatusNotFound, "")
}
