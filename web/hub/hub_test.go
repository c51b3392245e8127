package hub_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/hub"
	"github.com/oscarconsole/oscar-console/web/hub/hubtest"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

func TestParseMetadata(t *testing.T) {
	files := hubtest.Crate("greeter")
	c, err := hub.ParseMetadata("greeter", files[hub.MetadataFile])
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"name", c.Name, "Greeter"},
		{"version", c.Version, "1.2.0"},
		{"license", c.License, "MIT License"},
		{"author", c.Author, "Test Crate Team"},
		{"type", c.Type, hub.Synchronous},
		{"cpu", c.CPU, "1 vCPU"},
		{"gpu", c.GPU, "0 GPU"},
		{"memory", c.Memory, "256 MiB"},
		{"icon", c.Icon, "icon.png"},
		{"readme", c.Readme, "README.md"},
		{"summary", c.Summary(), "Greets whoever sends a line of text."},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q, want %q", ck.name, ck.got, ck.want)
		}
	}
	if !slices.Equal(c.Samples, []string{"input.txt"}) {
		t.Errorf("samples = %q, want [input.txt]", c.Samples)
	}
	if c.GPUs() != 0 {
		t.Errorf("GPUs = %d", c.GPUs())
	}
	for _, bad := range []string{"", "{", `{"@graph": []}`, `{"@graph": [{"@id": "other"}]}`} {
		if _, err := hub.ParseMetadata("x", []byte(bad)); err == nil {
			t.Errorf("ParseMetadata(%q) accepted", bad)
		}
	}
}

func TestMatches(t *testing.T) {
	c := hub.Crate{Dir: "greeter", Name: "Greeter", Description: "Says hello", Type: hub.Synchronous}
	tests := []struct {
		q, typ string
		want   bool
	}{
		{"", "", true}, {"HELLO", "", true}, {"greet says", "", true}, {"bye", "", false},
		{"", hub.Synchronous, true}, {"", hub.Exposed, false},
	}
	for _, tt := range tests {
		if got := c.Matches(tt.q, tt.typ); got != tt.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tt.q, tt.typ, got, tt.want)
		}
	}
}

func TestCrateDirs(t *testing.T) {
	got := hub.CrateDirs([]string{"README.md", "crates/a/ro-crate-metadata.json", "crates/a/fdl.yml",
		"crates/b/c/ro-crate-metadata.json", "crates/-x/ro-crate-metadata.json", "other/d/ro-crate-metadata.json",
		"crates/ok.v2/ro-crate-metadata.json"})
	if want := []string{"a", "ok.v2"}; !slices.Equal(got, want) {
		t.Errorf("CrateDirs = %q, want %q", got, want)
	}
}

func TestImageType(t *testing.T) {
	files := hubtest.Crate("vector")
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"png", hubtest.PNG(2, 2), "image/png"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "image/gif"},
		{"svg", files["icon.svg"], ""},
		{"html", []byte("<html><script>x</script>"), ""},
	}
	for _, tt := range tests {
		got, ok := hub.ImageType(tt.b)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: ImageType = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
}

func problems(ps []hub.Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Where+": "+p.Msg)
	}
	return strings.Join(out, "\n")
}

func TestCheck(t *testing.T) {
	if ps := hub.Check(hub.MapFiles(hubtest.Crate("greeter"))); len(ps) != 0 {
		t.Errorf("the good crate has problems:\n%s", problems(ps))
	}
	hostile := problems(hub.Check(hub.MapFiles(hubtest.Crate("hostile"))))
	for _, want := range []string{"../../etc/passwd\", a path that leads outside", "The icon is 3"} {
		if !strings.Contains(hostile, want) {
			t.Errorf("hostile crate: no problem %q in\n%s", want, hostile)
		}
	}
	if !strings.Contains(problems(hub.Check(hub.MapFiles(hubtest.Crate("vector")))), "not a PNG, JPEG, WebP or GIF") {
		t.Error("an SVG icon was accepted")
	}

	broken := hub.MapFiles(hubtest.Crate("greeter"))
	broken[hub.MetadataFile] = []byte(`{"@graph": [{"@id": "./", "name": "x", "serviceType": "batch",
		"hasPart": [{"@id": "fdl.yml"}, {"@id": "https://example.org/x"}, {"@id": "gone.txt"}]}]}`)
	broken[hub.FDLFile] = []byte("functions:\n  oscar:\n  - c:\n      name: [unclosed\n")
	delete(broken, hub.ScriptFile)
	got := problems(hub.Check(broken))
	for _, want := range []string{
		"The field description is missing", "The field license is missing", "The field author is missing",
		"memoryRequirements is missing", "processorRequirements is missing",
		`serviceType is "batch"`, `hasPart names "https://example.org/x", which is not a file`,
		"gone.txt: hasPart names gone.txt, which the crate does not hold", "hasPart does not name script.sh",
		"fdl.yml: Line", "script.sh: The crate has no script.sh",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("broken crate: no problem %q in\n%s", want, got)
		}
	}
	if got := problems(hub.Check(hub.MapFiles{})); !strings.Contains(got, "has no ro-crate-metadata.json") {
		t.Errorf("empty crate: %s", got)
	}
	notJSON := hub.MapFiles{hub.MetadataFile: []byte("nope")}
	if got := problems(hub.Check(notJSON)); !strings.Contains(got, "not an RO-Crate") {
		t.Errorf("not JSON: %s", got)
	}
}

func TestReadZip(t *testing.T) {
	inFolder := map[string][]byte{}
	for p, b := range hubtest.Crate("greeter") {
		inFolder["greeter/"+p] = b
	}
	files, probs, err := hub.ReadZip(hubtest.Zip(t, inFolder))
	if err != nil || len(probs) != 0 {
		t.Fatalf("ReadZip: %v %v", err, probs)
	}
	if ps := hub.Check(files); len(ps) != 0 {
		t.Errorf("the zipped good crate has problems:\n%s", problems(ps))
	}

	slip := hubtest.Crate("greeter")
	slip["../evil.sh"] = []byte("x")
	slip["/abs.txt"] = []byte("x")
	slip[`a\..\b.txt`] = []byte("x")
	files, probs, err = hub.ReadZip(hubtest.Zip(t, slip))
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 3 {
		t.Errorf("problems = %v, want the 3 hostile entries", probs)
	}
	for p := range files {
		if strings.Contains(p, "..") || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) {
			t.Errorf("hostile entry %q was read", p)
		}
	}

	if _, _, err := hub.ReadZip([]byte("not a zip")); err != hub.ErrNotZip {
		t.Errorf("not a zip: %v", err)
	}
	if _, _, err := hub.ReadZip(make([]byte, hub.MaxZip+1)); err == nil {
		t.Error("an oversized zip was read")
	}
	many := map[string][]byte{}
	for i := range hub.MaxZipEntries + 1 {
		many[strings.Repeat("a", 1+i%50)+"/"+string(rune('a'+i%26))+strings.Repeat("b", i/26)] = nil
	}
	if _, _, err := hub.ReadZip(hubtest.Zip(t, many)); err == nil {
		t.Error("a zip with too many entries was read")
	}
	big := map[string][]byte{"big.bin": bytes.Repeat([]byte{0}, hub.MaxZipFile+1)}
	_, probs, err = hub.ReadZip(hubtest.Zip(t, big))
	if err != nil || len(probs) != 1 || !strings.Contains(probs[0].Msg, "larger than") {
		t.Errorf("oversized file: %v %v", probs, err)
	}
}

func TestRenderReadme(t *testing.T) {
	imageURL := func(part string) (string, bool) {
		if part == "diagram.png" || part == "icon.png" {
			return "/hub/src/crate/files/" + part, true
		}
		return "", false
	}
	good := hub.RenderReadme(hubtest.Crate("greeter")["README.md"], imageURL)
	for _, want := range []string{`<h3>Greeter</h3>`, `<img src="/hub/src/crate/files/diagram.png" alt="How it works">`,
		`href="https://docs.oscar.grycap.net/"`, `nofollow`, `noopener`, `<code class="language-sh">`} {
		if !strings.Contains(good, want) {
			t.Errorf("README lacks %q:\n%s", want, good)
		}
	}
	bad := hub.RenderReadme(hubtest.Crate("hostile")["README.md"], imageURL)
	for _, banned := range []string{"<script", "onerror", "onclick", "style=", "javascript:", "evil.example", "../greeter", "logo.svg", "<p style"} {
		if strings.Contains(bad, banned) {
			t.Errorf("hostile README kept %q:\n%s", banned, bad)
		}
	}
	if !strings.Contains(bad, "Hostile") {
		t.Errorf("hostile README lost its text:\n%s", bad)
	}
}

func TestServiceOf(t *testing.T) {
	files := hubtest.Crate("greeter")
	svc, _, err := hub.ServiceOf(files[hub.FDLFile], files[hub.ScriptFile])
	if err != nil {
		t.Fatal(err)
	}
	if svc.Name != "greeter" || svc.Script != string(files[hub.ScriptFile]) || svc.ClusterID != "" {
		t.Errorf("service = %q script %q cluster %q", svc.Name, svc.Script, svc.ClusterID)
	}
	withMinIO := []byte(hubtest.GreeterFDL + "storage_providers:\n  minio:\n    default:\n      endpoint: https://minio.elsewhere.example\n      access_key: a\n      secret_key: b\n")
	svc, _, err = hub.ServiceOf(withMinIO, nil)
	if err != nil {
		t.Fatal(err)
	}
	if svc.StorageProviders != nil && svc.StorageProviders.MinIO["default"] != nil {
		t.Error("the crate's minio.default was kept; the cluster's MinIO must be used")
	}
	two := []byte("functions:\n  oscar:\n  - c:\n      name: a\n      image: x\n  - c:\n      name: b\n      image: y\n")
	if _, _, err := hub.ServiceOf(two, nil); err != hub.ErrNotOneService {
		t.Errorf("two services: %v", err)
	}
}

func TestRequiredParams(t *testing.T) {
	tests := []struct {
		vars, secrets map[string]string
		want          []string
	}{
		{nil, nil, nil},
		{map[string]string{"A": "1", "B": "text"}, nil, nil},
		{map[string]string{"A": "", "B": "<your key>", "C": "${TOKEN}", "D": "CHANGE_ME", "E": "ok"}, map[string]string{"S": "your-secret"},
			[]string{"secret S", "variable A", "variable B", "variable C", "variable D"}},
	}
	for _, tt := range tests {
		svc := oscar.Service{Environment: &oscar.Environment{Variables: tt.vars, Secrets: tt.secrets}}
		if got := hub.RequiredParams(svc); !slices.Equal(got, tt.want) {
			t.Errorf("RequiredParams(%v, %v) = %q, want %q", tt.vars, tt.secrets, got, tt.want)
		}
	}
	files := hubtest.Crate("tagger")
	svc, _, err := hub.ServiceOf(files[hub.FDLFile], files[hub.ScriptFile])
	if err != nil {
		t.Fatal(err)
	}
	if got := hub.RequiredParams(svc); !slices.Equal(got, []string{"variable API_KEY"}) {
		t.Errorf("tagger needs %q", got)
	}
}

func TestUniqueName(t *testing.T) {
	taken := map[string]bool{"greeter": true, "greeter-2": true, strings.Repeat("a", 39): true}
	is := func(s string) bool { return taken[s] }
	tests := []struct{ in, want string }{
		{"free", "free"}, {"greeter", "greeter-3"}, {strings.Repeat("a", 39), strings.Repeat("a", 37) + "-2"},
	}
	for _, tt := range tests {
		if got := hub.UniqueName(tt.in, is); got != tt.want {
			t.Errorf("UniqueName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPresetVO(t *testing.T) {
	tests := []struct {
		cur          string
		cluster, own []string
		want         string
	}{
		{"vo.file", []string{"a"}, []string{"a"}, "vo.file"},
		{"", []string{"a", "b"}, []string{"b", "a"}, "a"},
		{"", []string{"a"}, []string{"c"}, ""},
		{"", nil, []string{"c"}, ""},
	}
	for _, tt := range tests {
		if got := hub.PresetVO(tt.cur, tt.cluster, tt.own); got != tt.want {
			t.Errorf("PresetVO(%q, %q, %q) = %q, want %q", tt.cur, tt.cluster, tt.own, got, tt.want)
		}
	}
}

func TestSampleTarget(t *testing.T) {
	svc := oscar.Service{Name: "s", Input: []oscar.StorageIOConfig{{StorageProvider: "s3.x", Path: "no/x"}, {StorageProvider: "minio.default", Path: "/bkt/in/sub/"}}}
	b, f, err := hub.SampleTarget(svc)
	if err != nil || b != "bkt" || f != "in/sub" {
		t.Errorf("SampleTarget = %q %q %v", b, f, err)
	}
	if _, _, err := hub.SampleTarget(oscar.Service{Name: "none"}); err == nil {
		t.Error("a service without MinIO input got a target")
	}
}

func TestSlugs(t *testing.T) {
	got := hub.Slugs([]string{"grycap/oscar-hub", "Grycap/Oscar_Hub", "hub.example.org/crates", "…", ""})
	want := []string{"grycap-oscar-hub", "grycap-oscar-hub-2", "hub-example-org-crates", "source", "source-2"}
	if !slices.Equal(got, want) {
		t.Errorf("Slugs = %q, want %q", got, want)
	}
}

func TestRename(t *testing.T) {
	svc := oscar.Service{Name: "greeter",
		Input:  []oscar.StorageIOConfig{{StorageProvider: "minio.default", Path: "greeter/in"}, {StorageProvider: "s3.aws", Path: "greeter/x"}},
		Output: []oscar.StorageIOConfig{{StorageProvider: "minio", Path: "greeter"}, {StorageProvider: "minio.default", Path: "shared/out"}}}
	hub.Rename(&svc, "greeter-2")
	got := []string{svc.Name, svc.Input[0].Path, svc.Input[1].Path, svc.Output[0].Path, svc.Output[1].Path}
	want := []string{"greeter-2", "greeter-2/in", "greeter/x", "greeter-2", "shared/out"}
	if !slices.Equal(got, want) {
		t.Errorf("after Rename: %q, want %q", got, want)
	}
}
