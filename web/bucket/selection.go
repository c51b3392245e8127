package bucket

import (
	"fmt"
	"strings"
)

// Object is one object of a bucket listing, as a selection needs it.
type Object struct {
	Key      string
	Size     int64
	Modified string
}

// Selection is what a user ticked in one folder of a bucket: objects by key and folders by prefix
// (each ending in "/").
type Selection struct {
	Keys    []string
	Folders []string
}

// Empty reports whether nothing is selected.
func (s Selection) Empty() bool { return len(s.Keys) == 0 && len(s.Folders) == 0 }

// Expand returns the listed objects the selection names, in listing order, each once: the selected
// keys, and every object under a selected folder (its folder marker, the empty "prefix/" object,
// included). missing lists the selected keys the listing no longer has (deleted meanwhile).
func Expand(listing []Object, sel Selection) (out []Object, missing []string) {
	keys := map[string]bool{}
	for _, k := range sel.Keys {
		keys[k] = false
	}
	for _, o := range listing {
		in := false
		if _, ok := keys[o.Key]; ok {
			keys[o.Key], in = true, true
		}
		for _, f := range sel.Folders {
			if strings.HasPrefix(o.Key, f) {
				in = true
			}
		}
		if in {
			out = append(out, o)
		}
	}
	for _, k := range sel.Keys {
		if !keys[k] {
			missing = append(missing, k)
			keys[k] = true
		}
	}
	return out, missing
}

// ZipName is the name of key's entry in a zip of a selection made in folder prefix: its path below
// that folder ("a/b/c.txt" from "a/" is "b/c.txt"). Keys are checked before (no "." or ".."
// segments, no leading "/"), so an entry never points outside the folder it is extracted in.
func ZipName(prefix, key string) string {
	return strings.TrimPrefix(key, prefix)
}

// ZipFiles are the objects of a zip: folder markers (keys ending in "/") hold nothing and are left
// out. total is their size.
func ZipFiles(objs []Object) (files []Object, total int64) {
	for _, o := range objs {
		if strings.HasSuffix(o.Key, "/") {
			continue
		}
		files = append(files, o)
		total += o.Size
	}
	return files, total
}

// CheckZip refuses, before anything is sent, a zip of more than maxFiles files or maxBytes bytes
// in all (the sizes the listing gives); "" means it may start.
func CheckZip(files []Object, total, maxBytes int64, maxFiles int, human func(int64) string) string {
	switch {
	case len(files) == 0:
		return "The selection holds no files (only empty folders)."
	case len(files) > maxFiles:
		return fmt.Sprintf("The selection holds %d files; the console zips at most %d at once. Select fewer files or folders.", len(files), maxFiles)
	case total > maxBytes:
		return fmt.Sprintf("The selection holds %s; the console zips at most %s at once. Select fewer files, or download the large ones on their own.", human(total), human(maxBytes))
	}
	return ""
}
