package oscartest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// The tests' copies of OSCAR's own documents live in the repository's top-level testdata/ folder
// (testdata/NOTICE says where each comes from): the contract (testdata/oscar-openapi.yaml) and the
// FDL examples (testdata/fdl-examples/*.yaml). Tests read nothing outside the repository.

// FDLExamplesEnv names the environment variable that overrides the folder of OSCAR's FDL
// examples; by default it is testdata/fdl-examples at the module root.
const FDLExamplesEnv = "OSCAR_FDL_EXAMPLES"

// ModuleRoot returns the first directory above the working directory (itself included) that
// holds go.mod: the repository's root when a test runs in one of its packages.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("oscartest: find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("oscartest: find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Testdata returns the path made of elem inside the repository's testdata/
// folder, for instance Testdata("fdl-examples", "cowsay.yaml"). It does not check that it exists.
func Testdata(elem ...string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{root, "testdata"}, elem...)...), nil
}

// FDLExamplesDir returns the folder of OSCAR's FDL examples: $OSCAR_FDL_EXAMPLES if set,
// otherwise testdata/fdl-examples at the module root.
func FDLExamplesDir() (string, error) {
	if d := os.Getenv(FDLExamplesEnv); d != "" {
		return d, nil
	}
	return Testdata("fdl-examples")
}

// FDLExamples reads every *.yaml file of FDLExamplesDir, keyed by file name. Finding none is an
// error: tests that use the examples must fail, not pass vacuously, when the files are missing.
func FDLExamples() (map[string][]byte, error) {
	dir, err := FDLExamplesDir()
	if err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("oscartest: FDL examples: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("oscartest: no FDL examples (*.yaml) in %s; they belong in testdata/fdl-examples (or set %s)", dir, FDLExamplesEnv)
	}
	sort.Strings(paths)
	out := make(map[string][]byte, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("oscartest: FDL examples: %w", err)
		}
		out[filepath.Base(p)] = b
	}
	return out, nil
}
