package apps

import (
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/remote"
)

// A template written for these tests: a plain-variable default password, a credential secret,
// a bucket mount and a scalar api_port, as the apps' real templates have.
const testFDL = `functions:
  oscar:
  - oscar-cluster:
      name: sample
      cpu: '2'
      memory: 4Gi
      image: ghcr.io/example/app
      script: script.sh
      labels:
        team: "x"
      environment:
        Variables:
          KEEP: "yes"
          PASSWORD: "default"
          JUPYTER_TOKEN: "default"
        secrets:
          OSCAR_OIDC_REFRESH_TOKEN: change-me
      mount:
        storage_provider: minio.default
        path: sample
      expose:
        min_scale: 1
        max_scale: 1
        api_port: 8080
        rewrite_target: true
`

func kind(t *testing.T, id string) Kind {
	t.Helper()
	k, ok := Lookup(id)
	if !ok {
		t.Fatalf("no kind %q", id)
	}
	return k
}

func TestTemplate(t *testing.T) {
	k := kind(t, "juno")
	s, err := Template(k, []byte(testFDL), []byte("#!/bin/sh\necho hi\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Script != "#!/bin/sh\necho hi\n" || s.Image != "ghcr.io/example/app" || !s.Expose.Exposed() || s.Expose.APIPort[0] != 8080 {
		t.Fatalf("template read as %+v", s)
	}
	for _, tc := range []struct{ name, fdl, want string }{
		{"not yaml", "functions: [", "cannot be read"},
		{"no service", "functions:\n  oscar: []\n", "no service"},
		{"other script", strings.Replace(testFDL, "script: script.sh", "script: run.sh", 1), "names the script run.sh"},
		{"not exposed", strings.Replace(testFDL, "api_port: 8080", "api_port: 0", 1), "does not expose"},
		{"no image", strings.Replace(testFDL, "image: ghcr.io/example/app", "image: ''", 1), "names no image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Template(k, []byte(tc.fdl), []byte("echo"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := Template(k, []byte(testFDL), nil); err == nil || !strings.Contains(err.Error(), "no script") {
		t.Fatalf("empty script: err = %v", err)
	}
}

func TestBuildEveryKind(t *testing.T) {
	for _, tc := range []struct {
		kind      string
		form      Form
		dirEnv    string
		dir       string
		mount     string
		volume    *oscar.ServiceVolume
		secretEnv string
		vars      map[string]string
	}{
		{kind: "juno", form: Form{Workspace: WorkspaceBucket, Bucket: "notes"}, dirEnv: "JUPYTER_DIRECTORY", dir: "/mnt/notes", mount: "notes",
			secretEnv: "JUPYTER_TOKEN", vars: map[string]string{"JHUB_BASE_URL": "/system/services/app-x/exposed", "OSCAR_ENDPOINT": "https://oscar.example"}},
		{kind: "juno", form: Form{Workspace: WorkspaceVolume, Volume: "data"}, dirEnv: "JUPYTER_DIRECTORY", dir: "/mnt/volumes/data",
			volume: &oscar.ServiceVolume{Name: "data", MountPath: "/mnt/volumes/data"}, secretEnv: "JUPYTER_TOKEN"},
		{kind: "terminal", form: Form{Workspace: WorkspaceNone}, dirEnv: "WORKSPACE_DIR", dir: "/tmp/app-x",
			vars: map[string]string{"BASE_PATH": "/system/services/app-x/exposed", "SERVICE_NAME": "app-x"}},
		{kind: "terminal", form: Form{Workspace: WorkspaceNewVolume, VolumeName: "ws", VolumeAmount: "2", VolumeUnit: "Gi"}, dirEnv: "WORKSPACE_DIR", dir: "/mnt/volumes/ws",
			volume: &oscar.ServiceVolume{Name: "ws", Size: "2Gi", MountPath: "/mnt/volumes/ws", LifecyclePolicy: "retain"}},
		{kind: "filebrowser", form: Form{Workspace: WorkspaceVolume, Volume: "data"}, dirEnv: "FILEBROWSER_SOURCE_PATH", dir: "/data",
			volume: &oscar.ServiceVolume{Name: "data", MountPath: "/data"}, secretEnv: "FILEBROWSER_ADMIN_PASSWORD"},
		{kind: "filebrowser", form: Form{Workspace: WorkspaceBucket, Bucket: "files"}, dirEnv: "FILEBROWSER_SOURCE_PATH", dir: "/mnt/files", mount: "files"},
		{kind: "flows", form: Form{Workspace: WorkspaceBucket, Bucket: "flows1"}, dirEnv: "NODE_RED_DIRECTORY", dir: "/mnt/flows1", mount: "flows1",
			secretEnv: "PASSWORD", vars: map[string]string{"NODE_RED_BASE_URL": "/system/services/app-x/exposed"}},
	} {
		t.Run(tc.kind+"/"+tc.form.Workspace, func(t *testing.T) {
			k := kind(t, tc.kind)
			tmpl, err := Template(k, []byte(testFDL), []byte("echo"))
			if err != nil {
				t.Fatal(err)
			}
			tmpl.Token = "template-token"
			f := tc.form
			f.Name, f.VO, f.CPU, f.Memory = "app-x", "vo.example", "0.5", "1Gi"
			s := Build(k, tmpl, f, "s3cret-pass", "https://oscar.example")
			if s.Name != "app-x" || s.VO != "vo.example" || s.CPU != "0.5" || s.Memory != "1Gi" || s.Token != "" {
				t.Errorf("name/vo/cpu/memory/token = %q %q %q %q %q", s.Name, s.VO, s.CPU, s.Memory, s.Token)
			}
			if s.Labels[k.Label] != "true" || s.Labels["team"] != "x" {
				t.Errorf("labels = %v", s.Labels)
			}
			if got, ok := KindOf(&s); !ok || got.ID != k.ID {
				t.Errorf("KindOf = %v %v", got.ID, ok)
			}
			v := s.Environment.Variables
			if v[tc.dirEnv] != tc.dir || v["KEEP"] != "yes" {
				t.Errorf("variables = %v", v)
			}
			for name, want := range tc.vars {
				if v[name] != want {
					t.Errorf("%s = %q, want %q", name, v[name], want)
				}
			}
			if _, ok := s.Environment.Secrets["OSCAR_OIDC_REFRESH_TOKEN"]; ok && k.ID == "terminal" {
				t.Error("the terminal's credential secret was sent")
			}
			if k.ID == "terminal" && len(s.Environment.Secrets) != 0 {
				t.Errorf("the terminal (its password is the service token) got secrets %v", s.Environment.Secrets)
			}
			if tc.secretEnv != "" {
				if s.Environment.Secrets[tc.secretEnv] != "s3cret-pass" {
					t.Errorf("secret %s = %q", tc.secretEnv, s.Environment.Secrets[tc.secretEnv])
				}
				if _, plain := v[tc.secretEnv]; plain {
					t.Errorf("the password is also a plain variable")
				}
			}
			switch {
			case tc.mount != "":
				if s.Mount == nil || s.Mount.Path != tc.mount || s.Mount.StorageProvider != "minio.default" || s.Volume != nil {
					t.Errorf("mount = %+v, volume = %+v", s.Mount, s.Volume)
				}
			case tc.volume != nil:
				if s.Mount != nil || s.Volume == nil || *s.Volume != *tc.volume {
					t.Errorf("mount = %+v, volume = %+v, want %+v", s.Mount, s.Volume, tc.volume)
				}
			default:
				if s.Mount != nil || s.Volume != nil {
					t.Errorf("mount = %+v, volume = %+v", s.Mount, s.Volume)
				}
			}
			if tmpl.Labels[k.Label] != "" || tmpl.Environment.Variables[tc.dirEnv] == tc.dir {
				t.Error("Build changed the template")
			}
		})
	}
}

func TestValidate(t *testing.T) {
	env := Env{VOChoices: []string{"vo.a"}, ClusterVOs: []string{"vo.a", "vo.b"}, Volumes: true}
	good := Form{Name: "juno-abc", VO: "vo.a", CPU: "1", Memory: "2Gi", Workspace: WorkspaceBucket, Bucket: "notes"}
	if errs := Validate(kind(t, "juno"), good, env); len(errs) != 0 {
		t.Fatalf("good form: %v", errs)
	}
	for _, tc := range []struct {
		name  string
		kind  string
		edit  func(*Form)
		env   *Env
		field string
	}{
		{"no name", "juno", func(f *Form) { f.Name = "" }, nil, FieldName},
		{"bad name", "juno", func(f *Form) { f.Name = "Bad_Name" }, nil, FieldName},
		{"reserved name", "juno", func(f *Form) { f.Name = "new" }, nil, FieldName},
		{"no vo", "juno", func(f *Form) { f.VO = "" }, nil, FieldVO},
		{"other vo", "juno", func(f *Form) { f.VO = "vo.b" }, nil, FieldVO},
		{"in no vo", "juno", func(*Form) {}, &Env{ClusterVOs: []string{"vo.b"}, Volumes: true}, FieldVO},
		{"short secret", "flows", func(f *Form) { f.Secret = "short" }, nil, FieldSecret},
		{"control in secret", "flows", func(f *Form) { f.Secret = "abcdefgh\x01" }, nil, FieldSecret},
		{"no cpu", "juno", func(f *Form) { f.CPU = "" }, nil, FieldCPU},
		{"bad cpu", "juno", func(f *Form) { f.CPU = "lots" }, nil, FieldCPU},
		{"no memory", "juno", func(f *Form) { f.Memory = "" }, nil, FieldMemory},
		{"bad memory", "juno", func(f *Form) { f.Memory = "2" }, nil, FieldMemory},
		{"no workspace", "juno", func(f *Form) { f.Workspace = WorkspaceNone }, nil, FieldWorkspace},
		{"volumes off", "juno", func(f *Form) { f.Workspace, f.Volume = WorkspaceVolume, "data" }, &Env{VOChoices: []string{"vo.a"}, ClusterVOs: []string{"vo.a"}}, FieldWorkspace},
		{"no bucket", "juno", func(f *Form) { f.Bucket = "" }, nil, FieldBucket},
		{"bad bucket", "juno", func(f *Form) { f.Bucket = "A" }, nil, FieldBucket},
		{"no volume", "flows", func(f *Form) { f.Workspace = WorkspaceVolume }, nil, FieldVolume},
		{"bad volume", "flows", func(f *Form) { f.Workspace, f.Volume = WorkspaceVolume, "Bad Vol" }, nil, FieldVolume},
		{"no new volume name", "terminal", func(f *Form) { f.Workspace, f.VolumeAmount, f.VolumeUnit = WorkspaceNewVolume, "1", "Gi" }, nil, FieldVolumeName},
		{"bad size", "terminal", func(f *Form) {
			f.Workspace, f.VolumeName, f.VolumeAmount, f.VolumeUnit = WorkspaceNewVolume, "ws", "lots", "Gi"
		}, nil, FieldVolumeSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good
			tc.edit(&f)
			e := env
			if tc.env != nil {
				e = *tc.env
			}
			errs := Validate(kind(t, tc.kind), f, e)
			if errs[tc.field] == "" || len(errs) != 1 {
				t.Fatalf("errors = %v, want one on %s", errs, tc.field)
			}
		})
	}
	// The terminal asks no password (OSCAR's service token is its password): one typed is ignored.
	tf := good
	tf.Secret = "x"
	if errs := Validate(kind(t, "terminal"), tf, env); len(errs) != 0 {
		t.Fatalf("terminal with a stray secret: %v", errs)
	}
	if errs := Validate(kind(t, "filebrowser"), Form{Name: "fb-a", CPU: "1", Memory: "1Gi", Workspace: WorkspaceBucket, Bucket: "abc", Secret: "short"}, Env{}); errs[FieldSecret] == "" {
		t.Fatalf("file browser short password: %v", errs)
	}
	// A secret left empty is fine (the console makes one); a kind without one ignores it.
	f := good
	f.Secret = ""
	if errs := Validate(kind(t, "flows"), f, env); len(errs) != 0 {
		t.Fatalf("empty secret: %v", errs)
	}
	f.Workspace, f.Bucket = WorkspaceNone, ""
	if errs := Validate(kind(t, "terminal"), f, env); len(errs) != 0 {
		t.Fatalf("terminal without workspace: %v", errs)
	}
	// No VOs on the cluster: none asked.
	if errs := Validate(kind(t, "juno"), Form{Name: "juno-abc", CPU: "1", Memory: "2Gi", Workspace: WorkspaceBucket, Bucket: "notes"}, Env{}); len(errs) != 0 {
		t.Fatalf("no VOs: %v", errs)
	}
}

func TestNewForm(t *testing.T) {
	k := kind(t, "filebrowser")
	f := NewForm(k, Env{VOChoices: []string{"vo.a", "vo.b"}, Volumes: true})
	if !strings.HasPrefix(f.Name, "filebrowser-") || len(f.Name) != len("filebrowser-")+8 || f.VO != "vo.a" || f.Workspace != WorkspaceVolume || f.CPU != "0.5" {
		t.Fatalf("form = %+v", f)
	}
	if errs := Validate(k, Form{Name: f.Name, CPU: f.CPU, Memory: f.Memory, Workspace: WorkspaceVolume, Volume: "v1"}, Env{Volumes: true}); len(errs) != 0 {
		t.Fatalf("a fresh name is invalid: %v", errs)
	}
	if f := NewForm(k, Env{}); f.Workspace != WorkspaceBucket {
		t.Fatalf("without volumes the default workspace is %q", f.Workspace)
	}
	if a, b := NewSecret(), NewSecret(); a == b || len(a) != 32 {
		t.Fatalf("secrets %q %q", a, b)
	}
}

func TestParseSources(t *testing.T) {
	def, err := ParseSources("", false)
	if err != nil || len(def) != 4 || def["juno"].String() != "github:grycap/oscar-juno@main" || def["filebrowser"].String() != "github:grycap/oscar-hub@feat-add-filebrowser//crates/filebrowser-quantum" {
		t.Fatalf("defaults = %v, %v", def, err)
	}
	got, err := ParseSources(" juno=github:me/juno@dev , terminal=file:/srv/apps/terminal, flows=off ", false)
	if err != nil {
		t.Fatal(err)
	}
	if got["juno"] != (remote.Source{Kind: remote.GitHub, Owner: "me", Repo: "juno", Ref: "dev"}) || got["terminal"].Dir != "/srv/apps/terminal" {
		t.Fatalf("sources = %v", got)
	}
	if _, on := got["flows"]; on || got["filebrowser"].Sub != "crates/filebrowser-quantum" {
		t.Fatalf("flows off, filebrowser default: %v", got)
	}
	for _, tc := range []struct{ spec, want string }{
		{"jupyter=file:/x", `unknown app "jupyter"`},
		{"juno", "write kind=source"},
		{"juno=", "write kind=source"},
		{"juno=file:relative", "file:/absolute/path"},
		{"juno=http://example.org", "plain http"},
		{"juno=file:/a,juno=file:/b", "named twice"},
	} {
		if _, err := ParseSources(tc.spec, false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.spec, err, tc.want)
		}
	}
	// Every problem at once.
	_, err = ParseSources("x=file:/a,juno=ftp://b", false)
	if err == nil || !strings.Contains(err.Error(), `"x"`) || !strings.Contains(err.Error(), "ftp://b") {
		t.Fatalf("err = %v", err)
	}
}

func TestState(t *testing.T) {
	for in, want := range map[string]string{"pending": "starting", "ready": "ready", "stopped": "stopped", "failed": "failing", "degraded": "failing", "unavailable": "unknown", "": "unknown"} {
		if got, _ := State(in); got != want {
			t.Errorf("State(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRefusalField(t *testing.T) {
	for _, tc := range []struct {
		ws, msg, want string
	}{
		{WorkspaceBucket, "A service with the provided name already exists", FieldName},
		{WorkspaceBucket, `secret "juno-x" already exists`, FieldName},
		{WorkspaceBucket, `A service named "juno-x" already exists.`, FieldName},
		{WorkspaceBucket, "this user isn't enrrolled on the vo: vo.b", FieldVO},
		{WorkspaceVolume, `volume "data" does not exist`, FieldVolume},
		{WorkspaceNewVolume, `volume "data" already exists`, FieldVolumeName},
		{WorkspaceNewVolume, "volume size exceeds the quota", FieldVolumeSize},
		{WorkspaceBucket, `The bucket "x" is not private`, FieldBucket},
		{WorkspaceBucket, "the memory request is above the limit", FieldMemory},
		{WorkspaceBucket, "something else", ""},
	} {
		if got := RefusalField(Form{Workspace: tc.ws}, tc.msg); got != tc.want {
			t.Errorf("%q: field %q, want %q", tc.msg, got, tc.want)
		}
	}
}
