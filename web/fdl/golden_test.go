package fdl

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// exportFile imports an FDL file (each named script given as a one-line stub) and exports all its
// services again as one file, complete, each script by file name.
func exportFile(t *testing.T, data []byte) []byte {
	t.Helper()
	f, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var entries []Entry
	for i, fn := range f.Functions {
		scripts := map[string]string{}
		if fn.ScriptFile != "" {
			scripts[fn.ScriptFile] = scriptFor(fn.Service.Name)
		}
		s, _ := f.Service(i, scripts)
		entries = append(entries, Entry{Service: s, ClusterID: fn.ClusterID, ScriptFile: fn.ScriptFile})
	}
	out, err := MarshalAll(entries, true)
	if err != nil {
		t.Fatalf("MarshalAll: %v", err)
	}
	return out
}

// TestGoldenImportExport: importing each of OSCAR's examples and exporting it gives the file in
// testdata/golden (go test -run Golden -update rewrites them), and importing that export and
// exporting it again gives the same bytes: the round trip is stable.
func TestGoldenImportExport(t *testing.T) {
	files := exampleFiles(t)
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			out := exportFile(t, data)
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".yaml")+".golden.yaml")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./web/fdl -run Golden -update to write it)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("export of %s differs from %s:\n%s", name, golden, out)
			}
			if again := exportFile(t, out); !bytes.Equal(again, out) {
				t.Errorf("import → export of the export is not stable:\nfirst:\n%s\nsecond:\n%s", out, again)
			}
		})
	}
}
