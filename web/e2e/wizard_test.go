package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// The service the wizard builds: a grayscale converter reading from the cluster's MinIO and writing
// to EGI DataHub (Onedata).
const (
	wzService      = "grayify"
	wzOnedataToken = "onedata-access-token-e2e"
	wzScript       = "#!/bin/bash\nconvert \"$INPUT_FILE_PATH\" -type Grayscale \"$TMP_OUTPUT_DIR/out.png\"\n"
)

// TestWizard: from no service at all, through every step of the wizard (with a refused first step
// and the keyboard path through it) to a created service with a Onedata output; then edit it,
// import an FDL file, and sign out.
func TestWizard(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newConsole(t, consoleOptions{})
			tb := newTab(t, c, m.js)
			tb.signInOIDC()
			tb.wizardFlow()
			tb.editFlow()
			tb.importFlow()
			tb.signOut()
			c.assertNoSecretsLogged(t, wzOnedataToken)
		})
	}
}

// storedService reads a service as the fake OSCAR keeps it.
func (tb *tab) storedService(name string) map[string]any {
	tb.t.Helper()
	raw := tb.c.OSCAR.StoredService(name)
	if raw == nil {
		tb.fatalf("OSCAR has no service %s (has %v)", name, tb.c.OSCAR.ServiceNames())
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.t.Fatal(err)
	}
	return m
}

// next presses the wizard's Next button and returns the status.
func (tb *tab) next() int64 {
	tb.t.Helper()
	return tb.click(`[data-testid="next"]`)
}

// step checks the wizard shows step.
func (tb *tab) step(step string) {
	tb.t.Helper()
	if got := tb.attr(`[data-testid="wizard"]`, "data-step"); got != step {
		tb.fatalf("wizard step = %q, want %q", got, step)
	}
}

func (tb *tab) wizardFlow() {
	tb.t.Helper()
	t := tb.t
	if st := tb.open("/services"); st != 200 {
		tb.fatalf("GET /services: status %d", st)
	}
	tb.mustSee(`[data-testid="empty"]`)
	tb.screen("services-first-run")
	if st := tb.click(`[data-testid="new-service"]`); st != 200 {
		tb.fatalf("new service: status %d", st)
	}
	tb.step("general")
	tb.screen("wizard-general")
	tb.keyboardPath()

	// Next with nothing filled in: the step comes back with the problems, nothing is lost.
	if st := tb.next(); st != 422 {
		t.Errorf("Next on an empty General step: status %d, want 422", st)
	}
	tb.step("general")
	tb.checkInvalid("#f-name")
	tb.screen("wizard-general-invalid")

	tb.fill("#f-name", wzService)
	tb.fill("#f-image", "ghcr.io/grycap/imagemagick")
	tb.fill("#f-cpu", "1")
	tb.fill("#f-memory", "1Gi")
	tb.set("#f-script", wzScript)
	// Enter in a text field means Next (the form's first button is a hidden copy of it).
	if st := tb.navigate("Enter in the image field", chromedp.SendKeys(chromedp.CSS("#f-image"), kb.Enter)); st != 200 {
		tb.fatalf("Enter on General: status %d", st)
	}

	// Storage: add EGI DataHub (Onedata).
	tb.step("storage")
	tb.screen("wizard-storage")
	tb.set("#f-provider", "onedata")
	if st := tb.click(`[data-testid="add-provider"]`); st != 200 {
		tb.fatalf("add provider: status %d", st)
	}
	tb.mustSee(`[data-testid="provider"][data-kind="onedata"]`)
	tb.keyboardPath()
	tb.fill(`[name="storage_providers[0].id"]`, "egi_datahub")
	tb.fill(`[name="storage_providers[0].oneprovider_host"]`, "oneprovider.example.org")
	tb.fill(`[name="storage_providers[0].token"]`, wzOnedataToken)
	tb.fill(`[name="storage_providers[0].space"]`, "my-space")
	tb.screen("wizard-storage-onedata")
	if st := tb.next(); st != 200 {
		tb.fatalf("Next from Storage: status %d", st)
	}
	if strings.Contains(eval[string](tb, `document.documentElement.outerHTML`), wzOnedataToken) {
		t.Errorf("the Onedata token came back to the browser")
	}

	// Inputs: the cluster's MinIO.
	tb.step("inputs")
	if st := tb.click(`[data-testid="add-input"]`); st != 200 {
		tb.fatalf("add input: status %d", st)
	}
	tb.keyboardPath()
	tb.fill(`[name="input[0].path"]`, wzService+"/in")
	tb.fill(`[name="input[0].suffix"]`, "jpg, png")
	tb.screen("wizard-inputs")
	if st := tb.next(); st != 200 {
		tb.fatalf("Next from Inputs: status %d", st)
	}

	// Outputs: the Onedata space.
	tb.step("outputs")
	if st := tb.click(`[data-testid="add-output"]`); st != 200 {
		tb.fatalf("add output: status %d", st)
	}
	tb.keyboardPath()
	tb.set(`[name="output[0].storage_provider"]`, "onedata.egi_datahub")
	tb.fill(`[name="output[0].path"]`, "oscar-results/"+wzService)
	tb.fill(`[name="output[0].suffix"]`, "png")
	tb.screen("wizard-outputs")
	if st := tb.next(); st != 200 {
		tb.fatalf("Next from Outputs: status %d", st)
	}

	// Expose: this service is event-driven, so nothing to tick.
	tb.step("expose")
	tb.mustSee(`[data-testid="expose"]`)
	if st := tb.next(); st != 200 {
		tb.fatalf("Next from Expose: status %d", st)
	}

	// Review, then create.
	tb.step("review")
	tb.mustSee(`[data-testid="review-ready"]`)
	yaml := tb.text(`[data-testid="review-yaml"]`)
	if !strings.Contains(yaml, "onedata") || !strings.Contains(yaml, "egi_datahub") {
		t.Errorf("the review's FDL does not show the Onedata output:\n%s", yaml)
	}
	if strings.Contains(yaml, wzOnedataToken) {
		t.Errorf("the review's FDL shows the Onedata token")
	}
	tb.screen("wizard-review")
	tb.keyboardPath()
	if st := tb.click(`[data-testid="create"]`); st != 200 {
		tb.fatalf("create: status %d", st)
	}
	if p := tb.path(); p != "/services/"+wzService {
		t.Errorf("after create the browser is on %s, want /services/%s", p, wzService)
	}
	if got := tb.text(`[data-testid="flash"]`); !strings.Contains(got, wzService) {
		t.Errorf("flash after create = %q, want it to name the service", got)
	}
	tb.screen("service-created")

	sv := tb.storedService(wzService)
	out, _ := sv["output"].([]any)
	if len(out) != 1 || out[0].(map[string]any)["storage_provider"] != "onedata.egi_datahub" {
		t.Errorf("OSCAR received outputs %v, want one on onedata.egi_datahub", sv["output"])
	}
	od, _ := sv["storage_providers"].(map[string]any)["onedata"].(map[string]any)["egi_datahub"].(map[string]any)
	if od["token"] != wzOnedataToken || od["oneprovider_host"] != "oneprovider.example.org" || od["space"] != "my-space" {
		t.Errorf("OSCAR received the Onedata provider %v", od)
	}
	if sv["script"] != wzScript {
		t.Errorf("OSCAR received the script %q, want %q", sv["script"], wzScript)
	}
}

// editFlow changes the memory of the created service through the edit wizard; the Onedata token,
// which the browser never saw, is kept.
func (tb *tab) editFlow() {
	tb.t.Helper()
	t := tb.t
	tb.open("/services/" + wzService)
	if st := tb.click(`[data-testid="edit"]`); st != 200 {
		tb.fatalf("edit: status %d", st)
	}
	tb.step("general")
	tb.mustSee(`[data-testid="fixed-name"]`)
	tb.screen("wizard-edit")
	tb.fill("#f-memory", "2Gi")
	if st := tb.click(`[data-testid="tab-review"]`); st != 200 {
		tb.fatalf("to review: status %d", st)
	}
	tb.step("review")
	if st := tb.click(`[data-testid="create"]`); st != 200 {
		tb.fatalf("save changes: status %d", st)
	}
	sv := tb.storedService(wzService)
	if sv["memory"] != "2Gi" {
		t.Errorf("after the edit OSCAR has memory %v, want 2Gi", sv["memory"])
	}
	od, _ := sv["storage_providers"].(map[string]any)["onedata"].(map[string]any)["egi_datahub"].(map[string]any)
	if od["token"] != wzOnedataToken {
		t.Errorf("the edit lost the Onedata token")
	}
}

// importFlow loads OSCAR's cowsay example (FDL pasted, script uploaded) and creates it.
func (tb *tab) importFlow() {
	tb.t.Helper()
	t := tb.t
	dir, err := oscartest.FDLExamplesDir()
	if err != nil {
		t.Fatal(err)
	}
	fdl, err := os.ReadFile(filepath.Join(dir, "cowsay.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "script.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n/usr/games/cowsay \"$(cat \"$INPUT_FILE_PATH\")\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tb.open("/services")
	if st := tb.click(`a[href="/services/import"]`); st != 200 {
		tb.fatalf("import page: status %d", st)
	}
	tb.screen("import")

	// A broken file first: the problem is shown with its line, the text kept.
	tb.set("#f-fdl", "functions:\n  oscar:\n  - c:\n      name: [broken\n")
	if st := tb.click(`[data-testid="import"]`); st < 400 {
		t.Errorf("importing a broken FDL: status %d, want an error", st)
	}
	tb.mustSee(`[data-testid="form-errors"]`)
	tb.screen("import-invalid")

	tb.set("#f-fdl", string(fdl))
	tb.do("choose script", chromedp.SetUploadFiles(chromedp.CSS("#f-scripts"), []string{script}, chromedp.NodeReady))
	if st := tb.click(`[data-testid="import"]`); st != 200 {
		tb.fatalf("import: status %d", st)
	}
	tb.step("general")
	if got := eval[string](tb, `document.querySelector("#f-name").value`); got != "cowsay" {
		t.Errorf("imported name = %q, want cowsay", got)
	}
	if got := eval[string](tb, `document.querySelector("#f-script").value`); !strings.Contains(got, "cowsay") {
		t.Errorf("imported script = %q, want the uploaded script.sh", got)
	}
	tb.screen("wizard-imported")
	if st := tb.click(`[data-testid="tab-review"]`); st != 200 {
		tb.fatalf("to review: status %d", st)
	}
	if st := tb.click(`[data-testid="create"]`); st != 200 {
		tb.fatalf("create imported: status %d", st)
	}
	sv := tb.storedService("cowsay")
	if sv["image"] != "ghcr.io/grycap/cowsay" || sv["memory"] != "1Gi" {
		t.Errorf("OSCAR received image %v memory %v, want the FDL's", sv["image"], sv["memory"])
	}
}
