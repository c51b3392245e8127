package oscartest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultsAreInTheRepository checks that, without the overrides, the contract and the FDL
// examples are read from the repository's own testdata/ folder and are there: a fresh clone must
// test with nothing beside it.
func TestDefaultsAreInTheRepository(t *testing.T) {
	t.Setenv(SpecEnv, "")
	t.Setenv(FDLExamplesEnv, "")
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root %s has no go.mod: %v", root, err)
	}
	inRepo := func(what, p string) {
		t.Helper()
		rel, err := filepath.Rel(root, p)
		if err != nil || !strings.HasPrefix(rel, "testdata"+string(filepath.Separator)) {
			t.Errorf("%s is read from %s, outside the repository's testdata/ (%s)", what, p, root)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s is missing: %v", what, err)
		}
	}
	spec, err := FindSpecPath()
	if err != nil {
		t.Fatal(err)
	}
	inRepo("the OSCAR contract", spec)
	dir, err := FDLExamplesDir()
	if err != nil {
		t.Fatal(err)
	}
	inRepo("the FDL examples folder", dir)
	ex, err := FDLExamples()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ex["cowsay.yaml"]; !ok || len(ex) < 8 {
		t.Errorf("FDL examples = %d files, want the 8 of testdata/fdl-examples", len(ex))
	}
	if _, err := os.Stat(filepath.Join(root, "testdata", "NOTICE")); err != nil {
		t.Errorf("testdata/NOTICE (the origin and licence of OSCAR's files) is missing: %v", err)
	}
}

func TestFDLExamplesMissingIsAnError(t *testing.T) {
	t.Setenv(FDLExamplesEnv, t.TempDir())
	if ex, err := FDLExamples(); err == nil {
		t.Errorf("FDLExamples of an empty folder = %d files, no error", len(ex))
	}
}
