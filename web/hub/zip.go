package hub

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/oscarconsole/oscar-console/web/remote"
)

// Bounds of an uploaded crate zip. The zip is read in memory (never written to disk), and so is
// every file in it, each bounded before it is read.
const (
	MaxZip        = 8 << 20  // the upload itself
	MaxZipEntries = 200      // files and folders in it
	MaxZipFile    = 2 << 20  // one file, uncompressed
	MaxZipTotal   = 16 << 20 // every file together, uncompressed
)

// ErrNotZip is returned by ReadZip for an upload that is not a zip archive.
var ErrNotZip = errors.New("hub: not a zip archive")

// ReadZip reads a crate folder uploaded as a zip into memory. A zip whose files all sit in one
// top folder (what zipping a folder gives) is read from inside it. Entries that would land outside
// the crate (absolute paths, "..", backslashes), links and files over the bounds are refused and
// listed as problems, never read.
func ReadZip(b []byte) (MapFiles, []Problem, error) {
	if len(b) > MaxZip {
		return nil, nil, fmt.Errorf("hub: the zip is larger than %d MiB", MaxZip>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, ErrNotZip
	}
	if len(zr.File) > MaxZipEntries {
		return nil, nil, fmt.Errorf("hub: the zip holds %d entries; at most %d are read", len(zr.File), MaxZipEntries)
	}
	prefix := commonFolder(zr.File)
	files := MapFiles{}
	var probs []Problem
	var total int64
	for _, zf := range zr.File {
		name := zf.Name
		if zf.FileInfo().IsDir() {
			continue
		}
		rel := strings.TrimPrefix(name, prefix)
		if !remote.ValidPath(name) || !remote.ValidPath(rel) {
			probs = append(probs, Problem{oneLine(name), "The zip names a path that leads outside the crate; it was not read."})
			continue
		}
		if !zf.Mode().IsRegular() {
			probs = append(probs, Problem{rel, "The entry is a link or special file; it was not read."})
			continue
		}
		if zf.UncompressedSize64 > MaxZipFile {
			probs = append(probs, Problem{rel, fmt.Sprintf("The file is larger than %d MiB; it was not read.", MaxZipFile>>20)})
			continue
		}
		body, err := readEntry(zf)
		if err != nil {
			probs = append(probs, Problem{rel, "The file could not be read from the zip."})
			continue
		}
		total += int64(len(body))
		if total > MaxZipTotal {
			return nil, nil, fmt.Errorf("hub: the zip's files are larger than %d MiB together", MaxZipTotal>>20)
		}
		files[rel] = body
	}
	return files, probs, nil
}

// readEntry reads one file, bounded whatever its header says (a header can lie).
func readEntry(zf *zip.File) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxZipFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxZipFile {
		return nil, errors.New("hub: file over the bound")
	}
	return b, nil
}

// commonFolder returns "name/" when every entry is inside that one folder, "" otherwise.
func commonFolder(files []*zip.File) string {
	prefix := ""
	for _, f := range files {
		top, _, ok := strings.Cut(f.Name, "/")
		if !ok || top == "" {
			return ""
		}
		if prefix == "" {
			prefix = top + "/"
		} else if prefix != top+"/" {
			return ""
		}
	}
	return prefix
}
