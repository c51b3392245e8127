// Package static holds the console's embedded assets (stylesheet, scripts, images) and serves them
// under content-hashed URLs, so browsers may cache them forever and a new build never serves stale
// files.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed css js img
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

// Assets maps asset names to their hashed URLs.
type Assets struct {
	fs      fs.FS
	byName  map[string]string // "css/console.css" -> "/static/<hash>/css/console.css"
	hashOf  map[string]string // name -> hash
	content map[string][]byte
}

// New reads and hashes every embedded asset.
func New() (*Assets, error) {
	a := &Assets{fs: files, byName: map[string]string{}, hashOf: map[string]string{}, content: map[string][]byte{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])[:12]
		a.hashOf[p] = h
		a.byName[p] = Prefix + h + "/" + p
		a.content[p] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

var defaultAssets = sync.OnceValues(New)

// Path returns the hashed URL of the named asset (for example "css/console.css"). An unknown name
// gives a URL that answers 404, which the tests catch.
func Path(name string) string {
	a, err := defaultAssets()
	if err != nil {
		return Prefix + "missing/" + name
	}
	return a.Path(name)
}

// Default returns the assets embedded in the binary.
func Default() (*Assets, error) { return defaultAssets() }

// Path returns the hashed URL of the named asset.
func (a *Assets) Path(name string) string {
	if p, ok := a.byName[name]; ok {
		return p
	}
	return Prefix + "missing/" + name
}

// Size returns the size in bytes of the named asset, for page-weight accounting.
func (a *Assets) Size(name string) int { return len(a.content[name]) }

// Handler serves "/static/<hash>/<name>". A matching hash is cached for a year as immutable; a stale
// hash (an old page asking for an older build's file) gets the current file with a short cache life.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, Prefix)
		hash, name, ok := strings.Cut(rest, "/")
		b, found := a.content[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if hash == a.hashOf[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=60")
		}
		w.Header().Set("ETag", `"`+a.hashOf[name]+`"`)
		if r.Header.Get("If-None-Match") == `"`+a.hashOf[name]+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(b)
	})
}
