package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Defaults for Options.
const (
	DefaultGitHubAPI     = "https://api.github.com"
	DefaultGitHubRaw     = "https://raw.githubusercontent.com"
	DefaultTTL           = 10 * time.Minute
	DefaultMaxFile       = 2 << 20
	DefaultMaxIndex      = 4 << 20
	DefaultMaxFiles      = 5000
	DefaultMaxCacheBytes = 64 << 20
	DefaultMaxEntries    = 4096
	DefaultTimeout       = 10 * time.Second
)

// Options configure a Fetcher. Zero values take the defaults.
type Options struct {
	// Policy is the operator's outbound address policy (the one OSCAR
	// endpoints get): private addresses only when it allows them.
	Policy oscar.Policy
	// GitHubAPI and GitHubRaw are GitHub's API and raw content bases
	// (tests point them at a local fake).
	GitHubAPI, GitHubRaw string
	// TTL is how long a fetched file is served before it is revalidated.
	TTL time.Duration
	// MaxFile caps one file; MaxIndex caps a listing (tree or index.json);
	// MaxFiles caps the entries of a listing.
	MaxFile, MaxIndex int64
	MaxFiles          int
	// MaxCacheBytes and MaxEntries bound the cache; the least recently
	// used entries go first.
	MaxCacheBytes int64
	MaxEntries    int
	// Timeout bounds each request as a whole.
	Timeout time.Duration
	// Logger gets a Debug line per request and a Warn line when a source
	// fails. Nil discards.
	Logger *slog.Logger
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Fetcher lists and reads files of sources. It is safe for concurrent use.
type Fetcher struct {
	o      Options
	client *http.Client
	cache  *cache
	group  singleflight.Group
}

// New builds a Fetcher.
func New(o Options) *Fetcher {
	if o.GitHubAPI == "" {
		o.GitHubAPI = DefaultGitHubAPI
	}
	if o.GitHubRaw == "" {
		o.GitHubRaw = DefaultGitHubRaw
	}
	o.GitHubAPI = strings.TrimRight(o.GitHubAPI, "/")
	o.GitHubRaw = strings.TrimRight(o.GitHubRaw, "/")
	orDefault(&o.TTL, DefaultTTL)
	orDefault(&o.MaxFile, DefaultMaxFile)
	orDefault(&o.MaxIndex, DefaultMaxIndex)
	orDefault(&o.MaxFiles, DefaultMaxFiles)
	orDefault(&o.MaxCacheBytes, DefaultMaxCacheBytes)
	orDefault(&o.MaxEntries, DefaultMaxEntries)
	orDefault(&o.Timeout, DefaultTimeout)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Fetcher{
		o:      o,
		client: oscar.HardenedHTTPClient(o.Policy, 5*time.Second, o.Timeout),
		cache:  newCache(o.MaxCacheBytes, o.MaxEntries),
	}
}

// orDefault sets *v to d when it is zero or negative.
func orDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// File is one file read from a source.
type File struct {
	Body []byte
	// Fetched is when the source last confirmed this copy.
	Fetched time.Time
	// Stale is why the source could not be asked again, when this is the
	// last good copy; nil when the copy is fresh.
	Stale error
}

// Listing is the files of a source.
type Listing struct {
	// Paths are the files, sorted, each a ValidPath.
	Paths   []string
	Fetched time.Time
	Stale   error
}

// Has reports whether the listing names p.
func (l Listing) Has(p string) bool {
	_, ok := slices.BinarySearch(l.Paths, p)
	return ok
}

// Error is a failure to read a source. Its message names the source and
// the path, never a credential (sources carry none) or an address the
// policy refused (that goes to the debug log).
type Error struct {
	Source string
	Path   string
	// NotFound: the source answered that the file does not exist.
	NotFound bool
	// TooLarge: the file or listing is over its cap.
	TooLarge bool
	msg      string
}

func (e *Error) Error() string {
	where := e.Source
	if e.Path != "" {
		where += " " + e.Path
	}
	return where + ": " + e.msg
}

// List returns the files of src.
func (f *Fetcher) List(ctx context.Context, src Source) (Listing, error) {
	if src.Kind == Dir {
		paths, err := f.listDir(src)
		return Listing{Paths: paths, Fetched: f.o.Now()}, err
	}
	var u string
	switch src.Kind {
	case GitHub:
		u = fmt.Sprintf("%s/repos/%s/%s/git/trees/%s?recursive=1", f.o.GitHubAPI,
			url.PathEscape(src.Owner), url.PathEscape(src.Repo), url.PathEscape(src.Ref))
	case HTTPS:
		u = src.Base + "/index.json"
	default:
		return Listing{}, &Error{Source: src.String(), msg: "unknown kind of source"}
	}
	// A folder of a repository shares the repository's listing (one tree call per repository and
	// TTL), filtered here.
	whole := src
	whole.Sub = ""
	e, stale, err := f.fetch(ctx, whole, "", u, f.o.MaxIndex, func(body []byte) (any, error) {
		return f.parseListing(whole, body)
	})
	if err != nil {
		return Listing{}, err
	}
	paths := e.parsed.([]string)
	if src.Sub != "" {
		var under []string
		for _, p := range paths {
			if rel, ok := strings.CutPrefix(p, src.Sub+"/"); ok {
				under = append(under, rel)
			}
		}
		paths = under
	}
	return Listing{Paths: paths, Fetched: e.validated, Stale: stale}, nil
}

// Get returns the file p of src (a ValidPath).
func (f *Fetcher) Get(ctx context.Context, src Source, p string) (File, error) {
	if !ValidPath(p) {
		return File{}, &Error{Source: src.String(), Path: p, msg: "not a valid path"}
	}
	if src.Kind == Dir {
		b, err := f.readDir(src, p)
		return File{Body: b, Fetched: f.o.Now()}, err
	}
	var u string
	switch src.Kind {
	case GitHub:
		u = fmt.Sprintf("%s/%s/%s/%s/%s", f.o.GitHubRaw, url.PathEscape(src.Owner),
			url.PathEscape(src.Repo), oscar.EscapePath(src.Ref), oscar.EscapePath(path.Join(src.Sub, p)))
	case HTTPS:
		u = src.Base + "/" + oscar.EscapePath(p)
	default:
		return File{}, &Error{Source: src.String(), Path: p, msg: "unknown kind of source"}
	}
	e, stale, err := f.fetch(ctx, src, p, u, f.o.MaxFile, nil)
	if err != nil {
		return File{}, err
	}
	return File{Body: e.body, Fetched: e.validated, Stale: stale}, nil
}

// fetch returns the cached entry for (src, p) when it is fresh, or asks the
// source (with If-None-Match when there is a copy), or, when the source
// fails and there is a copy, the copy with the failure as stale.
func (f *Fetcher) fetch(ctx context.Context, src Source, p, u string, limit int64, parse func([]byte) (any, error)) (*entry, error, error) {
	key := src.String() + "\x00" + p
	now := f.o.Now()
	old := f.cache.get(key)
	if old != nil && now.Sub(old.validated) < f.o.TTL {
		return old, nil, nil
	}
	v, err, _ := f.group.Do(key, func() (any, error) {
		return f.revalidate(ctx, src, p, u, limit, parse, key, old)
	})
	if err != nil {
		if old != nil {
			f.o.Logger.WarnContext(ctx, "remote source failed; serving the last good copy",
				"source", src.String(), "path", p, "age", now.Sub(old.validated).Round(time.Second), "err", err)
			return old, err, nil
		}
		return nil, nil, err
	}
	return v.(*entry), nil, nil
}

func (f *Fetcher) revalidate(ctx context.Context, src Source, p, u string, limit int64, parse func([]byte) (any, error), key string, old *entry) (*entry, error) {
	// The request outlives a caller that gives up: the others waiting on
	// it, and the cache, still want the answer.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.o.Timeout)
	defer cancel()
	fail := func(format string, a ...any) *Error {
		return &Error{Source: src.String(), Path: p, msg: fmt.Sprintf(format, a...)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fail("cannot build the request")
	}
	req.Header.Set("User-Agent", "oscar-console")
	if src.Kind == GitHub && p == "" {
		req.Header.Set("Accept", "application/vnd.github+json")
	}
	if old != nil && old.etag != "" {
		req.Header.Set("If-None-Match", old.etag)
	}
	start := f.o.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		f.o.Logger.DebugContext(ctx, "remote request failed", "source", src.String(), "path", p, "err", err)
		if oscar.IsRefusedAddress(err) {
			return nil, fail("the address is not allowed (private addresses are off)")
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fail("no answer within %s", f.o.Timeout)
		}
		return nil, fail("cannot be reached")
	}
	defer resp.Body.Close()
	f.o.Logger.DebugContext(ctx, "remote request", "source", src.String(), "path", p,
		"status", resp.StatusCode, "duration", f.o.Now().Sub(start))
	switch {
	case resp.StatusCode == http.StatusNotModified && old != nil:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		renewed := *old
		renewed.validated = f.o.Now()
		f.cache.put(key, &renewed)
		return &renewed, nil
	case resp.StatusCode == http.StatusNotFound:
		// A file that is gone is gone: no stale copy.
		f.cache.drop(key)
		return nil, &Error{Source: src.String(), Path: p, NotFound: true, msg: "not found"}
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return nil, fail("answered with a redirect, which is not followed")
	case resp.StatusCode != http.StatusOK:
		return nil, fail("answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if resp.ContentLength > limit {
		return nil, &Error{Source: src.String(), Path: p, TooLarge: true, msg: fmt.Sprintf("larger than %s", size(limit))}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fail("the answer was cut short")
	}
	if int64(len(body)) > limit {
		return nil, &Error{Source: src.String(), Path: p, TooLarge: true, msg: fmt.Sprintf("larger than %s", size(limit))}
	}
	e := &entry{body: body, etag: resp.Header.Get("ETag"), validated: f.o.Now()}
	if parse != nil {
		v, err := parse(body)
		if err != nil {
			return nil, err
		}
		e.parsed = v
		e.body = nil // the parsed form is what is kept
	}
	f.cache.put(key, e)
	return e, nil
}

func (f *Fetcher) parseListing(src Source, body []byte) (any, error) {
	bad := func(why string) error { return &Error{Source: src.String(), msg: why} }
	var paths []string
	switch src.Kind {
	case GitHub:
		var tree struct {
			Tree []struct {
				Path string `json:"path"`
				Type string `json:"type"`
			} `json:"tree"`
			Truncated bool `json:"truncated"`
		}
		if err := json.Unmarshal(body, &tree); err != nil {
			return nil, bad("GitHub's tree answer is not JSON")
		}
		for _, t := range tree.Tree {
			if t.Type == "blob" && ValidPath(t.Path) {
				paths = append(paths, t.Path)
			}
		}
		if tree.Truncated {
			f.o.Logger.Warn("GitHub truncated the tree of a source; some files are not listed", "source", src.String())
		}
	case HTTPS:
		var idx struct {
			Files []string `json:"files"`
		}
		if err := json.Unmarshal(body, &idx); err != nil {
			return nil, bad(`index.json is not {"files": [...]}`)
		}
		for _, p := range idx.Files {
			if ValidPath(p) {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) > f.o.MaxFiles {
		return nil, &Error{Source: src.String(), TooLarge: true, msg: fmt.Sprintf("lists more than %d files", f.o.MaxFiles)}
	}
	slices.Sort(paths)
	return slices.Compact(paths), nil
}

func (f *Fetcher) listDir(src Source) ([]string, error) {
	root, err := os.OpenRoot(src.Dir)
	if err != nil {
		return nil, &Error{Source: src.String(), msg: "the directory cannot be opened"}
	}
	defer root.Close()
	var paths []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable entry is left out
		}
		if d.Type().IsRegular() && ValidPath(p) {
			if len(paths) >= f.o.MaxFiles {
				return &Error{Source: src.String(), TooLarge: true, msg: fmt.Sprintf("holds more than %d files", f.o.MaxFiles)}
			}
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	return paths, nil
}

// readDir reads p under the source's directory through os.Root, so that
// neither ".." nor a symbolic link leads out of it.
func (f *Fetcher) readDir(src Source, p string) ([]byte, error) {
	root, err := os.OpenRoot(src.Dir)
	if err != nil {
		return nil, &Error{Source: src.String(), msg: "the directory cannot be opened"}
	}
	defer root.Close()
	file, err := root.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Source: src.String(), Path: p, NotFound: true, msg: "not found"}
		}
		return nil, &Error{Source: src.String(), Path: p, msg: "cannot be read"}
	}
	defer file.Close()
	if st, err := file.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, &Error{Source: src.String(), Path: p, NotFound: true, msg: "not a file"}
	}
	b, err := io.ReadAll(io.LimitReader(file, f.o.MaxFile+1))
	if err != nil {
		return nil, &Error{Source: src.String(), Path: p, msg: "cannot be read"}
	}
	if int64(len(b)) > f.o.MaxFile {
		return nil, &Error{Source: src.String(), Path: p, TooLarge: true, msg: fmt.Sprintf("larger than %s", size(f.o.MaxFile))}
	}
	return b, nil
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
