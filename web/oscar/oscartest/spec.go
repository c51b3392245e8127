package oscartest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"
	"go.yaml.in/yaml/v3"
)

// SpecEnv names the environment variable that overrides the location of
// the OSCAR contract (a Swagger 2.0 YAML file).
const SpecEnv = "OSCAR_OPENAPI"

// specTestdata is where the contract lives inside the repository's testdata/
// folder (a copy of OSCAR's own file, see testdata/NOTICE).
const specTestdata = "oscar-openapi.yaml"

// Spec is the parsed OSCAR contract. Loading it takes a few milliseconds;
// tests that start many fakes may load it once with LoadSpec and pass it in
// Options.Spec.
type Spec struct {
	path   string
	doc    *openapi3.T
	router routers.Router
}

// Path is the file the contract was read from.
func (s *Spec) Path() string { return s.path }

// FindSpecPath returns the contract's location: $OSCAR_OPENAPI if set,
// otherwise testdata/oscar-openapi.yaml at the module root (the first
// directory above the working directory that holds go.mod).
func FindSpecPath() (string, error) {
	if p := os.Getenv(SpecEnv); p != "" {
		return p, nil
	}
	p, err := Testdata(specTestdata)
	if err != nil {
		return "", fmt.Errorf("oscartest: find contract: %w; set %s", err, SpecEnv)
	}
	return p, nil
}

// LoadSpec reads the Swagger 2.0 contract at path ("" finds it with
// FindSpecPath) and converts it to OpenAPI 3 for kin-openapi.
func LoadSpec(path string) (*Spec, error) {
	if path == "" {
		p, err := FindSpecPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oscartest: load contract: %w", err)
	}
	var tree any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		return nil, fmt.Errorf("oscartest: load contract %s: %w", path, err)
	}
	js, err := json.Marshal(tree)
	if err != nil {
		return nil, fmt.Errorf("oscartest: load contract %s: %w", path, err)
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(js, &doc2); err != nil {
		return nil, fmt.Errorf("oscartest: load contract %s: %w", path, err)
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("oscartest: convert contract %s: %w", path, err)
	}
	// The fake is reached at whatever address httptest picks, so routes
	// are matched on the path alone.
	doc3.Servers = nil
	if err := doc3.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("oscartest: contract %s is not valid: %w", path, err)
	}
	r, err := legacyrouter.NewRouter(doc3)
	if err != nil {
		return nil, fmt.Errorf("oscartest: route contract %s: %w", path, err)
	}
	return &Spec{path: path, doc: doc3, router: r}, nil
}
