package handlers

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
	"github.com/oscarconsole/oscar-console/web/wizard"
)

type goqueryS = goquery.Selection

// wzSetup starts a fake OSCAR and a console signed in to it with the basic-auth account.
func wzSetup(t *testing.T, o oscartest.Options) (*harness, *oscartest.Server) {
	t.Helper()
	fake := oscartest.NewT(t, o)
	h := newHarness(t, nil)
	h.signInBasic(fake.URL(), oscartest.DefaultBasicUser, oscartest.DefaultBasicPassword)
	return h, fake
}

// wzForm collects what a browser without JavaScript submits from the form matched by sel.
func wzForm(t testing.TB, p *page, sel string) url.Values {
	t.Helper()
	v, ok := wzFormValues(p.Doc, sel)
	if !ok {
		t.Fatalf("no form %q on the page (status %d):\n%s", sel, p.StatusCode, p.Body)
	}
	return v
}

// wzFormValues reads a form's successful controls: text, password and hidden inputs, checked boxes
// and radios, selects and textareas (no buttons, no files).
func wzFormValues(doc *goquery.Document, sel string) (url.Values, bool) {
	form := doc.Find(sel).First()
	if form.Length() == 0 {
		return nil, false
	}
	v := url.Values{}
	form.Find("input, select, textarea").Each(func(_ int, s *goquery.Selection) {
		name, ok := s.Attr("name")
		if !ok || name == "" {
			return
		}
		if _, disabled := s.Attr("disabled"); disabled {
			return
		}
		switch goquery.NodeName(s) {
		case "textarea":
			// The HTML parser drops the first newline of a textarea, as browsers do.
			v.Add(name, s.Text())
		case "select":
			opt := s.Find("option[selected]").First()
			if opt.Length() == 0 {
				opt = s.Find("option").First()
			}
			val, _ := opt.Attr("value")
			v.Add(name, val)
		default:
			typ, _ := s.Attr("type")
			val, _ := s.Attr("value")
			switch typ {
			case "submit", "button", "file", "reset", "image":
			case "checkbox", "radio":
				if _, checked := s.Attr("checked"); checked {
					if val == "" {
						val = "on"
					}
					v.Add(name, val)
				}
			default:
				v.Add(name, val)
			}
		}
	})
	return v, true
}

// wzFile is a file chosen in a file input.
type wzFile struct {
	field, name, content string
}

// wzSubmit submits the form sel of page p as a browser without JavaScript does: the form's values,
// with set applied (a value replaces, a missing key is left alone; "-" deletes), the pressed button
// (name=value) and files. The form's enctype decides urlencoded or multipart.
func (h *harness) wzSubmit(p *page, sel string, set map[string]string, button string, files ...wzFile) *page {
	h.t.Helper()
	v := wzForm(h.t, p, sel)
	for k, val := range set {
		if val == "-" {
			v.Del(k)
			continue
		}
		v.Set(k, val)
	}
	if button != "" {
		name, val, _ := strings.Cut(button, "=")
		v.Set(name, val)
	}
	form := p.Doc.Find(sel).First()
	action, _ := form.Attr("action")
	enctype, _ := form.Attr("enctype")
	if enctype == "multipart/form-data" {
		return h.wzPostMultipart(action, v, files...)
	}
	return h.post(action, v)
}

// wzPostMultipart submits a multipart form, as browsers do for forms with file inputs.
func (h *harness) wzPostMultipart(path string, v url.Values, files ...wzFile) *page {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vals := range v {
		for _, val := range vals {
			if err := mw.WriteField(k, val); err != nil {
				h.t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			h.t.Fatal(err)
		}
		if _, err := fw.Write([]byte(f.content)); err != nil {
			h.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		h.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, h.server.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return h.do(req)
}

// wzDraft reads the draft stored in the browser's session.
func (h *harness) wzDraft(key string) *wizard.Draft {
	h.t.Helper()
	raw := h.sessionData().Drafts[key]
	if len(raw) == 0 {
		return nil
	}
	d, err := wizard.Unmarshal(raw)
	if err != nil {
		h.t.Fatalf("draft %s: %v", key, err)
	}
	return d
}

// wzExpect checks a response's status and, for a redirect, its target.
func wzExpect(t *testing.T, p *page, status int, location string) {
	t.Helper()
	if p.StatusCode != status {
		t.Fatalf("status = %d, want %d; location %q\n%s", p.StatusCode, status, p.location(), wzSnippet(p))
	}
	if location != "" && p.location() != location {
		t.Fatalf("location = %q, want %q", p.location(), location)
	}
}

// wzSnippet is the page's main content, for failure messages.
func wzSnippet(p *page) string {
	if p.Doc == nil {
		return p.Body
	}
	txt := strings.Join(strings.Fields(p.Doc.Find("main").Text()), " ")
	if len(txt) > 2000 {
		txt = txt[:2000] + "…"
	}
	return txt
}

// wzFieldError returns the message shown next to a control, and checks it is wired for screen
// readers (aria-invalid, aria-describedby).
func wzFieldError(t *testing.T, p *page, name string) string {
	t.Helper()
	ctl := p.Doc.Find(`[name="` + name + `"]`).First()
	if ctl.Length() == 0 {
		t.Fatalf("no control named %q", name)
	}
	id, _ := ctl.Attr("id")
	msg := strings.TrimSpace(p.Doc.Find("#" + cssEscape(id) + "-error").Text())
	if msg == "" {
		return ""
	}
	if inv, _ := ctl.Attr("aria-invalid"); inv != "true" {
		t.Errorf("%s has an error but not aria-invalid=true", name)
	}
	if db, _ := ctl.Attr("aria-describedby"); !strings.Contains(db, id+"-error") {
		t.Errorf("%s: aria-describedby %q does not name its error", name, db)
	}
	return msg
}

// cssEscape escapes what goquery's selector parser would misread in an id.
func cssEscape(id string) string {
	r := strings.NewReplacer(".", `\.`, "[", `\[`, "]", `\]`)
	return r.Replace(id)
}

// wzCreated returns the JSON bodies the fake received for POST or PUT /system/services.
func wzSent(t *testing.T, fake *oscartest.Server, method string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, rq := range fake.Requests() {
		if rq.Method == method && rq.Path == "/system/services" {
			var m map[string]any
			if err := json.Unmarshal(rq.Body, &m); err != nil {
				t.Fatalf("%s /system/services body is not JSON: %v", method, err)
			}
			out = append(out, m)
		}
	}
	return out
}
