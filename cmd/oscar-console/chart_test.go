package main

// Tests of the Helm chart in deploy/helm/oscar-console. They render it with the real helm binary
// (helm template) and check the manifests against what this program actually reads: the settings
// (envNames, loadConfig), the session store URL (session.OpenBackend) and the endpoints server.Build serves.
//
// helm is found through $HELM or PATH (export HELM="$(bash .ci/helm path)" installs it). Without it
// the tests are skipped on a developer machine and FAIL under CI=true, so a CI run cannot pass by
// skipping them.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/oscarconsole/oscar-console/web/server"
	"github.com/oscarconsole/oscar-console/web/session"
)

// chartDir is the chart, relative to this package's directory (where go test runs).
const chartDir = "../../deploy/helm/oscar-console"

// kubeVersion is the Kubernetes version the chart is rendered for unless a test says otherwise: helm
// built with go install assumes v1.20, older than the chart supports.
const kubeVersion = "1.31.0"

// externalRedisValues is the CI values file for a Redis run outside the release.
const externalRedisValues = chartDir + "/ci/external-redis-values.yaml"

// plainSecretSettings are the settings the chart deliberately never sets: the client secrets reach the
// console as files (the *_CLIENT_SECRET_FILE settings), not as environment variables that show up in
// `kubectl describe` and /proc.
var plainSecretSettings = []string{"CONSOLE_OIDC_CLIENT_SECRET", "CONSOLE_OIDC2_CLIENT_SECRET", "CONSOLE_OIDC3_CLIENT_SECRET"}

func helmBinary(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HELM"); h != "" {
		return h
	}
	if h, err := exec.LookPath("helm"); err == nil {
		return h
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("helm not found (neither $HELM nor PATH); CI=true, so the chart tests fail instead of skipping. export HELM=\"$(bash .ci/helm path)\" installs it.")
	}
	t.Skip("helm not found: set HELM=/path/to/helm or put helm on PATH (export HELM=\"$(bash .ci/helm path)\" installs it) to run the chart tests")
	return ""
}

// object is one rendered Kubernetes object.
type object map[string]any

func (o object) kind() string { return ystr(dig(o, "kind")) }
func (o object) name() string { return ystr(dig(o, "metadata", "name")) }

// rendered is the output of one helm template run.
type rendered []object

// helmTemplate renders the chart as release "rel" in namespace "ns". The error carries helm's
// stderr (where a template's fail message appears).
func helmTemplate(t *testing.T, args ...string) (rendered, error) {
	t.Helper()
	cmd := exec.Command(helmBinary(t), append([]string{"template", "rel", chartDir, "--namespace", "ns", "--kube-version", kubeVersion}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, errors.New(strings.TrimSpace(stderr.String()) + " (" + err.Error() + ")")
	}
	var out rendered
	dec := yaml.NewDecoder(&stdout)
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("helm template printed invalid YAML: %v", err)
		}
		if o != nil {
			out = append(out, o)
		}
	}
	return out, nil
}

// mustRender renders and fails the test if helm refuses.
func mustRender(t *testing.T, args ...string) rendered {
	t.Helper()
	r, err := helmTemplate(t, args...)
	if err != nil {
		t.Fatalf("helm template %s: %v", strings.Join(args, " "), err)
	}
	return r
}

func (r rendered) all(kind string) []object {
	var out []object
	for _, o := range r {
		if o.kind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// find returns the object of that kind and name, or nil.
func (r rendered) find(kind, name string) object {
	for _, o := range r.all(kind) {
		if o.name() == name {
			return o
		}
	}
	return nil
}

// component returns the one object of kind whose app.kubernetes.io/component label is c, or nil.
func (r rendered) component(t *testing.T, kind, c string) object {
	t.Helper()
	var found object
	for _, o := range r.all(kind) {
		if ystr(dig(o, "metadata", "labels", "app.kubernetes.io/component")) == c {
			if found != nil {
				t.Fatalf("two %s objects with component %q: %s and %s", kind, c, found.name(), o.name())
			}
			found = o
		}
	}
	return found
}

// console returns the console Deployment and its container.
func (r rendered) console(t *testing.T) (dep, container object) {
	t.Helper()
	dep = r.component(t, "Deployment", "console")
	if dep == nil {
		t.Fatal("no console Deployment rendered")
	}
	for _, c := range ylist(dig(dep, "spec", "template", "spec", "containers")) {
		if ystr(dig(c, "name")) == "console" {
			return dep, object(asMap(c))
		}
	}
	t.Fatal("console Deployment has no container named console")
	return nil, nil
}

// secretData returns a rendered Secret's decoded data, or nil if the Secret is not rendered.
func (r rendered) secretData(t *testing.T, name string) map[string]string {
	t.Helper()
	s := r.find("Secret", name)
	if s == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range asMap(dig(s, "data")) {
		b, err := base64.StdEncoding.DecodeString(ystr(v))
		if err != nil {
			t.Fatalf("Secret %s key %s is not base64: %v", name, k, err)
		}
		out[k] = string(b)
	}
	for k, v := range asMap(dig(s, "stringData")) {
		out[k] = ystr(v)
	}
	return out
}

// envVar is one environment variable of the console container as the kubelet would set it.
type envVar struct {
	value string
	// from names where the value comes from: "configmap", "value" or "secret:<name>/<key>".
	from string
	// resolved is false when the value lives in a Secret the chart does not render.
	resolved bool
}

// consoleEnv resolves the console container's environment: envFrom ConfigMaps, then env entries
// (which win, as in Kubernetes).
func (r rendered) consoleEnv(t *testing.T) map[string]envVar {
	t.Helper()
	_, c := r.console(t)
	out := map[string]envVar{}
	for _, ef := range ylist(dig(c, "envFrom")) {
		name := ystr(dig(ef, "configMapRef", "name"))
		if name == "" {
			t.Fatalf("envFrom without a configMapRef: %v", ef)
		}
		cm := r.find("ConfigMap", name)
		if cm == nil {
			t.Fatalf("envFrom ConfigMap %s is not rendered", name)
		}
		for k, v := range asMap(dig(cm, "data")) {
			out[k] = envVar{value: ystr(v), from: "configmap", resolved: true}
		}
	}
	for _, e := range ylist(dig(c, "env")) {
		name := ystr(dig(e, "name"))
		if ref := dig(e, "valueFrom", "secretKeyRef"); ref != nil {
			sn, key := ystr(dig(ref, "name")), ystr(dig(ref, "key"))
			v := envVar{from: "secret:" + sn + "/" + key}
			if data := r.secretData(t, sn); data != nil {
				val, ok := data[key]
				if !ok {
					t.Errorf("env %s refers to key %s missing from the rendered Secret %s", name, key, sn)
				}
				v.value, v.resolved = val, true
			}
			out[name] = v
			continue
		}
		out[name] = envVar{value: ystr(dig(e, "value")), from: "value", resolved: true}
	}
	return out
}

// mountedFile maps a path in the console container to the volume mount and the key (file name)
// under it, for secret volumes.
func (r rendered) mountedFile(t *testing.T, path string) (secretName, key string, ok bool) {
	t.Helper()
	dep, c := r.console(t)
	for _, m := range ylist(dig(c, "volumeMounts")) {
		mp := ystr(dig(m, "mountPath"))
		if !strings.HasPrefix(path, mp+"/") {
			continue
		}
		vol := r.volume(t, dep, ystr(dig(m, "name")))
		sn := ystr(dig(vol, "secret", "secretName"))
		if sn == "" {
			return "", "", false
		}
		return sn, strings.TrimPrefix(path, mp+"/"), true
	}
	return "", "", false
}

func (r rendered) volume(t *testing.T, dep object, name string) any {
	t.Helper()
	for _, v := range ylist(dig(dep, "spec", "template", "spec", "volumes")) {
		if ystr(dig(v, "name")) == name {
			return v
		}
	}
	t.Fatalf("Deployment %s mounts volume %s, which it does not define", dep.name(), name)
	return nil
}

// loadRendered runs the console's own configuration loader on the rendered settings, with every
// Secret-mounted file written under a temporary directory (its path rewritten there), and returns
// loadConfig's verdict. Files of Secrets the chart does not render (existing Secrets, TLS) get a
// placeholder: loadConfig only reads them.
func (r rendered) loadRendered(t *testing.T) (*config, error) {
	t.Helper()
	root := t.TempDir()
	vars := map[string]string{}
	for name, v := range r.consoleEnv(t) {
		val := v.value
		if !v.resolved {
			val = "redis://placeholder:6379/0"
		}
		if sn, key, ok := r.mountedFile(t, val); ok {
			content := "placeholder-for-a-secret-the-chart-does-not-render-0123456789"
			if data := r.secretData(t, sn); data != nil {
				c, found := data[key]
				if !found {
					t.Errorf("%s=%s: key %s is not in the rendered Secret %s", name, val, key, sn)
				}
				content = c
			}
			p := filepath.Join(root, sn, key)
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			val = p
		}
		vars[name] = val
	}
	return loadConfig(nil, func(k string) string { return vars[k] }, io.Discard)
}

// podLabelsMatch reports whether every selector label is on the pod template.
func podLabelsMatch(selector, podLabels map[string]any) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if podLabels[k] != v {
			return false
		}
	}
	return true
}

// checkHardening checks the pod and container security contexts and resources of a Deployment.
func checkHardening(t *testing.T, dep object) {
	t.Helper()
	pod := dig(dep, "spec", "template", "spec")
	if got := dig(pod, "securityContext", "runAsNonRoot"); got != true {
		t.Errorf("%s: pod runAsNonRoot = %v, want true", dep.name(), got)
	}
	if got := ystr(dig(pod, "securityContext", "seccompProfile", "type")); got != "RuntimeDefault" {
		t.Errorf("%s: pod seccompProfile = %q, want RuntimeDefault", dep.name(), got)
	}
	if uid, ok := dig(pod, "securityContext", "runAsUser").(int); !ok || uid == 0 {
		t.Errorf("%s: pod runAsUser = %v, want a non-zero UID", dep.name(), dig(pod, "securityContext", "runAsUser"))
	}
	if got := dig(pod, "automountServiceAccountToken"); got != false {
		t.Errorf("%s: automountServiceAccountToken = %v, want false (the console never calls the Kubernetes API)", dep.name(), got)
	}
	containers := ylist(dig(pod, "containers"))
	if len(containers) == 0 {
		t.Fatalf("%s: no containers", dep.name())
	}
	for _, c := range containers {
		n := dep.name() + "/" + ystr(dig(c, "name"))
		sc := dig(c, "securityContext")
		for _, tc := range []struct {
			field string
			want  any
		}{
			{"runAsNonRoot", true},
			{"readOnlyRootFilesystem", true},
			{"allowPrivilegeEscalation", false},
		} {
			if got := dig(sc, tc.field); got != tc.want {
				t.Errorf("%s: securityContext.%s = %v, want %v", n, tc.field, got, tc.want)
			}
		}
		if got := ylist(dig(sc, "capabilities", "drop")); !slices.Equal(got, []any{"ALL"}) {
			t.Errorf("%s: capabilities.drop = %v, want [ALL]", n, got)
		}
		if got := ystr(dig(sc, "seccompProfile", "type")); got != "RuntimeDefault" {
			t.Errorf("%s: seccompProfile = %q, want RuntimeDefault", n, got)
		}
		if got := dig(sc, "privileged"); got == true {
			t.Errorf("%s: privileged", n)
		}
		for _, res := range []string{"requests.cpu", "requests.memory", "limits.memory"} {
			kind, what, _ := strings.Cut(res, ".")
			if ystr(dig(c, "resources", kind, what)) == "" {
				t.Errorf("%s: no resources.%s", n, res)
			}
		}
	}
}

func TestChartDefaults(t *testing.T) {
	r := mustRender(t)
	dep, c := r.console(t)
	values := readValues(t, chartDir+"/values.yaml")

	if got, want := dig(dep, "spec", "replicas"), 2; got != want {
		t.Errorf("replicas = %v, want %v", got, want)
	}
	for _, d := range r.all("Deployment") {
		checkHardening(t, d)
	}

	// Probes on the endpoints server.Build serves, on the port the console listens on.
	env := r.consoleEnv(t)
	port := -1
	for _, p := range ylist(dig(c, "ports")) {
		if ystr(dig(p, "name")) == "http" {
			port, _ = dig(p, "containerPort").(int)
		}
	}
	if got, want := env["CONSOLE_ADDR"].value, ":"+strconv.Itoa(port); got != want {
		t.Errorf("CONSOLE_ADDR = %q, want %q (the container port named http)", got, want)
	}
	for _, tc := range []struct{ probe, path string }{{"livenessProbe", "/healthz"}, {"readinessProbe", "/readyz"}} {
		if got := ystr(dig(c, tc.probe, "httpGet", "path")); got != tc.path {
			t.Errorf("%s path = %q, want %q", tc.probe, got, tc.path)
		}
		if got := probeStatus(t, ystr(dig(c, tc.probe, "httpGet", "path"))); got != http.StatusOK {
			t.Errorf("%s: the console answers %d on its path, want 200", tc.probe, got)
		}
		if got := ystr(dig(c, tc.probe, "httpGet", "port")); got != "http" {
			t.Errorf("%s port = %q, want the http port", tc.probe, got)
		}
		if got := ystr(dig(c, tc.probe, "httpGet", "scheme")); got != "HTTP" {
			t.Errorf("%s scheme = %q, want HTTP (TLS ends at the ingress by default)", tc.probe, got)
		}
	}

	// Service and Ingress reach the pods, and the public URL is the ingress host over https.
	podLabels := asMap(dig(dep, "spec", "template", "metadata", "labels"))
	svc := r.component(t, "Service", "console")
	if svc == nil {
		t.Fatal("no console Service")
	}
	if !podLabelsMatch(asMap(dig(svc, "spec", "selector")), podLabels) {
		t.Errorf("Service selector %v does not select the console pods %v", dig(svc, "spec", "selector"), podLabels)
	}
	if got := ystr(dig(ylist(dig(svc, "spec", "ports"))[0], "targetPort")); got != "http" {
		t.Errorf("Service targetPort = %q, want http", got)
	}
	host := ystr(dig(values, "ingress", "host"))
	ing := r.component(t, "Ingress", "console")
	if ing == nil {
		t.Fatal("no Ingress")
	}
	if got := ystr(dig(ing, "spec", "rules", 0, "host")); got != host {
		t.Errorf("Ingress host = %q, want %q", got, host)
	}
	if got := ylist(dig(ing, "spec", "tls", 0, "hosts")); !slices.Equal(got, []any{host}) {
		t.Errorf("Ingress TLS hosts = %v, want [%s]", got, host)
	}
	if ystr(dig(ing, "spec", "tls", 0, "secretName")) == "" {
		t.Error("Ingress TLS has no secretName")
	}
	backend := dig(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service")
	if got := ystr(dig(backend, "name")); got != svc.name() {
		t.Errorf("Ingress backend = %q, want the console Service %q", got, svc.name())
	}
	if got, want := dig(backend, "port", "number"), dig(svc, "spec", "ports", 0, "port"); got != want {
		t.Errorf("Ingress backend port = %v, want the Service port %v", got, want)
	}
	if got, want := env["CONSOLE_PUBLIC_URL"].value, "https://"+host; got != want {
		t.Errorf("CONSOLE_PUBLIC_URL = %q, want %q", got, want)
	}

	// Two replicas share sessions through the in-chart Redis, reached with its password.
	store := env["CONSOLE_SESSION_STORE"]
	if !strings.HasPrefix(store.from, "secret:") || !store.resolved {
		t.Fatalf("CONSOLE_SESSION_STORE comes from %q (resolved %v), want a rendered Secret", store.from, store.resolved)
	}
	redisSvc := r.component(t, "Service", "redis")
	redisDep := r.component(t, "Deployment", "redis")
	if redisSvc == nil || redisDep == nil {
		t.Fatal("redis.enabled is the default, but no Redis Service and Deployment are rendered")
	}
	if !podLabelsMatch(asMap(dig(redisSvc, "spec", "selector")), asMap(dig(redisDep, "spec", "template", "metadata", "labels"))) {
		t.Error("the Redis Service does not select the Redis pod")
	}
	if podLabelsMatch(asMap(dig(svc, "spec", "selector")), asMap(dig(redisDep, "spec", "template", "metadata", "labels"))) {
		t.Error("the console Service also selects the Redis pod")
	}
	wantPrefix := "redis://"
	wantHost := "@" + redisSvc.name() + ":6379/0"
	if !strings.HasPrefix(store.value, wantPrefix) || !strings.HasSuffix(store.value, wantHost) {
		t.Errorf("CONSOLE_SESSION_STORE = %q, want redis://:<password>%s", redactURL(store.value), wantHost)
	}
	checkOpens(t, store.value)
	redisData := r.secretData(t, ystr(dig(r.volume(t, redisDep, "config"), "secret", "secretName")))
	pw := strings.TrimSuffix(strings.TrimPrefix(store.value, "redis://:"), wantHost)
	if len(pw) < 16 || !strings.Contains(redisData["redis.conf"], "requirepass "+pw+"\n") {
		t.Error("the Redis password in CONSOLE_SESSION_STORE is not the one redis.conf requires (or is shorter than 16)")
	}
	for _, line := range []string{"save \"\"", "appendonly no"} {
		if !strings.Contains(redisData["redis.conf"], line+"\n") {
			t.Errorf("redis.conf lacks %q", line)
		}
	}

	// The PodDisruptionBudget keeps a replica up during drains.
	pdb := r.component(t, "PodDisruptionBudget", "console")
	if pdb == nil {
		t.Fatal("no PodDisruptionBudget")
	}
	if !podLabelsMatch(asMap(dig(pdb, "spec", "selector", "matchLabels")), podLabels) {
		t.Error("the PodDisruptionBudget does not select the console pods")
	}
	if got, ok := dig(pdb, "spec", "minAvailable").(int); !ok || got < 1 || got >= 2 {
		t.Errorf("PodDisruptionBudget minAvailable = %v, want 1 with 2 replicas", dig(pdb, "spec", "minAvailable"))
	}

	// The session key is a file from the Secret, the same for every replica, 32+ bytes a line.
	keyFile := env["CONSOLE_SESSION_KEY_FILE"].value
	sn, key, ok := r.mountedFile(t, keyFile)
	if !ok {
		t.Fatalf("CONSOLE_SESSION_KEY_FILE=%q is not in a Secret volume", keyFile)
	}
	keys := r.secretData(t, sn)[key]
	if keys == "" {
		t.Fatalf("the Secret %s has no %s for CONSOLE_SESSION_KEY_FILE", sn, key)
	}
	for _, line := range strings.Split(strings.TrimSpace(keys), "\n") {
		if len(strings.TrimSpace(line)) < 32 {
			t.Errorf("a session key line has %d bytes, want 32 or more", len(strings.TrimSpace(line)))
		}
	}

	// The data directory and /tmp are writable emptyDirs on a read-only root.
	for _, dir := range []string{env["CONSOLE_DATA_DIR"].value, "/tmp"} {
		var vol any
		for _, m := range ylist(dig(c, "volumeMounts")) {
			if ystr(dig(m, "mountPath")) == dir {
				vol = r.volume(t, dep, ystr(dig(m, "name")))
			}
		}
		if dig(vol, "emptyDir") == nil {
			t.Errorf("%s is not an emptyDir mount (the root filesystem is read-only)", dir)
		}
	}

	checkEnvNames(t, env, false)
	if _, err := r.loadRendered(t); err != nil {
		t.Errorf("the console refuses the rendered settings:\n%v", err)
	}
}

// TestChartSetsEverySetting renders with every option on and checks that the chart can set every
// setting the console reads (except the plain client secrets, which go as files), and nothing else.
func TestChartSetsEverySetting(t *testing.T) {
	args := []string{"--set", "serverTLS.secretName=console-tls", "--set", "config.logLevel=debug",
		"--set", "config.trustedProxies=10.244.0.0/16\\,192.0.2.7"}
	for _, p := range []string{"oidc", "oidc2", "oidc3"} {
		args = append(args,
			"--set", p+".issuer=https://"+p+".example.org/realms/x",
			"--set", p+".clientID=client-"+p,
			"--set", p+".clientSecret=secret-"+p,
			"--set", p+".scopes=openid profile",
			"--set", p+".providerName=Provider "+p)
	}
	r := mustRender(t, args...)
	env := r.consoleEnv(t)
	checkEnvNames(t, env, true)
	for _, p := range []string{"OIDC", "OIDC2", "OIDC3"} {
		f := env["CONSOLE_"+p+"_CLIENT_SECRET_FILE"].value
		sn, key, ok := r.mountedFile(t, f)
		if !ok {
			t.Errorf("CONSOLE_%s_CLIENT_SECRET_FILE=%q is not in a Secret volume", p, f)
			continue
		}
		if got, want := r.secretData(t, sn)[key], "secret-"+strings.ToLower(p); got != want {
			t.Errorf("CONSOLE_%s_CLIENT_SECRET_FILE holds %q, want %q", p, got, want)
		}
	}
	for _, f := range []string{"CONSOLE_TLS_CERT_FILE", "CONSOLE_TLS_KEY_FILE"} {
		if sn, _, ok := r.mountedFile(t, env[f].value); !ok || sn != "console-tls" {
			t.Errorf("%s=%q is not in the console-tls Secret volume", f, env[f].value)
		}
	}
	_, c := r.console(t)
	for _, probe := range []string{"livenessProbe", "readinessProbe"} {
		if got := ystr(dig(c, probe, "httpGet", "scheme")); got != "HTTPS" {
			t.Errorf("with serverTLS, %s scheme = %q, want HTTPS", probe, got)
		}
	}
	cfg, err := r.loadRendered(t)
	if err != nil {
		t.Fatalf("the console refuses the rendered settings:\n%v", err)
	}
	if got := len(cfg.oidcProviders()); got != 3 {
		t.Errorf("the console sees %d OpenID providers, want 3", got)
	}
	if got, want := cfg.TrustedProxies, []string{"10.244.0.0/16", "192.0.2.7"}; !slices.Equal(got, want) {
		t.Errorf("the console trusts proxies %q, want %q", got, want)
	}
	// No secret leaks into the ConfigMap.
	for _, cm := range r.all("ConfigMap") {
		for k, v := range asMap(dig(cm, "data")) {
			if strings.Contains(ystr(v), "secret-oidc") {
				t.Errorf("ConfigMap %s key %s holds a client secret", cm.name(), k)
			}
		}
	}
}

// checkEnvNames checks that every variable the chart sets is a setting of the console and, with all,
// that every setting is set.
func checkEnvNames(t *testing.T, env map[string]envVar, all bool) {
	t.Helper()
	known := envNames()
	var got []string
	for name := range env {
		got = append(got, name)
		if !slices.Contains(known, name) {
			t.Errorf("the chart sets %s, which the console does not read", name)
		}
		if slices.Contains(plainSecretSettings, name) {
			t.Errorf("the chart sets %s; secrets must reach the console as files (the _FILE setting)", name)
		}
	}
	if !all {
		return
	}
	for _, name := range known {
		if !slices.Contains(got, name) && !slices.Contains(plainSecretSettings, name) {
			t.Errorf("the chart cannot set %s", name)
		}
	}
}

func TestChartExternalRedis(t *testing.T) {
	r := mustRender(t, "-f", externalRedisValues)
	values := readValues(t, externalRedisValues)
	dep, _ := r.console(t)
	if got, want := dig(dep, "spec", "replicas"), dig(values, "replicaCount"); got != want {
		t.Errorf("replicas = %v, want %v", got, want)
	}
	if r.component(t, "Deployment", "redis") != nil || r.component(t, "Service", "redis") != nil {
		t.Error("redis.enabled=false, yet a Redis Deployment or Service is rendered")
	}
	env := r.consoleEnv(t)
	store := env["CONSOLE_SESSION_STORE"]
	want := ystr(dig(values, "externalRedis", "url"))
	if !strings.HasPrefix(store.from, "secret:") || store.value != want {
		t.Errorf("CONSOLE_SESSION_STORE = %q from %s, want externalRedis.url from a Secret", redactURL(store.value), store.from)
	}
	checkOpens(t, store.value)
	for _, cm := range r.all("ConfigMap") {
		for k, v := range asMap(dig(cm, "data")) {
			if strings.Contains(ystr(v), "s3cret-redis-pass") || strings.Contains(ystr(v), ystr(dig(values, "oidc", "clientSecret"))) {
				t.Errorf("ConfigMap %s key %s holds a secret", cm.name(), k)
			}
		}
	}
	if pdb := r.component(t, "PodDisruptionBudget", "console"); pdb == nil || dig(pdb, "spec", "minAvailable") != dig(values, "podDisruptionBudget", "minAvailable") {
		t.Errorf("PodDisruptionBudget = %v, want minAvailable %v", pdb, dig(values, "podDisruptionBudget", "minAvailable"))
	}
	if got, want := env["CONSOLE_PUBLIC_URL"].value, "https://"+ystr(dig(values, "ingress", "host")); got != want {
		t.Errorf("CONSOLE_PUBLIC_URL = %q, want %q", got, want)
	}
	cfg, err := r.loadRendered(t)
	if err != nil {
		t.Fatalf("the console refuses the rendered settings:\n%v", err)
	}
	if got := cfg.Providers[0].ClientSecret; got != ystr(dig(values, "oidc", "clientSecret")) {
		t.Errorf("the console reads client secret %q from the mounted file, want the one in the values", got)
	}
	checkEnvNames(t, env, false)
}

// TestChartSessionStore covers the choice of session store, including the refusal to run several
// replicas on file sessions.
func TestChartSessionStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		// fail is a part of helm's error message; "" means the render must succeed.
		fail string
		// store is the wanted CONSOLE_SESSION_STORE source: "file:", "secret:<name>/<key>".
		store string
		pdb   bool
	}{
		{name: "replicas without redis", args: []string{"--set", "replicaCount=3", "--set", "redis.enabled=false"},
			fail: "sessions must be in Redis when replicaCount > 1"},
		{name: "two replicas without redis", args: []string{"--set", "redis.enabled=false"},
			fail: "replicaCount is 2 but the session store is files"},
		{name: "one replica on files", args: []string{"--set", "replicaCount=1", "--set", "redis.enabled=false"},
			store: "file:"},
		{name: "one replica on the in-chart redis", args: []string{"--set", "replicaCount=1"},
			store: "secret:rel-oscar-console-redis/url"},
		{name: "external url", args: []string{"--set", "redis.enabled=false", "--set", "externalRedis.url=redis://r.example.org:6379/0"},
			store: "secret:rel-oscar-console-redis/url", pdb: true},
		{name: "external secret", args: []string{"--set", "redis.enabled=false", "--set", "externalRedis.existingSecret=shared-redis", "--set", "externalRedis.existingSecretKey=uri"},
			store: "secret:shared-redis/uri", pdb: true},
		{name: "both stores", args: []string{"--set", "externalRedis.url=redis://r:6379/0"},
			fail: "choose one session store"},
		{name: "not a redis url", args: []string{"--set", "redis.enabled=false", "--set", "externalRedis.url=http://r:6379"},
			fail: "externalRedis.url must start with redis:// or rediss://"},
		{name: "zero replicas", args: []string{"--set", "replicaCount=0"},
			fail: "replicaCount must be 1 or more"},
		{name: "pdb blocking drains", args: []string{"--set", "podDisruptionBudget.minAvailable=2"},
			fail: "must be less than replicaCount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := helmTemplate(t, tc.args...)
			if tc.fail != "" {
				if err == nil {
					t.Fatalf("helm template succeeded, want it to fail with %q", tc.fail)
				}
				if !strings.Contains(err.Error(), tc.fail) {
					t.Fatalf("helm template failed with\n%v\nwant a message containing %q", err, tc.fail)
				}
				return
			}
			if err != nil {
				t.Fatalf("helm template: %v", err)
			}
			store := r.consoleEnv(t)["CONSOLE_SESSION_STORE"]
			got := store.from
			if got == "configmap" {
				got = store.value
			}
			if got != tc.store {
				t.Errorf("CONSOLE_SESSION_STORE from %q, want %q", got, tc.store)
			}
			if store.resolved {
				checkOpens(t, store.value)
			}
			if has := r.component(t, "PodDisruptionBudget", "console") != nil; has != tc.pdb {
				t.Errorf("PodDisruptionBudget rendered = %v, want %v", has, tc.pdb)
			}
			if _, err := r.loadRendered(t); err != nil {
				t.Errorf("the console refuses the rendered settings:\n%v", err)
			}
		})
	}
}

// TestChartRefusesBrokenSettings checks the other render-time checks.
func TestChartRefusesBrokenSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		fail string
	}{
		{"no public url", []string{"--set", "ingress.enabled=false"}, "set ingress.host (with ingress.enabled=true) or publicURL"},
		{"plain http public url", []string{"--set", "publicURL=http://console.example.org"}, "must be https"},
		{"client id without secret", []string{"--set", "oidc.clientID=c"}, "oidc.clientSecret is needed"},
		{"short session key", []string{"--set", "secrets.sessionKey=short"}, "32 characters or more"},
		{"weak redis password", []string{"--set", "redis.password=abc"}, "redis.password must be 16 or more"},
		{"oidc2 without issuer", []string{"--set", "oidc2.clientID=c", "--set", "oidc2.clientSecret=s"}, "oidc2.clientID is set but oidc2.issuer is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := helmTemplate(t, tc.args...)
			if err == nil {
				t.Fatalf("helm template succeeded, want it to fail with %q", tc.fail)
			}
			if !strings.Contains(err.Error(), tc.fail) {
				t.Fatalf("helm template failed with\n%v\nwant a message containing %q", err, tc.fail)
			}
		})
	}
}

func TestChartExistingSecret(t *testing.T) {
	r := mustRender(t, "--set", "secrets.existingSecret=console-secrets", "--set", "oidc.clientID=c",
		"--set", "publicURL=https://console.example.org/", "--set", "ingress.enabled=false")
	if r.find("Secret", "rel-oscar-console") != nil {
		t.Error("secrets.existingSecret is set, yet the chart renders its own console Secret")
	}
	if len(r.all("Ingress")) != 0 {
		t.Error("ingress.enabled=false, yet an Ingress is rendered")
	}
	env := r.consoleEnv(t)
	for _, f := range []string{"CONSOLE_SESSION_KEY_FILE", "CONSOLE_OIDC_CLIENT_SECRET_FILE"} {
		if sn, _, ok := r.mountedFile(t, env[f].value); !ok || sn != "console-secrets" {
			t.Errorf("%s=%q is not a file of the existing Secret console-secrets", f, env[f].value)
		}
	}
	if got, want := env["CONSOLE_PUBLIC_URL"].value, "https://console.example.org"; got != want {
		t.Errorf("CONSOLE_PUBLIC_URL = %q, want %q", got, want)
	}
	if _, err := r.loadRendered(t); err != nil {
		t.Errorf("the console refuses the rendered settings:\n%v", err)
	}
}

// TestChartPreStopSleep checks that the preStop sleep, which lets the Service stop routing to a pod
// before it drains, is rendered only where Kubernetes has the sleep action (1.30+).
func TestChartPreStopSleep(t *testing.T) {
	for _, tc := range []struct {
		kube string
		want any
	}{{"1.31.0", 5}, {"1.30.0", 5}, {"1.29.4", nil}} {
		_, c := mustRender(t, "--kube-version", tc.kube).console(t)
		if got := dig(c, "lifecycle", "preStop", "sleep", "seconds"); got != tc.want {
			t.Errorf("Kubernetes %s: preStop sleep = %v, want %v", tc.kube, got, tc.want)
		}
	}
}

// probeStatus is what the console, built as main builds it (server.Build, file sessions in a
// temporary directory), returns for a GET of path.
func probeStatus(t *testing.T, path string) int {
	t.Helper()
	pub, _ := url.Parse("http://127.0.0.1:8080")
	c, err := server.Build(t.Context(), server.Config{
		SessionStore: "file:", DataDir: t.TempDir(), PublicURL: pub,
		SessionKeys: [][]byte{[]byte("chart-test-session-key-0123456789abcdef")},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code
}

// checkOpens checks that the console's session package accepts the store URL (it parses it without
// connecting).
func checkOpens(t *testing.T, url string) {
	t.Helper()
	b, err := session.OpenBackend(url, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Errorf("session.OpenBackend refuses the rendered store %q: %v", redactURL(url), err)
		return
	}
	b.Close()
}

// redactURL hides the password of a store URL in failure messages.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return scheme + "://<redacted>" + rest[at:]
	}
	return u
}

func readValues(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// dig walks nested maps (string keys) and lists (int indexes); it returns nil when a step is missing.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m := asMap(v)
			if m == nil {
				return nil
			}
			v = m[k]
		case int:
			l := ylist(v)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func asMap(v any) map[string]any {
	switch m := v.(type) {
	case map[string]any:
		return m
	case object:
		return m
	}
	return nil
}

func ylist(v any) []any {
	l, _ := v.([]any)
	return l
}

func ystr(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case nil:
		return ""
	case int:
		return strconv.Itoa(s)
	}
	return ""
}

// TestChartMetricsStayInsideTheCluster: the console serves /metrics on a port of its own, named
// "metrics" in the Pod and the Service (for a ServiceMonitor); the Ingress routes only the public
// port; metrics.enabled=false turns the listener off.
func TestChartMetricsStayInsideTheCluster(t *testing.T) {
	r := mustRender(t)
	_, c := r.console(t)
	env := r.consoleEnv(t)
	ports := map[string]int{}
	for _, p := range ylist(dig(c, "ports")) {
		n, _ := dig(p, "containerPort").(int)
		ports[ystr(dig(p, "name"))] = n
	}
	if ports["metrics"] == 0 || env["CONSOLE_METRICS_ADDR"].value != ":"+strconv.Itoa(ports["metrics"]) {
		t.Errorf("CONSOLE_METRICS_ADDR = %q, container ports %v: want the port named metrics", env["CONSOLE_METRICS_ADDR"].value, ports)
	}
	if ports["metrics"] == ports["http"] {
		t.Errorf("metrics share the public port %d", ports["http"])
	}
	svc := r.component(t, "Service", "console")
	svcPorts := map[string]int{}
	for _, p := range ylist(dig(svc, "spec", "ports")) {
		n, _ := dig(p, "port").(int)
		svcPorts[ystr(dig(p, "name"))] = n
		if ystr(dig(p, "name")) == "metrics" && ystr(dig(p, "targetPort")) != "metrics" {
			t.Errorf("Service port metrics targets %v", dig(p, "targetPort"))
		}
	}
	if svcPorts["metrics"] == 0 {
		t.Errorf("the Service has no port named metrics: %v", svcPorts)
	}
	for _, ing := range r.all("Ingress") {
		for _, rule := range ylist(dig(ing, "spec", "rules")) {
			for _, path := range ylist(dig(rule, "http", "paths")) {
				if n, _ := dig(path, "backend", "service", "port", "number").(int); n == svcPorts["metrics"] || ystr(dig(path, "backend", "service", "port", "name")) == "metrics" {
					t.Errorf("the Ingress routes the metrics port")
				}
			}
		}
	}
	cfg, err := r.loadRendered(t)
	if err != nil {
		t.Fatalf("the rendered settings fail the console's check: %v", err)
	}
	if cfg.MetricsAddr == cfg.Addr {
		t.Errorf("metrics and public listener share %s", cfg.Addr)
	}

	off := mustRender(t, "--set", "metrics.enabled=false")
	if got := off.consoleEnv(t)["CONSOLE_METRICS_ADDR"].value; got != "off" {
		t.Errorf("metrics.enabled=false: CONSOLE_METRICS_ADDR = %q, want off", got)
	}
	_, c = off.console(t)
	for _, p := range ylist(dig(c, "ports")) {
		if ystr(dig(p, "name")) == "metrics" {
			t.Error("metrics.enabled=false still opens a metrics port")
		}
	}
}
