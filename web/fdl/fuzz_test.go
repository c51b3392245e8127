package fdl

import (
	"maps"
	"slices"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// FuzzFDLImport checks that Parse never panics, and that whatever it accepts exports (complete,
// script inline) to an FDL that imports back to the same service.
func FuzzFDLImport(f *testing.F) {
	// OSCAR's FDL examples (testdata/fdl-examples) are the seeds; missing ones fail the target.
	examples := exampleFiles(f)
	for _, name := range slices.Sorted(maps.Keys(examples)) {
		f.Add(examples[name])
	}
	f.Add([]byte("functions:\n  oscar:\n  - c:\n      name: a\n      script: |\n        echo hi\n      environment:\n        secrets: {K: v}\n"))
	f.Add([]byte("functions: {oscar: [{c: {name: \"null\", labels: {\"true\": \"1.0\"}, input: [{storage_provider: minio, path: a/b, suffix: [x]}]}}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		for i := range file.Functions {
			s, _ := file.Service(i, nil)
			out, err := Marshal(s, ExportOptions{Complete: true})
			if err != nil {
				t.Fatalf("Marshal of an imported service: %v", err)
			}
			back, err := Parse(out)
			if err != nil {
				t.Fatalf("the export does not import: %v\n%s", err, out)
			}
			got, _ := back.Service(0, nil)
			want := oscar.WithoutServerState(s)
			if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
				t.Fatalf("round trip changed the service:\n got %s\nwant %s\nFDL:\n%s", g, w, out)
			}
		}
	})
}
