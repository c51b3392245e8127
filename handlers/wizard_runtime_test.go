package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// wzCreateExposed walks a new service through the wizard with the Execution and Expose controls
// set and creates it; it returns the Review page seen before creating.
func wzCreateExposed(t *testing.T, h *harness, general, expose map[string]string) *page {
	t.Helper()
	p := wzGeneral(t, h, general)
	wzExpect(t, p, http.StatusSeeOther, "/services/new/storage")
	for _, st := range []string{"storage", "inputs", "outputs"} {
		p = h.wzSubmit(h.get("/services/new/"+st), wzForm0, nil, "nav=next")
		wzExpect(t, p, http.StatusSeeOther, "")
	}
	wzExpect(t, p, http.StatusSeeOther, "/services/new/expose")
	p = h.wzSubmit(h.get("/services/new/expose"), wzForm0, expose, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/review")
	return h.get("/services/new/review")
}

func TestWizardCreatesExposedService(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{ServerlessBackend: true})
	rv := wzCreateExposed(t, h, map[string]string{
		"synchronous.min_scale": "1", "synchronous.max_scale": "3", "image_prefetch": "true", "file_stage_in": "true",
		"ephemeral_storage_request": "2Gi", "isolation_level": "USER",
	}, map[string]string{
		"expose.enabled": "true", "expose.api_port": "8888, 9000", "expose.min_scale": "2", "expose.max_scale": "4",
		"expose.cpu_threshold": "70", "expose.rewrite_target": "true", "expose.set_auth": "true", "expose.auth_type": "basic",
		"expose.health_path": "/api", "expose.probe_mode": "direct",
	})
	if got, want := rv.text("[data-testid=review-exposed-url]"), "The service will answer at "+fake.URL()+"/system/services/grayify/exposed/ once it is ready."; got != want {
		t.Errorf("review says %q, want %q", got, want)
	}
	wzExpect(t, h.wzSubmit(rv, "[data-testid=create-form]", nil, ""), http.StatusSeeOther, "/services/grayify")
	var stored struct {
		Synchronous struct {
			MinScale int `json:"min_scale"`
			MaxScale int `json:"max_scale"`
		} `json:"synchronous"`
		ImagePrefetch bool   `json:"image_prefetch"`
		FileStageIn   bool   `json:"file_stage_in"`
		Ephemeral     string `json:"ephemeral_storage_request"`
		Isolation     string `json:"isolation_level"`
		Expose        struct {
			APIPort      []int  `json:"api_port"`
			MinScale     int    `json:"min_scale"`
			MaxScale     int    `json:"max_scale"`
			CPUThreshold int    `json:"cpu_threshold"`
			Rewrite      bool   `json:"rewrite_target"`
			SetAuth      bool   `json:"set_auth"`
			AuthType     string `json:"auth_type"`
			HealthPath   string `json:"health_path"`
			ProbeMode    string `json:"probe_mode"`
		} `json:"expose"`
	}
	if err := json.Unmarshal(fake.StoredService("grayify"), &stored); err != nil {
		t.Fatal(err)
	}
	e := stored.Expose
	if len(e.APIPort) != 2 || e.APIPort[0] != 8888 || e.APIPort[1] != 9000 || e.MinScale != 2 || e.MaxScale != 4 || e.CPUThreshold != 70 ||
		!e.Rewrite || !e.SetAuth || e.AuthType != "basic" || e.HealthPath != "/api" || e.ProbeMode != "direct" {
		t.Errorf("expose stored = %+v", e)
	}
	if stored.Synchronous.MinScale != 1 || stored.Synchronous.MaxScale != 3 || !stored.ImagePrefetch || !stored.FileStageIn || stored.Ephemeral != "2Gi" || stored.Isolation != "USER" {
		t.Errorf("execution stored = %+v", stored)
	}
	// The new service's page shows its deployment and URL.
	pg := h.get("/services/grayify")
	if href, _ := pg.Doc.Find("[data-testid=exposed-url]").Attr("href"); href != fake.URL()+"/system/services/grayify/exposed/" {
		t.Errorf("service page URL = %q", href)
	}
}

func TestWizardExposeProblemsNextToTheirFields(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	wzExpect(t, wzGeneral(t, h, map[string]string{"ephemeral_storage_request": "lots"}), http.StatusUnprocessableEntity, "")
	g := h.get("/services/new/general")
	if msg := wzFieldError(t, g, "ephemeral_storage_request"); !strings.Contains(msg, "with a unit") {
		t.Errorf("ephemeral message %q", msg)
	}
	if v, _ := g.Doc.Find(`[name="ephemeral_storage_request"]`).Attr("value"); v != "lots" {
		t.Errorf("typed value not kept: %q", v)
	}
	// No Knative on this cluster: no synchronous scale, no KServe, no InterLink offered.
	for _, name := range []string{"synchronous.min_scale", "interlink_node_name"} {
		if g.Doc.Find(`[name="`+name+`"]`).Length() != 0 {
			t.Errorf("%s offered on a cluster without it", name)
		}
	}
	wzExpect(t, wzGeneral(t, h, map[string]string{"ephemeral_storage_request": ""}), http.StatusSeeOther, "/services/new/storage")
	ex := h.get("/services/new/expose")
	if ex.Doc.Find(`[name="kserve.enabled"]`).Length() != 0 {
		t.Error("KServe offered on a cluster without a serverless backend")
	}
	p := h.wzSubmit(ex, wzForm0, map[string]string{"expose.enabled": "true", "expose.api_port": "88a", "expose.nodePort": "31000, 31001",
		"expose.cpu_threshold": "0"}, "nav=next")
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	for name, want := range map[string]string{"expose.api_port": "“88a” is not a list of port numbers", "expose.cpu_threshold": "1 to 100"} {
		if msg := wzFieldError(t, p, name); !strings.Contains(msg, want) {
			t.Errorf("%s: %q, want %q", name, msg, want)
		}
	}
	if v, _ := p.Doc.Find(`[name="expose.api_port"]`).Attr("value"); v != "88a" {
		t.Errorf("typed ports not kept: %q", v)
	}
	if n := len(wzSent(t, fake, http.MethodPost)); n != 0 {
		t.Errorf("%d creates sent", n)
	}
}

// TestWizardRuntimeRefusalsOnTheirFields: OSCAR's refusals of the new controls come back on their
// step, next to their control.
func TestWizardRuntimeRefusalsOnTheirFields(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{}) // no HTTPRoute: OSCAR refuses forward authentication
	rv := wzCreateExposed(t, h, nil, map[string]string{"expose.enabled": "true", "expose.api_port": "8080", "expose.set_auth": "true", "expose.auth_type": "forward"})
	p := h.wzSubmit(rv, "[data-testid=create-form]", nil, "")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/expose#f-expose-auth_type")
	ex := h.get("/services/new/expose")
	if msg := wzFieldError(t, ex, "expose.auth_type"); !strings.Contains(msg, "OSCAR refused the service") || !strings.Contains(msg, "httproute") {
		t.Errorf("auth_type message %q", msg)
	}
	if len(fake.ServiceNames()) != 0 {
		t.Error("the refused service was stored")
	}
}

func TestWizardMountMustBePrivate(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	fake.AddBucket("shared", "cluster_admin", "public")
	wzExpect(t, wzGeneral(t, h, nil), http.StatusSeeOther, "/services/new/storage")
	st := h.get("/services/new/storage")
	p := h.wzSubmit(st, wzForm0, map[string]string{"mount.storage_provider": "minio.default", "mount.path": "shared/work"}, "nav=next")
	wzExpect(t, p, http.StatusUnprocessableEntity, "")
	if msg := wzFieldError(t, p, "mount.path"); !strings.Contains(msg, "shared is public") {
		t.Errorf("mount message %q", msg)
	}
	p = h.wzSubmit(h.get("/services/new/storage"), wzForm0, map[string]string{"mount.storage_provider": "minio.default", "mount.path": "private-work/nb"}, "nav=next")
	wzExpect(t, p, http.StatusSeeOther, "/services/new/inputs")
	for _, st := range []string{"inputs", "outputs", "expose"} {
		p = h.wzSubmit(h.get("/services/new/"+st), wzForm0, nil, "nav=next")
	}
	wzExpect(t, h.wzSubmit(h.get("/services/new/review"), "[data-testid=create-form]", nil, ""), http.StatusSeeOther, "/services/grayify")
	var stored struct {
		Mount struct {
			StorageProvider string `json:"storage_provider"`
			Path            string `json:"path"`
		} `json:"mount"`
	}
	_ = json.Unmarshal(fake.StoredService("grayify"), &stored)
	if stored.Mount.StorageProvider != "minio.default" || stored.Mount.Path != "private-work/nb" {
		t.Errorf("mount stored = %+v", stored.Mount)
	}
}

func TestWizardKserveOnKnative(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{ServerlessBackend: true})
	wzCreateExposed(t, h, nil, map[string]string{"kserve.enabled": "true", "kserve.type": "inference", "kserve.storage_uri": "s3://models/yolo",
		"kserve.model_format": "onnx", "kserve.max_scale": "2", "kserve.cpu": "1", "kserve.memory": "2Gi", "kserve.args": "--a\n--b",
		"kserve.env": "MODEL=yolo", "kserve.set_auth": "true"})
	wzExpect(t, h.wzSubmit(h.get("/services/new/review"), "[data-testid=create-form]", nil, ""), http.StatusSeeOther, "/services/grayify")
	var stored struct {
		Kserve map[string]any `json:"kserve"`
	}
	_ = json.Unmarshal(fake.StoredService("grayify"), &stored)
	b, _ := json.Marshal(stored.Kserve)
	if got, want := string(b), `{"args":["--a","--b"],"cpu":"1","enable_gpu":false,"env":{"MODEL":"yolo"},"inference":{"model_format":"onnx"},"max_scale":2,"memory":"2Gi","min_scale":0,"set_auth":true,"storage_uri":"s3://models/yolo","type":"inference"}`; got != want {
		t.Errorf("kserve stored:\n%s\nwant\n%s", got, want)
	}
}

// TestWizardEditKeepsRuntimeFields: editing a service that uses every new control, on a cluster
// that offers none of them, and saving it without a change sends it back unchanged.
func TestWizardEditKeepsRuntimeFields(t *testing.T) {
	h, fake := wzSetup(t, oscartest.Options{})
	def := `{"name":"nb","image":"jupyter","script":"start","owner":"cluster_admin","interlink_node_name":"vk","isolation_level":"USER",
		"synchronous":{"min_scale":1,"max_scale":2},"image_prefetch":true,"enable_sgx":true,"ephemeral_storage_request":"1Gi",
		"mount":{"storage_provider":"minio.default","path":"work/nb","options":"--vfs-cache-mode full"},
		"expose":{"api_port":[8888],"nodePort":[31000],"min_scale":1,"max_scale":2,"cpu_threshold":50,"health_path":"/h","probe_mode":"legacy","auth_type":"basic","set_auth":true},
		"kserve":{"type":"llm_inference","storage_uri":"hf://m/x","llm_inference":{"runtime_image":"vllm"},"min_scale":0,"max_scale":1,"cpu":"1","memory":"1Gi","set_auth":false,"enable_gpu":false}}`
	if err := fake.PutService(def); err != nil {
		t.Fatal(err)
	}
	before := fake.StoredService("nb")
	p := h.get("/services/nb/edit/general")
	for _, st := range []string{"general", "storage", "inputs", "outputs", "expose"} {
		p = h.wzSubmit(h.get("/services/nb/edit/"+st), wzForm0, nil, "nav=next")
		wzExpect(t, p, http.StatusSeeOther, "")
	}
	wzExpect(t, h.wzSubmit(h.get("/services/nb/edit/review"), "[data-testid=create-form]", nil, ""), http.StatusSeeOther, "/services/nb")
	// Compared as OSCAR reads them (its types), so that member order and OSCAR's explicit zeros
	// do not count.
	var a, b oscar.Service
	_ = json.Unmarshal(before, &a)
	_ = json.Unmarshal(fake.StoredService("nb"), &b)
	for name, pair := range map[string][2]any{
		"interlink_node_name": {a.InterLinkNodeName, b.InterLinkNodeName}, "isolation_level": {a.IsolationLevel, b.IsolationLevel},
		"synchronous": {a.Synchronous, b.Synchronous}, "image_prefetch": {a.ImagePrefetch, b.ImagePrefetch}, "enable_sgx": {a.EnableSGX, b.EnableSGX},
		"ephemeral_storage_request": {a.EphemeralStorageRequest, b.EphemeralStorageRequest}, "mount": {a.Mount, b.Mount},
		"expose": {a.Expose, b.Expose}, "kserve": {a.Kserve, b.Kserve},
	} {
		x, _ := json.Marshal(pair[0])
		y, _ := json.Marshal(pair[1])
		if string(x) != string(y) || string(x) == "null" || string(x) == `""` || string(x) == "false" {
			t.Errorf("%s: %s → %s", name, x, y)
		}
	}
}
