package fdl

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

func itemsOf(t *testing.T, text string) []Item {
	t.Helper()
	f, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var items []Item
	for i := range f.Functions {
		s, missing := f.Service(i, map[string]string{f.Functions[i].ScriptFile: "echo"})
		items = append(items, Item{Service: s, Keys: f.Mentioned(i), MissingScript: missing})
	}
	return items
}

func names(steps []Step) (out []string) {
	for _, s := range steps {
		out = append(out, s.Name+":"+s.Action)
	}
	return out
}

// TestPlanMaskDetectorWorkflow: both services read from the bucket mask-detector; the first
// creates it, the second is created without its buckets and updated at once.
func TestPlanMaskDetectorWorkflow(t *testing.T) {
	p := MakePlan(itemsOf(t, string(exampleFiles(t)["mask-detector-workflow.yaml"])), Current{Buckets: map[string]bool{}})
	if got := names(p.Steps); !slices.Equal(got, []string{"anon-and-split:create", "mask-detector:create"}) {
		t.Fatalf("steps = %v", got)
	}
	if len(p.Steps[0].Deferred) != 0 {
		t.Errorf("first service deferred %v", p.Steps[0].Deferred)
	}
	second := p.Steps[1]
	if !slices.Equal(second.Deferred, []string{"input mask-detector/intermediate", "output mask-detector/result"}) {
		t.Errorf("deferred = %v", second.Deferred)
	}
	if len(second.Send.Input) != 0 || len(second.Send.Output) != 0 || len(second.Full.Input) != 1 || len(second.Full.Output) != 1 {
		t.Errorf("send %+v / full %+v", second.Send, second.Full)
	}
	if len(second.Notes) == 0 || !strings.Contains(second.Notes[0], "is created by anon-and-split") {
		t.Errorf("notes = %q", second.Notes)
	}
	if len(p.Chains) != 1 || p.Chains[0].Path != "mask-detector/intermediate" || p.Chains[0].Writers[0] != "anon-and-split" || p.Chains[0].Readers[0] != "mask-detector" {
		t.Errorf("chains = %+v", p.Chains)
	}
	if !slices.Equal(p.Clusters, []string{"my_oscar"}) {
		t.Errorf("clusters = %v", p.Clusters)
	}
}

// TestPlanCreatesTheConsumerFirst: with a bucket of its own between them, the service reading it
// is created first (it gets the bucket and its trigger), the writer after, without that output,
// then updated.
func TestPlanCreatesTheConsumerFirst(t *testing.T) {
	items := itemsOf(t, `functions:
  oscar:
  - c:
      name: first
      image: img
      script: s.sh
      input: [{storage_provider: minio, path: wf-in/in}]
      output: [{storage_provider: minio, path: wf-mid/mid}]
  - c:
      name: second
      image: img
      script: s.sh
      input: [{storage_provider: minio.default, path: wf-mid/mid}]
      output: [{storage_provider: minio, path: wf-out/out}]
`)
	p := MakePlan(items, Current{Buckets: map[string]bool{"unrelated": true}})
	if got := names(p.Steps); !slices.Equal(got, []string{"second:create", "first:create"}) {
		t.Fatalf("steps = %v", got)
	}
	if len(p.Steps[0].Deferred) != 0 || !slices.Equal(p.Steps[1].Deferred, []string{"output wf-mid/mid"}) {
		t.Errorf("deferred = %v / %v", p.Steps[0].Deferred, p.Steps[1].Deferred)
	}
	if n := p.Steps[1].Notes; len(n) != 1 || strings.Contains(n[0], "trigger") {
		t.Errorf("an output needs no trigger note: %q", n)
	}
}

// TestPlanUpdatesAndUnchanged: an existing service the user may edit is updated (with the diff),
// one equal to the file is unchanged, someone else's is blocked.
func TestPlanUpdatesAndUnchanged(t *testing.T) {
	items := itemsOf(t, `functions:
  oscar:
  - c: {name: mine, image: img2, script: s.sh, memory: 1Gi}
  - c: {name: same, image: img, script: echo}
  - c: {name: theirs, image: img, script: s.sh}
`)
	cur := Current{
		Services: map[string]oscar.Service{
			"mine":   {Name: "mine", Image: "img", Script: "echo", Memory: "256Mi", Token: "tok", Owner: "me", CPU: "0.5"},
			"same":   {Name: "same", Image: "img", Script: "echo", Token: "t2", Owner: "me"},
			"theirs": {Name: "theirs", Image: "img", Script: "echo", Owner: "other"},
		},
		MayEdit: func(owner string) bool { return owner == "me" },
	}
	p := MakePlan(items, cur)
	if got := names(p.Steps); !slices.Equal(got, []string{"mine:update", "same:unchanged", "theirs:blocked"}) {
		t.Fatalf("steps = %v", got)
	}
	u := p.Steps[0].Send
	if u.Token != "tok" || u.Owner != "me" || u.CPU != "0.5" || u.Memory != "1Gi" || u.Image != "img2" {
		t.Errorf("update = %+v: token, owner and cpu kept, memory and image from the file", u)
	}
	var fields []string
	for _, c := range p.Steps[0].Changes {
		fields = append(fields, c.Field+":"+c.Old+"→"+c.New)
	}
	if !slices.Equal(fields, []string{"image:img→img2", "memory:256Mi→1Gi"}) {
		t.Errorf("changes = %v", fields)
	}
	if !p.Blocked() {
		t.Error("plan with someone else's service not blocked")
	}
}

// TestDiffSecretsNeverInClear: secrets are listed as changed or unchanged, never with values.
func TestDiffSecretsNeverInClear(t *testing.T) {
	cur := oscar.Service{Name: "s", Token: "service-token",
		Environment:      &oscar.Environment{Secrets: map[string]string{"API": ""}},
		StorageProviders: &oscar.StorageProviders{S3: map[string]*oscar.S3Provider{"aws": {AccessKey: "AK", SecretKey: "old-secret", Region: "eu"}}},
		Clusters:         map[string]oscar.Cluster{"us": {Endpoint: "https://us", AuthUser: "u", AuthPassword: "same-password"}},
	}
	next := oscar.Clone(cur)
	next.Environment.Secrets["API"] = "new-api-secret"
	next.StorageProviders.S3["aws"].SecretKey = "new-secret"
	changes := Diff(cur, next)
	b, _ := json.Marshal(changes)
	for _, secret := range []string{"service-token", "old-secret", "new-secret", "new-api-secret", "same-password"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("diff shows %q: %s", secret, b)
		}
	}
	states := map[string]string{}
	for _, c := range changes {
		states[c.Field] = c.State
		if c.Secret != (c.Field != "storage_providers.s3.aws.access_key") && c.State != "unchanged" {
			t.Errorf("%s secret=%v", c.Field, c.Secret)
		}
	}
	want := map[string]string{
		"environment.secrets.API":             "sent again",
		"storage_providers.s3.aws.secret_key": "changed",
		"clusters.us.auth_password":           "unchanged",
	}
	for f, s := range want {
		if states[f] != s {
			t.Errorf("%s: state %q, want %q (all: %v)", f, states[f], s, states)
		}
	}
	if _, ok := states["token"]; ok {
		t.Error("the token is listed")
	}
}
