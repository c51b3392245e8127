package hub_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/hub"
	"github.com/oscarconsole/oscar-console/web/hub/hubtest"
	"github.com/oscarconsole/oscar-console/web/remote"
)

// Attributes in tags (text may say anything: it is escaped).
var (
	reHandler   = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	reStyle     = regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`)
	reScriptURL = regexp.MustCompile(`(?i)<[^>]*\s(href|src)\s*=\s*"\s*(javascript|data|vbscript):`)
)

// FuzzRenderReadme: whatever a README holds, the HTML has no script, no event handler, no style
// and no image from elsewhere.
func FuzzRenderReadme(f *testing.F) {
	f.Add(hubtest.Crate("greeter")["README.md"])
	f.Add(hubtest.Crate("hostile")["README.md"])
	f.Add([]byte("<img src=x onerror=alert(1)>\n\n[a](javascript:x) ![b](//evil/x.png) <svg onload=x>"))
	f.Fuzz(func(t *testing.T, md []byte) {
		out := hub.RenderReadme(md, func(part string) (string, bool) { return "/hub/s/c/images/" + part, true })
		low := strings.ToLower(out)
		for _, bad := range []string{"<script", "<style", "<iframe", "<svg", "<object", "<form"} {
			if strings.Contains(low, bad) {
				t.Fatalf("rendered %q has %q", out, bad)
			}
		}
		if reHandler.MatchString(out) || reStyle.MatchString(out) || reScriptURL.MatchString(out) {
			t.Fatalf("rendered %q has an event handler, a style or a script URL", out)
		}
		for _, m := range regexp.MustCompile(`<img[^>]*src="([^"]*)"`).FindAllStringSubmatch(out, -1) {
			if !strings.HasPrefix(m[1], "/hub/s/c/images/") {
				t.Fatalf("image from elsewhere: %q", m[1])
			}
		}
	})
}

// FuzzReadZip: whatever the upload, ReadZip never returns a path outside the crate.
func FuzzReadZip(f *testing.F) {
	f.Add(hubtest.Zip(f, hubtest.Crate("greeter")))
	f.Add(hubtest.Zip(f, map[string][]byte{"../x": []byte("x"), "a/../../b": nil}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		files, _, err := hub.ReadZip(b)
		if err != nil {
			return
		}
		for p := range files {
			if !remote.ValidPath(p) {
				t.Fatalf("ReadZip returned %q", p)
			}
		}
		_ = hub.Check(files)
	})
}
