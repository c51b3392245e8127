package fdl

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// exampleFiles reads OSCAR's FDL examples, keyed by file name: the copies in the repository's
// testdata/fdl-examples (or $OSCAR_FDL_EXAMPLES). Finding none fails the test.
func exampleFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := oscartest.FDLExamples()
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func scriptFor(name string) string {
	return "#!/bin/bash\necho \"" + name + "\" \"$INPUT_FILE_PATH\"\n"
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestParseExamples imports every FDL example of OSCAR's repository, checks what each holds, and
// checks that exporting it (complete, script by file name or inline) imports back to the same
// service.
func TestParseExamples(t *testing.T) {
	type want struct {
		names  []string
		check  func(t *testing.T, s []oscar.Service)
		script bool // the example names a script file
	}
	wants := map[string]want{
		"cowsay.yaml": {names: []string{"cowsay"}, script: true, check: func(t *testing.T, s []oscar.Service) {
			if s[0].CPU != "1.0" || s[0].Memory != "1Gi" || s[0].LogLevel != "CRITICAL" || s[0].Image != "ghcr.io/grycap/cowsay" {
				t.Errorf("cowsay = cpu %q memory %q log %q image %q", s[0].CPU, s[0].Memory, s[0].LogLevel, s[0].Image)
			}
			if s[0].Environment == nil || s[0].Environment.Variables["INPUT_TYPE"] != "json" {
				t.Errorf("environment.Variables not read: %+v", s[0].Environment)
			}
			if s[0].ClusterID != "oscar-replica" {
				t.Errorf("cluster_id = %q, want oscar-replica", s[0].ClusterID)
			}
		}},
		// OSCAR 3's replicas, converted; the cluster's extra "memory" ignored.
		"fish-eu.yaml": {names: []string{"fish-detector"}, script: true, check: func(t *testing.T, s []oscar.Service) {
			f := s[0].Federation
			if f == nil || len(f.Members) != 1 || f.Members[0].ClusterID != "oscar-us" || f.Members[0].ServiceName != "fish-detector" {
				t.Errorf("federation = %+v, want replicas converted", f)
			}
			if c, ok := s[0].Clusters["oscar-us"]; !ok || !c.SSLVerify {
				t.Errorf("clusters = %+v", s[0].Clusters)
			}
		}},
		"fish-us.yaml": {names: []string{"fish-detector"}, script: true, check: func(t *testing.T, s []oscar.Service) {
			if len(s[0].Output) != 2 || s[0].Output[1].StorageProvider != "minio.oscar-eu" || s[0].StorageProviders.MinIO["oscar-eu"] == nil {
				t.Errorf("outputs = %+v, providers %+v", s[0].Output, s[0].StorageProviders)
			}
		}},
		"grayify-mount.yaml": {names: []string{"grayifymount"}, script: true, check: func(t *testing.T, s []oscar.Service) {
			if s[0].Mount == nil || s[0].Mount.Path != "grayifymount2/middle" || s[0].Mount.StorageProvider != "minio" {
				t.Errorf("mount = %+v", s[0].Mount)
			}
		}},
		"imagemagick.yaml": {names: []string{"grayify"}, script: true, check: func(t *testing.T, s []oscar.Service) {
			if len(s[0].Input) != 1 || s[0].Input[0].Path != "grayify/in" || len(s[0].Output) != 1 || s[0].Output[0].Path != "grayify/out" {
				t.Errorf("io = %+v / %+v", s[0].Input, s[0].Output)
			}
		}},
		"mask-detector-workflow.yaml": {names: []string{"anon-and-split", "mask-detector"}, script: true, check: func(t *testing.T, s []oscar.Service) {
			if s[1].Image != "grycap/mask-detector-yolo:full" || s[1].Input[0].Path != "mask-detector/intermediate" {
				t.Errorf("second service = %+v", s[1])
			}
		}},
		"plant-classification-sync.yaml": {names: []string{"plant-classification-sync"}, script: true},
		"rucio-service.yaml": {names: []string{"rucio-example"}, check: func(t *testing.T, s []oscar.Service) {
			sp := s[0].StorageProviders
			if sp == nil || sp.Rucio["rucio"] == nil || sp.Rucio["rucio"].RSE != "<rse>" || sp.Rucio["rucio"].RefreshToken != "<oidc-token>" {
				t.Fatalf("top-level rucio provider not merged: %+v", sp)
			}
			if s[0].Input[0].StorageProvider != "rucio.rucio" || s[0].VO != "<vo>" || s[0].FileStageIn {
				t.Errorf("rucio service = %+v", s[0])
			}
		}},
		"secret-usage.yaml": {names: []string{"cowsay-secret"}, script: true, check: func(t *testing.T, s []oscar.Service) {
			e := s[0].Environment
			if e == nil || e.Secrets["COWSAY_SECRET"] != "this-is-my-secret" || e.Variables["INPUT_TYPE"] != "json" {
				t.Errorf("environment = %+v", e)
			}
		}},
		"volume-demo.yaml": {names: []string{"volume-demo"}, script: true, check: func(t *testing.T, s []oscar.Service) {
			if s[0].Volume == nil || s[0].Volume.Size != "1Gi" || s[0].Volume.MountPath != "/data" {
				t.Errorf("volume = %+v", s[0].Volume)
			}
		}},
	}
	files := exampleFiles(t)
	for name := range wants {
		if _, ok := files[name]; !ok {
			dir, _ := oscartest.FDLExamplesDir()
			t.Errorf("example %s is missing from %s", name, dir)
		}
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			w, ok := wants[name]
			if !ok {
				t.Fatalf("no expectations written for example %s: add them", name)
			}
			f, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var names []string
			var services []oscar.Service
			for i, fn := range f.Functions {
				names = append(names, fn.Service.Name)
				scripts := map[string]string{}
				if fn.ScriptFile != "" {
					scripts[fn.ScriptFile] = scriptFor(fn.Service.Name)
				}
				s, missing := f.Service(i, scripts)
				if missing != "" {
					t.Errorf("%s: script %q reported missing although given", fn.Service.Name, missing)
				}
				if w.script && (fn.ScriptFile == "" || s.Script != scriptFor(fn.Service.Name)) {
					t.Errorf("%s: script file %q, script %q", fn.Service.Name, fn.ScriptFile, s.Script)
				}
				services = append(services, s)
			}
			if !slices.Equal(names, w.names) {
				t.Fatalf("services = %v, want %v", names, w.names)
			}
			if w.check != nil {
				w.check(t, services)
			}
			for _, s := range services {
				for _, byFile := range []bool{true, false} {
					opts := ExportOptions{Complete: true}
					if byFile {
						opts.ScriptFile = s.Name + ".sh"
					}
					out, err := Marshal(s, opts)
					if err != nil {
						t.Fatalf("Marshal: %v", err)
					}
					back, err := Parse(out)
					if err != nil {
						t.Fatalf("Parse(Marshal()): %v\n%s", err, out)
					}
					if len(back.Functions) != 1 {
						t.Fatalf("exported %d functions, want 1", len(back.Functions))
					}
					got, missing := back.Service(0, map[string]string{s.Name + ".sh": s.Script})
					if missing != "" {
						t.Errorf("re-import misses %q", missing)
					}
					if g, w := jsonOf(t, got), jsonOf(t, s); g != w {
						t.Errorf("export (script by file %v) does not import back equal:\n got %s\nwant %s\nFDL:\n%s", byFile, g, w, out)
					}
				}
			}
		})
	}
}

func TestParseErrorsGiveTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, fdl string
		line      int
		contains  string
	}{
		{"malformed", "functions:\n  oscar:\n  - c:\n      name: x\n     image: y\n", 5, "malformed"},
		{"no functions", "storage_providers: {}\n", 1, "no \"functions:\""},
		{"list for a string", "functions:\n  oscar:\n  - c:\n      name: [a, b]\n", 4, "single value"},
		{"bad bool", "functions:\n  oscar:\n  - c:\n      name: a\n      alpine: maybe\n", 5, "true or false"},
		{"bad int", "functions:\n  oscar:\n  - c:\n      name: a\n      synchronous: {min_scale: lots}\n", 5, "whole number"},
		{"unknown top key only", "function:\n  oscar: []\n", 1, "no \"functions:\""},
		{"merge of a scalar", "functions:\n  oscar:\n  - c:\n      <<: x\n      name: a\n", 4, "merge key"},
		{"replicas of the wrong type", "functions:\n  oscar:\n  - c:\n      name: a\n      replicas: {type: oscar}\n", 5, "replicas"},
		{"twice", "functions:\n  oscar:\n  - c:\n      name: a\n      Name: b\n", 5, "given twice"},
		{"empty list", "functions:\n  oscar: []\n", 2, "lists no service"},
		{"not a mapping", "- a\n- b\n", 1, "mapping"},
		{"two documents", "functions:\n  oscar:\n  - c: {name: a}\n---\nfunctions: {}\n", 4, "more than one YAML document"},
		{"oscar not a list", "functions:\n  oscar: {c: {name: a}}\n", 2, "must be a list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.fdl))
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if fe.Line != tc.line {
				t.Errorf("line = %d, want %d (%s)", fe.Line, tc.line, fe.Msg)
			}
			if !strings.Contains(fe.Msg, tc.contains) {
				t.Errorf("message %q does not contain %q", fe.Msg, tc.contains)
			}
		})
	}
	for _, empty := range []string{"", "   \n", "# only a comment\n"} {
		var fe *Error
		if _, err := Parse([]byte(empty)); !errors.As(err, &fe) || !strings.Contains(fe.Msg, "empty") {
			t.Errorf("Parse(%q) = %v, want an empty-file error", empty, err)
		}
	}
}

func TestParseRefusesAliasExpansion(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("functions:\n  oscar:\n  - c:\n      name: x\n      image_pull_secrets: *a8\n")
	_, err := Parse([]byte(b.String()))
	if err == nil {
		t.Fatal("an alias bomb was accepted")
	}
}

func TestParseAcceptsFriendlyForms(t *testing.T) {
	f, err := Parse([]byte(`functions:
  oscar:
  - one:
      name: a
      cpu: 1.0
      script: |
        #!/bin/sh
        echo hi
      output:
      - storage_provider: onedata.dh
        path: results
        suffix: png
      expose:
        api_port: 8080
    two:
      name: b
      script: echo one line
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Functions) != 2 || f.Functions[1].ClusterID != "two" {
		t.Fatalf("functions = %+v", f.Functions)
	}
	a := f.Functions[0].Service
	if a.CPU != "1.0" {
		t.Errorf("cpu = %q, want the literal 1.0", a.CPU)
	}
	if a.Script != "#!/bin/sh\necho hi\n" || f.Functions[0].ScriptFile != "" {
		t.Errorf("inline script = %q (file %q)", a.Script, f.Functions[0].ScriptFile)
	}
	if !slices.Equal(a.Output[0].Suffix, []string{"png"}) {
		t.Errorf("suffix = %v", a.Output[0].Suffix)
	}
	if a.Expose == nil || !slices.Equal(a.Expose.APIPort, []int{8080}) {
		t.Errorf("expose = %+v", a.Expose)
	}
	if b := f.Functions[1].Service.Script; b != "echo one line" {
		t.Errorf("one-line script = %q", b)
	}
}

func TestScriptFileName(t *testing.T) {
	for _, tc := range []struct {
		in, name string
		ok       bool
	}{
		{"script.sh", "script.sh", true},
		{"scripts/run.py", "run.py", true},
		{"./blurry-faces.sh", "blurry-faces.sh", true},
		{"echo hi", "", false},
		{"#!/bin/sh\necho", "", false},
		{"run", "", false},
		{"", "", false},
		{"a.", "", false},
	} {
		name, ok := ScriptFileName(tc.in)
		if name != tc.name || ok != tc.ok {
			t.Errorf("ScriptFileName(%q) = %q, %v; want %q, %v", tc.in, name, ok, tc.name, tc.ok)
		}
	}
}

func secretService() oscar.Service {
	return oscar.Service{
		Name: "svc", Image: "img", Script: "echo", Token: "tok-0123456789abcdef", Owner: "alice@egi.eu", Namespace: "oscar-svc-alice",
		Labels:      map[string]string{"owner_name": "Alice", "team": "blue"},
		Environment: &oscar.Environment{Variables: map[string]string{"A": "1"}, Secrets: map[string]string{"API_KEY": "sek-api"}},
		StorageProviders: &oscar.StorageProviders{
			MinIO:   map[string]*oscar.MinIOProvider{"default": {Endpoint: "https://minio", AccessKey: "hidden", SecretKey: "hidden"}, "other": {Endpoint: "https://m2", AccessKey: "ak-minio", SecretKey: "sk-minio"}},
			S3:      map[string]*oscar.S3Provider{"aws": {AccessKey: "ak-s3", SecretKey: "sk-s3", Region: "eu-west-1"}},
			Onedata: map[string]*oscar.OnedataProvider{"dh": {OneproviderHost: "op.example.org", Token: "od-token", Space: "sp"}},
			WebDAV:  map[string]*oscar.WebDAVProvider{"dc": {Hostname: "dcache.example.org", Login: "wd-login", Password: "wd-pass"}},
			Rucio:   map[string]*oscar.RucioProvider{"r": {Host: "rucio.example.org", RefreshToken: "rucio-rt", Account: "acct"}},
		},
		Clusters:     map[string]oscar.Cluster{"c2": {Endpoint: "https://c2", AuthUser: "cl-user", AuthPassword: "cl-pass"}},
		VolumeStatus: &oscar.VolumeStatus{Enabled: false},
		BucketList:   []string{"b"},
		Expose:       &oscar.Expose{APIPort: []int{0}},
	}
}

func TestMarshalSanitisedLeavesNoSecrets(t *testing.T) {
	s := secretService()
	out, err := Marshal(s, ExportOptions{ScriptFile: "svc.sh"})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, secret := range []string{"tok-0123456789abcdef", "alice@egi.eu", "oscar-svc-alice", "Alice", "sek-api", "ak-minio", "sk-minio",
		"ak-s3", "sk-s3", "od-token", "wd-login", "wd-pass", "rucio-rt", "cl-user", "cl-pass", "hidden", "volume_status", "bucket_list", "expose"} {
		if strings.Contains(text, secret) {
			t.Errorf("sanitised FDL contains %q:\n%s", secret, text)
		}
	}
	for _, keep := range []string{"op.example.org", "dcache.example.org", "API_KEY", "team: blue", "script: svc.sh", "- svc:", "storage_providers:", "Fill in"} {
		if keep == "- svc:" {
			keep = "- " + DefaultClusterID + ":"
		}
		if !strings.Contains(text, keep) {
			t.Errorf("sanitised FDL lacks %q:\n%s", keep, text)
		}
	}
	if _, err := Parse(out); err != nil {
		t.Errorf("the sanitised FDL does not parse: %v", err)
	}
	// The caller's service is not changed.
	if s.Token == "" || s.StorageProviders.Onedata["dh"].Token != "od-token" {
		t.Error("Marshal changed its argument")
	}
}

func TestMarshalCompleteKeepsCredentials(t *testing.T) {
	out, err := Marshal(secretService(), ExportOptions{Complete: true, ClusterID: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"tok-0123456789abcdef", "alice@egi.eu", "od-token", "wd-pass", "rucio-rt", "cl-pass", "- mine:"} {
		if !strings.Contains(text, want) {
			t.Errorf("complete FDL lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "hidden") || strings.Contains(text, "bucket_list") {
		t.Errorf("complete FDL carries server state:\n%s", text)
	}
}

// TestSanitisedExportHidesEverySecretField sets every Secret and Account field of every kind in
// oscar.ProviderKinds to a marker and checks that a sanitised export holds none of them, and that a
// complete one keeps them.
func TestSanitisedExportHidesEverySecretField(t *testing.T) {
	for _, k := range oscar.ProviderKinds() {
		t.Run(k.Kind, func(t *testing.T) {
			fields, markers := map[string]string{}, []string{}
			for _, f := range k.Fields {
				fields[f.Key] = "plain.example.org"
				if f.Secret || f.Account {
					fields[f.Key] = "MARKER-" + k.Kind + "-" + f.Key
					markers = append(markers, fields[f.Key])
				}
			}
			sp := &oscar.StorageProviders{}
			sp.Add(k.Kind, "x", fields)
			s := oscar.Service{Name: "svc", Image: "img", Script: "echo", StorageProviders: sp}
			shared, err := Marshal(s, ExportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			complete, err := Marshal(s, ExportOptions{Complete: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range markers {
				if strings.Contains(string(shared), m) {
					t.Errorf("sanitised FDL holds %s:\n%s", m, shared)
				}
				if !strings.Contains(string(complete), m) {
					t.Errorf("complete FDL lacks %s:\n%s", m, complete)
				}
			}
		})
	}
}

func TestServiceMergesTopLevelWithoutOverriding(t *testing.T) {
	f, err := Parse([]byte(`functions:
  oscar:
  - c:
      name: a
      script: run.sh
      storage_providers:
        onedata:
          dh: {oneprovider_host: own.example.org, token: t1, space: s}
storage_providers:
  onedata:
    dh: {oneprovider_host: top.example.org, token: t2, space: s}
    other: {oneprovider_host: other.example.org, token: t3, space: s}
clusters:
  c2: {endpoint: "https://c2.example.org", auth_user: u, auth_password: p, ssl_verify: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	s, missing := f.Service(0, nil)
	if missing != "run.sh" {
		t.Errorf("missing = %q, want run.sh", missing)
	}
	od := s.StorageProviders.Onedata
	if od["dh"].OneproviderHost != "own.example.org" || od["other"] == nil {
		t.Errorf("onedata = %+v", od)
	}
	if !reflect.DeepEqual(s.Clusters["c2"], oscar.Cluster{Endpoint: "https://c2.example.org", AuthUser: "u", AuthPassword: "p", SSLVerify: true}) {
		t.Errorf("clusters = %+v", s.Clusters)
	}
	// The parsed file is not changed by Service.
	if f.StorageProviders.Onedata["dh"].OneproviderHost != "top.example.org" {
		t.Error("Service changed the file's providers")
	}
}

// TestParseWarnsInsteadOfRefusing: keys oscar-cli ignores are ignored with a warning naming the
// line; OSCAR 3's replicas become federation, and the warning says so.
func TestParseWarnsInsteadOfRefusing(t *testing.T) {
	f, err := Parse([]byte(`functions:
  oscar:
  - oscar-eu:
      name: fish
      image: img
      imagee: typo
      replicas:
      - type: oscar
        cluster_id: oscar-us
        service_name: fish
      delegation: random
      input:
      - storage_provider: minio
        paht: a/b
        path: fish/in
  knative: []
clusters:
  oscar-us:
    endpoint: https://us.example.org
    auth_user: u
    auth_password: p
    ssl_verify: true
    memory: 256Mi
storage_providers:
  ftp:
    x: {}
unknown: 1
`))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var got []string
	for _, w := range f.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		`Line 6: "imagee" is not a field`,
		`Line 7: "replicas" is the OSCAR 3 name of "federation.members": converted`,
		`Line 11: "delegation" is the OSCAR 3 name of "federation.delegation": converted`,
		`Line 14: "paht" is not a field`,
		`Line 16: "knative" under functions`,
		`Line 23: "memory" is not a field`,
		`Line 25: "ftp" is not a field`,
		`Line 27: "unknown" is not an FDL key`,
	}
	if len(got) != len(want) {
		t.Fatalf("warnings = %q, want %d", got, len(want))
	}
	slices.Sort(got)
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(a, b) })
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d = %q, want it to start with %q", i, got[i], want[i])
		}
		if !strings.HasSuffix(got[i], ": ignored") && !strings.HasSuffix(got[i], ": converted") {
			t.Errorf("warning %q does not say what was done", got[i])
		}
	}
	s := f.Functions[0].Service
	if s.Federation == nil || len(s.Federation.Members) != 1 || s.Federation.Members[0].ClusterID != "oscar-us" ||
		s.Federation.Members[0].ServiceName != "fish" || s.Federation.Members[0].Type != "oscar" || s.Federation.Delegation != "random" {
		t.Errorf("federation = %+v, want the replicas converted", s.Federation)
	}
	if s.Extra["replicas"] != nil || s.Input[0].Path != "fish/in" || s.Image != "img" {
		t.Errorf("service = %+v", s)
	}
	if c := f.Clusters["oscar-us"]; c.Endpoint != "https://us.example.org" || c.AuthPassword != "p" || !c.SSLVerify {
		t.Errorf("cluster = %+v, want it read despite the extra key", c)
	}
}

// TestParseFederationWinsOverReplicas: a file with both keeps federation and says replicas was
// ignored.
func TestParseFederationWinsOverReplicas(t *testing.T) {
	f, err := Parse([]byte("functions:\n  oscar:\n  - c:\n      name: a\n      replicas: [{type: oscar, cluster_id: x, service_name: a}]\n      federation: {topology: star, members: [{type: oscar, cluster_id: y, service_name: a}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	fed := f.Functions[0].Service.Federation
	if fed == nil || fed.Topology != "star" || len(fed.Members) != 1 || fed.Members[0].ClusterID != "y" {
		t.Errorf("federation = %+v", fed)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0].Msg, "ignored") || f.Warnings[0].Line != 5 {
		t.Errorf("warnings = %+v", f.Warnings)
	}
}

// TestParseMergeKeys: merge keys work as in oscar-cli's decoder, the written keys winning.
func TestParseMergeKeys(t *testing.T) {
	f, err := Parse([]byte("functions:\n  oscar:\n  - c:\n      <<: {image: base, memory: 1Gi}\n      memory: 2Gi\n      name: a\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Functions[0].Service; s.Image != "base" || s.Memory != "2Gi" || s.Name != "a" {
		t.Errorf("service = %+v", s)
	}
}
