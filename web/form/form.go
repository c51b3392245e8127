// Package form reads the values people post from HTML forms: one-line and multi-line text, lists
// and uploaded text files, each made valid UTF-8, cleaned of what the control could not hold, and
// bounded. It knows no routes and no pages; the wizard, the FDL import and the sign-in use it.
package form

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLine bounds a one-line value (bytes).
const MaxLine = 4096

// Bound cuts s to at most n bytes, on a character boundary.
func Bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// Line reads a one-line value: valid UTF-8, no control characters (a text input cannot hold
// them, so the value would change on the next save), no surrounding spaces, at most MaxLine bytes.
func Line(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.TrimSpace(Bound(s, MaxLine))
}

// Value reads the value of a key/value row: one line (it is a text input), spaces kept, at most
// 4 × MaxLine bytes.
func Value(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return -1
		}
		if unicode.IsControl(r) && r != '\t' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return Bound(s, MaxLine*4)
}

// List reads a list typed as "a, b c" or one item per line: at most max distinct items, each a
// Line.
func List(s string, max int) []string {
	var out []string
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) || unicode.IsControl(r) }) {
		if item = Line(item); item != "" && !slices.Contains(out, item) && len(out) < max {
			out = append(out, item)
		}
	}
	return out
}

// Text reads multi-line text (a textarea): valid UTF-8, the CRLF that browsers send turned into
// LF (OSCAR does the same to scripts; a shell script with CR breaks), and no control characters
// other than tab and newline.
func Text(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n"), "\r", "\n")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

// UploadedText reads the first file posted under field, at most limit bytes, and checks that it
// is text. name is "" when no file was chosen. Errors are sentences for the user, in lower case.
func UploadedText(files map[string][]*multipart.FileHeader, field string, limit int64) (body, name string, err error) {
	fhs := files[field]
	if len(fhs) == 0 || fhs[0].Size == 0 && fhs[0].Filename == "" {
		return "", "", nil
	}
	fh := fhs[0]
	if fh.Size > limit {
		return "", "", fmt.Errorf("the file %s is larger than %d KiB", fh.Filename, limit>>10)
	}
	b, err := ReadFile(fh, limit)
	if err != nil {
		return "", "", err
	}
	if len(b) == 0 {
		return "", "", nil
	}
	if err := CheckText(fh.Filename, b); err != nil {
		return "", "", err
	}
	return string(b), fh.Filename, nil
}

// CheckText refuses a file that is not UTF-8 text.
func CheckText(name string, b []byte) error {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return fmt.Errorf("the file %s is not a text file", name)
	}
	return nil
}

// ReadFile reads an uploaded file of at most limit bytes.
func ReadFile(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("the file %s could not be read", fh.Filename)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("the file %s could not be read", fh.Filename)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("the file %s is larger than %d KiB", fh.Filename, limit>>10)
	}
	return b, nil
}
