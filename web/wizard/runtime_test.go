package wizard

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// runtimeService is a service that uses every control of the Execution, Expose, KServe and Mount
// sections, as OSCAR returns it.
func runtimeService() oscar.Service {
	return oscar.Service{
		Name: "nb", Image: "jupyter/base", Script: "#!/bin/sh\nexec start-notebook.sh\n", CPU: "1", Memory: "2Gi", LogLevel: "INFO",
		Owner: "alice@egi.eu", Token: "0123", Visibility: "restricted", AllowedUsers: []string{"bob@egi.eu"},
		Synchronous:             &oscar.Synchronous{MinScale: 1, MaxScale: 4},
		ImagePrefetch:           true,
		FileStageIn:             true,
		EnableSGX:               true,
		EphemeralStorageRequest: "2Gi",
		IsolationLevel:          "USER",
		BucketList:              []string{"nb-bob"},
		InterLinkNodeName:       "vk-hpc",
		Mount:                   &oscar.StorageIOConfig{StorageProvider: "minio.default", Path: "notebooks/work", Options: "--vfs-cache-mode full"},
		Expose: &oscar.Expose{APIPort: []int{8888, 9000}, NodePort: []int{0, 31000}, MinScale: 2, MaxScale: 5, CPUThreshold: 70,
			RewriteTarget: true, DefaultCommand: true, SetAuth: true, AuthType: "forward", HealthPath: "/api", ProbeMode: "direct"},
		Kserve: &oscar.Kserve{Type: "inference", StorageURI: "s3://models/yolo", Inference: &oscar.KserveInference{ModelFormat: "onnx", Runtime: "triton"},
			APIVersion: "v2", MinScale: 1, MaxScale: 3, CPU: "2", Memory: "4Gi", Args: []string{"--workers", "2"},
			Env: map[string]string{"MODEL": "yolo", "LOG": "debug"}, EnableGPU: true, SetAuth: true},
	}
}

func knativeEnv() Env {
	return Env{FeaturesKnown: true, Basic: true, Endpoint: "https://oscar.example.org",
		Features: oscar.Features{GPU: true, InterLink: true, ServerlessBackend: "knative", Run: true}}
}

// bareEnv is a cluster with none of the features: no Knative, no InterLink, no GPU.
func bareEnv() Env {
	return Env{FeaturesKnown: true, Basic: true, Endpoint: "https://oscar.example.org"}
}

func jsonOf(t *testing.T, s oscar.Service) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRuntimeFieldsRoundTripThroughEdit opens a service in the edit wizard, posts every step back
// as a browser without JavaScript would (nothing touched), and checks the definition sent is the
// one loaded, on a cluster that offers every control and on one that offers none of them.
func TestRuntimeFieldsRoundTripThroughEdit(t *testing.T) {
	for name, env := range map[string]Env{"every feature": knativeEnv(), "no feature": bareEnv(), "features unknown": {Endpoint: "https://o"}} {
		t.Run(name, func(t *testing.T) {
			want := runtimeService()
			d := FromService(want, ModeEdit)
			for _, st := range Steps()[:len(Steps())-1] {
				ParseStep(d, st, Form{Values: renderedForm(t, d, st, env)}, env)
			}
			if got := jsonOf(t, d.Build()); got != jsonOf(t, want) {
				t.Errorf("the definition changed:\ngot  %s\nwant %s", got, jsonOf(t, want))
			}
			if p := Validate(d, Review, env); !p.Empty() {
				t.Errorf("a valid service has problems: %v", p.errs)
			}
		})
	}
}

// TestRuntimeFieldsRoundTripThroughFDL exports the service and imports it again.
func TestRuntimeFieldsRoundTripThroughFDL(t *testing.T) {
	want := runtimeService()
	want.Owner, want.Token, want.BucketList = "", "", nil // what a sanitised export leaves out
	out, err := fdl.Marshal(want, fdl.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := fdl.Parse(out)
	if err != nil {
		t.Fatalf("parse the export: %v\n%s", err, out)
	}
	got := f.Functions[0].Service
	got.ClusterID = ""
	if jsonOf(t, got) != jsonOf(t, want) {
		t.Errorf("FDL round trip changed the service:\ngot  %s\nwant %s\n%s", jsonOf(t, got), jsonOf(t, want), out)
	}
	d := FromService(got, ModeNew)
	if p := Validate(d, Review, knativeEnv()); !p.Empty() {
		t.Errorf("the imported service has problems: %v", p.errs)
	}
}

func TestControlsOfferedByCluster(t *testing.T) {
	plain := FromService(oscar.Service{Name: "a", Image: "i", Script: "s"}, ModeNew)
	g := executionProps(plain, bareEnv())
	if g.Sync || g.InterLink {
		t.Errorf("a bare cluster offers sync %v, InterLink %v", g.Sync, g.InterLink)
	}
	if kserveProps(plain, bareEnv()) != nil {
		t.Error("a cluster without Knative offers KServe")
	}
	g = executionProps(plain, knativeEnv())
	if !g.Sync || !g.InterLink || kserveProps(plain, knativeEnv()) == nil {
		t.Error("a Knative cluster with InterLink does not offer sync, InterLink and KServe")
	}
	// A service that has them keeps its controls, so it can clear them.
	has := FromService(runtimeService(), ModeEdit)
	if x := executionProps(has, bareEnv()); !x.Sync || !x.InterLink || kserveProps(has, bareEnv()) == nil {
		t.Error("a service with sync, InterLink and KServe lost their controls on a cluster without them")
	}
	// Not offered: whatever is posted leaves the field alone.
	v := url.Values{"synchronous.min_scale": {"9"}, "interlink_node_name": {"evil"}}
	for k, val := range validGeneral() {
		v.Set(k, val)
	}
	ParseStep(plain, General, Form{Values: v}, bareEnv())
	if plain.Service.Synchronous != nil || plain.Service.InterLinkNodeName != "" {
		t.Errorf("controls not offered were read: %+v %q", plain.Service.Synchronous, plain.Service.InterLinkNodeName)
	}
}

func TestValidateRuntimeControls(t *testing.T) {
	base := func() url.Values {
		v := url.Values{}
		for k, val := range validGeneral() {
			v.Set(k, val)
		}
		return v
	}
	expose := func(set map[string]string) url.Values {
		v := url.Values{"expose.enabled": {"true"}, "expose.api_port": {"8888"}, "expose.min_scale": {"1"}, "expose.max_scale": {"10"},
			"expose.cpu_threshold": {"80"}, "expose.health_path": {"/"}}
		for k, val := range set {
			v.Set(k, val)
		}
		return v
	}
	kserve := func(set map[string]string) url.Values {
		v := url.Values{"kserve.enabled": {"true"}, "kserve.type": {"inference"}, "kserve.storage_uri": {"s3://m/x"}, "kserve.model_format": {"onnx"},
			"kserve.max_scale": {"1"}, "kserve.set_auth": {"true"}}
		for k, val := range set {
			v.Set(k, val)
		}
		return v
	}
	general := func(set map[string]string) url.Values {
		v := base()
		for k, val := range set {
			v.Set(k, val)
		}
		return v
	}
	tests := []struct {
		name  string
		step  string
		form  url.Values
		field string
		words string
	}{
		{"sync not a number", General, general(map[string]string{"synchronous.min_scale": "two"}), "synchronous.min_scale", "“two” is not a whole number"},
		{"sync max below min", General, general(map[string]string{"synchronous.min_scale": "3", "synchronous.max_scale": "2"}), "synchronous.max_scale", "below the minimum"},
		{"ephemeral without unit", General, general(map[string]string{"ephemeral_storage_request": "2"}), "ephemeral_storage_request", "less than 1 MiB"},
		{"ephemeral not a quantity", General, general(map[string]string{"ephemeral_storage_request": "lots"}), "ephemeral_storage_request", "with a unit"},
		{"isolation", General, general(map[string]string{"isolation_level": "team"}), "isolation_level", "SERVICE or USER"},
		{"interlink node", General, general(map[string]string{"interlink_node_name": "Bad Node"}), "interlink_node_name", "not a Kubernetes node name"},
		{"no port", Expose, expose(map[string]string{"expose.api_port": ""}), "expose.api_port", "Give the port"},
		{"port not a number", Expose, expose(map[string]string{"expose.api_port": "88a"}), "expose.api_port", "“88a” is not a list of port numbers"},
		{"port out of range", Expose, expose(map[string]string{"expose.api_port": "70000"}), "expose.api_port", "not a port"},
		{"port twice", Expose, expose(map[string]string{"expose.api_port": "80, 80"}), "expose.api_port", "twice"},
		{"node ports count", Expose, expose(map[string]string{"expose.api_port": "80, 81", "expose.nodePort": "31000"}), "expose.nodePort", "one node port for each API port (2)"},
		{"node port range", Expose, expose(map[string]string{"expose.nodePort": "8080"}), "expose.nodePort", "node port range"},
		{"min scale", Expose, expose(map[string]string{"expose.min_scale": "0"}), "expose.min_scale", "at least 1"},
		{"max below min", Expose, expose(map[string]string{"expose.min_scale": "4", "expose.max_scale": "2"}), "expose.max_scale", "below the minimum"},
		{"cpu threshold", Expose, expose(map[string]string{"expose.cpu_threshold": "150"}), "expose.cpu_threshold", "1 to 100"},
		{"auth type", Expose, expose(map[string]string{"expose.auth_type": "oauth"}), "expose.auth_type", "basic or forward"},
		{"health path", Expose, expose(map[string]string{"expose.health_path": "health"}), "expose.health_path", "starting with /"},
		{"probe mode", Expose, expose(map[string]string{"expose.probe_mode": "tcp"}), "expose.probe_mode", "legacy or direct"},
		{"kserve uri", Expose, kserve(map[string]string{"kserve.storage_uri": ""}), "kserve.storage_uri", "where the model is"},
		{"kserve uri scheme", Expose, kserve(map[string]string{"kserve.storage_uri": "models/yolo"}), "kserve.storage_uri", "scheme"},
		{"kserve format", Expose, kserve(map[string]string{"kserve.model_format": ""}), "kserve.model_format", "model's format"},
		{"kserve type", Expose, kserve(map[string]string{"kserve.type": "batch"}), "kserve.type", "Choose"},
		{"kserve scale", Expose, kserve(map[string]string{"kserve.min_scale": "3", "kserve.max_scale": "2"}), "kserve.max_scale", "below the minimum"},
		{"kserve memory", Expose, kserve(map[string]string{"kserve.memory": "4"}), "kserve.memory", "less than 1 MiB"},
		{"kserve env", Expose, kserve(map[string]string{"kserve.env": "A=1\nno equals"}), "kserve.env", "NAME=value"},
		{"mount not minio", Storage, url.Values{"mount.storage_provider": {"s3.aws"}, "mount.path": {"b/f"}}, "mount.storage_provider", "only mounts buckets of a MinIO"},
		{"mount undefined", Storage, url.Values{"mount.storage_provider": {"minio.other"}, "mount.path": {"bucket"}}, "mount.storage_provider", "not defined"},
		{"mount no path", Storage, url.Values{"mount.storage_provider": {"minio.default"}, "mount.path": {""}}, "mount.path", "Give the bucket"},
		{"mount bad bucket", Storage, url.Values{"mount.storage_provider": {"minio.default"}, "mount.path": {"B_ad/f"}}, "mount.path", "lower-case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New()
			env := knativeEnv()
			ParseStep(d, tt.step, Form{Values: tt.form}, env)
			p := Validate(d, tt.step, env)
			if msg := p.errs[tt.field]; !strings.Contains(msg, tt.words) {
				t.Errorf("%s: message %q, want one with %q (all: %v)", tt.field, msg, tt.words, p.errs)
			}
			// The typed text is shown again.
			v := renderedForm(t, d, tt.step, env)
			if typed := tt.form.Get(tt.field); typed != "" && tt.field != "kserve.type" && tt.field != "isolation_level" && !strings.HasPrefix(tt.field, "mount.storage") && v.Get(tt.field) != typed {
				t.Errorf("the form shows %q, want what was typed, %q", v.Get(tt.field), typed)
			}
		})
	}
}

func TestExposeTurnedOffAndOn(t *testing.T) {
	d := FromService(runtimeService(), ModeEdit)
	env := knativeEnv()
	v := renderedForm(t, d, Expose, env)
	v.Del("expose.enabled")
	ParseStep(d, Expose, Form{Values: v}, env)
	if d.Service.Expose.Exposed() || len(d.Service.Expose.APIPort) != 0 {
		t.Errorf("unticked, expose = %+v, want no API port", d.Service.Expose)
	}
	if d.Service.Expose.HealthPath != "/api" {
		t.Error("turning expose off lost its other settings")
	}
	// A new service, ticked: OSCAR's defaults are what the form starts from.
	n := New()
	n.Service.Name = "web"
	f := renderedForm(t, n, Expose, env)
	if f.Get("expose.min_scale") != "1" || f.Get("expose.max_scale") != "10" || f.Get("expose.cpu_threshold") != "80" || f.Get("expose.health_path") != "/" {
		t.Errorf("defaults shown: %v", f)
	}
	f.Set("expose.enabled", "true")
	f.Set("expose.api_port", "8080")
	ParseStep(n, Expose, Form{Values: f}, env)
	if p := Validate(n, Expose, env); !p.Empty() {
		t.Fatalf("problems: %v", p.errs)
	}
	rv, err := reviewProps(Ref{Mode: ModeNew}, n, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rv.ExposedURL != "https://oscar.example.org/system/services/web/exposed/" {
		t.Errorf("review URL = %q", rv.ExposedURL)
	}
	// Not exposed: OSCAR's expose of zeros stays as it was.
	z := FromService(oscar.Service{Name: "z", Image: "i", Script: "s", Expose: &oscar.Expose{APIPort: []int{}, NodePort: []int{}}}, ModeEdit)
	before := jsonOf(t, z.Build())
	ParseStep(z, Expose, Form{Values: renderedForm(t, z, Expose, env)}, env)
	if after := jsonOf(t, z.Build()); after != before {
		t.Errorf("an unexposed service changed:\n%s\n%s", before, after)
	}
}

func TestCheckMountPrivate(t *testing.T) {
	d := New()
	ParseStep(d, Storage, Form{Values: url.Values{"mount.storage_provider": {"minio"}, "mount.path": {"/shared/folder/"}}}, Env{})
	p := Validate(d, Storage, Env{})
	if !NeedsMountCheck(d, Storage, p) {
		t.Fatal("a minio.default mount is not checked")
	}
	CheckMountPrivate(d, p, []oscar.Bucket{{Name: "shared", Visibility: "public"}, {Name: "other", Visibility: "private"}})
	if msg := p.errs["mount.path"]; !strings.Contains(msg, "shared is public") {
		t.Errorf("message %q", msg)
	}
	q := newProblems()
	CheckMountPrivate(d, q, []oscar.Bucket{{Name: "shared", Visibility: "private"}})
	if !q.Empty() {
		t.Errorf("a private bucket refused: %v", q.errs)
	}
}

func TestRuntimeRefusals(t *testing.T) {
	d := FromService(runtimeService(), ModeEdit)
	for msg, want := range map[string]string{
		"Error creating the service: The length of nodePort (1) must be equal to that of api_port (2)":          "expose/expose.nodePort",
		`Error creating the service: expose auth_type "forward" requires EXPOSED_SERVICES_ROUTE_KIND=httproute`: "expose/expose.auth_type",
		"The service specification is not valid: Kserve StorageUri is required":                                 "expose/kserve.storage_uri",
		"The service specification is not valid: Kserve Inference ModelFormat is required":                      "expose/kserve.model_format",
		"The service specification is not valid: Kserve Type is required":                                       "expose/kserve.type",
		`the bucket "shared" must be private to be used as mount`:                                               "storage/mount.path",
	} {
		rf := RefusalFor(d, &oscar.Error{Kind: oscar.BadInput, Status: 400, Message: msg})
		if got := rf.Step + "/" + rf.Field; got != want {
			t.Errorf("%q → %s, want %s", msg, got, want)
		}
		if rf.Message == "" {
			t.Errorf("%q: no message", msg)
		}
	}
}
