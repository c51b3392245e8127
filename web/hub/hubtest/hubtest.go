// Package hubtest holds small crates written for the tests of the OSCAR Hub (none is copied from a
// real catalogue): a good one with an icon, a README, sample input and a README image, one that
// needs parameters, one with an SVG icon, and a hostile one (script and event handlers in its README, an oversized icon,
// a path traversal in hasPart, an SVG icon). Files returns them in a source's layout, for
// remotetest or a file: directory.
package hubtest

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// PNG returns a small w×h PNG image.
func PNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(40 + x*3), uint8(120 + y), 200, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// NoisePNG returns a PNG of random pixels, which does not compress: about 4·w·h bytes.
func NoisePNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.Uint32())
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// Sample is the content of the greeter crate's sample input.
const Sample = "Hello from the hub test crate\n"

// GreeterFDL is the good crate's FDL: one service with an input on the cluster's MinIO.
const GreeterFDL = `functions:
  oscar:
  - my-cluster:
      name: greeter
      cpu: '0.5'
      memory: 256Mi
      image: ghcr.io/example/greeter:1.0
      script: script.sh
      input:
      - storage_provider: minio.default
        path: greeter/in
      output:
      - storage_provider: minio.default
        path: greeter/out
`

func metadata(name, desc, typ, cpu, mem string, parts ...string) string {
	var ps []string
	for _, p := range parts {
		ps = append(ps, `{"@id": "`+p+`"}`)
	}
	return `{
  "@context": "https://w3id.org/ro/crate/1.1/context",
  "@graph": [
    {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"},
     "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"}},
    {"@id": "./", "@type": ["Dataset", "SoftwareApplication"],
     "name": "` + name + `", "description": "` + desc + `", "version": "1.2.0",
     "license": {"@id": "https://spdx.org/licenses/MIT"}, "author": {"@id": "#team"},
     "serviceType": "` + typ + `", "memoryRequirements": "` + mem + `",
     "processorRequirements": ["` + cpu + `", "0 GPU"],
     "hasPart": [` + strings.Join(ps, ", ") + `]},
    {"@id": "https://spdx.org/licenses/MIT", "@type": "CreativeWork", "name": "MIT License"},
    {"@id": "#team", "@type": "Organization", "name": "Test Crate Team"},
    {"@id": "input.txt", "@type": "File", "name": "Sample input"}
  ]
}`
}

// Files returns the test crates in a source's layout (path → content).
func Files() map[string]string {
	return map[string]string{
		"README.md": "A catalogue for tests.\n",
		"crates/greeter/ro-crate-metadata.json": metadata("Greeter", "Greets whoever sends a line of text. It answers at once.",
			"synchronous", "1 vCPU", "256 MiB", "fdl.yml", "script.sh", "icon.png", "input.txt", "README.md", "diagram.png"),
		"crates/greeter/fdl.yml":     GreeterFDL,
		"crates/greeter/script.sh":   "#!/bin/sh\necho \"Hello, $(cat \"$INPUT_FILE_PATH\")\" > \"$TMP_OUTPUT_DIR/out.txt\"\n",
		"crates/greeter/icon.png":    string(PNG(48, 48)),
		"crates/greeter/diagram.png": string(PNG(160, 48)),
		"crates/greeter/input.txt":   Sample,
		"crates/greeter/README.md": "# Greeter\n\nSends greetings. See [the OSCAR docs](https://docs.oscar.grycap.net/).\n\n" +
			"![How it works](diagram.png)\n\n```sh\necho hi\n```\n",
		"crates/tagger/ro-crate-metadata.json": metadata("Tagger", "Tags images with a remote model; needs an API key.",
			"asynchronous", "2 vCPU", "1 GiB", "fdl.yml", "script.sh"),
		"crates/tagger/fdl.yml": `functions:
  oscar:
  - c:
      name: tagger
      cpu: '1'
      memory: 1Gi
      image: ghcr.io/example/tagger:2
      script: script.sh
      environment:
        variables:
          MODEL: small
          API_KEY: "<your API key>"
      input:
      - storage_provider: minio.default
        path: tagger/in
`,
		"crates/tagger/script.sh": "#!/bin/sh\ntag \"$INPUT_FILE_PATH\"\n",
		"crates/hostile/ro-crate-metadata.json": metadata("Hostile <b>crate</b>", "Tries every trick.",
			"exposed", "1 vCPU", "512 MiB", "fdl.yml", "script.sh", "icon.png", "../../etc/passwd", "logo.svg"),
		"crates/hostile/fdl.yml":   "functions:\n  oscar:\n  - c:\n      name: hostile\n      image: nginx\n      script: script.sh\n",
		"crates/hostile/script.sh": "#!/bin/sh\necho '<script>alert(1)</script>'\n",
		"crates/hostile/icon.png":  string(NoisePNG(300, 300)),
		"crates/hostile/logo.svg":  `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`,
		"crates/vector/ro-crate-metadata.json": metadata("Vector", "Has an SVG icon, which is never served.",
			"synchronous", "1 vCPU", "128 MiB", "fdl.yml", "script.sh", "icon.svg", "input.txt"),
		"crates/vector/input.txt": "a line to invoke with\n",
		"crates/vector/README.md": "# Vector\n\nInvoked with a line of text; its README is not in hasPart.\n",
		"crates/vector/fdl.yml":   "functions:\n  oscar:\n  - c:\n      name: vector\n      image: alpine\n      script: script.sh\n",
		"crates/vector/script.sh": "#!/bin/sh\ncat \"$INPUT_FILE_PATH\"\n",
		"crates/vector/icon.svg":  `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
		"crates/hostile/README.md": "# Hostile\n\n<script>alert('readme')</script>\n\n<img src=x onerror=alert(1)>\n\n" +
			"[click](javascript:alert(1)) ![remote](https://evil.example/track.png) ![up](../greeter/icon.png) " +
			"![svg](logo.svg)\n\n<p style=\"color:red\" onclick=\"alert(3)\">styled</p>\n",
	}
}

// WriteDir writes files under a new temporary directory and returns it (a file: source).
func WriteDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Crate returns the files of one crate of Files, by paths inside the crate.
func Crate(name string) map[string][]byte {
	out := map[string][]byte{}
	for p, body := range Files() {
		if rest, ok := strings.CutPrefix(p, "crates/"+name+"/"); ok {
			out[rest] = []byte(body)
		}
	}
	return out
}

// Zip zips files (path → content) in memory, as a user zips a crate folder.
func Zip(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
