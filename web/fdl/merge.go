package fdl

import (
	"encoding/json"
	"reflect"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// serviceKeys lists the JSON names of the service members a mapping gives (merge keys expanded,
// unknown keys left out).
func serviceKeys(n *yaml.Node, federation bool) []string {
	fields := jsonFields(reflect.TypeFor[oscar.Service]())
	var keys []string
	w := &walker{warn: func(int, string) {}}
	pairs, _ := w.pairs(n, 0)
	for _, p := range pairs {
		if f, ok := lookup(fields, p[0].Value); ok && !slices.Contains(keys, f.name) {
			keys = append(keys, f.name)
		}
	}
	if federation && !slices.Contains(keys, "federation") {
		keys = append(keys, "federation")
	}
	return keys
}

// Mentioned lists the members of function i's service that the file gives: its own keys, plus
// storage_providers and clusters when the file has them at the top level.
func (f *File) Mentioned(i int) []string {
	keys := slices.Clone(f.Functions[i].Keys)
	if f.StorageProviders != nil && !slices.Contains(keys, "storage_providers") {
		keys = append(keys, "storage_providers")
	}
	if len(f.Clusters) > 0 && !slices.Contains(keys, "clusters") {
		keys = append(keys, "clusters")
	}
	return keys
}

// Overlay is an update from a file, as the wizard's edit makes it: the service OSCAR has, with
// the members the file gives (keys, see File.Mentioned) taken from the file. Everything else stays
// as OSCAR has it: the token, the owner, the namespace, the labels OSCAR sets and the members the
// file does not mention. Environment variables and secrets are taken separately, so that a file
// giving only variables keeps the secrets. A script the file names but that was not uploaded (an
// empty script) keeps the current one; so does an empty cluster_id.
func Overlay(current, file oscar.Service, keys []string) oscar.Service {
	cur, err := members(current)
	if err != nil {
		return oscar.Clone(current)
	}
	imp, err := members(file)
	if err != nil {
		return oscar.Clone(current)
	}
	for _, k := range keys {
		switch k {
		case "token", "owner", "namespace", "bucket_list", "volume_status", "deployment":
			continue // OSCAR's own
		case "name":
			continue // the name identifies the service
		case "environment":
			continue // below
		case "script", "cluster_id":
			if file.Script == "" && k == "script" || file.ClusterID == "" && k == "cluster_id" {
				continue
			}
		}
		if v, ok := imp[k]; ok {
			cur[k] = v
		} else {
			delete(cur, k)
		}
	}
	b, _ := json.Marshal(cur)
	var out oscar.Service
	if json.Unmarshal(b, &out) != nil {
		return oscar.Clone(current)
	}
	if slices.Contains(keys, "environment") && file.Environment != nil {
		env := &oscar.Environment{}
		if out.Environment != nil {
			env = out.Environment
		}
		if file.Environment.Variables != nil {
			env.Variables = file.Environment.Variables
		}
		if file.Environment.Secrets != nil {
			env.Secrets = file.Environment.Secrets
		}
		out.Environment = env
	}
	// The labels OSCAR sets stay even when the file gives labels of its own.
	for k, v := range current.Labels {
		if oscar.IsServerLabel(k) {
			if out.Labels == nil {
				out.Labels = map[string]string{}
			}
			if _, mine := out.Labels[k]; !mine {
				out.Labels[k] = v
			}
		}
	}
	// minio.default is OSCAR's own provider.
	if def := current.StorageProviders; def != nil && def.MinIO["default"] != nil {
		if out.StorageProviders == nil {
			out.StorageProviders = &oscar.StorageProviders{}
		}
		if out.StorageProviders.MinIO == nil {
			out.StorageProviders.MinIO = map[string]*oscar.MinIOProvider{}
		}
		if out.StorageProviders.MinIO["default"] == nil {
			out.StorageProviders.MinIO["default"] = def.MinIO["default"]
		}
	}
	return oscar.Clone(out)
}

// members is s's JSON form as a map of members.
func members(s oscar.Service) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	return m, json.Unmarshal(b, &m)
}
