package bucket

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestKindOf(t *testing.T) {
	tests := map[string]Kind{
		"a/photo.PNG": Image, "x.jpeg": Image, "x.webp": Image, "doc.pdf": PDF,
		"run.log": Text, "notes.txt": Text, "README": Text, "script.py": Text,
		"out.json": JSON, "table.csv": CSV, "table.tsv": CSV,
		"page.html": Hostile, "page.HTM": Hostile, "icon.svg": Hostile, "x.xhtml": Hostile,
		"model.h5": None, "archive.tar.gz": None, "a.bin": None,
	}
	for key, want := range tests {
		if got := KindOf(key); got != want {
			t.Errorf("KindOf(%q) = %d, want %d", key, got, want)
		}
	}
}

func TestInlineType(t *testing.T) {
	for key, want := range map[string]string{"a.png": "image/png", "b/c.JPG": "image/jpeg", "d.pdf": "application/pdf"} {
		if got, ok := InlineType(key); !ok || got != want {
			t.Errorf("InlineType(%q) = %q %v, want %q", key, got, ok, want)
		}
	}
	for _, key := range []string{"x.html", "x.svg", "x.txt", "x.json", "x.csv", "x", "x.js", "x.xml", "x.svgz"} {
		if got, ok := InlineType(key); ok {
			t.Errorf("InlineType(%q) = %q, want no inline type", key, got)
		}
	}
}

func TestReadHead(t *testing.T) {
	small := strings.Repeat("a", 100)
	data, cut, err := ReadHead(strings.NewReader(small))
	if err != nil || cut || string(data) != small {
		t.Errorf("small = %d bytes cut=%v err=%v", len(data), cut, err)
	}
	exact := strings.Repeat("b", MaxText)
	if data, cut, _ := ReadHead(strings.NewReader(exact)); cut || len(data) != MaxText {
		t.Errorf("exactly MaxText: %d bytes cut=%v", len(data), cut)
	}
	huge := strings.Repeat("c", 3*MaxText)
	if data, cut, _ := ReadHead(strings.NewReader(huge)); !cut || len(data) != MaxText {
		t.Errorf("huge: %d bytes cut=%v", len(data), cut)
	}
}

func TestAsText(t *testing.T) {
	if got := AsText([]byte("héllo")); got != "héllo" {
		t.Errorf("valid = %q", got)
	}
	cutE := []byte("ab\xc3") // "é" cut after its first byte
	if got := AsText(cutE); got != "ab" {
		t.Errorf("cut character = %q, want it dropped", got)
	}
	if got := AsText([]byte("a\xffb")); got != "a\uFFFDb" {
		t.Errorf("invalid byte = %q", got)
	}
	if got := AsText([]byte("<script>alert(1)</script>")); got != "<script>alert(1)</script>" {
		t.Errorf("text changed = %q (escaping is the template's job)", got)
	}
}

func TestBinary(t *testing.T) {
	if !Binary([]byte("ELF\x00\x01\x02")) {
		t.Error("NUL bytes not seen as binary")
	}
	if Binary([]byte("plain log line\nanother line é\n")) {
		t.Error("text seen as binary")
	}
	if !Binary(bytes.Repeat([]byte{0xff, 0xfe, 'a'}, 100)) {
		t.Error("mostly invalid UTF-8 not seen as binary")
	}
}

func TestPrettyJSON(t *testing.T) {
	got, ok := PrettyJSON([]byte(`{"a":[1,2],"b":"<x>"}`))
	want := "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"<x>\"\n}"
	if !ok || got != want {
		t.Errorf("PrettyJSON = %q %v, want %q", got, ok, want)
	}
	if _, ok := PrettyJSON([]byte(`{"a":`)); ok {
		t.Error("a cut document was accepted")
	}
}

func TestTable(t *testing.T) {
	h, rows, more, ok := Table("t.csv", []byte("name,size\n\"a, b\",1\nc,2\n"), false)
	if !ok || more || strings.Join(h, "|") != "name|size" || len(rows) != 2 || rows[0][0] != "a, b" {
		t.Errorf("Table = %v %v more=%v ok=%v", h, rows, more, ok)
	}
	var b strings.Builder
	b.WriteString("i,square\n")
	for i := range 500 {
		fmt.Fprintf(&b, "%d,%d\n", i, i*i)
	}
	_, rows, more, ok = Table("t.csv", []byte(b.String()), false)
	if !ok || !more || len(rows) != MaxRows || rows[MaxRows-1][0] != "199" {
		t.Errorf("500 rows: %d shown, more=%v", len(rows), more)
	}
	_, rows, more, _ = Table("t.csv", []byte("h\n1\n2\n3"), true)
	if !more || len(rows) != 2 {
		t.Errorf("cut head: rows %v more=%v, want the partial last line dropped", rows, more)
	}
	h, rows, _, ok = Table("t.tsv", []byte("a\tb\n1\t2\n"), false)
	if !ok || len(h) != 2 || rows[0][1] != "2" {
		t.Errorf("tsv = %v %v", h, rows)
	}
}

func TestExpand(t *testing.T) {
	listing := []Object{{Key: "a/"}, {Key: "a/1.txt", Size: 1}, {Key: "a/b/2.txt", Size: 2}, {Key: "ab.txt", Size: 3}, {Key: "c.txt", Size: 4}}
	got, missing := Expand(listing, Selection{Keys: []string{"c.txt", "gone.txt", "a/1.txt"}, Folders: []string{"a/"}})
	var keys []string
	for _, o := range got {
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "a/,a/1.txt,a/b/2.txt,c.txt" || strings.Join(missing, ",") != "gone.txt" {
		t.Errorf("Expand = %v missing %v (ab.txt is not in folder a/)", keys, missing)
	}
	files, total := ZipFiles(got)
	if len(files) != 3 || total != 7 {
		t.Errorf("ZipFiles = %v %d, want the folder marker left out", files, total)
	}
	if n := ZipName("a/", "a/b/2.txt"); n != "b/2.txt" {
		t.Errorf("ZipName = %q", n)
	}
}

func TestCheckZip(t *testing.T) {
	human := func(n int64) string { return fmt.Sprintf("%d B", n) }
	files := []Object{{Key: "x", Size: 60}, {Key: "y", Size: 50}}
	if msg := CheckZip(files, 110, 100, 10, human); !strings.Contains(msg, "110 B") || !strings.Contains(msg, "100 B") {
		t.Errorf("over the size = %q", msg)
	}
	if msg := CheckZip(files, 110, 1000, 1, human); !strings.Contains(msg, "2 files") {
		t.Errorf("over the count = %q", msg)
	}
	if msg := CheckZip(nil, 0, 1000, 10, human); msg == "" {
		t.Error("an empty zip was allowed")
	}
	if msg := CheckZip(files, 110, 110, 2, human); msg != "" {
		t.Errorf("within the bounds = %q", msg)
	}
}
