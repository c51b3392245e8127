package wizard

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// post parses the values of one step into d, as a browser posting the step would.
func post(d *Draft, step string, set map[string]string) *Problems {
	v := url.Values{}
	for k, val := range set {
		v.Set(k, val)
	}
	return ParseStep(d, step, Form{Values: v}, Env{})
}

// validGeneral are values that pass the General step.
func validGeneral() map[string]string {
	return map[string]string{"name": "grayify", "image": "ghcr.io/grycap/imagemagick", "cpu": "0.5", "memory": "1Gi",
		"log_level": "INFO", "script": "#!/bin/sh\necho hi\n", "visibility": "private"}
}

func TestValidateGeneral(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   map[string]string
		field string
		want  string // "" for no problem at field
	}{
		{"valid", nil, "name", ""},
		{"empty name", map[string]string{"name": ""}, "name", "Enter a name"},
		{"upper-case name", map[string]string{"name": "Grayify"}, "name", "lower-case"},
		{"long name", map[string]string{"name": strings.Repeat("a", 40)}, "name", "at most 39"},
		{"name with underscore", map[string]string{"name": "gray_ify"}, "name", "lower-case"},
		{"reserved name", map[string]string{"name": "import"}, "name", "a page of the console"},
		{"no image", map[string]string{"image": ""}, "image", "container image"},
		{"image with space", map[string]string{"image": "a b"}, "image", "no spaces"},
		{"bad cpu", map[string]string{"cpu": "two"}, "cpu", "number of cores"},
		{"zero cpu", map[string]string{"cpu": "0"}, "cpu", "more than 0"},
		{"sub-millicore cpu", map[string]string{"cpu": "0.0001"}, "cpu", "millicore"},
		{"millicores", map[string]string{"cpu": "500m"}, "cpu", ""},
		{"too many cores", map[string]string{"cpu": "2000"}, "cpu", "more than 1024 cores"},
		{"bare memory", map[string]string{"memory": "256"}, "memory", "did you mean 256Mi"},
		{"bad memory", map[string]string{"memory": "1 GB"}, "memory", "with a unit"},
		{"decimal memory", map[string]string{"memory": "512M"}, "memory", ""},
		{"bad log level", map[string]string{"log_level": "LOUD"}, "log_level", "Choose one of"},
		{"no script", map[string]string{"script": "  \n"}, "script", "Enter the script"},
		{"restricted without users", map[string]string{"visibility": "restricted", "allowed_users": ""}, "allowed_users", "at least one user"},
		{"restricted with users", map[string]string{"visibility": "restricted", "allowed_users": "a b"}, "allowed_users", ""},
		{"bad visibility", map[string]string{"visibility": "secret"}, "visibility", "private, public or restricted"},
		{"bad pull secret", map[string]string{"image_pull_secrets": "My_Secret"}, "image_pull_secrets", "Kubernetes secret name"},
		{"variable without name", map[string]string{"environment.variables[0].key": "", "environment.variables[0].value": "x"}, "environment.variables[0].key", "Give this variable a name"},
		{"bad variable name", map[string]string{"environment.variables[0].key": "1X", "environment.variables[0].value": "x"}, "environment.variables[0].key", "not a valid"},
		{"duplicate variable", map[string]string{"environment.variables[0].key": "A", "environment.variables[1].key": "A"}, "environment.variables[1].key", "given twice"},
		{"secret without value", map[string]string{"environment.secrets[0].key": "TOKEN"}, "environment.secrets[0].value", "Enter the value"},
		{"secret named like a variable", map[string]string{"environment.variables[0].key": "A", "environment.secrets[0].key": "A", "environment.secrets[0].value": "s"}, "environment.secrets[0].key", "defined twice"},
		{"bad label value", map[string]string{"labels[0].key": "team", "labels[0].value": "a b"}, "labels[0].value", "at most 63"},
		{"server label", map[string]string{"labels[0].key": "owner_name", "labels[0].value": "x"}, "labels[0].key", "OSCAR sets the label"},
		{"bad annotation key", map[string]string{"annotations[0].key": "a b", "annotations[0].value": "x"}, "annotations[0].key", "not a valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := validGeneral()
			for k, v := range tc.set {
				set[k] = v
			}
			d := New()
			if pr := post(d, General, set); !pr.Empty() {
				t.Fatalf("reading the form: %v", pr.errs)
			}
			got := Validate(d, General, Env{}).errs[tc.field]
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("problem at %s = %q, want %q", tc.field, got, tc.want)
			}
		})
	}
}

func TestValidateGeneralAgainstTheCluster(t *testing.T) {
	env := Env{FeaturesKnown: true, UserVOs: []string{"vo.a"},
		Features: oscar.Features{VOs: []string{"vo.a", "vo.b"}, AllowedImageRepositories: []string{"ghcr.io/grycap/"}}}
	for _, tc := range []struct {
		name  string
		set   map[string]string
		env   Env
		field string
		want  string
	}{
		{"image from another registry", map[string]string{"image": "docker.io/x"}, env, "image", "only accepts images from ghcr.io/grycap/"},
		{"VO the user is not in", map[string]string{"vo": "vo.b"}, env, "vo", "not a member of vo.b"},
		{"VO the cluster does not know", map[string]string{"vo": "vo.z"}, env, "vo", "does not accept the VO"},
		{"no VO of the user's", nil, Env{FeaturesKnown: true, Features: oscar.Features{VOs: []string{"vo.b"}}}, "vo", "not a member of any VO"},
		{"admin without VO", nil, Env{FeaturesKnown: true, Basic: true, Features: oscar.Features{VOs: []string{"vo.b"}}}, "vo", ""},
		{"GPU on a cluster without", map[string]string{"enable_gpu": "true"}, Env{FeaturesKnown: true, Basic: true}, "enable_gpu", ""},
		{"GPU while unknown", map[string]string{"enable_gpu": "true"}, Env{}, "enable_gpu", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := validGeneral()
			for k, v := range tc.set {
				set[k] = v
			}
			d := New()
			v := url.Values{}
			for k, val := range set {
				v.Set(k, val)
			}
			ParseStep(d, General, Form{Values: v}, tc.env)
			got := Validate(d, General, tc.env).errs[tc.field]
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("problem at %s = %q, want %q", tc.field, got, tc.want)
			}
		})
	}
	// The checkbox is not offered on a cluster without GPU, so a posted value is ignored; a service
	// that already asks for one is told to untick it.
	d := New()
	d.Service.EnableGPU = true
	noGPU := Env{FeaturesKnown: true, Basic: true}
	if got := Validate(d, General, noGPU).errs["enable_gpu"]; !strings.Contains(got, "no GPU") {
		t.Errorf("GPU on a cluster without: %q", got)
	}
}

func TestValidateStorage(t *testing.T) {
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
		{"missing token", "onedata", map[string]string{"id": "dh", "oneprovider_host": "op.example.org", "space": "s"}, "token", "Access token is required"},
		{"minio endpoint without scheme", "minio", map[string]string{"id": "m2", "endpoint": "minio.example.org", "access_key": "a", "secret_key": "b"}, "endpoint", "https://"},
		{"https host is trimmed", "onedata", map[string]string{"id": "dh", "oneprovider_host": "https://op.example.org/", "token": "t", "space": "s"}, "oneprovider_host", ""},
		{"valid rucio", "rucio", map[string]string{"id": "r", "host": "rucio.example.org", "account": "a", "rse": "x", "refresh_token": "t", "auth_host": "https://auth.example.org"}, "auth_host", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := map[string]string{"storage_providers[0].provider": tc.kind}
			for k, v := range tc.set {
				set["storage_providers[0]."+k] = v
			}
			d := New()
			post(d, Storage, set)
			got := Validate(d, Storage, Env{}).errs["storage_providers[0]."+tc.field]
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("problem = %q, want %q", got, tc.want)
			}
		})
	}
	d := New()
	post(d, Storage, map[string]string{
		"storage_providers[0].provider": "s3", "storage_providers[0].id": "aws", "storage_providers[0].access_key": "a", "storage_providers[0].secret_key": "b", "storage_providers[0].region": "r",
		"storage_providers[1].provider": "s3", "storage_providers[1].id": "aws", "storage_providers[1].access_key": "c", "storage_providers[1].secret_key": "d", "storage_providers[1].region": "r",
	})
	if got := Validate(d, Storage, Env{}).errs["storage_providers[1].id"]; !strings.Contains(got, "already a Amazon S3 provider") {
		t.Errorf("duplicate id: %q", got)
	}
}

func TestValidateIO(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   map[string]string
		field string
		want  string
	}{
		{"valid", nil, "path", ""},
		{"empty path", map[string]string{"input[0].path": " / "}, "path", "Enter a path"},
		{"short bucket", map[string]string{"input[0].path": "ab/in"}, "path", "3 to 63"},
		{"upper-case bucket", map[string]string{"input[0].path": "Images/in"}, "path", "lower-case"},
		{"ip bucket", map[string]string{"input[0].path": "192.168.1.1/in"}, "path", "IP address"},
		{"reserved suffix", map[string]string{"input[0].path": "data-s3alias/in"}, "path", "S3 reserves"},
		{"s3 as input", map[string]string{"input[0].storage_provider": "s3.aws"}, "storage_provider", "OSCAR only accepts MinIO, WebDAV (dCache) or Rucio as inputs; Amazon S3 can only be an output"},
		{"onedata as input", map[string]string{"input[0].storage_provider": "onedata.dh"}, "storage_provider", "only be an output"},
		{"undefined provider", map[string]string{"input[0].storage_provider": "minio.nope"}, "storage_provider", "not defined"},
		{"unknown kind", map[string]string{"input[0].storage_provider": "ftp.x"}, "storage_provider", "not a storage provider kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := map[string]string{"input[0].storage_provider": "minio.default", "input[0].path": "grayify-in/images"}
			for k, v := range tc.set {
				set[k] = v
			}
			d := New()
			post(d, Inputs, set)
			got := Validate(d, Inputs, Env{}).errs["input[0]."+tc.field]
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("problem = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseStepCleansValues(t *testing.T) {
	d := New()
	post(d, General, map[string]string{
		"name": " grayify\x00 ", "script": "a\r\nb\rc\x01", "allowed_users": "a, b;c\nb", "log_level": "debug",
		"environment.variables[0].key": "A", "environment.variables[0].value": "x\ny",
		"environment.variables[1].key": "", "environment.variables[1].value": "",
		"environment.variables[x].key": "ignored", "environment.variables[0001].key": "ignored",
	})
	s := d.Service
	if s.Name != "grayify" || s.Script != "a\nb\nc" || strings.Join(s.AllowedUsers, " ") != "a b c" || s.LogLevel != "DEBUG" {
		t.Errorf("general = name %q script %q users %q level %q", s.Name, s.Script, s.AllowedUsers, s.LogLevel)
	}
	if len(d.Variables) != 1 || d.Variables[0] != (KVRow{Key: "A", Value: "xy"}) || s.Environment.Variables["A"] != "xy" {
		t.Errorf("variables = %+v, environment = %+v", d.Variables, s.Environment)
	}

	// A secret left empty keeps the stored value of the same row; a new row gets a new number.
	post(d, General, map[string]string{"environment.secrets[0].key": "S", "environment.secrets[0].value": "v1"})
	row := d.Secrets[0].Row
	post(d, General, map[string]string{"environment.secrets[0].key": "S", "environment.secrets[0].row": jsonInt(row), "environment.secrets[0].value": ""})
	if len(d.Secrets) != 1 || d.Secrets[0].Value != "v1" || d.Secrets[0].Row != row {
		t.Errorf("secrets after an empty post = %+v", d.Secrets)
	}

	// Storage: an https:// host loses its scheme, a secret left empty is kept, an unknown kind is dropped.
	post(d, Storage, map[string]string{"storage_providers[0].provider": "onedata", "storage_providers[0].id": "dh",
		"storage_providers[0].oneprovider_host": "https://op.example.org/", "storage_providers[0].token": "tok", "storage_providers[0].space": "s",
		"storage_providers[1].provider": "ftp", "storage_providers[1].id": "x"})
	pr := d.Providers[0]
	post(d, Storage, map[string]string{"storage_providers[0].provider": "onedata", "storage_providers[0].id": "dh", "storage_providers[0].row": jsonInt(pr.Row),
		"storage_providers[0].oneprovider_host": "op.example.org", "storage_providers[0].token": "", "storage_providers[0].space": "s"})
	if len(d.Providers) != 1 || d.Providers[0].Fields["oneprovider_host"] != "op.example.org" || d.Providers[0].Fields["token"] != "tok" {
		t.Errorf("providers = %+v", d.Providers)
	}
	if od := d.Service.StorageProviders.Onedata["dh"]; od == nil || od.Token != "tok" {
		t.Errorf("service providers = %+v", d.Service.StorageProviders)
	}

	// Inputs: a bare kind reads <kind>.default; prefix and suffix are lists.
	post(d, Inputs, map[string]string{"input[0].storage_provider": "MINIO", "input[0].path": " /b/in/ ", "input[0].suffix": "jpg, png"})
	if in := d.Service.Input[0]; in.StorageProvider != "minio.default" || in.Path != "/b/in/" || strings.Join(in.Suffix, ",") != "jpg,png" {
		t.Errorf("input = %+v", in)
	}
}

func jsonInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestRowAction(t *testing.T) {
	d := New()
	for _, tc := range []struct {
		step, button, value, provider string
		anchor                        string
		ok                            bool
	}{
		{General, "add", "environment.variables", "", "f-environment-variables-0-key", true},
		{General, "add", "labels", "", "f-labels-0-key", true},
		{Storage, "add", "provider", "minio", "f-storage_providers-0-id", true},
		{Storage, "add", "provider", "ftp", "", false},
		{Inputs, "add", "input", "", "f-input-0-path", true},
		{General, "add", "input", "", "", false}, // not this step's list
		{Inputs, "remove", "input[0]", "", "wizard-form", true},
		{Inputs, "remove", "input[3]", "", "", false},
		{General, "remove", "labels[x]", "", "", false},
	} {
		v := url.Values{tc.button: {tc.value}, "provider": {tc.provider}}
		anchor, ok := RowAction(d, tc.step, v)
		if anchor != tc.anchor || ok != tc.ok {
			t.Errorf("%s %s=%s: RowAction = %q, %v; want %q, %v", tc.step, tc.button, tc.value, anchor, ok, tc.anchor, tc.ok)
		}
	}
	if len(d.Variables) != 1 || len(d.Labels) != 1 || len(d.Providers) != 1 || d.Providers[0].Fields["verify"] != "true" || len(d.Service.Input) != 0 {
		t.Errorf("draft after the row actions = %+v", d)
	}
}

func TestRefusalFor(t *testing.T) {
	d := New()
	d.Service.Name = "grayify"
	d.Service.Input = []oscar.StorageIOConfig{{StorageProvider: "minio.default", Path: "grayify-in/images"}}
	d.Service.Output = []oscar.StorageIOConfig{{StorageProvider: "onedata.dh", Path: "out"}, {StorageProvider: "s3.aws", Path: "my-results-bucket/x"}}
	d.Providers = []ProviderRow{{Kind: oscar.KindOnedata, ID: "dh", Fields: map[string]string{"oneprovider_host": "op.example.org"}}}
	for _, tc := range []struct {
		name        string
		kind        oscar.Kind
		message     string
		step, field string
	}{
		{"name in use", oscar.BadInput, "a service named grayify already exists", General, "name"},
		{"vo", oscar.Forbidden, "you are not a member of the chosen VO", General, "vo"},
		{"image", oscar.BadInput, "the image is required", General, "image"},
		{"script", oscar.BadInput, "the script is required", General, "script"},
		{"name too long", oscar.BadInput, "the service name must be at most 39 characters", General, "name"},
		{"bucket exists", oscar.Server, `a bucket named "grayify-in" already exists`, Inputs, "input[0].path"},
		{"s3 bucket exists", oscar.Server, `a bucket named "my-results-bucket" already exists`, Outputs, "output[1].path"},
		{"unknown bucket exists", oscar.Server, `a bucket named "other" already exists`, Inputs, ""},
		{"undefined provider", oscar.Server, `the storage provider "onedata.dh" is not defined`, Outputs, "output[0].storage_provider"},
		{"undefined provider not used", oscar.Server, `the storage provider "webdav.x" is not defined`, Storage, ""},
		{"onedata unreachable", oscar.Server, `could not reach the Onedata provider "OP.example.org"`, Storage, "storage_providers[0].oneprovider_host"},
		{"quota", oscar.Forbidden, "bucket quota exceeded", Inputs, ""},
		{"inputs", oscar.BadInput, "inputs must be MinIO, dCache or Rucio", Inputs, ""},
		{"anything else", oscar.Server, "the webhook could not be registered", Review, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oe := &oscar.Error{Kind: tc.kind, Status: 400, Message: tc.message}
			got := RefusalFor(d, oe)
			if got.Step != tc.step || got.Field != tc.field || got.Message != oe.UserMessage() {
				t.Errorf("RefusalFor(%q) = %+v, want step %s field %q", tc.message, got, tc.step, tc.field)
			}
		})
	}
}

func TestStepsAndRef(t *testing.T) {
	if StepAfter(General, -1) != General || StepAfter(General, 1) != Storage || StepAfter(Review, 1) != Review {
		t.Error("StepAfter leaves the list")
	}
	if !IsStep(Outputs) || IsStep("discard") || StepLabel(Inputs) != "Inputs" {
		t.Error("IsStep or StepLabel")
	}
	for _, tc := range []struct {
		ref       Ref
		key, step string
	}{
		{Ref{Mode: ModeNew}, "new", "/services/new/storage"},
		{Ref{Mode: ModeEdit, Name: "a b"}, "edit:a b", "/services/a%20b/edit/storage"},
	} {
		if tc.ref.Key() != tc.key || tc.ref.StepURL(Storage) != tc.step {
			t.Errorf("%+v: key %q, URL %q", tc.ref, tc.ref.Key(), tc.ref.StepURL(Storage))
		}
	}
}

// TestReviewHidesEverySecretField sets every Secret field of every kind in oscar.ProviderKinds to a
// marker: neither the Review step (YAML and JSON) nor the Storage step carries it back.
func TestReviewHidesEverySecretField(t *testing.T) {
	for _, k := range oscar.ProviderKinds() {
		t.Run(k.Kind, func(t *testing.T) {
			fields, markers := map[string]string{}, []string{}
			for _, f := range k.Fields {
				fields[f.Key] = "plain.example.org"
				if f.Secret {
					fields[f.Key] = "MARKER-" + k.Kind + "-" + f.Key
					markers = append(markers, fields[f.Key])
				}
			}
			sp := &oscar.StorageProviders{}
			sp.Add(k.Kind, "x", fields)
			d := FromService(oscar.Service{Name: "svc", Image: "img", Script: "echo", StorageProviders: sp}, ModeNew)
			for _, step := range []string{Storage, Review} {
				props, err := Props(Ref{Mode: ModeNew}, d, step, Env{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(props)
				for _, m := range markers {
					if strings.Contains(string(b), m) {
						t.Errorf("the %s step holds %s: %s", step, m, b)
					}
				}
			}
			if built, _ := json.Marshal(d.Build()); !strings.Contains(string(built), markers[0]) {
				t.Errorf("the definition sent to OSCAR lost the secret: %s", built)
			}
		})
	}
}

func TestIOHintsNameTheKindsOfTheTable(t *testing.T) {
	d := New()
	in, out := ioProps(d, true), ioProps(d, false)
	if want := "Inputs can be minio.default or the MinIO, WebDAV (dCache) and Rucio providers defined on the Storage step: OSCAR does not accept Amazon S3 or Onedata as inputs."; in.Kinds != want {
		t.Errorf("inputs hint = %q, want %q", in.Kinds, want)
	}
	if want := "Outputs can be minio.default or any provider defined on the Storage step: MinIO, Amazon S3, Onedata, WebDAV (dCache) or Rucio."; out.Kinds != want {
		t.Errorf("outputs hint = %q, want %q", out.Kinds, want)
	}
}
