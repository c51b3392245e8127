package handlers

// XSS tests of issue 11: OSCAR data (service fields, job and deployment logs, bucket object names),
// FDL content and the user's own claims, all carrying HTML and script payloads, are shown escaped
// on every screen: no element, attribute or URL of the page comes from them.

import (
	"github.com/oscarconsole/oscar-console/web/wizard"

	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/session"
)

// Payloads, each marked with a number so that a test can tell which one reached the page.
const (
	xssScript = `<script>alert("x1")</script>`
	xssImg    = `"><img src=x onerror=alert(2)>`
	xssSvg    = `'><svg onload=alert(3)>`
	xssAttr   = `" autofocus onfocus="alert(4)`
	xssURL    = `javascript:alert(5)`
)

// xssPayload combines them into one string for a single field.
const xssPayload = xssScript + xssImg + xssSvg + xssAttr

// checkEscaped fails if the page has any element, event handler attribute or javascript: URL that
// did not come from the console itself, and (when mustShow) if no payload text is visible at all,
// which would mean the screen did not show the data under test.
func checkEscaped(t *testing.T, what string, p *page, mustShow bool) {
	t.Helper()
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		// A download: safe when the browser cannot be talked into rendering it as a page.
		if strings.Contains(ct, "html") || strings.Contains(ct, "xml") || strings.Contains(ct, "svg") ||
			!strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") || p.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: non-page answer %q with Content-Disposition %q and nosniff %q", what, ct,
				p.Header.Get("Content-Disposition"), p.Header.Get("X-Content-Type-Options"))
		}
		return
	}
	if p.Doc == nil {
		t.Errorf("%s: no HTML", what)
		return
	}
	p.Doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, _ := s.Attr("src"); !strings.HasPrefix(src, "/static/") {
			t.Errorf("%s: a script element that is not the console's: %s", what, outer(s))
		}
	})
	p.Doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			name := strings.ToLower(a.Key)
			val := strings.ToLower(strings.TrimSpace(a.Val))
			if strings.HasPrefix(name, "on") {
				t.Errorf("%s: event handler attribute %s=%q on <%s>", what, a.Key, a.Val, goquery.NodeName(s))
			}
			if (name == "href" || name == "src" || name == "action" || name == "formaction" || name == "xlink:href") &&
				(strings.HasPrefix(val, "javascript:") || strings.HasPrefix(val, "data:text/html")) {
				t.Errorf("%s: %s=%q on <%s>", what, a.Key, a.Val, goquery.NodeName(s))
			}
			if name == "autofocus" && strings.Contains(outer(s), "alert(") {
				t.Errorf("%s: injected autofocus attribute: %s", what, outer(s))
			}
		}
	})
	for _, sel := range []string{"img[src=x]", "svg[onload]", "iframe", "object", "embed", "base"} {
		if n := p.Doc.Find(sel).Length(); n > 0 {
			t.Errorf("%s: %d injected %s elements", what, n, sel)
		}
	}
	if mustShow {
		text := p.Doc.Text()
		p.Doc.Find("input, textarea").Each(func(_ int, s *goquery.Selection) {
			v, _ := s.Attr("value")
			text += v
		})
		if !strings.Contains(text, "alert(") {
			t.Errorf("%s (status %d): no payload is shown, so this screen did not test escaping", what, p.StatusCode)
		}
	}
}

func outer(s *goquery.Selection) string {
	h, _ := goquery.OuterHtml(s)
	if len(h) > 200 {
		h = h[:200]
	}
	return h
}

// xssService is a service whose every displayed field carries a payload.
func xssService(name string) map[string]any {
	return map[string]any{
		"name":   name,
		"image":  "ghcr.io/x/" + xssPayload,
		"script": "#!/bin/sh\necho '" + xssPayload + "'\n",
		"cpu":    "0.5", "memory": "256Mi",
		"log_level":     "INFO",
		"vo":            "vo." + xssScript,
		"visibility":    "restricted",
		"allowed_users": []string{xssImg + "@egi.eu", xssScript},
		"owner":         xssSvg,
		"environment":   map[string]any{"variables": map[string]string{"K" + xssAttr: xssPayload}},
		"labels":        map[string]string{"l": xssPayload},
		"annotations":   map[string]string{"a": xssPayload},
		"input":         []any{map[string]any{"storage_provider": "minio.default", "path": name + "/in" + xssImg, "suffix": []string{xssScript}}},
		"output":        []any{map[string]any{"storage_provider": "webdav.dc", "path": "out/" + xssSvg}},
		"storage_providers": map[string]any{
			"webdav": map[string]any{"dc": map[string]any{"hostname": xssURL, "login": "u", "password": "p"}},
			"s3":     map[string]any{"aws": map[string]any{"access_key": "a", "secret_key": "s", "region": xssScript}},
		},
	}
}

// TestXSS_OSCARDataEscapedOnEveryScreen seeds the fake OSCAR with payloads in service fields, a
// service name, job names and logs, deployment logs (no screen shows them yet) and bucket object
// names, then checks every screen that shows them.
func TestXSS_OSCARDataEscapedOnEveryScreen(t *testing.T) {
	e := newSecEnv(t, oscartest.Options{ServerlessBackend: true,
		Run: func(service string, body []byte, contentType string) (int, string, []byte) {
			return http.StatusOK, "text/html", []byte(xssPayload)
		}}, nil)
	evilName := "evil" + xssImg
	for _, def := range []map[string]any{xssService("xss"), xssService(evilName)} {
		if err := e.fake.PutService(def); err != nil {
			t.Fatal(err)
		}
	}
	e.fake.SetDeploymentLogs("xss", "starting "+xssScript, "failed "+xssImg)
	e.fake.SetJobs("xss", oscartest.Job{Name: "xss-job", Status: "Failed", Log: "line 1 " + xssScript + "\nline 2 " + xssImg + "\n"})
	e.fake.SetJobs("xss", oscartest.Job{Name: "job" + xssSvg, Status: "Succeeded"})
	e.fake.AddBucket("xss", "cluster_admin", "private")
	e.fake.PutObjectData("xss", "in/"+xssScript+".txt", []byte("a"))
	e.fake.PutObjectData("xss", xssImg+"/"+xssSvg+".png", []byte("b"))

	screens := []struct {
		path     string
		mustShow bool
	}{
		{"/services", true},
		{"/services?q=" + url.QueryEscape(xssPayload), true},
		{"/services/xss", true},
		{"/services/" + url.PathEscape(evilName), true},
		{"/services/" + url.PathEscape(evilName) + "/delete", true},
		{"/services/xss/jobs", true},
		{"/services/xss/jobs/xss-job", true},
		{"/services/xss/jobs/xss-job/delete", false},
		{"/services/xss/invoke", false},
		{"/services/xss/export", true},
		{"/services/xss/export?complete=1", false},
		{"/services/xss/export/script", true},
		{"/services/" + url.PathEscape(evilName) + "/export?complete=1", true},
		{"/services/xss/edit/general", true},
		{"/services/xss/edit/storage", true},
		{"/services/xss/edit/inputs", true},
		{"/services/xss/edit/outputs", true},
		{"/services/xss/edit/review", true},
		{"/buckets", false},
		{"/buckets/xss", true},
		{"/buckets/xss?prefix=" + url.QueryEscape(xssImg+"/"), true},
		{"/buckets/xss/object-delete?key=" + url.QueryEscape("in/"+xssScript+".txt"), true},
		{"/buckets/xss/presign?key=" + url.QueryEscape("in/"+xssScript+".txt"), true},
		{"/cluster", false},
		{"/no/such/" + url.PathEscape(xssScript), false},
	}
	for _, s := range screens {
		p := e.get(s.path)
		if p.StatusCode >= 500 {
			t.Errorf("%s: status %d", s.path, p.StatusCode)
		}
		checkEscaped(t, "GET "+s.path, p, s.mustShow && p.StatusCode < 400)
	}
	// Downloads of attacker-controlled content are never rendered by the browser as a page of the
	// console's origin.
	e.fake.PutObjectData("xss", "evil.html", []byte("<html>"+xssPayload+"</html>"))
	for _, path := range []string{"/buckets/xss/objects/evil.html", "/buckets/xss/objects/in/" + url.PathEscape(xssScript+".txt"),
		"/services/xss/jobs/xss-job?download=1"} {
		p := e.get(path)
		ct, cd := p.Header.Get("Content-Type"), p.Header.Get("Content-Disposition")
		if p.StatusCode != http.StatusOK || strings.Contains(ct, "html") || !strings.HasPrefix(cd, "attachment") {
			t.Errorf("download %s: %d, Content-Type %q, Content-Disposition %q; want an attachment that is not HTML", path, p.StatusCode, ct, cd)
		}
		if strings.ContainsAny(cd, "\r\n") {
			t.Errorf("download %s: unsafe Content-Disposition %q", path, cd)
		}
	}
	// A synchronous invocation whose output is HTML with a script.
	p := e.post("/services/xss/invoke", url.Values{"mode": {"run"}, "input": {xssPayload}})
	if p.StatusCode != http.StatusOK {
		t.Errorf("synchronous invocation: status %d", p.StatusCode)
	}
	checkEscaped(t, "POST /services/xss/invoke", p, true)
}

// TestXSS_FDLImportEscaped imports FDL files carrying payloads, valid and invalid, and checks the
// import page, the error shown for a bad file, and every wizard step of the imported service.
func TestXSS_FDLImportEscaped(t *testing.T) {
	e := newSecEnv(t, oscartest.Options{}, nil)
	bad := "functions:\n  oscar:\n  - c:\n      name: x\n      " + xssScript + ": " + xssImg + "\n"
	p := e.post("/services/import", url.Values{"fdl": {bad}})
	if p.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad FDL: status %d, want 422", p.StatusCode)
	}
	checkEscaped(t, "import of a bad FDL", p, true)

	good := `functions:
  oscar:
  - cluster-` + "'" + `"><b>c</b>` + "'" + `:
      name: imported
      image: "ghcr.io/x/` + strings.ReplaceAll(xssPayload, `"`, `\"`) + `"
      script: |
        echo '` + xssScript + `'
      environment:
        variables:
          VAR: "` + strings.ReplaceAll(xssImg, `"`, `\"`) + `"
      input:
      - storage_provider: minio.default
        path: "imported/in` + strings.ReplaceAll(xssSvg, `"`, `\"`) + `"
      expose:
        api_port: [8080]
        health_path: "/` + strings.ReplaceAll(xssImg, `"`, `\"`) + `"
`
	p = e.post("/services/import", url.Values{"fdl": {good}})
	if p.StatusCode >= 400 {
		checkEscaped(t, "import of a payload FDL", p, true)
		t.Fatalf("payload FDL refused: %d\n%s", p.StatusCode, p.text("main"))
	}
	if p.StatusCode == http.StatusSeeOther {
		p = e.get(p.location())
	}
	checkEscaped(t, "after import", p, true)
	for _, step := range wizard.Steps() {
		p := e.get("/services/new/" + step)
		checkEscaped(t, "wizard step "+step, p, step != "storage" && step != "outputs")
	}
}

// TestXSS_UserClaimsEscaped: the user's name, e-mail and VOs (from the identity provider, so
// attacker-controlled for a self-registered account) are shown escaped in the frame and on the
// token page.
func TestXSS_UserClaimsEscaped(t *testing.T) {
	e := newSecEnv(t, oscartest.Options{Tokens: func(tok string) (string, []string, bool) {
		return "xss@egi.eu", []string{"vo.example.eu"}, tok == "tok-xss"
	}, OIDCGroups: []string{"vo.example.eu"}}, nil)
	e.signIn(session.Data{Kind: session.KindOIDC, Provider: "egi", Subject: "xss@egi.eu", Name: xssPayload,
		Email: xssImg + "@example.org", VOs: []string{"vo." + xssScript}, AccessToken: "tok-xss",
		Endpoint: e.ep, RecentEndpoints: []string{e.ep}})
	for _, path := range []string{"/services", "/token", "/cluster", "/endpoint", "/buckets", "/services/new/general"} {
		p := e.get(path)
		checkEscaped(t, "GET "+path, p, path == "/services" || path == "/token")
	}
}
