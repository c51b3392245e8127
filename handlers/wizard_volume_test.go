package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// wzToReview walks from the step at path to Review with "next", submitting each step unchanged.
func wzToReview(t *testing.T, h *harness, path string) *page {
	t.Helper()
	for !strings.HasSuffix(path, "/review") {
		p := h.wzSubmit(h.get(path), wzForm0, nil, "nav=next")
		wzExpect(t, p, http.StatusSeeOther, "")
		path = p.location()
	}
	rv := h.get(path)
	wzExpect(t, rv, http.StatusOK, "")
	return rv
}

// TestWizardVolumePickExistingThroughCreateEditAndFDL: the Storage step lists the user's volumes;
// the one picked goes to OSCAR as volume {name, mount_path}; the service page shows OSCAR's
// volume_status; an edit shows the volume read-only and sends it back unchanged; the FDL export
// carries it and importing it back picks the same volume.
func TestWizardVolumePickExistingThroughCreateEditAndFDL(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{CreateDelay: -1})
	fake.AddVolume("oscar-svc", "shared", "1Gi", "cluster_admin")
	fake.AddVolume("oscar-svc", "other", "2Gi", "cluster_admin")
	wzExpect(t, wzGeneral(t, h, map[string]string{"name": "picker"}), http.StatusSeeOther, "/services/new/storage")
	st := h.get("/services/new/storage")
	var choices []string
	st.Doc.Find(`select[name="volume.existing"] option`).Each(func(_ int, s *goqueryS) { choices = append(choices, s.AttrOr("value", "")) })
	if strings.Join(choices, ",") != ",other,shared" {
		t.Errorf("volume choices = %q", choices)
	}
	// A pick without mount path is refused at the field, the choice kept.
	p := h.wzSubmit(st, wzForm0, map[string]string{"volume.mode": "existing", "volume.existing": "shared", "volume.mount_path": ""}, "nav=next")
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if msg := wzFieldError(t, p, "volume.mount_path"); !strings.Contains(msg, "mounted") {
		t.Errorf("mount path message %q", msg)
	}
	if v := p.Doc.Find(`select[name="volume.existing"] option[selected]`).AttrOr("value", ""); v != "shared" {
		t.Errorf("choice not kept: %q", v)
	}
	p = h.wzSubmit(p, wzForm0, map[string]string{"volume.mount_path": "/data"}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/inputs")
	if st := h.get("/services/new/storage"); !strings.Contains(st.text("[data-testid=volume-mount-preview]"), "/data") {
		t.Errorf("mount preview %q", st.text("[data-testid=volume-mount-preview]"))
	}
	rv := wzToReview(t, h, "/services/new/inputs")
	p = h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
	wzExpect(t, p, http.StatusSeeOther, "/services/picker")
	sent := wzSent(t, fake, http.MethodPost)
	if len(sent) != 1 {
		t.Fatalf("%d creates", len(sent))
	}
	if v, _ := sent[0]["volume"].(map[string]any); v["name"] != "shared" || v["mount_path"] != "/data" || v["size"] != nil || v["lifecycle_policy"] != nil {
		t.Errorf("volume sent = %v", sent[0]["volume"])
	}
	sp := h.get("/services/picker")
	if !strings.Contains(sp.Body, "existing volume shared at /data") || !strings.Contains(sp.Body, "shared: in use") {
		t.Errorf("service page lacks the volume or its status:\n%s", wzSnippet(sp))
	}

	// Edit: read-only, sent back as it was.
	ed := h.get("/services/picker/edit/storage")
	wzExpect(t, ed, http.StatusOK, "")
	if ro := ed.text("[data-testid=volume-readonly]"); !strings.Contains(ro, "existing volume shared at /data") || ed.Doc.Find(`[name="volume.mode"]`).Length() != 0 {
		t.Errorf("edit shows %q, controls %d", ro, ed.Doc.Find(`[name="volume.mode"]`).Length())
	}
	rv = wzToReview(t, h, "/services/picker/edit/storage")
	p = h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
	wzExpect(t, p, http.StatusSeeOther, "/services/picker")
	puts := wzSent(t, fake, http.MethodPut)
	if v, _ := puts[0]["volume"].(map[string]any); len(puts) != 1 || v["name"] != "shared" || v["mount_path"] != "/data" {
		t.Errorf("PUT volume = %v", puts)
	}

	// FDL export and import.
	ex := h.get("/services/picker/export")
	for _, want := range []string{"volume:", "name: shared", "mount_path: /data"} {
		if !strings.Contains(ex.Body, want) {
			t.Errorf("export lacks %q:\n%s", want, ex.Body)
		}
	}
	fdlText := strings.Replace(strings.Replace(ex.Body, "name: picker", "name: picker-two", 1), "script: picker.sh", `script: "echo hi"`, 1)
	wzExpect(t, h.post("/services/import", url.Values{"fdl": {fdlText}}), http.StatusSeeOther, "/services/new/general")
	st = h.get("/services/new/storage")
	if st.Doc.Find(`#f-volume-mode-existing[checked]`).Length() != 1 || st.Doc.Find(`select[name="volume.existing"] option[selected]`).AttrOr("value", "") != "shared" {
		t.Errorf("imported volume not picked:\n%s\n%s", fdlText, wzSnippet(st))
	}
	if v, _ := st.Doc.Find(`#f-volume-mount_path`).Attr("value"); v != "/data" {
		t.Errorf("imported mount path %q", v)
	}
}

// TestWizardVolumeNewThroughCreate: a new volume (size with unit, lifecycle) is created with the
// service; bad sizes are refused at the field with the input kept; OSCAR's 409 for a taken name
// comes back to the Storage step's name field.
func TestWizardVolumeNewThroughCreate(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{CreateDelay: -1})
	fake.AddVolume("oscar-svc", "taken", "1Gi", "cluster_admin")
	wzExpect(t, wzGeneral(t, h, map[string]string{"name": "maker"}), http.StatusSeeOther, "/services/new/storage")
	st := h.get("/services/new/storage")
	p := h.wzSubmit(st, wzForm0, map[string]string{"volume.mode": "new", "volume.name": "taken", "volume.amount": "lots", "volume.unit": "Gi",
		"volume.lifecycle_policy": "retain", "volume.mount_path": "/work"}, "nav=next")
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if msg := wzFieldError(t, p, "volume.amount"); !strings.Contains(msg, "number") {
		t.Errorf("size message %q", msg)
	}
	if v, _ := p.Doc.Find(`#f-volume-size`).Attr("value"); v != "lots" {
		t.Errorf("amount not kept: %q", v)
	}
	p = h.wzSubmit(p, wzForm0, map[string]string{"volume.amount": "2"}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/inputs")
	rv := wzToReview(t, h, "/services/new/inputs")
	p = h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage#f-volume-name")
	st = h.get(p.location())
	if msg := wzFieldError(t, st, "volume.name"); !strings.Contains(msg, "already exists") {
		t.Errorf("409 message at the name: %q\n%s", msg, wzSnippet(st))
	}
	p = h.wzSubmit(st, wzForm0, map[string]string{"volume.name": ""}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/inputs")
	rv = wzToReview(t, h, "/services/new/inputs")
	wzExpect(t, h.wzSubmit(rv, "[data-testid=create-form]", nil, ""), http.StatusSeeOther, "/services/maker")
	sent := wzSent(t, fake, http.MethodPost)
	if v, _ := sent[len(sent)-1]["volume"].(map[string]any); v["size"] != "2Gi" || v["lifecycle_policy"] != "retain" || v["mount_path"] != "/work" || v["name"] != nil {
		t.Errorf("volume sent = %v", sent[len(sent)-1]["volume"])
	}
	if got := fake.VolumeNames("oscar-svc"); strings.Join(got, ",") != "maker,taken" {
		t.Errorf("volumes after create: %v", got)
	}
	if vp := h.get("/volumes/maker"); !strings.Contains(vp.text("[data-testid=volume-details]"), "service maker") || !strings.Contains(vp.text("[data-testid=volume-details]"), "kept") {
		t.Errorf("volume page: %q", vp.text("[data-testid=volume-details]"))
	}
}
