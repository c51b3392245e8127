package bucket

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// Kind is how the console previews an object.
type Kind int

// The kinds of preview. None means "download it"; Hostile is a file a browser would run (HTML, SVG,
// XHTML): never shown inline, only offered as a download.
const (
	None Kind = iota
	Image
	Text
	JSON
	CSV
	PDF
	Hostile
)

// MaxText is how much of a text, JSON or CSV object the preview reads (256 KiB).
const MaxText = 256 << 10

// MaxRows is how many data rows of a CSV object the preview shows.
const MaxRows = 200

// maxCols bounds the columns of a CSV preview, so a one-line file of separators stays readable.
const maxCols = 50

// inlineTypes are the only types the console serves with Content-Disposition: inline, by extension.
// The type comes from this list, never from storage: with nosniff a browser then refuses to treat an
// "image" that holds HTML as a page.
var inlineTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".webp": "image/webp", ".bmp": "image/bmp", ".avif": "image/avif", ".ico": "image/x-icon",
	".pdf": "application/pdf",
}

// textExts are previewed as escaped text.
var textExts = map[string]bool{
	".txt": true, ".log": true, ".out": true, ".err": true, ".md": true, ".py": true, ".sh": true,
	".r": true, ".yaml": true, ".yml": true, ".toml": true, ".ini": true, ".cfg": true, ".conf": true,
	".xml": true, ".go": true, ".c": true, ".h": true, ".java": true, ".js": true, ".css": true,
	".sql": true, ".dockerfile": true, ".fdl": true, ".json5": true, ".cwl": true,
}

// hostileExts are files a browser would execute or render as a document in the console's origin.
var hostileExts = map[string]bool{
	".html": true, ".htm": true, ".xhtml": true, ".shtml": true, ".svg": true, ".svgz": true,
	".xht": true, ".mht": true, ".mhtml": true, ".xsl": true, ".xslt": true,
}

// ext is a key's lower-case extension (".png"), or "" for a name without one.
func ext(key string) string { return strings.ToLower(path.Ext(path.Base(key))) }

// KindOf says how the console previews the object named key (by its extension: storage's content
// type is whatever the uploader claimed).
func KindOf(key string) Kind {
	e := ext(key)
	switch {
	case hostileExts[e]:
		return Hostile
	case e == ".pdf":
		return PDF
	case inlineTypes[e] != "":
		return Image
	case e == ".json" || e == ".geojson" || e == ".ipynb":
		return JSON
	case e == ".csv" || e == ".tsv":
		return CSV
	case textExts[e] || e == "":
		return Text
	}
	return None
}

// InlineType is the Content-Type under which the object named key may be served inline (an image
// or a PDF), and false for every other object: those are only ever sent as attachments.
func InlineType(key string) (string, bool) {
	if KindOf(key) == Hostile {
		return "", false
	}
	t, ok := inlineTypes[ext(key)]
	return t, ok
}

// ReadHead reads at most MaxText bytes of r and reports whether there was more.
func ReadHead(r io.Reader) ([]byte, bool, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxText+1))
	if err != nil {
		return nil, false, err
	}
	if len(data) > MaxText {
		return data[:MaxText], true, nil
	}
	return data, false, nil
}

// Binary reports whether data looks like binary content rather than text (a NUL byte, or mostly
// invalid UTF-8), so that a .log that is really a core dump is not shown as garbage.
func Binary(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	bad := 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 && i < len(data)-utf8.UTFMax {
			bad++
		}
		i += n
	}
	return bad*10 > len(data)
}

// AsText is data as valid UTF-8 text; a multi-byte character cut at the end (the preview reads a
// head of the file) is dropped, other invalid bytes become U+FFFD. The template escapes it.
func AsText(data []byte) string {
	for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
		if utf8.RuneStart(data[i]) {
			if !utf8.FullRune(data[i:]) {
				data = data[:i]
			}
			break
		}
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

// PrettyJSON indents a JSON document. ok is false when data is not valid JSON (or was cut): the
// preview then shows it as text.
func PrettyJSON(data []byte) (string, bool) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return "", false
	}
	return buf.String(), true
}

// Table reads a CSV (or, for a .tsv key, tab-separated) preview: the header row, at most MaxRows
// data rows, and whether rows were left out. cut says data is only the file's head: its last,
// possibly partial, line is then dropped. ok is false when data is not CSV at all.
func Table(key string, data []byte, cut bool) (header []string, rows [][]string, more bool, ok bool) {
	if cut {
		if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
			data = data[:i+1]
		}
		more = true
	}
	r := csv.NewReader(bytes.NewReader(data))
	if ext(key) == ".tsv" {
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, false, false
		}
		for i := range rec {
			rec[i] = strings.ToValidUTF8(rec[i], "\uFFFD")
		}
		if len(rec) > maxCols {
			rec = rec[:maxCols]
		}
		if header == nil {
			header = rec
			continue
		}
		if len(rows) == MaxRows {
			more = true
			break
		}
		rows = append(rows, rec)
	}
	return header, rows, more, header != nil
}
