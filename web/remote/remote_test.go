package remote_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/remote"
	"github.com/oscarconsole/oscar-console/web/remote/remotetest"
)

func TestParseSource(t *testing.T) {
	good := map[string]string{
		"github:grycap/oscar-hub@main":   "github:grycap/oscar-hub@main",
		"github:grycap/oscar-hub":        "github:grycap/oscar-hub@main",
		"github:a/b@release/v1":          "github:a/b@release/v1",
		"https://hub.example.org/cat/":   "https://hub.example.org/cat",
		"file:/srv/hub":                  "file:/srv/hub",
		"file:///srv/hub/":               "file:/srv/hub",
		"  github:grycap/oscar-juno@v2 ": "github:grycap/oscar-juno@v2",
	}
	for in, want := range good {
		s, err := remote.ParseSource(in, false)
		if err != nil || s.String() != want {
			t.Errorf("ParseSource(%q) = %q, %v; want %q", in, s.String(), err, want)
		}
	}
	for _, in := range []string{
		"", "github:grycap", "github:/x", "github:a/b@", "github:a/b@../x", "github:a/b.git",
		"github:a/b@x y", "http://hub.example.org", "https://u:p@hub.example.org", "https://h/x?q=1",
		"file:relative", "ftp://x", "grycap/oscar-hub",
	} {
		if _, err := remote.ParseSource(in, false); err == nil {
			t.Errorf("ParseSource(%q) accepted", in)
		}
	}
	if _, err := remote.ParseSource("http://127.0.0.1:9/x", true); err != nil {
		t.Errorf("http with allowHTTP: %v", err)
	}
	list, err := remote.ParseSources("github:a/b, file:/x  github:a/b@main", false)
	if err != nil || len(list) != 2 {
		t.Errorf("ParseSources = %v, %v; want two (duplicate dropped)", list, err)
	}
	if list, err := remote.ParseSources("", false); err != nil || len(list) != 0 {
		t.Errorf("empty list = %v, %v", list, err)
	}
	if _, err := remote.ParseSources("github:a/b,nonsense", false); err == nil {
		t.Error("a bad entry in a list was accepted")
	}
}

func TestValidPath(t *testing.T) {
	for _, p := range []string{"a", "crates/x/fdl.yml", "a.b/c-d_e"} {
		if !remote.ValidPath(p) {
			t.Errorf("ValidPath(%q) = false", p)
		}
	}
	for _, p := range []string{"", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a/", `a\b`, "a\x00b", "a\nb", strings.Repeat("a", 513)} {
		if remote.ValidPath(p) {
			t.Errorf("ValidPath(%q) = true", p)
		}
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var files = map[string]string{
	"crates/a/fdl.yml":   "functions: {}",
	"crates/a/script.sh": "#!/bin/sh\necho a",
	"README.md":          "# hub",
}

func fetcher(fake *remotetest.Server, c *clock, o remote.Options) *remote.Fetcher {
	o.Policy = oscar.Policy{AllowPrivate: true, AllowHTTP: true}
	o.GitHubAPI, o.GitHubRaw = fake.API(), fake.Raw()
	o.Now = c.now
	return remote.New(o)
}

func TestGitHubListGetRevalidate(t *testing.T) {
	fake := remotetest.New(t, map[string]map[string]string{"grycap/oscar-hub@main": files})
	c := &clock{t: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)}
	f := fetcher(fake, c, remote.Options{TTL: time.Minute})
	src, _ := remote.ParseSource("github:grycap/oscar-hub@main", false)
	ctx := context.Background()

	l, err := f.List(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(l.Paths, ",") != "README.md,crates/a/fdl.yml,crates/a/script.sh" || l.Stale != nil {
		t.Fatalf("listing = %v (stale %v)", l.Paths, l.Stale)
	}
	if !l.Has("crates/a/fdl.yml") || l.Has("crates/a") {
		t.Error("Has is wrong about files and folders")
	}
	got, err := f.Get(ctx, src, "crates/a/script.sh")
	if err != nil || string(got.Body) != files["crates/a/script.sh"] {
		t.Fatalf("Get = %q, %v", got.Body, err)
	}
	// Within the TTL: served from memory.
	_, _ = f.Get(ctx, src, "crates/a/script.sh")
	_, _ = f.List(ctx, src)
	if n := fake.Requests("/raw/grycap/oscar-hub/main/crates/a/script.sh"); n != 1 {
		t.Errorf("file fetched %d times within the TTL, want 1", n)
	}
	if n := fake.Requests("/api/repos/grycap/oscar-hub/git/trees/main"); n != 1 {
		t.Errorf("tree fetched %d times within the TTL, want 1", n)
	}
	// After the TTL: revalidated with If-None-Match, answered 304.
	c.add(2 * time.Minute)
	got, err = f.Get(ctx, src, "crates/a/script.sh")
	if err != nil || string(got.Body) != files["crates/a/script.sh"] || !got.Fetched.Equal(c.now()) {
		t.Fatalf("revalidated Get = %q, %v, fetched %v", got.Body, err, got.Fetched)
	}
	if fake.NotModified() != 1 {
		t.Errorf("304 answers = %d, want 1", fake.NotModified())
	}
	// A changed file is read again after the TTL.
	changed := map[string]string{"crates/a/script.sh": "echo b"}
	fake.SetRepo("grycap/oscar-hub@main", changed)
	c.add(2 * time.Minute)
	got, _ = f.Get(ctx, src, "crates/a/script.sh")
	if string(got.Body) != "echo b" {
		t.Errorf("changed file = %q", got.Body)
	}
	l, _ = f.List(ctx, src)
	if len(l.Paths) != 1 {
		t.Errorf("changed listing = %v", l.Paths)
	}
	// A file that is gone is an error saying so.
	_, err = f.Get(ctx, src, "README.md")
	var re *remote.Error
	if !errors.As(err, &re) || !re.NotFound {
		t.Errorf("missing file: %v", err)
	}
}

func TestSourceDownServesLastGoodCopy(t *testing.T) {
	fake := remotetest.New(t, map[string]map[string]string{"a/b@main": files})
	c := &clock{t: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)}
	f := fetcher(fake, c, remote.Options{TTL: time.Minute})
	src, _ := remote.ParseSource("github:a/b@main", false)
	ctx := context.Background()
	if _, err := f.List(ctx, src); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get(ctx, src, "README.md"); err != nil {
		t.Fatal(err)
	}
	fake.SetDown(true)
	c.add(time.Hour)
	l, err := f.List(ctx, src)
	if err != nil || len(l.Paths) != 3 || l.Stale == nil || c.now().Sub(l.Fetched) != time.Hour {
		t.Fatalf("down listing: %v, err %v, stale %v, age %v", l.Paths, err, l.Stale, c.now().Sub(l.Fetched))
	}
	if !strings.Contains(l.Stale.Error(), "503") {
		t.Errorf("stale reason %q does not say what happened", l.Stale)
	}
	got, err := f.Get(ctx, src, "README.md")
	if err != nil || string(got.Body) != "# hub" || got.Stale == nil {
		t.Fatalf("down Get: %q, %v, %v", got.Body, err, got.Stale)
	}
	// Never read before: an error.
	if _, err := f.Get(ctx, src, "crates/a/fdl.yml"); err == nil {
		t.Error("a file never read came back while the source is down")
	}
	fake.SetDown(false)
	l, err = f.List(ctx, src)
	if err != nil || l.Stale != nil || !l.Fetched.Equal(c.now()) {
		t.Errorf("after recovery: err %v stale %v", err, l.Stale)
	}
}

func TestHTTPSIndexSource(t *testing.T) {
	fake := remotetest.New(t, map[string]map[string]string{"site/files@main": files})
	c := &clock{t: time.Now()}
	f := fetcher(fake, c, remote.Options{})
	src, err := remote.ParseSource(fake.Site("site/files@main"), true)
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.List(context.Background(), src)
	if err != nil || len(l.Paths) != 3 {
		t.Fatalf("index listing %v, %v", l.Paths, err)
	}
	got, err := f.Get(context.Background(), src, "crates/a/fdl.yml")
	if err != nil || string(got.Body) != files["crates/a/fdl.yml"] {
		t.Fatalf("Get %q %v", got.Body, err)
	}
}

func TestBoundsAndRefusals(t *testing.T) {
	big := strings.Repeat("x", 2048)
	fake := remotetest.New(t, map[string]map[string]string{"a/b@main": {"big": big, "small": "s", "../evil": "x"}})
	c := &clock{t: time.Now()}
	f := fetcher(fake, c, remote.Options{MaxFile: 1024})
	src, _ := remote.ParseSource("github:a/b@main", false)
	ctx := context.Background()
	_, err := f.Get(ctx, src, "big")
	var re *remote.Error
	if !errors.As(err, &re) || !re.TooLarge || !strings.Contains(err.Error(), "1 KiB") {
		t.Errorf("oversized file: %v", err)
	}
	l, err := f.List(ctx, src)
	if err != nil || strings.Join(l.Paths, ",") != "big,small" {
		t.Errorf("a traversing path was listed: %v %v", l.Paths, err)
	}
	if _, err := f.Get(ctx, src, "../evil"); err == nil {
		t.Error("a traversing path was read")
	}
	// Too many files in a listing.
	f2 := fetcher(fake, c, remote.Options{MaxFiles: 1})
	if _, err := f2.List(ctx, src); !errors.As(err, &re) || !re.TooLarge {
		t.Errorf("a listing over MaxFiles: %v", err)
	}
	// The strict policy refuses the fake's loopback address.
	strict := remote.New(remote.Options{GitHubAPI: fake.API(), GitHubRaw: fake.Raw()})
	_, err = strict.Get(ctx, src, "small")
	if err == nil || !strings.Contains(err.Error(), "not allowed") || strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("strict policy: %v", err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("secret")) }))
	defer target.Close()
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/x", http.StatusFound)
	}))
	defer redir.Close()
	f := remote.New(remote.Options{Policy: oscar.Policy{AllowPrivate: true, AllowHTTP: true}, GitHubRaw: redir.URL})
	src, _ := remote.ParseSource("github:a/b@main", false)
	got, err := f.Get(context.Background(), src, "x")
	if err == nil || !strings.Contains(err.Error(), "redirect") || string(got.Body) == "secret" {
		t.Errorf("redirect: %q %v", got.Body, err)
	}
}

func TestCacheIsBounded(t *testing.T) {
	repo := map[string]string{}
	for _, n := range []string{"a", "b", "c", "d"} {
		repo[n] = strings.Repeat(n, 400)
	}
	fake := remotetest.New(t, map[string]map[string]string{"a/b@main": repo})
	c := &clock{t: time.Now()}
	f := fetcher(fake, c, remote.Options{MaxCacheBytes: 1100, TTL: time.Hour})
	src, _ := remote.ParseSource("github:a/b@main", false)
	ctx := context.Background()
	for _, n := range []string{"a", "b", "c", "d"} {
		if _, err := f.Get(ctx, src, n); err != nil {
			t.Fatal(err)
		}
	}
	entries, bytes := remote.CacheStats(f)
	if bytes > 1100 || entries != 2 {
		t.Errorf("cache holds %d entries, %d bytes; want 2 within 1100", entries, bytes)
	}
	// "d" is recent and cached; "a" was evicted and is fetched again.
	_, _ = f.Get(ctx, src, "d")
	_, _ = f.Get(ctx, src, "a")
	if fake.Requests("/raw/a/b/main/d") != 1 || fake.Requests("/raw/a/b/main/a") != 2 {
		t.Errorf("requests d=%d a=%d; want 1 and 2", fake.Requests("/raw/a/b/main/d"), fake.Requests("/raw/a/b/main/a"))
	}
}

func TestDirSourceStaysInside(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "crates", "a"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "crates", "a", "fdl.yml"), []byte("functions: {}"), 0o644))
	must(os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644))
	must(os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "crates", "a", "link")))
	must(os.WriteFile(filepath.Join(dir, "big"), []byte(strings.Repeat("x", 2048)), 0o644))
	f := remote.New(remote.Options{MaxFile: 1024})
	src, err := remote.ParseSource("file:"+dir, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := f.List(ctx, src)
	if err != nil || strings.Join(l.Paths, ",") != "big,crates/a/fdl.yml" {
		t.Fatalf("dir listing %v %v (a symlink must not be listed)", l.Paths, err)
	}
	got, err := f.Get(ctx, src, "crates/a/fdl.yml")
	if err != nil || string(got.Body) != "functions: {}" {
		t.Fatalf("dir Get %q %v", got.Body, err)
	}
	if got, err := f.Get(ctx, src, "crates/a/link"); err == nil || string(got.Body) == "secret" {
		t.Errorf("a symlink out of the directory was read: %q", got.Body)
	}
	var re *remote.Error
	if _, err := f.Get(ctx, src, "big"); !errors.As(err, &re) || !re.TooLarge {
		t.Errorf("oversized dir file: %v", err)
	}
	if _, err := f.Get(ctx, src, "nope"); !errors.As(err, &re) || !re.NotFound {
		t.Errorf("missing dir file: %v", err)
	}
}

func TestGitHubFolderSource(t *testing.T) {
	fake := remotetest.New(t, map[string]map[string]string{"grycap/oscar-hub@feat": {
		"crates/fb/fdl.yml": "functions: {}", "crates/fb/script.sh": "echo", "crates/other/fdl.yml": "x", "README.md": "#",
	}})
	c := &clock{t: time.Now()}
	f := fetcher(fake, c, remote.Options{})
	src, err := remote.ParseSource("github:grycap/oscar-hub@feat//crates/fb/", false)
	if err != nil || src.Sub != "crates/fb" || src.String() != "github:grycap/oscar-hub@feat//crates/fb" || src.Label() != "grycap/oscar-hub/crates/fb" {
		t.Fatalf("ParseSource = %+v (%q), %v", src, src.String(), err)
	}
	l, err := f.List(context.Background(), src)
	if err != nil || strings.Join(l.Paths, ",") != "fdl.yml,script.sh" {
		t.Fatalf("folder listing %v, %v", l.Paths, err)
	}
	got, err := f.Get(context.Background(), src, "script.sh")
	if err != nil || string(got.Body) != "echo" {
		t.Fatalf("folder Get %q, %v", got.Body, err)
	}
	// The whole repository and another folder of it share one tree call.
	whole, _ := remote.ParseSource("github:grycap/oscar-hub@feat", false)
	other, _ := remote.ParseSource("github:grycap/oscar-hub@feat//crates/other", false)
	if l, err := f.List(context.Background(), whole); err != nil || len(l.Paths) != 4 {
		t.Errorf("whole listing %v, %v", l.Paths, err)
	}
	if l, err := f.List(context.Background(), other); err != nil || strings.Join(l.Paths, ",") != "fdl.yml" {
		t.Errorf("other folder %v, %v", l.Paths, err)
	}
	if n := fake.Requests("/api/repos/grycap/oscar-hub/git/trees/feat"); n != 1 {
		t.Errorf("%d tree calls for one repository, want 1", n)
	}
	for _, bad := range []string{"github:a/b@main//../x", "github:a/b@main//a//b", "github:a/b@main//"} {
		if s, err := remote.ParseSource(bad, false); err == nil && s.Sub != "" {
			t.Errorf("ParseSource(%q) = %+v", bad, s)
		}
	}
}
