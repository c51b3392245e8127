package hub

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/web/fdl"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// ErrNotOneService is returned by ServiceOf for an FDL file without exactly one service.
var ErrNotOneService = errors.New("hub: the crate's fdl.yml does not define exactly one service")

// ServiceOf reads the service a crate deploys from its fdl.yml and script.sh, as the FDL import
// does (fdl.Parse, then the script named by the file). Storage providers the file defines under
// minio.default are dropped: a crate's service uses the MinIO of the cluster it is deployed to.
func ServiceOf(fdlText, script []byte) (oscar.Service, []fdl.Warning, error) {
	f, err := fdl.Parse(fdlText)
	if err != nil {
		return oscar.Service{}, nil, err
	}
	if len(f.Functions) != 1 {
		return oscar.Service{}, nil, ErrNotOneService
	}
	scripts := map[string]string{}
	if name := f.Functions[0].ScriptFile; name != "" {
		scripts[name] = string(script)
	}
	svc, _ := f.Service(0, scripts)
	if svc.Script == "" {
		svc.Script = string(script)
	}
	if sp := svc.StorageProviders; sp != nil && sp.MinIO != nil {
		delete(sp.MinIO, "default")
		if len(sp.MinIO) == 0 {
			sp.MinIO = nil
		}
	}
	svc.ClusterID = ""
	svc.Clusters = nil
	return svc, f.Warnings, nil
}

// rePlaceholder is a value a crate leaves for the user to fill: <…>, ${…}, CHANGE_ME, TODO, XXX,
// your-… or your_….
var rePlaceholder = regexp.MustCompile(`(?i)^(<.*>|\$\{.*\}|change[-_ ]?me|todo|x{3,}|your[-_ ].*|replace[-_ ]?me)$`)

// RequiredParams lists what the user must fill before the service can run: environment variables
// and secrets the FDL leaves empty or as a placeholder (rePlaceholder). A crate with none can be
// deployed at once ("Deploy now"); the others go through the wizard.
func RequiredParams(svc oscar.Service) []string {
	if svc.Environment == nil {
		return nil
	}
	var out []string
	check := func(kind string, m map[string]string) {
		for k, v := range m {
			if v = strings.TrimSpace(v); v == "" || rePlaceholder.MatchString(v) {
				out = append(out, kind+" "+k)
			}
		}
	}
	check("variable", svc.Environment.Variables)
	check("secret", svc.Environment.Secrets)
	sort.Strings(out)
	return out
}

// maxServiceName is OSCAR's bound on a service name (a Kubernetes label).
const maxServiceName = 39

// UniqueName returns name, or name-2, name-3… the first that is not taken, cut so it stays a
// valid service name.
func UniqueName(name string, taken func(string) bool) string {
	if !taken(name) {
		return name
	}
	for i := 2; i < 1000; i++ {
		suffix := "-" + strconv.Itoa(i)
		base := name
		if len(base)+len(suffix) > maxServiceName {
			base = strings.TrimRight(base[:maxServiceName-len(suffix)], "-")
		}
		if c := base + suffix; !taken(c) {
			return c
		}
	}
	return name
}

// PresetVO returns the VO a deployed crate's service gets: the file's own when it gives one, else
// the first of the cluster's VOs the user belongs to (all of them for OSCAR's basic-auth admin,
// who is in none: "" then, as OSCAR allows).
func PresetVO(current string, clusterVOs, userVOs []string) string {
	if current != "" {
		return current
	}
	for _, vo := range clusterVOs {
		if slices.Contains(userVOs, vo) {
			return vo
		}
	}
	return ""
}

// SampleTarget returns where sample inputs go for svc: the bucket and folder of its first input
// on the cluster's MinIO (minio.default, or "minio" alone as OSCAR reads it).
func SampleTarget(svc oscar.Service) (bucket, folder string, err error) {
	for _, in := range svc.Input {
		if p := in.StorageProvider; p != "minio" && p != "minio.default" {
			continue
		}
		b, f, _ := strings.Cut(strings.Trim(in.Path, "/"), "/")
		if b != "" {
			return b, f, nil
		}
	}
	return "", "", fmt.Errorf("hub: service %s has no input on the cluster's MinIO", svc.Name)
}

// Rename gives a crate's service the name it is deployed as. Its inputs and outputs on the
// cluster's MinIO whose bucket is the crate's own service name move to a bucket of the new name
// (greeter/in becomes greeter-2/in): OSCAR creates a service only on new buckets, so a second
// deploy of the same crate would be refused otherwise.
func Rename(svc *oscar.Service, name string) {
	old := svc.Name
	svc.Name = name
	if old == "" || old == name {
		return
	}
	move := func(ios []oscar.StorageIOConfig) {
		for i := range ios {
			if p := ios[i].StorageProvider; p != "minio" && p != "minio.default" {
				continue
			}
			b, rest, _ := strings.Cut(strings.TrimPrefix(ios[i].Path, "/"), "/")
			if b == old {
				ios[i].Path = strings.TrimSuffix(name+"/"+rest, "/")
			}
		}
	}
	move(svc.Input)
	move(svc.Output)
}
