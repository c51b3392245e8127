package fdl

import (
	"bytes"
	"encoding/json"
	"fmt"

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

// Marshal writes s as an oscar-cli FDL file: the service under functions.oscar[0].<cluster-id>,
// its storage providers at the top level. Fields only OSCAR sets (bucket_list, volume_status,
// deployment) and the implicit minio.default provider are always left out; see ExportOptions for
// the rest.
func Marshal(s oscar.Service, o ExportOptions) ([]byte, error) {
	if o.Complete {
		s = oscar.WithoutServerState(s)
	} else {
		s = oscar.Sanitize(s)
	}
	cluster := o.ClusterID
	if cluster == "" {
		cluster = s.ClusterID
	}
	if cluster == "" {
		cluster = DefaultClusterID
	}
	if o.ScriptFile != "" {
		s.Script = o.ScriptFile
	}
	providers := s.StorageProviders
	s.StorageProviders = nil

	svc, err := jsonNode(s)
	if err != nil {
		return nil, err
	}
	doc := mapping(
		scalar("functions"), mapping(
			scalar("oscar"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{
				mapping(scalar(cluster), svc),
			}},
		),
	)
	if !providers.Empty() {
		pn, err := jsonNode(providers)
		if err != nil {
			return nil, err
		}
		doc.Content = append(doc.Content, scalar("storage_providers"), pn)
	}
	if !o.Complete {
		doc.HeadComment = "OSCAR FDL exported by OSCAR Console (sanitised): the service token, owner and\n" +
			"storage credentials were left out. Fill in the empty credentials before applying it."
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
