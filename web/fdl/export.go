package fdl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Mask is what Masked writes in place of a secret value.
const Mask = "••••"

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

// serverLabels are the labels OSCAR adds to every service (oscar-api.md §2.1); a sanitised export
// leaves them out, since OSCAR writes them again and owner_name names a person.
var serverLabels = []string{"oscar_service", "oscar.grycap/user-service", "applicationId", "queue", "owner_name", "vo", "uid"}

// IsServerLabel reports whether OSCAR sets the label itself on every service.
func IsServerLabel(key string) bool { return slices.Contains(serverLabels, key) }

// Marshal writes s as an oscar-cli FDL file: the service under functions.oscar[0].<cluster-id>,
// its storage providers at the top level. Fields only OSCAR sets (bucket_list, volume_status,
// deployment) and the implicit minio.default provider are always left out; see ExportOptions for
// the rest.
func Marshal(s oscar.Service, o ExportOptions) ([]byte, error) {
	if o.Complete {
		s = withoutServerState(s)
	} else {
		s = Sanitize(s)
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
	if providers != nil && !emptyProviders(providers) {
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

// withoutServerState drops what only OSCAR sets and what clients must not send back.
func withoutServerState(s oscar.Service) oscar.Service {
	s = clone(s)
	s.BucketList = nil
	s.VolumeStatus = nil
	s.Deployment = nil
	if s.Expose != nil && isZeroExpose(s.Expose) {
		s.Expose = nil
	}
	if sp := s.StorageProviders; sp != nil {
		delete(sp.MinIO, "default")
		if emptyProviders(sp) {
			s.StorageProviders = nil
		}
	}
	return s
}

// Sanitize returns a copy of s fit to share: no service token, owner or namespace, no storage or
// cluster credentials, no secret values (their names stay), no labels OSCAR adds itself, and none
// of the server-set state.
func Sanitize(s oscar.Service) oscar.Service {
	s = withoutServerState(s)
	s.Token = ""
	s.Owner = ""
	s.Namespace = ""
	for _, l := range serverLabels {
		delete(s.Labels, l)
	}
	if s.Environment != nil {
		for k := range s.Environment.Secrets {
			s.Environment.Secrets[k] = ""
		}
	}
	eachSecret(&s, func(p *string) { *p = "" })
	if sp := s.StorageProviders; sp != nil {
		for _, p := range sp.MinIO {
			if p != nil {
				p.AccessKey = ""
			}
		}
		for _, p := range sp.S3 {
			if p != nil {
				p.AccessKey = ""
			}
		}
		for _, p := range sp.WebDAV {
			if p != nil {
				p.Login = ""
			}
		}
	}
	for k, c := range s.Clusters {
		c.AuthUser = ""
		s.Clusters[k] = c
	}
	if s.Federation != nil {
		for i := range s.Federation.Members {
			s.Federation.Members[i].Headers = nil
		}
	}
	return s
}

// Masked returns a copy of s for display: every secret value that is set (storage credentials,
// environment secrets, cluster passwords, the service token) reads Mask instead.
func Masked(s oscar.Service) oscar.Service {
	s = clone(s)
	mask := func(p *string) {
		if *p != "" {
			*p = Mask
		}
	}
	mask(&s.Token)
	if s.Environment != nil {
		for k, v := range s.Environment.Secrets {
			if v != "" {
				s.Environment.Secrets[k] = Mask
			}
		}
	}
	eachSecret(&s, mask)
	return s
}

// eachSecret calls fn on every secret field of the storage providers and clusters.
func eachSecret(s *oscar.Service, fn func(*string)) {
	if sp := s.StorageProviders; sp != nil {
		for _, p := range sp.MinIO {
			if p != nil {
				fn(&p.SecretKey)
			}
		}
		for _, p := range sp.S3 {
			if p != nil {
				fn(&p.SecretKey)
			}
		}
		for _, p := range sp.Onedata {
			if p != nil {
				fn(&p.Token)
			}
		}
		for _, p := range sp.WebDAV {
			if p != nil {
				fn(&p.Password)
			}
		}
		for _, p := range sp.Rucio {
			if p != nil {
				fn(&p.RefreshToken)
			}
		}
	}
	for k, c := range s.Clusters {
		fn(&c.AuthPassword)
		s.Clusters[k] = c
	}
}

func isZeroExpose(e *oscar.Expose) bool {
	return !e.Exposed() && e.MinScale == 0 && e.MaxScale == 0 && e.CPUThreshold == 0 && !e.RewriteTarget &&
		!e.DefaultCommand && !e.SetAuth && e.AuthType == "" && e.HealthPath == "" && e.ProbeMode == "" &&
		len(e.Extra) == 0 && allZero(e.NodePort)
}

func allZero(xs []int) bool {
	for _, x := range xs {
		if x != 0 {
			return false
		}
	}
	return true
}

func emptyProviders(sp *oscar.StorageProviders) bool {
	return len(sp.MinIO) == 0 && len(sp.S3) == 0 && len(sp.Onedata) == 0 && len(sp.WebDAV) == 0 &&
		len(sp.Rucio) == 0 && len(sp.Extra) == 0
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
