package fdl

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"

	"go.yaml.in/yaml/v3"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// ExportOptions shape Marshal's output.
type ExportOptions struct {
	// ClusterID is the key the service is listed under; "" takes the service's cluster_id, or
	// DefaultClusterID.
	ClusterID string
	// ScriptFile, when set, is written as the script value (the file oscar-cli reads the script
	// from); "" writes the script inline.
	ScriptFile string
	// Complete keeps the service token, owner, namespace, provider credentials and server labels.
	// The default is a sanitised definition that can be shared.
	Complete bool
}

// Entry is one service of a file Marshal writes.
type Entry struct {
	Service oscar.Service
	// ClusterID and ScriptFile as in ExportOptions.
	ClusterID  string
	ScriptFile string
}

// Marshal writes s as an oscar-cli FDL file: the service under functions.oscar[0].<cluster-id>,
// its storage providers and clusters at the top level. Fields only OSCAR sets (bucket_list,
// volume_status, deployment) and the implicit minio.default provider are always left out; see
// ExportOptions for the rest.
func Marshal(s oscar.Service, o ExportOptions) ([]byte, error) {
	return MarshalAll([]Entry{{Service: s, ClusterID: o.ClusterID, ScriptFile: o.ScriptFile}}, o.Complete)
}

// MarshalAll writes several services as one oscar-cli FDL file (a workflow), in the order given.
// oscar-cli gives every service the file's top-level storage_providers and clusters (it replaces
// the service's own), so the providers and clusters of all the services are written there; one
// that two services define differently stays inside the second service as well, where the
// console reads it. complete is ExportOptions.Complete.
func MarshalAll(entries []Entry, complete bool) ([]byte, error) {
	var list []*yaml.Node
	top := &oscar.StorageProviders{}
	clusters := map[string]oscar.Cluster{}
	for _, e := range entries {
		s := e.Service
		if complete {
			s = oscar.WithoutServerState(s)
		} else {
			s = oscar.Sanitize(s)
		}
		cluster := cmp.Or(e.ClusterID, s.ClusterID, DefaultClusterID)
		if e.ScriptFile != "" {
			s.Script = e.ScriptFile
		}
		if !s.StorageProviders.Empty() && !conflicts(top, s.StorageProviders) {
			top.AddMissing(s.StorageProviders)
			s.StorageProviders = nil
		}
		if !clustersConflict(clusters, s.Clusters) {
			maps.Copy(clusters, s.Clusters)
			s.Clusters = nil
		}
		svc, err := jsonNode(s)
		if err != nil {
			return nil, err
		}
		list = append(list, mapping(scalar(cluster), svc))
	}
	doc := mapping(
		scalar("functions"), mapping(
			scalar("oscar"), &yaml.Node{Kind: yaml.SequenceNode, Content: list},
		),
	)
	if !top.Empty() {
		pn, err := jsonNode(top)
		if err != nil {
			return nil, err
		}
		doc.Content = append(doc.Content, scalar("storage_providers"), pn)
	}
	if len(clusters) > 0 {
		cn, err := jsonNode(clusters)
		if err != nil {
			return nil, err
		}
		doc.Content = append(doc.Content, scalar("clusters"), cn)
	}
	if !complete {
		doc.HeadComment = "OSCAR FDL exported by OSCAR Console (sanitised): the service token, owner and\n" +
			"storage and cluster credentials were left out. Fill in the empty credentials before applying it."
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("fdl: marshal: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("fdl: marshal: %w", err)
	}
	return buf.Bytes(), nil
}

// conflicts reports whether sp defines a provider that top defines differently, or a provider of
// a kind the console does not know that top defines too.
func conflicts(top, sp *oscar.StorageProviders) bool {
	have := map[string]map[string]string{}
	for _, e := range top.Entries() {
		have[e.Kind+"."+e.ID] = e.Fields
	}
	for _, e := range sp.Entries() {
		if f, ok := have[e.Kind+"."+e.ID]; ok && !maps.Equal(f, e.Fields) {
			return true
		}
	}
	for k := range sp.Extra {
		if _, ok := top.Extra[k]; ok {
			return true
		}
	}
	return false
}

// clustersConflict reports whether add defines a cluster that top defines differently.
func clustersConflict(top, add map[string]oscar.Cluster) bool {
	for k, c := range add {
		if t, ok := top[k]; ok && t != c {
			return true
		}
	}
	return false
}

// jsonNode turns v's JSON form into a YAML node, keeping the order of its members (JSON is YAML).
func jsonNode(v any) (*yaml.Node, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("fdl: marshal: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("fdl: marshal: %w", err)
	}
	if len(doc.Content) != 1 {
		return nil, fmt.Errorf("fdl: marshal: unexpected JSON")
	}
	n := doc.Content[0]
	blockStyle(n)
	return n, nil
}

// blockStyle turns JSON's flow style into YAML's block style; the encoder quotes strings that
// would otherwise read as something else ("1.0", "true") and writes multi-line strings as literal
// blocks.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func mapping(kv ...*yaml.Node) *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Content: kv} }
