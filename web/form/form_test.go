package form

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ fn, in, want string }{
		{"Line", "  a\tb\x00c \n", "a b c"},
		{"Line", "\xff", "\uFFFD"},
		{"Value", " a\nb\x01\tc ", " ab \tc "},
		{"Text", "a\r\nb\rc\x00\td", "a\nb\nc\td"},
		{"Bound", "héllo", "h"}, // bounded to 2 bytes: "é" would be cut in half
	} {
		var got string
		switch tc.fn {
		case "Line":
			got = Line(tc.in)
		case "Value":
			got = Value(tc.in)
		case "Text":
			got = Text(tc.in)
		case "Bound":
			got = Bound(tc.in, 2)
		}
		if got != tc.want {
			t.Errorf("%s(%q) = %q, want %q", tc.fn, tc.in, got, tc.want)
		}
	}
	if got := Line(strings.Repeat("é", MaxLine)); len(got) > MaxLine || !utf8.ValidString(got) {
		t.Errorf("Line is not bounded on a character boundary: %d bytes", len(got))
	}
	if got := List("a, b;c\nb  d", 3); strings.Join(got, " ") != "a b c" {
		t.Errorf("List = %q, want the first 3 distinct items", got)
	}
}

func TestUploadedText(t *testing.T) {
	upload := func(name, content string) map[string][]*multipart.FileHeader {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("f", name)
		_, _ = w.Write([]byte(content))
		_ = mw.Close()
		r, _ := http.NewRequest(http.MethodPost, "/", &body)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Fatal(err)
		}
		return r.MultipartForm.File
	}
	for _, tc := range []struct {
		name, content string
		body, err     string
	}{
		{"run.sh", "echo hi\n", "echo hi\n", ""},
		{"bin", "a\x00b", "", "not a text file"},
		{"big", strings.Repeat("x", 11), "", "larger than"},
		{"empty", "", "", ""},
	} {
		body, name, err := UploadedText(upload(tc.name, tc.content), "f", 10)
		if body != tc.body || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: body %q, name %q, err %v; want %q, %q", tc.name, body, name, err, tc.body, tc.err)
		}
	}
	if _, name, err := UploadedText(nil, "f", 10); name != "" || err != nil {
		t.Errorf("no file: %q, %v", name, err)
	}
}
