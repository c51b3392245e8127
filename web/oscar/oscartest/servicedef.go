package oscartest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// service is a stored service definition: the JSON object as OSCAR keeps
// it (every member, secrets in clear text). GET blanks the secrets.
type service struct {
	raw        map[string]json.RawMessage
	deployLogs []string
	deploy     deployState
}

// view is the part of a service definition the fake's logic reads.
type view struct {
	Name             string                                `json:"name"`
	Image            string                                `json:"image"`
	Script           string                                `json:"script"`
	Owner            string                                `json:"owner"`
	Visibility       string                                `json:"visibility"`
	AllowedUsers     []string                              `json:"allowed_users"`
	VO               string                                `json:"vo"`
	Token            string                                `json:"token"`
	LogLevel         string                                `json:"log_level"`
	Input            []ioView                              `json:"input"`
	Output           []ioView                              `json:"output"`
	Mount            *ioView                               `json:"mount"`
	StorageProviders map[string]map[string]json.RawMessage `json:"storage_providers"`
	Environment      *struct {
		Secrets map[string]string `json:"secrets"`
	} `json:"environment"`
	Volume json.RawMessage `json:"volume"`
	Expose *struct {
		APIPort  []int `json:"api_port"`
		MinScale int   `json:"min_scale"`
	} `json:"expose"`
	Kserve json.RawMessage   `json:"kserve"`
	Labels map[string]string `json:"labels"`
}

type ioView struct {
	StorageProvider string `json:"storage_provider"`
	Path            string `json:"path"`
}

func (sv *service) view() view {
	var v view
	b, _ := json.Marshal(sv.raw)
	_ = json.Unmarshal(b, &v)
	return v
}

func (v view) visibility() string {
	if v.Visibility == "" {
		return "private"
	}
	return v.Visibility
}

func setMember(raw map[string]json.RawMessage, k string, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		raw[k] = b
	}
}

// splitProvider splits "<provider>.<id>" at the first dot; a bare provider
// means id "default".
func splitProvider(sp string) (kind, id string) {
	kind, id, ok := strings.Cut(sp, ".")
	if !ok || id == "" {
		id = "default"
	}
	return strings.ToLower(kind), id
}

// bucketNameRE are the S3 bucket name rules OSCAR's MinIO applies.
const bucketNameRE = `^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`

// minioDefault is what OSCAR forces as storage_providers.minio.default.
func (s *Server) minioDefault() map[string]any {
	return map[string]any{"endpoint": s.URL() + "/minio", "verify": true, "access_key": "hidden", "secret_key": "hidden", "region": "us-east-1"}
}

// ioProblem is an I/O validation failure with OSCAR's status and text.
type ioProblem struct {
	status int
	msg    string
}

// checkIO validates and normalises input, output and mount as OSCAR does
// on create and update (oscar-api.md §2.2). It returns the MinIO buckets
// the service's input and output use, in order.
func checkIO(raw map[string]json.RawMessage, name string) ([]string, *ioProblem) {
	var v view
	b, _ := json.Marshal(raw)
	_ = json.Unmarshal(b, &v)
	defined := func(kind, id string) bool {
		_, ok := v.StorageProviders[kind][id]
		return ok
	}
	known := map[string]bool{"minio": true, "s3": true, "onedata": true, "webdav": true, "rucio": true}
	var buckets []string
	for _, member := range []string{"input", "output", "mount"} {
		if _, ok := raw[member]; !ok {
			continue
		}
		var entries []map[string]json.RawMessage
		single := member == "mount"
		if single {
			var one map[string]json.RawMessage
			if json.Unmarshal(raw[member], &one) != nil || one == nil {
				continue
			}
			entries = []map[string]json.RawMessage{one}
		} else if json.Unmarshal(raw[member], &entries) != nil {
			continue
		}
		for _, e := range entries {
			var io ioView
			b, _ := json.Marshal(e)
			_ = json.Unmarshal(b, &io)
			kind, id := splitProvider(io.StorageProvider)
			if !known[kind] {
				return nil, &ioProblem{http.StatusBadRequest, fmt.Sprintf("the StorageProvider %q is not supported", io.StorageProvider)}
			}
			if member == "input" && kind != "minio" && kind != "webdav" && kind != "rucio" {
				return nil, &ioProblem{http.StatusBadRequest, "unrecognized input (valid inputs are MinIO and dCache)"}
			}
			if id != "default" && !defined(kind, id) {
				return nil, &ioProblem{http.StatusInternalServerError, fmt.Sprintf("the StorageProvider \"%s.%s\" is not defined", kind, id)}
			}
			p := strings.Trim(io.Path, " /")
			if p == "" {
				return nil, &ioProblem{http.StatusBadRequest, fmt.Sprintf("the %s path can't be empty", member)}
			}
			if (kind == "minio" || kind == "s3") && !strings.Contains(p, "/") {
				p = name + "/" + p
			}
			setMember(e, "path", p)
			if kind == "minio" && id == "default" && member != "mount" {
				bucket, _, _ := strings.Cut(p, "/")
				buckets = append(buckets, bucket)
			}
		}
		if single {
			setMember(raw, member, entries[0])
		} else {
			setMember(raw, member, entries)
		}
	}
	return buckets, nil
}

// prepare applies the server-set members OSCAR writes on create and update.
func (s *Server) prepare(raw map[string]json.RawMessage, v view) {
	// Server-set, API-only members are not stored from a request.
	delete(raw, "deployment")
	delete(raw, "volume_status")
	sp := map[string]json.RawMessage{}
	if b, ok := raw["storage_providers"]; ok {
		_ = json.Unmarshal(b, &sp)
		if sp == nil {
			sp = map[string]json.RawMessage{}
		}
	}
	minio := map[string]json.RawMessage{}
	if b, ok := sp["minio"]; ok {
		_ = json.Unmarshal(b, &minio)
		if minio == nil {
			minio = map[string]json.RawMessage{}
		}
	}
	setMember(minio, "default", s.minioDefault())
	setMember(sp, "minio", minio)
	setMember(raw, "storage_providers", sp)
	if v.Visibility == "" {
		setMember(raw, "visibility", "private")
	}
	lvl := strings.ToUpper(v.LogLevel)
	switch lvl {
	case "NOTSET", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL":
	default:
		lvl = "INFO"
	}
	setMember(raw, "log_level", lvl)
	for k, def := range map[string]any{
		"memory":        "256Mi",
		"cpu":           "0.2",
		"allowed_users": []string{},
		"bucket_list":   []string{},
		"volume_status": map[string]any{"enabled": false},
		"expose": map[string]any{"min_scale": 0, "max_scale": 0, "api_port": []int{}, "cpu_threshold": 0,
			"rewrite_target": false, "nodePort": []int{}, "default_command": false, "set_auth": false},
	} {
		if _, ok := raw[k]; !ok {
			setMember(raw, k, def)
		}
	}
}

// labels writes the labels OSCAR adds; owner_name only when an owner is set.
func labels(raw map[string]json.RawMessage, v view, owner string) {
	l := map[string]string{}
	for k, val := range v.Labels {
		l[k] = val
	}
	l["oscar_service"] = v.Name
	l["oscar.grycap/user-service"] = "true"
	l["applicationId"] = v.Name
	l["queue"] = "oscar-queue"
	if owner != "" {
		l["owner_name"] = owner
	} else {
		delete(l, "owner_name")
	}
	if v.VO != "" {
		l["vo"] = strings.NewReplacer("/", "--", " ", "__", ":", "___").Replace(v.VO)
	}
	setMember(raw, "labels", l)
}

// public returns the definition as GET shows it: secrets blanked, and the
// deployment summary with ?include=deployment.
func (s *Server) public(sv *service, includeDeployment bool) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(sv.raw)+1)
	for k, v := range sv.raw {
		out[k] = v
	}
	if b, ok := out["environment"]; ok {
		var env map[string]json.RawMessage
		if json.Unmarshal(b, &env) == nil && env != nil {
			var secrets map[string]string
			if json.Unmarshal(env["secrets"], &secrets) == nil && secrets != nil {
				for k := range secrets {
					secrets[k] = ""
				}
				setMember(env, "secrets", secrets)
				setMember(out, "environment", env)
			}
		}
	}
	setMember(out, "volume_status", s.volumeStatusOf(sv))
	if includeDeployment {
		d := s.deploymentOf(sv)
		delete(d, "service_name")
		delete(d, "namespace")
		setMember(out, "deployment", d)
	}
	return out
}

// namespaceFor is the namespace OSCAR puts a caller's services in.
func namespaceFor(p *principal) string {
	if p.basic {
		return "oscar-svc"
	}
	uid, _, _ := strings.Cut(p.sub, "@")
	return "oscar-svc-" + strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9-]`).ReplaceAllString(uid, "-"))
}

func compactJSON(b json.RawMessage) []byte {
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return b
	}
	out, _ := json.Marshal(v)
	return out
}
