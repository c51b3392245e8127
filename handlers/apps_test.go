package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/apps"
	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/remote"
	"github.com/oscarconsole/oscar-console/web/remote/remotetest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// Templates written for these tests, in the shapes of the apps' own: a scalar or list api_port,
// a default password as a plain variable (juno), a credential secret (terminal), a password
// secret (flows), a volume (file browser).
var testAppTemplates = map[string]map[string]string{
	"test/juno@main": {"juno.yaml": `functions:
  oscar:
  - oscar-cluster:
      name: juno
      memory: 2Gi
      cpu: '1.0'
      image: ghcr.io/example/notebook
      script: script.sh
      environment:
        Variables:
          JUPYTER_TOKEN: "template-default"
          GRANT_SUDO: "yes"
      mount:
        storage_provider: minio.default
        path: home
      expose:
        min_scale: 1
        max_scale: 1
        api_port: 8888
        rewrite_target: true
`, "script.sh": "#!/bin/sh\nexec start-notebook\n"},
	"test/terminal@main": {"fdl.yml": `functions:
  oscar:
  - oscar-cluster:
      name: term
      cpu: "1.0"
      memory: 1Gi
      image: ghcr.io/example/term
      script: script.sh
      environment:
        variables:
          PORT: "8080"
        secrets:
          OSCAR_OIDC_REFRESH_TOKEN: change-me
      expose:
        min_scale: 1
        max_scale: 1
        api_port: [8080]
        health_path: /healthz
`, "script.sh": "#!/bin/sh\nexec term-server\n"},
	"test/flows@main": {"flows.yaml": `functions:
  oscar:
  - oscar-cluster:
      name: node-red
      cpu: '1.0'
      memory: 2Gi
      image: ghcr.io/example/flows
      script: script.sh
      environment:
        secrets:
          PASSWORD: "admin"
      expose:
        min_scale: 1
        max_scale: 1
        api_port: [1880]
`, "script.sh": "#!/bin/sh\nexec node-red\n"},
}

const testFileBrowserFDL = `functions:
  oscar:
  - oscar-cluster:
      name: files
      cpu: "0.5"
      memory: 512Mi
      image: ghcr.io/example/files
      script: script.sh
      volume:
        name: placeholder
        mount_path: /data
      expose:
        min_scale: 1
        max_scale: 1
        api_port: 80
`

// appsEnv is the pages with the four kinds' templates from a local GitHub fake (three) and a
// directory (the file browser), signed in on the fake OSCAR.
type appsEnv struct {
	*opEnv
	github *remotetest.Server
}

func newAppsEnv(t *testing.T, o oscartest.Options) *appsEnv {
	t.Helper()
	gh := remotetest.New(t, testAppTemplates)
	dir := t.TempDir()
	for name, body := range map[string]string{"fdl.yml": testFileBrowserFDL, "script.sh": "#!/bin/sh\nexec files\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srcs, err := apps.ParseSources("juno=github:test/juno@main,terminal=github:test/terminal@main,flows=github:test/flows@main,filebrowser=file:"+dir, false)
	if err != nil {
		t.Fatal(err)
	}
	e := newOpEnv(t, o, func(d *Deps) {
		d.AppSources = srcs
		d.Remote = remote.New(remote.Options{Policy: d.Policy, GitHubAPI: gh.API(), GitHubRaw: gh.Raw()})
	})
	return &appsEnv{opEnv: e, github: gh}
}

// sent is the last service definition the console POSTed to OSCAR.
func (e *appsEnv) sent() oscar.Service {
	e.t.Helper()
	posts := e.requests(http.MethodPost, "/system/services")
	if len(posts) == 0 {
		e.t.Fatal("no service was created")
	}
	var s oscar.Service
	if err := json.Unmarshal(posts[len(posts)-1].Body, &s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

func TestAppsCreateEachKindWithEveryParameter(t *testing.T) {
	e := newAppsEnv(t, oscartest.Options{})
	e.fake.AddVolume("oscar-svc", "shared", "1Gi", "cluster_admin")
	for _, tc := range []struct {
		kind, script string
		form         url.Values
		check        func(t *testing.T, s oscar.Service)
		secretEnv    string
		serviceToken bool // the app's password is the token OSCAR made for the service
	}{
		{
			kind: "juno", script: "exec start-notebook", secretEnv: "JUPYTER_TOKEN",
			form: url.Values{"name": {"juno-mine"}, "cpu": {"1.5"}, "memory": {"3Gi"}, "secret": {"my-notebook-token"}, "workspace": {"bucket"}, "bucket": {"notebooks"}},
			check: func(t *testing.T, s oscar.Service) {
				v := s.Environment.Variables
				if s.Mount == nil || s.Mount.Path != "notebooks" || s.Mount.StorageProvider != "minio.default" || s.Volume != nil {
					t.Errorf("mount %+v volume %+v", s.Mount, s.Volume)
				}
				if v["JUPYTER_DIRECTORY"] != "/mnt/notebooks" || v["JHUB_BASE_URL"] != "/system/services/juno-mine/exposed" ||
					v["OSCAR_ENDPOINT"] != e.ep || v["GRANT_SUDO"] != "yes" {
					t.Errorf("variables %v", v)
				}
				if _, plain := v["JUPYTER_TOKEN"]; plain {
					t.Error("the token went as a plain variable")
				}
				if s.Environment.Secrets["JUPYTER_TOKEN"] != "my-notebook-token" {
					t.Errorf("secrets %v", s.Environment.Secrets)
				}
				if s.Labels["jupyter_notebook"] != "true" || s.Expose.APIPort[0] != 8888 {
					t.Errorf("labels %v expose %+v", s.Labels, s.Expose)
				}
			},
		},
		{
			kind: "terminal", script: "exec term-server", serviceToken: true,
			form: url.Values{"name": {"term-mine"}, "cpu": {"0.25"}, "memory": {"300Mi"}, "workspace": {"new-volume"}, "volume.name": {"ws"}, "volume.amount": {"2"}, "volume.unit": {"Gi"}},
			check: func(t *testing.T, s oscar.Service) {
				v := s.Environment.Variables
				if s.Mount != nil || s.Volume == nil || *s.Volume != (oscar.ServiceVolume{Name: "ws", Size: "2Gi", MountPath: "/mnt/volumes/ws", LifecyclePolicy: "retain"}) {
					t.Errorf("mount %+v volume %+v", s.Mount, s.Volume)
				}
				if v["WORKSPACE_DIR"] != "/mnt/volumes/ws" || v["BASE_PATH"] != "/system/services/term-mine/exposed" || v["SERVICE_NAME"] != "term-mine" || v["PORT"] != "8080" {
					t.Errorf("variables %v", v)
				}
				if len(s.Environment.Secrets) != 0 {
					t.Errorf("secrets sent: %v (the refresh token placeholder must go)", s.Environment.Secrets)
				}
				if s.Labels["terminal"] != "true" || s.Expose.HealthPath != "/healthz" {
					t.Errorf("labels %v expose %+v", s.Labels, s.Expose)
				}
			},
		},
		{
			kind: "filebrowser", script: "exec files", secretEnv: "FILEBROWSER_ADMIN_PASSWORD",
			form: url.Values{"name": {"files-mine"}, "cpu": {"0.5"}, "memory": {"512Mi"}, "secret": {"files admin pass"}, "workspace": {"volume"}, "volume": {"shared"}},
			check: func(t *testing.T, s oscar.Service) {
				if s.Mount != nil || s.Volume == nil || *s.Volume != (oscar.ServiceVolume{Name: "shared", MountPath: "/data"}) {
					t.Errorf("mount %+v volume %+v", s.Mount, s.Volume)
				}
				if s.Environment.Variables["FILEBROWSER_SOURCE_PATH"] != "/data" || s.Labels["filebrowser"] != "true" {
					t.Errorf("variables %v labels %v", s.Environment.Variables, s.Labels)
				}
			},
		},
		{
			kind: "flows", script: "exec node-red", secretEnv: "PASSWORD",
			form: url.Values{"name": {"flows-mine"}, "cpu": {"2"}, "memory": {"1Gi"}, "workspace": {"bucket"}, "bucket": {"my-flows"}},
			check: func(t *testing.T, s oscar.Service) {
				v := s.Environment.Variables
				if s.Mount == nil || s.Mount.Path != "my-flows" {
					t.Errorf("mount %+v", s.Mount)
				}
				if v["NODE_RED_DIRECTORY"] != "/mnt/my-flows" || v["NODE_RED_BASE_URL"] != "/system/services/flows-mine/exposed" {
					t.Errorf("variables %v", v)
				}
				if pw := s.Environment.Secrets["PASSWORD"]; len(pw) != 32 || pw == "admin" {
					t.Errorf("the console made no password: %q", pw)
				}
				if s.Labels["node_red"] != "true" {
					t.Errorf("labels %v", s.Labels)
				}
			},
		},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			form := e.get("/apps/new/" + tc.kind)
			if form.StatusCode != http.StatusOK || form.Doc.Find("[data-testid=app-form]").Length() != 1 {
				t.Fatalf("form: status %d\n%s", form.StatusCode, form.Body)
			}
			if v, _ := form.Doc.Find("#f-name").Attr("value"); !strings.HasPrefix(v, tc.kind[:4]) {
				t.Errorf("preset name %q", v)
			}
			resp := e.post("/apps/new/"+tc.kind, tc.form)
			if resp.StatusCode != http.StatusSeeOther || resp.location() != "/apps/"+tc.form.Get("name") {
				t.Fatalf("create: status %d to %q\n%s", resp.StatusCode, resp.location(), resp.Body)
			}
			s := e.sent()
			if s.Name != tc.form.Get("name") || s.CPU != tc.form.Get("cpu") || s.Memory != tc.form.Get("memory") {
				t.Errorf("name/cpu/memory = %q %q %q", s.Name, s.CPU, s.Memory)
			}
			if !strings.Contains(s.Script, tc.script) || s.Token != "" {
				t.Errorf("script %q token %q", s.Script, s.Token)
			}
			tc.check(t, s)
			// The console's OSCAR password never goes into the app's definition.
			if posts := e.requests(http.MethodPost, "/system/services"); strings.Contains(string(posts[len(posts)-1].Body), oscartest.DefaultBasicPassword) {
				t.Error("the user's OSCAR password is in the service definition")
			}

			progress := e.get(resp.location())
			if progress.StatusCode != http.StatusOK || progress.text("[data-testid=app-state]") == "" {
				t.Fatalf("progress: status %d\n%s", progress.StatusCode, progress.Body)
			}
			secret := ""
			if tc.serviceToken {
				stored, err := e.pages.oscar.Service(t.Context(), oscar.Endpoint(e.ep), oscar.Creds{User: oscartest.DefaultBasicUser, Password: oscartest.DefaultBasicPassword}, s.Name, false)
				if err != nil || stored.Token == "" {
					t.Fatalf("service token: %v", err)
				}
				secret = stored.Token
			}
			if tc.secretEnv != "" {
				secret = s.Environment.Secrets[tc.secretEnv]
			}
			if secret != "" {
				if got := progress.text("[data-testid=app-secret-value]"); got != secret {
					t.Errorf("the progress page shows %q, want the password once", got)
				}
			}
			// The password is shown once: never again, on any page.
			// (A service token is the service page's to show; a password the user chose is nobody's.)
			again := []string{resp.location(), "/apps", "/services", "/apps/" + s.Name + "/state"}
			if !tc.serviceToken {
				again = append(again, "/services/"+s.Name)
			}
			for _, path := range again {
				p := e.get(path)
				if p.StatusCode != http.StatusOK {
					t.Errorf("%s: status %d", path, p.StatusCode)
				}
				if secret != "" && strings.Contains(p.Body, secret) {
					t.Errorf("%s shows the password again", path)
				}
			}
			if secret != "" && strings.Contains(e.logs.String(), secret) {
				t.Error("the password reached the log")
			}
			if d := e.sessionData(); len(d.Reveal) != 0 {
				t.Errorf("the session still holds %v", d.Reveal)
			}
		})
	}
	// The list shows them with their kind; the services list too.
	list := e.get("/apps")
	if got := strings.Join(rowNames(list, "[data-testid=app-name]"), ","); got != "files-mine,flows-mine,juno-mine,term-mine" {
		t.Errorf("apps %s", got)
	}
	services := e.get("/services")
	if services.Doc.Find("[data-testid=service-app]").Length() != 4 || !strings.Contains(services.Body, "Jupyter notebook") {
		t.Errorf("the services list does not show the apps' kinds\n%s", services.Body)
	}
}

func TestAppsBadInputPerFieldKeepsValuesButNotThePassword(t *testing.T) {
	e := newAppsEnv(t, oscartest.Options{})
	bad := url.Values{"name": {"Bad_Name"}, "cpu": {"lots"}, "memory": {"2"}, "secret": {"short"}, "workspace": {"bucket"}, "bucket": {"AB"}}
	p := e.post("/apps/new/flows", bad)
	if p.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", p.StatusCode)
	}
	for _, field := range []string{"name", "cpu", "memory", "secret", "bucket"} {
		if p.Doc.Find("#f-"+field+"-error").Length() != 1 {
			t.Errorf("no message next to %s", field)
		}
		if inv, _ := p.Doc.Find("#f-" + field).Attr("aria-invalid"); inv != "true" {
			t.Errorf("%s not marked invalid", field)
		}
	}
	for id, want := range map[string]string{"#f-name": "bad_name", "#f-cpu": "lots", "#f-memory": "2", "#f-bucket": "AB"} {
		if v, _ := p.Doc.Find(id).Attr("value"); v != want {
			t.Errorf("%s = %q, want the input kept (%q)", id, v, want)
		}
	}
	if v, _ := p.Doc.Find("#f-secret").Attr("value"); v != "" || strings.Contains(p.Body, "short") && strings.Contains(p.Body, `value="short"`) {
		t.Errorf("the password was echoed back: %q", v)
	}
	// Volume fields, per mode.
	p = e.post("/apps/new/terminal", url.Values{"name": {"term-a"}, "cpu": {"1"}, "memory": {"1Gi"}, "workspace": {"new-volume"}, "volume.name": {"Bad Vol"}, "volume.amount": {"x"}, "volume.unit": {"Gi"}})
	if p.StatusCode != http.StatusUnprocessableEntity || p.Doc.Find("#f-volume-name-error").Length() != 1 || p.Doc.Find("#f-volume-size-error").Length() != 1 {
		t.Errorf("new volume: status %d\n%s", p.StatusCode, p.Body)
	}
	p = e.post("/apps/new/filebrowser", url.Values{"name": {"files-a"}, "cpu": {"1"}, "memory": {"1Gi"}, "workspace": {"volume"}})
	if p.StatusCode != http.StatusUnprocessableEntity || p.Doc.Find("#f-volume-error").Length() != 1 {
		t.Errorf("volume: status %d", p.StatusCode)
	}
	p = e.post("/apps/new/juno", url.Values{"name": {"juno-a"}, "cpu": {"1"}, "memory": {"1Gi"}, "workspace": {"none"}})
	if p.StatusCode != http.StatusUnprocessableEntity || p.Doc.Find("#f-workspace-error").Length() != 1 {
		t.Errorf("workspace: status %d", p.StatusCode)
	}
	if n := len(e.requests(http.MethodPost, "/system/services")); n != 0 {
		t.Errorf("%d services created from bad input", n)
	}
	// OSCAR's refusal (a name taken) comes back on the field, values kept, password not.
	e.putService(`{"name":"flows-taken","image":"img","script":"echo"}`)
	p = e.post("/apps/new/flows", url.Values{"name": {"flows-taken"}, "cpu": {"1"}, "memory": {"1Gi"}, "secret": {"long-enough-password"}, "workspace": {"bucket"}, "bucket": {"flows-b"}})
	if p.StatusCode != http.StatusUnprocessableEntity || p.Doc.Find("#f-name-error").Length() != 1 {
		t.Fatalf("refusal: status %d\n%s", p.StatusCode, p.Body)
	}
	if strings.Contains(p.Body, "long-enough-password") {
		t.Error("the password was echoed back after OSCAR's refusal")
	}
}

func TestAppsVOPresetAndChecked(t *testing.T) {
	e := newAppsEnv(t, oscartest.Options{Tokens: oidcTokens, OIDCGroups: []string{"vo.other.eu", "vo.example.eu"}})
	e.signIn(session.Data{Kind: session.KindOIDC, Subject: "alice@egi.eu", Name: "Alice", AccessToken: "tok-alice",
		VOs: []string{"vo.example.eu"}, Endpoint: e.ep, RecentEndpoints: []string{e.ep}})
	p := e.get("/apps/new/juno")
	opts := p.Doc.Find("#f-vo option")
	if opts.Length() != 1 {
		t.Fatalf("VO choices: %d\n%s", opts.Length(), p.Body)
	}
	if v, _ := p.Doc.Find("#f-vo option[selected]").Attr("value"); v != "vo.example.eu" {
		t.Errorf("VO preset %q", v)
	}
	p = e.post("/apps/new/juno", url.Values{"name": {"juno-vo"}, "vo": {"vo.other.eu"}, "cpu": {"1"}, "memory": {"1Gi"}, "workspace": {"bucket"}, "bucket": {"nb1"}})
	if p.StatusCode != http.StatusUnprocessableEntity || p.Doc.Find("#f-vo-error").Length() != 1 {
		t.Errorf("a VO the user is not in: status %d", p.StatusCode)
	}
	p = e.post("/apps/new/juno", url.Values{"name": {"juno-vo"}, "vo": {"vo.example.eu"}, "cpu": {"1"}, "memory": {"1Gi"}, "workspace": {"bucket"}, "bucket": {"nb1"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: status %d\n%s", p.StatusCode, p.Body)
	}
	s := e.sent()
	if s.VO != "vo.example.eu" {
		t.Errorf("vo %q", s.VO)
	}
	// The user's OSCAR token is never handed to the app.
	body := string(e.requests(http.MethodPost, "/system/services")[0].Body)
	if strings.Contains(body, "tok-alice") {
		t.Error("the user's token is in the service definition")
	}
	list := e.get("/apps")
	if href, _ := list.Doc.Find("[data-testid=app-open]").Attr("href"); href != e.ep+"/system/services/juno-vo/exposed/" {
		t.Errorf("open link %q", href)
	}
	if strings.Contains(list.Body, "tok-alice") {
		t.Error("the user's token is on the Apps page")
	}
}

func TestAppsKindWithSourceDownIsDisabledOthersWork(t *testing.T) {
	e := newAppsEnv(t, oscartest.Options{})
	e.github.SetDown(true)
	p := e.get("/apps")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status %d", p.StatusCode)
	}
	for _, k := range []string{"juno", "terminal", "flows"} {
		card := p.Doc.Find("[data-testid=kind-" + k + "]")
		if card.Find("[data-testid=kind-problem]").Length() != 1 || card.Find("[data-testid=kind-new]").Length() != 0 {
			t.Errorf("%s: not disabled with a message", k)
		}
	}
	if p.Doc.Find("[data-testid=kind-filebrowser] [data-testid=kind-new]").Length() != 1 {
		t.Error("the file browser (its directory is fine) is disabled too")
	}
	if p.Doc.Find("[data-testid=empty]").Length() != 1 {
		t.Error("no empty state")
	}
	form := e.get("/apps/new/juno")
	if form.StatusCode != http.StatusOK || form.Doc.Find("[data-testid=kind-problem]").Length() != 1 || form.Doc.Find("[data-testid=app-form]").Length() != 0 {
		t.Errorf("form of a disabled kind: status %d", form.StatusCode)
	}
	create := e.post("/apps/new/juno", url.Values{"name": {"juno-a"}, "cpu": {"1"}, "memory": {"1Gi"}, "workspace": {"bucket"}, "bucket": {"nb1"}})
	if create.StatusCode != http.StatusServiceUnavailable || create.Doc.Find("[data-testid=kind-problem]").Length() != 1 {
		t.Errorf("create with the template down: status %d", create.StatusCode)
	}
	ok := e.post("/apps/new/filebrowser", url.Values{"name": {"files-a"}, "cpu": {"1"}, "memory": {"1Gi"}, "workspace": {"new-volume"}, "volume.name": {"files"}, "volume.amount": {"1"}, "volume.unit": {"Gi"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Errorf("file browser create: status %d\n%s", ok.StatusCode, ok.Body)
	}
	// Once fetched, a template outlives its source going down: the last good copy, with its age.
	e.github.SetDown(false)
	e.pages.remote = remote.New(remote.Options{Policy: e.pages.cfg.Policy, GitHubAPI: e.github.API(), GitHubRaw: e.github.Raw(), TTL: time.Nanosecond})
	if p := e.get("/apps/new/juno"); p.Doc.Find("[data-testid=app-form]").Length() != 1 || p.Doc.Find("[data-testid=kind-stale]").Length() != 0 {
		t.Fatal("the form is not offered with the source back")
	}
	e.github.SetDown(true)
	p = e.get("/apps/new/juno")
	if p.Doc.Find("[data-testid=app-form]").Length() != 1 || !strings.Contains(p.text("[data-testid=kind-stale]"), "not answering") {
		t.Errorf("the last good copy is not used, or not said to be old\n%s", p.Body)
	}
}

func TestAppsLifecycleFromTheList(t *testing.T) {
	e := newAppsEnv(t, oscartest.Options{})
	e.putService(`{"name":"juno-life","image":"img","script":"echo","owner":"cluster_admin","labels":{"jupyter_notebook":"true"},"expose":{"min_scale":1,"max_scale":1,"api_port":[8888]},"mount":{"storage_provider":"minio.default","path":"nb-life"}}`)
	e.putService(`{"name":"plain","image":"img","script":"echo","owner":"cluster_admin"}`)
	e.putService(`{"name":"juno-broken","image":"img","script":"echo","owner":"cluster_admin","labels":{"jupyter_notebook":"true"},"expose":{"min_scale":1,"max_scale":1,"api_port":[8888]}}`)
	e.fake.SetDeployment("juno-broken", oscartest.Deployment{State: "failed", Reason: "ImagePullBackOff"})
	e.fake.ResetRequests()

	p := e.get("/apps")
	if got := strings.Join(rowNames(p, "[data-testid=app-name]"), ","); got != "juno-broken,juno-life" {
		t.Fatalf("apps %s (a service without the label is not an app)", got)
	}
	// One OSCAR call: the list carries each app's state (?include=deployment).
	if n, lists := len(e.requests(http.MethodGet, "/system/services/juno-life/deployment"))+len(e.requests(http.MethodGet, "/system/services/juno-broken/deployment")), e.requests(http.MethodGet, "/system/services"); n != 0 || len(lists) != 1 || lists[0].Query != "include=deployment" {
		t.Errorf("%d state calls and lists %+v; want the list with the states, alone", n, lists)
	}
	broken := p.Doc.Find(`[data-app="juno-broken"]`)
	if broken.Find("[data-testid=app-state]").Text() != "failing" || !strings.Contains(broken.Find("[data-testid=app-reason]").Text(), "ImagePullBackOff") {
		t.Errorf("failing app shown as %q", broken.Text())
	}
	state := func() string {
		return strings.TrimSpace(e.get("/apps").Doc.Find(`[data-app="juno-life"] [data-testid=app-state]`).Text())
	}
	for _, step := range []struct{ action, want string }{{"stop", "stopped"}, {"start", ""}, {"restart", ""}} {
		r := e.post("/apps/juno-life/"+step.action, url.Values{})
		if r.StatusCode != http.StatusSeeOther || r.location() != "/apps" {
			t.Fatalf("%s: status %d to %q\n%s", step.action, r.StatusCode, r.location(), r.Body)
		}
		if n := len(e.requests(http.MethodPost, "/system/services/juno-life/"+step.action)); n != 1 {
			t.Errorf("%s: %d calls to OSCAR", step.action, n)
		}
		if got := state(); step.want != "" && got != step.want {
			t.Errorf("after %s: state %q, want %q", step.action, got, step.want)
		} else if step.want == "" && got == "stopped" {
			t.Errorf("after %s: still stopped", step.action)
		}
	}
	confirm := e.get("/apps/juno-life/delete")
	if confirm.StatusCode != http.StatusOK || !strings.Contains(confirm.text("[data-testid=confirm]"), "nb-life") {
		t.Fatalf("confirm: status %d\n%s", confirm.StatusCode, confirm.Body)
	}
	if e.get("/apps/plain/delete").StatusCode != http.StatusNotFound {
		t.Error("a service that is no app has an app deletion page")
	}
	del := e.post("/apps/juno-life/delete", url.Values{})
	if del.StatusCode != http.StatusSeeOther || del.location() != "/apps" {
		t.Fatalf("delete: status %d", del.StatusCode)
	}
	if got := strings.Join(rowNames(e.get("/apps"), "[data-testid=app-name]"), ","); got != "juno-broken" {
		t.Errorf("after delete: %s", got)
	}
	// A service that is not exposed cannot be stopped: a plain page, not a stack trace.
	if r := e.post("/apps/plain/stop", url.Values{}); r.StatusCode != http.StatusConflict {
		t.Errorf("stop of a service that is not exposed: status %d", r.StatusCode)
	}
}

// An OSCAR whose list carries no deployment states (before 4.1): the Apps list asks for each app's.
func TestAppsStatesFromAnOlderOSCAR(t *testing.T) {
	e := newAppsEnv(t, oscartest.Options{Fault: func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && r.URL.Path == "/system/services" {
			r.URL.RawQuery = "" // as if ?include=deployment were not understood
		}
		return false
	}})
	e.putService(`{"name":"juno-old","image":"img","script":"echo","owner":"cluster_admin","labels":{"jupyter_notebook":"true"},"expose":{"min_scale":1,"max_scale":1,"api_port":[8888]}}`)
	e.fake.SetDeployment("juno-old", oscartest.Deployment{State: "failed", Reason: "ImagePullBackOff"})
	e.fake.ResetRequests()
	p := e.get("/apps")
	row := p.Doc.Find(`[data-app="juno-old"]`)
	if row.Find("[data-testid=app-state]").Text() != "failing" || !strings.Contains(row.Find("[data-testid=app-reason]").Text(), "ImagePullBackOff") {
		t.Errorf("app shown as %q", row.Text())
	}
	if n := len(e.requests(http.MethodGet, "/system/services/juno-old/deployment")); n != 1 {
		t.Errorf("%d state calls, want one for the app whose state the list lacks", n)
	}
}
