package wizard

import (
	"fmt"
	"math/big"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Limits of the wizard's form values.
const (
	maxServiceName = 39          // OSCAR's binding:"max=39"
	MaxScriptBytes = 512 << 10   // the script lives in a ConfigMap (1 MiB in all)
	maxRows        = 50          // rows of one list (variables, providers, inputs...)
	maxItems       = 4 * maxRows // items of one typed list (allowed users, suffixes...)
)

// Patterns, compiled per call: the package keeps no globals.
const (
	reDNSLabel     = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	reBucket       = `^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`
	reEnvName      = `^[A-Za-z_][A-Za-z0-9_.-]*$`
	reProviderID   = `^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`
	reHostPort     = `^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$`
	reQualifiedKey = `^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`
	reLabelValue   = `^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`
	reSecretName   = `^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`
)

func logLevels() []string {
	return []string{"NOTSET", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
}

// Problems collects a form's messages by control name, in the order found.
type Problems struct {
	errs  templates.FieldErrors
	order []string
}

func newProblems() *Problems { return &Problems{errs: templates.FieldErrors{}} }

func (p *Problems) add(field, msg string) {
	if _, ok := p.errs[field]; ok {
		return
	}
	p.errs[field] = msg
	p.order = append(p.order, field)
}

func (p *Problems) Empty() bool { return len(p.errs) == 0 }

func (p *Problems) Has(field string) bool { return p.errs.Has(field) }

// Env is what validation needs to know about the cluster and the user.
type Env struct {
	Features      oscar.Features
	FeaturesKnown bool     // Features could be read
	UserVOs       []string // the signed-in user's VOs (OIDC)
	Basic         bool     // signed in with OSCAR's basic-auth account (the admin)
	// Volumes are the caller's managed volumes, for the Storage step's picker (VolumesKnown: read).
	Volumes      []string
	VolumesKnown bool
	Endpoint     string // the OSCAR endpoint, for the URL an exposed service will have
}

// voChoices are the VOs the user can pick: the cluster's OIDC groups, intersected with the user's
// own VOs for an OIDC user (OSCAR refuses the others).
func (e Env) voChoices() []string {
	var out []string
	for _, vo := range e.Features.VOs {
		if e.Basic || slices.Contains(e.UserVOs, vo) {
			out = append(out, vo)
		}
	}
	return out
}

// Validate checks one step of the draft (offline: no call to OSCAR).
func Validate(d *Draft, step string, env Env) *Problems {
	p := newProblems()
	switch step {
	case General:
		validateGeneral(d, env, p)
	case Storage:
		validateStorage(d, p)
		validateVolume(d, p)
		validateMount(d, p)
		validateFederation(d, p)
	case Inputs:
		validateIO(d, true, p)
	case Outputs:
		validateIO(d, false, p)
	case Expose:
		validateExpose(d, p)
		validateKserve(d, p)
	case Review:
		for _, st := range Steps()[:len(Steps())-1] {
			q := Validate(d, st, env)
			for _, k := range q.order {
				p.add(k, q.errs[k])
			}
		}
	}
	return p
}

// stepOfField tells which step a control belongs to, for the review's links.
func stepOfField(field string) string {
	switch {
	case strings.HasPrefix(field, "storage_providers"), strings.HasPrefix(field, "volume."), strings.HasPrefix(field, "mount."),
		strings.HasPrefix(field, "federation."), strings.HasPrefix(field, "clusters["), field == "cluster_id":
		return Storage
	case strings.HasPrefix(field, "expose."), strings.HasPrefix(field, "kserve."):
		return Expose
	case strings.HasPrefix(field, "input"):
		return Inputs
	case strings.HasPrefix(field, "output"):
		return Outputs
	}
	return General
}

func validateGeneral(d *Draft, env Env, p *Problems) {
	s := &d.Service
	if d.Mode != "edit" {
		if msg := CheckName(s.Name); msg != "" {
			p.add("name", msg)
		} else if reservedServiceNames[s.Name] {
			p.add("name", fmt.Sprintf("%q is a page of the console (/services/%s): choose another name.", s.Name, s.Name))
		}
	}
	switch img := s.Image; {
	case strings.TrimSpace(img) == "":
		p.add("image", "Enter the container image, for example ghcr.io/grycap/imagemagick.")
	case strings.ContainsAny(img, " \t\r\n") || len(img) > 512:
		p.add("image", "An image reference has no spaces, for example ghcr.io/grycap/imagemagick:latest.")
	default:
		if repos := env.Features.AllowedImageRepositories; len(repos) > 0 && !slices.ContainsFunc(repos, func(r string) bool { return strings.HasPrefix(img, r) }) {
			p.add("image", "This cluster only accepts images from "+strings.Join(repos, ", ")+".")
		}
	}
	if msg := checkCPU(s.CPU); msg != "" {
		p.add("cpu", msg)
	}
	if msg := checkMemory(s.Memory); msg != "" {
		p.add("memory", msg)
	}
	if s.LogLevel != "" && !slices.Contains(logLevels(), strings.ToUpper(s.LogLevel)) {
		p.add("log_level", "Choose one of "+strings.Join(logLevels(), ", ")+".")
	}
	switch {
	case strings.TrimSpace(s.Script) == "" && d.ScriptFile != "":
		p.add("script", fmt.Sprintf("The FDL names the script file %q: upload it here or paste the script.", d.ScriptFile))
	case strings.TrimSpace(s.Script) == "":
		p.add("script", "Enter the script the service runs for each invocation, or upload it.")
	case len(s.Script) > MaxScriptBytes:
		p.add("script", fmt.Sprintf("The script is larger than %d KiB.", MaxScriptBytes>>10))
	}
	checkRows(p, "environment.variables", d.Variables, "variable", reEnvName, "")
	names := map[string]bool{}
	for _, r := range d.Variables {
		names[strings.TrimSpace(r.Key)] = true
	}
	for i, r := range d.Secrets {
		k := strings.TrimSpace(r.Key)
		name := fmt.Sprintf("environment.secrets[%d]", i)
		switch {
		case k == "" && r.Value != "":
			p.add(name+".key", "Give this secret a name, or remove the row.")
		case k == "":
		case !matches(reEnvName, k):
			p.add(name+".key", fmt.Sprintf("%q is not a valid variable name (letters, digits and _, not starting with a digit).", k))
		case names[k]:
			p.add(name+".key", fmt.Sprintf("%q is defined twice (a variable or secret has the same name).", k))
		case r.Value == "" && !r.Unknown:
			p.add(name+".value", fmt.Sprintf("Enter the value of secret %s.", k))
		case r.Unknown:
			p.add(name+".value", fmt.Sprintf("OSCAR does not return the value of secret %s: type it again (or remove the row), or saving would make it empty.", k))
		}
		names[k] = true
	}
	checkRows(p, "annotations", d.Annotations, "annotation", reQualifiedKey, "")
	checkRows(p, "labels", d.Labels, "label", reQualifiedKey, reLabelValue)
	for i, r := range d.Labels {
		if oscar.IsServerLabel(strings.TrimSpace(r.Key)) {
			p.add(fmt.Sprintf("labels[%d].key", i), fmt.Sprintf("OSCAR sets the label %s itself; choose another name.", strings.TrimSpace(r.Key)))
		}
	}
	// VOs: OSCAR refuses a VO the user is not in, and a new service without VO when the user is in
	// none of the cluster's (oscar-api.md §3.4). An edit keeps the service's VO as it is.
	if choices := env.voChoices(); d.Mode != "edit" && env.FeaturesKnown && len(env.Features.VOs) > 0 {
		switch {
		case s.VO != "" && !slices.Contains(choices, s.VO) && slices.Contains(env.Features.VOs, s.VO):
			p.add("vo", fmt.Sprintf("You are not a member of %s; choose one of your VOs.", s.VO))
		case s.VO != "" && !slices.Contains(choices, s.VO):
			p.add("vo", fmt.Sprintf("This cluster does not accept the VO %q; choose one it lists.", s.VO))
		case s.VO == "" && !env.Basic && len(choices) == 0:
			p.add("vo", "You are not a member of any VO this cluster accepts ("+strings.Join(env.Features.VOs, ", ")+"), so OSCAR will refuse the service.")
		}
	}
	switch s.Visibility {
	case "", "private", "public":
	case "restricted":
		if len(s.AllowedUsers) == 0 {
			p.add("allowed_users", "List at least one user who may use the service, or choose private.")
		}
	default:
		p.add("visibility", "Choose private, public or restricted.")
	}
	for _, sec := range s.ImagePullSecrets {
		if !matches(reSecretName, sec) {
			p.add("image_pull_secrets", fmt.Sprintf("%q is not a Kubernetes secret name (lower-case letters, digits, - and .).", sec))
			break
		}
	}
	if s.EnableGPU && env.FeaturesKnown && !env.Features.GPU {
		p.add("enable_gpu", "This cluster has no GPU; untick GPU.")
	}
	validateExecution(d, env, p)
}

// checkRows validates key/value rows: a key is required once a value is typed, keys match keyRE
// and are unique; values match valueRE when given.
func checkRows(p *Problems, list string, rows []KVRow, what, keyRE, valueRE string) {
	seen := map[string]bool{}
	for i, r := range rows {
		k := strings.TrimSpace(r.Key)
		name := fmt.Sprintf("%s[%d]", list, i)
		switch {
		case k == "" && r.Value != "":
			p.add(name+".key", fmt.Sprintf("Give this %s a name, or remove the row.", what))
		case k == "":
		case !matches(keyRE, k) || len(k) > 316:
			p.add(name+".key", fmt.Sprintf("%q is not a valid %s name.", k, what))
		case seen[k]:
			p.add(name+".key", fmt.Sprintf("%q is given twice.", k))
		case valueRE != "" && !matches(valueRE, r.Value):
			p.add(name+".value", fmt.Sprintf("A %s value has at most 63 letters, digits, -, _ or ., starting and ending with a letter or digit.", what))
		}
		seen[k] = true
	}
}

// reservedServiceNames are names whose service page the console could not show, because
// /services/<name> is one of its own pages.
var reservedServiceNames = map[string]bool{"new": true, "import": true, "delete": true}

// CheckName applies OSCAR's rules (1-39 characters) and Kubernetes' (a lower-case DNS label).
func CheckName(name string) string {
	switch {
	case name == "":
		return "Enter a name for the service."
	case len(name) > maxServiceName:
		return fmt.Sprintf("The name has %d characters; OSCAR allows at most %d.", utf8.RuneCountInString(name), maxServiceName)
	case !matches(reDNSLabel, name):
		return "Use lower-case letters, digits and hyphens only, starting and ending with a letter or digit (for example grayify-images)."
	}
	return ""
}

// checkCPU: a positive Kubernetes quantity, to the millicore.
func checkCPU(cpu string) string {
	if cpu == "" {
		return "" // OSCAR uses 0.2
	}
	v, err := oscar.ParseQuantity(cpu)
	if err != nil {
		return "Give the CPU as a number of cores (0.5, 1, 2) or millicores (500m)."
	}
	if v.Sign() <= 0 {
		return "The CPU must be more than 0."
	}
	if !new(big.Rat).Mul(v, big.NewRat(1000, 1)).IsInt() {
		return "Give the CPU to the millicore at most (0.001 or 1m)."
	}
	if v.Cmp(big.NewRat(1024, 1)) > 0 {
		return "That is more than 1024 cores; check the value."
	}
	return ""
}

// checkMemory: a Kubernetes quantity of at least 1 MiB (a bare number means bytes, which is
// nearly always a forgotten unit).
func checkMemory(mem string) string {
	if mem == "" {
		return "" // OSCAR uses 256Mi
	}
	v, err := oscar.ParseQuantity(mem)
	if err != nil {
		return "Give the memory with a unit: 256Mi, 1Gi, 512M."
	}
	if v.Cmp(big.NewRat(1<<20, 1)) < 0 {
		return fmt.Sprintf("%s is less than 1 MiB; did you mean %sMi?", mem, strings.TrimRight(mem, "kKMGTPEimun"))
	}
	return ""
}

// labels lists the labels of the kinds that keep accepts, in table order, the last joined by
// conj: "MinIO, WebDAV (dCache) or Rucio".
func labels(keep func(oscar.ProviderKind) bool, conj string) string {
	var out []string
	for _, k := range oscar.ProviderKinds() {
		if keep(k) {
			out = append(out, k.Label)
		}
	}
	if len(out) < 2 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + " " + conj + " " + out[len(out)-1]
}

func isInput(k oscar.ProviderKind) bool    { return k.Input }
func isOutput(k oscar.ProviderKind) bool   { return true } // OSCAR accepts every kind as an output
func onlyOutput(k oscar.ProviderKind) bool { return !k.Input }

// fieldsOf lists a kind's fields, in form order.
func fieldsOf(kind string) []oscar.ProviderField {
	k, _ := oscar.ProviderKindOf(kind)
	return k.Fields
}

func validateStorage(d *Draft, p *Problems) {
	seen := map[string]bool{}
	for i, pr := range d.Providers {
		prefix := fmt.Sprintf("storage_providers[%d]", i)
		id := strings.TrimSpace(pr.ID)
		switch {
		case id == "":
			p.add(prefix+".id", fmt.Sprintf("Give this %s provider an id (it is used as %s.<id>).", oscar.ProviderLabel(pr.Kind), pr.Kind))
		case !matches(reProviderID, id):
			p.add(prefix+".id", "Use letters, digits, - and _ only in an id.")
		case pr.Kind == oscar.KindMinIO && id == "default":
			p.add(prefix+".id", "minio.default is the cluster's own MinIO and is always there; choose another id.")
		case seen[pr.ref()]:
			p.add(prefix+".id", fmt.Sprintf("There is already a %s provider with the id %q.", oscar.ProviderLabel(pr.Kind), id))
		}
		seen[pr.ref()] = true
		for _, f := range fieldsOf(pr.Kind) {
			v := pr.Fields[f.Key]
			name := prefix + "." + f.Key
			switch {
			case f.Bool:
			case f.Required && strings.TrimSpace(v) == "":
				p.add(name, f.Label+" is required.")
			case v == "":
			case f.Host:
				if msg := hostProblem(v); msg != "" {
					p.add(name, msg)
				}
			case f.URL:
				if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					p.add(name, "Give a full URL starting with https://.")
				}
			}
		}
	}
}

// hostProblem: a host name (and port) without scheme or path, as OSCAR wants for Onedata, WebDAV and
// Rucio hosts.
func hostProblem(h string) string {
	switch {
	case strings.Contains(h, "://"):
		return "Give the host name only, without http:// or https:// (OSCAR always uses https)."
	case strings.ContainsAny(h, "/?#"):
		return "Give the host name only, without a path."
	case !matches(reHostPort, h) && net.ParseIP(strings.Trim(h, "[]")) == nil:
		return fmt.Sprintf("%q is not a host name.", h)
	}
	return ""
}

// ioPath returns the path as OSCAR will use it: trimmed of spaces and slashes, and for MinIO and S3
// a single segment prefixed with the service's name.
func ioPath(kind, path, service string) string {
	p := strings.Trim(strings.TrimSpace(path), "/")
	if (kind == oscar.KindMinIO || kind == oscar.KindS3) && p != "" && !strings.Contains(p, "/") && service != "" {
		return service + "/" + p
	}
	return p
}

// bucketOf is the bucket part of a MinIO or S3 path.
func bucketOf(kind, path, service string) string {
	b, _, _ := strings.Cut(ioPath(kind, path, service), "/")
	return b
}

// bucketProblem applies S3's bucket naming rules.
func bucketProblem(b string) string {
	switch {
	case len(b) < 3 || len(b) > 63:
		return fmt.Sprintf("The bucket %q must have 3 to 63 characters.", b)
	case !matches(reBucket, b):
		return fmt.Sprintf("The bucket %q may only hold lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.", b)
	case strings.Contains(b, ".."), strings.Contains(b, ".-"), strings.Contains(b, "-."):
		return fmt.Sprintf("The bucket %q has two separators in a row.", b)
	case net.ParseIP(b) != nil:
		return fmt.Sprintf("The bucket %q looks like an IP address, which S3 does not allow.", b)
	case strings.HasPrefix(b, "xn--"), strings.HasSuffix(b, "-s3alias"), strings.HasSuffix(b, "--ol-s3"):
		return fmt.Sprintf("The bucket %q uses a prefix or suffix S3 reserves.", b)
	}
	return ""
}

func validateIO(d *Draft, input bool, p *Problems) {
	list, rows := "output", d.Service.Output
	if input {
		list, rows = "input", d.Service.Input
	}
	defined := map[string]bool{"minio.default": true}
	for _, pr := range d.Providers {
		defined[pr.ref()] = true
	}
	for i, io := range rows {
		prefix := fmt.Sprintf("%s[%d]", list, i)
		kind, id := canonicalRef(io.StorageProvider)
		ref := kind + "." + id
		switch {
		case strings.TrimSpace(io.StorageProvider) == "":
			p.add(prefix+".storage_provider", "Choose a storage provider.")
		case !slices.Contains(kinds(), kind):
			p.add(prefix+".storage_provider", fmt.Sprintf("%q is not a storage provider kind OSCAR knows.", io.StorageProvider))
		case input && !oscar.IsInputKind(kind):
			p.add(prefix+".storage_provider", fmt.Sprintf("OSCAR only accepts %s as inputs; %s can only be an output.", labels(isInput, "or"), oscar.ProviderLabel(kind)))
		case !defined[ref]:
			p.add(prefix+".storage_provider", fmt.Sprintf("The provider %s is not defined: add it on the Storage step.", ref))
		}
		path := strings.Trim(strings.TrimSpace(io.Path), "/")
		switch {
		case path == "":
			p.add(prefix+".path", "Enter a path.")
		case len(path) > 1024:
			p.add(prefix+".path", "The path is too long.")
		case kind == oscar.KindMinIO || kind == oscar.KindS3:
			if msg := bucketProblem(bucketOf(kind, path, d.Service.Name)); msg != "" {
				p.add(prefix+".path", msg)
			}
		}
	}
}

// compiled holds the validation patterns, each compiled once on first use.
var compiled sync.Map // pattern → *regexp.Regexp

// matches reports whether s matches pattern, compiling the pattern only the first time.
func matches(pattern, s string) bool {
	if re, ok := compiled.Load(pattern); ok {
		return re.(*regexp.Regexp).MatchString(s)
	}
	re := regexp.MustCompile(pattern)
	compiled.Store(pattern, re)
	return re.MatchString(s)
}
